/* Host directory listings after changes (tests/hostdir.test.ts): wasl keeps a host directory's
 * listing while the directory's ctime says it is unchanged (lxcore/fs/dirlist.ts), so every listing
 * here checks, entry by entry, that d_ino is the entry's st_ino and d_type its type, and prints
 * the names in the directory's own order. The changes come right after a listing was kept (the
 * directory's last change then lies well in the past) and within one clock tick of each other:
 * a rename over a name, an unlink and a mkdir of the same name, a symlink in a file's place, a
 * hard link, a change made by a forked child, a directory mtime set back by utimensat; and a
 * rewinddir after a change, telldir and seekdir in a kept listing. Run natively and under wasl. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[256];

static int dtype_of(mode_t m) {
    if (S_ISREG(m)) return DT_REG;
    if (S_ISDIR(m)) return DT_DIR;
    if (S_ISLNK(m)) return DT_LNK;
    return -1;
}

/* One listing: how many entries, how many whose d_ino or d_type disagree with lstat, the names. */
static void list(const char *title) {
    DIR *d = opendir(dir);
    if (!d) { perror("opendir"); exit(1); }
    int n = 0, badino = 0, badtype = 0;
    printf("%s:", title);
    for (struct dirent *e; (e = readdir(d));) {
        char p[512];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st)) { perror(p); exit(1); }
        if (e->d_ino != st.st_ino) badino++;
        if (e->d_type != dtype_of(st.st_mode)) badtype++;
        n++;
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) printf(" %s", e->d_name);
    }
    printf("\n  %d entries, d_ino unlike st_ino: %d, d_type unlike the mode: %d\n", n, badino, badtype);
    closedir(d);
}

static void at(const char *name, char *out) { snprintf(out, 512, "%s/%s", dir, name); }
static void touch(const char *name) { char p[512]; at(name, p); int f = open(p, O_WRONLY | O_CREAT, 0644); if (f < 0) { perror(p); exit(1); } close(f); }
static void pause_ms(int ms) { struct timespec t = { ms / 1000, (ms % 1000) * 1000000L }; nanosleep(&t, 0); }

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/wasl-hostdir-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    for (int i = 0; i < 150; i++) { char n[16]; snprintf(n, sizeof n, "f%03d", i); touch(n); }
    list("fresh");
    pause_ms(200);           /* the directory's last change is now well in the past */
    list("again");
    list("and again");

    /* Several changes within one tick, right after a listing that could be kept. */
    char a[512], b[512];
    at("f001", a); at("f002", b);
    if (rename(a, b)) perror("rename");          /* f002 is now f001's inode */
    at("f003", a);
    unlink(a); mkdir(a, 0755);                   /* f003: a directory now */
    at("f004", a);
    unlink(a); if (symlink("f000", a)) perror("symlink"); /* f004: a symlink now */
    touch("g-new");
    list("after rename, unlink+mkdir, symlink, create");

    pause_ms(200);
    list("kept again");
    at("f020", a); at("h-link", b);
    if (link(a, b)) perror("link");
    list("after a hard link");

    pause_ms(200);
    list("kept once more");
    pid_t p = fork();
    if (p == 0) {
        at("f010", a); at("f011", b);
        _exit(rename(a, b) ? 1 : 0);
    }
    int status;
    waitpid(p, &status, 0);
    printf("child renamed: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    list("after the child's rename");

    /* An unlink, then the directory's mtime put back as it was: ctime still moves. */
    pause_ms(200);
    list("before utimensat");
    struct stat ds;
    stat(dir, &ds);
    at("f030", a);
    unlink(a);
    struct timespec ts[2] = { ds.st_atim, ds.st_mtim };
    if (utimensat(AT_FDCWD, dir, ts, 0)) perror("utimensat");
    list("after unlink and the old mtime put back");

    /* Changes and listings in turn, all within a tick or two: none of these listings may be kept
     * (their directory changed less than a tick before), else the next would miss a change. */
    for (int i = 0; i < 4; i++) {
        char n[16], title[64];
        snprintf(n, sizeof n, "r%d", i);
        touch(n);
        snprintf(title, sizeof title, "right after creating r%d", i);
        list(title);
    }

    /* An open stream: rewinddir after a change lists the change (Linux rereads). */
    pause_ms(200);
    DIR *d = opendir(dir);
    int before = 0, after = 0;
    while (readdir(d)) before++;
    touch("z-while-open");
    rewinddir(d);
    while (readdir(d)) after++;
    printf("open stream: %d entries, after a create and rewinddir %d\n", before, after);

    /* telldir/seekdir in a listing that was kept. */
    rewinddir(d);
    long pos = -1;
    char want[256] = "", got[256] = "";
    for (int i = 0; i < 60; i++) {
        struct dirent *e = readdir(d);
        if (!e) break;
        if (i == 40) pos = telldir(d);
        if (i == 41) snprintf(want, sizeof want, "%s", e->d_name);
    }
    seekdir(d, pos);
    struct dirent *e = readdir(d);
    if (e) snprintf(got, sizeof got, "%s", e->d_name);
    printf("seekdir back to entry 41: %s\n", strcmp(want, got) == 0 && want[0] ? "same name" : "different name");
    closedir(d);

    /* clean up */
    d = opendir(dir);
    for (struct dirent *x; (x = readdir(d));) {
        if (!strcmp(x->d_name, ".") || !strcmp(x->d_name, "..")) continue;
        at(x->d_name, a);
        if (unlink(a)) rmdir(a);
    }
    closedir(d);
    if (rmdir(dir)) perror("rmdir");
    return 0;
}
