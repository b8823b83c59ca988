/* Orphans and init (issue #6): a grandchild whose parent exits is reparented to pid 1
 * (getppid() == 1), and once it exits, init reaps it — no zombie is left in /proc.
 * Run natively as the child of an init in a new PID namespace, and in a wasl instance. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms) {
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

/* Processes in state Z other than ours, from /proc/PID/stat. */
static int zombies(void) {
  DIR *d = opendir("/proc");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    char *rp = strrchr(buf, ')');
    if (rp && rp[1] == ' ' && rp[2] == 'Z') n++;
  }
  closedir(d);
  return n;
}

int main(void) {
  int report[2];
  if (pipe(report)) return 1;
  printf("my ppid is 1: %s\n", getppid() == 1 ? "yes" : "no");
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    pid_t parent = getpid();
    if (fork() == 0) {
      /* The grandchild: wait until its parent has gone, then say who its parent is now. */
      close(report[0]);
      for (int i = 0; i < 5000 && getppid() == parent; i++) nap(2);
      char line[64];
      int n = snprintf(line, sizeof line, "grandchild's ppid after its parent exited: %d\n", (int)getppid());
      write(report[1], line, n);
      /* Its exit closes `report`: the top process sees EOF only then. */
      nap(50);
      _exit(7);
    }
    _exit(0);
  }
  close(report[1]);
  int st;
  pid_t w = waitpid(child, &st, 0);
  printf("child reaped: %s, exit status %d\n", w == child ? "yes" : "no", WEXITSTATUS(st));
  char buf[128];
  ssize_t n = read(report[0], buf, sizeof buf - 1);
  if (n > 0) { buf[n] = 0; fputs(buf, stdout); }
  /* EOF on `report` once the grandchild has exited and closed it. */
  while (read(report[0], buf, sizeof buf) > 0) {}
  /* The grandchild is not ours to wait for: ECHILD. */
  printf("waitpid(-1) with no children left: %s\n", waitpid(-1, &st, WNOHANG) == -1 ? "ECHILD" : "a child");
  /* init reaps it; give it up to two seconds (only a failure waits that long). */
  int z = 0;
  for (int i = 0; i < 200 && (z = zombies()) != 0; i++) nap(10);
  printf("zombies left: %d\n", z);
  printf("/proc/1 exists: %s\n", access("/proc/1/stat", F_OK) == 0 ? "yes" : "no");
  return 0;
}
