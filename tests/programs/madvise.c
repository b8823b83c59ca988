// madvise(2) as Linux answers it: advice validation, unsigned ranges that wrap, holes (ENOMEM
// after the mapped part was advised), MADV_FREE only on private anonymous memory, DONTNEED keeping
// shared memory, DONTFORK and WIPEONFORK seen from a child, and a DONTNEED over the whole address
// space in a child that must not disturb the parent (the syscall fuzzer found wasl freeing the
// parent's frames there). Prints results and errno names only, never addresses.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}
#define MADV(what, a, l, adv) do { errno = 0; show(what, syscall(SYS_madvise, (long)(a), (long)(l), (long)(adv))); } while (0)

int main(void) {
  long P = 4096;
  char *anon = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *sh = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  memset(anon, 'a', 4 * P);
  strcpy(sh, "shared contents");

  MADV("bad advice", anon, P, 12345);
  MADV("bad advice 5", anon, P, 5);
  MADV("unaligned", anon + 1, P, MADV_DONTNEED);
  MADV("length 0", anon, 0, MADV_DONTNEED);
  MADV("length 0, bad advice", anon, 0, 77);
  MADV("negative length wraps", anon, -P, MADV_DONTNEED);
  MADV("length rounds past 2^64", anon, -1L, MADV_NORMAL);
  MADV("unmapped", 0x10000, P, MADV_DONTNEED);
  MADV("address above user space", 0x800000000000L, P, MADV_NORMAL);
  MADV("hint on mapped range", anon, 4 * P, MADV_WILLNEED);

  MADV("DONTNEED private", anon + P, P, MADV_DONTNEED);
  printf("after DONTNEED: %c %d %c\n", anon[0], anon[P], anon[2 * P]);
  MADV("DONTNEED shared", sh, P, MADV_DONTNEED);
  printf("shared after DONTNEED: %s\n", sh);
  MADV("FREE shared", sh, P, MADV_FREE);
  MADV("FREE private", anon + 2 * P, P, MADV_FREE);

  // A hole between two mappings: the mapped parts are advised, then ENOMEM.
  char *three = mmap(NULL, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(three, 'x', 3 * P);
  munmap(three + P, P);
  MADV("DONTNEED across a hole", three, 3 * P, MADV_DONTNEED);
  printf("both sides zeroed: %d %d\n", three[0], three[2 * P]);

  // DONTFORK: the child has no such mapping; WIPEONFORK: the child sees zeros.
  char *df = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *wf = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  df[0] = 'd'; wf[0] = 'w';
  MADV("DONTFORK", df, P, MADV_DONTFORK);
  MADV("WIPEONFORK", wf, P, MADV_WIPEONFORK);
  MADV("WIPEONFORK shared", sh, P, MADV_WIPEONFORK);
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    printf("child: wiped page reads %d\n", wf[0]);
    fflush(stdout);
    df[0] = 1;  // not mapped in the child: SIGSEGV
    _exit(0);
  }
  int st;
  waitpid(p, &st, 0);
  printf("child: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  printf("parent keeps: %c %c\n", df[0], wf[0]);
  MADV("DOFORK", df, P, MADV_DOFORK);

  // A child that throws away its whole address space must not touch the parent's.
  fflush(stdout);
  p = fork();
  if (p == 0) {
    syscall(SYS_madvise, 0x2000L, 3139552215293110849L, (long)MADV_DONTNEED);
    _exit(0);  // not reached: its stack and data are gone
  }
  // Whether the child survives depends on the layout (natively the walk stops with EINVAL at
  // [vvar], before the stack, when that lies above the heap): only the parent is compared.
  waitpid(p, &st, 0);
  char *fresh = malloc(1 << 20);
  memset(fresh, 'f', 1 << 20);
  printf("parent intact: %c %s %c\n", anon[0], sh, fresh[12345]);
  return 0;
}
