/* /proc, /dev and /sys as programs read them, checked by the program itself against the system
 * calls that tell the same facts (getpid, getppid, getpgrp, getsid, fstat, lseek …). It prints
 * relations ("ok", "mismatch …"), never values that differ between runs, so its output under
 * wasl must equal its native output. Modes: stat, maps, fd, dev, threads. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *slurp(const char *path) {
  static char buf[1 << 16];
  int fd = open(path, O_RDONLY);
  if (fd < 0) { snprintf(buf, sizeof buf, "(open %s: %s)", path, strerror(errno)); return buf; }
  ssize_t n, off = 0;
  while ((n = read(fd, buf + off, sizeof buf - 1 - off)) > 0) off += n;
  buf[off] = 0;
  close(fd);
  return buf;
}

/* The fields of a stat line after "(comm)": fields[3] is field 3 (state) of proc(5). */
static int stat_fields(const char *path, char comm[64], char fields[53][32]) {
  char *s = slurp(path);
  char *open_ = strchr(s, '('), *close_ = strrchr(s, ')');
  if (!open_ || !close_) return 0;
  snprintf(comm, 64, "%.*s", (int)(close_ - open_ - 1), open_ + 1);
  int n = 2;
  for (char *tok = strtok(close_ + 2, " \n"); tok && n <= 52; tok = strtok(NULL, " \n")) snprintf(fields[++n], 32, "%s", tok);
  return n;
}

static void check(const char *what, long a, long b) {
  if (a == b) printf("%s: ok\n", what);
  else printf("%s: mismatch\n", what);
}

static long status_field(const char *status, const char *name) {
  char key[64];
  snprintf(key, sizeof key, "\n%s:", name);
  const char *p = strstr(status, key);
  return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static char wait_state(pid_t pid, char want) {
  char path[64], comm[64], f[53][32];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  for (int i = 0; i < 500; i++) {
    if (stat_fields(path, comm, f) >= 52 && f[3][0] == want) return want;
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    nanosleep(&ts, NULL);
  }
  return f[3][0];
}

static void mode_stat(void) {
  char comm[64], f[53][32];
  int n = stat_fields("/proc/self/stat", comm, f);
  printf("fields: %d\n", n);
  printf("comm: %s\n", comm);
  printf("state: %s\n", f[3]);
  check("ppid", atol(f[4]), getppid());
  check("pgrp", atol(f[5]), getpgrp());
  check("session", atol(f[6]), getsid(0));
  check("num_threads", atol(f[20]), 1);
  check("exit_signal", atol(f[38]), SIGCHLD);
  printf("vsize > 0: %s\n", atoll(f[23]) > 0 ? "yes" : "no");
  /* rss is left out: Linux's per-CPU RSS counters can show 0 for a young small process */
  printf("startcode <= main < endcode: %s\n",
         strtoull(f[26], 0, 10) <= (unsigned long)&mode_stat && (unsigned long)&mode_stat < strtoull(f[27], 0, 10) ? "yes" : "no");
  extern char **environ;
  char *envp0 = environ[0];
  printf("env_start <= environ[0] < env_end: %s\n",
         envp0 && strtoull(f[50], 0, 10) <= (unsigned long)envp0 && (unsigned long)envp0 < strtoull(f[51], 0, 10) ? "yes" : "no");
  /* /proc/self/auxv holds what getauxval reads */
  {
    int fd = open("/proc/self/auxv", O_RDONLY);
    unsigned long av[128] = { 0 };
    ssize_t got = read(fd, av, sizeof av);
    close(fd);
    int found = 0, good = 0, ended = 0;
    for (int i = 0; i + 1 < got / 8; i += 2) {
      if (av[i] == 0) { ended = 1; break; }
      if (av[i] == AT_PAGESZ || av[i] == AT_ENTRY || av[i] == AT_PHDR || av[i] == AT_UID || av[i] == AT_RANDOM) {
        found++;
        good += av[i + 1] == getauxval(av[i]);
      }
    }
    printf("auxv: %d of 5 entries agree with getauxval, AT_NULL-terminated: %s\n", good == found ? found : -1, ended ? "yes" : "no");
  }
  /* the first field is the pid */
  n = stat_fields("/proc/self/stat", comm, f);
  char *s = slurp("/proc/self/stat");
  check("pid", atol(s), getpid());

  char status[8192];
  snprintf(status, sizeof status, "\n%s", slurp("/proc/self/status"));
  check("status Pid", status_field(status, "Pid"), getpid());
  check("status Tgid", status_field(status, "Tgid"), getpid());
  check("status PPid", status_field(status, "PPid"), getppid());
  check("status Uid", status_field(status, "Uid"), getuid());
  check("status Gid", status_field(status, "Gid"), getgid());
  check("status Threads", status_field(status, "Threads"), 1);
  printf("status State: %s\n", strstr(status, "\nState:\tR (running)\n") ? "R (running)" : "other");
  long vmsize = status_field(status, "VmSize");
  long statm_size = atol(slurp("/proc/self/statm"));
  check("statm size = VmSize", statm_size * (getpagesize() / 1024), vmsize);

  /* umask, as status shows it */
  umask(027);
  snprintf(status, sizeof status, "\n%s", slurp("/proc/self/status"));
  printf("Umask line: %s\n", strstr(status, "\nUmask:\t0027\n") ? "0027" : "wrong");

  /* A blocked signal and an ignored one show in the masks. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  signal(SIGUSR2, SIG_IGN);
  snprintf(status, sizeof status, "\n%s", slurp("/proc/self/status"));
  printf("SigBlk: %s\n", strstr(status, "\nSigBlk:\t0000000000000200\n") ? "SIGUSR1" : "wrong");
  printf("SigIgn: %s\n", strstr(status, "\nSigIgn:\t0000000000000800\n") ? "SIGUSR2" : "wrong");

  /* A child: sleeping, then a zombie until it is waited for. */
  int fds[2];
  pipe(fds);
  pid_t c = fork();
  if (c == 0) { char b; close(fds[1]); read(fds[0], &b, 1); _exit(3); }
  close(fds[0]);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", c);
  printf("child blocked in read: %c\n", wait_state(c, 'S'));
  stat_fields(path, comm, f);
  check("child ppid", atol(f[4]), getpid());
  check("child pgrp", atol(f[5]), getpgrp());
  printf("child comm = parent comm: %s\n", strcmp(comm, (stat_fields("/proc/self/stat", path, f), path)) == 0 ? "yes" : "no");
  write(fds[1], "x", 1);
  snprintf(path, sizeof path, "/proc/%d/stat", c);
  printf("child after exit: %c\n", wait_state(c, 'Z'));
  int st;
  waitpid(c, &st, 0);
  printf("after wait: %s\n", access(path, F_OK) == 0 ? "still there" : strerror(errno));

  /* /proc/PID belongs to the process's effective user (ps takes USER from it). */
  struct stat sb;
  stat("/proc/self/", &sb);
  printf("owner of /proc/self = euid: %s\n", sb.st_uid == geteuid() && sb.st_gid == getegid() ? "yes" : "no");
  stat("/proc/self/status", &sb);
  printf("owner of /proc/self/status = euid: %s\n", sb.st_uid == geteuid() ? "yes" : "no");
}

static void mode_maps(void) {
  static int data_var = 1;
  int stack_var = 0;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  void *heap = sbrk(0);
  sbrk(4096 * 4);
  /* a file mapping at an offset */
  int fd = open(exe, O_RDONLY);
  char *fm = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 4096);
  struct stat st;
  fstat(fd, &st);
  char *anon = mmap(NULL, 4096 * 3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(anon + 4096, 4096, PROT_NONE);

  FILE *m = fopen("/proc/self/maps", "r");
  char line[1024];
  int lines = 0, bad = 0;
  while (fgets(line, sizeof line, m)) {
    unsigned long lo, hi, off, ino;
    char perms[8], dev[16], name[512] = "";
    int got = sscanf(line, "%lx-%lx %4s %lx %15s %lu %511[^\n]", &lo, &hi, perms, &off, dev, &ino, name);
    if (got < 6) { bad++; continue; }
    lines++;
    char *nm = name;
    while (*nm == ' ') nm++;
    unsigned long a;
#define IN(x) (a = (unsigned long)(x), lo <= a && a < hi)
    if (IN(&mode_maps)) printf("code: %s %s exe=%s\n", perms, ino == st.st_ino ? "inode ok" : "inode wrong", strcmp(nm, exe) == 0 ? "yes" : nm);
    if (IN(&data_var)) printf("data: %s named exe: %s\n", perms, strcmp(nm, exe) == 0 ? "yes" : "no");
    if (IN(&stack_var)) printf("stack: %s %s\n", perms, nm);
    if (IN(heap)) printf("heap: %s %s\n", perms, nm);
    if (IN(fm)) printf("file mapping: %s off=%lx %s %s\n", perms, off, ino == st.st_ino ? "inode ok" : "inode wrong", strcmp(nm, exe) == 0 ? "exe" : nm);
    if (IN(anon)) printf("anon: %s %lu pages '%s'\n", perms, (hi - lo) / 4096, nm);
    if (IN(anon + 4096)) printf("anon guard: %s %lu pages\n", perms, (hi - lo) / 4096);
    if (IN(anon + 8192)) printf("anon tail: %s %lu pages\n", perms, (hi - lo) / 4096);
  }
  printf("lines parsed: %s, bad: %d\n", lines > 5 ? "many" : "few", bad);
}

static void mode_fd(void) {
  char exe[4096], link[4096], path[64];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  int fd = open(exe, O_RDONLY | O_CLOEXEC);
  char buf[10];
  read(fd, buf, sizeof buf);
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("fd link = exe: %s\n", strcmp(link, exe) == 0 ? "yes" : link);
  struct stat a, b;
  fstat(fd, &a);
  stat(path, &b);
  printf("stat through the link: %s\n", a.st_ino == b.st_ino && a.st_dev == b.st_dev ? "same file" : "different");
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  char *info = slurp(path);
  long pos = -1, mnt = -1;
  unsigned long flags = 0, ino = 0;
  char *p;
  if ((p = strstr(info, "pos:"))) pos = strtol(p + 4, NULL, 10);
  if ((p = strstr(info, "flags:"))) flags = strtoul(p + 6, NULL, 8);
  if ((p = strstr(info, "mnt_id:"))) mnt = strtol(p + 7, NULL, 10);
  if ((p = strstr(info, "ino:"))) ino = strtoul(p + 4, NULL, 10);
  printf("fdinfo pos: %ld\n", pos);
  printf("fdinfo flags: cloexec=%s accmode=%lo\n", flags & O_CLOEXEC ? "yes" : "no", flags & O_ACCMODE);
  printf("fdinfo mnt_id > 0: %s\n", mnt > 0 ? "yes" : "no");
  printf("fdinfo ino: %s\n", ino == a.st_ino ? "ok" : "wrong");
  /* mnt_id names a line of mountinfo */
  char want[32];
  snprintf(want, sizeof want, "\n%ld ", mnt);
  char mi[1 << 16];
  snprintf(mi, sizeof mi, "\n%s", slurp("/proc/self/mountinfo"));
  printf("mnt_id in mountinfo: %s\n", strstr(mi, want) ? "yes" : "no");
  /* a pipe */
  int pf[2];
  pipe(pf);
  snprintf(path, sizeof path, "/proc/self/fd/%d", pf[1]);
  n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("pipe link: %.6s\n", link);
  struct stat ps, ls;
  fstat(pf[0], &ps);
  unsigned long pino = 0;
  snprintf(path, sizeof path, "/proc/self/fd/%d", pf[0]);
  n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  sscanf(link, "pipe:[%lu]", &pino);
  printf("pipe link inode = fstat: %s\n", pino == ps.st_ino ? "yes" : "no");
  lstat(path, &ls);
  printf("fd link lstat size: %ld\n", (long)ls.st_size);
  snprintf(path, sizeof path, "/proc/self/fd/%d", pf[1]);
  /* writing a pipe through /proc/self/fd reaches the same pipe */
  int w = open(path, O_WRONLY);
  write(w, "via proc", 8);
  char got[16] = "";
  read(pf[0], got, 8);
  printf("pipe reopened: %s\n", got);
  /* comm is writable by its own process */
  int c = open("/proc/self/comm", O_WRONLY);
  write(c, "renamed", 7);
  close(c);
  printf("comm after write: %s", slurp("/proc/self/comm"));
  printf("cwd link = getcwd: ");
  char cwd[4096];
  getcwd(cwd, sizeof cwd);
  n = readlink("/proc/self/cwd", link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("%s\n", strcmp(cwd, link) == 0 ? "yes" : "no");
}

static void mode_dev(void) {
  char buf[16];
  int fd = open("/dev/full", O_WRONLY);
  printf("/dev/full write: %s\n", write(fd, "x", 1) < 0 ? strerror(errno) : "ok");
  fd = open("/dev/zero", O_RDONLY);
  memset(buf, 1, sizeof buf);
  ssize_t got = read(fd, buf, sizeof buf);
  printf("/dev/zero read: %zd %d\n", got, buf[7]);
  fd = open("/dev/null", O_RDWR);
  printf("/dev/null: read %zd write %zd\n", read(fd, buf, 4), write(fd, "abc", 3));
  fd = open("/dev/urandom", O_RDONLY);
  printf("/dev/urandom read: %zd\n", read(fd, buf, sizeof buf));
  char link[256];
  ssize_t n = readlink("/dev/stdout", link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("/dev/stdout -> %s\n", link);
  n = readlink("/dev/fd", link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("/dev/fd -> %s\n", link);
  struct stat st;
  stat("/dev/null", &st);
  printf("/dev/null: chr %d, rdev %u:%u, mode %o\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev), st.st_mode & 0777);
  stat("/dev/shm", &st);
  printf("/dev/shm: dir %d, mode %o\n", S_ISDIR(st.st_mode), st.st_mode & 07777);
  /* shm_open's files live in /dev/shm */
  char name[64];
  snprintf(name, sizeof name, "/wasl-procfs-%d", getpid());
  int s = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
  printf("shm_open: %s\n", s >= 0 ? "ok" : strerror(errno));
  write(s, "shared", 6);
  char path[128];
  snprintf(path, sizeof path, "/dev/shm%s", name);
  printf("in /dev/shm: %s\n", access(path, F_OK) == 0 ? "yes" : "no");
  int s2 = shm_open(name, O_RDONLY, 0);
  memset(buf, 0, sizeof buf);
  read(s2, buf, 6);
  printf("read back: %s\n", buf);
  printf("shm_unlink: %s\n", shm_unlink(name) == 0 ? "ok" : strerror(errno));
  /* /sys CPU counts agree with sched_getaffinity */
  cpu_set_t cs;
  sched_getaffinity(0, sizeof cs, &cs);
  char want[32];
  int ncpu = CPU_COUNT(&cs);
  snprintf(want, sizeof want, ncpu == 1 ? "0\n" : "0-%d\n", ncpu - 1);
  printf("online = affinity: %s\n", strcmp(slurp("/sys/devices/system/cpu/online"), want) == 0 ? "yes" : "no");
  printf("sysconf(_SC_NPROCESSORS_ONLN) = affinity: %s\n", sysconf(_SC_NPROCESSORS_ONLN) == ncpu ? "yes" : "no");
  int procs = 0;
  for (char *p = slurp("/proc/cpuinfo"); (p = strstr(p, "processor\t:")); p++) procs++;
  printf("cpuinfo processors = affinity: %s\n", procs == ncpu ? "yes" : "no");
}

static int thread_pipe[2];
static volatile pid_t thread_tid;
static void *thread_main(void *arg) {
  char b;
  (void)arg;
  thread_tid = syscall(SYS_gettid);
  read(thread_pipe[0], &b, 1);
  return NULL;
}

/* A second thread: task/ lists both, each task's stat and status are its own. */
static void mode_threads(void) {
  pthread_t th;
  pipe(thread_pipe);
  pthread_create(&th, NULL, thread_main, NULL);
  while (!thread_tid) sched_yield();
  pid_t tid = thread_tid;
  char path[128], comm[64], f[53][32];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  for (int i = 0; i < 500 && (stat_fields(path, comm, f), f[3][0] != 'S'); i++) { struct timespec ts = { 0, 10000000 }; nanosleep(&ts, NULL); }
  printf("thread state: %s\n", f[3]);
  check("thread stat pid field", atol(slurp(path)), tid);
  int n = 0;
  DIR *d = opendir("/proc/self/task");
  for (struct dirent *e; (e = readdir(d));) if (e->d_name[0] != '.') n++;
  closedir(d);
  printf("task entries: %d\n", n);
  char status[8192];
  snprintf(status, sizeof status, "\n%s", slurp("/proc/self/status"));
  check("Threads", status_field(status, "Threads"), 2);
  snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
  snprintf(status, sizeof status, "\n%s", slurp(path));
  check("thread status Pid", status_field(status, "Pid"), tid);
  check("thread status Tgid", status_field(status, "Tgid"), getpid());
  snprintf(path, sizeof path, "/proc/%d/status", tid);
  snprintf(status, sizeof status, "\n%s", slurp(path));
  check("/proc/TID status Pid", status_field(status, "Pid"), tid);
  snprintf(path, sizeof path, "%d", tid);
  int listed = 0;
  d = opendir("/proc");
  for (struct dirent *e; (e = readdir(d));) if (!strcmp(e->d_name, path)) listed = 1;
  closedir(d);
  printf("/proc lists the thread: %s\n", listed ? "yes" : "no");
  write(thread_pipe[1], "x", 1);
  pthread_join(th, NULL);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "stat";
  if (!strcmp(mode, "stat")) mode_stat();
  else if (!strcmp(mode, "maps")) mode_maps();
  else if (!strcmp(mode, "fd")) mode_fd();
  else if (!strcmp(mode, "dev")) mode_dev();
  else if (!strcmp(mode, "threads")) mode_threads();
  else return 2;
  return 0;
}
