/* A process whose only task sleeps with nothing left to wake it: a read from a pipe whose write
 * end it holds itself. Linux leaves it asleep until something from outside ends it
 * (tests/sleepers.test.ts sends SIGTERM after a while, natively and to wasl); with `child`, a
 * child that exits first is what the parent waits for, and both end by themselves. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int p[2];
    char c;
    if (pipe(p)) return 1;
    if (argc > 1 && !strcmp(argv[1], "child")) {
        pid_t pid = fork();
        if (pid == 0) { usleep(200000); write(p[1], "x", 1); _exit(7); }
        int st;
        ssize_t r = read(p[0], &c, 1);
        waitpid(pid, &st, 0);
        printf("read %zd '%c', child status %d\n", r, c, WEXITSTATUS(st));
        return 0;
    }
    printf("asleep\n");
    fflush(stdout);
    read(p[0], &c, 1);
    printf("woke\n");
    return 3;
}
