// memfd_create(2) and file seals, compared with the host kernel (tests/memfd.test.ts).
// Usage: memfd MODE — basic, seals, maps, exec. Prints what Linux documents and nothing that
// depends on the machine (inode numbers, addresses, device numbers are checked, not printed).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x10
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x20
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1
#define MFD_ALLOW_SEALING 2
#define MFD_HUGETLB 4
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 8
#define MFD_EXEC 0x10
#endif

static int mfd(const char *name, unsigned flags) { return syscall(SYS_memfd_create, name, flags); }

static void res(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

static void show(int fd) {
  struct stat st;
  fstat(fd, &st);
  printf("  mode %o nlink %lu size %ld blocks>0 %d uid ok %d gid ok %d blksize %ld\n", st.st_mode, (unsigned long)st.st_nlink,
    (long)st.st_size, st.st_blocks > 0, st.st_uid == geteuid(), st.st_gid == getegid(), (long)st.st_blksize);
  printf("  F_GETFL %o F_GETFD %d seals %d\n", fcntl(fd, F_GETFL), fcntl(fd, F_GETFD), fcntl(fd, F_GET_SEALS));
  char p[64], l[512];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(p, l, sizeof l - 1);
  l[n < 0 ? 0 : n] = 0;
  printf("  link %s\n", l);
}

static void mode_basic(void) {
  int fd = mfd("basic", 0);
  res("memfd_create basic", fd >= 0 ? 0 : -1);
  show(fd);
  res("write", write(fd, "hello, memfd\n", 13));
  res("lseek", lseek(fd, 0, SEEK_SET));
  char buf[64] = {0};
  res("read", read(fd, buf, sizeof buf));
  printf("  data %s", buf);
  res("ftruncate 1 MiB", ftruncate(fd, 1 << 20));
  res("pread at 1 MiB - 4", pread(fd, buf, 8, (1 << 20) - 4));
  show(fd);
  res("fchmod 0600", fchmod(fd, 0600));
  show(fd);
  int c = mfd("cloexec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  show(c);
  int x = mfd("noexec", MFD_NOEXEC_SEAL);
  show(x);
  res("fchmod +x under F_SEAL_EXEC", fchmod(x, 0777));
  res("fchmod 0644 under F_SEAL_EXEC", fchmod(x, 0644));
  res("F_ADD_SEALS on NOEXEC_SEAL (sealing allowed)", fcntl(x, F_ADD_SEALS, F_SEAL_SHRINK));
  int e = mfd("exec", MFD_EXEC);
  show(e);
  printf("-- errors\n");
  res("unknown flag", mfd("x", 0x100));
  res("EXEC|NOEXEC_SEAL", mfd("x", MFD_EXEC | MFD_NOEXEC_SEAL));
  res("bad name pointer", syscall(SYS_memfd_create, (char *)8, 0));
  char longname[300];
  memset(longname, 'n', sizeof longname); longname[249] = 0;
  int ok = mfd(longname, 0);
  res("249-byte name", ok >= 0 ? 0 : -1);
  longname[249] = 'n'; longname[250] = 0;
  res("250-byte name", mfd(longname, 0));
  memset(longname, 'n', sizeof longname); longname[299] = 0;
  res("299-byte name (the read stops past the limit: EINVAL, not EFAULT)", mfd(longname, 0));
  res("empty name", mfd("", 0) >= 0 ? 0 : -1);
  res("F_GET_SEALS on a pipe", ({ int p[2]; pipe(p); fcntl(p[0], F_GET_SEALS); }));
  res("F_GET_SEALS on the root directory", ({ int q = open("/", O_RDONLY); fcntl(q, F_GET_SEALS); }));
  int r = open("/proc/self/fd/3", O_RDONLY);
  res("reopen read-only via /proc/self/fd", r >= 0 ? 0 : -1);
  res("F_ADD_SEALS through a read-only fd", fcntl(r, F_ADD_SEALS, F_SEAL_GROW));
}

static void mode_seals(void) {
  int fd = mfd("seals", MFD_ALLOW_SEALING);
  write(fd, "0123456789", 10);
  res("seals at first", fcntl(fd, F_GET_SEALS));
  res("unknown seal bit", fcntl(fd, F_ADD_SEALS, 0x40));
  res("add SHRINK", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
  res("ftruncate 5", ftruncate(fd, 5));
  res("ftruncate 20", ftruncate(fd, 20));
  res("ftruncate 20 again (same size)", ftruncate(fd, 20));
  res("add GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
  res("ftruncate 30", ftruncate(fd, 30));
  res("pwrite 4 at 18 (2 fit)", pwrite(fd, "abcd", 4, 18));
  res("pwrite 4 at 20 (none fit)", pwrite(fd, "abcd", 4, 20));
  res("pwrite 4 at 0", pwrite(fd, "WXYZ", 4, 0));
  res("fallocate past the end", syscall(SYS_fallocate, fd, 0, 0, 100));
  res("fallocate KEEP_SIZE past the end", syscall(SYS_fallocate, fd, 1, 0, 100));
  res("add FUTURE_WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
  res("write", write(fd, "x", 1));
  res("punch hole", syscall(SYS_fallocate, fd, 3, 0, 4));
  res("mmap shared PROT_WRITE", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
  void *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
  res("mmap shared PROT_READ", ro == MAP_FAILED ? -1 : 0);
  res("mprotect it PROT_WRITE", mprotect(ro, 4096, PROT_READ | PROT_WRITE));
  void *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  res("mmap private PROT_WRITE", pv == MAP_FAILED ? -1 : 0);
  if (pv != MAP_FAILED) { memcpy(pv, "priv", 4); }
  char buf[32] = {0};
  pread(fd, buf, 20, 0);
  printf("  contents %.20s\n", buf);
  res("add SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
  res("add WRITE after SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
  res("seals now", fcntl(fd, F_GET_SEALS));
  printf("-- F_SEAL_WRITE and writable shared mappings\n");
  int g = mfd("busy", MFD_ALLOW_SEALING);
  ftruncate(g, 4096);
  char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, g, 0);
  memcpy(w, "mapped", 6);
  res("add WRITE while mapped writable", fcntl(g, F_ADD_SEALS, F_SEAL_WRITE));
  res("add FUTURE_WRITE while mapped writable", fcntl(g, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
  memcpy(w + 6, "+later", 6); // a FUTURE_WRITE seal leaves existing mappings writable
  pread(g, buf, 12, 0);
  printf("  read back %.12s\n", buf);
  munmap(w, 4096);
  res("add WRITE after munmap", fcntl(g, F_ADD_SEALS, F_SEAL_WRITE));
  res("write under WRITE", write(g, "x", 1));
  res("ftruncate under WRITE (no SHRINK/GROW seal)", ftruncate(g, 8192));
  int h = mfd("rdonly-map", MFD_ALLOW_SEALING);
  ftruncate(h, 4096);
  void *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, h, 0);
  res("add WRITE while mapped shared read-only from an O_RDWR fd", fcntl(h, F_ADD_SEALS, F_SEAL_WRITE));
  munmap(r, 4096);
  res("after munmap", fcntl(h, F_ADD_SEALS, F_SEAL_WRITE));
  int x = mfd("exec-seal", MFD_ALLOW_SEALING);
  res("add EXEC on a 0777 memfd", fcntl(x, F_ADD_SEALS, F_SEAL_EXEC));
  res("seals now (EXEC implies the write seals)", fcntl(x, F_GET_SEALS));
}

static void mode_maps(void) {
  int fd = mfd("mapped", 0);
  ftruncate(fd, 8192);
  char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  strcpy(a, "through the mapping");
  char buf[32] = {0};
  pread(fd, buf, 19, 0);
  printf("pread sees: %s\n", buf);
  pwrite(fd, "THROUGH", 7, 0);
  printf("mapping sees: %.19s\n", a);
  pid_t c = fork();
  if (c == 0) { strcpy(a + 4096, "from the child"); _exit(0); }
  waitpid(c, NULL, 0);
  printf("after fork: %s\n", a + 4096);
  FILE *m = fopen("/proc/self/maps", "r");
  char line[512];
  while (fgets(line, sizeof line, m)) {
    char *p = strstr(line, "/memfd:");
    if (p) {
      struct stat st;
      fstat(fd, &st);
      unsigned long ino = 0;
      sscanf(line, "%*s %*s %*s %*s %lu", &ino);
      printf("maps: %s", p);
      printf("maps inode matches fstat: %d\n", ino == st.st_ino);
    }
  }
  fclose(m);
}

static void mode_exec(const char *self) {
  // Copy this program into a memfd and run it from there (what runc and friends do).
  int in = open(self, O_RDONLY);
  int fd = mfd("payload", MFD_CLOEXEC);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) write(fd, buf, n);
  close(in);
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    char *argv[] = { "payload", "child", NULL };
    char *envp[] = { NULL };
    syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
    printf("execveat failed: %s\n", strerror(errno));
    fflush(stdout);
    _exit(1);
  }
  int st;
  waitpid(c, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  if (argc > 1 && !strcmp(argv[1], "child")) {
    char l[256];
    ssize_t n = readlink("/proc/self/exe", l, sizeof l - 1);
    l[n < 0 ? 0 : n] = 0;
    printf("running from a memfd: exe %s\n", l);
    return 0;
  }
  if (argc < 2) return 2;
  if (!strcmp(argv[1], "basic")) mode_basic();
  else if (!strcmp(argv[1], "seals")) mode_seals();
  else if (!strcmp(argv[1], "maps")) mode_maps();
  else if (!strcmp(argv[1], "exec")) mode_exec(argv[0]);
  else return 2;
  fflush(stdout);
  return 0;
}
