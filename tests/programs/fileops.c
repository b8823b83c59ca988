/* Tree and attribute operations with their errors, printing only what every Linux filesystem
 * agrees on (no inode numbers, no times, no owners): run natively and under wasl, the output
 * must be identical. Works in a scratch directory "work" under the current directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* errno numbers, not names: strerrorname_np is glibc-only, and the numbers are the kernel's */
#define TRY(call) do { errno = 0; long r_ = (long)(call); if (r_ < 0) printf("%-44s = %ld errno %d\n", #call, r_, errno); else printf("%-44s = %ld\n", #call, r_); } while (0)

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void list(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { printf("opendir %s: errno %d\n", dir, errno); return; }
    char *names[64]; int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s:", dir);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

static void show(const char *path) {
    struct stat st;
    if (lstat(path, &st)) { printf("lstat %s: errno %d\n", path, errno); return; }
    printf("%s: type=%o perm=%04o nlink=%ld size=%ld\n", path, st.st_mode & S_IFMT, st.st_mode & 07777,
           (long)(S_ISDIR(st.st_mode) ? 0 : st.st_nlink), (long)(S_ISDIR(st.st_mode) ? 0 : st.st_size));
}

int main(void) {
    umask(022);
    TRY(mkdir("work", 0777));
    TRY(mkdir("work", 0777));
    TRY(chdir("work"));
    TRY(mkdir("d", 0750));
    TRY(mkdir("d/e/f", 0755));
    int fd = open("a", O_CREAT | O_WRONLY | O_EXCL, 0666);
    printf("open a = %d\n", fd >= 0);
    TRY(write(fd, "hello world\n", 12));
    TRY(close(fd));
    TRY(open("a", O_CREAT | O_EXCL | O_WRONLY, 0600));
    TRY(open("nope/x", O_CREAT | O_WRONLY, 0600));
    TRY(open("a/", O_RDONLY));
    TRY(open("d", O_WRONLY));
    show("a"); show("d");
    TRY(link("a", "b"));
    show("a");
    TRY(link("d", "dlink"));
    TRY(symlink("a", "s"));
    TRY(symlink("missing", "dangling"));
    char buf[64] = {0};
    TRY(readlink("s", buf, sizeof buf));
    printf("readlink s -> %s\n", buf);
    TRY(readlink("a", buf, sizeof buf));
    show("s");
    TRY(open("dangling", O_RDONLY));
    TRY(open("s", O_RDONLY | O_NOFOLLOW));
    TRY(chmod("a", 0604));
    show("a"); show("b");
    TRY(truncate("a", 5));
    TRY(truncate("d", 5));
    show("a");
    TRY(rename("a", "d/moved"));
    TRY(rename("d", "d/e/inside"));
    TRY(rename("b", "d"));
    TRY(rename("nothing", "x"));
    TRY(mkdir("empty", 0755));
    TRY(rename("empty", "d"));
    list("."); list("d");
    TRY(rmdir("d"));
    TRY(unlink("d"));
    TRY(unlink("d/moved"));
    TRY(unlink("d/moved"));
    TRY(rmdir("d/e/f"));
    TRY(rmdir("d/e"));
    TRY(rmdir("d"));
    TRY(rmdir("."));
    TRY(unlink("s"));
    TRY(unlink("dangling"));
    TRY(unlink("b"));
    TRY(rmdir("empty"));
    list(".");
    umask(077);
    fd = open("private", O_CREAT | O_WRONLY, 0666);
    close(fd);
    show("private");
    TRY(unlink("private"));
    TRY(chdir(".."));
    TRY(rmdir("work"));
    return 0;
}
