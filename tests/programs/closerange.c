/* close_range(2): closing a range, marking it close-on-exec, descriptors not open skipped, the
 * unsigned bounds (~0U), EINVAL for first > last and for unknown flags, CLOSE_RANGE_UNSHARE. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TRY(call) do { errno = 0; long r_ = (long)(call); if (r_ < 0) printf("%-44s = %ld errno %d\n", #call, r_, errno); else printf("%-44s = %ld\n", #call, r_); } while (0)

static long cr(unsigned first, unsigned last, unsigned flags) { return syscall(436 /* SYS_close_range */, first, last, flags); }

static void show(const char *when) {
    printf("%s:", when);
    for (int fd = 3; fd < 16; fd++) {
        int f = fcntl(fd, F_GETFD);
        if (f >= 0) printf(" %d%s", fd, f & FD_CLOEXEC ? "c" : "");
    }
    printf("\n");
}

int main(void) {
    for (int i = 0; i < 10; i++) open("/dev/null", O_RDONLY); /* 3..12 */
    close(8);
    show("open");
    TRY(cr(5, 7, 0));
    show("after 5-7");
    TRY(cr(9, 10, 4 /* CLOSE_RANGE_CLOEXEC */));
    show("after cloexec 9-10");
    TRY(cr(7, 3, 0));
    TRY(cr(3, 4, 1));
    TRY(cr(3, 4, 8));
    TRY(cr(100, 200, 0));
    TRY(cr(11, ~0U, 2 /* CLOSE_RANGE_UNSHARE */));
    show("after 11-~0");
    TRY(cr(0x7fffffff, ~0U, 0));
    return 0;
}
