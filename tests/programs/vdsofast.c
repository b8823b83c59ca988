// The vDSO's clock calls as wasl's core takes them (cpu/ops/fastsys.ts: the fast entries, which
// answer and return in one step or fall through to the vDSO's ordinary code) against native:
// one clock whichever path answers — the vDSO, a raw syscall (the core's shortcut), a result
// buffer on a fresh page (the ordinary code and lxcore) — and lxcore's timers (absolute sleeps
// on deadlines read from the vDSO); bad and page-straddling buffers (SIGSEGV from inside the
// vDSO, at the address natively reported); every clock id; and, in children, a vDSO mapping the
// program replaced or made writable and patched, whose code must then run as written.
// Nothing printed depends on the time or on where things are mapped.

#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static uintptr_t vdso;
static sigjmp_buf jb;
static volatile uintptr_t fault_addr, fault_rip;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  fault_addr = (uintptr_t)si->si_addr;
  fault_code = si->si_code;
  fault_rip = (uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
  siglongjmp(jb, 1);
}

static long long ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

/* One clock, read N times through the three paths in turn: it must never go backwards. */
static void chain(clockid_t id, const char *name) {
  long long last = 0;
  int back = 0, bad = 0;
  long page = sysconf(_SC_PAGESIZE);
  for (int i = 0; i < 30000; i++) {
    struct timespec t;
    int r;
    switch (i % 3) {
    case 0: r = clock_gettime(id, &t); break;                              /* libc: the vDSO */
    case 1: r = syscall(SYS_clock_gettime, id, &t); break;                  /* SYSCALL itself */
    default: {                                                             /* a fresh page */
      if (i % 300 != 2) { r = clock_gettime(id, &t); break; }
      struct timespec *p = mmap(0, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      r = clock_gettime(id, p);
      t = *p;
      munmap(p, page);
    }
    }
    if (r != 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000) bad++;
    if (ns(&t) < last) back++;
    last = ns(&t);
  }
  printf("%s: 30000 reads, %d failed, %d went back\n", name, bad, back);
}

/* An absolute sleep until a deadline read from the clock: lxcore's timer and the clock agree. */
static void deadline(clockid_t id, const char *name) {
  int early = 0;
  for (int i = 0; i < 5; i++) {
    struct timespec d, now;
    clock_gettime(id, &d);
    d.tv_nsec += 2000000;
    if (d.tv_nsec >= 1000000000) { d.tv_sec++; d.tv_nsec -= 1000000000; }
    int r = clock_nanosleep(id, TIMER_ABSTIME, &d, 0);
    clock_gettime(id, &now);
    if (r != 0 || ns(&now) < ns(&d)) early++;
  }
  struct timespec a, b, req = {0, 3000000};
  clock_gettime(id, &a);
  nanosleep(&req, 0);
  clock_gettime(id, &b);
  printf("%s: absolute sleeps woken early %d; a 3 ms nanosleep took >= 3 ms: %s\n", name, early,
         ns(&b) - ns(&a) >= 3000000 ? "yes" : "no");
}

static void wall(void) {
  int bad = 0;
  for (int i = 0; i < 3000; i++) {
    struct timespec a;
    struct timeval tv;
    time_t t0 = time(0);
    gettimeofday(&tv, 0);
    clock_gettime(CLOCK_REALTIME, &a);
    time_t t1 = time(0);
    long long us = tv.tv_sec * 1000000LL + tv.tv_usec;
    if (tv.tv_sec < t0 || a.tv_sec < tv.tv_sec || t1 < a.tv_sec || ns(&a) / 1000 < us || tv.tv_usec < 0 || tv.tv_usec >= 1000000) bad++;
  }
  printf("time <= gettimeofday <= CLOCK_REALTIME <= time: %d out of order\n", bad);
}

/* A call whose buffer faults: where, and from where. */
static void faulting(const char *what, clockid_t id, void *p, uintptr_t expect) {
  fault_addr = fault_rip = 0;
  if (sigsetjmp(jb, 1) == 0) {
    int r = clock_gettime(id, p);
    printf("%s: returned %d errno %d\n", what, r, r ? errno : 0);
    return;
  }
  printf("%s: SIGSEGV code %s at the %s address, from %s\n", what,
         fault_code == SEGV_MAPERR ? "MAPERR" : fault_code == SEGV_ACCERR ? "ACCERR" : "other",
         fault_addr == expect ? "expected" : "wrong",
         fault_rip >= vdso && fault_rip < vdso + 8192 ? "the vDSO" : "elsewhere");
}

static void buffers(void) {
  long page = sysconf(_SC_PAGESIZE);
  char *two = mmap(0, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  /* straddling two writable pages: the result as natively */
  struct timespec *s = (struct timespec *)(two + page - 8);
  for (int i = 0; i < 3; i++) {
    int r = clock_gettime(CLOCK_MONOTONIC, s);
    printf("straddling, both pages mapped: %d, tv_nsec in range %d\n", r, s->tv_nsec >= 0 && s->tv_nsec < 1000000000);
  }
  /* the second page gone: the second half's store faults */
  munmap(two + page, page);
  faulting("straddling into an unmapped page", CLOCK_MONOTONIC, s, (uintptr_t)(two + page));
  faulting("straddling into an unmapped page, REALTIME", CLOCK_REALTIME, s, (uintptr_t)(two + page));
  /* read-only, already read (so known readable) */
  char *ro = mmap(0, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  volatile char c = ro[0];
  (void)c;
  faulting("read-only page", CLOCK_MONOTONIC, ro, (uintptr_t)ro);
  faulting("read-only page, BOOTTIME", CLOCK_BOOTTIME, ro, (uintptr_t)ro);
  /* unmapped after use */
  char *gone = mmap(0, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  clock_gettime(CLOCK_MONOTONIC, (void *)gone);
  munmap(gone, page);
  faulting("a page unmapped after a call", CLOCK_MONOTONIC, gone, (uintptr_t)gone);
  /* CPU clocks go to the kernel, which says EFAULT */
  faulting("CPU clock, read-only page", CLOCK_PROCESS_CPUTIME_ID, ro, 0);
  faulting("invalid clock id, read-only page", 99, ro, 0);
  struct timespec t;
  printf("invalid clock id: %d errno %d\n", clock_gettime(99, &t), errno);
  struct timeval tv;
  struct timezone tz;
  printf("gettimeofday with a timezone: %d\n", gettimeofday(&tv, &tz));
}

/* Every clock id but the two alarm clocks, which a host without an RTC refuses (EINVAL) and one
 * with an RTC answers: what they give depends on the machine, not on the path taken. */
static void ids(void) {
  static const struct { clockid_t id; const char *name; } all[] = {
    {CLOCK_REALTIME, "REALTIME"}, {CLOCK_MONOTONIC, "MONOTONIC"}, {CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME"},
    {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME"}, {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"},
    {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"}, {CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"},
    {CLOCK_BOOTTIME, "BOOTTIME"}, {11, "TAI"}, {12, "12"}, {-1, "-1"}, {0x7fffffff, "INT_MAX"},
  };
  for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
    struct timespec a = {-1, -1}, b = {-1, -1};
    errno = 0;
    int r1 = clock_gettime(all[i].id, &a);
    int e1 = errno;
    errno = 0;
    long r2 = syscall(SYS_clock_gettime, all[i].id, &b);
    int e2 = errno;
    printf("clock %s: vDSO %d errno %d, syscall %ld errno %d, written %d %d\n", all[i].name, r1, e1, r2, e2,
           a.tv_nsec != -1, b.tv_nsec != -1);
  }
}

/* The vDSO's pages replaced (or made writable and patched) by the program: at the place of the
 * first function's start in wasl's vDSO, code that makes getpid and adds one before returning. */
static void replaced(int how) {
  pid_t pid = fork();
  if (pid == 0) {
    long page = sysconf(_SC_PAGESIZE);
    void *at = (void *)vdso;
    int ok;
    if (how == 0) ok = munmap(at, 2 * page) == 0 && mmap(at, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == at;
    else if (how == 1) ok = mmap(at, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == at;
    else ok = mprotect(at, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC) == 0;
    if (!ok) { printf("replace %d: %s\n", how, strerror(errno)); fflush(stdout); _exit(1); }
    /* mov eax, 39; syscall; inc eax; ret  — at each of the three fast entries' places */
    static const unsigned char code[] = {0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xff, 0xc0, 0xc3};
    int good = 0;
    for (int k = 0; k < 3; k++) {
      unsigned char *f = (unsigned char *)vdso + 0x500 + 64 * k;
      memcpy(f, code, sizeof code);
      __builtin___clear_cache((char *)f, (char *)f + sizeof code);
      long r = ((long (*)(void))f)();
      good += r == getpid() + 1;
    }
    char buf[80];
    int n = snprintf(buf, sizeof buf, "replace %d: %d of 3 ran as written\n", how, good);
    write(1, buf, n);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  printf("replace %d: child exit %d\n", how, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  vdso = getauxval(AT_SYSINFO_EHDR);
  printf("vdso %s\n", vdso ? "present" : "absent");
  struct sigaction sa = {0};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0);
  chain(CLOCK_MONOTONIC, "MONOTONIC");
  chain(CLOCK_BOOTTIME, "BOOTTIME");
  chain(CLOCK_REALTIME, "REALTIME");
  deadline(CLOCK_MONOTONIC, "MONOTONIC");
  deadline(CLOCK_REALTIME, "REALTIME");
  deadline(CLOCK_BOOTTIME, "BOOTTIME");
  wall();
  buffers();
  ids();
  for (int how = 0; how < 3; how++) replaced(how);
  /* after the children: this process's vDSO still answers */
  struct timespec t;
  printf("still: %d\n", clock_gettime(CLOCK_MONOTONIC, &t));
  return 0;
}
