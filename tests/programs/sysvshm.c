// System V shared memory, compared with the host kernel (tests/sysvshm.test.ts): shmget's rules
// (keys, IPC_CREAT/IPC_EXCL, sizes, permissions as uid 1000), shmat/shmdt (sharing across fork,
// SHM_RDONLY, SHM_RND, fixed addresses, detaching), shmctl (IPC_STAT's fields, IPC_SET,
// IPC_RMID while attached, SHM_STAT, IPC_INFO) and the maps line. Ids and times are checked,
// not printed; segments are removed at the end even when something fails.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static void res(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}
static void ok(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: ok\n", what);
}

static void stat_(const char *what, int id) {
  struct shmid_ds ds;
  if (shmctl(id, IPC_STAT, &ds) < 0) { printf("%s: IPC_STAT -1 %s\n", what, strerror(errno)); return; }
  printf("%s: key %s size %zu nattch %lu mode %o uid ok %d cuid ok %d cpid self %d lpid %s atime %s dtime %s ctime set %d\n", what,
    ds.shm_perm.__key == 0 ? "private" : "kept", ds.shm_segsz, (unsigned long)ds.shm_nattch, ds.shm_perm.mode,
    ds.shm_perm.uid == geteuid(), ds.shm_perm.cuid == geteuid(), ds.shm_cpid == getpid(),
    ds.shm_lpid == 0 ? "0" : ds.shm_lpid == getpid() ? "self" : "other",
    ds.shm_atime ? "set" : "0", ds.shm_dtime ? "set" : "0", ds.shm_ctime != 0);
}

static int ids[16], nids;
static void cleanup(void) { for (int i = 0; i < nids; i++) shmctl(ids[i], IPC_RMID, NULL); }
static int keep(int id) { if (id >= 0) ids[nids++] = id; return id; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  atexit(cleanup);
  key_t key = 0x5a000000 | (getpid() & 0xffffff);
  printf("-- shmget\n");
  res("size 0", shmget(IPC_PRIVATE, 0, 0600));
  res("absent key without IPC_CREAT", shmget(key, 4096, 0600));
  int a = keep(shmget(key, 10000, IPC_CREAT | 0640));
  ok("create 10000 bytes", a);
  res("same key IPC_CREAT|IPC_EXCL", shmget(key, 10000, IPC_CREAT | IPC_EXCL | 0640));
  res("same key, larger size", shmget(key, 20000, 0640));
  printf("same key, smaller size gives the same id: %d\n", shmget(key, 100, 0) == a);
  stat_("fresh", a);
  printf("-- shmat and sharing\n");
  char *p = shmat(a, NULL, 0);
  ok("attach", p == (void *)-1 ? -1 : 0);
  strcpy(p, "parent wrote this");
  stat_("attached", a);
  pid_t c = fork();
  if (c == 0) {
    stat_("in the child (inherited attach)", a);
    strcpy(p + 5000, "child wrote that");
    char *q = shmat(a, NULL, SHM_RDONLY);
    printf("child's second attach reads: %s\n", q);
    res("child mprotect of the read-only attach", mprotect(q, 4096, PROT_READ | PROT_WRITE));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("parent reads: %s\n", p + 5000);
  stat_("after the child", a);
  FILE *m = fopen("/proc/self/maps", "r");
  char line[512];
  while (fgets(line, sizeof line, m)) if (strstr(line, "/SYSV")) {
    char *n = strstr(line, "/SYSV");
    unsigned k;
    sscanf(n, "/SYSV%x", &k);
    printf("maps: key matches %d, %s", k == (unsigned)key, strchr(n, ' '));
  }
  fclose(m);
  printf("-- addresses\n");
  res("unaligned without SHM_RND", (long)shmat(a, p + 100, 0));
  char *hole = mmap(NULL, 4 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(hole, 4 * 4096);
  char *r = shmat(a, hole + 100, SHM_RND);
  printf("SHM_RND rounds down: %d\n", r == hole);
  res("over an existing mapping", (long)shmat(a, hole, 0));
  char *r2 = shmat(a, hole, SHM_REMAP);
  printf("SHM_REMAP replaces it: %d\n", r2 == hole);
  res("SHM_REMAP without an address", (long)shmat(a, NULL, SHM_REMAP));
  res("shmdt unaligned", shmdt(hole + 1));
  res("shmdt not an attach", shmdt(hole + 4096));
  res("shmdt", shmdt(hole));
  res("shmdt again", shmdt(hole));
  printf("-- shmctl\n");
  struct shmid_ds ds;
  shmctl(a, IPC_STAT, &ds);
  ds.shm_perm.mode = 0600;
  res("IPC_SET mode 0600", shmctl(a, IPC_SET, &ds));
  stat_("after IPC_SET", a);
  res("bad command", shmctl(a, 99, &ds));
  res("bad id", shmctl(a + 1, IPC_STAT, &ds));
  struct shminfo info;
  long max = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
  printf("IPC_INFO: ok %d shmmin %lu shmmni %lu shmseg %lu\n", max >= 0, info.shmmin, info.shmmni, info.shmseg);
  printf("-- as uid 1000\n");
  c = fork();
  if (c == 0) {
    if (getuid() == 0 && setuid(1000) != 0) { printf("setuid failed\n"); _exit(1); }
    ok("shmget 0600 segment", shmget(key, 0, 0));
    res("shmget asking for read", shmget(key, 0, 0400));
    res("shmat", (long)shmat(a, NULL, 0));
    res("IPC_STAT", shmctl(a, IPC_STAT, &ds));
    res("IPC_RMID", shmctl(a, IPC_RMID, NULL));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("-- IPC_RMID while attached\n");
  res("IPC_RMID", shmctl(a, IPC_RMID, NULL));
  stat_("removed, still attached", a);
  res("shmget by the old key", shmget(key, 0, 0));
  printf("memory still there: %s\n", p);
  res("shmdt the last attach", shmdt(p));
  res("IPC_STAT after the last detach", shmctl(a, IPC_STAT, &ds));
  int b = keep(shmget(IPC_PRIVATE, 4096, 0600));
  char *pb = shmat(b, NULL, 0);
  pb[0] = 42;
  c = fork();
  if (c == 0) { shmctl(b, IPC_RMID, NULL); _exit(pb[0]); }
  int st;
  waitpid(c, &st, 0);
  printf("child saw %d, then removed it; still attached here: %d\n", WEXITSTATUS(st), pb[0]);
  res("IPC_STAT of a removed, attached segment", shmctl(b, IPC_STAT, &ds) < 0 ? -1 : (long)ds.shm_nattch);
  return 0;
}
