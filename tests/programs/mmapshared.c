/* MAP_SHARED file mappings: stores through the mapping reach the file (seen by read(2) after
 * msync, munmap and exit), write(2) shows in the mapping, two mappings of one file (in one
 * process and across fork) see each other's stores, msync's errors, a private mapping beside a
 * shared one. Prints contents, never addresses. Works in the current directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define P 4096
#define TRY(call) do { errno = 0; long r_ = (long)(call); if (r_ < 0) printf("%-56s = %ld errno %d\n", #call, r_, errno); else printf("%-56s = %ld\n", #call, r_); } while (0)

static void show_file(const char *what, int fd, off_t at, int n) {
    char b[64] = {0};
    ssize_t got = pread(fd, b, n, at);
    for (ssize_t i = 0; i < got; i++) if (!b[i]) b[i] = '.';
    printf("%s: file[%ld..] = \"%.*s\"\n", what, (long)at, (int)got, b);
}

static void show_map(const char *what, const char *m, int n) {
    char b[64];
    memcpy(b, m, n);
    for (int i = 0; i < n; i++) if (!b[i]) b[i] = '.';
    printf("%s: map = \"%.*s\"\n", what, n, b);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fd = open("data", O_CREAT | O_RDWR | O_TRUNC, 0644);
    char page[P * 2];
    memset(page, 'a', sizeof page);
    if (write(fd, page, sizeof page) != sizeof page) return 1;

    char *m = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { printf("mmap: errno %d\n", errno); return 1; }
    show_map("fresh", m, 8);
    memcpy(m, "STORED", 6);
    TRY(msync(m, P, MS_SYNC));
    show_file("after msync", fd, 0, 8);
    memcpy(m + P + 10, "second", 6);
    TRY(msync(m, 2 * P, MS_ASYNC));
    show_file("after MS_ASYNC", fd, P + 8, 12);

    /* write(2) and read(2) against the mapping */
    TRY(pwrite(fd, "written", 7, 100));
    show_map("after pwrite", m + 100, 8);
    memcpy(m + 200, "direct", 6);
    show_file("read sees the store", fd, 200, 8);
    TRY(lseek(fd, 300, SEEK_SET));
    TRY(write(fd, "seq", 3));
    show_map("after write", m + 300, 4);

    /* a second mapping of the same file, and a private one */
    char *m2 = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *pv = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    show_map("second mapping", m2, 8);
    memcpy(m2 + 2, "xx", 2);
    show_map("first sees second", m, 8);
    memcpy(pv, "private", 7);
    show_map("shared after private store", m, 8);
    TRY(munmap(m2, P));
    TRY(munmap(pv, P));

    /* across fork: the child's store is the parent's */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        memcpy(m + 400, "child", 5);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    show_map("parent after child store", m + 400, 6);

    /* a child that maps the file itself and exits without msync */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int f2 = open("data", O_RDWR);
        char *c = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, f2, 0);
        memcpy(c + 500, "exited", 6);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    show_file("after the child's exit", fd, 500, 7);
    show_map("and in our mapping", m + 500, 7);

    /* munmap writes back; a new mapping sees it */
    memcpy(m + 600, "unmapped", 8);
    TRY(munmap(m, 2 * P));
    show_file("after munmap", fd, 600, 9);

    /* msync's errors */
    char *m3 = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    TRY(msync(m3 + 1, P, MS_SYNC));
    TRY(msync(m3, P, MS_SYNC | MS_ASYNC));
    TRY(msync(m3, P, 8));
    TRY(msync(m3, P, 0));
    TRY(msync(m3, P, MS_INVALIDATE));
    TRY(munmap(m3, P));
    TRY(msync(m3, P, MS_SYNC));

    /* a read-only descriptor cannot be mapped shared and writable */
    int ro = open("data", O_RDONLY);
    void *x = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    printf("shared writable of O_RDONLY: %s errno %d\n", x == MAP_FAILED ? "failed" : "mapped", x == MAP_FAILED ? errno : 0);
    char *r = mmap(NULL, P, PROT_READ, MAP_SHARED, ro, 0);
    TRY(pwrite(fd, "RO-VIEW", 7, 0));
    show_map("read-only shared mapping after pwrite", r, 8);
    close(ro);
    close(fd);
    return 0;
}
