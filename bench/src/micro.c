/* wasl's syscall and CPU microbenchmarks: `micro NAME ITERATIONS [DIR [BUDGET_MS]]` runs one benchmark and
 * prints "NAME VALUE UNIT" (ns per operation, measured inside the program with
 * CLOCK_MONOTONIC). The same binary runs natively, under wasl and under qemu-x86_64; built with
 * musl-gcc and with gcc (glibc), both static. Built for wasm32-wasi (clang --target=wasm32-wasi) it
 * runs under node:wasi and @wasmer/wasi: a benchmark WASI cannot express prints
 * "NAME n/a REASON" instead of a value (and exits 0), so the runner shows n/a, not a failure.
 * Integer arithmetic only in the reporting (no floating point in printf). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifndef __wasi__
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#endif
#include <time.h>
#include <unistd.h>

/* 64-bit on every target: `long` is 32 bits on wasm32 */
static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

#ifndef __wasi__
static long raw_getppid(void) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
    return r;
}
#endif

static volatile unsigned long sink;

/* One function per benchmark, chosen once: the timed loop is nothing but calls to it. */
static int fd = -1;
static char path[4096], buf[4096];

#ifdef __wasi__
/* What WASI (preview1) cannot express: a null syscall (no getppid), and mmap/munmap (wasi-libc's
 * emulation is malloc, not a host call, so it would compare nothing). */
#define b_null 0
#define b_mmap64k 0
#else
static int b_null(long i) { (void)i; raw_getppid(); return 0; }
#endif
static int b_read1_devzero(long i) { (void)i; return read(fd, buf, 1) != 1; }
static int b_write1_devnull(long i) { (void)i; return write(fd, buf, 1) != 1; }
static int b_read4k_file(long i) { return pread(fd, buf, 4096, (i & 255) * 4096) != 4096; }
static int b_write4k_file(long i) { return pwrite(fd, buf, 4096, (i & 255) * 4096) != 4096; }
/* opens an existing file (created in the set-up): @wasmer/wasi refuses O_CREAT with O_RDONLY */
static int b_openclose(long i) { (void)i; int f = open(path, O_RDONLY); if (f < 0) return 1; return close(f); }
static int b_stat(long i) { (void)i; struct stat st; return stat(path, &st); }
static int b_fstat(long i) { (void)i; struct stat st; return fstat(fd, &st); }
static int b_getdents100(long i) {
    (void)i;
    DIR *d = opendir(path);
    int k = 0;
    while (readdir(d)) k++;
    closedir(d);
#ifdef __wasi__
    return k < 100 || k > 102; /* WASI hosts differ on listing "." and ".." */
#else
    return k != 102;
#endif
}
static int b_clock_gettime(long i) { (void)i; struct timespec t; return clock_gettime(CLOCK_MONOTONIC, &t); }
static int b_sched_yield(long i) { (void)i; return sched_yield(); }
#ifndef __wasi__
static int b_mmap64k(long i) {
    (void)i;
    char *p = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int k = 0; k < 65536; k += 4096) p[k] = 1;
    return munmap(p, 65536);
}
#endif
/* 12 rounds of xorshift and a multiply-add: about 100 simple integer instructions */
static int b_compute(long i) {
    unsigned long x = i + 88172645463325252ul, s = 0;
    for (int k = 0; k < 12; k++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; s = s * 31 + x; }
    sink += s;
    return 0;
}

#ifndef __wasi__
/* Process and thread round trips (issues #4, #8). One operation is a whole round trip. */
static int to_child[2], from_child[2];
static pid_t echo_child;
static int b_pipe_pingpong(long i) {
    (void)i;
    char c = 'x';
    return write(to_child[1], &c, 1) != 1 || read(from_child[0], &c, 1) != 1;
}
static void pipe_setup(void) {
    if (pipe(to_child) || pipe(from_child)) exit(1);
    echo_child = fork();
    if (echo_child == 0) {
        char c;
        close(to_child[1]); close(from_child[0]);
        while (read(to_child[0], &c, 1) == 1) if (write(from_child[1], &c, 1) != 1) break;
        _exit(0);
    }
    close(to_child[0]); close(from_child[1]);
}
static void pipe_teardown(void) { close(to_child[1]); close(from_child[0]); waitpid(echo_child, NULL, 0); }

static int b_fork_exit_wait(long i) {
    (void)i;
    pid_t p = fork();
    if (p < 0) return 1;
    if (p == 0) _exit(0);
    int st;
    return waitpid(p, &st, 0) != p || !WIFEXITED(st);
}

/* execve of a tiny static program: this binary itself, told to exit at once. */
static char self_exe[4096];
static int b_fork_execve_wait(long i) {
    (void)i;
    pid_t p = fork();
    if (p < 0) return 1;
    if (p == 0) { char *av[] = {self_exe, "--exit-at-once", NULL}; execv(self_exe, av); _exit(127); }
    int st;
    return waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}

/* Two threads hand a token back and forth through a futex word: 1 = the partner's turn. */
static volatile int token;
/* FUTEX_WAIT|FUTEX_PRIVATE_FLAG and FUTEX_WAKE|FUTEX_PRIVATE_FLAG (musl ships no linux/futex.h) */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
static long futex(volatile int *w, int op, int v) { return syscall(SYS_futex, w, op, v, NULL, NULL, 0); }
static void *futex_partner(void *arg) {
    (void)arg;
    for (;;) {
        while (__atomic_load_n(&token, __ATOMIC_ACQUIRE) != 1) futex(&token, FUTEX_WAIT_PRIVATE, 0);
        __atomic_store_n(&token, 0, __ATOMIC_RELEASE);
        futex(&token, FUTEX_WAKE_PRIVATE, 1);
    }
    return NULL;
}
static int b_futex_pingpong(long i) {
    (void)i;
    __atomic_store_n(&token, 1, __ATOMIC_RELEASE);
    futex(&token, FUTEX_WAKE_PRIVATE, 1);
    while (__atomic_load_n(&token, __ATOMIC_ACQUIRE) != 0) futex(&token, FUTEX_WAIT_PRIVATE, 1);
    return 0;
}
#else
#define b_pipe_pingpong 0
#define b_fork_exit_wait 0
#define b_fork_execve_wait 0
#define b_futex_pingpong 0
#endif

static const struct { const char *name; int (*run)(long); const char *na; } BENCHES[] = {
    {"null", b_null, "no getppid or other no-op call in WASI"}, {"read1_devzero", b_read1_devzero}, {"write1_devnull", b_write1_devnull},
    {"read4k_file", b_read4k_file}, {"write4k_file", b_write4k_file}, {"openclose", b_openclose},
    {"stat", b_stat}, {"fstat", b_fstat}, {"getdents100", b_getdents100},
    {"clock_gettime", b_clock_gettime}, {"sched_yield", b_sched_yield}, {"mmap64k", b_mmap64k, "no mmap in WASI"},
    {"compute", b_compute},
    {"pipe_pingpong", b_pipe_pingpong, "no fork or pipes in WASI"},
    {"fork_exit_wait", b_fork_exit_wait, "no processes in WASI"},
    {"fork_execve_wait", b_fork_execve_wait, "no processes in WASI"},
    {"futex_pingpong", b_futex_pingpong, "no threads or futexes in wasm32-wasi"},
};

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--exit-at-once")) return 0; /* fork_execve_wait's child */
    if (argc < 3) { fprintf(stderr, "usage: micro NAME ITERATIONS [DIR [BUDGET_MS]]\n"); return 2; }
    const char *name = argv[1];
    long n = atol(argv[2]);
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    /* time budget of the timed loop, ms (argv[4], default 4000) */
    long long budget = (argc > 4 ? atoll(argv[4]) : 4000) * 1000000LL;
    memset(buf, 'x', sizeof buf);
    int (*run)(long) = 0;
    int known = 0;
    for (unsigned k = 0; k < sizeof BENCHES / sizeof BENCHES[0]; k++) {
        if (strcmp(BENCHES[k].name, name)) continue;
        known = 1;
        run = BENCHES[k].run;
        if (!run) { printf("%s n/a %s\n", name, BENCHES[k].na); return 0; }
    }
    if (!known) { fprintf(stderr, "unknown benchmark %s\n", name); return 2; }
    snprintf(path, sizeof path, "%s/micro-file", dir);

    /* set-up outside the timed loop */
#ifndef __wasi__
    if (!strcmp(name, "pipe_pingpong")) pipe_setup();
    if (!strcmp(name, "fork_execve_wait")) {
        ssize_t k = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
        if (k <= 0) return 1;
        self_exe[k] = 0;
    }
    if (!strcmp(name, "futex_pingpong")) {
        pthread_t th;
        if (pthread_create(&th, NULL, futex_partner, NULL)) return 1;
    }
#endif
    if (!strcmp(name, "read1_devzero")) fd = open("/dev/zero", O_RDONLY);
    if (!strcmp(name, "write1_devnull")) fd = open("/dev/null", O_WRONLY);
    if ((!strcmp(name, "read1_devzero") || !strcmp(name, "write1_devnull")) && fd < 0) {
        /* a WASI host without /dev preopened (@wasmer/wasi has only its in-memory filesystem) */
        printf("%s n/a no /dev/zero or /dev/null here (%s)\n", name, strerror(errno));
        return 0;
    }
    if (!strcmp(name, "openclose")) close(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    if (!strcmp(name, "write4k_file") || !strcmp(name, "read4k_file") || !strcmp(name, "fstat") || !strcmp(name, "stat")) {
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        for (int i = 0; i < 256; i++) if (write(fd, buf, sizeof buf) != sizeof buf) return 1;
    }
    if (!strcmp(name, "getdents100")) {
        snprintf(path, sizeof path, "%s/micro-dir", dir);
        mkdir(path, 0755);
        for (int i = 0; i < 100; i++) {
            char f[4200];
            snprintf(f, sizeof f, "%s/entry-%03d", path, i);
            close(open(f, O_WRONLY | O_CREAT, 0644));
        }
    }

    /* a tenth of the iterations untimed first (at most a tenth of the time budget): caches, TLBs
     * and JIT tiers warm up */
    long long w0 = now_ns();
    for (long i = 0; i < n / 10; i++) {
        if (run(i)) { fprintf(stderr, "%s failed\n", name); return 1; }
        if ((i & 15) == 15 && now_ns() - w0 > budget / 10) break;
    }
    /* The timed loop runs N operations, and goes on until it has lasted at least 50 ms (a host
     * whose clock ticks in milliseconds, @wasmer/wasi's, still gets a value within a few percent),
     * but stops once the time budget is spent (a slow runner still finishes). The clock is read
     * after chunks of 1, 2, 4, ... up to N/16 operations: a few dozen reads in all. */
    long long t0 = now_ns(), t1 = t0, done = 0, chunk = 1, cap = n / 16 > 1 ? n / 16 : 1;
    while ((done < n || t1 - t0 < 50000000LL) && !(done > 0 && t1 - t0 >= budget)) {
        for (long long k = 0; k < chunk; k++, done++) if (run((long)done)) { fprintf(stderr, "%s failed\n", name); return 1; }
        t1 = now_ns();
        if (chunk < cap) chunk *= 2;
    }
    if (fd >= 0) close(fd);
#ifndef __wasi__
    if (!strcmp(name, "pipe_pingpong")) pipe_teardown();
#endif
    if (!strcmp(name, "write4k_file") || !strcmp(name, "read4k_file") || !strcmp(name, "fstat") ||
        !strcmp(name, "stat") || !strcmp(name, "openclose")) { snprintf(path, sizeof path, "%s/micro-file", dir); unlink(path); }
    /* ns per operation, with one decimal, in integer arithmetic */
    long long tenths = (t1 - t0) * 10 / (done ? done : 1);
    printf("%s %lld.%lld ns/op\n", name, tenths / 10, tenths % 10);
    return 0;
}
