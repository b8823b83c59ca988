/* What a guest sees of the files of a mount, and what it may do with them, as three callers:
 * uid 0, uid 1234 (gid 1234) and uid 2000 (gid 2000). Arguments: LABEL=DIR pairs; for each, the
 * directory itself and the entries f, d, d/g and x are examined. Per caller and entry one line:
 *   UID LABEL ENTRY: stat MODE UID GID agree A; access R W X; open R W; chdir C; exec E
 * (errno numbers, 0 for success). `agree` is 1 when stat, lstat, fstat and fstatat(AT_EMPTY_PATH)
 * of an O_PATH descriptor, statx and stat of /proc/self/fd/N report one dev, ino, mode, uid and gid.
 * exec runs the entry with argument --hi (this program answers by exiting 0; anything else a
 * valid program would do is not expected of the entries). Called with --hi: exits 0 at once. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int err(int r) { return r < 0 ? errno : 0; }

static int agree(const char *path) {
    struct stat a, b, c, d, e;
    struct statx x;
    char proc[64];
    int fd = open(path, O_PATH);
    if (fd < 0) return -errno;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int bad = stat(path, &a) || lstat(path, &b) || fstat(fd, &c) || fstatat(fd, "", &d, AT_EMPTY_PATH) ||
        statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x) || stat(proc, &e);
    close(fd);
    if (bad) return -errno;
    struct stat *all[] = { &b, &c, &d, &e };
    for (int i = 0; i < 4; i++)
        if (all[i]->st_dev != a.st_dev || all[i]->st_ino != a.st_ino || all[i]->st_mode != a.st_mode ||
            all[i]->st_uid != a.st_uid || all[i]->st_gid != a.st_gid) return 0;
    if (makedev(x.stx_dev_major, x.stx_dev_minor) != a.st_dev || x.stx_ino != a.st_ino || x.stx_mode != a.st_mode ||
        x.stx_uid != a.st_uid || x.stx_gid != a.st_gid) return 0;
    return 1;
}

static int tryopen(const char *path, int flags) {
    int fd = open(path, flags);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

static int trychdir(const char *path) {
    int here = open(".", O_PATH | O_DIRECTORY);
    int r = err(chdir(path));
    if (here >= 0) { if (fchdir(here)) r = -1; close(here); }
    return r;
}

/* 0: ran and exited 0; an errno: execv failed with it (passed back as the exit status). */
static int tryexec(const char *path) {
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        char *argv[] = { (char *)path, "--hi", NULL };
        execv(path, argv);
        _exit(errno);
    }
    int st;
    if (waitpid(p, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

static void examine(int uid, const char *label, const char *dir, const char *entry) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s", dir, entry);
    struct stat st;
    printf("%d %s%s: ", uid, label, entry);
    if (stat(path, &st)) printf("stat e%d", errno);
    else printf("stat %o %u %u agree %d", (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid, agree(path));
    printf("; access %d %d %d", err(access(path, R_OK)), err(access(path, W_OK)), err(access(path, X_OK)));
    printf("; open %d %d", tryopen(path, O_RDONLY), tryopen(path, O_WRONLY));
    printf("; chdir %d", trychdir(path));
    printf("; exec %d\n", tryexec(path));
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--hi")) return 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    static const int uids[] = { 0, 1234, 2000 };
    static const char *entries[] = { "", "/f", "/d", "/d/g", "/x" };
    for (int u = 0; u < 3; u++) {
        fflush(stdout);
        pid_t p = fork();
        if (p == 0) {
            if (uids[u] && (setgroups(0, NULL) || setresgid(uids[u], uids[u], uids[u]) || setresuid(uids[u], uids[u], uids[u]))) {
                printf("setresuid: errno %d\n", errno);
                _exit(1);
            }
            for (int i = 1; i < argc; i++) {
                char label[64];
                const char *eq = strchr(argv[i], '=');
                if (!eq) continue;
                snprintf(label, sizeof label, "%.*s", (int)(eq - argv[i]), argv[i]);
                for (int e = 0; e < 5; e++) examine(uids[u], label, eq + 1, entries[e]);
            }
            _exit(0);
        }
        int st;
        waitpid(p, &st, 0);
    }
    return 0;
}
