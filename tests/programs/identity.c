// Changing identity (credentials(7)): the set*id family, setgroups, setfsuid, capget/capset,
// RLIMIT_NPROC, and what the new identity may then do to files. Each step runs in a fresh child
// (an identity, once dropped, cannot come back), and prints ids and errno names, never pids.
// As root the full rules show; as another user, the unprivileged half does (the same program
// natively and under wasl starts with the same identity: wasl's is the host process's).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRY(what, expr) do { errno = 0; long r_ = (long)(expr); int e_ = errno; \
  printf("%s: %ld%s%s\n", what, r_, r_ < 0 ? " " : "", r_ < 0 ? strerror(e_) : ""); } while (0)

static void ids(const char *when) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  gid_t g[16];
  int n = getgroups(16, g);
  printf("%s: uid %u %u %u gid %u %u %u fsuid %d groups", when, r, e, s, gr, ge, gs, (int)syscall(SYS_setfsuid, -1));
  for (int i = 0; i < n; i++) printf(" %u", g[i]);
  printf("\n");
}

struct cap_hdr { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };
static void caps(const char *when) {
  struct cap_hdr h = {0x20080522, 0};
  struct cap_data d[2];
  memset(d, 0, sizeof d);
  long r = syscall(SYS_capget, &h, d);
  printf("%s: capget %ld eff %#x %#x perm %#x %#x inh %#x %#x\n", when, r, d[0].effective, d[1].effective,
         d[0].permitted, d[1].permitted, d[0].inheritable, d[1].inheritable);
}

static void step(const char *name, void (*fn)(void)) {
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) { printf("-- %s\n", name); fn(); fflush(stdout); _exit(0); }
  int st;
  waitpid(p, &st, 0);
}

static void plain_setuid(void) {
  TRY("setuid(65534)", setuid(65534));
  ids("after");
  caps("after");
  TRY("setuid(0) back", setuid(0));
  TRY("seteuid(0)", seteuid(0));
  TRY("setgroups", setgroups(0, NULL));
}
static void saved_uid(void) {
  TRY("setresuid(1000, 1001, 0)", setresuid(1000, 1001, 0));
  ids("after");
  caps("euid 1001");
  TRY("seteuid(0) from saved", seteuid(0));
  ids("after");
  caps("euid 0 again");
  TRY("setresuid(-1, 1000, -1)", setresuid(-1, 1000, -1));
  TRY("setresuid(5, -1, -1)", setresuid(5, -1, -1));
  TRY("setreuid(1001, 1000)", setreuid(1001, 1000));
  ids("after");
}
static void reuid_rules(void) {
  TRY("setreuid(-1, 1000)", setreuid(-1, 1000));
  ids("after (saved follows)");
  TRY("setreuid(1000, -1)", setreuid(1000, -1));
  ids("after");
  TRY("setuid(1000)", setuid(1000));
  TRY("setuid(-1)", syscall(SYS_setuid, -1));
}
static void gids(void) {
  gid_t g[] = {30, 10, 20, 10};
  TRY("setgroups 4", setgroups(4, g));
  TRY("setgid(100)", setgid(100));
  TRY("setregid(200, 300)", setregid(200, 300));
  TRY("setresgid(1, 2, 3)", setresgid(1, 2, 3));
  TRY("setfsgid(7) returns old", syscall(SYS_setfsgid, 7));
  TRY("setfsgid(-1) returns current", syscall(SYS_setfsgid, -1));
  ids("before dropping uid");
  TRY("setuid(42)", setuid(42));
  TRY("setgid(3)", setgid(3));
  TRY("setgid(9)", setgid(9));
  TRY("setgroups as 42", setgroups(1, g));
  TRY("setgroups too many", setgroups(65537, g));
  ids("after");
}
static void fsuid(void) {
  TRY("setfsuid(77) returns old", syscall(SYS_setfsuid, 77));
  TRY("setfsuid(-1) returns current", syscall(SYS_setfsuid, -1));
  TRY("setresuid(10, 11, 12)", setresuid(10, 11, 12));
  TRY("setfsuid(99) refused, returns current", syscall(SYS_setfsuid, 99));
  TRY("setfsuid(12) to the saved uid", syscall(SYS_setfsuid, 12));
  TRY("setfsuid(-1)", syscall(SYS_setfsuid, -1));
}
static void capability_calls(void) {
  struct cap_hdr h = {0x12345678, 0};
  struct cap_data d[2];
  TRY("capget bad version", syscall(SYS_capget, &h, d));
  printf("version written back: %#x\n", h.version);
  h.version = 0x12345678;
  TRY("capget NULL data probes", syscall(SYS_capget, &h, NULL));
  printf("version written back: %#x\n", h.version);
  h.version = 0x19980330;
  memset(d, 0, sizeof d);
  TRY("capget v1", syscall(SYS_capget, &h, d));
  printf("v1 eff %#x second word untouched %#x\n", d[0].effective, d[1].effective);
  h.version = 0x20080522; h.pid = -5;
  TRY("capget pid -5", syscall(SYS_capget, &h, d));
  h.pid = 0;
  syscall(SYS_capget, &h, d);
  TRY("capset same sets", syscall(SYS_capset, &h, d));
  d[0].effective |= 1;
  d[0].permitted = 0;
  TRY("capset effective beyond permitted", syscall(SYS_capset, &h, d));
}
static void nproc(void) {
  if (setuid(65534) != 0) { printf("setuid: %s\n", strerror(errno)); return; }
  struct rlimit r = {4, 4};
  setrlimit(RLIMIT_NPROC, &r);
  int n = 0;
  for (;;) {
    pid_t p = fork();
    if (p < 0) { printf("forked %d, then %s\n", n, strerror(errno)); break; }
    if (p == 0) { pause(); _exit(0); }
    n++;
    if (n > 20) { printf("no limit\n"); break; }
  }
  signal(SIGTERM, SIG_IGN);
  kill(0, SIGTERM);
  while (wait(NULL) > 0) {}
}
static const char *dir;
static void files(void) {
  // DAC as uid 1000 in a directory root made: 0755 dir, a 0644 file, a 0600 file, a sticky 1777 dir.
  char p[512];
  snprintf(p, sizeof p, "%s/sticky/rootfile", dir);
  TRY("setgroups", setgroups(0, NULL));
  TRY("setresgid(1000)", setresgid(1000, 1000, 1000));
  TRY("setresuid(1000)", setresuid(1000, 1000, 1000));
  snprintf(p, sizeof p, "%s/public", dir);  TRY("read 0644", open(p, O_RDONLY) >= 0);
  TRY("write 0644", open(p, O_WRONLY));
  snprintf(p, sizeof p, "%s/private", dir); TRY("read 0600", open(p, O_RDONLY));
  snprintf(p, sizeof p, "%s/new", dir);     TRY("create in 0755 dir", open(p, O_CREAT | O_WRONLY, 0644));
  snprintf(p, sizeof p, "%s/sticky/mine", dir); TRY("create in sticky dir", open(p, O_CREAT | O_WRONLY, 0644) >= 0);
  snprintf(p, sizeof p, "%s/sticky/rootfile", dir); TRY("unlink root's file in sticky dir", unlink(p));
  snprintf(p, sizeof p, "%s/sticky/mine", dir); TRY("unlink own file in sticky dir", unlink(p));
  snprintf(p, sizeof p, "%s/public", dir);  TRY("chmod root's file", chmod(p, 0777));
  TRY("chown root's file", chown(p, 1000, 1000));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  ids("start");
  caps("start");
  if (getuid() != 0) { printf("not root: the privileged steps would only fail\n"); return 0; }
  step("setuid drops everything", plain_setuid);
  step("the saved uid keeps a way back", saved_uid);
  step("setreuid and the saved uid", reuid_rules);
  step("group ids and supplementary groups", gids);
  step("fsuid", fsuid);
  step("capget and capset", capability_calls);
  step("RLIMIT_NPROC for an unprivileged user", nproc);
  if (argc > 1) {
    dir = argv[1];
    char path[512];  // mkdir -p: under wasl --isolated the parent exists only if made here
    snprintf(path, sizeof path, "%s", dir);
    for (char *q = path + 1; *q; q++) if (*q == '/') { *q = 0; mkdir(path, 0755); *q = '/'; }
    mkdir(dir, 0755);
    char p[512];
    snprintf(p, sizeof p, "%s/public", dir);  close(open(p, O_CREAT | O_WRONLY, 0644)); chmod(p, 0644);
    snprintf(p, sizeof p, "%s/private", dir); close(open(p, O_CREAT | O_WRONLY, 0600)); chmod(p, 0600);
    snprintf(p, sizeof p, "%s/sticky", dir);  mkdir(p, 0777); chmod(p, 01777);
    snprintf(p, sizeof p, "%s/sticky/rootfile", dir); close(open(p, O_CREAT | O_WRONLY, 0644));
    chmod(dir, 0755);
    step("file permissions as uid 1000", files);
  }
  return 0;
}
