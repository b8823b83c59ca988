// Advisory locks, pipe sizes and close_range, compared with the host kernel (tests/locks.test.ts).
// Usage: locks MODE DIR — MODE is posix, ofd, flock, wait, pipesz, closerange; DIR a scratch
// directory. Processes order their steps with pipes, so the output does not depend on timing;
// pids are printed as "self", "parent", "child" or the raw -1, never as numbers.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef LOCK_MAND
#define LOCK_MAND 32
#define LOCK_READ 64
#endif
#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif

static pid_t parent_pid, child_pid;
static char path[4096];

static const char *who(pid_t p) {
  static char buf[32];
  if (p == -1) return "-1";
  if (p == getpid()) return "self";
  if (p == parent_pid) return "parent";
  if (p == child_pid) return "child";
  snprintf(buf, sizeof buf, "other(%s)", p > 0 ? "pos" : "neg");
  return buf;
}

static const char *tname(int t) { return t == F_RDLCK ? "RD" : t == F_WRLCK ? "WR" : t == F_UNLCK ? "UN" : "??"; }

static int lk(int fd, int cmd, int type, int whence, long start, long len) {
  struct flock fl = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len, .l_pid = 0 };
  return fcntl(fd, cmd, &fl);
}

static void setlk(const char *what, int fd, int cmd, int type, int whence, long start, long len) {
  int r = lk(fd, cmd, type, whence, start, len);
  printf("%s: %d %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static void getlk(const char *what, int fd, int cmd, int type, long start, long len) {
  struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len, .l_pid = 0 };
  int r = fcntl(fd, cmd, &fl);
  if (r < 0) { printf("%s: -1 %s\n", what, strerror(errno)); return; }
  if (fl.l_type == F_UNLCK)
    printf("%s: free (whence %d start %ld len %ld)\n", what, fl.l_whence, (long)fl.l_start, (long)fl.l_len);
  else
    printf("%s: %s whence %d start %ld len %ld pid %s\n", what, tname(fl.l_type), fl.l_whence, (long)fl.l_start, (long)fl.l_len, who(fl.l_pid));
}

static int openf(int flags) {
  int fd = open(path, flags | O_CREAT, 0644);
  if (fd < 0) { perror("open"); exit(2); }
  return fd;
}

// A child that runs `fn` once told to (via its pipe) and reports back; the parent steps it.
static int to_child[2], to_parent[2];
static void step_child(void) { fflush(stdout); char c = 's'; write(to_child[1], &c, 1); read(to_parent[0], &c, 1); fflush(stdout); }
static int child_wait(void) { char c; return read(to_child[0], &c, 1) == 1; }
static void child_done(void) { char c = 'd'; fflush(stdout); write(to_parent[1], &c, 1); }

static void start_child(void (*body)(void)) {
  fflush(stdout);
  pipe(to_child); pipe(to_parent);
  parent_pid = getpid();
  child_pid = fork();
  if (child_pid == 0) { child_pid = getpid(); close(to_child[1]); close(to_parent[0]); body(); fflush(stdout); _exit(0); }
  close(to_child[0]); close(to_parent[1]);
}
static void end_child(void) {
  close(to_child[1]);
  int st; waitpid(child_pid, &st, 0);
  printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

// ---- posix ------------------------------------------------------------------------------------

static void posix_child(void) {
  int fd = openf(O_RDWR);
  int n = 0;
  while (child_wait()) {
    n++;
    printf("[child step %d]\n", n);
    getlk("  getlk WR 0..", fd, F_GETLK, F_WRLCK, 0, 0);
    getlk("  getlk RD 0..", fd, F_GETLK, F_RDLCK, 0, 0);
    getlk("  getlk WR 10+5", fd, F_GETLK, F_WRLCK, 10, 5);
    getlk("  getlk RD 10+5", fd, F_GETLK, F_RDLCK, 10, 5);
    getlk("  getlk WR 25+1", fd, F_GETLK, F_WRLCK, 25, 1);
    getlk("  getlk WR 100+1", fd, F_GETLK, F_WRLCK, 100, 1);
    setlk("  setlk WR 30+1", fd, F_SETLK, F_WRLCK, SEEK_SET, 30, 1);
    setlk("  setlk RD 12+1", fd, F_SETLK, F_RDLCK, SEEK_SET, 12, 1);
    setlk("  unlock all", fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
    child_done();
  }
}

static void mode_posix(void) {
  int fd = openf(O_RDWR);
  ftruncate(fd, 50);
  start_child(posix_child);
  printf("-- errors\n");
  setlk("bad whence", fd, F_SETLK, F_WRLCK, 7, 0, 1);
  setlk("bad type", fd, F_SETLK, 9, SEEK_SET, 0, 1);
  setlk("negative start", fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1);
  setlk("negative len past 0", fd, F_SETLK, F_WRLCK, SEEK_SET, 2, -5);
  setlk("overflow", fd, F_SETLK, F_WRLCK, SEEK_SET, 0x7fffffffffffffffL, 2);
  getlk("getlk UNLCK", fd, F_GETLK, F_UNLCK, 0, 1);
  getlk("getlk on own locks", fd, F_GETLK, F_WRLCK, 0, 0);
  int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
  setlk("WR on O_RDONLY", ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
  setlk("RD on O_WRONLY", wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 1);
  setlk("F_GETLK64 (12) is EINVAL on x86-64", fd, 12, F_RDLCK, SEEK_SET, 0, 1);
  int op = open(path, O_PATH);
  setlk("on O_PATH", op, F_SETLK, F_RDLCK, SEEK_SET, 0, 1);
  close(op);
  printf("-- ranges\n");
  setlk("WR 10+10", fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10);
  setlk("RD 14+2 (splits)", fd, F_SETLK, F_RDLCK, SEEK_SET, 14, 2);
  setlk("WR 20+5 (merges with 16..19)", fd, F_SETLK, F_WRLCK, SEEK_SET, 20, 5);
  lseek(fd, 40, SEEK_SET);
  setlk("RD cur-5 len -3 (32..34)", fd, F_SETLK, F_RDLCK, SEEK_CUR, -5, -3);
  setlk("WR end+10 to EOF (60..)", fd, F_SETLK, F_WRLCK, SEEK_END, 10, 0);
  step_child();
  printf("-- unlock middle of 60.. and 10..13\n");
  setlk("UN 70+10", fd, F_SETLK, F_UNLCK, SEEK_SET, 70, 10);
  setlk("UN 10+4", fd, F_SETLK, F_UNLCK, SEEK_SET, 10, 4);
  step_child();
  printf("-- closing another descriptor of the file drops them all\n");
  close(ro);
  step_child();
  printf("-- fork does not inherit; dup shares\n");
  setlk("WR 0+1", fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
  int d = dup(fd);
  close(d);
  step_child();
  setlk("WR 5+1", fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1);
  fflush(stdout);
  pid_t g = fork();
  if (g == 0) {
    getlk("grandchild getlk WR 5+1", fd, F_GETLK, F_WRLCK, 5, 1);
    setlk("grandchild setlk WR 5+1", fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1);
    fflush(stdout);
    _exit(0);
  }
  waitpid(g, NULL, 0);
  end_child();
  close(fd); close(wo);
}

// ---- ofd --------------------------------------------------------------------------------------

static void mode_ofd(void) {
  int a = openf(O_RDWR), b = openf(O_RDWR);
  parent_pid = getpid();
  setlk("ofd WR 0+10 on a", a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10);
  struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1, .l_pid = 1 };
  int r = fcntl(a, F_OFD_SETLK, &fl);
  printf("ofd setlk with l_pid 1: %d %s\n", r, strerror(errno));
  fl.l_pid = 1;
  r = fcntl(a, F_OFD_GETLK, &fl);
  printf("ofd getlk with l_pid 1: %d %s\n", r, strerror(errno));
  setlk("ofd RD 5+1 on b (conflict: another description)", b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 5, 1);
  getlk("ofd getlk on b", b, F_OFD_GETLK, F_RDLCK, 0, 0);
  getlk("posix getlk (sees the OFD lock, pid -1)", b, F_GETLK, F_RDLCK, 0, 0);
  setlk("posix WR 5+1 (conflicts with OFD)", b, F_SETLK, F_WRLCK, SEEK_SET, 5, 1);
  setlk("posix WR 20+1", b, F_SETLK, F_WRLCK, SEEK_SET, 20, 1);
  getlk("ofd getlk on a sees the posix lock", a, F_OFD_GETLK, F_WRLCK, 15, 0);
  int d = dup(a);
  close(a);
  setlk("after closing a (dup d keeps the OFD lock): ofd RD on b", b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 5, 1);
  close(d);
  setlk("after closing d too: ofd RD on b", b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 5, 1);
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    child_pid = getpid();
    int e = openf(O_RDWR);
    setlk("child ofd WR 5+1 on own description", e, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 1);
    setlk("child ofd WR 50+1 via inherited b (same description)", b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 50, 1);
    getlk("child getlk posix 20+1 (parent's posix lock)", e, F_GETLK, F_WRLCK, 20, 1);
    fflush(stdout);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  close(b);
}

// ---- flock ------------------------------------------------------------------------------------

static void fl(const char *what, int fd, int op) {
  int r = flock(fd, op);
  printf("%s: %d %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static void mode_flock(void) {
  int a = openf(O_RDONLY), b = openf(O_RDONLY), c = openf(O_WRONLY);
  parent_pid = getpid();
  fl("bad op", a, 0);
  fl("bad op 3", a, 3);
  fl("LOCK_MAND on a bad fd (ignored)", 999, LOCK_MAND | LOCK_READ);
  fl("bad fd", 999, LOCK_SH);
  fl("a SH", a, LOCK_SH);
  fl("b SH", b, LOCK_SH);
  fl("c EX|NB", c, LOCK_EX | LOCK_NB);
  fl("a UN", a, LOCK_UN);
  fl("c EX|NB", c, LOCK_EX | LOCK_NB);
  fl("b UN", b, LOCK_UN);
  fl("c EX|NB", c, LOCK_EX | LOCK_NB);
  fl("c EX again", c, LOCK_EX | LOCK_NB);
  fl("a SH|NB", a, LOCK_SH | LOCK_NB);
  fl("c converts to SH", c, LOCK_SH | LOCK_NB);
  fl("a SH|NB", a, LOCK_SH | LOCK_NB);
  setlk("posix locks are independent: fcntl WR 0.. on c", c, F_SETLK, F_WRLCK, SEEK_SET, 0, 0);
  int op = open(path, O_PATH);
  fl("O_PATH SH", op, LOCK_SH);
  fl("O_PATH UN", op, LOCK_UN);
  close(op);
  fl("unlocking what is not locked", b, LOCK_UN);
  int d = dup(a);
  close(a);
  fl("b EX|NB while a's dup holds SH", b, LOCK_EX | LOCK_NB);
  fl("c UN", c, LOCK_UN);
  fflush(stdout);
  pid_t k = fork();
  if (k == 0) {
    fl("child: d (shared description) UN", d, LOCK_UN);
    fflush(stdout);
    _exit(0);
  }
  waitpid(k, NULL, 0);
  fl("b EX|NB after the child unlocked the shared description", b, LOCK_EX | LOCK_NB);
  close(d); close(b); close(c);
}

// ---- wait -------------------------------------------------------------------------------------

static void on_alarm(int s) { (void)s; }

static int parent_fd;

static void wait_child(void) {
  close(parent_fd); // the parent's description must not live on here (its flock lock would)
  int fd = openf(O_RDWR);
  child_wait();
  // The parent holds 0..9 for writing: this waits until it lets go.
  printf("child: waiting for 0+10\n");
  child_done();
  int r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 10);
  printf("child: setlkw 0+10: %d\n", r);
  child_done();
  // A cycle: the child holds 0..9 and asks for 20..29, which the parent holds while it asks for
  // 0..9. Whoever asks second is told EDEADLK (which one depends on timing, so only the parent
  // prints, from both results); the other gets its range once the loser lets go.
  child_wait();
  r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 20, 10);
  char res = r == 0 ? 'k' : errno == EDEADLK ? 'D' : 'e';
  lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
  write(to_parent[1], &res, 1);
  child_wait();
  // flock and F_SETLKW waits, interrupted by a signal whose handler has no SA_RESTART.
  struct sigaction sa = { .sa_handler = on_alarm };
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
  r = flock(fd, LOCK_EX);
  printf("child: flock EX interrupted: %d %s\n", r, r < 0 ? strerror(errno) : "");
  alarm(1);
  r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 40, 1);
  printf("child: setlkw interrupted: %d %s\n", r, r < 0 ? strerror(errno) : "");
  child_done();
  child_wait();
  r = flock(fd, LOCK_EX);
  printf("child: flock EX after the parent closed: %d\n", r);
  r = lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 40, 1);
  printf("child: setlk 40 after the parent closed: %d\n", r);
  child_done();
}

static void mode_wait(void) {
  int fd = parent_fd = openf(O_RDWR);
  start_child(wait_child);
  setlk("parent WR 0+10", fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
  step_child();   // the child is about to wait
  usleep(100000); // (not needed for the outcome: the child waits whichever comes first)
  setlk("parent UN 0+10", fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 10);
  char ch; read(to_parent[0], &ch, 1); fflush(stdout); // the child has it
  setlk("parent WR 20+10", fd, F_SETLK, F_WRLCK, SEEK_SET, 20, 10);
  char c = 's'; write(to_child[1], &c, 1);
  usleep(50000);
  int r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 10);
  char mine = r == 0 ? 'k' : errno == EDEADLK ? 'D' : 'e';
  if (mine == 'D') lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
  read(to_parent[0], &ch, 1);
  printf("cycle: one EDEADLK and one success: %s\n", (mine == 'D' && ch == 'k') || (mine == 'k' && ch == 'D') ? "yes" : "no");
  lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
  flock(fd, LOCK_EX);
  lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 40, 1);
  step_child();
  close(fd); // drops both the flock lock (last close of the description) and the POSIX one
  step_child();
  end_child();
}

// ---- /proc/locks ------------------------------------------------------------------------------

static void mode_proclocks(void) {
  int a = openf(O_RDWR), b = openf(O_RDWR);
  struct stat st;
  fstat(a, &st);
  parent_pid = getpid();
  lk(a, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
  lk(a, F_SETLK, F_RDLCK, SEEK_SET, 20, 0);
  flock(b, LOCK_SH);
  lk(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 12, 3);
  // The file's lines, with the line number, pid and device written in words (other locks on
  // the host come and go between the lines, so numbers are compared by order only).
  char want[64];
  snprintf(want, sizeof want, ":%lu ", (unsigned long)st.st_ino);
  FILE *f = fopen("/proc/locks", "r");
  char line[256];
  int last = 0, ordered = 1;
  while (f && fgets(line, sizeof line, f)) {
    if (!strstr(line, want)) continue;
    int n = atoi(line);
    if (n <= last) ordered = 0;
    last = n;
    char kind[16], adv[16], type[16], devino[64], s1[32], s2[32];
    int pid;
    if (sscanf(line, "%*d: %15s %15s %15s %d %63s %31s %31s", kind, adv, type, &pid, devino, s1, s2) != 7) { printf("unparsed: %s", line); continue; }
    unsigned maj, min;
    sscanf(devino, "%x:%x", &maj, &min);
    int devok = makedev(maj, min) == st.st_dev;
    // Columns: the fixed-width words are compared as printed, spaces included.
    char *p = strchr(line, ':') + 1;
    printf("%.*s| %s %s %s dev %s %s %s\n", (int)(strstr(p, type) - p + strlen(type) + 1), p, kind, type, who(pid), devok ? "ok" : devino, s1, s2);
  }
  printf("numbered in order: %s\n", ordered ? "yes" : "no");
  if (f) fclose(f);
  // /proc/self/fdinfo lists the locks set through each descriptor's description.
  int fds[2] = { a, b };
  for (int k = 0; k < 2; k++) {
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fds[k]);
    FILE *fi = fopen(p, "r");
    while (fi && fgets(line, sizeof line, fi)) {
      if (strncmp(line, "lock:", 5)) continue;
      char kind[16], adv[16], type[16], devino[64], s1[32], s2[32];
      int n, pid;
      if (sscanf(line, "lock:\t%d: %15s %15s %15s %d %63s %31s %31s", &n, kind, adv, type, &pid, devino, s1, s2) != 8) { printf("unparsed: %s", line); continue; }
      unsigned maj, min;
      sscanf(devino, "%x:%x", &maj, &min);
      printf("fdinfo of %c: %d %s %s %s dev %s %s %s\n", 'a' + k, n, kind, type, who(pid), makedev(maj, min) == st.st_dev ? "ok" : devino, s1, s2);
    }
    if (fi) fclose(fi);
  }
}

// ---- pipe sizes -------------------------------------------------------------------------------

static void mode_pipesz(void) {
  int p[2];
  pipe(p);
  printf("default: %d\n", fcntl(p[0], F_GETPIPE_SZ));
  long sizes[] = { 0, 1, 4096, 4097, 65536, 100000, 1048576, 1048577 + 4096, 0x80000001L, -1 };
  for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    int r = fcntl(p[1], F_SETPIPE_SZ, sizes[i]);
    printf("set %ld: %d %s -> get %d\n", sizes[i], r, r < 0 ? strerror(errno) : "", fcntl(p[0], F_GETPIPE_SZ));
  }
  fcntl(p[1], F_SETPIPE_SZ, 65536);
  char buf[8192];
  memset(buf, 'x', sizeof buf);
  for (int i = 0; i < 5; i++) write(p[1], buf, 4096);
  int r = fcntl(p[1], F_SETPIPE_SZ, 8192);
  printf("shrink below contents: %d %s\n", r, r < 0 ? strerror(errno) : "");
  r = fcntl(p[1], F_SETPIPE_SZ, 32768);
  printf("shrink above contents: %d\n", r);
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  int n = 0;
  while (write(p[1], buf, 4096) == 4096) n++;
  printf("then %d more pages fit\n", n);
  int f = openf(O_RDONLY);
  r = fcntl(f, F_GETPIPE_SZ);
  printf("F_GETPIPE_SZ on a regular file: %d %s\n", r, r < 0 ? strerror(errno) : "");
  // fadvise64 and readahead, which a distribution's cat and cp call on files and pipes.
  long q;
  q = syscall(SYS_fadvise64, f, 0, 0, 2); printf("fadvise SEQUENTIAL on a file: %ld %s\n", q, q < 0 ? strerror(errno) : "");
  q = syscall(SYS_fadvise64, f, 0, -1, 0); printf("fadvise negative length: %ld %s\n", q, q < 0 ? strerror(errno) : "");
  q = syscall(SYS_fadvise64, f, 0, 0, 6); printf("fadvise advice 6: %ld %s\n", q, q < 0 ? strerror(errno) : "");
  q = syscall(SYS_fadvise64, p[0], 0, 0, 0); printf("fadvise on a pipe: %ld %s\n", q, q < 0 ? strerror(errno) : "");
  q = syscall(SYS_fadvise64, 999, 0, 0, 0); printf("fadvise bad fd: %ld %s\n", q, q < 0 ? strerror(errno) : "");
  q = syscall(SYS_readahead, f, 0, 4096); printf("readahead on a file: %ld %s\n", q, q < 0 ? strerror(errno) : "");
  q = syscall(SYS_readahead, p[0], 0, 4096); printf("readahead on a pipe: %ld %s\n", q, q < 0 ? strerror(errno) : "");
  int wo = openf(O_WRONLY);
  q = syscall(SYS_readahead, wo, 0, 4096); printf("readahead write-only: %ld %s\n", q, q < 0 ? strerror(errno) : "");
  printf("uid 1000 past pipe-max-size: ");
  fflush(stdout);
  if (fork() == 0) {
    if (getuid() == 0 && setuid(1000) != 0) { printf("setuid failed\n"); _exit(1); }
    int q[2]; pipe(q);
    r = fcntl(q[0], F_SETPIPE_SZ, 2 * 1048576);
    printf("%d %s\n", r, r < 0 ? strerror(errno) : "");
    r = fcntl(q[0], F_SETPIPE_SZ, 1048576);
    printf("uid 1000 at pipe-max-size: %d\n", r);
    fflush(stdout);
    _exit(0);
  }
  wait(NULL);
}

// ---- close_range ------------------------------------------------------------------------------

static void fds(const char *what) {
  printf("%s:", what);
  for (int fd = 20; fd < 40; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0) printf(" %d%s", fd, fl & FD_CLOEXEC ? "c" : "");
  }
  printf("\n");
}

static void mode_closerange(void) {
  for (int i = 0; i < 10; i++) dup2(0, 20 + i);
  fds("start");
  long r = syscall(SYS_close_range, 25, 24, 0);
  printf("first > last: %ld %s\n", r, strerror(errno));
  r = syscall(SYS_close_range, 20, 24, 1);
  printf("bad flags: %ld %s\n", r, strerror(errno));
  printf("cloexec 22..24: %ld\n", syscall(SYS_close_range, 22, 24, 4 /* CLOSE_RANGE_CLOEXEC */));
  fds("after");
  printf("close 27..~0U: %ld\n", syscall(SYS_close_range, 27, ~0U, 0));
  fds("after");
  printf("unshare+close 21..21: %ld\n", syscall(SYS_close_range, 21, 21, 2 /* CLOSE_RANGE_UNSHARE */));
  fds("after");
  printf("nothing open in 100..200: %ld\n", syscall(SYS_close_range, 100, 200, 0));
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: locks MODE DIR\n"); return 2; }
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  mkdir(argv[2], 0755); // (exists natively; an isolated root starts without it)
  snprintf(path, sizeof path, "%s/lockfile", argv[2]);
  const char *m = argv[1];
  if (!strcmp(m, "posix")) mode_posix();
  else if (!strcmp(m, "ofd")) mode_ofd();
  else if (!strcmp(m, "flock")) mode_flock();
  else if (!strcmp(m, "wait")) mode_wait();
  else if (!strcmp(m, "pipesz")) mode_pipesz();
  else if (!strcmp(m, "proclocks")) mode_proclocks();
  else if (!strcmp(m, "closerange")) mode_closerange();
  else { fprintf(stderr, "unknown mode %s\n", m); return 2; }
  fflush(stdout);
  return 0;
}
