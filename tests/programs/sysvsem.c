// System V semaphores, compared with the host kernel (tests/sysvsem.test.ts): semget's rules,
// semop's all-or-nothing order, IPC_NOWAIT, ERANGE, EFBIG, E2BIG, blocking with GETNCNT and
// GETZCNT, wake-ups, semtimedop's timeout, EINTR, EIDRM, SEM_UNDO at exit, and semctl's
// commands (GETVAL/SETVAL/GETALL/SETALL/GETPID/IPC_STAT/IPC_SET/IPC_INFO), as root and uid 1000.
// Processes are stepped with pipes; ids and pids are checked, not printed.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; struct seminfo *__buf; };

static void res(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}
static int id;
static void vals(const char *what) {
  unsigned short v[4];
  semctl(id, 0, GETALL, (union semun){ .array = v });
  printf("%s: values %u %u %u %u ncnt0 %d zcnt1 %d\n", what, v[0], v[1], v[2], v[3],
    semctl(id, 0, GETNCNT), semctl(id, 1, GETZCNT));
}
static int op(int n, struct sembuf *s) { return semop(id, s, n); }
static void on_alarm(int s) { (void)s; }
static void cleanup(void) { semctl(id, 0, IPC_RMID); }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  key_t key = 0x5b000000 | (getpid() & 0xffffff);
  printf("-- semget\n");
  res("nsems 0 for a new set", semget(IPC_PRIVATE, 0, 0600));
  res("nsems -1", semget(IPC_PRIVATE, -1, 0600));
  res("absent key", semget(key, 4, 0600));
  id = semget(key, 4, IPC_CREAT | 0640);
  atexit(cleanup);
  printf("create: %s\n", id >= 0 ? "ok" : strerror(errno));
  res("IPC_EXCL", semget(key, 4, IPC_CREAT | IPC_EXCL | 0640));
  res("more semaphores than the set", semget(key, 5, 0));
  printf("fewer gives the same set: %d\n", semget(key, 2, 0) == id);
  struct semid_ds ds;
  semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
  printf("IPC_STAT: nsems %lu mode %o otime %ld ctime set %d uid ok %d\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode, (long)ds.sem_otime, ds.sem_ctime != 0, ds.sem_perm.uid == geteuid());
  printf("-- semop\n");
  vals("start");
  res("+2 on 0, +1 on 1", op(2, (struct sembuf[]){ {0, 2, 0}, {1, 1, 0} }));
  vals("after");
  res("-1 on 0 then -5 on 1 NOWAIT (all or nothing)", op(2, (struct sembuf[]){ {0, -1, 0}, {1, -5, IPC_NOWAIT} }));
  vals("after");
  res("wait-for-zero on 1 NOWAIT", op(1, (struct sembuf[]){ {1, 0, IPC_NOWAIT} }));
  res("same semaphore twice: -1 -1 on 0", op(2, (struct sembuf[]){ {0, -1, 0}, {0, -1, 0} }));
  vals("after");
  res("past SEMVMX", op(1, (struct sembuf[]){ {2, 32767, 0}, }) < 0 ? -1 : op(1, (struct sembuf[]){ {2, 1, 0} }));
  res("sem_num 4", op(1, (struct sembuf[]){ {4, 1, 0} }));
  res("nsops 0", semop(id, (struct sembuf[]){ {0, 1, 0} }, 0));
  res("nsops 501", semop(id, (struct sembuf[501]){ {0, 0, 0} }, 501));
  semctl(id, 2, SETVAL, (union semun){ .val = 0 });
  printf("GETPID is self: %d, otime set: %d\n", semctl(id, 0, GETPID) == getpid(), (semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }), ds.sem_otime != 0));
  printf("-- waiting\n");
  int go[2], back[2];
  pipe(go); pipe(back);
  pid_t c = fork();
  if (c == 0) {
    char ch;
    write(back[1], "r", 1);
    int r = op(1, (struct sembuf[]){ {0, -3, 0} }); // waits: value is 0
    printf("child: -3 on 0 got through: %d\n", r);
    write(back[1], "d", 1);
    read(go[0], &ch, 1);
    r = op(1, (struct sembuf[]){ {1, 0, 0} }); // waits for zero
    printf("child: zero on 1: %d\n", r);
    write(back[1], "d", 1);
    read(go[0], &ch, 1);
    r = op(1, (struct sembuf[]){ {3, -1, 0} }); // waits until the set is removed
    printf("child: waiting when the set went: %d %s\n", r, r < 0 ? strerror(errno) : "");
    _exit(0);
  }
  char ch;
  read(back[0], &ch, 1);
  for (int i = 0; i < 200 && semctl(id, 0, GETNCNT) == 0; i++) usleep(10000);
  vals("child waiting for 3 on 0");
  res("+1 on 0 (not enough)", op(1, (struct sembuf[]){ {0, 1, 0} }));
  long r2 = op(1, (struct sembuf[]){ {0, 2, 0} });
  read(back[0], &ch, 1); // (the child prints first: it got through)
  res("+2 on 0", r2);
  vals("child through");
  write(go[1], "g", 1);
  for (int i = 0; i < 200 && semctl(id, 1, GETZCNT) == 0; i++) usleep(10000);
  vals("child waiting for zero on 1");
  long sv = semctl(id, 1, SETVAL, (union semun){ .val = 0 });
  read(back[0], &ch, 1);
  res("SETVAL 1 to 0", sv);
  printf("-- timeouts, signals, undo\n");
  struct timespec ts = { 0, 50 * 1000 * 1000 };
  res("semtimedop 50 ms on an empty semaphore", semtimedop(id, (struct sembuf[]){ {3, -1, 0} }, 1, &ts));
  ts.tv_nsec = 1000000000;
  res("semtimedop with a bad timeout", semtimedop(id, (struct sembuf[]){ {3, -1, 0} }, 1, &ts));
  struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
  res("semop interrupted (SA_RESTART does not restart it)", op(1, (struct sembuf[]){ {3, -1, 0} }));
  semctl(id, 3, SETVAL, (union semun){ .val = 5 });
  pid_t u = fork();
  if (u == 0) {
    op(2, (struct sembuf[]){ {3, -2, SEM_UNDO}, {2, 3, SEM_UNDO} });
    printf("undo child: 3 is %d, 2 is %d\n", semctl(id, 3, GETVAL), semctl(id, 2, GETVAL));
    _exit(0);
  }
  waitpid(u, NULL, 0);
  printf("after the undo child's exit: 3 is %d, 2 is %d, GETPID of 3 is the child %d\n", semctl(id, 3, GETVAL), semctl(id, 2, GETVAL), semctl(id, 3, GETPID) == u);
  printf("-- semctl\n");
  res("SETVAL -1", semctl(id, 0, SETVAL, (union semun){ .val = -1 }));
  res("SETVAL 32768", semctl(id, 0, SETVAL, (union semun){ .val = 32768 }));
  res("GETVAL of semnum 9", semctl(id, 9, GETVAL));
  res("SETALL", semctl(id, 0, SETALL, (union semun){ .array = (unsigned short[]){ 1, 2, 3, 4 } }));
  vals("after SETALL");
  res("SETALL past SEMVMX", semctl(id, 0, SETALL, (union semun){ .array = (unsigned short[]){ 1, 40000, 3, 4 } }));
  res("bad command", semctl(id, 0, 99));
  struct seminfo si;
  long mx = semctl(0, 0, IPC_INFO, (union semun){ .__buf = &si });
  printf("IPC_INFO: ok %d semmsl %d semopm %d semvmx %d semmni %d\n", mx >= 0, si.semmsl, si.semopm, si.semvmx, si.semmni);
  semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
  ds.sem_perm.mode = 0600;
  res("IPC_SET 0600", semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }));
  pid_t w = fork();
  if (w == 0) {
    if (getuid() == 0 && setuid(1000) != 0) { printf("setuid failed\n"); _exit(1); }
    res("uid 1000 semget", semget(key, 0, 0) == id ? 0 : -1);
    res("uid 1000 GETVAL", semctl(id, 0, GETVAL));
    res("uid 1000 semop", op(1, (struct sembuf[]){ {0, 1, 0} }));
    res("uid 1000 IPC_RMID", semctl(id, 0, IPC_RMID));
    _exit(0);
  }
  waitpid(w, NULL, 0);
  semctl(id, 3, SETVAL, (union semun){ .val = 0 });
  write(go[1], "g", 1);
  for (int i = 0; i < 200 && semctl(id, 3, GETNCNT) == 0; i++) usleep(10000);
  long rm = semctl(id, 0, IPC_RMID);
  waitpid(c, NULL, 0); // (the child prints first: its wait ended with the removal)
  res("IPC_RMID with a waiter", rm);
  res("GETVAL after removal", semctl(id, 0, GETVAL));
  return 0;
}
