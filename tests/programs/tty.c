// Terminals: pseudo-terminal pairs, the N_TTY line discipline seen from the master, controlling
// terminals and job control. Natively this runs on the host's devpts, so the host kernel's n_tty
// is the oracle. Usage: tty MODE (see tests/tty.test.ts). Events between processes are ordered
// with pipes and waits, never with sleeps; output the kernel delivers piecemeal (echoes) is read
// until a known end, and pty names and pids are never printed, only relations between them.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void r(const char *what, long v) {
  if (v < 0) printf("%s = -1 %s\n", what, strerror(errno));
  else printf("%s = %ld\n", what, v);
}

/** Prints bytes with control characters escaped. */
static void show(const char *label, const char *b, long n) {
  printf("%s (%ld) \"", label, n);
  for (long i = 0; i < n; i++) {
    unsigned char c = b[i];
    if (c == '\n') printf("\\n");
    else if (c == '\r') printf("\\r");
    else if (c == '\b') printf("\\b");
    else if (c == '\t') printf("\\t");
    else if (c < 0x20 || c >= 0x7f) printf("\\x%02x", c);
    else putchar(c);
  }
  printf("\"\n");
}

/** One read, shown. */
static void rd(const char *label, int fd, size_t cap) {
  char b[512];
  long n = read(fd, b, cap < sizeof b ? cap : sizeof b);
  if (n < 0) printf("%s = -1 %s\n", label, strerror(errno));
  else show(label, b, n);
}

/** Reads into `b` until what has arrived ends with `end` (echoes may come in pieces). */
static long collect(int fd, char *b, long cap, const char *end) {
  long n = 0, e = strlen(end);
  while (n < cap) {
    long k = read(fd, b + n, cap - n);
    if (k <= 0) { printf("read = %ld %s\n", k, k < 0 ? strerror(errno) : "EOF"); break; }
    n += k;
    if (n >= e && memcmp(b + n - e, end, e) == 0) break;
  }
  return n;
}
static void read_until(const char *label, int fd, const char *end) {
  char b[1024];
  long n = collect(fd, b, sizeof b, end);
  show(label, b, n);
}

static void flags(const char *label, int fd) {
  struct termios t;
  if (tcgetattr(fd, &t) < 0) { r(label, -1); return; }
  printf("%s: iflag %#o oflag %#o cflag %#o lflag %#o cc", label, t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag);
  for (int i = 0; i < 17; i++) printf(" %d", t.c_cc[i]);
  printf(" ispeed %d ospeed %d\n", (int)cfgetispeed(&t), (int)cfgetospeed(&t));
}

/** posix_openpt + grantpt + unlockpt, then the slave opened by name. */
static int open_pair(int *slave, int slaveflags) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) { r("openpt", -1); exit(1); }
  *slave = open(ptsname(m), O_RDWR | slaveflags);
  if (*slave < 0) { r("open slave", -1); exit(1); }
  return m;
}

static void set_lflag(int fd, tcflag_t on, tcflag_t off) {
  struct termios t;
  tcgetattr(fd, &t);
  t.c_lflag = (t.c_lflag | on) & ~off;
  tcsetattr(fd, TCSANOW, &t);
}

static int pending(int fd) {
  int n = -1;
  if (ioctl(fd, FIONREAD, &n) < 0) return -1;
  return n;
}

static void mode_basic(void) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  r("posix_openpt", m >= 0 ? 0 : -1);
  r("isatty(master)", isatty(m));
  r("grantpt", grantpt(m));
  char *name = ptsname(m);
  printf("ptsname under /dev/pts/: %d\n", name && strncmp(name, "/dev/pts/", 9) == 0);
  int lock = -1;
  r("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lock));
  printf("locked %d\n", lock);
  r("open slave while locked", open(name, O_RDWR | O_NOCTTY));
  r("unlockpt", unlockpt(m));
  r("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lock));
  printf("locked %d\n", lock);
  int s = open(name, O_RDWR | O_NOCTTY);
  r("open slave", s >= 0 ? 0 : -1);
  r("isatty(slave)", isatty(s));
  char *tn = ttyname(s);
  printf("ttyname(slave) == ptsname: %d\n", tn && strcmp(tn, name) == 0);
  int n = -1;
  r("TIOCGPTN on slave", ioctl(s, TIOCGPTN, &n));
  r("TIOCGPTN on master", ioctl(m, TIOCGPTN, &n));
  struct stat a, b;
  stat(name, &a);
  fstat(s, &b);
  printf("stat(name) is fstat(slave): %d, char device %d, major 136 %d\n",
         a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_rdev == b.st_rdev, S_ISCHR(b.st_mode), major(b.st_rdev) == 136);
  flags("slave termios", s);
  flags("master termios (the slave's)", m);
  struct winsize ws;
  r("TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &ws));
  printf("winsize %d %d %d %d\n", ws.ws_row, ws.ws_col, ws.ws_xpixel, ws.ws_ypixel);
  r("tcgetpgrp(slave) without ctty", tcgetpgrp(s));
  pid_t sid = -1;
  r("TIOCGSID without ctty", ioctl(s, TIOCGSID, &sid));
  // Output processing: ONLCR on the slave's writes.
  r("write slave", write(s, "hello\nworld\n", 12));
  rd("master reads", m, 100);
  int q = -1;
  r("TIOCOUTQ", ioctl(s, TIOCOUTQ, &q));
  printf("outq %d\n", q);
  // Writes to the master are the slave's input: echoed back, and a canonical line for the slave.
  r("write master", write(m, "abc\n", 4));
  read_until("master echo", m, "\r\n");
  r("FIONREAD slave", pending(s));
  rd("slave reads", s, 100);
  // A master before its slave opens, and after it closes.
  int m2 = posix_openpt(O_RDWR | O_NOCTTY);
  unlockpt(m2);
  int s2 = open(ptsname(m2), O_RDWR | O_NOCTTY);
  r("write slave2", write(s2, "bye\n", 4));
  close(s2);
  struct pollfd pf = {m2, POLLIN | POLLOUT, 0};
  r("poll master2 after slave close", poll(&pf, 1, 1000));
  printf("revents %#x\n", pf.revents);
  read_until("master2 reads", m2, "bye\r\n");
  r("read master2 again", read(m2, name, 10));
  // The slave's name goes with its master.
  char name2[64];
  ptsname_r(m2, name2, sizeof name2);
  close(m2);
  r("stat slave name after master close", stat(name2, &a));
  // openpty(): glibc asks for the peer (TIOCGPTPEER), musl opens by name.
  int om, os;
  struct winsize w0 = {30, 90, 0, 0};
  r("openpty", openpty(&om, &os, NULL, NULL, &w0));
  r("TIOCGWINSZ on openpty slave", ioctl(os, TIOCGWINSZ, &ws));
  printf("winsize %d %d\n", ws.ws_row, ws.ws_col);
  int peer = ioctl(om, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  r("TIOCGPTPEER", peer >= 0 ? 0 : -1);
  r("write peer", write(peer, "p\n", 2));
  read_until("openpty master reads", om, "p\r\n");
  // Readiness through epoll and select: the master becomes readable when the slave writes.
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = om};
  r("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, om, &ev));
  r("epoll_wait, nothing to read", epoll_wait(ep, &ev, 1, 0));
  pid_t c = fork();
  if (c == 0) { write(peer, "e\n", 2); _exit(0); }
  r("epoll_wait until the slave writes", epoll_wait(ep, &ev, 1, 10000));
  printf("events %#x\n", ev.events);
  waitpid(c, NULL, 0);
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(om, &rs);
  struct timeval tv = {10, 0};
  r("select", select(om + 1, &rs, NULL, NULL, &tv));
  read_until("master reads", om, "e\r\n");
  FD_ZERO(&rs);
  FD_SET(om, &rs);
  tv.tv_sec = 0;
  r("select after reading", select(om + 1, &rs, NULL, NULL, &tv));
}

/** Canonical input processing, as the master sees the echoes and the slave reads the lines. */
static void mode_canon(void) {
  int s, m = open_pair(&s, O_NOCTTY);
  struct { const char *what, *in; } cases[] = {
    {"erase", "ab\177c\n"},
    {"erase at line start", "\177\177x\n"},
    {"kill", "xyz\025w\n"},
    {"werase", "foo bar  \027baz\n"},
    {"control chars echoed as ^X", "a\001b\033c\n"},
    {"erase a control char", "a\001\177\n"},
    {"erase a tab", "ab\tc\177\177\n"},
    {"tab after text", "abcdefghij\tX\177\177\n"},
    {"lnext", "a\026\177b\n"},
    {"reprint", "abc\022d\n"},
    {"CR becomes NL (ICRNL)", "cr\r"},
    {"two lines in one write", "one\ntwo\n"},
  };
  for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
    printf("-- %s\n", cases[i].what);
    write(m, cases[i].in, strlen(cases[i].in));
    int nl = 0;
    for (const char *p = cases[i].in; *p; p++) nl += *p == '\n' || *p == '\r';
    char end[64] = "";
    for (int k = 0; k < nl; k++) strcat(end, "\r\n");
    // The echo of the last line ends in CR NL; earlier lines' echoes come first.
    if (nl > 1) { char b[512]; long got = 0; int seen = 0;
      while (seen < nl) { long k = read(m, b + got, sizeof b - got); if (k <= 0) break;
        for (long j = got; j < got + k; j++) seen += b[j] == '\n'; got += k; }
      show("echo", b, got);
    } else read_until("echo", m, "\r\n");
    for (int k = 0; k < nl; k++) rd("line", s, 100);
  }
  printf("-- VEOF\n");
  write(m, "abc\004", 4);
  rd("read after abc^D", s, 100);
  write(m, "\004", 1);
  rd("read after ^D", s, 100);
  write(m, "xy\004", 3);
  rd("read(2) of xy^D", s, 2);
  r("FIONREAD after", pending(s));
  write(m, "z\n", 2);
  rd("next line", s, 100);
  read_until("echo", m, "z\r\n");
  printf("-- a long line read in pieces\n");
  write(m, "0123456789\n", 11);
  rd("read 4", s, 4);
  rd("read 4", s, 4);
  rd("read 4", s, 4);
  read_until("echo", m, "\r\n");
  printf("-- ECHO off, ECHONL on\n");
  set_lflag(s, ECHONL, ECHO);
  write(m, "secret\n", 7);
  rd("line", s, 100);
  read_until("echo", m, "\r\n");
  printf("-- ECHOCTL off, ECHOE off, ECHOK without ECHOKE\n");
  set_lflag(s, ECHO | ECHOK, ECHOCTL | ECHOE | ECHOKE | ECHONL);
  write(m, "ab\177\001x\025y\n", 8);
  rd("line", s, 100);
  read_until("echo", m, "y\r\n");
  printf("-- ECHOPRT\n");
  set_lflag(s, ECHOPRT | ECHOE | ECHOCTL, ECHOK);
  write(m, "abc\177\177d\n", 7);
  rd("line", s, 100);
  read_until("echo", m, "\r\n");
  set_lflag(s, ECHOE | ECHOK | ECHOKE, ECHOPRT);
  printf("-- input flags\n");
  struct termios t;
  tcgetattr(s, &t);
  t.c_iflag = (t.c_iflag & ~ICRNL) | INLCR;
  tcsetattr(s, TCSANOW, &t);
  write(m, "a\rb\n", 4);
  read_until("echo (INLCR: NL becomes CR)", m, "b^M");
  t.c_iflag = (t.c_iflag & ~INLCR) | IGNCR;
  tcsetattr(s, TCSANOW, &t);
  write(m, "c\r\n", 3);
  rd("line (the CR of before, then IGNCR)", s, 100);
  read_until("echo", m, "\r\n");
  t.c_iflag = (t.c_iflag & ~IGNCR) | ICRNL;
  tcsetattr(s, TCSANOW, &t);
  printf("-- output flags\n");
  t.c_oflag &= ~ONLCR;
  tcsetattr(s, TCSANOW, &t);
  write(s, "a\nb\r", 4);
  read_until("no ONLCR", m, "\r");
  t.c_oflag |= OCRNL | ONLCR;
  tcsetattr(s, TCSANOW, &t);
  write(s, "c\rd\n", 4);
  read_until("OCRNL", m, "d\r\n");
  t.c_oflag = (t.c_oflag & ~OCRNL) | XTABS;
  tcsetattr(s, TCSANOW, &t);
  write(s, "ab\tc\n", 5);
  read_until("XTABS", m, "c\r\n");
  t.c_oflag &= ~OPOST;
  tcsetattr(s, TCSANOW, &t);
  write(s, "raw\n\t", 5);
  read_until("no OPOST", m, "\t");
  t.c_oflag |= OPOST;
  t.c_oflag &= ~XTABS;
  tcsetattr(s, TCSANOW, &t);
  printf("-- flushing\n");
  write(m, "junk\n", 5);
  read_until("echo", m, "\r\n");
  r("FIONREAD", pending(s));
  r("tcflush TCIFLUSH", tcflush(s, TCIFLUSH));
  r("FIONREAD after flush", pending(s));
  r("tcflush bad", tcflush(s, 7));
  write(m, "keep\n", 5);
  read_until("echo", m, "\r\n");
  tcgetattr(s, &t);
  r("TCSAFLUSH", tcsetattr(s, TCSAFLUSH, &t));
  r("FIONREAD after TCSAFLUSH", pending(s));
  printf("-- switching to canonical with input pending\n");
  set_lflag(s, 0, ICANON | ECHO);
  write(m, "pend", 4);
  while (pending(s) < 4) usleep(1000);
  rd("raw read", s, 2);
  set_lflag(s, ICANON, 0);
  rd("canonical read", s, 100);
}

/** Non-canonical reads: VMIN and VTIME. */
static void mode_raw(void) {
  int s, m = open_pair(&s, O_NOCTTY);
  struct termios t;
  tcgetattr(s, &t);
  cfmakeraw(&t);
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  tcsetattr(s, TCSANOW, &t);
  flags("raw termios", s);
  rd("MIN 0 TIME 0, nothing there", s, 10);
  write(m, "xy", 2);
  struct pollfd pf = {s, POLLIN, 0};
  r("poll", poll(&pf, 1, 5000));
  rd("MIN 0 TIME 0, data there", s, 10);
  t.c_cc[VTIME] = 2;
  tcsetattr(s, TCSANOW, &t);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  rd("MIN 0 TIME 2, nothing comes", s, 10);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  printf("waited >= 150 ms: %d\n", ms >= 150);
  // VMIN 3: the reader waits for three bytes; the writer sends two, then two more.
  int ready[2], go[2];
  pipe(ready);
  pipe(go);
  t.c_cc[VMIN] = 3;
  t.c_cc[VTIME] = 0;
  tcsetattr(s, TCSANOW, &t);
  pid_t c = fork();
  if (c == 0) {
    char x;
    write(ready[1], "r", 1);
    read(go[0], &x, 1);
    rd("child: MIN 3 read", s, 10);
    _exit(0);
  }
  char x;
  read(ready[0], &x, 1);
  write(m, "ab", 2);
  write(go[1], "g", 1);
  write(m, "cd", 2);
  waitpid(c, NULL, 0);
  // VMIN 2, VTIME 1: the timer starts with the first byte.
  t.c_cc[VMIN] = 2;
  t.c_cc[VTIME] = 1;
  tcsetattr(s, TCSANOW, &t);
  write(m, "q", 1);
  rd("MIN 2 TIME 1, one byte comes", s, 10);
  // O_NONBLOCK: what is there, or EAGAIN.
  fcntl(s, F_SETFL, O_NONBLOCK);
  t.c_cc[VMIN] = 5;
  t.c_cc[VTIME] = 0;
  tcsetattr(s, TCSANOW, &t);
  rd("nonblocking, empty", s, 10);
  write(m, "12", 2);
  while (pending(s) < 2) usleep(1000);
  rd("nonblocking, MIN 5, two there", s, 10);
  fcntl(s, F_SETFL, 0);
  // ECHO in raw mode: NL echoes as ^J under ECHOCTL.
  t.c_lflag |= ECHO | ECHOCTL;
  t.c_cc[VMIN] = 1;
  tcsetattr(s, TCSANOW, &t);
  write(m, "e\n\001", 3);
  read_until("raw echo", m, "^A");
  rd("raw read", s, 10);
  // IXON: ^S stops output, ^Q starts it again.
  t.c_iflag |= IXON;
  t.c_lflag &= ~ECHO;
  tcsetattr(s, TCSANOW, &t);
  write(m, "\023", 1);
  usleep(1000);
  fcntl(s, F_SETFL, O_NONBLOCK);
  struct pollfd po = {s, POLLOUT, 0};
  int k;
  for (k = 0; k < 1000; k++) { if (poll(&po, 1, 0) == 0) break; usleep(1000); }
  printf("stopped: POLLOUT gone %d\n", po.revents == 0);
  r("write while stopped", write(s, "w", 1));
  fcntl(s, F_SETFL, 0);
  write(m, "\021", 1);
  r("poll after ^Q", poll(&po, 1, 5000));
  r("write after ^Q", write(s, "w", 1));
  rd("master reads", m, 10);
}

static volatile sig_atomic_t got;
static void on_sig(int sig) { got = sig; }

/** A child that makes the slave its controlling terminal: setsid, then open without O_NOCTTY. */
static int become_session(const char *name) {
  setsid();
  int s = open(name, O_RDWR);
  if (s < 0) { r("open ctty", -1); _exit(1); }
  return s;
}

static void report(const char *who, int st) {
  if (WIFEXITED(st)) printf("%s exited %d\n", who, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s killed by %s\n", who, strsignal(WTERMSIG(st)));
  else if (WIFSTOPPED(st)) printf("%s stopped by %s\n", who, strsignal(WSTOPSIG(st)));
}

/** ISIG: ^C, ^\ and ^Z to the foreground process group. */
static void mode_isig(void) {
  int s0, m = open_pair(&s0, O_NOCTTY);
  char *name = ptsname(m);
  close(s0);
  int ready[2];
  pipe(ready);
  // A handler: the blocked read ends, the handler ran; and the input typed before ^C is gone.
  pid_t c = fork();
  if (c == 0) {
    int s = become_session(name);
    printf("child: tcgetpgrp is own group %d, TIOCGSID is own session %d\n",
           tcgetpgrp(s) == getpgrp(), tcgetsid(s) == getsid(0));
    signal(SIGINT, on_sig);
    siginterrupt(SIGINT, 1);
    write(ready[1], "r", 1);
    char b[64];
    while (!got) read(s, b, sizeof b);
    printf("child: got %s\n", strsignal(got));
    _exit(0);
  }
  char x;
  read(ready[0], &x, 1);
  write(m, "typed\003", 6);
  int st;
  waitpid(c, &st, 0);
  report("child", st);
  read_until("master sees", m, "^C");
  // Default actions: ^Z stops, ^C kills. The target group must not be orphaned (Linux drops
  // terminal stop signals there), so it is a second group under the session leader, which
  // reports what happens to it.
  int fromleader[2], toleader[2];
  pipe(fromleader);
  pipe(toleader);
  c = fork();
  if (c == 0) {
    close(m);
    int s = become_session(name);
    pid_t g = fork();
    if (g == 0) { setpgid(0, 0); for (;;) pause(); }
    setpgid(g, g);
    tcsetpgrp(s, g);
    write(fromleader[1], "r", 1);  // type ^Z
    waitpid(g, &st, WUNTRACED);
    report("job", st);
    kill(g, SIGCONT);
    waitpid(g, &st, WCONTINUED);
    printf("job continued %d\n", WIFCONTINUED(st));
    write(fromleader[1], "r", 1);  // type ^C
    waitpid(g, &st, 0);
    report("job", st);
    _exit(0);
  }
  read(fromleader[0], &x, 1);
  write(m, "\032", 1);
  read(fromleader[0], &x, 1);
  write(m, "\003", 1);
  waitpid(c, &st, 0);
  report("leader", st);
  read_until("master sees", m, "^C");
  // ISIG off: ^C is data.
  int s = open(name, O_RDWR | O_NOCTTY);
  set_lflag(s, 0, ISIG | ECHO);
  write(m, "\003\n", 2);
  rd("slave reads", s, 10);
  // TIOCSIG from the master.
  set_lflag(s, ISIG, 0);
  close(s);
  c = fork();
  if (c == 0) {
    close(m);
    int s2 = become_session(name);
    (void)s2;
    write(ready[1], "r", 1);
    for (;;) pause();
  }
  read(ready[0], &x, 1);
  r("TIOCSIG SIGTERM", ioctl(m, TIOCSIG, SIGTERM));
  r("TIOCSIG SIGINT", ioctl(m, TIOCSIG, SIGINT));
  waitpid(c, &st, 0);
  report("child", st);
}

/** Job control: the foreground group, SIGTTIN and SIGTTOU for background groups, tcsetpgrp. */
static void mode_jobctl(void) {
  int s0, m = open_pair(&s0, O_NOCTTY);
  char *name = ptsname(m);
  close(s0);
  int toparent[2], ack[2];
  pipe(toparent);
  pipe(ack);
  pid_t leader = fork();
  if (leader == 0) {
    int s = become_session(name);
    int sync[2];
    pipe(sync);
    // A background reader stops on SIGTTIN.
    pid_t b = fork();
    if (b == 0) {
      setpgid(0, 0);
      char x;
      read(sync[0], &x, 1);
      char buf[64];
      long n = read(s, buf, sizeof buf);
      if (n < 0) printf("bg: read = -1 %s\n", strerror(errno));
      else show("bg: read after becoming foreground", buf, n);
      _exit(0);
    }
    setpgid(b, b);
    write(sync[1], "g", 1);
    int st;
    waitpid(b, &st, WUNTRACED);
    report("bg reader", st);
    // Made the foreground group and continued, its read restarts and gets the next line.
    r("tcsetpgrp to the background group", tcsetpgrp(s, b));
    printf("tcgetpgrp is it %d\n", tcgetpgrp(s) == b);
    kill(b, SIGCONT);
    write(toparent[1], "1", 1);  // the parent types a line now
    char a;
    read(ack[0], &a, 1);
    waitpid(b, &st, 0);
    report("bg reader", st);
    // The leader is in the background now: tcsetpgrp would stop it; SIGTTOU blocked, it works.
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTTOU);
    sigprocmask(SIG_BLOCK, &set, &old);
    r("tcsetpgrp back (SIGTTOU blocked)", tcsetpgrp(s, getpgrp()));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("foreground again %d\n", tcgetpgrp(s) == getpgrp());
    r("tcsetpgrp to a group of nobody", tcsetpgrp(s, 999999));
    r("tcsetpgrp to -1", tcsetpgrp(s, -1));
    // Background writers: fine without TOSTOP, stopped by SIGTTOU with it; tcsetattr stops too.
    b = fork();
    if (b == 0) {
      setpgid(0, 0);
      char x;
      read(sync[0], &x, 1);
      r("bg: write without TOSTOP", write(s, "bgw\n", 4));
      set_lflag(s, TOSTOP, 0);  // tcsetattr from the background: SIGTTOU
      printf("bg: not reached\n");
      _exit(0);
    }
    setpgid(b, b);
    write(sync[1], "g", 1);
    waitpid(b, &st, WUNTRACED);
    report("bg writer doing tcsetattr", st);
    kill(b, SIGKILL);
    waitpid(b, &st, 0);
    write(toparent[1], "2", 1);  // the parent reads "bgw"
    read(ack[0], &a, 1);
    set_lflag(s, TOSTOP, 0);
    b = fork();
    if (b == 0) {
      setpgid(0, 0);
      char x;
      read(sync[0], &x, 1);
      r("bg: write with TOSTOP", write(s, "late\n", 5));
      _exit(0);
    }
    setpgid(b, b);
    write(sync[1], "g", 1);
    waitpid(b, &st, WUNTRACED);
    report("bg writer with TOSTOP", st);
    kill(b, SIGKILL);
    waitpid(b, &st, 0);
    // Ignoring SIGTTIN makes a background read fail with EIO; ignoring SIGTTOU lets writes through.
    b = fork();
    if (b == 0) {
      setpgid(0, 0);
      char x;
      read(sync[0], &x, 1);
      signal(SIGTTIN, SIG_IGN);
      signal(SIGTTOU, SIG_IGN);
      char buf[8];
      r("bg: read with SIGTTIN ignored", read(s, buf, sizeof buf));
      r("bg: write with SIGTTOU ignored", write(s, "ign\n", 4));
      _exit(0);
    }
    setpgid(b, b);
    write(sync[1], "g", 1);
    waitpid(b, &st, 0);
    report("bg with signals ignored", st);
    write(toparent[1], "3", 1);  // the parent reads "ign"
    read(ack[0], &a, 1);
    set_lflag(s, 0, TOSTOP);
    _exit(0);
  }
  char x;
  read(toparent[0], &x, 1);
  write(m, "fg line\n", 8);
  // The echo is shown once the reader has shown its line (they happen at the same time).
  char echo[64];
  long n = collect(m, echo, sizeof echo, "\r\n");
  write(ack[1], "a", 1);
  read(toparent[0], &x, 1);
  show("master echo", echo, n);
  read_until("master reads", m, "bgw\r\n");
  write(ack[1], "a", 1);
  read(toparent[0], &x, 1);
  read_until("master reads", m, "ign\r\n");
  write(ack[1], "a", 1);
  int st;
  waitpid(leader, &st, 0);
  report("leader", st);
}

/** Window size: TIOCSWINSZ on the master signals SIGWINCH to the foreground group. */
static void mode_winsize(void) {
  int s0, m = open_pair(&s0, O_NOCTTY);
  char *name = ptsname(m);
  close(s0);
  int ready[2], done[2];
  pipe(ready);
  pipe(done);
  pid_t c = fork();
  if (c == 0) {
    int s = become_session(name);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    sigprocmask(SIG_BLOCK, &set, &old);
    signal(SIGWINCH, on_sig);
    write(ready[1], "r", 1);
    while (!got) sigsuspend(&old);
    printf("child: got %s\n", strsignal(got));
    struct winsize ws;
    ioctl(s, TIOCGWINSZ, &ws);
    printf("child: winsize %d %d %d %d\n", ws.ws_row, ws.ws_col, ws.ws_xpixel, ws.ws_ypixel);
    // The same size again sends nothing; a different one does.
    got = 0;
    r("child: TIOCSWINSZ same", ioctl(s, TIOCSWINSZ, &ws));
    sigset_t pend;
    sigpending(&pend);
    printf("child: SIGWINCH pending after same size %d\n", sigismember(&pend, SIGWINCH));
    ws.ws_col = 132;
    r("child: TIOCSWINSZ new", ioctl(s, TIOCSWINSZ, &ws));
    sigpending(&pend);
    printf("child: SIGWINCH pending after new size %d\n", sigismember(&pend, SIGWINCH));
    _exit(0);
  }
  char x;
  read(ready[0], &x, 1);
  struct winsize ws = {40, 100, 800, 600};
  // Reported after the child is done: whether the woken child prints before the parent's next
  // line is the scheduler's choice (natively, wake-up preemption usually lets it go first).
  long set = ioctl(m, TIOCSWINSZ, &ws);
  int st;
  waitpid(c, &st, 0);
  r("TIOCSWINSZ on master", set);
  report("child", st);
  r("TIOCGWINSZ on master", ioctl(m, TIOCGWINSZ, &ws));
  printf("winsize %d %d\n", ws.ws_row, ws.ws_col);
}

/** Closing either end: EIO on the master, hangup (SIGHUP to the session leader) on the slave. */
static void mode_hangup(void) {
  int s, m = open_pair(&s, O_NOCTTY);
  write(s, "last\n", 5);
  close(s);
  struct pollfd pf = {m, POLLIN, 0};
  r("poll master", poll(&pf, 1, 5000));
  printf("revents has POLLIN %d POLLHUP %d\n", !!(pf.revents & POLLIN), !!(pf.revents & POLLHUP));
  read_until("master reads", m, "last\r\n");
  char buf[8];
  r("master read after the slave closed", read(m, buf, sizeof buf));
  // Reopening the slave makes the master readable again.
  s = open(ptsname(m), O_RDWR | O_NOCTTY);
  r("reopen slave", s >= 0 ? 0 : -1);
  tcflush(s, TCIFLUSH);
  write(s, "again\n", 6);
  read_until("master reads", m, "again\r\n");
  close(s);
  close(m);
  // The master closes under a session: its leader gets SIGHUP, the slave reads 0, writes EIO.
  m = open_pair(&s, O_NOCTTY);
  char *name = ptsname(m);
  close(s);
  int ready[2], go[2];
  pipe(ready);
  pipe(go);
  pid_t c = fork();
  if (c == 0) {
    close(m);
    int s2 = become_session(name);
    signal(SIGHUP, on_sig);
    write(ready[1], "r", 1);
    char x;
    read(go[0], &x, 1);
    while (!got) pause();
    printf("child: got %s\n", strsignal(got));
    char b[8];
    r("child: read after hangup", read(s2, b, sizeof b));
    r("child: write after hangup", write(s2, "x", 1));
    r("child: tcgetpgrp after hangup", tcgetpgrp(s2));
    struct pollfd p2 = {s2, POLLIN | POLLOUT, 0};
    r("child: poll", poll(&p2, 1, 0));
    printf("child: revents %#x\n", p2.revents);
    r("child: open /dev/tty", open("/dev/tty", O_RDWR));
    r("child: open the slave by name", open(name, O_RDWR));
    _exit(0);
  }
  char x;
  read(ready[0], &x, 1);
  close(m);
  write(go[1], "g", 1);
  int st;
  waitpid(c, &st, 0);
  report("child", st);
  // A session leader's exit sends SIGHUP to its terminal's foreground group: a process there
  // that holds the only write end of a pipe dies of it, and the pipe reads EOF.
  m = open_pair(&s, O_NOCTTY);
  name = ptsname(m);
  close(s);
  int alive[2];
  pipe(alive);
  c = fork();
  if (c == 0) {
    int s2 = become_session(name);
    close(alive[0]);
    pid_t g = fork();
    if (g == 0) {
      setpgid(0, 0);
      write(ready[1], "r", 1);
      for (;;) pause();
    }
    setpgid(g, g);
    char y;
    read(ready[0], &y, 1);
    r("leader: tcsetpgrp to the other group", tcsetpgrp(s2, g));
    _exit(0);
  }
  close(alive[1]);
  waitpid(c, &st, 0);
  report("leader", st);
  char z;
  r("foreground group gone (pipe EOF)", read(alive[0], &z, 1));
}

/** Controlling terminals: acquisition, O_NOCTTY, TIOCSCTTY, TIOCNOTTY, /dev/tty. */
static void mode_ctty(void) {
  int s0, m = open_pair(&s0, O_NOCTTY);
  char *name = ptsname(m);
  close(s0);
  pid_t c = fork();
  if (c == 0) {
    setsid();
    r("child: open /dev/tty without a ctty", open("/dev/tty", O_RDWR));
    int s = open(name, O_RDWR | O_NOCTTY);
    r("child: tcgetpgrp with O_NOCTTY", tcgetpgrp(s));
    r("child: TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
    printf("child: tcgetpgrp is own group %d\n", tcgetpgrp(s) == getpgrp());
    r("child: TIOCSCTTY again", ioctl(s, TIOCSCTTY, 0));
    int t = open("/dev/tty", O_RDWR);
    r("child: open /dev/tty", t >= 0 ? 0 : -1);
    r("child: write /dev/tty", write(t, "via tty\n", 8));
    struct stat a;
    fstat(t, &a);
    printf("child: /dev/tty is 5,0 %d\n", major(a.st_rdev) == 5 && minor(a.st_rdev) == 0);
    pid_t g = fork();
    if (g == 0) {
      r("grandchild: TIOCSCTTY (not a leader)", ioctl(s, TIOCSCTTY, 0));
      printf("grandchild: inherited ctty, tcgetsid is parent's session %d\n", tcgetsid(s) == getsid(0));
      setsid();
      r("grandchild: tcgetpgrp after setsid", tcgetpgrp(s));
      r("grandchild: TIOCSCTTY of a terminal another session has", ioctl(s, TIOCSCTTY, 0));
      _exit(0);
    }
    int st;
    waitpid(g, &st, 0);
    signal(SIGHUP, SIG_IGN);
    r("child: TIOCNOTTY", ioctl(s, TIOCNOTTY));
    r("child: tcgetpgrp after TIOCNOTTY", tcgetpgrp(s));
    r("child: TIOCNOTTY again", ioctl(s, TIOCNOTTY));
    r("child: open /dev/tty after", open("/dev/tty", O_RDWR));
    // Reopened without O_NOCTTY by the leader of a session without a terminal: acquired again.
    int s2 = open(name, O_RDWR);
    printf("child: reacquired %d\n", tcgetpgrp(s2) == getpgrp());
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  report("child", st);
  read_until("master reads", m, "via tty\r\n");
}

/** Packet mode (TIOCPKT) on the master, the modem and break ioctls, TIOCEXCL. */
// What a packet-mode read of the master gives; `expect`: wait (up to 5 s) for something to come.
static void pkt(const char *label, int m, int expect) {
  struct pollfd pf = {m, POLLIN | POLLPRI, 0};
  poll(&pf, 1, expect ? 5000 : 0);
  printf("%s: poll %s%s", label, pf.revents & POLLIN ? "IN" : "", pf.revents & POLLPRI ? " PRI" : "");
  char b[64];
  long n = pf.revents ? read(m, b, sizeof b) : 0;
  printf(", read %ld:", n);
  for (long i = 0; i < n; i++) printf(" %d", (unsigned char)b[i]);
  printf("\n");
}

static void mode_packet(void) {
  int s, m = open_pair(&s, O_NOCTTY);
  int v = 0;
  r("TIOCGPKT", ioctl(m, TIOCGPKT, &v));
  printf("packet %d\n", v);
  r("TIOCPKT on the slave", ioctl(s, TIOCPKT, &v));
  r("TIOCGPKT on the slave", ioctl(s, TIOCGPKT, &v));
  tcflush(s, TCIFLUSH);  // before packet mode: forgotten when it is turned on
  v = 1;
  r("TIOCPKT 1", ioctl(m, TIOCPKT, &v));
  v = 0;
  ioctl(m, TIOCGPKT, &v);
  printf("packet %d\n", v);
  pkt("nothing yet", m, 0);
  write(s, "data", 4);
  pkt("after the slave writes", m, 1);
  r("tcflush TCIFLUSH", tcflush(s, TCIFLUSH));
  pkt("input flushed", m, 1);
  r("tcflush TCOFLUSH", tcflush(s, TCOFLUSH));
  pkt("output flushed", m, 1);
  r("tcflush TCIOFLUSH", tcflush(s, TCIOFLUSH));
  write(s, "more", 4);
  pkt("both flushed, then data", m, 1);
  pkt("then the data", m, 1);
  struct termios t;
  tcgetattr(s, &t);
  t.c_iflag &= ~IXON;
  tcsetattr(s, TCSANOW, &t);
  pkt("IXON off", m, 1);
  t.c_iflag |= IXON;
  tcsetattr(s, TCSANOW, &t);
  pkt("IXON on", m, 1);
  t.c_cc[VSTOP] = 'X';
  tcsetattr(s, TCSANOW, &t);
  pkt("VSTOP is not ^S", m, 1);
  t.c_cc[VSTOP] = 023;
  tcsetattr(s, TCSANOW, &t);
  pkt("VSTOP ^S again", m, 1);
  write(m, "\023", 1);  // ^S typed: the slave's output stops
  pkt("^S", m, 1);
  write(m, "\021", 1);  // ^Q
  pkt("^Q", m, 1);
  r("tcflow TCOOFF", tcflow(s, TCOOFF));
  pkt("TCOOFF", m, 1);
  r("tcflow TCOON", tcflow(s, TCOON));
  pkt("TCOON", m, 1);
  write(m, "\003", 1);  // ^C: ISIG flushes both ways (no foreground group to signal)
  pkt("^C", m, 1);
  char b[8];
  long n = read(m, b, 1);  // the ^C echo is data: a 1-byte read holds only TIOCPKT_DATA
  printf("1-byte read of data: %ld byte %d\n", n, (unsigned char)b[0]);
  pkt("the rest", m, 1);
  v = 0;
  r("TIOCPKT 0", ioctl(m, TIOCPKT, &v));
  write(s, "plain", 5);
  pkt("packet mode off", m, 1);

  // Modem and break ioctls: a pty has no modem lines; breaks are accepted and do nothing.
  r("TIOCMGET", ioctl(s, TIOCMGET, &v));
  v = TIOCM_DTR;
  r("TIOCMBIS", ioctl(s, TIOCMBIS, &v));
  r("TIOCMBIC", ioctl(s, TIOCMBIC, &v));
  r("TIOCMSET", ioctl(s, TIOCMSET, &v));
  r("TIOCMIWAIT", ioctl(s, TIOCMIWAIT, 0));
  r("TIOCSBRK", ioctl(s, TIOCSBRK, 0));
  r("TIOCCBRK", ioctl(s, TIOCCBRK, 0));
  r("tcsendbreak", tcsendbreak(s, 0));
  r("TIOCGSOFTCAR", ioctl(s, TIOCGSOFTCAR, &v));
  printf("softcar %d\n", v);
  v = 1;
  r("TIOCSSOFTCAR 1", ioctl(s, TIOCSSOFTCAR, &v));
  ioctl(s, TIOCGSOFTCAR, &v);
  tcgetattr(s, &t);
  printf("softcar %d, CLOCAL %d\n", v, (t.c_cflag & CLOCAL) != 0);

  // TIOCEXCL: another open of the slave needs CAP_SYS_ADMIN (an unprivileged child gets EBUSY).
  r("TIOCGEXCL", ioctl(s, TIOCGEXCL, &v));
  printf("exclusive %d\n", v);
  r("TIOCEXCL", ioctl(s, TIOCEXCL, 0));
  ioctl(s, TIOCGEXCL, &v);
  printf("exclusive %d (master: ", v);
  ioctl(m, TIOCGEXCL, &v);
  printf("%d)\n", v);
  fchmod(s, 0666);
  int again = open(ptsname(m), O_RDWR | O_NOCTTY);
  printf("root opens it again: %s\n", again >= 0 ? "ok" : strerror(errno));
  if (again >= 0) close(again);
  fflush(stdout);
  if (fork() == 0) {
    if (setuid(65534) < 0) { printf("setuid failed\n"); _exit(1); }
    int fd = open(ptsname(m), O_RDWR | O_NOCTTY);
    printf("uid 65534 opens it: %s\n", fd >= 0 ? "ok" : strerror(errno));
    fflush(stdout);
    _exit(0);
  }
  wait(NULL);
  r("TIOCNXCL", ioctl(s, TIOCNXCL, 0));
  fflush(stdout);
  if (fork() == 0) {
    setuid(65534);
    int fd = open(ptsname(m), O_RDWR | O_NOCTTY);
    printf("after TIOCNXCL uid 65534 opens it: %s\n", fd >= 0 ? "ok" : strerror(errno));
    fflush(stdout);
    _exit(0);
  }
  wait(NULL);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  // Dispositions a caller may have set (a shell's background job ignores SIGINT and SIGQUIT).
  signal(SIGTTOU, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGQUIT, SIG_DFL);
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "basic")) mode_basic();
  else if (!strcmp(mode, "canon")) mode_canon();
  else if (!strcmp(mode, "raw")) mode_raw();
  else if (!strcmp(mode, "isig")) mode_isig();
  else if (!strcmp(mode, "jobctl")) mode_jobctl();
  else if (!strcmp(mode, "winsize")) mode_winsize();
  else if (!strcmp(mode, "hangup")) mode_hangup();
  else if (!strcmp(mode, "ctty")) mode_ctty();
  else if (!strcmp(mode, "packet")) mode_packet();
  else { fprintf(stderr, "usage: tty MODE\n"); return 2; }
  return 0;
}
