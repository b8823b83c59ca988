/* Tries to reach outside the drvfs mount at /mnt/data (wasl --isolated --mount): every attempt
 * prints what it got. Under wasl none may read the host's files or create anything outside. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void try_read(const char *path) {
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("read %s: errno %d\n", path, errno); return; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("read %s: %zd bytes: %.20s\n", path, n, buf);
}

int main(int argc, char **argv) {
    const char *outside = argc > 1 ? argv[1] : "/etc/passwd"; /* a host file the test planted */
    char rel[512];
    snprintf(rel, sizeof rel, "/mnt/data/../../../../../..%s", outside);
    try_read(outside);
    try_read(rel);
    chdir("/mnt/data");
    for (int i = 0; i < 20; i++) chdir("..");
    char cwd[256];
    printf("cwd after 20 x ..: %s\n", getcwd(cwd, sizeof cwd));
    symlink(outside, "/mnt/data/abs-link");
    try_read("/mnt/data/abs-link");
    char up[512];
    snprintf(up, sizeof up, "../../../../../../../..%s", outside);
    symlink(up, "/mnt/data/rel-link");
    try_read("/mnt/data/rel-link");
    symlink("/", "/mnt/data/root-link");
    try_read("/mnt/data/root-link/etc/passwd");
    printf("link out: errno %d\n", link(outside, "/mnt/data/hard") ? errno : 0);
    printf("rename out: errno %d\n", rename("/mnt/data/abs-link", "/escaped") ? errno : 0);
    int fd = open("/mnt/data/root-link/created-outside", O_CREAT | O_WRONLY, 0644);
    printf("create through root-link: %s\n", fd >= 0 ? "created (in the guest's own /)" : "refused");
    if (fd >= 0) close(fd);
    return 0;
}
