// Readiness: poll, ppoll, select, pselect, epoll and eventfd on pipes, with timeouts and signals.
// Prints only what scheduling cannot change. Usage: poll MODE (see tests/poll.test.ts).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void r(const char *what, long v) {
  if (v < 0) printf("%s = -1 %s\n", what, strerror(errno));
  else printf("%s = %ld\n", what, v);
}
static long ms_since(struct timespec *a) {
  struct timespec b;
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}
static void now(struct timespec *a) { clock_gettime(CLOCK_MONOTONIC, a); }
// Make sure fd is not open. The host that runs the tests (a CI harness, a terminal) may leak
// descriptors without O_CLOEXEC into the native run, where wasl's guest starts with only 0-2.
static void close_fd(int fd) { close(fd); }
static volatile int got;
static void on_sig(int s) { got = s; }

static void mode_poll(void) {
  int p[2];
  pipe(p);
  struct pollfd f[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}};
  r("poll both", poll(f, 3, 0));
  printf("revents %#x %#x %#x\n", f[0].revents, f[1].revents, f[2].revents);
  write(p[1], "x", 1);
  r("poll after write", poll(f, 2, 0));
  printf("revents %#x %#x\n", f[0].revents, f[1].revents);
  struct timespec a;
  now(&a);
  char c;
  read(p[0], &c, 1);
  f[0].events = POLLIN;
  r("poll timeout 50ms", poll(f, 1, 50));
  long t = ms_since(&a);
  printf("waited >= 50ms: %d\n", t >= 45);
  // A child writes later: poll wakes.
  if (fork() == 0) { usleep(30000); write(p[1], "y", 1); _exit(0); }
  r("poll woken by child", poll(f, 1, 5000));
  printf("revents %#x\n", f[0].revents);
  read(p[0], &c, 1);
  wait(NULL);
  close(p[1]);
  r("poll hangup", poll(f, 1, 1000));
  printf("revents %#x\n", f[0].revents);
  close_fd(99);  // closed for certain: a CI harness may leak open descriptors into the test
  struct pollfd bad = {99, POLLIN, 0};
  r("poll bad fd", poll(&bad, 1, 0));
  printf("revents %#x\n", bad.revents);
  r("poll nfds too big", poll(f, 1 << 20, 0));
  // Reader gone: write end reports POLLERR.
  int q[2];
  pipe(q);
  close(q[0]);
  struct pollfd w = {q[1], POLLOUT, 0};
  r("poll no reader", poll(&w, 1, 0));
  printf("revents %#x\n", w.revents);
  // A full pipe is not writable.
  int z[2];
  pipe2(z, O_NONBLOCK);
  char buf[4096] = {0};
  while (write(z[1], buf, sizeof buf) > 0) {}
  struct pollfd wz = {z[1], POLLOUT, 0};
  r("poll full pipe", poll(&wz, 1, 0));
  read(z[0], buf, sizeof buf);
  r("poll after draining a page", poll(&wz, 1, 0));
  // A signal interrupts poll: EINTR with a handler.
  struct sigaction sa = {0};
  sa.sa_handler = on_sig;
  sigaction(SIGALRM, &sa, NULL);
  int e[2];
  pipe(e);
  struct pollfd fe = {e[0], POLLIN, 0};
  alarm(1);
  r("poll interrupted", poll(&fe, 1, -1));
  printf("got %d\n", got);
  got = 0;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  ualarm(50000, 0);
  r("poll interrupted with SA_RESTART", poll(&fe, 1, 3000));
  printf("got %d\n", got);
}

static void mode_ppoll(void) {
  int p[2];
  pipe(p);
  struct sigaction sa = {0};
  sa.sa_handler = on_sig;
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t block, empty;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &block, NULL);
  raise(SIGUSR1);
  printf("pending, handler not run: %d\n", got);
  struct pollfd f = {p[0], POLLIN, 0};
  struct timespec ts = {1, 0};
  r("ppoll with empty mask", ppoll(&f, 1, &ts, &empty));
  printf("got %d\n", got);
  sigset_t cur;
  sigprocmask(SIG_BLOCK, NULL, &cur);
  printf("mask restored: %d\n", sigismember(&cur, SIGUSR1));
  got = 0;
  ts.tv_sec = 0; ts.tv_nsec = 20000000;
  r("ppoll timeout keeping the mask", ppoll(&f, 1, &ts, &block));
  printf("ts after timeout %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  write(p[1], "a", 1);
  ts.tv_sec = 5; ts.tv_nsec = 0;
  r("ppoll ready", ppoll(&f, 1, &ts, NULL));
  printf("ts left > 4s: %d\n", ts.tv_sec >= 4);
  ts.tv_nsec = -1;
  r("ppoll bad timespec", ppoll(&f, 1, &ts, NULL));
  r("ppoll no timeout, ready", ppoll(&f, 1, NULL, NULL));
}

// The FDSize line of /proc/self/status, as text.
static const char *fdsize(void) {
  static char line[128];
  FILE *f = fopen("/proc/self/status", "r");
  strcpy(line, "?\n");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "FDSize:", 7)) { memmove(line, line + 8, strlen(line + 8) + 1); break; }
  if (f) fclose(f);
  return line;
}

static void mode_select(void) {
  int p[2];
  pipe(p);
  fd_set rd, wr;
  FD_ZERO(&rd); FD_ZERO(&wr);
  FD_SET(p[0], &rd); FD_SET(p[1], &wr);
  struct timeval tv = {0, 0};
  r("select", select(p[1] + 1, &rd, &wr, NULL, &tv));
  printf("rd %d wr %d\n", FD_ISSET(p[0], &rd), FD_ISSET(p[1], &wr));
  FD_ZERO(&rd); FD_SET(p[0], &rd);
  tv.tv_sec = 0; tv.tv_usec = 30000;
  struct timespec a;
  now(&a);
  r("select timeout", select(p[0] + 1, &rd, NULL, NULL, &tv));
  printf("waited >= 30ms: %d, tv %ld.%06ld, rd %d\n", ms_since(&a) >= 25, (long)tv.tv_sec, (long)tv.tv_usec, FD_ISSET(p[0], &rd));
  write(p[1], "x", 1);
  FD_ZERO(&rd); FD_SET(p[0], &rd); FD_SET(p[1], &rd);
  FD_ZERO(&wr); FD_SET(p[1], &wr);
  tv.tv_sec = 2; tv.tv_usec = 0;
  r("select counts bits", select(p[1] + 1, &rd, &wr, NULL, &tv));
  printf("rd %d %d wr %d tv left > 1s: %d\n", FD_ISSET(p[0], &rd), FD_ISSET(p[1], &rd), FD_ISSET(p[1], &wr), tv.tv_sec >= 1);
  // Linux ignores set bits at or above the size of the process's descriptor table (64 until
  // some descriptor past 63 has been open), so fd 77 is first opened, growing the table to 128,
  // and then closed: EBADF is then certain whatever table size the test harness passed down.
  dup2(p[0], 77);
  close_fd(77);
  FD_ZERO(&rd); FD_SET(77, &rd);
  tv.tv_sec = 1; tv.tv_usec = 0;  // a bound, in case the EBADF check were ever missed
  r("select bad fd", select(78, &rd, NULL, NULL, &tv));
  // A forked child's table holds only what its open descriptors need (64 slots here, as all are
  // below 64): select never looks at bits past it, until a descriptor past 63 has been opened.
  fflush(stdout);
  if (fork() == 0) {
    FD_ZERO(&rd); FD_SET(100, &rd);
    tv.tv_sec = 0; tv.tv_usec = 0;
    r("child: select past the table", select(101, &rd, NULL, NULL, &tv));
    printf("child: FDSize %s", fdsize());
    dup2(p[0], 100);
    printf("child: FDSize after fd 100 %s", fdsize());
    close(100);
    FD_ZERO(&rd); FD_SET(100, &rd);
    r("child: select within the table", select(101, &rd, NULL, NULL, &tv));
    fflush(stdout);
    _exit(0);
  }
  wait(NULL);
  r("select negative n", select(-1, NULL, NULL, NULL, NULL));
  tv.tv_sec = -1;
  r("select negative timeout", select(1, NULL, NULL, NULL, &tv));
  // pselect: the signal waits, blocked, until pselect's mask lets it in.
  struct sigaction sa = {0};
  sa.sa_handler = on_sig;
  sigaction(SIGUSR2, &sa, NULL);
  sigset_t block, empty;
  sigemptyset(&block); sigaddset(&block, SIGUSR2); sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &block, NULL);
  raise(SIGUSR2);
  int q[2];
  pipe(q);
  FD_ZERO(&rd); FD_SET(q[0], &rd);
  struct timespec ts = {2, 0};
  r("pselect interrupted", pselect(q[0] + 1, &rd, NULL, NULL, &ts, &empty));
  printf("got %d\n", got);
  // select with a signal arriving later.
  got = 0;
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  if (fork() == 0) { usleep(30000); kill(getppid(), SIGUSR2); _exit(0); }
  FD_ZERO(&rd); FD_SET(q[0], &rd);
  r("select interrupted", select(q[0] + 1, &rd, NULL, NULL, NULL));
  printf("got %d\n", got);
  wait(NULL);
}

static void show(const char *what, int n, struct epoll_event *ev) {
  printf("%s: %d", what, n);
  if (n < 0) printf(" %s", strerror(errno));
  for (int i = 0; i < n; i++) printf(" [%#x %lu]", ev[i].events, (unsigned long)ev[i].data.u64);
  printf("\n");
}

static void mode_epoll(void) {
  int p[2], q[2];
  pipe(p); pipe(q);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event e = {EPOLLIN, {.u64 = 1}}, out[8];
  r("ctl add LT", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
  e.events = EPOLLIN | EPOLLET; e.data.u64 = 2;
  r("ctl add ET", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &e));
  r("ctl add again", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &e));
  show("empty", epoll_wait(ep, out, 8, 0), out);
  struct timespec a;
  now(&a);
  show("timeout", epoll_wait(ep, out, 8, 40), out);
  printf("waited >= 40ms: %d\n", ms_since(&a) >= 35);
  write(p[1], "a", 1);
  write(q[1], "b", 1);
  show("both", epoll_wait(ep, out, 8, 0), out);
  show("LT again, ET not", epoll_wait(ep, out, 8, 0), out);
  write(q[1], "c", 1);
  show("ET after a new write", epoll_wait(ep, out, 8, 0), out);
  show("maxevents 1", epoll_wait(ep, out, 1, 0), out);
  show("maxevents 0", epoll_wait(ep, out, 0, 0), out);
  char c[8];
  read(p[0], c, 8);
  if (fork() == 0) { usleep(30000); write(q[1], "d", 1); _exit(0); }
  show("woken by child (ET)", epoll_wait(ep, out, 8, 5000), out);
  wait(NULL);
  // ONESHOT: reported once, then disabled until MOD.
  int o[2];
  pipe(o);
  e.events = EPOLLIN | EPOLLONESHOT; e.data.u64 = 3;
  epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL);
  r("ctl del missing", epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL));
  r("ctl mod missing", epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &e));
  epoll_ctl(ep, EPOLL_CTL_ADD, o[0], &e);
  write(o[1], "o", 1);
  show("oneshot", epoll_wait(ep, out, 8, 0), out);
  show("oneshot disabled", epoll_wait(ep, out, 8, 0), out);
  epoll_ctl(ep, EPOLL_CTL_MOD, o[0], &e);
  show("oneshot rearmed", epoll_wait(ep, out, 8, 0), out);
  // Hangup and error.
  epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
  e.events = EPOLLIN | EPOLLRDHUP; e.data.u64 = 4;
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
  e.events = EPOLLOUT; e.data.u64 = 5;
  epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e);
  epoll_ctl(ep, EPOLL_CTL_DEL, o[0], NULL);
  show("writable", epoll_wait(ep, out, 8, 0), out);
  close(p[1]);
  show("hangup after close", epoll_wait(ep, out, 8, 0), out);
  // Errors.
  int f = open("/proc/self/exe", O_RDONLY);
  e.events = EPOLLIN;
  r("ctl regular file", epoll_ctl(ep, EPOLL_CTL_ADD, f, &e));
  r("ctl self", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e));
  r("ctl not epoll", epoll_ctl(q[0], EPOLL_CTL_ADD, q[1], &e));
  close_fd(99);
  r("ctl bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &e));
  r("ctl bad op", epoll_ctl(ep, 7, q[0], &e));
  e.events = EPOLLIN | EPOLLEXCLUSIVE;
  r("ctl exclusive", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &e));
  r("ctl mod exclusive", epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &e));
  e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP;
  r("ctl exclusive bad bits", epoll_ctl(ep, EPOLL_CTL_ADD, o[0], &e));
  r("wait not epoll", epoll_wait(q[0], out, 8, 0));
  r("create1 bad flags", epoll_create1(1));
  { int c0 = epoll_create(0); r("create 0", c0 < 0 ? c0 : 0); }
  // Nested: an epoll in an epoll, and a loop.
  int ep2 = epoll_create1(0), ep3 = epoll_create1(0);
  e.events = EPOLLIN; e.data.u64 = 9;
  r("ctl nest", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &e));
  show("outer sees inner ready", epoll_wait(ep2, out, 8, 0), out);
  struct pollfd pf = {ep, POLLIN, 0};
  r("poll on epoll", poll(&pf, 1, 0));
  printf("revents %#x\n", pf.revents);
  epoll_ctl(ep3, EPOLL_CTL_ADD, ep2, &e);
  r("ctl loop", epoll_ctl(ep, EPOLL_CTL_ADD, ep3, &e));
  // Closing a watched fd removes it.
  int s[2];
  pipe(s);
  int ep4 = epoll_create1(0);
  e.events = EPOLLIN; e.data.u64 = 10;
  epoll_ctl(ep4, EPOLL_CTL_ADD, s[0], &e);
  write(s[1], "s", 1);
  close(s[0]);
  show("closed fd gone", epoll_wait(ep4, out, 8, 0), out);
  // epoll_pwait: a blocked signal let in by the mask interrupts it.
  struct sigaction sa = {0};
  sa.sa_handler = on_sig;
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t block, empty;
  sigemptyset(&block); sigaddset(&block, SIGUSR1); sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &block, NULL);
  raise(SIGUSR1);
  show("pwait interrupted", epoll_pwait(ep4, out, 8, 1000, &empty), out);
  printf("got %d\n", got);
  got = 0;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  ualarm(30000, 0);
  show("wait EINTR despite SA_RESTART", epoll_wait(ep4, out, 8, 3000), out);
  printf("got %d\n", got);
}

static void mode_eventfd(void) {
  int e = eventfd(3, EFD_NONBLOCK);
  uint64_t v = 0;
  r("read", read(e, &v, 8));
  printf("value %lu\n", (unsigned long)v);
  r("read empty", read(e, &v, 8));
  v = 5;
  write(e, &v, 8);
  v = 7;
  write(e, &v, 8);
  r("read", read(e, &v, 8));
  printf("value %lu\n", (unsigned long)v);
  r("short read", read(e, &v, 4));
  v = UINT64_MAX;
  r("write max", write(e, &v, 8));
  v = UINT64_MAX - 1;
  r("write max-1", write(e, &v, 8));
  struct pollfd f = {e, POLLIN | POLLOUT, 0};
  poll(&f, 1, 0);
  printf("full revents %#x\n", f.revents);
  v = 1;
  r("write when full", write(e, &v, 8));
  read(e, &v, 8);
  poll(&f, 1, 0);
  printf("empty revents %#x\n", f.revents);
  int s = eventfd(2, EFD_SEMAPHORE | EFD_CLOEXEC);
  r("sem read", read(s, &v, 8)); printf("value %lu\n", (unsigned long)v);
  r("sem read", read(s, &v, 8)); printf("value %lu\n", (unsigned long)v);
  r("bad flags", eventfd(0, 0x10));
  // Blocking read woken by a child's write; epoll on an eventfd.
  int b = eventfd(0, 0);
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLIN, {.u64 = 42}}, out[2];
  epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev);
  if (fork() == 0) { usleep(30000); uint64_t one = 9; write(b, &one, 8); _exit(0); }
  show("epoll eventfd", epoll_wait(ep, out, 2, 5000), out);
  r("read", read(b, &v, 8)); printf("value %lu\n", (unsigned long)v);
  wait(NULL);
  // signalfd is pollable.
  sigset_t m;
  sigemptyset(&m); sigaddset(&m, SIGUSR2);
  sigprocmask(SIG_BLOCK, &m, NULL);
  int sf = signalfd(-1, &m, 0);
  struct pollfd sp = {sf, POLLIN, 0};
  r("signalfd idle", poll(&sp, 1, 0));
  if (fork() == 0) { usleep(30000); kill(getppid(), SIGUSR2); _exit(0); }
  r("signalfd woken", poll(&sp, 1, 5000));
  printf("revents %#x\n", sp.revents);
  wait(NULL);
}

/** stdin: poll before reading, as shells' read builtins do; nothing is lost or read twice. */
static void mode_stdin(void) {
  struct pollfd f = {0, POLLIN, 0};
  r("poll stdin", poll(&f, 1, 5000));
  printf("revents %#x\n", f.revents & POLLIN);
  char c, line[256];
  int n = 0;
  while (read(0, &c, 1) == 1 && c != '\n') line[n++] = c;
  line[n] = 0;
  printf("line [%s]\n", line);
  r("poll stdin again", poll(&f, 1, 5000));
  n = read(0, line, sizeof line - 1);
  line[n > 0 ? n : 0] = 0;
  printf("rest [%s]\n", line);
  r("poll at EOF", poll(&f, 1, 5000));
  printf("hangup %d\n", (f.revents & POLLHUP) != 0);
  r("read at EOF", read(0, line, 10));
}

static void put_its(struct itimerspec *it, long vs, long vns, long is, long ins) {
  it->it_value.tv_sec = vs; it->it_value.tv_nsec = vns;
  it->it_interval.tv_sec = is; it->it_interval.tv_nsec = ins;
}

static void mode_timerfd(void) {
  r("create bad clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
  r("create bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  printf("created: %d, cloexec %d\n", fd >= 0, (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  struct itimerspec it, old;
  r("gettime disarmed", timerfd_gettime(fd, &it));
  printf("  value %ld.%09ld interval %ld.%09ld\n", (long)it.it_value.tv_sec, it.it_value.tv_nsec, (long)it.it_interval.tv_sec, it.it_interval.tv_nsec);
  put_its(&it, 0, 1000000000, 0, 0);
  r("settime bad timespec", timerfd_settime(fd, 0, &it, NULL));
  put_its(&it, 0, 30000000, 0, 0);
  r("settime bad flags", timerfd_settime(fd, 4, &it, NULL));
  r("settime bad fd", timerfd_settime(99, 0, &it, NULL));
  int ev = eventfd(0, 0);
  r("settime on an eventfd", timerfd_settime(ev, 0, &it, NULL));
  r("gettime on an eventfd", timerfd_gettime(ev, &old));
  close(ev);
  // A 30 ms one-shot: read waits for it and returns one expiration.
  struct timespec a;
  now(&a);
  r("settime 30 ms one-shot", timerfd_settime(fd, 0, &it, &old));
  timerfd_gettime(fd, &it);
  printf("  left <= 30 ms: %d, interval 0: %d\n", it.it_value.tv_sec == 0 && it.it_value.tv_nsec <= 30000000 && it.it_value.tv_nsec > 0, it.it_interval.tv_nsec == 0);
  uint64_t ticks = 0;
  r("read", read(fd, &ticks, sizeof ticks));
  printf("  ticks %llu after >= 25 ms: %d\n", (unsigned long long)ticks, ms_since(&a) >= 25);
  r("gettime after it fired", timerfd_gettime(fd, &it));
  printf("  value %ld.%09ld\n", (long)it.it_value.tv_sec, it.it_value.tv_nsec);
  r("read short buffer", read(fd, &ticks, 4));
  fcntl(fd, F_SETFL, O_NONBLOCK);
  r("read with nothing expired", read(fd, &ticks, sizeof ticks));
  // Absolute, in the past: it has expired at once.
  put_its(&it, 1, 0, 0, 0);
  r("settime absolute in the past", timerfd_settime(fd, TFD_TIMER_ABSTIME, &it, NULL));
  struct pollfd pf = {fd, POLLIN, 0};
  r("poll", poll(&pf, 1, 1000));
  printf("  revents %#x\n", pf.revents);
  r("read", read(fd, &ticks, sizeof ticks));
  printf("  ticks %llu\n", (unsigned long long)ticks);
  // Periodic, 10 ms: after sleeping 55 ms at least 5 periods have passed, all counted by one read.
  put_its(&it, 0, 10000000, 0, 10000000);
  timerfd_settime(fd, 0, &it, NULL);
  usleep(55000);
  r("read periodic", read(fd, &ticks, sizeof ticks));
  printf("  at least 5 expirations: %d\n", ticks >= 5);
  timerfd_gettime(fd, &it);
  printf("  interval %ld.%09ld, left <= 10 ms: %d\n", (long)it.it_interval.tv_sec, it.it_interval.tv_nsec, it.it_value.tv_sec == 0 && it.it_value.tv_nsec <= 10000000);
  // epoll sees it readable; the old value comes back from a disarming settime.
  int ep = epoll_create1(0);
  struct epoll_event e = {EPOLLIN, {.u32 = 7}};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
  r("epoll_wait", epoll_wait(ep, &e, 1, 1000));
  printf("  data %u events %#x\n", e.data.u32, e.events);
  put_its(&it, 0, 0, 0, 0);
  r("disarm", timerfd_settime(fd, 0, &it, &old));
  printf("  old interval %ld.%09ld\n", (long)old.it_interval.tv_sec, old.it_interval.tv_nsec);
  r("read after disarm", read(fd, &ticks, sizeof ticks));
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(path, "r");
  while (f && fgets(buf, sizeof buf, f))
    if (!strncmp(buf, "clockid", 7) || !strncmp(buf, "ticks", 5) || !strncmp(buf, "settime", 7) || !strncmp(buf, "it_", 3)) printf("  fdinfo %s", buf);
  if (f) fclose(f);
  r("CLOCK_REALTIME", timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
  r("CLOCK_BOOTTIME", timerfd_create(CLOCK_BOOTTIME, 0));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *m = argc > 1 ? argv[1] : "";
  if (!strcmp(m, "poll")) mode_poll();
  else if (!strcmp(m, "ppoll")) mode_ppoll();
  else if (!strcmp(m, "select")) mode_select();
  else if (!strcmp(m, "epoll")) mode_epoll();
  else if (!strcmp(m, "eventfd")) mode_eventfd();
  else if (!strcmp(m, "stdin")) mode_stdin();
  else if (!strcmp(m, "timerfd")) mode_timerfd();
  else { fprintf(stderr, "unknown mode\n"); return 2; }
  return 0;
}
