/* Exercises the first syscalls lxcore implements and prints only facts that are the same on
 * every Linux machine, so the native run is the oracle for wasl's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct utsname u;
    printf("uname: %d %s %s\n", uname(&u), u.sysname, u.machine);

    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    printf("exe matches argv[0]: %d\n", n > 0 && strstr(exe, strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]) != NULL);

    printf("pid>0: %d ppid>0: %d tid==pid: %d\n", getpid() > 0, getppid() > 0, gettid() == getpid());
    printf("uid==euid: %d gid==egid: %d\n", getuid() == geteuid(), getgid() == getegid());

    struct stat st;
    printf("fstat(1): %d isfifo=%d\n", fstat(1, &st), S_ISFIFO(st.st_mode));
    printf("fstat(99): %d errno=%d\n", fstat(99, &st), errno);
    printf("isatty(0): %d errno=%d\n", isatty(0), errno);

    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic: %d\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020: %d\n", a.tv_sec > 1577836800);
    printf("bad clock: %d errno=%d\n", clock_gettime(12345, &a), errno);

    unsigned char rnd[64];
    printf("getrandom: %zd\n", getrandom(rnd, sizeof rnd, GRND_NONBLOCK));

    struct rlimit rl;
    printf("getrlimit stack: %d soft=%lld\n", getrlimit(RLIMIT_STACK, &rl), (long long)rl.rlim_cur);

    char *p = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap ok: %d zero: %d\n", p != MAP_FAILED, p[12345] == 0 && p[(1 << 20) - 1] == 0);
    memset(p, 7, 1 << 20);
    printf("mprotect: %d\n", mprotect(p, 4096, PROT_READ));
    printf("munmap: %d\n", munmap(p, 1 << 20));
    printf("munmap unaligned: %d errno=%d\n", munmap(p + 1, 4096), errno);
    printf("mmap len 0: %d errno=%d\n", mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED, errno);

    void *big = malloc(64 << 20);
    memset(big, 1, 64 << 20);
    printf("malloc 64MiB: %d\n", big != NULL);
    free(big);

    printf("write to bad pointer: %zd errno=%d\n", write(1, (void *)8, 10), errno);
    printf("read from bad fd: %zd errno=%d\n", read(42, rnd, 1), errno);
    printf("close bad fd: %d errno=%d\n", close(-1), errno);

    int fd = open("/definitely/not/here", O_RDONLY);
    printf("open missing: %d errno=%d\n", fd, errno);

    struct iovec iov[3] = {{"one ", 4}, {"two ", 4}, {"three\n", 6}};
    fflush(stdout);
    printf("writev: %zd\n", writev(1, iov, 3));

    fprintf(stderr, "to stderr\n");
    return 3;
}
