// Resource limits and accounting, as a program sees them. Modes:
//   nofile        open /dev/null until EMFILE; print the limit and how many opened
//   forks         fork children that wait, until fork fails; print how many and the errno
//   cpu           RLIMIT_CPU soft 1 s, hard 2 s: SIGXCPU at 1 s, then killed at 2 s
//   spin          spin on the CPU for ever (an instance's CPU cap ends it)
//   rusage        CPU time seen through clock_gettime, times, getrusage and wait4's rusage
//   touch MIB     touch MIB mebibytes of fresh memory, printing every 64
// Prints relations and booleans, never times or pids.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_now(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
static void spin(double secs) {
  double end = cpu_now(CLOCK_PROCESS_CPUTIME_ID) + secs;
  volatile unsigned long x = 0;
  while (cpu_now(CLOCK_PROCESS_CPUTIME_ID) < end)
    for (int i = 0; i < 10000; i++) x += i;
}
static volatile sig_atomic_t xcpu;
static void on_xcpu(int s) { (void)s; xcpu++; }

int main(int argc, char **argv) {
  const char *m = argc > 1 ? argv[1] : "";
  setvbuf(stdout, NULL, _IONBF, 0);
  if (!strcmp(m, "nofile")) {
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    printf("RLIMIT_NOFILE %llu %llu\n", (unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max);
    int n = 0;
    while (open("/dev/null", O_RDONLY) >= 0) n++;
    printf("opened %d, then %s\n", n, strerror(errno));
  } else if (!strcmp(m, "forks")) {
    int n = 0;
    for (;;) {
      pid_t p = fork();
      if (p < 0) { printf("forked %d, then %s\n", n, strerror(errno)); break; }
      if (p == 0) { pause(); _exit(0); }
      n++;
      if (n > 100) { printf("more than 100 forks\n"); break; }
    }
    signal(SIGTERM, SIG_IGN);
    kill(0, SIGTERM);
    while (wait(NULL) > 0) {}
  } else if (!strcmp(m, "cpu")) {
    signal(SIGXCPU, on_xcpu);
    struct rlimit r = {1, 2};
    setrlimit(RLIMIT_CPU, &r);
    while (!xcpu) spin(0.01);
    // When exactly is the host's business (its tick-sampled accounting sent it at 0.86 s of
    // CLOCK_PROCESS_CPUTIME here): only the order of events is compared.
    printf("SIGXCPU came before the hard limit\n");
    for (;;) spin(0.01);  // the hard limit: SIGKILL
  } else if (!strcmp(m, "spin")) {
    for (;;) spin(0.01);
  } else if (!strcmp(m, "rusage")) {
    spin(0.3);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double self = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("getrusage self >= 0.3 s: %d\n", self >= 0.29);
    struct tms t;
    times(&t);
    printf("times self >= 0.3 s: %d\n", (t.tms_utime + t.tms_stime) >= 29 * sysconf(_SC_CLK_TCK) / 100);
    printf("thread clock <= process clock: %d\n", cpu_now(CLOCK_THREAD_CPUTIME_ID) <= cpu_now(CLOCK_PROCESS_CPUTIME_ID));
    pid_t p = fork();
    if (p == 0) { spin(0.2); _exit(0); }
    int st;
    wait4(p, &st, 0, &ru);
    double child = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("wait4 rusage of the child >= 0.2 s: %d, < 0.4 s: %d\n", child >= 0.19, child < 0.4);
    getrusage(RUSAGE_CHILDREN, &ru);
    child = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("RUSAGE_CHILDREN >= 0.2 s: %d\n", child >= 0.19);
    times(&t);
    printf("times children >= 0.2 s: %d\n", (t.tms_cutime + t.tms_cstime) >= 19 * sysconf(_SC_CLK_TCK) / 100);
  } else if (!strcmp(m, "touch")) {
    long mib = argc > 2 ? atol(argv[2]) : 64;
    for (long i = 0; i < mib; i += 64) {
      char *p = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) { printf("mmap: %s\n", strerror(errno)); return 1; }
      for (long j = 0; j < (64 << 20); j += 4096) p[j] = 1;
      printf("touched %ld MiB\n", i + 64);
    }
  } else {
    fprintf(stderr, "usage: limits nofile|forks|cpu|spin|rusage|touch MIB\n");
    return 2;
  }
  return 0;
}
