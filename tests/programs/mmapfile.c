// File-backed mmap as a dynamic loader uses it: MAP_PRIVATE|MAP_DENYWRITE, offsets, MAP_FIXED
// over part of an earlier mapping, mprotect of part of one, mappings longer than the file (the
// rest of the last page is zeros, pages past it SIGBUS), private writes not reaching the file,
// and the errors. Prints what it sees; the output must match the host kernel's.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define P 4096
static sigjmp_buf jb;
static volatile char *base;
static volatile int last_sig, last_code;
static volatile long last_off;

static void on_fault(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  last_sig = sig;
  last_code = si->si_code;
  last_off = (char *)si->si_addr - (char *)base;
  siglongjmp(jb, 1);
}

/** Reads one byte at b+off: prints it, or the signal, code and fault offset. */
static void peek(const char *what, volatile char *b, long off) {
  base = b;
  if (sigsetjmp(jb, 1) == 0) {
    int v = b[off];
    printf("%s [%ld] = %d\n", what, off, v);
  } else {
    printf("%s [%ld]: %s code %d at +%ld\n", what, off, last_sig == SIGBUS ? "SIGBUS" : last_sig == SIGSEGV ? "SIGSEGV" : "?",
           last_code, last_off);
  }
}

static void poke(const char *what, volatile char *b, long off, char v) {
  base = b;
  if (sigsetjmp(jb, 1) == 0) {
    b[off] = v;
    printf("%s [%ld] written\n", what, off);
  } else {
    printf("%s [%ld]: %s code %d at +%ld\n", what, off, last_sig == SIGBUS ? "SIGBUS" : "SIGSEGV", last_code, last_off);
  }
}

static void err(const char *what, void *r) {
  if (r == MAP_FAILED) printf("%s: %s\n", what, strerror(errno));
  else printf("%s: ok\n", what);
}

int main(void) {
  struct sigaction sa = { 0 };
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);

  // A 5000-byte file: byte i is 1 + i % 251 (never 0, so zeros mean "not from the file").
  char path[] = "mmapfile.data";
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  static char buf[5000];
  for (int i = 0; i < 5000; i++) buf[i] = 1 + i % 251;
  if (write(fd, buf, sizeof buf) != sizeof buf) return 1;
  close(fd);
  fd = open(path, O_RDONLY | O_CLOEXEC);

  // 1. Longer than the file: the last page's tail is zeros, the next page SIGBUS.
  char *m = mmap(NULL, 3 * P, PROT_READ, MAP_PRIVATE | MAP_DENYWRITE, fd, 0);
  err("map 3 pages of a 5000-byte file", m);
  peek("long", m, 0); peek("long", m, 4999); peek("long", m, 5000); peek("long", m, 8191);
  peek("long", m, 8192); peek("long", m, 3 * P - 1);
  // The kernel's own access to the pages past the file: EFAULT, not a signal.
  int pfd[2];
  if (pipe(pfd)) return 1;
  errno = 0;
  long w = write(pfd[1], m + 2 * P, 16);
  printf("write from past EOF: %ld %s\n", w, w < 0 ? strerror(errno) : "");
  w = write(pfd[1], m + P, 16);
  printf("write from the last page: %ld\n", w);
  close(pfd[0]);
  close(pfd[1]);

  // 2. Growing it with mremap: still past the file.
  char *g = mremap(m, 3 * P, 4 * P, MREMAP_MAYMOVE);
  err("mremap to 4 pages", g);
  peek("grown", g, 4999); peek("grown", g, 3 * P + 5);
  munmap(g, 4 * P);

  // 3. An offset: the second page of the file first.
  m = mmap(NULL, P, PROT_READ, MAP_PRIVATE, fd, P);
  err("map at offset 4096", m);
  peek("offset", m, 0); peek("offset", m, 903); peek("offset", m, 904);
  munmap(m, P);
  // Wholly past the end: the mapping is made, every page faults.
  m = mmap(NULL, P, PROT_READ, MAP_PRIVATE, fd, 4 * P);
  err("map at offset 16384 (past EOF)", m);
  peek("past", m, 0);
  munmap(m, P);

  // 4. What ld.so does: reserve the whole span from the file, then MAP_FIXED pieces at offsets,
  //    anonymous .bss after them, then mprotect part (RELRO).
  char *r = mmap(NULL, 4 * P, PROT_READ, MAP_PRIVATE | MAP_DENYWRITE, fd, 0);
  err("reserve 4 pages", r);
  char *x = mmap(r + P, P, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, fd, 0);
  printf("fixed text at +%ld\n", x == MAP_FAILED ? -1L : (long)(x - r));
  char *d = mmap(r + 2 * P, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, fd, P);
  printf("fixed data at +%ld\n", d == MAP_FAILED ? -1L : (long)(d - r));
  char *z = mmap(r + 3 * P, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
  printf("fixed bss at +%ld\n", z == MAP_FAILED ? -1L : (long)(z - r));
  peek("span", r, 10); peek("span", r, P + 10); peek("span", r, 2 * P + 10); peek("span", r, 2 * P + 904);
  peek("span", r, 3 * P + 10);
  poke("span", r, 2 * P + 10, 'x'); poke("span", r, 3 * P + 10, 'y'); poke("span", r, P + 10, 'z');
  printf("mprotect data page read-only: %d\n", mprotect(r + 2 * P, P, PROT_READ));
  poke("relro", r, 2 * P + 11, 'x'); peek("relro", r, 2 * P + 10);
  printf("mprotect bss PROT_NONE: %d\n", mprotect(r + 3 * P, P, PROT_NONE));
  peek("none", r, 3 * P);
  munmap(r + P, P);
  printf("mprotect over a hole: %s\n", mprotect(r, 3 * P, PROT_READ) ? strerror(errno) : "ok");
  munmap(r, 4 * P);

  // 5. Private writes stay private.
  m = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  m[0] = 'Q';
  char first;
  pread(fd, &first, 1, 0);
  printf("private write: mapping %c, file %d\n", m[0], first);
  munmap(m, P);

  // 6. A file mapping over the middle of an anonymous one.
  char *a = mmap(NULL, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(a, 'A', 3 * P);
  mmap(a + P, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
  peek("middle", a, P - 1); peek("middle", a, P); peek("middle", a, 2 * P);
  poke("middle", a, P, 'w'); poke("middle", a, 2 * P, 'w');
  munmap(a, 3 * P);

  // 7. Errors.
  err("unaligned offset", mmap(NULL, P, PROT_READ, MAP_PRIVATE, fd, 100));
  err("length 0", mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0));
  err("bad fd", mmap(NULL, P, PROT_READ, MAP_PRIVATE, 99, 0));
  int wo = open(path, O_WRONLY);
  err("write-only fd", mmap(NULL, P, PROT_READ, MAP_PRIVATE, wo, 0));
  err("shared writable of a read-only fd", mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  err("neither shared nor private", mmap(NULL, P, PROT_READ, 0, fd, 0));
  close(wo);
  close(fd);
  unlink(path);
  return 0;
}
