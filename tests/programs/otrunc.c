// O_TRUNC with O_RDONLY: Linux asks for write permission (build_open_flags adds MAY_WRITE) and
// truncates a regular file; a directory gives EISDIR; FIFOs and devices open and are not
// truncated (a device here: mkfifo in a host directory is refused under wasl, docs/quirks.md).
// Run by tests/otrunc.test.ts natively and under wasl (host passthrough and volfs).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static void try_open(const char *what, const char *path, int flags) {
  int fd = open(path, flags);
  if (fd < 0) { printf("%s: %s\n", what, strerror(errno)); return; }
  struct stat st;
  fstat(fd, &st);
  char b[8];
  ssize_t n = S_ISREG(st.st_mode) ? read(fd, b, sizeof b) : -2;
  printf("%s: ok, size %lld, read %zd\n", what, S_ISREG(st.st_mode) ? (long long)st.st_size : -1LL, n);
  close(fd);
}

static void put(const char *path, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "hello", 5) != 5) { perror(path); exit(1); }
  close(fd);
  chmod(path, mode);
}

int main(int argc, char **argv) {
  int as_user = !(argc > 1 && strcmp(argv[1], "root-only") == 0);
  strcpy(dir, "/tmp/otrunc-XXXXXX");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  chmod(dir, 0755);
  char f[96], ro[96], sub[96];
  snprintf(f, sizeof f, "%s/file", dir);
  snprintf(ro, sizeof ro, "%s/readonly", dir);
  snprintf(sub, sizeof sub, "%s/sub", dir);
  put(f, 0644);
  put(ro, 0444);
  mkdir(sub, 0755);

  try_open("rdonly|trunc of a regular file", f, O_RDONLY | O_TRUNC);
  put(f, 0644);
  try_open("rdonly of the same", f, O_RDONLY);
  try_open("rdonly|trunc of a directory", sub, O_RDONLY | O_TRUNC);
  try_open("rdonly|trunc|directory of a directory", sub, O_RDONLY | O_TRUNC | O_DIRECTORY);
  try_open("rdonly|trunc of /dev/null", "/dev/null", O_RDONLY | O_TRUNC);
  // As an unprivileged user (not with "root-only": the host passthrough checks wasl's own uid,
  // docs/quirks.md): write permission is asked for, so a file it may only read refuses.
  fflush(stdout);
  pid_t pid = as_user ? fork() : -1;
  if (pid == 0) {
    if (setgid(1000) != 0 || setuid(1000) != 0) { printf("uid 1000: cannot become it\n"); fflush(stdout); _exit(0); }
    try_open("uid 1000, rdonly|trunc of a 0444 file", ro, O_RDONLY | O_TRUNC);
    try_open("uid 1000, rdonly of it", ro, O_RDONLY);
    try_open("uid 1000, rdonly|trunc of a 0644 root file", f, O_RDONLY | O_TRUNC);
    fflush(stdout);
    _exit(0);
  }
  int st;
  if (pid > 0) waitpid(pid, &st, 0);
  // Root is not asked: the 0444 file is truncated.
  try_open("root, rdonly|trunc of a 0444 file", ro, O_RDONLY | O_TRUNC);
  unlink(f); unlink(ro); rmdir(sub); rmdir(dir);
  return 0;
}
