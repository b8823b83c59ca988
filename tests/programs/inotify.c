/* inotify: events for changes made by this program (create, open, modify, access, close, attrib,
 * moves with cookies, link, unlink, delete_self, mkdir/rmdir, symlink), IN_ONESHOT, IN_MASK_ADD,
 * IN_MASK_CREATE, IN_ONLYDIR, the errors, short reads, poll and FIONREAD. A directory and a file
 * are watched through separate instances, so each queue's order is Linux's own. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRY(call) do { errno = 0; long r_ = (long)(call); if (r_ < 0) printf("%-56s = %ld errno %d\n", #call, r_, errno); else printf("%-56s = %ld\n", #call, r_); } while (0)

static unsigned last_cookie;

static void drain(const char *who, int fd) {
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) { printf("%s: read errno %d\n", who, errno); return; }
    for (char *p = buf; p < buf + n;) {
        struct inotify_event *e = (struct inotify_event *)p;
        const char *cookie = "";
        if (e->mask & IN_MOVED_FROM) { last_cookie = e->cookie; cookie = e->cookie ? " cookie" : " nocookie"; }
        if (e->mask & IN_MOVED_TO) cookie = e->cookie == last_cookie && e->cookie ? " same-cookie" : " other-cookie";
        printf("%s: wd %d mask %08x len %u%s %s\n", who, e->wd, e->mask, e->len, cookie, e->len ? e->name : "-");
        p += sizeof *e + e->len;
    }
    if (n == 0) printf("%s: nothing\n", who);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    TRY(mkdir("w", 0755));
    int d = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    TRY(inotify_add_watch(d, "w", IN_ALL_EVENTS));
    drain("dir", d);

    int fd = open("w/a", O_CREAT | O_WRONLY, 0644);
    TRY(write(fd, "x", 1));
    TRY(write(fd, "y", 1));
    close(fd);
    drain("dir", d);

    int f = inotify_init1(IN_NONBLOCK);
    TRY(inotify_add_watch(f, "w/a", IN_ALL_EVENTS));
    TRY(chmod("w/a", 0600));
    char c;
    fd = open("w/a", O_RDONLY);
    TRY(read(fd, &c, 1));
    close(fd);
    drain("file", f);
    drain("dir", d);

    TRY(rename("w/a", "w/b"));
    TRY(link("w/b", "w/c"));
    TRY(unlink("w/c"));
    drain("file", f);
    drain("dir", d);
    TRY(truncate("w/b", 0));
    TRY(unlink("w/b"));
    drain("file", f);
    drain("dir", d);

    TRY(mkdir("w/sub", 0755));
    TRY(rename("w/sub", "w/sub2"));
    TRY(rmdir("w/sub2"));
    TRY(symlink("target", "w/s"));
    drain("dir", d);

    printf("-- oneshot, mask add, mask create\n");
    int o = inotify_init1(IN_NONBLOCK);
    TRY(inotify_add_watch(o, "w", IN_CREATE | IN_ONESHOT));
    close(open("w/one", O_CREAT | O_WRONLY, 0644));
    close(open("w/two", O_CREAT | O_WRONLY, 0644));
    drain("oneshot", o);
    TRY(inotify_add_watch(o, "w", IN_DELETE));
    TRY(inotify_add_watch(o, "w", IN_CREATE | IN_MASK_ADD));
    TRY(inotify_add_watch(o, "w", IN_CREATE | IN_MASK_CREATE));
    TRY(unlink("w/one"));
    close(open("w/three", O_CREAT | O_WRONLY, 0644));
    drain("added", o);

    printf("-- errors\n");
    TRY(inotify_add_watch(d, "missing", IN_ALL_EVENTS));
    TRY(inotify_add_watch(d, "w/two", IN_ALL_EVENTS | IN_ONLYDIR));
    TRY(inotify_add_watch(d, "w", 0));
    TRY(inotify_add_watch(d, "w", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE));
    TRY(inotify_add_watch(0, "w", IN_CREATE));
    TRY(inotify_add_watch(99, "w", IN_CREATE));
    TRY(inotify_add_watch(d, "w", IN_ALL_EVENTS));
    TRY(inotify_rm_watch(d, 99));
    TRY(inotify_rm_watch(0, 1));
    TRY(inotify_init1(1));
    TRY(read(d, &c, 1));

    printf("-- reading\n");
    close(open("w/four", O_CREAT | O_WRONLY, 0644));
    int avail = 0;
    TRY(ioctl(d, FIONREAD, &avail));
    printf("FIONREAD %d\n", avail);
    struct pollfd pfd = { d, POLLIN, 0 };
    TRY(poll(&pfd, 1, 0));
    printf("revents %x\n", pfd.revents);
    char small[20];
    TRY(read(d, small, sizeof small));
    drain("dir", d);
    TRY(poll(&pfd, 1, 0));
    TRY(inotify_rm_watch(d, 1));
    drain("dir", d);
    TRY(inotify_rm_watch(d, 1));
    return 0;
}
