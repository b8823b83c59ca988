/* A program whose syscalls are known, for `wasl --syscall-stats` against `strace -c -f`:
 * N getppid calls (N = argv[1]) through syscall(), a forked child making 7 getpid calls,
 * 3 close(-1) that fail with EBADF, a pipe the two processes pass one byte through, one write
 * to stdout. */
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 0, fds[2];
    char c = 'x';
    for (int i = 0; i < n; i++) syscall(SYS_getppid);
    if (pipe(fds) != 0) return 1;
    pid_t p = fork();
    if (p < 0) return 1;
    if (p == 0) {
        for (int i = 0; i < 7; i++) syscall(SYS_getpid);
        if (write(fds[1], &c, 1) != 1) _exit(1);
        _exit(0);
    }
    if (read(fds[0], &c, 1) != 1) return 1;
    waitpid(p, 0, 0);
    for (int i = 0; i < 3; i++) close(-1);
    return write(1, "done\n", 5) == 5 ? 0 : 1;
}
