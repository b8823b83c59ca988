// openat2(2) compared with the host kernel (tests/openat2.test.ts): open_how's checks and every
// RESOLVE_* flag over a small tree with symlinks inside and out of it. Usage: openat2 DIR.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV 1
#define RESOLVE_NO_MAGICLINKS 2
#define RESOLVE_NO_SYMLINKS 4
#define RESOLVE_BENEATH 8
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20
#endif
struct how { uint64_t flags, mode, resolve; };

static int dfd;
static void o2(const char *what, int dir, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  struct how h = { flags, mode, resolve };
  long fd = syscall(SYS_openat2, dir, path, &h, sizeof h);
  if (fd < 0) { printf("%s: -1 %s\n", what, strerror(errno)); return; }
  char buf[64] = {0};
  long n = read(fd, buf, sizeof buf - 1);
  if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
  struct stat st;
  fstat(fd, &st);
  printf("%s: ok %s%s\n", what, S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" : "file:", S_ISREG(st.st_mode) ? buf : "");
  close(fd);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char top[512], p[600];
  snprintf(top, sizeof top, "%s", argv[1]);
  mkdir(top, 0755);
  snprintf(p, sizeof p, "%s/outside", top); FILE *f = fopen(p, "w"); fputs("outside\n", f); fclose(f);
  snprintf(p, sizeof p, "%s/root", top); mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/root/sub", top); mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/root/sub/file", top); f = fopen(p, "w"); fputs("inside\n", f); fclose(f);
  snprintf(p, sizeof p, "%s/root/file", top); f = fopen(p, "w"); fputs("root file\n", f); fclose(f);
  snprintf(p, sizeof p, "%s/root/rel", top); symlink("sub/file", p);
  snprintf(p, sizeof p, "%s/root/up", top); symlink("../outside", p);
  snprintf(p, sizeof p, "%s/root/abs", top); symlink("/file", p);
  snprintf(p, sizeof p, "%s/root/sub/back", top); symlink("../file", p);
  snprintf(p, sizeof p, "%s/root/loop", top); symlink("loop", p);
  snprintf(p, sizeof p, "%s/root", top);
  dfd = open(p, O_RDONLY | O_DIRECTORY);

  printf("-- open_how\n");
  struct how h = { O_RDONLY, 0, 0 };
  long r = syscall(SYS_openat2, dfd, "file", &h, 8); printf("size 8: %ld %s\n", r, strerror(errno));
  char big[64] = {0}; memcpy(big, &h, sizeof h); big[40] = 1;
  r = syscall(SYS_openat2, dfd, "file", big, 64); printf("size 64, tail not zero: %ld %s\n", r, strerror(errno));
  big[40] = 0;
  r = syscall(SYS_openat2, dfd, "file", big, 64); printf("size 64, tail zero: %s\n", r >= 0 ? "ok" : strerror(errno));
  o2("unknown flag", dfd, "file", 1ULL << 40, 0, 0);
  o2("mode without O_CREAT", dfd, "file", O_RDONLY, 0644, 0);
  o2("mode past 07777", dfd, "new", O_CREAT | O_WRONLY, 010000, 0);
  o2("unknown resolve bit", dfd, "file", O_RDONLY, 0, 0x40);
  o2("BENEATH|IN_ROOT", dfd, "file", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT);
  o2("O_DIRECTORY|O_CREAT", dfd, "newdir", O_DIRECTORY | O_CREAT, 0755, 0);
  o2("O_PATH with O_APPEND", dfd, "file", O_PATH | O_APPEND, 0, 0);
  o2("CACHED with O_CREAT", dfd, "new2", O_CREAT | O_WRONLY, 0644, RESOLVE_CACHED);
  o2("CACHED plain", dfd, "file", O_RDONLY, 0, RESOLVE_CACHED);
  o2("plain", dfd, "sub/file", O_RDONLY, 0, 0);
  printf("-- RESOLVE_BENEATH\n");
  o2("inside", dfd, "sub/file", O_RDONLY, 0, RESOLVE_BENEATH);
  o2("relative link inside", dfd, "rel", O_RDONLY, 0, RESOLVE_BENEATH);
  o2("link back up within", dfd, "sub/back", O_RDONLY, 0, RESOLVE_BENEATH);
  o2("sub/../file", dfd, "sub/../file", O_RDONLY, 0, RESOLVE_BENEATH);
  o2("../outside", dfd, "../outside", O_RDONLY, 0, RESOLVE_BENEATH);
  o2("link leading out", dfd, "up", O_RDONLY, 0, RESOLVE_BENEATH);
  o2("absolute link", dfd, "abs", O_RDONLY, 0, RESOLVE_BENEATH);
  o2("absolute path", dfd, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH);
  o2("create inside", dfd, "sub/made", O_CREAT | O_WRONLY, 0600, RESOLVE_BENEATH);
  printf("-- RESOLVE_IN_ROOT\n");
  o2("absolute link is under the root", dfd, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT);
  o2("../../file clamps at the root", dfd, "../../file", O_RDONLY, 0, RESOLVE_IN_ROOT);
  o2("link leading out", dfd, "up", O_RDONLY, 0, RESOLVE_IN_ROOT);
  o2("/sub/file", dfd, "/sub/file", O_RDONLY, 0, RESOLVE_IN_ROOT);
  printf("-- RESOLVE_NO_SYMLINKS, NO_MAGICLINKS\n");
  o2("no link", dfd, "sub/file", O_RDONLY, 0, RESOLVE_NO_SYMLINKS);
  o2("a link", dfd, "rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS);
  o2("a link with O_NOFOLLOW|O_PATH", dfd, "rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS);
  o2("a loop", dfd, "loop", O_RDONLY, 0, 0);
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", dfd);
  o2("magic link, plain", AT_FDCWD, self, O_RDONLY | O_DIRECTORY, 0, 0);
  o2("magic link, NO_MAGICLINKS", AT_FDCWD, self, O_RDONLY | O_DIRECTORY, 0, RESOLVE_NO_MAGICLINKS);
  o2("plain link, NO_MAGICLINKS", dfd, "rel", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS);
  printf("-- RESOLVE_NO_XDEV\n");
  o2("same filesystem", dfd, "sub/file", O_RDONLY, 0, RESOLVE_NO_XDEV);
  o2("into /proc", AT_FDCWD, "/proc/self/comm", O_RDONLY, 0, RESOLVE_NO_XDEV);
  return 0;
}
