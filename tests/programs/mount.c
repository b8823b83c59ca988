/* mount(2), umount2(2) and chroot(2) with their errors, as root in a private mount namespace
 * (natively under `unshare -m`): tmpfs mounts and their options, busy mounts, MNT_DETACH,
 * read-only, bind mounts (MS_REC, per-mount ro), MS_MOVE, noexec, nodev, propagation types,
 * /proc/self/mounts rows, the unprivileged answers, and a chroot. Works in the current
 * directory (a scratch directory); prints nothing that differs between filesystems (no inode or
 * device numbers, only whether two are equal). `prog hi` just prints hi (the exec target). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRY(call) do { errno = 0; long r_ = (long)(call); if (r_ < 0) printf("%-64s = %ld errno %d\n", #call, r_, errno); else printf("%-64s = %ld\n", #call, r_); } while (0)

static char cwd[PATH_MAX];

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

/* The /proc/self/mounts row whose mount point is cwd/rel: its type and the options every kernel
 * shows alike (inode64 depends on the kernel's version). */
static void row(const char *rel) {
    char want[PATH_MAX + 8], line[1024];
    snprintf(want, sizeof want, "%s/%s", cwd, rel);
    FILE *f = fopen("/proc/self/mounts", "r");
    if (!f) { printf("mounts: errno %d\n", errno); return; }
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        char src[256], point[PATH_MAX], type[64], opts[512];
        if (sscanf(line, "%255s %4095s %63s %511s", src, point, type, opts) != 4 || strcmp(point, want)) continue;
        char shown[512] = "";
        for (char *o = strtok(opts, ","); o; o = strtok(NULL, ",")) {
            if (!strcmp(o, "inode64") || !strcmp(o, "inode32")) continue;
            strcat(shown, *shown ? "," : ""); strcat(shown, o);
        }
        printf("row %s: %s %s %s\n", rel, type, shown, strcmp(type, "tmpfs") ? "" : src);
        found++;
    }
    fclose(f);
    if (!found) printf("row %s: none\n", rel);
}

static void same(const char *a, const char *b) {
    struct stat x, y;
    if (stat(a, &x) || stat(b, &y)) { printf("same %s %s: errno %d\n", a, b, errno); return; }
    printf("same %s %s: dev %d ino %d\n", a, b, x.st_dev == y.st_dev, x.st_ino == y.st_ino);
}

static void child_exec(const char *prog) {
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        char *argv[] = { (char *)prog, "hi", NULL };
        execv(prog, argv);
        printf("execv %s: errno %d\n", prog, errno);
        fflush(stdout);
        _exit(1);
    }
    int st;
    waitpid(p, &st, 0);
    printf("exec %s: status %d\n", prog, WEXITSTATUS(st));
}

static void copy_self(const char *to) {
    int in = open("/proc/self/exe", O_RDONLY), out = open(to, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    if (in < 0 || out < 0) { printf("copy: errno %d\n", errno); return; }
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) if (write(out, buf, n) != n) { printf("copy: short\n"); break; }
    close(in); close(out);
}

int main(int argc, char **argv) {
    if (argc > 1) { printf("%s\n", argv[1]); return 0; }
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    if (!getcwd(cwd, sizeof cwd)) return 1;
    TRY(mkdir("a", 0755));
    TRY(mkdir("b", 0755));
    TRY(mkdir("c", 0755));
    put("f", "file");
    put("c/h", "host");

    printf("-- tmpfs\n");
    TRY(mount("none", "a", "tmpfs", 0, "size=1m,mode=750"));
    struct stat st;
    if (stat("a", &st) == 0) printf("a: perm %04o nlink %ld\n", st.st_mode & 07777, (long)st.st_nlink);
    struct statfs sf;
    if (statfs("a", &sf) == 0) printf("a: f_type %lx\n", (long)sf.f_type);
    same("a", ".");
    row("a");
    put("a/x", "in tmpfs");
    get("a/x");

    printf("-- busy\n");
    TRY(chdir("a"));
    TRY(umount2("../a", 0));
    TRY(chdir(".."));
    int fd = open("a/x", O_RDONLY);
    TRY(umount("a"));
    close(fd);
    TRY(mkdir("a/sub", 0755));
    TRY(mount("none", "a/sub", "tmpfs", 0, NULL));
    put("a/sub/y", "nested");
    TRY(umount("a"));
    TRY(umount2("a", MNT_DETACH));
    get("a/x");
    get("a/sub/y");
    row("a");
    row("a/sub");

    printf("-- errors\n");
    TRY(mount("none", "missing", "tmpfs", 0, NULL));
    TRY(mount("none", "f", "tmpfs", 0, NULL));
    TRY(mount("none", "a", "nosuchfs", 0, NULL));
    TRY(mount("none", "a", NULL, 0, NULL));
    TRY(mount("none", "a", "tmpfs", 0, "bogus=1"));
    TRY(mount("none", "a", "tmpfs", 0, "mode=9"));
    TRY(mount("missing", "b", NULL, MS_BIND, NULL));
    TRY(mount(NULL, "b", NULL, MS_REMOUNT, NULL));
    TRY(mount(NULL, "b", NULL, MS_PRIVATE, NULL));
    TRY(umount("b"));
    TRY(umount("f"));
    TRY(umount("missing"));
    TRY(umount2("a", 0x100));
    TRY(umount2("a", MNT_EXPIRE | MNT_DETACH));

    printf("-- read-only and remount\n");
    TRY(mount("none", "a", "tmpfs", MS_RDONLY | MS_NOSUID, NULL));
    row("a");
    put("a/y", "ro");
    TRY(mkdir("a/d", 0755));
    TRY(mount(NULL, "a", NULL, MS_REMOUNT | MS_NOSUID, NULL));
    row("a");
    put("a/y", "rw again");
    get("a/y");
    TRY(mount(NULL, "a", NULL, MS_PRIVATE, NULL));
    TRY(mount(NULL, "a", NULL, MS_PRIVATE | MS_REC, NULL));
    TRY(mount(NULL, "a", NULL, MS_SHARED | MS_PRIVATE, NULL));

    printf("-- bind\n");
    TRY(mount("a", "b", NULL, MS_BIND, NULL));
    get("b/y");
    same("a/y", "b/y");
    put("b/z", "via b");
    get("a/z");
    TRY(mount(NULL, "b", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL));
    row("b");
    row("a");
    put("b/w", "refused");
    put("a/w", "allowed");
    TRY(umount("b"));
    TRY(mount("c", "b", NULL, MS_BIND, NULL));
    get("b/h");
    TRY(mount(NULL, "b", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL));
    put("b/h2", "refused");
    TRY(mkdir("b/dd", 0755));
    TRY(unlink("b/h"));
    TRY(umount("b"));
    TRY(mount("f", "b", NULL, MS_BIND, NULL));
    TRY(mount("c/h", "f", NULL, MS_BIND, NULL));
    get("f");
    TRY(umount("f"));
    get("f");

    printf("-- recursive bind\n");
    TRY(mkdir("a/s", 0755));
    TRY(mount("none", "a/s", "tmpfs", 0, NULL));
    put("a/s/q", "deep");
    TRY(mount("a", "b", NULL, MS_BIND, NULL));
    get("b/s/q");
    TRY(umount("b"));
    TRY(mount("a", "b", NULL, MS_BIND | MS_REC, NULL));
    get("b/s/q");
    row("b/s");
    TRY(umount("b"));
    TRY(umount("b/s"));
    TRY(umount("b"));
    TRY(umount("a/s"));

    printf("-- move\n");
    TRY(mount("a", "b", NULL, MS_MOVE, NULL));
    get("b/y");
    get("a/y");
    row("a");
    TRY(mkdir("b/d", 0755));
    TRY(mount("b", "b/d", NULL, MS_MOVE, NULL));
    TRY(umount("b"));

    printf("-- noexec and nodev\n");
    TRY(mount("none", "a", "tmpfs", 0, NULL));
    copy_self("a/prog");
    child_exec("a/prog");
    TRY(mount(NULL, "a", NULL, MS_REMOUNT | MS_NOEXEC | MS_NODEV, NULL));
    row("a");
    child_exec("a/prog");
    TRY(mknod("a/null", S_IFCHR | 0666, makedev(1, 3)));
    TRY(open("a/null", O_RDONLY));
    TRY(umount("a"));

    printf("-- unprivileged\n");
    TRY(mount("none", "a", "tmpfs", 0, NULL));
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        if (setgid(65534) || setuid(65534)) { printf("setuid: errno %d\n", errno); _exit(1); }
        TRY(mount("none", "b", "tmpfs", 0, NULL));
        TRY(mount("none", "missing", "tmpfs", 0, NULL));
        TRY(umount("a"));
        TRY(umount("missing"));
        TRY(chroot("c"));
        _exit(0);
    }
    int ws;
    waitpid(p, &ws, 0);
    TRY(umount("a"));

    printf("-- chroot\n");
    TRY(mkdir("r", 0755));
    TRY(mkdir("r/d", 0755));
    put("r/d/f", "inside");
    TRY(chroot("f"));
    TRY(chroot("missing"));
    int go[2], done[2];
    if (pipe(go) || pipe(done)) return 1;
    fflush(stdout);
    p = fork();
    if (p == 0) {
        char c;
        TRY(chroot("r"));
        TRY(chdir("/"));
        char here[PATH_MAX];
        printf("getcwd: %s\n", getcwd(here, sizeof here) ? here : "error");
        get("/d/f");
        get("../../../../d/f");
        same("/", "/..");
        get("/f");
        TRY(chdir("d"));
        printf("getcwd: %s\n", getcwd(here, sizeof here) ? here : "error");
        get("f");
        if (write(done[1], "x", 1) != 1) _exit(1);
        if (read(go[0], &c, 1) != 1) _exit(1);
        _exit(0);
    }
    char c, link[PATH_MAX + 1] = {0};
    if (read(done[0], &c, 1) != 1) return 1;
    char procroot[64];
    snprintf(procroot, sizeof procroot, "/proc/%d/root", p);
    ssize_t n = readlink(procroot, link, PATH_MAX);
    if (n > 0 && !strncmp(link, cwd, strlen(cwd))) printf("child root: .%s\n", link + strlen(cwd));
    else printf("child root: %zd errno %d %s\n", n, errno, link);
    if (write(go[1], "x", 1) != 1) return 1;
    waitpid(p, &ws, 0);
    return 0;
}
