// Character device nodes made with mknod on lxcore's own filesystems (tests/devnode.test.ts):
// opened through the driver their number names, as chrdev_open does. Usage: devnode DIR.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static void res(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char p[512];
  mkdir(argv[1], 0755);
  snprintf(p, sizeof p, "%s/null", argv[1]);
  if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) != 0) { printf("mknod: %s\n", strerror(errno)); return 3; }
  int fd = open(p, O_RDWR);
  res("null: write", write(fd, "xyz", 3));
  char b[16];
  res("null: read", read(fd, b, sizeof b));
  struct stat st;
  fstat(fd, &st);
  printf("null: fstat rdev %u:%u char %d\n", major(st.st_rdev), minor(st.st_rdev), S_ISCHR(st.st_mode));
  close(fd);
  snprintf(p, sizeof p, "%s/zero", argv[1]);
  mknod(p, S_IFCHR | 0644, makedev(1, 5));
  fd = open(p, O_RDONLY);
  memset(b, 7, sizeof b);
  res("zero: read", read(fd, b, sizeof b));
  printf("zero: bytes %d %d\n", b[0], b[15]);
  close(fd);
  snprintf(p, sizeof p, "%s/urandom", argv[1]);
  mknod(p, S_IFCHR | 0444, makedev(1, 9));
  fd = open(p, O_RDONLY);
  res("urandom: read", read(fd, b, sizeof b));
  close(fd);
  snprintf(p, sizeof p, "%s/full", argv[1]);
  mknod(p, S_IFCHR | 0666, makedev(1, 7));
  fd = open(p, O_WRONLY);
  res("full: write", write(fd, "x", 1));
  close(fd);
  snprintf(p, sizeof p, "%s/nodriver", argv[1]);
  mknod(p, S_IFCHR | 0666, makedev(1, 99));
  res("1:99 (no such memory device)", open(p, O_RDONLY));
  snprintf(p, sizeof p, "%s/zero", argv[1]);
  pid_t c = fork();
  if (c == 0) {
    if (getuid() == 0 && setuid(1000) != 0) { printf("setuid failed\n"); _exit(1); }
    res("uid 1000 opens 0644 zero for writing", open(p, O_WRONLY));
    res("uid 1000 opens it for reading", open(p, O_RDONLY) >= 0 ? 0 : -1);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  return 0;
}
