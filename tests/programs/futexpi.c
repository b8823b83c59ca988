// PI futexes and futexes shared between processes (issue #4), run natively and under wasl.
//   pi        LOCK_PI/TRYLOCK_PI/UNLOCK_PI/LOCK_PI2 on a raw word: ownership, FUTEX_WAITERS,
//             hand-over to a waiter, EDEADLK, EPERM, ESRCH, ETIMEDOUT, an owner that exits
//   pimutex   pthread mutexes with PTHREAD_PRIO_INHERIT (plain and robust) under contention
//   requeuepi FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI
//   shared    non-private futexes in MAP_SHARED memory woken across fork; a private wake does not
//             reach a shared waiter; process-shared pthread mutex and condition variable
// Futex words are printed with thread ids replaced by names, so the output is the same natively.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// linux/futex.h's values (musl-gcc has no kernel headers).
enum {
  FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8,
  FUTEX_WAIT_REQUEUE_PI = 11, FUTEX_CMP_REQUEUE_PI = 12, FUTEX_LOCK_PI2 = 13,
  FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256,
  FUTEX_WAKE_PRIVATE = FUTEX_WAKE | FUTEX_PRIVATE_FLAG,
  FUTEX_LOCK_PI_PRIVATE = FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG,
  FUTEX_UNLOCK_PI_PRIVATE = FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG,
  FUTEX_TRYLOCK_PI_PRIVATE = FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG,
  FUTEX_WAIT_REQUEUE_PI_PRIVATE = FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE_FLAG,
  FUTEX_CMP_REQUEUE_PI_PRIVATE = FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE_FLAG,
};
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts, uint32_t *uaddr2, uint32_t val3) {
  return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}
static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

// Thread ids and their names, for printing futex words.
static pid_t tids[8];
static const char *names[8];
static int ntids;
static void name_tid(pid_t tid, const char *name) { tids[ntids] = tid; names[ntids++] = name; }

static const char *word(uint32_t w) {
  static char buf[128];
  uint32_t tid = w & FUTEX_TID_MASK;
  const char *who = NULL;
  for (int i = 0; i < ntids; i++) if ((uint32_t)tids[i] == tid) who = names[i];
  if (tid == 0) snprintf(buf, sizeof buf, "0");
  else if (who) snprintf(buf, sizeof buf, "%s", who);
  else snprintf(buf, sizeof buf, "tid?");
  if (w & FUTEX_WAITERS) strcat(buf, "|WAITERS");
  if (w & FUTEX_OWNER_DIED) strcat(buf, "|OWNER_DIED");
  return buf;
}

static void show(const char *what, long r, int err) {
  if (r < 0) printf("%s = -1 %s\n", what, strerror(err));
  else printf("%s = %ld\n", what, r);
}
#define CALL(what, expr) do { errno = 0; long r_ = (expr); int e_ = errno; show(what, r_, e_); } while (0)

static void wait_for_waiters(uint32_t *w) {
  while (!(__atomic_load_n(w, __ATOMIC_SEQ_CST) & FUTEX_WAITERS)) sched_yield();
}

static uint32_t lockword;

// A thread that takes `lockword` with LOCK_PI, reports, and unlocks.
static void *locker(void *arg) {
  const char *name = arg;
  long r = futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
  int e = errno;
  uint32_t w = lockword;
  // Printed by the main thread after the join: keep the result.
  static char out[2][256];
  static int n;
  char *o = out[n++ & 1];
  if (r < 0) snprintf(o, 256, "%s: lock_pi = -1 %s", name, strerror(e));
  else snprintf(o, 256, "%s: lock_pi = 0, word %s", name, word(w));
  if (r == 0) {
    long u = futex(&lockword, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    size_t l = strlen(o);
    snprintf(o + l, 256 - l, "; its unlock = %ld, word %s", u, word(lockword));
  }
  return o;
}

static pid_t locker_tid;
static void *named_locker(void *arg) {
  locker_tid = gettid_();
  return locker(arg);
}

// A thread that takes the lock and exits holding it (no robust list entry).
static void *exit_holding(void *arg) {
  (void)arg;
  *(volatile pid_t *)&locker_tid = gettid_();
  futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
  return NULL;
}

struct holder { int fd; };
// Takes the lock, waits for a byte on the pipe, unlocks.
static void *hold(void *arg) {
  struct holder *hh = arg;
  locker_tid = gettid_();
  futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
  char ch;
  read(hh->fd, &ch, 1);
  futex(&lockword, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
  return NULL;
}
// Takes the lock, waits for a byte on the pipe, exits holding it.
static void *hold_and_exit(void *arg) {
  struct holder *hh = arg;
  locker_tid = gettid_();
  futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
  char ch;
  read(hh->fd, &ch, 1);
  return NULL;
}

static void mode_pi(void) {
  pid_t me = gettid_();
  name_tid(me, "main");
  CALL("lock_pi on 0", futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  printf("word %s\n", word(lockword));
  CALL("lock_pi again by the owner", futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  CALL("trylock_pi by the owner", futex(&lockword, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  printf("word %s\n", word(lockword));
  CALL("unlock_pi", futex(&lockword, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  printf("word %s\n", word(lockword));
  CALL("unlock_pi when not the owner", futex(&lockword, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  CALL("trylock_pi on 0", futex(&lockword, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  printf("word %s\n", word(lockword));

  // Hand-over: B blocks in LOCK_PI; main's unlock makes B the owner, with FUTEX_WAITERS.
  pthread_t b;
  pthread_create(&b, NULL, named_locker, "B");
  wait_for_waiters(&lockword);
  name_tid(locker_tid, "B");
  printf("B waits: word %s\n", word(lockword));
  CALL("main unlocks", futex(&lockword, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  void *res;
  pthread_join(b, &res);
  printf("%s\n", (char *)res);
  printf("word %s\n", word(lockword));

  // A lock held by someone else: TRYLOCK fails; a timed LOCK_PI times out (absolute, REALTIME).
  lockword = 0;
  pthread_t c;
  pthread_create(&c, NULL, exit_holding, NULL);
  pthread_join(c, NULL);
  name_tid(locker_tid, "C(exited)");
  printf("C took it and exited: word %s\n", word(lockword));
  CALL("trylock_pi when the owner has exited", futex(&lockword, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  printf("word %s\n", word(lockword));
  CALL("lock_pi when the owner has exited", futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  lockword = 0x3ffffff0;  // an owner that never existed
  CALL("lock_pi with a bogus owner", futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  printf("word %#x\n", lockword);

  // Timed out: main owns it in a word a second thread holds... use a forked-off owner: a thread
  // that holds the lock and waits on a pipe.
  lockword = 0;
  int p[2];
  pipe(p);
  pthread_t d;
  struct holder h = { p[0] };
  pthread_create(&d, NULL, hold, &h);
  while (!__atomic_load_n(&lockword, __ATOMIC_SEQ_CST)) sched_yield();
  name_tid(locker_tid, "D");
  printf("D holds it: word %s\n", word(lockword));
  CALL("trylock_pi when D owns it", futex(&lockword, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  printf("word %s\n", word(lockword));
  struct timespec past = {1, 0};
  CALL("lock_pi with a past deadline", futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, &past, NULL, 0));
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  now.tv_nsec += 20 * 1000000;
  if (now.tv_nsec >= 1000000000) { now.tv_sec++; now.tv_nsec -= 1000000000; }
  CALL("lock_pi with a deadline 20 ms on", futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, &now, NULL, 0));
  struct timespec mono;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  mono.tv_nsec += 20 * 1000000;
  if (mono.tv_nsec >= 1000000000) { mono.tv_sec++; mono.tv_nsec -= 1000000000; }
  CALL("lock_pi2 with a MONOTONIC deadline 20 ms on", futex(&lockword, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG, 0, &mono, NULL, 0));
  struct timespec bad = {0, 1000000000};
  CALL("lock_pi with a bad timespec", futex(&lockword, FUTEX_LOCK_PI_PRIVATE, 0, &bad, NULL, 0));
  printf("word %s\n", word(lockword));
  write(p[1], "x", 1);
  pthread_join(d, NULL);
  printf("D unlocked: word %s\n", word(lockword));

  // An owner that exits while another thread waits: the waiter gets the lock, OWNER_DIED set.
  lockword = 0;
  pipe(p);
  h.fd = p[0];
  pthread_create(&d, NULL, hold_and_exit, &h);
  while (!__atomic_load_n(&lockword, __ATOMIC_SEQ_CST)) sched_yield();
  name_tid(locker_tid, "E");
  pthread_create(&b, NULL, named_locker, "F");
  wait_for_waiters(&lockword);
  name_tid(locker_tid, "F");
  printf("F waits on E: word %s\n", word(lockword));
  write(p[1], "x", 1);
  pthread_join(d, NULL);
  pthread_join(b, &res);
  printf("%s\n", (char *)res);

  uint32_t *badp = (uint32_t *)16;  // aligned, never mapped
  CALL("lock_pi unaligned", futex((uint32_t *)((char *)&lockword + 1), FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  CALL("lock_pi bad address", futex(badp, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  CALL("unlock_pi bad address", futex(badp, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  CALL("lock_pi2 with CLOCK_REALTIME flag", futex(&lockword, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 0, &past, NULL, 0));
}

// PTHREAD_PRIO_INHERIT mutexes: correctness under contention.
static pthread_mutex_t pim;
static long counter;
static void *bump(void *arg) {
  (void)arg;
  for (int i = 0; i < 2000; i++) {
    pthread_mutex_lock(&pim);
    long c = counter;
    if (i % 64 == 0) sched_yield();
    counter = c + 1;
    pthread_mutex_unlock(&pim);
  }
  return NULL;
}
static void *die_holding(void *arg) {
  (void)arg;
  pthread_mutex_lock(&pim);
  return NULL;
}

static void mode_pimutex(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  printf("setprotocol = %d\n", pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT));
  printf("init = %d\n", pthread_mutex_init(&pim, &a));
  pthread_t t[6];
  for (int i = 0; i < 6; i++) pthread_create(&t[i], NULL, bump, NULL);
  for (int i = 0; i < 6; i++) pthread_join(t[i], NULL);
  printf("counter = %ld (want 12000)\n", counter);
  printf("trylock = %d\n", pthread_mutex_trylock(&pim));
  printf("unlock = %d\n", pthread_mutex_unlock(&pim));
  pthread_mutex_destroy(&pim);

  // Robust and PI: an owner that dies leaves EOWNERDEAD for the next locker.
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&pim, &a);
  pthread_t d;
  pthread_create(&d, NULL, die_holding, NULL);
  pthread_join(d, NULL);
  int r = pthread_mutex_lock(&pim);
  printf("lock after the owner died = %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
  printf("consistent = %d\n", pthread_mutex_consistent(&pim));
  printf("unlock = %d\n", pthread_mutex_unlock(&pim));
  printf("lock again = %d\n", pthread_mutex_lock(&pim));
  pthread_mutex_unlock(&pim);
}

// Requeue-PI: waiters on a plain futex moved onto a PI futex.
static uint32_t cond, pilock;
static void *rq_waiter(void *arg) {
  const char *name = arg;
  long r = futex(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &pilock, 0);
  int e = errno;
  static char out[4][128];
  static int n;
  char *o = out[__atomic_fetch_add(&n, 1, __ATOMIC_SEQ_CST) & 3];
  if (r < 0) snprintf(o, 128, "%s: wait_requeue_pi = -1 %s", name, strerror(e));
  else {
    snprintf(o, 128, "%s: wait_requeue_pi = 0, owns it: %d", name, (pilock & FUTEX_TID_MASK) == (uint32_t)gettid_());
    futex(&pilock, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
  }
  return o;
}

static int queued_on_cond(void) {
  // How many waiters a zero-count requeue would report is not observable without moving them,
  // so the threads say they are about to wait and the main thread yields for a while.
  for (int i = 0; i < 200; i++) sched_yield();
  usleep(50000);
  return 1;
}

static void mode_requeuepi(void) {
  name_tid(gettid_(), "main");
  CALL("cmp_requeue_pi with nr_wake 2", futex(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 2, (void *)1, &pilock, 0));
  CALL("cmp_requeue_pi onto itself", futex(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1, &cond, 0));
  CALL("cmp_requeue_pi, value changed", futex(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1, &pilock, 5));
  CALL("wait_requeue_pi, value changed", futex(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 1, NULL, &pilock, 0));
  CALL("wait_requeue_pi onto itself", futex(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &cond, 0));
  CALL("cmp_requeue_pi with no waiters", futex(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1, &pilock, 0));

  // Two waiters; main holds the PI lock, so the requeue can't hand it over: both are requeued.
  futex(&pilock, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
  pthread_t a, b;
  pthread_create(&a, NULL, rq_waiter, "A");
  queued_on_cond();
  pthread_create(&b, NULL, rq_waiter, "B");
  queued_on_cond();
  CALL("plain wake of a requeue-pi waiter", futex(&cond, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  CALL("cmp_requeue_pi while main owns the lock", futex(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)2, &pilock, 0));
  printf("word %s\n", word(pilock));
  CALL("main unlocks", futex(&pilock, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  void *ra, *rb;
  pthread_join(a, &ra);
  pthread_join(b, &rb);
  printf("%s\n%s\n", (char *)ra, (char *)rb);
  printf("word %s\n", word(pilock));

  // One waiter and a free lock: the requeue takes the lock for it and wakes it.
  pthread_create(&a, NULL, rq_waiter, "C");
  queued_on_cond();
  CALL("cmp_requeue_pi with the lock free", futex(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)0, &pilock, 0));
  pthread_join(a, &ra);
  printf("%s\n", (char *)ra);
  printf("word %s\n", word(pilock));
}

static void mode_shared(void) {
  uint32_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int p[2];
  pipe(p);
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    write(p[1], "r", 1);
    long r = futex(&sh[0], FUTEX_WAIT, 0, NULL, NULL, 0);
    printf("child: wait = %ld\n", r);
    fflush(stdout);
    _exit(0);
  }
  char ch;
  read(p[0], &ch, 1);
  // The child is about to wait (or waits) while the word stays 0: wake until one is woken.
  long n = 0;
  usleep(20000);  // by now the child waits (were it not yet, the answer would still be 0)
  CALL("private wake of a shared waiter", futex(&sh[0], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  while ((n = futex(&sh[0], FUTEX_WAKE, 1, NULL, NULL, 0)) == 0) usleep(1000);
  sh[0] = 1;
  if (c) waitpid(c, NULL, 0);  // the child's line comes first, natively and under wasl
  printf("shared wake woke %ld\n", n);

  // Process-shared mutex and condition variable, a counter bumped by two processes.
  struct shm { pthread_mutex_t m; pthread_cond_t cv; long counter; int turn; } *s = (void *)(sh + 16);
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&s->m, &ma);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
  pthread_cond_init(&s->cv, &ca);
  fflush(stdout);
  pid_t kids[2];
  for (int k = 0; k < 2; k++) {
    if ((kids[k] = fork()) == 0) {
      // Ping-pong: each process waits for its turn 200 times.
      for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&s->m);
        while (s->turn != k) pthread_cond_wait(&s->cv, &s->m);
        s->counter++;
        s->turn = 1 - k;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->m);
      }
      _exit(0);
    }
  }
  for (int k = 0; k < 2; k++) waitpid(kids[k], NULL, 0);
  printf("ping-pong counter = %ld (want 400)\n", s->counter);

  // A robust process-shared mutex whose owner process dies holding it: EOWNERDEAD here.
  pthread_mutex_t *rm = (void *)(sh + 512);
  pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(rm, &ma);
  fflush(stdout);
  if ((c = fork()) == 0) {
    pthread_mutex_lock(rm);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  int rr = pthread_mutex_lock(rm);
  printf("robust pshared lock after the owner process died = %s\n", rr == EOWNERDEAD ? "EOWNERDEAD" : strerror(rr));
  pthread_mutex_consistent(rm);
  pthread_mutex_unlock(rm);

  // A PI futex in shared memory, owned by a child process: the parent's LOCK_PI waits for it.
  sh[1] = 0;
  int q[2];
  pipe(q);
  fflush(stdout);
  if ((c = fork()) == 0) {
    futex(&sh[1], FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    write(q[1], "l", 1);
    usleep(20000);
    while (!(__atomic_load_n(&sh[1], __ATOMIC_SEQ_CST) & FUTEX_WAITERS)) sched_yield();
    futex(&sh[1], FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    _exit(0);
  }
  read(q[0], &ch, 1);
  name_tid(c, "child");
  name_tid(getpid(), "parent");
  printf("child owns it: word %s\n", word(sh[1]));
  CALL("parent lock_pi", futex(&sh[1], FUTEX_LOCK_PI, 0, NULL, NULL, 0));
  printf("word %s\n", word(sh[1]));
  CALL("parent unlock_pi", futex(&sh[1], FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
  waitpid(c, NULL, 0);
  printf("word %s\n", word(sh[1]));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *m = argc > 1 ? argv[1] : "";
  if (!strcmp(m, "pi")) mode_pi();
  else if (!strcmp(m, "pimutex")) mode_pimutex();
  else if (!strcmp(m, "requeuepi")) mode_requeuepi();
  else if (!strcmp(m, "shared")) mode_shared();
  else { fprintf(stderr, "usage: futexpi pi|pimutex|requeuepi|shared\n"); return 2; }
  return 0;
}
