/* A program for diffing `wasl --strace` against strace(1): file calls in a scratch directory
 * (argv[1]), a pipe between two processes, a signal with a handler, a failing call, and writes to
 * stdout. No clock calls (the vDSO answers them natively, so strace would not see them). */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }

int main(int argc, char **argv) {
    char path[4096], buf[64];
    if (argc < 2 || chdir(argv[1]) != 0) return 2;
    if (mkdir("d", 0755) != 0) return 1;
    int f = open("d/file.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (f < 0 || write(f, "hello, file\n", 12) != 12 || close(f) != 0) return 1;
    struct stat st;
    if (stat("d/file.txt", &st) != 0 || access("d/missing", F_OK) == 0) return 1;
    f = open("d/file.txt", O_RDONLY);
    if (f < 0 || read(f, buf, sizeof buf) != 12 || lseek(f, 0, SEEK_SET) != 0 || fstat(f, &st) != 0 || close(f) != 0) return 1;
    if (rename("d/file.txt", "d/renamed.txt") != 0) return 1;
    snprintf(path, sizeof path, "d/renamed.txt");
    if (unlink(path) != 0 || rmdir("d") != 0) return 1;

    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t p = fork();
    if (p == 0) {
        close(fds[0]);
        if (write(fds[1], "ping", 4) != 4) _exit(1);
        _exit(7);
    }
    close(fds[1]);
    if (read(fds[0], buf, 4) != 4) return 1;
    int status;
    if (waitpid(p, &status, 0) != p || !WIFEXITED(status) || WEXITSTATUS(status) != 7) return 1;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    if (sigaction(SIGUSR1, &sa, 0) != 0 || kill(getpid(), SIGUSR1) != 0 || got != SIGUSR1) return 1;
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
