/* Calls syscall numbers no Linux has (ENOSYS natively too), twice each. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    for (int i = 0; i < 2; i++) {
        long r = syscall(500);
        printf("syscall(500) = %ld errno=%d\n", r, errno);
        r = syscall(1000);
        printf("syscall(1000) = %ld errno=%d\n", r, errno);
    }
    return 0;
}
