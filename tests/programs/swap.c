/* A directory of a drvfs mount swapped for a symlink out of the mount, between check and use.
 * Arguments: DIR (the mounted directory, as the program sees it) and OUTSIDE (a host directory
 * outside the mount holding f = "HOST-SECRET" and outside-only). In DIR: d/f = "inside", a
 * descriptor opened on d, then d renamed to d.real and a symlink d -> OUTSIDE put in its place.
 *   "dirfd lists": what getdents on the descriptor lists (Linux: d.real's entries) — compared
 *                  with a native run;
 *   "guest:" lines: what a path through d reaches (and what linkat(AT_EMPTY_PATH) of a descriptor
 *                  opened on d/f before the swap links), once and while a second process swaps d back
 *                  and forth 300 times — under wasl never OUTSIDE's files (natively, with no
 *                  mount boundary, the symlink of course reaches them: these lines are not
 *                  compared). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char names[4096];

/* The entries getdents64 gives for fd from its start, sorted, without "." and "..". */
static const char *list(int fd) {
    char buf[8192], *v[64];
    int n = 0;
    if (lseek(fd, 0, SEEK_SET) < 0) return "lseek failed";
    for (;;) {
        long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (got < 0) { snprintf(names, sizeof names, "errno %d", errno); return names; }
        if (got == 0) break;
        for (long off = 0; off < got;) {
            struct { unsigned long ino; long off; unsigned short reclen; unsigned char type; char name[]; } *e = (void *)(buf + off);
            if (strcmp(e->name, ".") && strcmp(e->name, "..") && n < 64) v[n++] = strdup(e->name);
            off += e->reclen;
        }
    }
    for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) if (strcmp(v[i], v[j]) > 0) { char *t = v[i]; v[i] = v[j]; v[j] = t; }
    names[0] = 0;
    for (int i = 0; i < n; i++) { strcat(names, i ? " " : ""); strcat(names, v[i]); free(v[i]); }
    return names;
}

static const char *get(const char *path) {
    static char buf[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0) { snprintf(buf, sizeof buf, "errno %d", errno); return buf; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n < 0 ? 0 : n] = 0;
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 3 || chdir(argv[1])) return 2;
    const char *outside = argv[2];
    setvbuf(stdout, NULL, _IOLBF, 0);
    mkdir("d", 0755);
    int f = open("d/f", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (f < 0 || write(f, "inside\n", 7) != 7) return 3;
    close(f);
    int dirfd = open("d", O_RDONLY | O_DIRECTORY);
    int filefd = open("d/f", O_RDONLY);
    printf("dirfd lists before: %s\n", list(dirfd));
    if (rename("d", "d.real") || symlink(outside, "d")) return 4;
    printf("dirfd lists after the swap: %s\n", list(dirfd));
    printf("guest: d/f after the swap: %s\n", get("d/f"));
    /* Linux links the open file; wasl (Node links by name) must not link what d/f now names. */
    int r = linkat(filefd, "", AT_FDCWD, "linked", AT_EMPTY_PATH);
    printf("guest: linkat(AT_EMPTY_PATH) of d/f's descriptor after the swap: %d errno %d, linked: %s\n", r, r ? errno : 0, get("linked"));

    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        for (int i = 0; i < 300; i++) {
            unlink("d");
            rename("d.real", "d");
            rename("d", "d.real");
            symlink(outside, "d");
        }
        _exit(0);
    }
    int secret = 0, listed = 0;
    for (int i = 0; i < 300; i++) {
        const char *s = get("d/f");
        if (!strcmp(s, "HOST-SECRET")) secret++;
        if (strstr(list(dirfd), "outside-only")) listed++;
    }
    int st;
    waitpid(p, &st, 0);
    printf("guest: while swapping: read the outside file %d times, listed the outside directory %d times\n", secret, listed);
    return 0;
}
