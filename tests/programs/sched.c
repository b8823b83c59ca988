// Scheduling attributes (issue #4), natively and under wasl: nice values, policies and
// real-time priorities, CPU affinity and getcpu — with their permission rules (the program runs
// as root and drops to uid 1000 in children to see the unprivileged answers).
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r, int err) {
  if (r < 0) printf("%s = -1 %s\n", what, strerror(err));
  else printf("%s = %ld\n", what, r);
}
#define CALL(what, expr) do { errno = 0; long r_ = (expr); int e_ = errno; show(what, r_, e_); } while (0)

// The raw getpriority returns 20 - nice (libc wrappers convert; glibc and musl both do).
static long rawprio(int which, int who) { return syscall(SYS_getpriority, which, who); }
// Raw policy calls: musl's wrappers return ENOSYS by design (the calls are per thread).
static long setsched(pid_t pid, int policy, struct sched_param *sp) { return syscall(SYS_sched_setscheduler, pid, policy, sp); }
static long getsched(pid_t pid) { return syscall(SYS_sched_getscheduler, pid); }
static long getparam(pid_t pid, struct sched_param *sp) { return syscall(SYS_sched_getparam, pid, sp); }
static long setparam(pid_t pid, struct sched_param *sp) { return syscall(SYS_sched_setparam, pid, sp); }

static void in_child(void (*fn)(void)) {
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) { fn(); fflush(stdout); _exit(0); }
  waitpid(c, NULL, 0);
}

static void unprivileged_nice(void) {
  setresuid(1000, 1000, 1000);
  CALL("uid 1000: nice 5", setpriority(PRIO_PROCESS, 0, 5));
  CALL("uid 1000: back to nice 0", setpriority(PRIO_PROCESS, 0, 0));
  CALL("uid 1000: getpriority", rawprio(PRIO_PROCESS, 0));
  CALL("uid 1000: pid 1's nice", setpriority(PRIO_PROCESS, getppid(), 1));
  struct rlimit rl = {25, 25};
  CALL("uid 1000: raise RLIMIT_NICE", setrlimit(RLIMIT_NICE, &rl));
}

static void nice_child(void) {
  CALL("child's raw getpriority (inherited)", rawprio(PRIO_PROCESS, 0));
}

// In a process group of its own: the harness's group (Node, the test runner) must not be reniced.
static void group_nice(void) {
  setpgid(0, 0);
  CALL("setpriority 4 for its own process group", setpriority(PRIO_PGRP, 0, 4));
  CALL("raw getpriority of the group", rawprio(PRIO_PGRP, 0));
}

static void mode_nice(void) {
  CALL("raw getpriority", rawprio(PRIO_PROCESS, 0));
  CALL("getpriority bad which", rawprio(7, 0));
  CALL("getpriority no such pid", rawprio(PRIO_PROCESS, 0x3ffffff0));
  CALL("setpriority 10", setpriority(PRIO_PROCESS, 0, 10));
  CALL("raw getpriority", rawprio(PRIO_PROCESS, 0));
  CALL("setpriority 100 (clamped)", setpriority(PRIO_PROCESS, 0, 100));
  CALL("raw getpriority", rawprio(PRIO_PROCESS, 0));
  CALL("setpriority -100 as root (clamped)", setpriority(PRIO_PROCESS, 0, -100));
  CALL("raw getpriority", rawprio(PRIO_PROCESS, 0));
  CALL("nice(3) +3", (errno = 0, nice(3)));
  in_child(nice_child);
  in_child(group_nice);
  CALL("setpriority 0", setpriority(PRIO_PROCESS, 0, 0));
  in_child(unprivileged_nice);
  struct rlimit rl;
  getrlimit(RLIMIT_NICE, &rl);
  printf("RLIMIT_NICE %ld\n", (long)rl.rlim_cur);
}

static void unprivileged_policy(void) {
  setresuid(1000, 1000, 1000);
  struct sched_param sp = {10};
  CALL("uid 1000: SCHED_FIFO 10", setsched(0, SCHED_FIFO, &sp));
  sp.sched_priority = 0;
  CALL("uid 1000: SCHED_BATCH", setsched(0, SCHED_BATCH, &sp));
  CALL("uid 1000: SCHED_IDLE", setsched(0, SCHED_IDLE, &sp));
  CALL("uid 1000: back to SCHED_OTHER from IDLE", setsched(0, SCHED_OTHER, &sp));
  CALL("uid 1000: getscheduler", getsched(0));
}

static void policy_child(void) {
  struct sched_param sp;
  CALL("child: getscheduler", getsched(0));
  getparam(0, &sp);
  printf("child: priority %d\n", sp.sched_priority);
}

static void mode_policy(void) {
  struct sched_param sp = {0};
  CALL("getscheduler", getsched(0));
  CALL("getscheduler -1", getsched(-1));
  CALL("getscheduler no such pid", getsched(0x3ffffff0));
  CALL("getparam", getparam(0, &sp));
  printf("priority %d\n", sp.sched_priority);
  CALL("max FIFO", sched_get_priority_max(SCHED_FIFO));
  CALL("min FIFO", sched_get_priority_min(SCHED_FIFO));
  CALL("max RR", sched_get_priority_max(SCHED_RR));
  CALL("max OTHER", sched_get_priority_max(SCHED_OTHER));
  CALL("min IDLE", sched_get_priority_min(SCHED_IDLE));
  CALL("max 42", sched_get_priority_max(42));
  sp.sched_priority = 5;
  CALL("SCHED_OTHER with priority 5", setsched(0, SCHED_OTHER, &sp));
  sp.sched_priority = 0;
  CALL("SCHED_FIFO with priority 0", setsched(0, SCHED_FIFO, &sp));
  sp.sched_priority = 100;
  CALL("SCHED_FIFO with priority 100", setsched(0, SCHED_FIFO, &sp));
  CALL("policy 42", setsched(0, 42, &sp));
  CALL("NULL param", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL));
  sp.sched_priority = 0;
  CALL("SCHED_BATCH", setsched(0, SCHED_BATCH, &sp));
  CALL("getscheduler", getsched(0));
  struct timespec ts;
  sp.sched_priority = 10;
  long r = setsched(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp);
  int e = errno;
  if (r < 0 && e == EPERM) {
    printf("SCHED_RR: EPERM (no CAP_SYS_NICE here)\n");  // the same answer is expected from wasl
  } else {
    show("SCHED_RR 10 | RESET_ON_FORK", r, e);
    CALL("getscheduler", getsched(0));
    getparam(0, &sp);
    printf("priority %d\n", sp.sched_priority);
    CALL("rr_get_interval", sched_rr_get_interval(0, &ts));
    printf("RR slice %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    in_child(policy_child);
    sp.sched_priority = 20;
    CALL("setparam 20", setparam(0, &sp));
    getparam(0, &sp);
    printf("priority %d\n", sp.sched_priority);
    sp.sched_priority = 0;
    CALL("back to SCHED_OTHER", setsched(0, SCHED_OTHER, &sp));
  }
  sp.sched_priority = 0;
  setsched(0, SCHED_OTHER, &sp);
  CALL("rr_get_interval -1", sched_rr_get_interval(-1, &ts));
  in_child(unprivileged_policy);
}

static void print_mask(const char *label, cpu_set_t *s) {
  printf("%s:", label);
  for (int i = 0; i < 64; i++) if (CPU_ISSET(i, s)) printf(" %d", i);
  printf("\n");
}

static void affinity_child(void) {
  cpu_set_t s;
  sched_getaffinity(0, sizeof s, &s);
  print_mask("child inherits", &s);
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f)) if (!strncmp(line, "Cpus_allowed_list", 17)) printf("child %s", line);
  if (f) fclose(f);
}

static void unprivileged_affinity(void) {
  setresuid(1000, 1000, 1000);
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(0, &s);
  CALL("uid 1000: its own", sched_setaffinity(0, sizeof s, &s));
  CALL("uid 1000: its parent's (root)", sched_setaffinity(getppid(), sizeof s, &s));
}

static void mode_affinity(void) {
  cpu_set_t all, s;
  CALL("getaffinity, size 4", syscall(SYS_sched_getaffinity, 0, 4, &all));
  CALL("getaffinity, size 12", syscall(SYS_sched_getaffinity, 0, 12, &all));
  CALL("getaffinity no such pid", sched_getaffinity(0x3ffffff0, sizeof all, &all));
  CALL("getaffinity -1", sched_getaffinity(-1, sizeof all, &all));
  sched_getaffinity(0, sizeof all, &all);
  printf("CPUs at start: %d\n", CPU_COUNT(&all));
  CPU_ZERO(&s);
  CALL("setaffinity empty", sched_setaffinity(0, sizeof s, &s));
  CPU_SET(100, &s);
  CALL("setaffinity cpu 100 only", sched_setaffinity(0, sizeof s, &s));
  CPU_ZERO(&s);
  CPU_SET(0, &s);
  CALL("setaffinity cpu 0", sched_setaffinity(0, sizeof s, &s));
  sched_getaffinity(0, sizeof s, &s);
  print_mask("now", &s);
  unsigned cpu = 99, node = 99;
  CALL("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
  printf("cpu %u node %u\n", cpu, node);
  in_child(affinity_child);
  in_child(unprivileged_affinity);
  CALL("setaffinity back", sched_setaffinity(0, sizeof all, &all));
  sched_getaffinity(0, sizeof s, &s);
  printf("all back: %d\n", CPU_EQUAL(&s, &all));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (getuid() != 0) { printf("not root\n"); return 0; }
  const char *m = argc > 1 ? argv[1] : "";
  if (!strcmp(m, "nice")) mode_nice();
  else if (!strcmp(m, "policy")) mode_policy();
  else if (!strcmp(m, "affinity")) mode_affinity();
  else { fprintf(stderr, "usage: sched nice|policy|affinity\n"); return 2; }
  return 0;
}
