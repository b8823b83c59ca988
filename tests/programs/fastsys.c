// The syscalls wasl answers in its core (cpu/ops/fastsys.ts): getpid-class ids and the clocks,
// made as raw SYSCALL instructions (no libc vDSO path natively, so both sides make the same
// calls). Prints only what is the same on every run natively: relations between values, errnos,
// and ids the program set itself. tests/fastsys.test.ts compares with native execution.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long sc(long nr, long a, long b) { long r = syscall(nr, a, b); return r < 0 ? -errno : r; }

static int64_t ts_ns(struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

static void *thread_main(void *arg) {
  long *out = arg;
  out[0] = syscall(SYS_gettid);
  out[1] = syscall(SYS_getpid);
  return 0;
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid), ppid = syscall(SYS_getppid);
  printf("ids: tid==pid %d, ppid!=pid %d, ppid>0 %d\n", tid == pid, ppid != pid, ppid > 0);

  // A thread: its own tid, the process's pid.
  long th[2];
  pthread_t p;
  pthread_create(&p, 0, thread_main, th);
  pthread_join(p, 0);
  printf("thread: tid!=pid %d, pid==pid %d\n", th[0] != pid, th[1] == pid);

  // fork: the child sees its own pid (what fork returned) and the parent as ppid.
  int fds[2];
  if (pipe(fds)) return 1;
  pid_t c = fork();
  if (c == 0) {
    long v[3] = { syscall(SYS_getpid), syscall(SYS_gettid), syscall(SYS_getppid) };
    write(fds[1], v, sizeof v);
    _exit(0);
  }
  long v[3];
  read(fds[0], v, sizeof v);
  waitpid(c, 0, 0);
  printf("child: pid==fork() %d, tid==pid %d, ppid==parent %d\n", v[0] == c, v[1] == c, v[2] == pid);

  // Re-parenting: the grandchild's getppid changes when its parent dies (nobody else told it).
  c = fork();
  if (c == 0) {
    long mid = syscall(SYS_getpid);
    pid_t g = fork();
    if (g == 0) {
      while (syscall(SYS_getppid) == mid) sched_yield();
      long now = syscall(SYS_getppid);
      write(fds[1], &now, sizeof now);
      _exit(0);
    }
    _exit(0);
  }
  waitpid(c, 0, 0);
  long now;
  read(fds[0], &now, sizeof now);
  printf("orphan: ppid changed from its dead parent %d\n", now != c);

  // Credentials: set in a child (the values are the program's own choice).
  c = fork();
  if (c == 0) {
    int ok = setresgid(1234, 1235, 1236) == 0 && setresuid(2001, 2002, 2003) == 0;
    printf("creds: set %d uid %ld euid %ld gid %ld egid %ld\n", ok, syscall(SYS_getuid), syscall(SYS_geteuid),
           syscall(SYS_getgid), syscall(SYS_getegid));
    _exit(0);
  }
  waitpid(c, 0, 0);

  // Clocks: monotonic never goes backwards, whichever path answers (the stack is in the TLB,
  // a fresh page is not, CPU-time clocks always reach the kernel).
  char *fresh = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct timespec a, b, cpu;
  int back = 0, bad = 0;
  int64_t last[8] = { 0 }; // per clock: MONOTONIC, MONOTONIC_RAW and BOOTTIME differ natively
  for (int i = 0; i < 20000; i++) {
    struct timespec *t = (i & 7) == 0 ? (struct timespec *)(fresh + ((i >> 3) & 255) * 4096) : &a;
    int id = (i & 3) == 3 ? CLOCK_BOOTTIME : (i & 1) ? CLOCK_MONOTONIC_RAW : CLOCK_MONOTONIC;
    if (sc(SYS_clock_gettime, id, (long)t)) bad++;
    if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000) bad++;
    if (ts_ns(t) < last[id]) back++;
    last[id] = ts_ns(t);
    if ((i & 1023) == 0) sc(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, (long)&cpu);
  }
  printf("monotonic: backwards %d, bad %d\n", back, bad);

  // Realtime three ways agree with each other.
  struct timeval tv;
  long t0 = sc(SYS_time, 0, 0);
  sc(SYS_clock_gettime, CLOCK_REALTIME, (long)&a);
  sc(SYS_gettimeofday, (long)&tv, 0);
  sc(SYS_clock_gettime, CLOCK_REALTIME_COARSE, (long)&b);
  long t1 = 0, t2 = sc(SYS_time, (long)&t1, 0);
  int64_t tvns = (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
  printf("realtime: time<=rt %d, rt~tv %d, usec ok %d, coarse~rt %d, tloc==ret %d, time~rt %d\n",
         t0 <= a.tv_sec, llabs(tvns - ts_ns(&a)) < 50000000, tv.tv_usec >= 0 && tv.tv_usec < 1000000,
         llabs(ts_ns(&b) - ts_ns(&a)) < 50000000, t1 == t2, t2 - a.tv_sec <= 1 && t2 >= a.tv_sec);
  printf("REALTIME %lld\n", (long long)a.tv_sec); // the test compares it with the host's clock

  // Bad arguments get the kernel's answers.
  printf("errors: bad tp %ld, bad clock %ld, bad tv %ld, bad tloc %ld, tv NULL %ld, tz %ld\n",
         sc(SYS_clock_gettime, CLOCK_MONOTONIC, 1), sc(SYS_clock_gettime, 12345, (long)&a),
         sc(SYS_gettimeofday, 8, 0), sc(SYS_time, 16, 0), sc(SYS_gettimeofday, 0, 0),
         sc(SYS_gettimeofday, (long)&tv, (long)&a));
  munmap(fresh, 1 << 20);
  return 0;
}
