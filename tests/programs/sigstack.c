/* Signal stacks and the frames that cannot be built. By argument:
 *   overflow    a runaway recursion's SIGSEGV is caught on a sigaltstack (SA_ONSTACK) and left by
 *               siglongjmp; SS_AUTODISARM while inside; sigaltstack refused on the stack in use
 *   noalt       the same overflow with a handler but no alternate stack: killed by SIGSEGV
 *   norestorer  a handler installed without SA_RESTORER: delivery fails, SIGSEGV kills
 *   stopcont    a child stops and continues its parent in nanosleep: the sleep goes on
 *               (restart_syscall); with a SIGCONT handler it ends with EINTR
 *   killsleep   a child killed in a long nanosleep, then the process itself killed by SIGALRM in
 *               one: both end at once (no host timer outlives its process) */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif

static sigjmp_buf env;
static char *alt;
static size_t altsize = 1 << 16;
static volatile int on_alt, code, ss_flags_inside, eperm_inside, disarm_flags;

static void segv(int sig, siginfo_t *si, void *ucv) {
  char here;
  ucontext_t *uc = ucv;
  on_alt = &here > alt && &here < alt + altsize;
  code = si->si_code;
  ss_flags_inside = uc->uc_stack.ss_flags;
  stack_t cur, ss = {.ss_sp = alt, .ss_size = altsize};
  sigaltstack(0, &cur);
  disarm_flags = cur.ss_flags;
  errno = 0;
  eperm_inside = sigaltstack(&ss, 0) == -1 ? errno : 0;
  siglongjmp(env, 1);
}

static int recurse(int n) {
  volatile char pad[4096];
  pad[0] = (char)n;
  return recurse(n + 1) + pad[0];
}

static void catch_segv(int onstack) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = segv;
  sa.sa_flags = SA_SIGINFO | (onstack ? SA_ONSTACK : 0);
  sigaction(SIGSEGV, &sa, 0);
}

static void overflow(int withalt, unsigned flags) {
  struct rlimit rl = {8 << 20, 8 << 20};
  setrlimit(RLIMIT_STACK, &rl);
  if (withalt) {
    alt = malloc(altsize);
    stack_t ss = {.ss_sp = alt, .ss_size = altsize, .ss_flags = (int)flags};
    sigaltstack(&ss, 0);
  }
  catch_segv(1);
  if (!sigsetjmp(env, 1)) {
    recurse(0);
    printf("not reached\n");
  }
  printf("caught overflow: on alt stack=%d code=%d uc_stack.ss_flags=%#x sigaltstack inside: flags=%#x error=%s\n", on_alt,
         code, ss_flags_inside, disarm_flags, eperm_inside == EPERM ? "EPERM" : eperm_inside ? "other" : "none");
  stack_t cur;
  sigaltstack(0, &cur);
  printf("after siglongjmp: flags=%#x size ok=%d\n", cur.ss_flags, cur.ss_size == altsize);
}

static void raw_handler(int sig) { printf("handler ran\n"); }

static void norestorer(void) {
  struct { unsigned long handler, flags, restorer, mask; } k = {(unsigned long)raw_handler, 0, 0, 0};
  syscall(SYS_rt_sigaction, SIGUSR1, &k, 0, 8);
  printf("raising without SA_RESTORER\n");
  raise(SIGUSR1);
  printf("not reached\n");
}

static volatile int conts;
static void on_cont(int sig) { conts++; }

static void stopcont(int handler) {
  if (handler) signal(SIGCONT, on_cont);
  pid_t parent = getpid();
  pid_t c = fork();
  if (c == 0) {
    struct timespec d = {0, 40000000};
    nanosleep(&d, 0);
    kill(parent, SIGSTOP);
    nanosleep(&d, 0);
    kill(parent, SIGCONT);
    _exit(0);
  }
  struct timespec req = {1, 0}, rem = {0, 0}, t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  errno = 0;
  int r = nanosleep(&req, &rem);
  int e = errno;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  int st;
  waitpid(c, &st, 0);
  if (handler)
    printf("with SIGCONT handler: r=%d errno=%s conts=%d slept less than asked: %d\n", r, e == EINTR ? "EINTR" : "?", conts, ms < 1000);
  else
    printf("stopped and continued: r=%d slept the whole time: %d\n", r, ms >= 1000);
}

static void killsleep(void) {
  pid_t c = fork();
  if (c == 0) {
    struct timespec t = {1000, 0};
    nanosleep(&t, 0);
    _exit(1);
  }
  struct timespec d = {0, 30000000};
  nanosleep(&d, 0);
  kill(c, SIGKILL);
  int st;
  waitpid(c, &st, 0);
  printf("child killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  alarm(1);
  struct timespec t = {1000, 0};
  nanosleep(&t, 0);
  printf("not reached\n");
}

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  const char *how = argc > 1 ? argv[1] : "overflow";
  if (!strcmp(how, "overflow")) {
    overflow(1, 0);
    overflow(1, SS_AUTODISARM);
  }
  if (!strcmp(how, "noalt")) {
    printf("overflow without an alternate stack\n");
    overflow(0, 0);
  }
  if (!strcmp(how, "norestorer")) norestorer();
  if (!strcmp(how, "killsleep")) killsleep();
  if (!strcmp(how, "stopcont")) {
    stopcont(0);
    stopcont(1);
  }
  return 0;
}
