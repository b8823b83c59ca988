// closefds PROGRAM ARGS...: closes every descriptor above 2, then execs PROGRAM with the same
// environment. The native side of a differential test runs through it, because whatever started
// the tests (a CI harness, a terminal, an editor) may have leaked descriptors without O_CLOEXEC
// into Node and so into its children, while a guest under wasl starts with exactly 0, 1 and 2.
// Closing does not shrink the descriptor table (its size is /proc/PID/status's FDSize, and select
// ignores bits past it), so a test that depends on that size looks at it in a forked child, whose
// table holds only what its open descriptors need.
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: closefds PROGRAM ARGS...\n"); return 2; }
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)  // Linux >= 5.9; else one by one
    for (int fd = 3; fd < 65536; fd++) close(fd);
  execv(argv[1], argv + 1);
  perror(argv[1]);
  return 127;
}
