/* wasl's syscall and CPU microbenchmarks: `micro NAME ITERATIONS [DIR]` runs one benchmark and
 * prints "NAME VALUE UNIT" (ns per operation, measured inside the program with
 * CLOCK_MONOTONIC). The same binary runs natively, under wasl and under qemu-x86_64.
 * Integer arithmetic only in the reporting (no floating point in printf). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static long raw_getppid(void) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
    return r;
}

static volatile unsigned long sink;

/* One function per benchmark, chosen once: the timed loop is nothing but calls to it. */
static int fd = -1;
static char path[4096], buf[4096];

static int b_null(long i) { (void)i; raw_getppid(); return 0; }
static int b_read1_devzero(long i) { (void)i; return read(fd, buf, 1) != 1; }
static int b_write1_devnull(long i) { (void)i; return write(fd, buf, 1) != 1; }
static int b_read4k_file(long i) { return pread(fd, buf, 4096, (i & 255) * 4096) != 4096; }
static int b_write4k_file(long i) { return pwrite(fd, buf, 4096, (i & 255) * 4096) != 4096; }
static int b_openclose(long i) { (void)i; int f = open(path, O_RDONLY | O_CREAT, 0644); if (f < 0) return 1; return close(f); }
static int b_stat(long i) { (void)i; struct stat st; return stat(path, &st); }
static int b_fstat(long i) { (void)i; struct stat st; return fstat(fd, &st); }
static int b_getdents100(long i) {
    (void)i;
    DIR *d = opendir(path);
    int k = 0;
    while (readdir(d)) k++;
    closedir(d);
    return k != 102;
}
static int b_clock_gettime(long i) { (void)i; struct timespec t; return clock_gettime(CLOCK_MONOTONIC, &t); }
static int b_sched_yield(long i) { (void)i; return sched_yield(); }
static int b_mmap64k(long i) {
    (void)i;
    char *p = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int k = 0; k < 65536; k += 4096) p[k] = 1;
    return munmap(p, 65536);
}
/* 12 rounds of xorshift and a multiply-add: about 100 simple integer instructions */
static int b_compute(long i) {
    unsigned long x = i + 88172645463325252ul, s = 0;
    for (int k = 0; k < 12; k++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; s = s * 31 + x; }
    sink += s;
    return 0;
}

static const struct { const char *name; int (*run)(long); } BENCHES[] = {
    {"null", b_null}, {"read1_devzero", b_read1_devzero}, {"write1_devnull", b_write1_devnull},
    {"read4k_file", b_read4k_file}, {"write4k_file", b_write4k_file}, {"openclose", b_openclose},
    {"stat", b_stat}, {"fstat", b_fstat}, {"getdents100", b_getdents100},
    {"clock_gettime", b_clock_gettime}, {"sched_yield", b_sched_yield}, {"mmap64k", b_mmap64k},
    {"compute", b_compute},
};

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: micro NAME ITERATIONS [DIR]\n"); return 2; }
    const char *name = argv[1];
    long n = atol(argv[2]);
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    memset(buf, 'x', sizeof buf);
    int (*run)(long) = 0;
    for (unsigned k = 0; k < sizeof BENCHES / sizeof BENCHES[0]; k++) if (!strcmp(BENCHES[k].name, name)) run = BENCHES[k].run;
    if (!run) { fprintf(stderr, "unknown benchmark %s\n", name); return 2; }
    snprintf(path, sizeof path, "%s/micro-file", dir);

    /* set-up outside the timed loop */
    if (!strcmp(name, "read1_devzero")) fd = open("/dev/zero", O_RDONLY);
    if (!strcmp(name, "write1_devnull")) fd = open("/dev/null", O_WRONLY);
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

    /* a tenth of the iterations untimed first: caches, TLBs and JIT tiers warm up */
    for (long i = 0; i < n / 10; i++) if (run(i)) { fprintf(stderr, "%s failed\n", name); return 1; }
    long t0 = now_ns();
    for (long i = 0; i < n; i++) if (run(i)) { fprintf(stderr, "%s failed\n", name); return 1; }
    long t1 = now_ns();
    if (fd >= 0) close(fd);
    if (!strcmp(name, "write4k_file") || !strcmp(name, "read4k_file") || !strcmp(name, "fstat") ||
        !strcmp(name, "stat") || !strcmp(name, "openclose")) { snprintf(path, sizeof path, "%s/micro-file", dir); unlink(path); }
    /* ns per operation, with one decimal, in integer arithmetic */
    long tenths = (t1 - t0) * 10 / (n ? n : 1);
    printf("%s %ld.%ld ns/op\n", name, tenths / 10, tenths % 10);
    return 0;
}
