// The syscall fuzzer's guest (issue #10): issues random syscall numbers with random and
// adversarial arguments — bad pointers, pointers running into an unmapped page, huge sizes,
// negative fds, unterminated strings — from forked children, and checks that every call either
// succeeds or fails with a real Linux errno (never an ERESTART* code or a number outside errno's
// range). It runs ONLY inside a confined wasl instance (`wasl --isolated`): random chmod, rename,
// unlink and truncate would damage whatever they reached natively. Before fuzzing it proves it
// cannot see CANARY, a file the test created on the host; natively it can, so it refuses to run.
//
// usage: sysfuzz CANARY SEED CHILDREN CALLS [NR...]   (NR...: only these syscall numbers)
// Prints a summary; a violation or a child the watchdog had to kill is reported with the call
// (seed, child, call index, number, arguments) that reproduces it. Exit status 0 when every
// returned value was Linux-shaped.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_NR 460
#define ARENA 65536
#define WATCHDOG_TICKS 100  // of 2 ms: a child still running after 0.2 s is blocked in a call

// What a child shares with the driver: progress and the call in flight (a MAP_SHARED page, so
// the driver still reads it after the child died in the middle of a call).
struct shared {
  volatile long done;            // calls completed by the current child
  volatile long nr, args[6];     // the call in flight
  volatile long index;           // its index in the child's sequence
  volatile long violations;      // returned values that are not Linux's
  volatile long bad_nr, bad_ret, bad_args[6], bad_index;
  volatile long enosys[MAX_NR / 64 + 1];
  volatile long ok[MAX_NR / 64 + 1];
};

static uint64_t rng;
static uint64_t next(void) {  // xorshift64*: a reproducible stream per (seed, child)
  rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
  return rng * 0x2545F4914F6CDD1DULL;
}
static uint64_t below(uint64_t n) { return next() % n; }

static char *arena;       // ARENA bytes of random data, read-write
static char *edge;        // the last page before a PROT_NONE page: pointers that run off its end
static char *strings[24]; // NUL-terminated paths and names inside the arena
static int nstrings;

static void add_string(const char *s, size_t *at) {
  size_t n = strlen(s) + 1;
  memcpy(arena + *at, s, n);
  strings[nstrings++] = arena + *at;
  *at += n;
}

static void setup_memory(void) {
  arena = mmap(NULL, ARENA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (size_t i = 0; i < ARENA; i++) arena[i] = (char)next();
  size_t at = ARENA - 12000;  // the strings live at the arena's end, away from most random writes
  const char *paths[] = {"/", ".", "..", "/tmp", "fz", "fz/a", "/tmp/fz", "/proc/self/maps",
                         "/dev/null", "/dev/zero", "../../../..", "/proc/self/fd/0", "/etc/passwd",
                         "/mnt/data", "/mnt/data/f", "/mnt/data/../.."};
  for (unsigned i = 0; i < sizeof paths / sizeof *paths; i++) add_string(paths[i], &at);
  char longname[300];
  memset(longname, 'n', 299); longname[299] = 0;
  add_string(longname, &at);  // over NAME_MAX
  char longpath[4200];
  for (int i = 0; i < 4199; i++) longpath[i] = i % 2 ? '/' : 'p';
  longpath[4199] = 0;
  add_string(longpath, &at);  // over PATH_MAX
  char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(two, 'A', 4096);     // an unterminated string: 'A's up to a page that faults
  mprotect(two + 4096, 4096, PROT_NONE);
  edge = two;
}

static long arg(void) {
  switch (below(14)) {
  case 0: return 0;
  case 1: return (long)below(8);
  case 2: return -1;
  case 3: return (long)next();
  case 4: return below(4) ? (long)below(12) : (below(2) ? 1 << 20 : -100 /* AT_FDCWD */);
  case 5: return (long)(arena + below(ARENA - 12000));
  case 6: return (long)(edge + 4096 - below(17));            // runs into the PROT_NONE page
  case 7: return below(2) ? 8 : 0x1000;                     // unmapped, low
  case 8: {
    static const long bad[] = {(long)0x800000000000, (long)0xffff800000000000, (long)0xffffffffff600000,
                               (long)0x7ffffffff000};
    return bad[below(4)];
  }
  case 9: return (long)strings[below(nstrings)];
  case 10: return (long)edge;                               // unterminated string
  case 11: {
    static const long sizes[] = {1, 4096, 65536, 0x7fffffff, 1L << 31, 1L << 62, -4096, 16};
    return sizes[below(8)];
  }
  case 12: return 1L << below(32);
  default: return (long)(next() & 0xffff);
  }
}

// Calls left out of the random stream, and why: they would end the child's sequence or reach
// beyond it (the driver runs in the same instance and must survive to report).
static int excluded(long nr) {
  switch (nr) {
  case SYS_exit: case SYS_exit_group:                       // ends the sequence at once
  case SYS_fork: case SYS_vfork: case SYS_clone: case 435:  // clone3: unbounded process trees
  case SYS_execve: case SYS_execveat:                        // replaces the fuzzer
    return 1;
  }
  return 0;
}

static void child(struct shared *sh, uint64_t seed, int calls, long *only, int nonly) {
  setpgid(0, 0);  // its own group: kill(0, ...) reaches the child alone
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0); dup2(null, 1); dup2(null, 2);
  if (null > 2) close(null);
  mkdir("fz", 0777);
  setup_memory();
  pid_t self = getpid();
  for (int i = 0; i < calls; i++) {
    long nr;
    do nr = nonly ? only[below(nonly)] : (below(50) ? (long)below(MAX_NR) : (long)next() % 100000);
    while (excluded(nr));
    long a[6];
    for (int j = 0; j < 6; j++) a[j] = arg();
    // Signals go to the child itself only, never to the driver or the rest of the instance.
    if (nr == SYS_kill || nr == SYS_tkill) a[0] = self;
    if (nr == SYS_tgkill || nr == SYS_rt_tgsigqueueinfo) a[0] = a[1] = self;
    if (nr == SYS_rt_sigqueueinfo) a[0] = self;
    if (nr == 424 /* pidfd_send_signal */ || nr == SYS_setpgid || nr == SYS_setpriority) a[0] = 0;
    if (nr == SYS_kill && a[1] == SIGKILL) a[1] = 0;
    sh->index = i; sh->nr = nr;
    for (int j = 0; j < 6; j++) sh->args[j] = a[j];
    long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    long e = r == -1 ? errno : 0;
    // glibc/musl's syscall() maps -4095..-1 to -1 and errno; anything else came back as is.
    int bad = r == -1 && (e <= 0 || e > 133);  // EHWPOISON (133) is the largest errno
    if (bad) {
      sh->violations++;
      sh->bad_nr = nr; sh->bad_ret = e; sh->bad_index = i;
      for (int j = 0; j < 6; j++) sh->bad_args[j] = a[j];
    }
    if (nr >= 0 && nr < MAX_NR) {
      if (r == -1 && e == ENOSYS) sh->enosys[nr / 64] |= 1L << (nr % 64);
      else sh->ok[nr / 64] |= 1L << (nr % 64);
    }
    sh->done++;
  }
  _exit(0);
}

static int popcount(const volatile long *v, int n) {
  int c = 0;
  for (int i = 0; i < n; i++) c += __builtin_popcountl(v[i]);
  return c;
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: sysfuzz CANARY SEED CHILDREN CALLS [NR...]\n"); return 2; }
  // The confinement check: the host's canary must be out of reach, or this is not a confined
  // instance and random syscalls would damage real files.
  if (access(argv[1], F_OK) == 0 || errno != ENOENT) {
    fprintf(stderr, "sysfuzz: %s is reachable: not a confined instance, refusing to fuzz\n", argv[1]);
    return 2;
  }
  uint64_t seed = strtoull(argv[2], NULL, 0);
  int children = atoi(argv[3]), calls = atoi(argv[4]);
  long only[64];
  int nonly = 0;
  for (int i = 5; i < argc && nonly < 64; i++) only[nonly++] = strtol(argv[i], NULL, 0);
  // Between two PROT_NONE pages, so that a child's read() of a huge size into a neighbouring
  // buffer stops at a guard instead of overwriting the report (as it would natively too).
  char *guarded = mmap(NULL, 3 * 4096, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  struct shared *sh = (struct shared *)(guarded + 4096);
  mprotect(sh, 4096, PROT_READ | PROT_WRITE);
  long total = 0, exited = 0, signalled = 0, watchdog = 0, violations = 0;
  long enosys[MAX_NR / 64 + 1] = {0}, ok[MAX_NR / 64 + 1] = {0};
  // SYSFUZZ_FIRST=k starts at child k (to reproduce one child's sequence alone).
  int first = getenv("SYSFUZZ_FIRST") ? atoi(getenv("SYSFUZZ_FIRST")) : 0;
  for (int c = first; c < children; c++) {
    sh->done = 0; sh->violations = 0; sh->index = -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      rng = seed * 0x9E3779B97F4A7C15ULL + (uint64_t)c + 1;
      child(sh, seed, calls, only, nonly);
    }
    // The watchdog: a call may block for ever (pause, a read on an empty pipe, a huge sleep).
    int status = 0, waited = 0;
    struct timespec tick = {0, 2000000};
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (++waited == WATCHDOG_TICKS) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        watchdog++;
        if (sh->nr != 34 /* pause */ && getenv("SYSFUZZ_VERBOSE"))
          printf("watchdog: seed %#llx child %d call %ld: nr %ld (%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n",
                 (unsigned long long)seed, c, sh->index, sh->nr, sh->args[0], sh->args[1], sh->args[2],
                 sh->args[3], sh->args[4], sh->args[5]);
        break;
      }
      nanosleep(&tick, NULL);
    }
    if (WIFEXITED(status)) exited++;
    else if (WIFSIGNALED(status) && waited < WATCHDOG_TICKS) signalled++;
    total += sh->done;
    for (int i = 0; i <= MAX_NR / 64; i++) { enosys[i] |= sh->enosys[i]; ok[i] |= sh->ok[i]; sh->enosys[i] = sh->ok[i] = 0; }
    if (sh->violations) {
      violations += sh->violations;
      printf("violation: seed %#llx child %d call %ld: nr %ld (%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) gave errno %ld\n",
             (unsigned long long)seed, c, sh->bad_index, sh->bad_nr, sh->bad_args[0], sh->bad_args[1],
             sh->bad_args[2], sh->bad_args[3], sh->bad_args[4], sh->bad_args[5], sh->bad_ret);
    }
  }
  // Which numbers only ever answered ENOSYS (unimplemented) vs. did something else at least once.
  for (int i = 0; i <= MAX_NR / 64; i++) enosys[i] &= ~ok[i];
  printf("sysfuzz: seed %#llx: %ld calls in %d children; %ld ran to the end, %ld ended by a signal, "
         "%ld stopped by the watchdog; %d numbers answered, %d only ENOSYS; %ld violations\n",
         (unsigned long long)seed, total, children, exited, signalled, watchdog, popcount(ok, MAX_NR / 64 + 1),
         popcount(enosys, MAX_NR / 64 + 1), violations);
  return violations ? 1 : 0;
}
