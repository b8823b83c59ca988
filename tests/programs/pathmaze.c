/* The path fuzzer's resolver (tests/fuzz/paths.test.ts): builds a maze of directories, files and
 * symlinks from a spec file, then answers queries on paths through it, one line each. Run natively
 * on a host temp directory and under wasl on the same paths; the test compares both with a model.
 *
 *   pathmaze SPEC native|guest      (SPEC "-": standard input)
 *
 * Spec lines, fields separated by tabs (paths never hold a tab):
 *   u                      drop to uid/gid 65534 if root (so permission bits count)
 *   d PATH | f PATH        mkdir 0777 (an existing directory is fine) | create a file 0644
 *   l PATH TARGET          symlink
 *   t NAME PATH            remember lstat(PATH)'s (st_dev, st_ino) as NAME: results are named
 *   b PATH                 open a base directory: queries name it by its index
 *   c PATH MODE            chmod (octal)
 *   q N G OP ARGS...       query N; G=1: only under wasl (the native line says "skip")
 *     S B NOFOLLOW P       fstatat                      -> =NAME | ?  | eERRNO
 *     O B FLAGS P          openat, FLAGS of n (O_NOFOLLOW) d (O_DIRECTORY) - -> same
 *     C B P                fchdir(B), chdir(P), getcwd   -> the path | eERRNO
 *     M B P                mkdirat; on success remembered as qN -> ok | eERRNO
 *     R B1 P1 B2 P2        renameat                     -> ok | eERRNO
 *     K B1 P1 B2 P2 F      linkat, F=1: AT_SYMLINK_FOLLOW -> ok | eERRNO
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXF 16
#define MAXT 4096
#define MAXB 256

static struct { char name[64]; dev_t dev; ino_t ino; } table[MAXT];
static int ntable;
static int bases[MAXB], nbases;

static void remember(const char *name, const struct stat *st) {
    if (ntable == MAXT) return;
    snprintf(table[ntable].name, sizeof table[ntable].name, "%s", name);
    table[ntable].dev = st->st_dev;
    table[ntable].ino = st->st_ino;
    ntable++;
}

static void identity(const struct stat *st) {
    for (int i = 0; i < ntable; i++)
        if (table[i].dev == st->st_dev && table[i].ino == st->st_ino) { printf("=%s\n", table[i].name); return; }
    printf("?\n");
}

static int base(const char *s) {
    int i = atoi(s);
    return i >= 0 && i < nbases ? bases[i] : -1;
}

static void query(char **f, int n, int guestOnly, int native) {
    printf("%s ", f[1]);
    if (guestOnly && native) { printf("skip\n"); return; }
    const char *op = f[3];
    struct stat st;
    errno = 0;
    if (!strcmp(op, "S") && n >= 7) {
        if (fstatat(base(f[4]), f[6], &st, atoi(f[5]) ? AT_SYMLINK_NOFOLLOW : 0)) printf("e%d\n", errno);
        else identity(&st);
    } else if (!strcmp(op, "O") && n >= 7) {
        int flags = O_RDONLY | O_CLOEXEC;
        if (strchr(f[5], 'n')) flags |= O_NOFOLLOW;
        if (strchr(f[5], 'd')) flags |= O_DIRECTORY;
        int fd = openat(base(f[4]), f[6], flags);
        if (fd < 0) { printf("e%d\n", errno); return; }
        if (fstat(fd, &st)) printf("fstat e%d\n", errno);
        else identity(&st);
        close(fd);
    } else if (!strcmp(op, "C") && n >= 6) {
        char cwd[8192];
        if (fchdir(base(f[4]))) { printf("fchdir e%d\n", errno); return; }
        if (chdir(f[5])) printf("e%d\n", errno);
        else if (!getcwd(cwd, sizeof cwd)) printf("getcwd e%d\n", errno);
        else printf("%s\n", cwd);
        if (chdir("/")) printf("chdir / e%d\n", errno);
    } else if (!strcmp(op, "M") && n >= 6) {
        if (mkdirat(base(f[4]), f[5], 0777)) { printf("e%d\n", errno); return; }
        char name[64];
        snprintf(name, sizeof name, "q%s", f[1]);
        if (fstatat(base(f[4]), f[5], &st, AT_SYMLINK_NOFOLLOW) == 0) remember(name, &st);
        printf("ok\n");
    } else if (!strcmp(op, "R") && n >= 8) {
        if (renameat(base(f[4]), f[5], base(f[6]), f[7])) printf("e%d\n", errno);
        else printf("ok\n");
    } else if (!strcmp(op, "K") && n >= 9) {
        if (linkat(base(f[4]), f[5], base(f[6]), f[7], atoi(f[8]) ? AT_SYMLINK_FOLLOW : 0)) printf("e%d\n", errno);
        else printf("ok\n");
    } else {
        printf("bad query\n");
    }
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: pathmaze SPEC native|guest\n"); return 2; }
    int native = !strcmp(argv[2], "native");
    FILE *spec = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
    if (!spec) { perror(argv[1]); return 2; }
    umask(0);
    static char line[65536];
    while (fgets(line, sizeof line, spec)) {
        line[strcspn(line, "\n")] = 0;
        char *f[MAXF];
        int n = 0;
        for (char *p = line, *tab; n < MAXF; p = tab + 1) {
            f[n++] = p;
            if (!(tab = strchr(p, '\t'))) break;
            *tab = 0;
        }
        struct stat st;
        switch (f[0][0]) {
        case 'u':
            if (geteuid() == 0 && (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)))
                printf("build: drop privileges: e%d\n", errno);
            break;
        case 'd':
            if (mkdir(f[1], 0777) && errno != EEXIST) printf("build: mkdir %s: e%d\n", f[1], errno);
            break;
        case 'f': {
            int fd = open(f[1], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
            if (fd < 0) printf("build: create %s: e%d\n", f[1], errno);
            else close(fd);
            break;
        }
        case 'l':
            if (n < 3 || symlink(f[2], f[1])) printf("build: symlink %s: e%d\n", f[1], errno);
            break;
        case 't':
            if (n < 3 || lstat(f[2], &st)) printf("build: lstat %s: e%d\n", f[2], errno);
            else remember(f[1], &st);
            break;
        case 'b': {
            int fd = open(f[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0) printf("build: base %s: e%d\n", f[1], errno);
            if (nbases < MAXB) bases[nbases++] = fd;
            break;
        }
        case 'c':
            if (n < 3 || chmod(f[1], strtol(f[2], NULL, 8))) printf("build: chmod %s: e%d\n", f[1], errno);
            break;
        case 'q':
            if (n >= 4) query(f, n, atoi(f[2]), native);
            break;
        }
        fflush(stdout);
    }
    return 0;
}
