/* statx against stat for the same files, and statfs's type: prints only relations and values
 * that are the same natively and under wasl. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <sys/syscall.h>

/* The kernel's struct statx (include/uapi/linux/stat.h), declared here: musl 1.2.3 has no
 * wrapper, so both libcs call the syscall directly. */
struct kstatx_ts { long long tv_sec; unsigned tv_nsec; int pad; };
struct kstatx {
    unsigned stx_mask, stx_blksize; unsigned long long stx_attributes;
    unsigned stx_nlink, stx_uid, stx_gid; unsigned short stx_mode, pad1;
    unsigned long long stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct kstatx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    unsigned stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    unsigned long long spare[14];
};
#define KSTATX_BASIC_STATS 0x7ffu
#define MKDEV(ma, mi) ((((unsigned long long)(ma) & 0xfff) << 8) | ((mi) & 0xff) | (((unsigned long long)(mi) & ~0xffu) << 12) | (((unsigned long long)(ma) & ~0xfffu) << 32))

static void check(const char *path, int flags) {
    struct stat st;
    struct kstatx sx;
    int a = fstatat(AT_FDCWD, path, &st, flags);
    int b = (int)syscall(SYS_statx, AT_FDCWD, path, flags, KSTATX_BASIC_STATS, &sx);
    if (a || b) { printf("%s: stat %d statx %d\n", path, a, b); return; }
    printf("%s: mode %o==%o nlink %d size %d ino %d uid %d mtime %d.%d blocks %d dev %d rdev %d mask %x\n", path,
           sx.stx_mode, st.st_mode, sx.stx_nlink == st.st_nlink, sx.stx_size == (unsigned long long)st.st_size,
           sx.stx_ino == st.st_ino, sx.stx_uid == st.st_uid,
           sx.stx_mtime.tv_sec == st.st_mtim.tv_sec, sx.stx_mtime.tv_nsec == (unsigned)st.st_mtim.tv_nsec,
           sx.stx_blocks == (unsigned long long)st.st_blocks,
           MKDEV(sx.stx_dev_major, sx.stx_dev_minor) == st.st_dev, MKDEV(sx.stx_rdev_major, sx.stx_rdev_minor) == st.st_rdev,
           sx.stx_mask & KSTATX_BASIC_STATS);
}

int main(int argc, char **argv) {
    check(argv[0], 0);
    check(".", 0);
    check("/dev/null", 0);
    check("/proc/self/exe", AT_SYMLINK_NOFOLLOW);
    check("/nonexistent", 0);
    struct statfs fs1, fs2;
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    /* The calls first: printf's arguments have no order of evaluation (gcc goes right to left,
       so the comparison used to read the buffers before either call had filled them). */
    int r1 = statfs(".", &fs1), r2 = fstatfs(fd, &fs2);
    printf("statfs: %d fstatfs: %d same type: %d\n", r1, r2, fs1.f_type == fs2.f_type);
    return 0;
}
