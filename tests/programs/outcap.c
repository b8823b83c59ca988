/* Writes to stdout until stopped (tests/limits.test.ts, the output cap): "forever" dies of
 * whatever stops it; "ignore" ignores SIGXFSZ, writes until a write fails and exits with 0 if
 * that failure was EFBIG (1 otherwise). Lines of 100 bytes, so a cap that is not a multiple of
 * 100 needs a short write. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char line[100];
    memset(line, 'y', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    int ignore = argc > 1 && !strcmp(argv[1], "ignore");
    if (ignore) signal(SIGXFSZ, SIG_IGN);
    for (;;) {
        ssize_t n = write(1, line, sizeof line);
        if (n < 0) return ignore && errno == EFBIG ? 0 : 1;
    }
}
