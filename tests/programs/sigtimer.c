/* Signals that arrive later: alarm and setitimer (real, virtual, prof), POSIX timers, and the
 * system calls they interrupt — pause, sigsuspend, nanosleep (EINTR with the time left),
 * read on a pipe with and without SA_RESTART — plus signalfd. Times are only compared with
 * bounds, so the output is the same natively and under wasl. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int alarms, vtalarms, profs, last_code;
static int pipefd[2];

static void on_alarm(int sig, siginfo_t *si, void *uc) {
  if (sig == SIGALRM) alarms++;
  if (sig == SIGVTALRM) vtalarms++;
  if (sig == SIGPROF) profs++;
  last_code = si->si_code;
}
static void on_alarm_write(int sig) { alarms++; write(pipefd[1], "x", 1); }

static void install(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = h;
  sa.sa_flags = SA_SIGINFO | flags;
  sigaction(sig, &sa, 0);
}

static void arm_ms(long ms, long interval_ms) {
  struct itimerval it = {{interval_ms / 1000, interval_ms % 1000 * 1000}, {ms / 1000, ms % 1000 * 1000}};
  setitimer(ITIMER_REAL, &it, 0);
}

static const char *en(int e) { return e == EINTR ? "EINTR" : e == EAGAIN ? "EAGAIN" : e == 0 ? "0" : "other"; }

static void interrupted_calls(void) {
  install(SIGALRM, on_alarm, 0);
  printf("alarm(5)=%u ", alarm(5));
  printf("alarm(0)=%u\n", alarm(0));

  arm_ms(30, 0);
  errno = 0;
  int r = pause();
  printf("pause: r=%d errno=%s alarms=%d code=%s\n", r, en(errno), alarms, last_code == SI_KERNEL ? "SI_KERNEL" : "?");

  struct timespec req = {2, 0}, rem = {0, 0};
  arm_ms(30, 0);
  errno = 0;
  r = nanosleep(&req, &rem);
  printf("nanosleep: r=%d errno=%s rem in (1s,2s): %d\n", r, en(errno), rem.tv_sec == 1 && rem.tv_nsec > 0);
  install(SIGALRM, on_alarm, SA_RESTART);
  arm_ms(30, 0);
  errno = 0;
  r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
  printf("clock_nanosleep with SA_RESTART: r=%d rem in (1s,2s): %d\n", r, rem.tv_sec == 1 && rem.tv_nsec > 0);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  now.tv_sec += 2;
  arm_ms(10, 0);
  r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &now, 0);
  printf("absolute clock_nanosleep interrupted: r=%s\n", r == EINTR ? "EINTR" : "?");

  /* read on a pipe: restarted under SA_RESTART (the handler feeds the pipe), EINTR without. */
  pipe(pipefd);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm_write;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, 0);
  char c = 0;
  arm_ms(20, 0);
  errno = 0;
  r = read(pipefd[0], &c, 1);
  printf("read with SA_RESTART: r=%d c=%c errno=%s\n", r, c ? c : '-', en(errno));
  sa.sa_flags = 0;
  sigaction(SIGALRM, &sa, 0);
  arm_ms(20, 0);
  errno = 0;
  r = read(pipefd[0], &c, 1);
  int e = errno;
  printf("read without SA_RESTART: r=%d errno=%s then ", r, en(e));
  r = read(pipefd[0], &c, 1);
  printf("r=%d c=%c\n", r, c);

  /* sigsuspend woken by a periodic timer, counted. */
  install(SIGALRM, on_alarm, 0);
  sigset_t b, empty;
  sigemptyset(&b);
  sigaddset(&b, SIGALRM);
  sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &b, 0);
  alarms = 0;
  arm_ms(5, 5);
  while (alarms < 4) sigsuspend(&empty);
  struct itimerval cur;
  getitimer(ITIMER_REAL, &cur);
  printf("periodic: alarms=%d interval=%ldus value>0: %d\n", alarms, cur.it_interval.tv_usec, cur.it_value.tv_usec > 0 || cur.it_value.tv_sec > 0);
  arm_ms(0, 0);
  getitimer(ITIMER_REAL, &cur);
  printf("disarmed: %ld %ld %ld %ld\n", cur.it_interval.tv_sec, cur.it_interval.tv_usec, cur.it_value.tv_sec, cur.it_value.tv_usec);
  sigprocmask(SIG_UNBLOCK, &b, 0);
}

static void cpu_timers(void) {
  install(SIGVTALRM, on_alarm, 0);
  install(SIGPROF, on_alarm, 0);
  struct itimerval it = {{0, 0}, {0, 20000}}, cur;
  setitimer(ITIMER_VIRTUAL, &it, 0);
  getitimer(ITIMER_VIRTUAL, &cur);
  printf("virtual armed: %d\n", cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000);
  volatile unsigned long spin = 0;
  while (!vtalarms) spin++;
  setitimer(ITIMER_PROF, &it, 0);
  while (!profs) spin++;
  printf("virtual fired=%d prof fired=%d code=%s\n", vtalarms, profs, last_code == SI_KERNEL ? "SI_KERNEL" : "?");
}

static void posix_timers(void) {
  sigset_t b;
  sigemptyset(&b);
  sigaddset(&b, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &b, 0);
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGRTMIN;
  ev.sigev_value.sival_int = 42;
  timer_t id;
  printf("timer_create: %d\n", timer_create(CLOCK_MONOTONIC, &ev, &id));
  struct itimerspec its = {{0, 10000000}, {0, 10000000}}, cur;
  timer_settime(id, 0, &its, 0);
  timer_gettime(id, &cur);
  printf("armed: interval=%ldns value in (0,10ms]: %d\n", cur.it_interval.tv_nsec, cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 10000000);
  for (int i = 0; i < 3; i++) {
    siginfo_t si;
    int s = sigwaitinfo(&b, &si);
    printf("  tick %d: sig=RTMIN+%d code=%s value=%d timerid ok=%d overrun>=0: %d\n", i, s - SIGRTMIN,
           si.si_code == SI_TIMER ? "SI_TIMER" : "?", si.si_value.sival_int, si.si_timerid == (int)(long)id, si.si_overrun >= 0);
  }
  printf("getoverrun>=0: %d\n", timer_getoverrun(id) >= 0);
  its.it_value.tv_nsec = 0;
  timer_settime(id, 0, &its, &cur);
  printf("old interval=%ldns\n", cur.it_interval.tv_nsec);
  timer_gettime(id, &cur);
  printf("disarmed: %ld %ld\n", cur.it_value.tv_sec, cur.it_value.tv_nsec);
  printf("timer_delete: %d\n", timer_delete(id));
  /* musl returns the raw -EINVAL here; glibc -1 with errno */
  errno = 0;
  int r = timer_delete(id);
  printf("again: %s\n", (r == -1 && errno == EINVAL) || r == -EINVAL ? "EINVAL" : "?");

  /* SIGEV_NONE: nothing is delivered, timer_gettime tells the time. */
  ev.sigev_notify = SIGEV_NONE;
  timer_create(CLOCK_REALTIME, &ev, &id);
  struct itimerspec one = {{0, 0}, {0, 2000000}};
  timer_settime(id, 0, &one, 0);
  struct timespec d = {0, 10000000};
  nanosleep(&d, 0);
  timer_gettime(id, &cur);
  printf("SIGEV_NONE expired: %ld %ld\n", cur.it_value.tv_sec, cur.it_value.tv_nsec);
  one.it_value.tv_sec = 100;
  timer_settime(id, 0, &one, 0);
  timer_gettime(id, &cur);
  printf("SIGEV_NONE armed: %d\n", cur.it_value.tv_sec == 99 || cur.it_value.tv_sec == 100);
  timer_delete(id);
  /* Default sigevent: SIGALRM with the timer id as value; the handler sees SI_TIMER. */
  install(SIGALRM, on_alarm, 0);
  timer_create(CLOCK_MONOTONIC, 0, &id);
  struct itimerspec soon = {{0, 0}, {0, 5000000}};
  alarms = 0;
  timer_settime(id, 0, &soon, 0);
  while (!alarms) pause();
  printf("default sigevent: alarms=%d code=%s\n", alarms, last_code == SI_TIMER ? "SI_TIMER" : "?");
  timer_delete(id);
  errno = 0;
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = 99;
  r = timer_create(CLOCK_MONOTONIC, &ev, &id);
  printf("bad signo: %d %s\n", r, errno == EINVAL ? "EINVAL" : "?");
  sigprocmask(SIG_UNBLOCK, &b, 0);
}

static void signalfds(void) {
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR1);
  sigaddset(&m, SIGRTMIN + 2);
  sigprocmask(SIG_BLOCK, &m, 0);
  int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
  struct signalfd_siginfo si[4];
  errno = 0;
  ssize_t n = read(fd, si, sizeof si);
  printf("signalfd empty read: %zd %s\n", n, errno == EAGAIN ? "EAGAIN" : "?");
  raise(SIGUSR1);
  union sigval v = {.sival_int = 99};
  sigqueue(getpid(), SIGRTMIN + 2, v);
  n = read(fd, si, sizeof si);
  printf("signalfd read: %zd bytes\n", n);
  for (int i = 0; i < n / (ssize_t)sizeof si[0]; i++)
    printf("  signo=%u code=%d pid ok=%d int=%d\n", si[i].ssi_signo, si[i].ssi_code, si[i].ssi_pid == (unsigned)getpid(), si[i].ssi_int);
  errno = 0;
  n = read(fd, si, 10);
  printf("short buffer: %zd %s\n", n, errno == EINVAL ? "EINVAL" : "?");
  /* Blocking read, fed by an alarm that queues a signal of the set. */
  int fd2 = signalfd(-1, &m, 0);
  sigaddset(&m, SIGALRM);
  printf("update mask: %d\n", signalfd(fd2, &m, 0) == fd2);
  sigprocmask(SIG_BLOCK, &m, 0);
  arm_ms(20, 0);
  n = read(fd2, si, sizeof si);
  printf("blocking read: %zd signo=%u code=%s\n", n, si[0].ssi_signo, (int)si[0].ssi_code == SI_KERNEL ? "SI_KERNEL" : "?");
  close(fd);
  close(fd2);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  interrupted_calls();
  cpu_timers();
  posix_timers();
  signalfds();
  return 0;
}
