// Threads (issue #4): run with one mode argument; prints only what does not depend on
// scheduling order (results are printed by the main thread after joins), so native and wasl
// output compare byte for byte.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// linux/futex.h's values (musl-gcc has no kernel headers).
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg) \
  (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff))
/** Prints a call's result, and its errno when it failed. */
#define SHOW(label, expr) do { errno = 0; long r_ = (expr); \
  printf("%s: %ld%s%s\n", label, r_, r_ < 0 ? " " : "", r_ < 0 ? strerror(errno) : ""); } while (0)

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }
static long futex(int *uaddr, int op, int val, const struct timespec *ts, int *uaddr2, int val3) {
  return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}
#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

// ---- create/join with return values --------------------------------------------------------
static void *square(void *arg) { intptr_t v = (intptr_t)arg; return (void *)(v * v); }

static void mode_create(void) {
  pthread_t th[8];
  for (intptr_t i = 0; i < 8; i++) CHECK(pthread_create(&th[i], NULL, square, (void *)i) == 0);
  for (int i = 0; i < 8; i++) {
    void *r;
    CHECK(pthread_join(th[i], &r) == 0);
    printf("thread %d returned %ld\n", i, (long)(intptr_t)r);
  }
}

// ---- many threads, one mutex ----------------------------------------------------------------
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static void *bump(void *arg) {
  (void)arg;
  for (int i = 0; i < 20000; i++) {
    pthread_mutex_lock(&lock);
    long c = counter;
    if ((i & 255) == 0) sched_yield(); // hold the lock across a switch now and then
    counter = c + 1;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void mode_mutex(void) {
  pthread_t th[16];
  for (int i = 0; i < 16; i++) CHECK(pthread_create(&th[i], NULL, bump, NULL) == 0);
  for (int i = 0; i < 16; i++) CHECK(pthread_join(th[i], NULL) == 0);
  printf("counter = %ld (expected %d)\n", counter, 16 * 20000);
  CHECK(pthread_mutex_trylock(&lock) == 0);
  printf("trylock on a held mutex: %s\n", pthread_mutex_trylock(&lock) == EBUSY ? "EBUSY" : "?");
  pthread_mutex_unlock(&lock);
}

// ---- condition variables: bounded producer/consumer ----------------------------------------
#define SLOTS 4
#define ITEMS 2000
static int ring[SLOTS], head, tail, count;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static long consumed_sum[3];

static void *producer(void *arg) {
  int base = (int)(intptr_t)arg;
  for (int i = 1; i <= ITEMS; i++) {
    pthread_mutex_lock(&lock);
    while (count == SLOTS) pthread_cond_wait(&not_full, &lock);
    ring[tail] = base + i; tail = (tail + 1) % SLOTS; count++;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void *consumer(void *arg) {
  int me = (int)(intptr_t)arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (count == 0) pthread_cond_wait(&not_empty, &lock);
    int v = ring[head]; head = (head + 1) % SLOTS; count--;
    pthread_cond_broadcast(&not_full);
    pthread_mutex_unlock(&lock);
    if (v < 0) return NULL;
    consumed_sum[me] += v;
  }
}

static void mode_cond(void) {
  pthread_t p[2], c[3];
  for (int i = 0; i < 3; i++) pthread_create(&c[i], NULL, consumer, (void *)(intptr_t)i);
  for (int i = 0; i < 2; i++) pthread_create(&p[i], NULL, producer, (void *)(intptr_t)(i * 100000));
  for (int i = 0; i < 2; i++) pthread_join(p[i], NULL);
  for (int i = 0; i < 3; i++) { // one stop marker per consumer
    pthread_mutex_lock(&lock);
    while (count == SLOTS) pthread_cond_wait(&not_full, &lock);
    ring[tail] = -1; tail = (tail + 1) % SLOTS; count++;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
  }
  for (int i = 0; i < 3; i++) pthread_join(c[i], NULL);
  long total = consumed_sum[0] + consumed_sum[1] + consumed_sum[2];
  long want = 0;
  for (int i = 1; i <= ITEMS; i++) want += i + (100000 + i);
  printf("consumed %ld, expected %ld\n", total, want);
  // A timed wait that times out: ETIMEDOUT, mutex held again.
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 20 * 1000000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  pthread_mutex_lock(&lock);
  printf("timedwait: %s\n", pthread_cond_timedwait(&not_empty, &lock, &ts) == ETIMEDOUT ? "ETIMEDOUT" : "?");
  pthread_mutex_unlock(&lock);
}

// ---- pthread_exit, detached threads ---------------------------------------------------------
static int detached_done;
static void *exits_early(void *arg) {
  (void)arg;
  pthread_exit((void *)42);
  return (void *)0;
}
static void *detached(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  detached_done++;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void mode_exit(void) {
  pthread_t t;
  void *r;
  pthread_create(&t, NULL, exits_early, NULL);
  pthread_join(t, &r);
  printf("pthread_exit value %ld\n", (long)(intptr_t)r);
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  for (int i = 0; i < 5; i++) CHECK(pthread_create(&t, &a, detached, NULL) == 0);
  for (;;) {
    pthread_mutex_lock(&lock);
    int d = detached_done;
    pthread_mutex_unlock(&lock);
    if (d == 5) break;
    usleep(1000);
  }
  printf("detached threads ran: %d\n", detached_done);
  // The main thread leaves with pthread_exit: the process goes on until the last thread ends.
  pthread_create(&t, NULL, square, (void *)3);
  fflush(stdout);
  pthread_exit(NULL);
}

// ---- __thread ----------------------------------------------------------------------------------
static __thread int tls_counter = 7;
static __thread char tls_name[16];
static void *use_tls(void *arg) {
  int id = (int)(intptr_t)arg;
  snprintf(tls_name, sizeof tls_name, "thread-%d", id);
  for (int i = 0; i < id * 10; i++) { tls_counter++; sched_yield(); }
  char *r = malloc(64);
  snprintf(r, 64, "%s tls_counter=%d", tls_name, tls_counter);
  return r;
}

static void mode_tls(void) {
  pthread_t th[4];
  for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, use_tls, (void *)(intptr_t)(i + 1));
  for (int i = 0; i < 4; i++) {
    char *r;
    pthread_join(th[i], (void **)&r);
    printf("%s\n", r);
    free(r);
  }
  printf("main tls_counter=%d name='%s'\n", tls_counter, tls_name);
}

// ---- signals to one thread -------------------------------------------------------------------
static volatile pid_t handled_by;
static volatile sig_atomic_t sleeper_go;
static void on_usr1(int sig) { (void)sig; handled_by = gettid_(); }
static pid_t sleeper_tid;
static void *sleeper(void *arg) {
  (void)arg;
  sleeper_tid = gettid_();
  sleeper_go = 1;
  // Woken by the signal: pause returns EINTR in this thread.
  int r = pause();
  return (void *)(intptr_t)(r == -1 && errno == EINTR);
}

static void mode_kill(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  pthread_t t;
  pthread_create(&t, NULL, sleeper, NULL);
  while (!sleeper_go) sched_yield();
  usleep(10000);
  CHECK(pthread_kill(t, SIGUSR1) == 0);
  void *r;
  pthread_join(t, &r);
  printf("pause in the thread: %s\n", r ? "EINTR" : "?");
  printf("handled by the target thread: %s\n", handled_by == sleeper_tid ? "yes" : "no");
  printf("handled by main: %s\n", handled_by == gettid_() ? "yes" : "no");
  // tgkill to a thread that has exited: ESRCH (once the kernel has released it: pthread_join
  // returns when the tid word is cleared, a moment before).
  usleep(10000);
  errno = 0;
  long k = syscall(SYS_tgkill, getpid(), sleeper_tid, 0);
  printf("tgkill to an exited thread: %ld %s\n", k, errno == ESRCH ? "ESRCH" : "?");
  // A blocked signal stays pending for that thread only.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  handled_by = 0;
  pthread_kill(pthread_self(), SIGUSR1);
  sigset_t pend;
  sigpending(&pend);
  printf("pending while blocked: %d\n", sigismember(&pend, SIGUSR1));
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
  printf("handled on unblock by main: %s\n", handled_by == gettid_() ? "yes" : "no");
}

// ---- ids ------------------------------------------------------------------------------------------
static pid_t tids[6], pids[6];
static void *ids(void *arg) {
  int i = (int)(intptr_t)arg;
  tids[i] = gettid_();
  pids[i] = getpid();
  return NULL;
}

static void mode_ids(void) {
  pthread_t th[6];
  for (int i = 0; i < 6; i++) pthread_create(&th[i], NULL, ids, (void *)(intptr_t)i);
  for (int i = 0; i < 6; i++) pthread_join(th[i], NULL);
  usleep(10000); // joined threads are released by the kernel a moment after join returns
  int distinct = 1, same_pid = 1;
  for (int i = 0; i < 6; i++) {
    if (pids[i] != getpid()) same_pid = 0;
    if (tids[i] == getpid() || tids[i] <= 0) distinct = 0;
    for (int j = 0; j < i; j++) if (tids[i] == tids[j]) distinct = 0;
  }
  printf("main: gettid == getpid: %d\n", gettid_() == getpid());
  printf("threads: tids distinct and not the pid: %d, getpid the same: %d\n", distinct, same_pid);
  cpu_set_t cs;
  printf("sched_getaffinity(exited tid): %s\n", sched_getaffinity(tids[0], sizeof cs, &cs) == -1 && errno == ESRCH ? "ESRCH" : "ok");
  printf("sched_getaffinity(own tid): %d\n", sched_getaffinity(gettid_(), sizeof cs, &cs));
}

// ---- exit_group from a thread ---------------------------------------------------------------
static void *ender(void *arg) {
  (void)arg;
  usleep(20000);
  printf("thread calls exit(3)\n");
  exit(3);
}
static void *blocker(void *arg) { (void)arg; for (;;) pause(); }

static void mode_exitgroup(void) {
  pthread_t a, b;
  pthread_create(&b, NULL, blocker, NULL);
  pthread_create(&a, NULL, ender, NULL);
  fflush(stdout);
  pthread_join(b, NULL); // never returns: the process ends while main waits here
  printf("not reached\n");
}

// ---- barrier --------------------------------------------------------------------------------
static pthread_barrier_t barrier;
static int phase_seen[5][3];
static int phase;
static void *phased(void *arg) {
  int id = (int)(intptr_t)arg;
  for (int p = 0; p < 3; p++) {
    phase_seen[id][p] = phase; // every thread sees the same phase between two barriers
    if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD) phase++;
    pthread_barrier_wait(&barrier);
  }
  return NULL;
}

static void mode_barrier(void) {
  pthread_t th[5];
  pthread_barrier_init(&barrier, NULL, 5);
  for (int i = 0; i < 5; i++) pthread_create(&th[i], NULL, phased, (void *)(intptr_t)i);
  for (int i = 0; i < 5; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < 5; i++) printf("thread %d saw phases %d %d %d\n", i, phase_seen[i][0], phase_seen[i][1], phase_seen[i][2]);
  printf("final phase %d\n", phase);
}

// ---- raw futex operations ---------------------------------------------------------------------
static int fw, fw2;
static volatile int waiting_now;
static void *fwaiter(void *arg) {
  int *word = arg;
  __atomic_add_fetch(&waiting_now, 1, __ATOMIC_SEQ_CST);
  long r = futex(word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  return (void *)(intptr_t)r;
}
static void wait_for_waiters(int n) { while (waiting_now < n) sched_yield(); usleep(20000); }

static void mode_futex(void) {
  struct timespec ts = {0, 10 * 1000000};
  SHOW("WAIT, value differs", futex(&fw, FUTEX_WAIT, 1, NULL, NULL, 0));
  SHOW("WAIT, timeout", futex(&fw, FUTEX_WAIT, 0, &ts, NULL, 0));
  SHOW("WAIT, misaligned", futex((int *)((char *)&fw + 1), FUTEX_WAIT, 0, &ts, NULL, 0));
  SHOW("WAIT_BITSET, bitset 0", futex(&fw, FUTEX_WAIT_BITSET, 0, &ts, NULL, 0));
  struct timespec bad = {0, 2000000000};
  SHOW("WAIT, bad timespec", futex(&fw, FUTEX_WAIT, 0, &bad, NULL, 0));
  SHOW("WAKE, REALTIME flag", futex(&fw, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));
  errno = 0;
  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_nsec += 10 * 1000000;
  if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
  SHOW("WAIT_BITSET, absolute timeout", futex(&fw, FUTEX_WAIT_BITSET, 0, &abs, NULL, -1));
  errno = 0;
  SHOW("WAKE nobody", futex(&fw, FUTEX_WAKE, 5, NULL, NULL, 0));

  // Three waiters: wake 1, requeue 1 onto fw2, then CMP_REQUEUE with a stale value.
  pthread_t th[3];
  for (int i = 0; i < 3; i++) pthread_create(&th[i], NULL, fwaiter, &fw);
  wait_for_waiters(3);
  SHOW("CMP_REQUEUE, stale value", futex(&fw, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &fw2, 5));
  printf("CMP_REQUEUE 1+1: %ld\n", futex(&fw, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &fw2, 0));
  usleep(10000);
  printf("WAKE on fw2 (the requeued one): %ld\n", futex(&fw2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0));
  // WAKE_OP: fw2 += 5 (old 0), wake 1 on fw, and 1 on fw2 if old == 0.
  printf("WAKE_OP: %ld\n", futex(&fw, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &fw2,
                                 FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0)));
  printf("fw2 after WAKE_OP: %d\n", fw2);
  long r = futex(&fw, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &fw2,
                 FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_GT, 100));
  printf("WAKE_OP shift-or: %ld, fw2 = %d\n", r, fw2);
  SHOW("WAKE_OP, bad op", futex(&fw, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &fw2, 7 << 28));
  for (int i = 0; i < 3; i++) {
    void *r;
    pthread_join(th[i], &r);
    printf("waiter %d returned %ld\n", i, (long)(intptr_t)r);
  }
  // WAKE_BITSET reaches only waiters whose bitset intersects.
  SHOW("WAKE_BITSET, bitset 0", futex(&fw, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
}

// ---- a signal interrupts a futex wait; robust mutexes; clone's flag rules ------------------
static int fword;
static void on_usr2(int sig) { (void)sig; }
static void *futex_sleeper(void *arg) {
  (void)arg;
  __atomic_add_fetch(&waiting_now, 1, __ATOMIC_SEQ_CST);
  errno = 0;
  long r = futex(&fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  return (void *)(intptr_t)(r == -1 ? -errno : r);
}

static pthread_mutex_t robust;
static void *dies_holding(void *arg) {
  (void)arg;
  pthread_mutex_lock(&robust);
  return NULL; // exits with the mutex held: the kernel marks it FUTEX_OWNER_DIED
}

static volatile pid_t task_tid;
static void *task_entry(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  if (!task_tid) { task_tid = gettid_(); prctl(PR_SET_NAME, "worker"); }
  pthread_mutex_unlock(&lock);
  pthread_barrier_wait(&barrier); // listed
  pthread_barrier_wait(&barrier); // main has looked
  return NULL;
}

static void mode_more(void) {
  // Without SA_RESTART the handler makes the wait fail with EINTR.
  struct sigaction sa = {0};
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, NULL);
  pthread_t t;
  pthread_create(&t, NULL, futex_sleeper, NULL);
  wait_for_waiters(1);
  pthread_kill(t, SIGUSR2);
  void *r;
  pthread_join(t, &r);
  printf("futex wait + handler without SA_RESTART: %s\n", (intptr_t)r == -EINTR ? "EINTR" : "?");
  // With SA_RESTART it goes on waiting until woken.
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR2, &sa, NULL);
  waiting_now = 0;
  pthread_create(&t, NULL, futex_sleeper, NULL);
  wait_for_waiters(1);
  pthread_kill(t, SIGUSR2);
  usleep(20000);
  long woke = 0;
  while (!(woke = futex(&fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0))) sched_yield();
  pthread_join(t, &r);
  printf("futex wait + handler with SA_RESTART: woken %ld, returned %ld\n", woke, (long)(intptr_t)r);

  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&robust, &ma);
  pthread_create(&t, NULL, dies_holding, NULL);
  pthread_join(t, NULL);
  int e = pthread_mutex_lock(&robust);
  printf("robust mutex after its owner died: %s\n", e == EOWNERDEAD ? "EOWNERDEAD" : strerror(e));
  pthread_mutex_consistent(&robust);
  pthread_mutex_unlock(&robust);
  printf("then: %d\n", pthread_mutex_lock(&robust));

  // /proc/self/task lists every thread; a thread's comm is its own.
  pthread_barrier_init(&barrier, NULL, 3);
  pthread_t bt[2];
  for (int i = 0; i < 2; i++) pthread_create(&bt[i], NULL, task_entry, NULL);
  pthread_barrier_wait(&barrier);
  int entries = 0;
  DIR *d = opendir("/proc/self/task");
  for (struct dirent *de; d && (de = readdir(d));) if (de->d_name[0] != '.') entries++;
  if (d) closedir(d);
  char path[64], name[32] = "";
  snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)task_tid);
  FILE *f = fopen(path, "r");
  if (f) { fgets(name, sizeof name, f); fclose(f); }
  printf("/proc/self/task entries: %d, a thread's comm: %s", entries, name);
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < 2; i++) pthread_join(bt[i], NULL);

  // copy_process's flag rules: no thread or child is made.
  SHOW("clone CLONE_THREAD without CLONE_SIGHAND", syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0));
  SHOW("clone CLONE_SIGHAND without CLONE_VM", syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0));
  uint64_t args[11] = {0};
  args[0] = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
  args[4] = SIGCHLD; // exit_signal with CLONE_THREAD
  SHOW("clone3 CLONE_THREAD with an exit signal", syscall(435, args, 88));
}

// ---- execve from a thread -----------------------------------------------------------------------
static char self_path[4096];
static void *execer(void *arg) {
  char pid[32];
  snprintf(pid, sizeof pid, "%d", (int)getpid());
  char *argv[] = {self_path, "execd", pid, NULL};
  execv(self_path, argv);
  (void)arg;
  return NULL;
}

static void mode_exec(void) {
  pthread_t a, b;
  pthread_create(&b, NULL, blocker, NULL);
  pthread_create(&a, NULL, execer, NULL);
  pthread_join(b, NULL);
}

static void mode_execd(const char *oldpid) {
  printf("after exec from a thread: same pid %d, gettid == getpid %d\n",
         atoi(oldpid) == getpid(), gettid_() == getpid());
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *m = argc > 1 ? argv[1] : "";
  ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
  if (n > 0) self_path[n] = 0;
  if (!strcmp(m, "create")) mode_create();
  else if (!strcmp(m, "mutex")) mode_mutex();
  else if (!strcmp(m, "cond")) mode_cond();
  else if (!strcmp(m, "exit")) mode_exit();
  else if (!strcmp(m, "tls")) mode_tls();
  else if (!strcmp(m, "kill")) mode_kill();
  else if (!strcmp(m, "ids")) mode_ids();
  else if (!strcmp(m, "exitgroup")) mode_exitgroup();
  else if (!strcmp(m, "barrier")) mode_barrier();
  else if (!strcmp(m, "futex")) mode_futex();
  else if (!strcmp(m, "more")) mode_more();
  else if (!strcmp(m, "exec")) mode_exec();
  else if (!strcmp(m, "execd")) mode_execd(argv[2]);
  else { fprintf(stderr, "unknown mode\n"); return 2; }
  return 0;
}
