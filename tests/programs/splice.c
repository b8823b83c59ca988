/* copy_file_range, splice, tee, SEEK_DATA/SEEK_HOLE on files without holes, and (with argument
 * "tmpfile") O_TMPFILE with linkat(AT_EMPTY_PATH) and /proc/self/fd linking: counts, offsets,
 * contents (as checksums) and errno values. Works in the current directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRY(call) do { errno = 0; long r_ = (long)(call); if (r_ < 0) printf("%-72s = %ld errno %d\n", #call, r_, errno); else printf("%-72s = %ld\n", #call, r_); } while (0)

static unsigned sum(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    unsigned char b[4096];
    unsigned s = 0;
    ssize_t n;
    while ((n = read(fd, b, sizeof b)) > 0) for (ssize_t i = 0; i < n; i++) s = s * 31 + b[i];
    close(fd);
    return s;
}

static void info(const char *path) {
    struct stat st;
    if (stat(path, &st)) { printf("%s: errno %d\n", path, errno); return; }
    printf("%s: size %ld nlink %ld perm %04o sum %08x\n", path, (long)st.st_size, (long)st.st_nlink, st.st_mode & 07777, sum(path));
}

static long pos(int fd) { return (long)lseek(fd, 0, SEEK_CUR); }

static void drain(int fd, const char *what) {
    char b[8192];
    ssize_t n = read(fd, b, sizeof b);
    unsigned s = 0;
    for (ssize_t i = 0; i < n; i++) s = s * 31 + (unsigned char)b[i];
    printf("%s: read %zd sum %08x\n", what, n, s);
}

static int tmpfile_part(void) {
    umask(022);
    int fd = open(".", O_TMPFILE | O_RDWR, 0640);
    printf("O_TMPFILE|O_RDWR: %s\n", fd >= 0 ? "ok" : "failed");
    if (fd < 0) { printf("errno %d\n", errno); return 1; }
    TRY(write(fd, "anonymous", 9));
    struct stat st;
    if (fstat(fd, &st) == 0) printf("fstat: nlink %ld perm %04o size %ld\n", (long)st.st_nlink, st.st_mode & 07777, (long)st.st_size);
    TRY(linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH));
    info("named");
    TRY(write(fd, "+more", 5));
    info("named");
    TRY(linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH));
    TRY(linkat(fd, "", AT_FDCWD, "again", AT_EMPTY_PATH));
    info("again");
    close(fd);

    int fd2 = open(".", O_TMPFILE | O_WRONLY, 0600);
    TRY(write(fd2, "via proc", 8));
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd2);
    TRY(linkat(AT_FDCWD, p, AT_FDCWD, "viaproc", AT_SYMLINK_FOLLOW));
    info("viaproc");
    close(fd2);

    int fd3 = open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600);
    TRY(write(fd3, "never named", 11));
    TRY(linkat(fd3, "", AT_FDCWD, "excl", AT_EMPTY_PATH));
    close(fd3);
    info("excl");

    int fd4 = open("unlinked", O_CREAT | O_RDWR, 0600);
    TRY(unlink("unlinked"));
    TRY(linkat(fd4, "", AT_FDCWD, "relinked", AT_EMPTY_PATH));
    close(fd4);

    TRY(open(".", O_TMPFILE | O_RDONLY, 0600));
    TRY(open(".", O_TMPFILE | O_RDWR | O_CREAT, 0600));
    TRY(open("named", O_TMPFILE | O_RDWR, 0600));
    TRY(open("missing", O_TMPFILE | O_RDWR, 0600));
    TRY(open("named/x", O_TMPFILE | O_RDWR, 0600));
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && !strcmp(argv[1], "tmpfile")) return tmpfile_part();
    umask(022);
    {
        int fd = open("src", O_CREAT | O_WRONLY | O_TRUNC, 0644);
        char b[10000];
        for (int i = 0; i < 10000; i++) b[i] = (char)(i * 7 + i / 13);
        if (write(fd, b, sizeof b) != sizeof b) return 1;
        close(fd);
    }
    info("src");

    printf("-- copy_file_range\n");
    int in = open("src", O_RDONLY), out = open("dst", O_CREAT | O_RDWR | O_TRUNC, 0644);
    TRY(copy_file_range(in, NULL, out, NULL, 4000, 0));
    printf("positions %ld %ld\n", pos(in), pos(out));
    loff_t oi = 100, oo = 5000;
    TRY(copy_file_range(in, &oi, out, &oo, 3000, 0));
    printf("offsets %ld %ld positions %ld %ld\n", (long)oi, (long)oo, pos(in), pos(out));
    TRY(copy_file_range(in, NULL, out, NULL, 100000, 0));
    printf("positions %ld %ld\n", pos(in), pos(out));
    TRY(copy_file_range(in, NULL, out, NULL, 100, 0));
    oi = 20000;
    TRY(copy_file_range(in, &oi, out, NULL, 100, 0));
    info("dst");
    TRY(copy_file_range(in, NULL, out, NULL, 100, 1));
    oi = -1;
    TRY(copy_file_range(in, &oi, out, NULL, 100, 0));
    TRY(copy_file_range(out, NULL, in, NULL, 100, 0));
    int app = open("dst", O_WRONLY | O_APPEND);
    TRY(copy_file_range(in, NULL, app, NULL, 100, 0));
    close(app);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    TRY(copy_file_range(dir, NULL, out, NULL, 100, 0));
    close(dir);
    int p[2];
    if (pipe(p)) return 1;
    TRY(copy_file_range(p[0], NULL, out, NULL, 100, 0));
    TRY(copy_file_range(in, NULL, p[1], NULL, 100, 0));
    oi = 0; oo = 100;
    TRY(copy_file_range(out, &oi, out, &oo, 1000, 0));
    oi = 0; oo = 2000;
    TRY(copy_file_range(out, &oi, out, &oo, 1000, 0));
    TRY(copy_file_range(in, NULL, out, NULL, 0, 0));
    TRY(copy_file_range(99, NULL, out, NULL, 10, 0));
    info("dst");
    close(out);

    printf("-- splice\n");
    loff_t off = 1000;
    TRY(splice(in, &off, p[1], NULL, 5000, 0));
    printf("offset %ld position %ld\n", (long)off, pos(in));
    drain(p[0], "pipe");
    TRY(lseek(in, 9000, SEEK_SET));
    TRY(splice(in, NULL, p[1], NULL, 5000, 0));
    printf("position %ld\n", pos(in));
    TRY(splice(in, NULL, p[1], NULL, 5000, 0));
    drain(p[0], "pipe");
    TRY(write(p[1], "0123456789abcdef", 16));
    out = open("spliced", O_CREAT | O_RDWR | O_TRUNC, 0644);
    TRY(splice(p[0], NULL, out, NULL, 10, 0));
    off = 100;
    TRY(splice(p[0], NULL, out, &off, 100, 0));
    printf("offset %ld position %ld\n", (long)off, pos(out));
    info("spliced");
    TRY(splice(p[0], NULL, out, NULL, 10, SPLICE_F_NONBLOCK));
    off = 0;
    TRY(splice(p[0], &off, out, NULL, 10, 0));
    TRY(splice(in, NULL, p[1], &off, 10, 0));
    TRY(splice(in, NULL, out, NULL, 10, 0));
    TRY(splice(p[0], NULL, p[1], NULL, 10, 0));
    TRY(splice(p[0], NULL, out, NULL, 10, 0x100));
    TRY(splice(p[0], NULL, out, NULL, 0, 0));
    app = open("spliced", O_WRONLY | O_APPEND);
    TRY(write(p[1], "x", 1));
    TRY(splice(p[0], NULL, app, NULL, 10, 0));
    close(app);
    drain(p[0], "pipe");
    int q[2];
    if (pipe(q)) return 1;
    TRY(write(p[1], "pipe to pipe, moved", 19));
    TRY(splice(p[0], NULL, q[1], NULL, 7, 0));
    drain(q[0], "second pipe");
    drain(p[0], "first pipe");

    printf("-- tee\n");
    TRY(write(p[1], "hello tee", 9));
    TRY(tee(p[0], q[1], 100, 0));
    TRY(tee(p[0], q[1], 4, 0));
    drain(q[0], "copy");
    drain(p[0], "original");
    TRY(tee(p[0], q[1], 100, SPLICE_F_NONBLOCK));
    TRY(tee(p[0], p[1], 100, 0));
    TRY(tee(in, q[1], 100, 0));
    TRY(tee(p[0], q[1], 100, 0x100));
    close(p[1]);
    TRY(tee(p[0], q[1], 100, 0));
    TRY(splice(p[0], NULL, out, NULL, 10, 0));
    close(out);

    printf("-- SEEK_DATA and SEEK_HOLE\n");
    TRY(lseek(in, 0, SEEK_DATA));
    TRY(lseek(in, 5000, SEEK_DATA));
    TRY(lseek(in, 0, SEEK_HOLE));
    TRY(lseek(in, 9999, SEEK_HOLE));
    TRY(lseek(in, 10000, SEEK_DATA));
    TRY(lseek(in, 10000, SEEK_HOLE));
    TRY(lseek(in, 20000, SEEK_DATA));
    TRY(lseek(in, -1, SEEK_DATA));
    printf("position %ld\n", pos(in));
    int empty = open("empty", O_CREAT | O_RDWR, 0644);
    TRY(lseek(empty, 0, SEEK_DATA));
    TRY(lseek(empty, 0, SEEK_HOLE));
    TRY(lseek(p[0], 0, SEEK_DATA));
    return 0;
}
