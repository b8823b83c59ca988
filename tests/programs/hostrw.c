/* read, write, pread and pwrite of a host file with buffers that cross pages (tests/hostrw.test.ts):
 * wasl moves a regular host file's bytes straight between the file and guest memory, one host
 * call on the guest's pages (lxcore/syscalls/sys_io.ts's direct path). Unaligned buffers over many
 * pages, odd sizes, reads at and past the end, a read into a page shared with a forked child
 * (copy-on-write: the parent's copy must not change), appending writes, and the file position
 * after each; checksums and counts printed, compared with native. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned sum(const unsigned char *p, long n) { unsigned s = 0; for (long i = 0; i < n; i++) s = s * 31 + p[i]; return s; }

int main(void) {
    char path[] = "/tmp/wasl-hostrw-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { perror("mkstemp"); return 1; }
    unlink(path);
    enum { SIZE = 300000 };
    unsigned char *pat = malloc(SIZE);
    for (int i = 0; i < SIZE; i++) pat[i] = (unsigned char)(i * 7 + (i >> 9));
    printf("write %zd\n", write(fd, pat, SIZE));
    printf("pos %ld\n", (long)lseek(fd, 0, SEEK_CUR));

    unsigned char *big = malloc(SIZE + 64);
    unsigned char *b = big + 13; /* unaligned, over many pages */
    ssize_t n = pread(fd, b, 200000, 5);
    printf("pread 200000 at 5: %zd sum %08x\n", n, sum(b, n > 0 ? n : 0));
    n = pread(fd, b, 5000, SIZE - 100);
    printf("pread past the end: %zd sum %08x\n", n, sum(b, n > 0 ? n : 0));
    printf("pread at the end: %zd\n", pread(fd, b, 10, SIZE));
    printf("pread far past the end: %zd\n", pread(fd, b, 10, SIZE * 3));

    lseek(fd, 0, SEEK_SET);
    int sizes[] = { 4099, 1, 8191, 65537, 4096, 3, 300000 };
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        n = read(fd, b, sizes[i]);
        printf("read %d: %zd sum %08x pos %ld\n", sizes[i], n, sum(b, n > 0 ? n : 0), (long)lseek(fd, 0, SEEK_CUR));
    }
    printf("read at the end: %zd\n", read(fd, b, 100));

    /* writes from unaligned buffers over pages, then read back */
    for (int i = 0; i < 70000; i++) b[i] = (unsigned char)(i ^ (i >> 8));
    printf("pwrite 70000 at 4000: %zd\n", pwrite(fd, b + 1, 70000 - 1, 4000));
    lseek(fd, 123, SEEK_SET);
    n = write(fd, b + 4095, 12345);
    printf("write 12345 at 123: %zd pos %ld\n", n, (long)lseek(fd, 0, SEEK_CUR));
    lseek(fd, SIZE + 5000, SEEK_SET);
    n = write(fd, b, 9000);
    printf("write past the end: %zd pos %ld\n", n, (long)lseek(fd, 0, SEEK_CUR));
    struct stat st;
    fstat(fd, &st);
    printf("size %lld\n", (long long)st.st_size);
    memset(big, 0, SIZE + 64);
    n = pread(fd, big, SIZE + 20000, 0);
    printf("whole file: %zd sum %08x\n", n, sum(big, n > 0 ? n : 0));

    /* copy-on-write: the child's read must not show in the parent's pages */
    unsigned char *page = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(page, 'A', 3 * 4096);
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        ssize_t k = pread(fd, page + 100, 8000, 50);
        printf("child read %zd sum %08x\n", k, sum(page, 3 * 4096));
        fflush(stdout);
        _exit(0);
    }
    waitpid(p, 0, 0);
    printf("parent's pages after the child's read: sum %08x\n", sum(page, 3 * 4096));

    /* appending writes */
    int fa = open("/proc/self/fd/3", O_WRONLY | O_APPEND);
    if (fa < 0) { char q[64]; snprintf(q, sizeof q, "/proc/self/fd/%d", fd); fa = open(q, O_WRONLY | O_APPEND); }
    n = write(fa, b, 5000);
    printf("append: %zd pos %ld\n", n, (long)lseek(fa, 0, SEEK_CUR));
    fstat(fd, &st);
    printf("size %lld\n", (long long)st.st_size);
    return 0;
}
