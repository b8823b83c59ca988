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
#include <sys/syscall.h>

// The call runs before errno is read (printf's arguments have no order of evaluation).
#define SHOW(what, expr) do { errno = 0; long v_ = (long)(expr); int e_ = errno; printf("%s: %ld errno=%d\n", what, v_, e_); } while (0)

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
    int fr = fstat(1, &st); /* before printf: its arguments have no order of evaluation */
    printf("fstat(1): %d isfifo=%d\n", fr, S_ISFIFO(st.st_mode));
    close(99);  // a CI harness may leak descriptors into the native run; wasl starts with 0-2
    SHOW("fstat(99)", fstat(99, &st));
    SHOW("isatty(0)", isatty(0));

    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic: %d\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020: %d\n", a.tv_sec > 1577836800);
    SHOW("bad clock", clock_gettime(12345, &a));

    unsigned char rnd[64];
    printf("getrandom: %zd\n", getrandom(rnd, sizeof rnd, GRND_NONBLOCK));

    struct rlimit rl;
    int gr = getrlimit(RLIMIT_STACK, &rl);
    printf("getrlimit stack: %d soft=%lld\n", gr, (long long)rl.rlim_cur);

    char *p = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap ok: %d zero: %d\n", p != MAP_FAILED, p[12345] == 0 && p[(1 << 20) - 1] == 0);
    memset(p, 7, 1 << 20);
    printf("mprotect: %d\n", mprotect(p, 4096, PROT_READ));
    printf("munmap: %d\n", munmap(p, 1 << 20));
    SHOW("munmap unaligned", munmap(p + 1, 4096));
    SHOW("mmap len 0", mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);

    void *big = malloc(64 << 20);
    memset(big, 1, 64 << 20);
    printf("malloc 64MiB: %d\n", big != NULL);
    free(big);

    SHOW("write to bad pointer", write(1, (void *)8, 10));
    close(42);
    SHOW("read from bad fd", read(42, rnd, 1));
    SHOW("close bad fd", close(-1));
    int pp[2];
    if (pipe(pp) == 0) { SHOW("fsync on a pipe", fsync(pp[0])); close(pp[0]); close(pp[1]); }
    SHOW("fsync on /dev/null's fd", fsync(open("/dev/null", O_RDONLY)));
    SHOW("personality query", syscall(SYS_personality, 0xffffffffUL));
    SHOW("personality set ADDR_NO_RANDOMIZE", syscall(SYS_personality, 0x0040000UL));
    SHOW("personality now", syscall(SYS_personality, 0xffffffffUL));
    syscall(SYS_personality, 0UL);

    SHOW("open missing", open("/definitely/not/here", O_RDONLY));

    struct iovec iov[3] = {{"one ", 4}, {"two ", 4}, {"three\n", 6}};
    fflush(stdout);
    printf("writev: %zd\n", writev(1, iov, 3));

    fprintf(stderr, "to stderr\n");
    return 3;
}
