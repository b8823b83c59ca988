// execve of each program named on the command line, in a child: prints what execve returned
// (errno) or how the child ended. For dynamically linked programs whose interpreter is missing,
// not ELF, too short, corrupt or itself dynamic — compared with the host kernel's answers.

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    int fd[2];
    if (pipe(fd)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      close(fd[0]);
      char *args[] = { argv[i], NULL };
      char *env[] = { NULL };
      execve(argv[i], args, env);
      int e = errno;
      if (write(fd[1], &e, sizeof e) != sizeof e) _exit(98);
      _exit(99);
    }
    close(fd[1]);
    int e = 0, status = 0;
    ssize_t got = read(fd[0], &e, sizeof e);
    close(fd[0]);
    waitpid(pid, &status, 0);
    printf("%s: ", argv[i]);
    if (got == sizeof e) printf("execve failed: %s\n", strerror(e));
    else if (WIFSIGNALED(status)) printf("ran, killed by signal %d\n", WTERMSIG(status));
    else printf("ran, exit %d\n", WEXITSTATUS(status));
    fflush(stdout);
  }
  return 0;
}
