/* Waits for one SIGWINCH and prints the terminal's size then (TIOCGWINSZ on stdin): the
 * playground test resizes the page's terminal while this runs in the foreground. */
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_winch(int sig) { (void)sig; got = 1; }

int main(void) {
    struct sigaction sa = { .sa_handler = on_winch };
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGWINCH);
    sigprocmask(SIG_BLOCK, &block, &old);
    sigaction(SIGWINCH, &sa, NULL);
    printf("waiting for SIGWINCH\n");
    fflush(stdout);
    while (!got) sigsuspend(&old);
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) != 0) { perror("TIOCGWINSZ"); return 1; }
    printf("SIGWINCH: %d %d\n", ws.ws_row, ws.ws_col);
    return 0;
}
