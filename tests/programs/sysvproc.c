// /proc/sysvipc/{shm,sem,msg} next to the host's (tests/sysvmsg.test.ts runs it): the header line
// as printed, and for the objects this program made (found by key) the line's length — every
// column has a fixed width — and the columns that do not depend on the machine.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

static void show(const char *file, int key, int keep[], int n) {
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/sysvipc/%s", file);
  FILE *f = fopen(path, "r");
  if (!f) { printf("%s: cannot open\n", path); return; }
  fgets(line, sizeof line, f);
  printf("%s header: %s", file, line);
  while (fgets(line, sizeof line, f)) {
    char *tok[32]; int nt = 0;
    char copy[512]; strcpy(copy, line);
    for (char *p = strtok(copy, " \n"); p && nt < 32; p = strtok(NULL, " \n")) tok[nt++] = p;
    if (nt < 2 || atoi(tok[0]) != key) continue;
    printf("%s line: length %zu, fields %d:", file, strlen(line), nt);
    for (int i = 0; i < n; i++) printf(" %s", tok[keep[i]]);
    printf("\n");
  }
  fclose(f);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int base = 0x5d000000 | ((getpid() & 0xfffff) << 2);
  int shm = shmget(base, 5000, IPC_CREAT | 0640);
  char *p = shmat(shm, NULL, 0);
  p[0] = 1;
  int sem = semget(base + 1, 3, IPC_CREAT | 0600);
  int msg = msgget(base + 2, IPC_CREAT | 0604);
  struct { long t; char x[10]; } m = { 5, "hello" };
  msgsnd(msg, &m, 6, 0);
  // shm: key perms size nattch uid gid cuid cgid (rss depends on what was touched: left out)
  show("shm", base, (int[]){ 2, 3, 6, 7, 8, 9, 10, 15 }, 8);
  show("sem", base + 1, (int[]){ 2, 3, 4, 5, 6, 7 }, 6);
  show("msg", base + 2, (int[]){ 2, 3, 4, 7, 8, 9, 10 }, 7);
  shmdt(p);
  shmctl(shm, IPC_RMID, NULL);
  semctl(sem, 0, IPC_RMID);
  msgctl(msg, IPC_RMID, NULL);
  return 0;
}
