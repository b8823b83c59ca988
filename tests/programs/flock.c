/* flock(2): shared and exclusive locks between open file descriptions of one file, LOCK_NB
 * (EWOULDBLOCK), a blocking lock that waits for another process's unlock, locks shared by dup and
 * fork and released by the last close, conversions, bad operations (EINVAL) and descriptors
 * (EBADF). Works on a file "flock-file" in the current directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRY(call) do { errno = 0; long r_ = (long)(call); if (r_ < 0) printf("%-44s = %ld errno %d\n", #call, r_, errno); else printf("%-44s = %ld\n", #call, r_); } while (0)

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int a = open("flock-file", O_CREAT | O_RDWR | O_TRUNC, 0644);
    int b = open("flock-file", O_RDONLY);
    int path = open("flock-file", O_PATH);
    TRY(flock(a, LOCK_SH));
    TRY(flock(b, LOCK_SH | LOCK_NB));
    TRY(flock(b, LOCK_EX | LOCK_NB));        /* a holds a shared lock */
    TRY(flock(a, LOCK_EX | LOCK_NB));        /* b holds one too */
    TRY(flock(b, LOCK_UN));
    TRY(flock(a, LOCK_EX | LOCK_NB));        /* conversion, now alone */
    TRY(flock(b, LOCK_SH | LOCK_NB));
    int d = dup(a);
    TRY(flock(d, LOCK_EX | LOCK_NB));        /* the same description: it has the lock */
    close(a);
    TRY(flock(b, LOCK_SH | LOCK_NB));        /* d still holds it */
    close(d);
    TRY(flock(b, LOCK_EX | LOCK_NB));        /* the last close released it */
    TRY(flock(b, LOCK_UN));
    TRY(flock(b, 0));
    TRY(flock(b, LOCK_SH | LOCK_EX));
    TRY(flock(b, 16));
    TRY(flock(path, LOCK_SH));
    TRY(flock(-1, LOCK_SH));
    TRY(flock(99, LOCK_UN));

    printf("-- waiting for another process\n");
    int pipefd[2];
    if (pipe(pipefd)) return 1;
    a = open("flock-file", O_RDWR);
    TRY(flock(a, LOCK_EX));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int mine = open("flock-file", O_RDONLY);
        TRY(flock(mine, LOCK_SH | LOCK_NB));
        if (write(pipefd[1], "x", 1) != 1) _exit(1);
        TRY(flock(mine, LOCK_SH));            /* waits for the parent's unlock */
        printf("child: got the shared lock\n");
        fflush(stdout);
        _exit(0);
    }
    char ch;
    if (read(pipefd[0], &ch, 1) != 1) return 1;
    printf("parent: unlocking\n");
    fflush(stdout);
    int un = flock(a, LOCK_UN);
    int st;
    waitpid(c, &st, 0); /* before printing: the child's lines come first either way */
    printf("parent: unlock %d\n", un);

    printf("-- a lock inherited across fork\n");
    TRY(flock(a, LOCK_EX));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        TRY(flock(a, LOCK_EX | LOCK_NB));    /* the same description */
        TRY(flock(b, LOCK_SH | LOCK_NB));    /* another: refused */
        _exit(0);
    }
    waitpid(c, &st, 0);
    TRY(flock(b, LOCK_SH | LOCK_NB));
    close(a);
    TRY(flock(b, LOCK_SH | LOCK_NB));
    unlink("flock-file");
    return 0;
}
