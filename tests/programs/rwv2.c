// preadv, pwritev, preadv2 and pwritev2 compared with the host kernel (tests/rwv2.test.ts):
// offsets and the file position, pipes (ESPIPE, RWF_NOWAIT), RWF_APPEND and RWF_NOAPPEND, the
// sync flags, unknown flags and bad offsets. Usage: rwv2 DIR.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef RWF_HIPRI
#define RWF_HIPRI 1
#define RWF_DSYNC 2
#define RWF_SYNC 4
#define RWF_NOWAIT 8
#define RWF_APPEND 16
#endif
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 32
#endif

static void res(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}
static long p2(int nr, int fd, struct iovec *v, int n, long pos, int flags) { return syscall(nr, fd, v, n, pos, 0L, flags); }

static void contents(int fd, const char *what) {
  char b[128] = {0};
  long n = pread(fd, b, sizeof b - 1, 0);
  for (long i = 0; i < n; i++) if (!b[i]) b[i] = '.';
  printf("%s: [%s] pos %ld\n", what, b, (long)lseek(fd, 0, SEEK_CUR));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char path[512];
  mkdir(argv[1], 0755);
  snprintf(path, sizeof path, "%s/f", argv[1]);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  char a[] = "hello", b[] = " world";
  struct iovec w[2] = { { a, 5 }, { b, 6 } };
  res("pwritev at 3", syscall(SYS_pwritev, fd, w, 2, 3L, 0L));
  contents(fd, "after");
  char r1[4] = {0}, r2[8] = {0};
  struct iovec rv[2] = { { r1, 3 }, { r2, 7 } };
  res("preadv at 4", syscall(SYS_preadv, fd, rv, 2, 4L, 0L));
  printf("  got [%s][%s]\n", r1, r2);
  res("preadv at -2", syscall(SYS_preadv, fd, rv, 2, -2L, 0L));
  res("pwritev2 at -1 (the position)", p2(SYS_pwritev2, fd, w, 1, -1, 0));
  contents(fd, "after");
  res("preadv2 at -1", p2(SYS_preadv2, fd, rv, 2, -1, 0));
  printf("  got [%s][%s] pos %ld\n", r1, r2, (long)lseek(fd, 0, SEEK_CUR));
  res("pwritev2 RWF_APPEND at 0", p2(SYS_pwritev2, fd, w, 1, 0, RWF_APPEND));
  contents(fd, "after");
  res("pwritev2 RWF_SYNC|RWF_DSYNC at 0", p2(SYS_pwritev2, fd, w + 1, 1, 0, RWF_SYNC | RWF_DSYNC));
  contents(fd, "after");
  res("pwritev2 unknown flag", p2(SYS_pwritev2, fd, w, 1, 0, 0x1000));
  res("preadv2 unknown flag", p2(SYS_preadv2, fd, rv, 1, 0, 0x1000));
  res("pwritev2 at -2", p2(SYS_pwritev2, fd, w, 1, -2, 0));
  res("preadv2 RWF_HIPRI", p2(SYS_preadv2, fd, rv, 1, 0, RWF_HIPRI));
  int ap = open(path, O_WRONLY | O_APPEND);
  res("pwritev on O_APPEND at 0 (appends)", syscall(SYS_pwritev, ap, w, 1, 0L, 0L));
  contents(fd, "after");
  res("pwritev2 RWF_NOAPPEND on O_APPEND at 0", p2(SYS_pwritev2, ap, w + 1, 1, 0, RWF_NOAPPEND));
  contents(fd, "after");
  int p[2];
  pipe(p);
  res("preadv on a pipe", syscall(SYS_preadv, p[0], rv, 1, 0L, 0L));
  res("preadv2 RWF_NOWAIT on an empty pipe", p2(SYS_preadv2, p[0], rv, 1, -1, RWF_NOWAIT));
  res("pwritev2 -1 on a pipe", p2(SYS_pwritev2, p[1], w, 2, -1, 0));
  res("preadv2 -1 on the pipe", p2(SYS_preadv2, p[0], rv, 2, -1, 0));
  printf("  got [%s][%s]\n", r1, r2);
  res("pwritev on a read-only fd", ({ int ro = open(path, O_RDONLY); syscall(SYS_pwritev, ro, w, 1, 0L, 0L); }));
  res("preadv iovcnt 1025", syscall(SYS_preadv, fd, rv, 1025, 0L, 0L));
  return 0;
}
