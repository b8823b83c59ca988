/* Descriptors on a read-only mount, fallocate, and pivot_root(2), as root in a private mount
 * namespace (natively under `unshare -m`): the f* forms (fchmod, fchown, futimens, ftruncate,
 * fallocate, fsetxattr, fremovexattr, write) on descriptors opened before and on a read-only bind
 * mount of a directory of the host, a read-only remount while a file is open for writing, then
 * pivot_root's errors (ENOENT, ENOTDIR, EBUSY, EINVAL, EPERM) and a pivot into a tmpfs, with
 * another process whose cwd was elsewhere and one whose cwd was the old root. Works in the
 * current directory (a scratch directory); prints no inode or device numbers and no paths that
 * differ between runs. Nothing after the pivot touches /proc, /dev or /sys (natively they are
 * gone with the old root). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10 /* linux/falloc.h; musl's fcntl.h lacks it */
#endif

#define TRY(call) do { errno = 0; long r_ = (long)(call); if (r_ < 0) printf("%-64s = %ld errno %d\n", #call, r_, errno); else printf("%-64s = %ld\n", #call, r_); } while (0)

static char cwd[PATH_MAX];

static int pivot_root(const char *new_root, const char *put_old) { return syscall(SYS_pivot_root, new_root, put_old); }

static void put(const char *path, const char *text) {
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) { printf("create %s: errno %d\n", path, errno); return; }
    if (write(fd, text, strlen(text)) < 0) printf("write %s: errno %d\n", path, errno);
    close(fd);
    printf("create %s: ok\n", path);
}

static void get(const char *path) {
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("read %s: errno %d\n", path, errno); return; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("read %s: %zd \"%s\"\n", path, n, buf);
}

static void size(const char *path) {
    struct stat st;
    if (stat(path, &st)) printf("size %s: errno %d\n", path, errno);
    else printf("size %s: %ld\n", path, (long)st.st_size);
}

/* The same file by path and by descriptor: do stat, fstat and fstatat(AT_EMPTY_PATH) agree? */
static void agree(const char *path, int fd) {
    struct stat a, b, c;
    if (stat(path, &a) || fstat(fd, &b) || fstatat(fd, "", &c, AT_EMPTY_PATH)) { printf("agree %s: errno %d\n", path, errno); return; }
    printf("agree %s: dev %d ino %d mode %d uid %d\n", path, a.st_dev == b.st_dev && b.st_dev == c.st_dev,
        a.st_ino == b.st_ino && b.st_ino == c.st_ino, a.st_mode == b.st_mode && b.st_mode == c.st_mode, a.st_uid == b.st_uid);
}

static void fforms(const char *what, int fd, int xattrs) {
    printf("%s:\n", what);
    struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
    TRY(fchmod(fd, 0600));
    TRY(fchown(fd, 0, 0));
    TRY(futimens(fd, ts));
    TRY(futimens(fd, NULL));
    TRY(ftruncate(fd, 1));
    TRY(fallocate(fd, 0, 0, 4096));
    /* Only where they fail before the filesystem is asked: host files have no xattrs in wasl. */
    if (xattrs) TRY(fsetxattr(fd, "user.k", "v", 1, 0));
    if (xattrs) TRY(fremovexattr(fd, "user.k"));
    TRY(write(fd, "x", 1));
    TRY(pwrite(fd, "x", 1, 0));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    if (!getcwd(cwd, sizeof cwd)) return 1;
    TRY(mkdir("h", 0755));
    TRY(mkdir("ro", 0755));
    put("h/f", "host file");

    printf("-- descriptors on a read-only bind mount\n");
    int early = open("h/f", O_RDWR);
    TRY(mount("h", "ro", NULL, MS_BIND, NULL));
    int writer = open("ro/f", O_RDWR);
    TRY(mount(NULL, "ro", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL)); /* a writer is open: EBUSY */
    close(writer);
    TRY(mount(NULL, "ro", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL));
    int rd = open("ro/f", O_RDONLY);
    int path = open("ro/f", O_PATH);
    int dir = open("ro", O_RDONLY | O_DIRECTORY);
    TRY(open("ro/f", O_RDWR));
    TRY(open("ro/f", O_RDONLY | O_TRUNC));
    agree("ro/f", rd);
    fforms("O_RDONLY on the read-only mount", rd, 1);
    fforms("O_PATH on the read-only mount", path, 1);
    fforms("the directory", dir, 1);
    TRY(fchmodat(dir, "f", 0600, 0));
    TRY(utimensat(dir, "f", NULL, 0));
    TRY(access("ro/f", W_OK));
    TRY(access("ro/f", R_OK));
    TRY(truncate("ro/f", 0));
    TRY(setxattr("ro/f", "user.k", "v", 1, 0));
    fforms("O_RDWR opened before, on the writable mount", early, 0);
    get("ro/f");
    size("h/f");
    close(rd); close(path); close(dir); close(early);
    TRY(umount("ro"));

    printf("-- fallocate\n");
    int fa = open("h/g", O_CREAT | O_RDWR | O_TRUNC, 0644);
    TRY(write(fa, "abcdefgh", 8));
    TRY(fallocate(fa, 0, 4, 10));
    size("h/g");
    TRY(fallocate(fa, FALLOC_FL_KEEP_SIZE, 0, 100));
    size("h/g");
    TRY(fallocate(fa, FALLOC_FL_PUNCH_HOLE, 0, 2));
    TRY(fallocate(fa, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1, 2));
    TRY(fallocate(fa, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE, 0, 2));
    TRY(pwrite(fa, "ijklmnop", 8, 14));
    TRY(fallocate(fa, FALLOC_FL_ZERO_RANGE, 12, 4));
    TRY(fallocate(fa, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 20, 8));
    TRY(fallocate(fa, FALLOC_FL_ZERO_RANGE, 22, 4));
    size("h/g");
    TRY(fallocate(fa, 0x100, 0, 1));
    TRY(fallocate(fa, 0, -1, 1));
    TRY(fallocate(fa, 0, 0, 0));
    TRY(fallocate(fa, 0, 0x7fffffffffffffffLL, 1));
    TRY(fallocate(-1, 0, 0, 1));
    close(fa);
    char buf[40] = {0};
    fa = open("h/g", O_RDONLY);
    ssize_t n = read(fa, buf, sizeof buf);
    printf("h/g: %zd bytes:", n);
    for (ssize_t i = 0; i < n; i++) printf(" %02x", (unsigned char)buf[i]);
    printf("\n");
    TRY(fallocate(fa, 0, 0, 1));
    close(fa);
    int pp[2];
    if (pipe(pp)) return 1;
    TRY(fallocate(pp[1], 0, 0, 1));
    TRY(fallocate(pp[0], 0, 0, 1));

    printf("-- pivot_root errors\n");
    TRY(mkdir("new", 0755));
    TRY(mkdir("other", 0755));
    TRY(mount("none", "new", "tmpfs", 0, "mode=755"));
    TRY(mount("none", "other", "tmpfs", 0, NULL));
    TRY(mkdir("new/old", 0755));
    TRY(mkdir("new/sub", 0755));
    put("new/file", "in the new root");
    TRY(pivot_root("missing", "new/old"));
    TRY(pivot_root("new", "missing"));
    TRY(pivot_root("h/f", "new/old"));
    TRY(pivot_root("new", "h/f"));
    TRY(pivot_root("", "new/old"));
    TRY(pivot_root("new/sub", "new/sub"));   /* not a mount point */
    TRY(pivot_root("new", "other"));          /* put_old not under new_root */
    TRY(pivot_root("new", "/"));              /* put_old on the current root mount */
    TRY(pivot_root("new", "new/old/x"));
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        if (setgid(65534) || setuid(65534)) { printf("setuid: errno %d\n", errno); _exit(1); }
        TRY(pivot_root("new", "new/old"));
        TRY(pivot_root("missing", "missing"));
        _exit(0);
    }
    int ws;
    waitpid(p, &ws, 0);
    fflush(stdout);
    p = fork();
    if (p == 0) {
        /* A root that is not a mount's root (a chroot into a subdirectory): EINVAL. */
        TRY(mkdir("new/sub/m", 0755));
        TRY(mount("none", "new/sub/m", "tmpfs", 0, NULL));
        TRY(chroot("new/sub"));
        TRY(chdir("/"));
        TRY(pivot_root("/m", "/m"));
        _exit(0);
    }
    waitpid(p, &ws, 0);
    TRY(umount2("new/sub/m", MNT_DETACH));

    printf("-- pivot_root\n");
    put("marker", "in the old root");
    int go[2], go2[2], done[2];
    if (pipe(go) || pipe(go2) || pipe(done)) return 1;
    fflush(stdout);
    pid_t other = fork(); /* its cwd is the scratch directory, below the old root */
    if (other == 0) {
        char c, here[PATH_MAX];
        if (read(go[0], &c, 1) != 1) _exit(1);
        if (!getcwd(here, sizeof here)) printf("other: getcwd errno %d\n", errno);
        else printf("other: cwd is /old + the scratch directory: %d\n", !strncmp(here, "/old/", 5) && !strcmp(here + 4, cwd));
        get("/file");
        get("marker");
        _exit(0);
    }
    pid_t atroot = fork(); /* its cwd is the old root itself */
    if (atroot == 0) {
        char c, here[PATH_MAX];
        if (chdir("/")) _exit(1);
        if (write(done[1], "x", 1) != 1) _exit(1);
        if (read(go2[0], &c, 1) != 1) _exit(1);
        printf("atroot: getcwd %s\n", getcwd(here, sizeof here) ? here : "error");
        get("file");
        _exit(0);
    }
    char c;
    if (read(done[0], &c, 1) != 1) return 1;
    TRY(chdir("new"));
    TRY(pivot_root(".", "old"));
    char here[PATH_MAX];
    printf("getcwd: %s\n", getcwd(here, sizeof here) ? here : "error");
    get("/file");
    get("file");
    char old[PATH_MAX + 16];
    snprintf(old, sizeof old, "/old%s/marker", cwd);
    int om = open(old, O_RDONLY);
    char ob[32] = {0};
    printf("old marker: %zd \"%s\"\n", om < 0 ? -errno : read(om, ob, sizeof ob - 1), ob);
    if (om >= 0) close(om);
    TRY(pivot_root(".", "."));                /* new_root is the root mount now: EBUSY */
    TRY(pivot_root("/", "/old"));
    if (write(go[1], "x", 1) != 1) return 1;
    waitpid(other, &ws, 0);
    if (write(go2[1], "x", 1) != 1) return 1;
    waitpid(atroot, &ws, 0);
    TRY(umount2("/old", MNT_DETACH));
    TRY(access(old, F_OK));
    TRY(mkdir("/n2", 0755));
    TRY(mount("none", "/n2", "tmpfs", 0, NULL));
    put("/n2/z", "second root");
    TRY(chdir("/n2"));
    TRY(pivot_root(".", "."));                /* the old root stacked on the new one */
    TRY(umount2(".", MNT_DETACH));
    printf("getcwd: %s\n", getcwd(here, sizeof here) ? here : "error");
    get("/z");
    get("/file");
    return 0;
}
