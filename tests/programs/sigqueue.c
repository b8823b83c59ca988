/* Pending signals and masks: sigprocmask + sigpending, coalescing of standard signals,
 * real-time signals queued in order with their sigqueue values, the delivery order when many
 * become unblocked at once (one at a time with a full sa_mask; stacked frames without),
 * SIG_IGN discarding pending signals, sigsuspend, sigtimedwait, rt_sigaction's flag filtering,
 * kill/tgkill errors and sigaltstack's bookkeeping. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif

#define TRY(what, call) do { errno = 0; long r_ = (call); printf("%s: %ld %s\n", what, r_, strerrorname(errno)); } while (0)
static const char *strerrorname(int e) {
  return e == 0 ? "0" : e == EINVAL ? "EINVAL" : e == ESRCH ? "ESRCH" : e == EPERM ? "EPERM" : e == EAGAIN ? "EAGAIN" : e == ENOMEM ? "ENOMEM" : e == EFAULT ? "EFAULT" : "other";
}

static char order[256];
static int norder;

static void handler(int sig, siginfo_t *si, void *uc) {
  const char *code = si->si_code == SI_USER ? "user" : si->si_code == SI_TKILL ? "tkill" : si->si_code == SI_QUEUE ? "queue" : "other";
  if (sig >= SIGRTMIN)
    norder += snprintf(order + norder, sizeof order - norder, " RT%d(%s,%d)", sig - SIGRTMIN, code, si->si_value.sival_int);
  else
    norder += snprintf(order + norder, sizeof order - norder, " %d(%s)", sig, code);
}

static void install(int sig, int fullmask) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  if (fullmask) sigfillset(&sa.sa_mask); else sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, 0);
}

static void print_pending(const char *what) {
  sigset_t p;
  sigpending(&p);
  printf("%s pending:", what);
  for (int s = 1; s < 65; s++)
    if (sigismember(&p, s)) printf(" %d", s);
  printf("\n");
}

static void queue_all(void) {
  union sigval v;
  raise(SIGUSR2);
  kill(getpid(), SIGUSR1);
  raise(SIGUSR1); /* coalesced with the pending one */
  v.sival_int = 1; sigqueue(getpid(), SIGRTMIN + 1, v);
  v.sival_int = 2; sigqueue(getpid(), SIGRTMIN, v);
  v.sival_int = 3; sigqueue(getpid(), SIGRTMIN + 1, v);
  v.sival_int = 4; sigqueue(getpid(), SIGRTMIN, v);
  raise(SIGHUP);
}

static void delivery_order(int fullmask) {
  int sigs[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGRTMIN, SIGRTMIN + 1};
  sigset_t b, o;
  sigemptyset(&b);
  for (int i = 0; i < 5; i++) { install(sigs[i], fullmask); sigaddset(&b, sigs[i]); }
  sigprocmask(SIG_BLOCK, &b, &o);
  queue_all();
  print_pending(fullmask ? "full sa_mask:" : "empty sa_mask:");
  norder = 0;
  order[0] = 0;
  sigprocmask(SIG_SETMASK, &o, 0);
  printf("  handled:%s\n", order);
}

static volatile int got;
static void plain(int sig) { got = sig; }

static void suspend_and_wait(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = plain;
  sigaction(SIGUSR1, &sa, 0);
  sigset_t b, empty, cur;
  sigemptyset(&b);
  sigaddset(&b, SIGUSR1);
  sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &b, 0);
  kill(getpid(), SIGUSR1);
  got = 0;
  int r = sigsuspend(&empty);
  int e = errno;
  sigprocmask(SIG_BLOCK, 0, &cur);
  printf("sigsuspend: r=%d errno=%s got=%d usr1 blocked again=%d\n", r, e == EINTR ? "EINTR" : "?", got, sigismember(&cur, SIGUSR1));

  /* sigtimedwait: a queued value, a timeout, a zero timeout. */
  sigaddset(&b, SIGUSR2);
  sigprocmask(SIG_BLOCK, &b, 0);
  union sigval v = {.sival_int = 77};
  sigqueue(getpid(), SIGUSR2, v);
  siginfo_t si;
  struct timespec ts = {1, 0};
  r = sigtimedwait(&b, &si, &ts);
  printf("sigtimedwait: r=%d signo=%d code=%d value=%d pid ok=%d\n", r, si.si_signo, si.si_code, si.si_value.sival_int, si.si_pid == getpid());
  ts.tv_sec = 0; ts.tv_nsec = 20000000;
  errno = 0;
  r = sigtimedwait(&b, &si, &ts);
  printf("sigtimedwait timeout: r=%d errno=%s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
  ts.tv_nsec = 0;
  r = sigtimedwait(&b, &si, &ts);
  printf("sigtimedwait zero: r=%d errno=%s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
  ts.tv_nsec = 1000000000;
  r = sigtimedwait(&b, &si, &ts);
  printf("sigtimedwait bad timespec: r=%d errno=%s\n", r, errno == EINVAL ? "EINVAL" : "?");
  raise(SIGUSR2);
  r = sigwaitinfo(&b, &si);
  printf("sigwaitinfo: r=%d code=%d\n", r, si.si_code);
  sigprocmask(SIG_UNBLOCK, &b, 0);
}

static void dispositions(void) {
  sigset_t b;
  sigemptyset(&b);
  sigaddset(&b, SIGUSR1);
  sigaddset(&b, SIGCHLD);
  sigprocmask(SIG_BLOCK, &b, 0);
  raise(SIGUSR1);
  raise(SIGCHLD);
  print_pending("blocked usr1+chld:");
  signal(SIGUSR1, SIG_IGN);
  print_pending("after SIG_IGN usr1:");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &sa, 0);
  print_pending("after SIG_DFL chld:");
  raise(SIGUSR1); /* blocked signals are queued even when ignored */
  print_pending("ignored but blocked:");
  signal(SIGUSR1, SIG_IGN); /* discards it again */
  sigprocmask(SIG_UNBLOCK, &b, 0);
  signal(SIGUSR1, SIG_IGN);
  raise(SIGUSR1); /* unblocked and ignored: dropped */
  raise(SIGWINCH); /* default ignore */
  print_pending("after ignored raises:");
  signal(SIGUSR1, SIG_DFL);

  /* The kernel's view of a sigaction: unknown flags are dropped, SIGKILL/SIGSTOP unmaskable. */
  struct { unsigned long handler, flags, restorer, mask; } k = {(unsigned long)plain, SA_RESTART | 0x20000000 | 0x400 | SA_RESTORER, 0x1234, ~0ul}, o;
  long r = syscall(SYS_rt_sigaction, SIGUSR2, &k, 0, 8);
  syscall(SYS_rt_sigaction, SIGUSR2, 0, &o, 8);
  printf("rt_sigaction: r=%ld flags=%#lx restorer=%#lx mask=%#lx\n", r, o.flags, o.restorer, o.mask);
  TRY("SIGKILL act", syscall(SYS_rt_sigaction, SIGKILL, &k, 0, 8));
  TRY("sig 0", syscall(SYS_rt_sigaction, 0, 0, &o, 8));
  TRY("sig 65", syscall(SYS_rt_sigaction, 65, 0, &o, 8));
  TRY("sigsetsize 4", syscall(SYS_rt_sigaction, SIGUSR2, 0, &o, 4));
  TRY("SIGKILL query", syscall(SYS_rt_sigaction, SIGKILL, 0, &o, 8));
  signal(SIGUSR2, SIG_DFL);
  sigset_t all, cur;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &cur);
  sigprocmask(SIG_SETMASK, &cur, &all);
  printf("SIGKILL blockable: %d SIGSTOP: %d\n", sigismember(&all, SIGKILL), sigismember(&all, SIGSTOP));
  TRY("sigprocmask bad how", syscall(SYS_rt_sigprocmask, 7, &cur, 0, 8));
  TRY("sigpending size 4", syscall(SYS_rt_sigpending, &cur, 4));
  TRY("sigpending size 9", syscall(SYS_rt_sigpending, &cur, 9));
}

static void kills(void) {
  TRY("kill sig 0", kill(getpid(), 0));
  TRY("kill sig 65", kill(getpid(), 65));
  TRY("kill missing pid", kill(0x3ffffff0, SIGUSR1));
  TRY("kill missing pid sig 65", kill(0x3ffffff0, 65));
  TRY("kill INT_MIN", kill(-2147483647 - 1, SIGUSR1));
  TRY("tgkill wrong tgid", syscall(SYS_tgkill, getpid() + 7777, getpid(), SIGUSR1));
  TRY("tgkill tid 0", syscall(SYS_tgkill, getpid(), 0, SIGUSR1));
  TRY("tkill 0", syscall(SYS_tkill, 0, SIGUSR1));
  TRY("tkill self sig 0", syscall(SYS_tkill, getpid(), 0));
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_code = SI_USER;
  TRY("rt_sigqueueinfo SI_USER to another pid", syscall(SYS_rt_sigqueueinfo, 1, SIGUSR1, &si));
  si.si_code = SI_TKILL;
  TRY("rt_tgsigqueueinfo SI_TKILL to another tid", syscall(SYS_rt_tgsigqueueinfo, getpid(), 1, SIGUSR1, &si));
  TRY("rt_tgsigqueueinfo tgid 0", syscall(SYS_rt_tgsigqueueinfo, 0, getpid(), SIGUSR1, &si));
}

static void altstacks(void) {
  static char buf[32768];
  stack_t ss, old;
  sigaltstack(0, &old);
  printf("altstack initially: flags=%d size=%zu\n", old.ss_flags, old.ss_size);
  ss.ss_sp = buf; ss.ss_size = 1024; ss.ss_flags = 0;
  TRY("too small", sigaltstack(&ss, 0));
  ss.ss_size = sizeof buf; ss.ss_flags = 4;
  TRY("bad flags", sigaltstack(&ss, 0));
  ss.ss_flags = SS_AUTODISARM;
  printf("set autodisarm: %d\n", sigaltstack(&ss, 0));
  sigaltstack(0, &old);
  printf("now: sp ok=%d flags=%#x size=%zu\n", old.ss_sp == buf, old.ss_flags, old.ss_size);
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, 0);
  sigaltstack(0, &old);
  printf("disabled: sp=%p flags=%#x size=%zu\n", old.ss_sp, old.ss_flags, old.ss_size);
}

/* kill(0) and kill(-pgrp) in a process group of our own (never the test runner's). */
static volatile int usr1s, usr2s;
static void count(int sig) { if (sig == SIGUSR1) usr1s++; else usr2s++; }

static void groups(void) {
  setpgid(0, 0);
  signal(SIGUSR1, count);
  signal(SIGUSR2, count);
  sigset_t b, o;
  sigemptyset(&b);
  sigaddset(&b, SIGUSR1);
  sigaddset(&b, SIGUSR2);
  sigprocmask(SIG_BLOCK, &b, &o);
  int p[2];
  pipe(p);
  pid_t c = fork();
  if (c == 0) {
    while (usr1s + usr2s < 2) sigsuspend(&o);
    _exit(usr1s * 10 + usr2s);
  }
  TRY("kill(0, SIGUSR1)", kill(0, SIGUSR1));
  TRY("kill(-pgrp, SIGUSR2)", kill(-getpgrp(), SIGUSR2));
  TRY("kill(-(pgrp+12345), SIGUSR2)", kill(-(getpgrp() + 12345), SIGUSR2));
  sigprocmask(SIG_SETMASK, &o, 0);
  int st;
  waitpid(c, &st, 0);
  printf("parent got usr1=%d usr2=%d; child exit code %d\n", usr1s, usr2s, WEXITSTATUS(st));
  TRY("kill(child zombie gone)", kill(c, 0));
}

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "groups")) { groups(); return 0; }
  delivery_order(1);
  delivery_order(0);
  suspend_and_wait();
  dispositions();
  kills();
  altstacks();
  return 0;
}
