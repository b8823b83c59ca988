/* Reads from a pipe into buffers the kernel cannot wholly write (tests/readfault.test.ts runs it
 * natively and under wasl and compares the output). Linux's pipe_read copies one pipe buffer (or
 * the part of it the read asked for) at a time and consumes it only once the whole of it reached
 * the reader: a copy that stops at a bad page leaves that buffer, and all after it, in the pipe,
 * and the call returns the bytes of the buffers before it (EFAULT if none). What each read
 * returned and what a second read into a good buffer then finds are printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

static char *hole; /* the first byte of a PROT_NONE page, after a writable one */
static unsigned char good[3 * 4096];

static void fill(int fd, int n, int seed) {
    unsigned char b[8192];
    for (int i = 0; i < n; i++) b[i] = (unsigned char)(seed + i * 7);
    if (write(fd, b, n) != n) { perror("write"); _exit(1); }
}

/* What is left in the pipe: its count and a checksum, read through a good buffer. */
static void rest(const char *what, int fd) {
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    long total = 0; unsigned sum = 0; int reads = 0;
    for (;;) {
        ssize_t r = read(fd, good, sizeof good);
        if (r <= 0) break;
        reads++;
        for (ssize_t i = 0; i < r; i++) sum = sum * 31 + good[i];
        total += r;
    }
    fcntl(fd, F_SETFL, flags);
    printf("%s: %ld bytes left in %d reads, sum %u\n", what, total, reads, sum);
}

static void show(const char *what, ssize_t r) {
    if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
    else printf("%s: %zd\n", what, r);
}

/* A new pipe holding a write of `first` bytes, then one of `second` (if not 0). */
static void prepare(int p[2], int first, int second, int seed) {
    if (pipe(p)) { perror("pipe"); _exit(1); }
    fill(p[1], first, seed);
    if (second) fill(p[1], second, seed + 1);
}

/* What the read returned, then what the pipe still holds; the pipe is closed. */
static void finish(const char *what, const char *left, int p[2], ssize_t r) {
    show(what, r);
    rest(left, p[0]);
    close(p[0]); close(p[1]);
}

int main(void) {
    char *map = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED || mprotect(map + 4096, 4096, PROT_NONE)) { perror("mmap"); return 1; }
    hole = map + 4096;
    int p[2];

    /* One pipe buffer of 100 bytes, read into a buffer whose last 50 bytes are in the hole. */
    prepare(p, 100, 0, 1);
    finish("one buffer, bad at 50", "one buffer", p, read(p[0], hole - 50, 100));

    /* A full page, then 100 bytes: the first buffer reaches the reader whole, the second not
     * (4096 + 50 writable bytes before the hole). */
    prepare(p, 4096, 100, 2);
    char *buf = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(buf + 4096 + 4096, 4096, PROT_NONE);
    finish("two buffers, bad in the second", "two buffers", p, read(p[0], buf + 4046, 4196));

    /* A read that asks for part of a buffer and faults inside that part: nothing consumed. */
    prepare(p, 300, 0, 4);
    finish("part of a buffer, bad at 20", "part of a buffer", p, read(p[0], hole - 20, 40));

    /* readv: the first iovec good, the second in the hole. */
    prepare(p, 200, 0, 5);
    struct iovec iov[2] = { { good, 30 }, { hole, 100 } };
    finish("readv, second iovec bad", "readv", p, readv(p[0], iov, 2));

    /* readv over two pipe buffers: the first fits the good iovec, the second meets the hole. */
    prepare(p, 4096, 64, 6);
    struct iovec iov2[2] = { { good, 4096 }, { hole - 10, 64 } };
    finish("readv, two buffers", "readv two buffers", p, readv(p[0], iov2, 2));

    /* A packet pipe (O_DIRECT): the packet stays whole when it cannot be delivered. */
    if (pipe2(p, O_DIRECT) == 0) {
        fill(p[1], 200, 8);
        fill(p[1], 10, 9);
        show("packet, bad at 50", read(p[0], hole - 50, 200));
        show("packet, good", read(p[0], good, 300));
        show("packet, second", read(p[0], good, 300));
        close(p[0]); close(p[1]);
    }

    /* Nothing writable at all: EFAULT and the data stays. */
    prepare(p, 10, 0, 10);
    finish("all bad", "all bad", p, read(p[0], hole, 10));
    return 0;
}
