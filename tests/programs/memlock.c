// mlock(2) family and membarrier(2), compared with the host kernel (tests/memlock.test.ts): the
// results and errors, /proc/self/status VmLck and the VMA splits mlock makes in /proc/self/maps,
// RLIMIT_MEMLOCK for an unprivileged user, fork not inheriting locks; membarrier's query,
// registrations and EPERM. Addresses are printed relative to the test mapping.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

static char *base;
static void res(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}

static long vmlck(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f)) if (sscanf(line, "VmLck: %ld kB", &kb) == 1) break;
  fclose(f);
  return kb;
}

// The test mapping's pieces in /proc/self/maps, and their smaps VmFlags "lo".
static void pieces(const char *what) {
  FILE *f = fopen("/proc/self/smaps", "r");
  char line[512];
  unsigned long s, e;
  int in = 0;
  printf("%s: VmLck %ld kB;", what, vmlck());
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, ' ') && line[strlen(line) - 2] != ':') {
      in = s >= (unsigned long)base && e <= (unsigned long)base + 16 * 4096;
      if (in) printf(" [%ld-%ld", (long)(s - (unsigned long)base) / 4096, (long)(e - (unsigned long)base) / 4096);
      continue;
    }
    if (in && !strncmp(line, "VmFlags:", 8)) printf("%s]", strstr(line, " lo") ? " lo" : "");
  }
  fclose(f);
  printf("\n");
}

static long membarrier(int cmd, unsigned flags) { return syscall(SYS_membarrier, cmd, flags, 0); }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  base = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  pieces("start");
  res("mlock pages 2-3 (unaligned start)", mlock(base + 2 * 4096 + 100, 4096));
  pieces("after");
  res("mlock2 ONFAULT 6-7", syscall(SYS_mlock2, base + 6 * 4096, 2 * 4096, MLOCK_ONFAULT));
  pieces("after");
  res("mlock2 bad flags", syscall(SYS_mlock2, base, 4096, 2));
  res("mlock 0 bytes", mlock(base, 0));
  res("munlock page 2", munlock(base + 2 * 4096, 4096));
  pieces("after");
  res("mlock across a hole", mlock(base + 15 * 4096, 2 * 4096 + 0x100000000L));
  munmap(base + 10 * 4096, 4096);
  res("mlock 9-11 with 10 unmapped", mlock(base + 9 * 4096, 3 * 4096));
  pieces("after");
  res("munlock 9-11 with 10 unmapped", munlock(base + 9 * 4096, 3 * 4096));
  res("mlockall 0", mlockall(0));
  res("mlockall ONFAULT alone", mlockall(MCL_ONFAULT));
  res("mlockall bad", mlockall(8));
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) { printf("child: VmLck %ld kB (locks are not inherited)\n", vmlck()); _exit(0); }
  waitpid(c, NULL, 0);
  res("munlockall", munlockall());
  pieces("after");
  res("mlockall FUTURE", mlockall(MCL_FUTURE));
  char *later = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("a later mapping adds %ld kB\n", vmlck());
  munmap(later, 4096);
  munlockall();
  printf("-- unprivileged\n");
  fflush(stdout);
  c = fork();
  if (c == 0) {
    if (getuid() == 0 && setuid(1000) != 0) { printf("setuid failed\n"); _exit(1); }
    struct rlimit rl = { 8192, 8192 };
    setrlimit(RLIMIT_MEMLOCK, &rl);
    res("uid 1000 mlock 2 pages, limit 8 KiB", mlock(base, 2 * 4096));
    res("uid 1000 mlock 3 pages", mlock(base, 3 * 4096));
    res("uid 1000 mlock page 0 again and 1 (counted once)", mlock(base, 2 * 4096));
    res("uid 1000 mlockall CURRENT", mlockall(MCL_CURRENT));
    rl.rlim_cur = rl.rlim_max = 0;
    setrlimit(RLIMIT_MEMLOCK, &rl);
    res("uid 1000 mlock with limit 0", mlock(base + 5 * 4096, 4096));
    res("uid 1000 munlock", munlock(base, 2 * 4096));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("-- membarrier\n");
  res("query", membarrier(0, 0) & ~0x180); // the rseq commands depend on the kernel's config
  res("flags", membarrier(0, 1));
  res("bad command", membarrier(3, 0));
  res("global", membarrier(1, 0));
  res("private expedited unregistered", membarrier(8, 0));
  res("sync core unregistered", membarrier(32, 0));
  res("register private expedited", membarrier(16, 0));
  res("private expedited", membarrier(8, 0));
  res("registrations", membarrier(512, 0));
  fflush(stdout);
  c = fork();
  if (c == 0) { res("child registrations", membarrier(512, 0)); res("child private expedited", membarrier(8, 0)); _exit(0); }
  waitpid(c, NULL, 0);
  res("register global expedited", membarrier(4, 0));
  res("global expedited", membarrier(2, 0));
  res("registrations", membarrier(512, 0));
  return 0;
}
