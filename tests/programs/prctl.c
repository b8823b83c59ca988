// prctl(2) and exec's handling of set-user-ID and set-group-ID files (issue #4), natively and
// under wasl.
//   basic      the options' values, defaults and EINVAL rules
//   pdeath     PR_SET_PDEATHSIG fires when the parent exits; PR_SET_CHILD_SUBREAPER adopts orphans
//   subreaper  orphans and orphaned zombies go to the nearest subreaper, which waits for them
//   dumpable   PR_GET_DUMPABLE after credential changes and exec
//   setuid     exec of set-user-ID / set-group-ID copies of this program (run as root: it makes
//              the copies, chowns them and drops to other uids itself); NO_NEW_PRIVS; AT_SECURE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PR_GET_AUXV
#define PR_GET_AUXV 0x41555856
#endif

static void show(const char *what, long r, int err) {
  if (r < 0) printf("%s = -1 %s\n", what, strerror(err));
  else printf("%s = %ld\n", what, r);
}
#define CALL(what, expr) do { errno = 0; long r_ = (expr); int e_ = errno; show(what, r_, e_); } while (0)

static char self[4096];

static void mode_basic(void) {
  int v = -1;
  CALL("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
  CALL("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2));
  CALL("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0));
  CALL("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
  CALL("PR_SET_DUMPABLE 1", prctl(PR_SET_DUMPABLE, 1));
  CALL("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &v));
  printf("pdeathsig %d\n", v);
  CALL("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65));
  CALL("PR_SET_PDEATHSIG SIGTERM", prctl(PR_SET_PDEATHSIG, SIGTERM));
  CALL("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &v));
  printf("pdeathsig %d\n", v);
  CALL("PR_GET_PDEATHSIG bad pointer", prctl(PR_GET_PDEATHSIG, (int *)16));
  CALL("PR_SET_PDEATHSIG 0", prctl(PR_SET_PDEATHSIG, 0));
  CALL("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  CALL("PR_GET_NO_NEW_PRIVS arg2", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
  CALL("PR_SET_NO_NEW_PRIVS 0", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
  CALL("PR_SET_NO_NEW_PRIVS 1 extra", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
  fflush(stdout);
  if (fork() == 0) {
    CALL("child: PR_SET_NO_NEW_PRIVS 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CALL("child: PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    fflush(stdout);
    if (fork() == 0) {
      CALL("grandchild inherits it", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
      fflush(stdout);
      _exit(0);
    }
    wait(NULL);
    _exit(0);
  }
  wait(NULL);
  CALL("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS));
  CALL("PR_SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2));
  CALL("PR_SET_KEEPCAPS 1", prctl(PR_SET_KEEPCAPS, 1));
  CALL("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS));
  CALL("PR_SET_KEEPCAPS 0", prctl(PR_SET_KEEPCAPS, 0));
  CALL("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &v));
  printf("subreaper %d\n", v);
  CALL("PR_SET_CHILD_SUBREAPER 5", prctl(PR_SET_CHILD_SUBREAPER, 5));
  CALL("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &v));
  printf("subreaper %d\n", v);
  CALL("PR_SET_CHILD_SUBREAPER 0", prctl(PR_SET_CHILD_SUBREAPER, 0));
  CALL("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
  CALL("PR_SET_THP_DISABLE 1 extra", prctl(PR_SET_THP_DISABLE, 1, 1, 0, 0));
  CALL("PR_SET_THP_DISABLE 1", prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
  CALL("PR_GET_THP_DISABLE", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
  CALL("PR_SET_THP_DISABLE 0", prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0));
  long slack0 = prctl(PR_GET_TIMERSLACK);
  CALL("PR_SET_TIMERSLACK 123456", prctl(PR_SET_TIMERSLACK, 123456));
  CALL("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK));
  CALL("PR_SET_TIMERSLACK 0 (back to the default)", prctl(PR_SET_TIMERSLACK, 0));
  printf("slack back to where it started: %d\n", prctl(PR_GET_TIMERSLACK) == slack0);
  CALL("PR_CAPBSET_READ CAP_CHOWN", prctl(PR_CAPBSET_READ, 0));
  CALL("PR_CAPBSET_READ 63", prctl(PR_CAPBSET_READ, 63));
  int *tid = NULL;
  CALL("PR_GET_TID_ADDRESS", prctl(PR_GET_TID_ADDRESS, &tid));
  int *mine = malloc(sizeof *mine);
  syscall(SYS_set_tid_address, mine);
  prctl(PR_GET_TID_ADDRESS, &tid);
  printf("tid address is what set_tid_address set: %d\n", tid == mine);
  CALL("PR_SET_SECCOMP 1234", prctl(PR_SET_SECCOMP, 1234));
  CALL("PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS));
  CALL("option 1000", prctl(1000, 0, 0, 0, 0));
  char name[16] = {0};
  CALL("PR_SET_NAME", prctl(PR_SET_NAME, "a-long-thread-name"));
  CALL("PR_GET_NAME", prctl(PR_GET_NAME, name));
  printf("name %s\n", name);
  unsigned long auxv[128];
  long n = prctl(PR_GET_AUXV, auxv, sizeof auxv, 0, 0);
  if (n < 0 && errno == EINVAL) printf("PR_GET_AUXV: EINVAL (a kernel before 6.4)\n");
  else {
    int ok = n > 0 && n % 16 == 0;
    for (long i = 0; ok && i < n / 8; i += 2)
      if (auxv[i] == AT_PAGESZ) ok = auxv[i + 1] == getauxval(AT_PAGESZ);
    printf("PR_GET_AUXV: size a multiple of 16 and AT_PAGESZ as getauxval says: %d\n", ok);
  }
}

// PDEATHSIG: C asks for SIGUSR1 when its parent P dies; this process is a subreaper, so C is
// reparented here and can be waited for.
static volatile sig_atomic_t got;
static void on_usr1(int s) { got = s; }

static void mode_pdeath(void) {
  CALL("PR_SET_CHILD_SUBREAPER 1", prctl(PR_SET_CHILD_SUBREAPER, 1));
  pid_t me = getpid();
  int ready[2], go[2];
  pipe(ready);
  pipe(go);
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    pid_t c = fork();
    if (c == 0) {
      signal(SIGUSR1, on_usr1);
      prctl(PR_SET_PDEATHSIG, SIGUSR1);
      write(ready[1], "r", 1);
      while (!got) pause();
      printf("C: got signal %d; my parent is now the subreaper: %d\n", (int)got, getppid() == me);
      fflush(stdout);
      _exit(3);
    }
    char ch;
    read(go[0], &ch, 1);
    _exit(0);
  }
  char ch;
  read(ready[0], &ch, 1);
  printf("C is ready; P exits\n");
  fflush(stdout);
  write(go[1], "g", 1);
  int st;
  pid_t w;
  int n = 0;
  while ((w = wait(&st)) > 0) {
    n++;
    if (w != p) printf("reaped C (not my own child): exit %d\n", WEXITSTATUS(st));
  }
  printf("reaped %d\n", n);

  // PDEATHSIG is cleared in a forked child and kept across exec.
  prctl(PR_SET_PDEATHSIG, SIGUSR2);
  fflush(stdout);
  if (fork() == 0) {
    int v = -1;
    prctl(PR_GET_PDEATHSIG, &v);
    printf("forked child's pdeathsig %d\n", v);
    fflush(stdout);
    char *argv[] = {"prctl", "getpdeath", NULL};
    prctl(PR_SET_PDEATHSIG, SIGUSR2);
    execv(self, argv);
    _exit(127);
  }
  wait(NULL);
  prctl(PR_SET_PDEATHSIG, 0);
}

static void mode_subreaper(void) {
  pid_t me = getpid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  int go[2];
  pipe(go);
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    pid_t zombie = fork();
    if (zombie == 0) _exit(5);  // exits at once; P never waits for it
    pid_t alive = fork();
    if (alive == 0) {
      char ch;
      read(go[0], &ch, 1);      // until P has gone
      for (int i = 0; i < 2000 && getppid() != me; i++) usleep(1000);
      printf("alive orphan: parent is the subreaper: %d\n", getppid() == me);
      fflush(stdout);
      _exit(6);
    }
    // Let the first child become a zombie before P exits.
    for (int i = 0; i < 2000; i++) {
      char path[64], buf[256];
      snprintf(path, sizeof path, "/proc/%d/stat", zombie);
      FILE *f = fopen(path, "r");
      if (!f) break;
      int isz = fgets(buf, sizeof buf, f) && strstr(buf, ") Z ");
      fclose(f);
      if (isz) break;
      usleep(1000);
    }
    _exit(0);
  }
  int st;
  waitpid(p, &st, 0);
  printf("P exited %d\n", WEXITSTATUS(st));
  write(go[1], "g", 1);
  int codes[2], n = 0;
  pid_t w;
  while ((w = wait(&st)) > 0) if (n < 2) codes[n++] = WEXITSTATUS(st);
  printf("adopted and reaped %d: exits %d and %d\n", n, n > 0 ? codes[0] : -1, n > 1 ? codes[1] : -1);
}

static void report(const char *who) {
  uid_t r, e, s;
  gid_t rg, eg, sg;
  getresuid(&r, &e, &s);
  getresgid(&rg, &eg, &sg);
  printf("%s: uid %u %u %u gid %u %u %u AT_SECURE %lu dumpable %d nnp %d\n", who, r, e, s, rg, eg, sg,
    getauxval(AT_SECURE), prctl(PR_GET_DUMPABLE), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

static int copy_self(const char *to, uid_t uid, gid_t gid, mode_t mode);

static void mode_dumpable(void) {
  if (getuid() != 0) { printf("not root\n"); return; }
  // Execs run a copy in the (world-searchable) working directory: uid 1000 may not be able to
  // reach the test binary's own directory.
  if (copy_self("plain", 0, 0, 0755) < 0) { printf("copy failed: %s\n", strerror(errno)); return; }
  report("root");
  fflush(stdout);
  if (fork() == 0) {
    setresuid(0, 1000, 0);
    report("after seteuid 1000");
    setresuid(0, 0, 0);
    report("back to euid 0");
    prctl(PR_SET_DUMPABLE, 1);
    setfsuid(1000);
    report("after setfsuid 1000");
    prctl(PR_SET_DUMPABLE, 1);
    setresgid(2000, 2000, 2000);
    report("after setresgid 2000");
    setgroups(0, NULL);
    prctl(PR_SET_DUMPABLE, 1);
    setgroups(1, (gid_t[]){5});
    report("after setgroups (no change)");
    setresuid(1000, 1000, 1000);
    report("after setresuid 1000");
    fflush(stdout);
    char *argv[] = {"prctl", "report", "exec as 1000", NULL};
    execv("./plain", argv);
    _exit(127);
  }
  wait(NULL);
  fflush(stdout);
  if (fork() == 0) {
    setresuid(0, 1000, 1000);  // ruid 0, euid 1000: the exec is "setid" (euid != old ruid)
    char *argv[] = {"prctl", "report", "exec with ruid 0 euid 1000", NULL};
    execv("./plain", argv);
    _exit(127);
  }
  wait(NULL);
  unlink("plain");
}

// Runs `path` as a child with credentials set first; the program reports what it got.
static void run_as(const char *label, const char *path, uid_t ruid, uid_t euid, gid_t gid, int nnp) {
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    setgroups(0, NULL);
    setresgid(gid, gid, gid);
    setresuid(ruid, euid, euid);
    if (nnp) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGUSR2);
    char *argv[] = {"prctl", "report", (char *)label, NULL};
    execv(path, argv);
    printf("%s: exec failed: %s\n", label, strerror(errno));
    fflush(stdout);
    _exit(127);
  }
  int st;
  waitpid(c, &st, 0);
}

static int copy_self(const char *to, uid_t uid, gid_t gid, mode_t mode) {
  int in = open(self, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0700);
  if (in < 0 || out < 0) return -1;
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) write(out, buf, n);
  close(in);
  close(out);
  if (chown(to, uid, gid) < 0 || chmod(to, mode) < 0) return -1;
  return 0;
}

static void mode_setuid(void) {
  if (getuid() != 0) { printf("not root\n"); return; }
  // The copies live in the working directory; whether its filesystem is mounted nosuid decides.
  struct stat st;
  if (copy_self("suid", 65534, 0, 04755) < 0 || copy_self("sgid", 0, 65534, 02755) < 0 ||
      copy_self("sgid-noexec", 0, 65534, 02745) < 0 || copy_self("both", 65534, 65534, 06755) < 0 ||
      copy_self("unreadable", 0, 0, 0711) < 0 || copy_self("plain", 0, 0, 0755) < 0) {
    printf("copies failed: %s\n", strerror(errno));
    return;
  }
  stat("suid", &st);
  printf("suid copy mode %o\n", st.st_mode & 07777);
  run_as("plain, uid 1000", "./plain", 1000, 1000, 1000, 0);
  run_as("suid 65534, uid 1000", "./suid", 1000, 1000, 1000, 0);
  run_as("sgid 65534, uid 1000", "./sgid", 1000, 1000, 1000, 0);
  run_as("sgid without group exec, uid 1000", "./sgid-noexec", 1000, 1000, 1000, 0);
  run_as("suid+sgid, uid 1000", "./both", 1000, 1000, 1000, 0);
  run_as("suid 65534, root", "./suid", 0, 0, 0, 0);
  run_as("suid 65534, uid 1000, no_new_privs", "./suid", 1000, 1000, 1000, 1);
  run_as("unreadable, uid 1000", "./unreadable", 1000, 1000, 1000, 0);
  run_as("suid 65534, ruid 1000 euid 2000", "./suid", 1000, 2000, 1000, 0);
  unlink("suid");
  unlink("sgid");
  unlink("sgid-noexec");
  unlink("both");
  unlink("unreadable");
  unlink("plain");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = 0;
  const char *m = argc > 1 ? argv[1] : "";
  if (!strcmp(m, "report")) {
    int v = -1;
    prctl(PR_GET_PDEATHSIG, &v);
    report(argc > 2 ? argv[2] : "report");
    printf("  pdeathsig after exec %d\n", v);
    return 0;
  }
  if (!strcmp(m, "getpdeath")) {
    int v = -1;
    prctl(PR_GET_PDEATHSIG, &v);
    printf("after exec: pdeathsig %d\n", v);
    return 0;
  }
  if (!strcmp(m, "basic")) mode_basic();
  else if (!strcmp(m, "pdeath")) mode_pdeath();
  else if (!strcmp(m, "subreaper")) mode_subreaper();
  else if (!strcmp(m, "dumpable")) mode_dumpable();
  else if (!strcmp(m, "setuid")) mode_setuid();
  else { fprintf(stderr, "usage: prctl basic|pdeath|subreaper|dumpable|setuid\n"); return 2; }
  return 0;
}
