// Opening /proc/self/fd/N is a new open of the file N names (proc_fd_link): its own offset and
// access mode, a file reopened read-write from a read-only descriptor, a deleted file reopened,
// a directory, a memfd reopened read-only, a pipe's ends reopened the other way. Run by tests/reopen.test.ts natively and under wasl.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int via_proc(int fd, int flags) {
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  return open(p, flags);
}

static void show(const char *what, long r) {
  if (r < 0) printf("%s: %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

int main(void) {
  char dir[] = "/tmp/reopen-XXXXXX";
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  char f[64];
  snprintf(f, sizeof f, "%s/file", dir);
  int w = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (w < 0 || write(w, "0123456789", 10) != 10) { perror("write"); return 1; }
  close(w);

  int a = open(f, O_RDONLY);
  char b[16] = {0};
  show("read 4 from the first", read(a, b, 4));
  int r = via_proc(a, O_RDONLY);
  show("reopened", r >= 0);
  memset(b, 0, sizeof b);
  show("read 3 from the reopened", read(r, b, 3));
  printf("  it read \"%s\" (its own offset)\n", b);
  show("offset of the first", lseek(a, 0, SEEK_CUR));
  show("offset of the reopened", lseek(r, 0, SEEK_CUR));
  show("write on the reopened read-only", write(r, "x", 1));
  int rw = via_proc(a, O_RDWR);
  show("reopened read-write from a read-only descriptor", rw >= 0);
  show("write 2 through it", write(rw, "ab", 2));
  memset(b, 0, sizeof b);
  show("pread 4 at 0 through the first", pread(a, b, 4, 0));
  printf("  it read \"%s\"\n", b);
  int ap = via_proc(a, O_WRONLY | O_APPEND);
  show("write with O_APPEND reopened", write(ap, "Z", 1));
  struct stat st;
  fstat(a, &st);
  show("size", st.st_size);
  show("O_CREAT|O_EXCL through the link", via_proc(a, O_WRONLY | O_CREAT | O_EXCL));
  show("O_DIRECTORY on a file", via_proc(a, O_RDONLY | O_DIRECTORY));

  // A deleted file is still reopened through its descriptor.
  unlink(f);
  int d = via_proc(a, O_RDONLY);
  memset(b, 0, sizeof b);
  show("read 5 from the deleted file reopened", d < 0 ? -1 : read(d, b, 5));
  printf("  it read \"%s\"\n", b);

  // A directory: its own position in the listing.
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  int d2 = via_proc(dfd, O_RDONLY | O_DIRECTORY);
  show("directory reopened", d2 >= 0);
  show("directory reopened for writing", via_proc(dfd, O_RDWR));

  // A memfd: reopened read-only, then writing through that is refused.
  int m = syscall(SYS_memfd_create, "reopen", 0);
  if (m >= 0) {
    show("memfd write", write(m, "memfd!", 6));
    int mr = via_proc(m, O_RDONLY);
    memset(b, 0, sizeof b);
    show("memfd reopened read", mr < 0 ? -1 : read(mr, b, 6));
    printf("  it read \"%s\"\n", b);
    show("write to the read-only memfd reopen", write(mr, "y", 1));
  }
  // A pipe: a new end of the access mode asked (fifo_open on the pipe's inode).
  int pp[2];
  if (pipe(pp) == 0) {
    show("write 2 into the pipe", write(pp[1], "hi", 2));
    int rd = via_proc(pp[1], O_RDONLY);
    memset(b, 0, sizeof b);
    show("read through the write end reopened for reading", rd < 0 ? -1 : read(rd, b, 2));
    printf("  it read \"%s\"\n", b);
    int wr = via_proc(pp[0], O_WRONLY);
    show("write through the read end reopened for writing", wr < 0 ? -1 : write(wr, "yo", 2));
    memset(b, 0, sizeof b);
    show("read it from the read end", read(pp[0], b, 2));
    printf("  it read \"%s\"\n", b);
    show("write on the read end itself", write(pp[0], "x", 1));
  }
  rmdir(dir);
  return 0;
}
