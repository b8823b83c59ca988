/* Leaves everything open that holds a host resource under wasl (tests/teardown.test.ts): files on
 * the drvfs mount and on the volfs root, pipes, a listening TCP socket with a connected pair, UDP
 * sockets, a timerfd, a POSIX timer, an interval timer, a pty, an eventfd, a thread blocked on a
 * futex, a thread blocked in accept, and a child asleep — then ends as argv[1] says: "exit"
 * (exit_group with all of it open), "kill" (SIGKILL to itself), or "wait" (pause until killed). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#define FUTEX_WAIT 0 /* linux/futex.h: musl-gcc has no kernel headers */
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static int futex_word;
static int listener;

static void *futex_waiter(void *arg) {
    (void)arg;
    syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, NULL, NULL, 0);
    return NULL;
}

static void *acceptor(void *arg) {
    (void)arg;
    for (;;) accept(listener, NULL, NULL);
    return NULL;
}

#define CHECK(x) do { if ((x) < 0) { perror(#x); return 1; } } while (0)

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "exit";
    const char *drv = argc > 2 ? argv[2] : "/mnt/data/leak";
    const char *vol = argc > 3 ? argv[3] : "/leak";
    int fd;
    CHECK(fd = open(drv, O_CREAT | O_RDWR, 0644));
    CHECK(write(fd, "x", 1));
    CHECK(fd = open(vol, O_CREAT | O_RDWR, 0644));
    CHECK(write(fd, "y", 1));
    int p[2];
    CHECK(pipe(p));
    CHECK(write(p[1], "z", 1));

    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    CHECK(listener = socket(AF_INET, SOCK_STREAM, 0));
    CHECK(bind(listener, (struct sockaddr *)&a, sizeof a));
    CHECK(listen(listener, 8));
    CHECK(getsockname(listener, (struct sockaddr *)&a, &len));
    int c;
    CHECK(c = socket(AF_INET, SOCK_STREAM, 0));
    CHECK(connect(c, (struct sockaddr *)&a, sizeof a));
    CHECK(accept(listener, NULL, NULL));
    CHECK(write(c, "hello", 5));

    struct sockaddr_in u = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int us, uc;
    CHECK(us = socket(AF_INET, SOCK_DGRAM, 0));
    CHECK(bind(us, (struct sockaddr *)&u, sizeof u));
    len = sizeof u;
    CHECK(getsockname(us, (struct sockaddr *)&u, &len));
    CHECK(uc = socket(AF_INET, SOCK_DGRAM, 0));
    CHECK(connect(uc, (struct sockaddr *)&u, sizeof u));
    CHECK(send(uc, "dgram", 5, 0));

    struct itimerspec far = { .it_value = { .tv_sec = 1000 }, .it_interval = { .tv_sec = 1000 } };
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0); /* ENOSYS in wasl so far: then without one */
    if (tfd >= 0) CHECK(timerfd_settime(tfd, 0, &far, NULL));
    signal(SIGUSR1, SIG_IGN);
    struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
    timer_t timer;
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &timer));
    CHECK(timer_settime(timer, 0, &far, NULL));
    struct itimerval it = { .it_value = { .tv_sec = 1000 }, .it_interval = { .tv_sec = 1000 } };
    CHECK(setitimer(ITIMER_REAL, &it, NULL));

    int m;
    CHECK(m = posix_openpt(O_RDWR | O_NOCTTY));
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    CHECK(open(ptsname(m), O_RDWR | O_NOCTTY));
    CHECK(eventfd(1, 0));

    pthread_t th;
    if (pthread_create(&th, NULL, futex_waiter, NULL) || pthread_create(&th, NULL, acceptor, NULL)) return 1;
    pid_t child;
    CHECK(child = fork());
    if (child == 0) { sleep(1000); _exit(0); }
    usleep(20000); /* the threads and the child reach their waits */
    printf("ready\n");
    fflush(stdout);
    if (!strcmp(mode, "kill")) raise(SIGKILL);
    if (!strcmp(mode, "wait")) for (;;) pause();
    exit(0);
}
