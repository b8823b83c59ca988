// read(2) and its relatives into a buffer the kernel cannot (wholly) write: copy_to_user stops at
// the first bad page and the call returns what it copied; with nothing copied it is EFAULT, and a
// regular file's position does not move (at its end the read is 0, the buffer never touched).

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static void show(const char *what, long r, int fd) {
  printf("%-44s %ld %s pos %ld\n", what, r, r < 0 ? strerror(errno) : "", (long)lseek(fd, 0, SEEK_CUR));
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/proc/self/exe";
  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror(path); return 1; }
  void *unmapped = (void *)8;
  char *p = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p + 4096, 4096);           // p: one page, then a hole, then a page
  mprotect(p + 8192, 4096, PROT_READ); // the third page read-only
  show("read 100 into 8", syscall(SYS_read, fd, unmapped, 100), fd);
  show("read 100, 10 bytes before a hole", syscall(SYS_read, fd, p + 4096 - 10, 100), fd);
  show("read 100 into a read-only page", syscall(SYS_read, fd, p + 8192, 100), fd);
  show("pread64 100 at 50 into 8", syscall(SYS_pread64, fd, unmapped, 100, 50), fd);
  show("pread64 100 at 50, 7 before a hole", syscall(SYS_pread64, fd, p + 4096 - 7, 100, 50), fd);
  struct iovec iov[3] = {{p, 16}, {unmapped, 100}, {p + 32, 16}};
  show("readv: 16 good, then bad, then good", syscall(SYS_readv, fd, iov, 3), fd);
  show("preadv at 5: 16 good, then bad", syscall(SYS_preadv, fd, iov, 3, 5L, 0L), fd);
  struct iovec bad[1] = {{unmapped, 100}};
  show("readv into 8 only", syscall(SYS_readv, fd, bad, 1), fd);
  lseek(fd, 0, SEEK_END);
  show("read 100 into 8 at the end", syscall(SYS_read, fd, unmapped, 100), fd);
  show("pread64 100 into 8 past the end", syscall(SYS_pread64, fd, unmapped, 100, 1L << 40), fd);
  return 0;
}
