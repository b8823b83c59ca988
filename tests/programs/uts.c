// sethostname(2) and setdomainname(2) (issue #4/#6): natively in a UTS namespace of its own
// (unshare -u, as root), under wasl in the instance's own. Prints the names after each change.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%s = -1 %s\n", what, strerror(errno));
  else printf("%s = %ld\n", what, r);
}

static void names(void) {
  struct utsname u;
  uname(&u);
  char h[128] = "", d[128] = "", ph[128] = "", pd[128] = "";
  gethostname(h, sizeof h);
  getdomainname(d, sizeof d);
  FILE *f = fopen("/proc/sys/kernel/hostname", "r");
  if (f) { if (!fgets(ph, sizeof ph, f)) ph[0] = 0; fclose(f); }
  f = fopen("/proc/sys/kernel/domainname", "r");
  if (f) { if (!fgets(pd, sizeof pd, f)) pd[0] = 0; fclose(f); }
  printf("uname %s %s | get %s %s | proc %s", u.nodename, u.domainname, h, d, ph);
  printf(" | proc %s", pd);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (getuid() != 0) { printf("not root\n"); return 0; }
  show("sethostname", sethostname("wasl-uts-test", 13));
  show("setdomainname", setdomainname("example.test", 12));
  names();
  char long_name[80];
  memset(long_name, 'x', sizeof long_name);
  show("sethostname 65 bytes", sethostname(long_name, 65));
  show("sethostname 64 bytes", sethostname(long_name, 64));
  names();
  show("sethostname bad pointer", sethostname((char *)16, 5));
  show("sethostname with a NUL inside", sethostname("ab\0cd", 5));
  names();
  fflush(stdout);
  if (fork() == 0) {
    setresuid(1000, 1000, 1000);
    show("uid 1000: sethostname", sethostname("nope", 4));
    show("uid 1000: setdomainname", setdomainname("nope", 4));
    fflush(stdout);
    _exit(0);
  }
  wait(NULL);
  return 0;
}
