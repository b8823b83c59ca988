/* Every field of struct stat and struct statx for host files, by path and by descriptor
 * (tests/hoststat.test.ts): `statfields prepare DIR` makes the files once (natively): a file with
 * an atime before 1970 and an mtime with 999999999 ns, a sparse file past 2^40 bytes, a hard link,
 * a directory, a symlink, a FIFO; `statfields show DIR` prints stat, lstat, fstat, fstatat
 * (AT_EMPTY_PATH) and statx of each, and of /, run natively and under wasl on the
 * same files, so inode numbers, devices and times are the same on both sides. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void put(const char *how, const char *name, int r, const struct stat *s) {
    if (r) { printf("%s %s: error\n", how, name); return; }
    printf("%s %s: dev %llu ino %llu nlink %llu mode %o uid %u gid %u rdev %llu size %lld blksize %ld blocks %lld "
           "atime %lld.%09ld mtime %lld.%09ld ctime %lld.%09ld\n", how, name,
           (unsigned long long)s->st_dev, (unsigned long long)s->st_ino, (unsigned long long)s->st_nlink,
           s->st_mode, s->st_uid, s->st_gid, (unsigned long long)s->st_rdev, (long long)s->st_size,
           (long)s->st_blksize, (long long)s->st_blocks,
           (long long)s->st_atim.tv_sec, s->st_atim.tv_nsec, (long long)s->st_mtim.tv_sec, s->st_mtim.tv_nsec,
           (long long)s->st_ctim.tv_sec, s->st_ctim.tv_nsec);
}

static void show(int dirfd, const char *name) {
    struct stat s;
    put("stat", name, fstatat(dirfd, name, &s, 0), &s);
    put("lstat", name, fstatat(dirfd, name, &s, AT_SYMLINK_NOFOLLOW), &s);
    int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK);
    if (fd >= 0) {
        put("fstat", name, fstat(fd, &s), &s);
        put("empty-path", name, fstatat(fd, "", &s, AT_EMPTY_PATH), &s);
        close(fd);
    }
    fd = openat(dirfd, name, O_PATH | O_NOFOLLOW);
    if (fd >= 0) { put("fstat(O_PATH|O_NOFOLLOW)", name, fstat(fd, &s), &s); close(fd); }
    struct statx x;
    if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &x)) { printf("statx %s: error\n", name); return; }
    printf("statx %s: mask-basic %x blksize %u nlink %u uid %u gid %u mode %o ino %llu size %llu blocks %llu "
           "atime %lld.%09u mtime %lld.%09u ctime %lld.%09u rdev %u:%u dev %u:%u\n", name,
           x.stx_mask & STATX_BASIC_STATS, x.stx_blksize, x.stx_nlink, x.stx_uid, x.stx_gid, x.stx_mode,
           (unsigned long long)x.stx_ino, (unsigned long long)x.stx_size, (unsigned long long)x.stx_blocks,
           (long long)x.stx_atime.tv_sec, x.stx_atime.tv_nsec, (long long)x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec,
           (long long)x.stx_ctime.tv_sec, x.stx_ctime.tv_nsec, x.stx_rdev_major, x.stx_rdev_minor,
           x.stx_dev_major, x.stx_dev_minor);
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    int dirfd = open(argv[2], O_RDONLY | O_DIRECTORY);
    if (dirfd < 0) { perror(argv[2]); return 1; }
    if (!strcmp(argv[1], "prepare")) {
        int fd = openat(dirfd, "f", O_WRONLY | O_CREAT | O_TRUNC, 0640);
        if (fd < 0 || write(fd, "hello", 5) != 5) return 1;
        close(fd);
        struct timespec ts[2] = { { -2, 123456789 }, { 1700000000, 999999999 } };
        if (utimensat(dirfd, "f", ts, 0)) perror("utimensat");
        fd = openat(dirfd, "sparse", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || ftruncate(fd, (1LL << 40) + 3) || pwrite(fd, "x", 1, 1LL << 32) != 1) return 1;
        close(fd);
        if (linkat(dirfd, "f", dirfd, "hardlink", 0)) perror("link");
        if (mkdirat(dirfd, "d", 0751)) perror("mkdir");
        if (symlinkat("f", dirfd, "l")) perror("symlink");
        if (mkfifoat(dirfd, "p", 0604)) perror("mkfifo");
        return 0;
    }
    const char *names[] = { "f", "sparse", "hardlink", "d", "l", "p", ".", "/" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) show(dirfd, names[i]);
    return 0;
}
