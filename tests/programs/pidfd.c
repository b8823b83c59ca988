// pidfds: pidfd_open, pidfd_send_signal, pidfd_getfd, waitid(P_PIDFD), CLONE_PIDFD through
// clone and clone3, poll — compared with the host kernel (tests/pidfd.test.ts). Children are
// stepped through pipes; pids are printed as "child" or "self", never as numbers.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#define PIDFD_NONBLOCK O_NONBLOCK

static long pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static long send_sig(int fd, int sig, siginfo_t *info, unsigned flags) { return syscall(SYS_pidfd_send_signal, fd, sig, info, flags); }
static long getfd(int fd, int target, unsigned flags) { return syscall(SYS_pidfd_getfd, fd, target, flags); }

static void res(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

static const char *pollbits(int fd) {
  struct pollfd p = { .fd = fd, .events = POLLIN };
  int n = poll(&p, 1, 0);
  static char b[64];
  snprintf(b, sizeof b, "%d%s%s%s", n, p.revents & POLLIN ? " IN" : "", p.revents & POLLHUP ? " HUP" : "", p.revents & POLLRDNORM ? " RDNORM" : "");
  return b;
}

static pid_t child_pid;
static void show_wait(const char *what, int fd, int options) {
  siginfo_t si;
  memset(&si, 0x55, sizeof si);
  long r = waitid(P_PIDFD, fd, &si, options);
  if (r < 0) { printf("%s: -1 %s (si_pid %d)\n", what, strerror(errno), si.si_pid); return; }
  printf("%s: 0 signo %d code %d pid %s status %d\n", what, si.si_signo, si.si_code,
    si.si_pid == child_pid ? "child" : si.si_pid == 0 ? "0" : "other", si.si_status);
}

static void fdinfo_pid(int fd) {
  char p[64], buf[1024];
  snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(p, "r");
  while (f && fgets(buf, sizeof buf, f)) {
    int v;
    if (sscanf(buf, "Pid:\t%d", &v) == 1) printf("  fdinfo Pid: %s\n", v == child_pid ? "child" : v == -1 ? "-1" : "other");
    if (sscanf(buf, "NSpid:\t%d", &v) == 1) printf("  fdinfo NSpid: %s\n", v == child_pid ? "child" : v == -1 ? "-1" : "other");
  }
  if (f) fclose(f);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("-- pidfd_open errors\n");
  res("bad flags", pidfd_open(getpid(), 1));
  res("pid 0", pidfd_open(0, 0));
  res("pid -1", pidfd_open(-1, 0));
  res("no such pid", pidfd_open(0x3ffffff0, 0));
  int self = pidfd_open(getpid(), 0);
  res("self", self >= 0 ? 0 : -1);
  printf("  F_GETFD %d F_GETFL %o\n", fcntl(self, F_GETFD), fcntl(self, F_GETFL));
  char l[128] = {0}, p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", self);
  readlink(p, l, sizeof l - 1);
  printf("  link %s\n", l);
  char b[8];
  res("read", read(self, b, 8));
  res("write", write(self, b, 8));
  res("waitid on self's pidfd (not a child)", waitid(P_PIDFD, self, &(siginfo_t){0}, WEXITED | WNOHANG));
  res("waitid P_PIDFD -1", waitid(P_PIDFD, -1, &(siginfo_t){0}, WEXITED));
  res("waitid P_PIDFD on stdin", waitid(P_PIDFD, 0, &(siginfo_t){0}, WEXITED));
  res("send to self signal 0", send_sig(self, 0, NULL, 0));
  res("send bad flags", send_sig(self, 0, NULL, 8));
  res("send two scopes", send_sig(self, 0, NULL, 3));
  res("send via stdin", send_sig(0, 0, NULL, 0));
  res("getfd flags", getfd(self, 1, 1));
  res("getfd via stdin", getfd(0, 1, 0));

  printf("-- a child: signals, polls, waits\n");
  int go[2], back[2];
  pipe(go); pipe(back);
  child_pid = fork();
  if (child_pid == 0) {
    close(go[1]);
    int keep[2];
    pipe(keep);
    dup2(keep[1], 50);
    write(50, "through pidfd_getfd\n", 20);
    dup2(keep[0], 51);
    write(back[1], "r", 1);
    char c;
    read(go[0], &c, 1);
    pause();
    _exit(0);
  }
  char c;
  read(back[0], &c, 1);
  int fd = pidfd_open(child_pid, 0);
  int nb = pidfd_open(child_pid, PIDFD_NONBLOCK);
  fdinfo_pid(fd);
  printf("  poll while running: %s\n", pollbits(fd));
  show_wait("waitid nonblocking pidfd while running", nb, WEXITED);
  show_wait("waitid WNOHANG while running", fd, WEXITED | WNOHANG);
  int got = getfd(fd, 51, 0);
  res("getfd child's 51", got >= 0 ? 0 : -1);
  printf("  F_GETFD %d\n", fcntl(got, F_GETFD));
  char buf[64] = {0};
  read(got, buf, 20);
  printf("  read: %s", buf);
  res("getfd child's 77 (not open)", getfd(fd, 77, 0));
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_signo = SIGTERM; si.si_code = SI_USER;
  res("send SIGTERM with si_code SI_USER to another process", send_sig(fd, SIGTERM, &si, 0));
  si.si_signo = SIGUSR1; si.si_code = SI_QUEUE;
  res("send with info for another signal", send_sig(fd, SIGTERM, &si, 0));
  write(go[1], "g", 1);
  usleep(20000);
  res("send SIGTERM", send_sig(fd, SIGTERM, NULL, 0));
  struct pollfd pf = { .fd = fd, .events = POLLIN };
  res("poll until it ends", poll(&pf, 1, 10000));
  printf("  poll after exit: %s\n", pollbits(fd));
  res("send to the zombie", send_sig(fd, 0, NULL, 0));
  show_wait("waitid WNOWAIT", fd, WEXITED | WNOWAIT);
  show_wait("waitid", fd, WEXITED);
  printf("  poll after reaping: %s\n", pollbits(fd));
  fdinfo_pid(fd);
  res("send after reaping", send_sig(fd, 0, NULL, 0));
  res("getfd after reaping", getfd(fd, 51, 0));
  show_wait("waitid again", fd, WEXITED);
  close(fd); close(nb);

  printf("-- CLONE_PIDFD\n");
  int pidfd = -1;
  res("clone CLONE_PIDFD|CLONE_PARENT_SETTID", syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0));
  pid_t pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
  if (pid == 0) _exit(7);
  child_pid = pid;
  printf("  clone: pidfd set %d cloexec %d\n", pidfd >= 0, fcntl(pidfd, F_GETFD));
  show_wait("  waitid", pidfd, WEXITED);
  close(pidfd);
  struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; } ca;
  memset(&ca, 0, sizeof ca);
  int pfd3 = -1;
  ca.flags = CLONE_PIDFD; ca.pidfd = (uintptr_t)&pfd3; ca.exit_signal = SIGCHLD;
  pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid == 0) { usleep(20000); _exit(9); }
  child_pid = pid;
  printf("  clone3: pidfd set %d cloexec %d\n", pfd3 >= 0, fcntl(pfd3, F_GETFD));
  fdinfo_pid(pfd3);
  pf.fd = pfd3;
  res("  poll until it ends", poll(&pf, 1, 10000));
  show_wait("  waitid", pfd3, WEXITED);
  ca.pidfd = 8; // a bad address
  res("clone3 CLONE_PIDFD with a bad pidfd address", syscall(SYS_clone3, &ca, sizeof ca));
  return 0;
}
