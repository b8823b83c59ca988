/* FIFOs (fifo(7)): mkfifo, opens that wait for the other side, O_NONBLOCK opens (a reader at
 * once, a writer without a reader ENXIO), O_RDWR, data through the named pipe between two
 * processes (more than the pipe holds), EOF and POLLHUP after the last writer (none before a
 * writer came), an open interrupted by a signal (EINTR), stat and fstat. Works in a directory
 * "fifo-work" it makes in the current directory; prints no inode numbers or paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRY(call) do { errno = 0; long r_ = (long)(call); if (r_ < 0) printf("%-56s = %ld errno %d\n", #call, r_, errno); else printf("%-56s = ok\n", #call); } while (0)

static void on_alarm(int s) { (void)s; }

static short revents(int fd) {
    struct pollfd p = { fd, POLLIN, 0 };
    poll(&p, 1, 0);
    return p.revents;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    if (mkdir("fifo-work", 0755) || chdir("fifo-work")) return 1;
    TRY(mkfifo("p", 0640));
    TRY(mkfifo("p", 0640));
    struct stat st, fst;
    if (stat("p", &st) == 0) printf("stat: fifo %d perm %o size %ld\n", S_ISFIFO(st.st_mode), st.st_mode & 07777, (long)st.st_size);

    printf("-- non-blocking opens\n");
    TRY(open("p", O_WRONLY | O_NONBLOCK));
    int r = open("p", O_RDONLY | O_NONBLOCK);
    printf("reader: %s, revents before any writer %#x\n", r >= 0 ? "ok" : strerror(errno), revents(r));
    char buf[256] = {0};
    ssize_t n;
    printf("read with no writer: %zd\n", read(r, buf, sizeof buf));
    int w = open("p", O_WRONLY | O_NONBLOCK);
    printf("writer: %s\n", w >= 0 ? "ok" : strerror(errno));
    if (fstat(w, &fst) == 0) printf("fstat: fifo %d same inode %d\n", S_ISFIFO(fst.st_mode), fst.st_ino == st.st_ino && fst.st_dev == st.st_dev);
    printf("write: %zd\n", write(w, "hello", 5));
    printf("revents with data %#x\n", revents(r));
    printf("read: %zd \"%.5s\"\n", read(r, buf, sizeof buf), buf);
    errno = 0;
    n = read(r, buf, sizeof buf);
    printf("read empty: %zd errno %d\n", n, errno);
    close(w);
    printf("revents after the writer left %#x\n", revents(r));
    printf("read at EOF: %zd\n", read(r, buf, sizeof buf));
    close(r);

    printf("-- O_RDWR\n");
    int rw = open("p", O_RDWR);
    printf("open O_RDWR: %s\n", rw >= 0 ? "ok" : strerror(errno));
    printf("write: %zd\n", write(rw, "both", 4));
    memset(buf, 0, sizeof buf);
    printf("read: %zd \"%s\"\n", read(rw, buf, sizeof buf), buf);
    close(rw);

    printf("-- a writer and a reader that wait for each other\n");
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int fd = open("p", O_WRONLY); /* waits for the parent's reader */
        static char big[200000];
        memset(big, 'z', sizeof big);
        ssize_t done = 0;
        while (done < (ssize_t)sizeof big) { ssize_t n = write(fd, big + done, sizeof big - done); if (n <= 0) break; done += n; }
        _exit(done == (ssize_t)sizeof big ? 0 : 1);
    }
    int fd = open("p", O_RDONLY); /* waits for the child's writer */
    long total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
    close(fd);
    int ws;
    waitpid(c, &ws, 0);
    printf("read %ld bytes through the fifo, writer status %d\n", total, WEXITSTATUS(ws));

    fflush(stdout);
    c = fork();
    if (c == 0) {
        int fd = open("p", O_RDONLY); /* waits for the parent's writer */
        long got = 0;
        while ((n = read(fd, buf, sizeof buf)) > 0) got += n;
        printf("child read %ld bytes\n", got);
        fflush(stdout);
        _exit(0);
    }
    fd = open("p", O_WRONLY);
    printf("parent writer: %s, wrote %zd\n", fd >= 0 ? "ok" : strerror(errno), write(fd, "0123456789", 10));
    close(fd);
    waitpid(c, &ws, 0);

    printf("-- an open interrupted by a signal\n");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: the open fails with EINTR */
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    TRY(open("p", O_RDONLY));
    alarm(0);
    TRY(open("p", O_WRONLY | O_NONBLOCK)); /* the interrupted reader is gone again */

    TRY(unlink("p"));
    return 0;
}
