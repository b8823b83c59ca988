/* Processes: fork, vfork, posix_spawn, execve (programs and #! scripts), wait4/waitid, pipes,
 * sendfile, process groups and sessions, orphans. `procs MODE` runs one group of checks and
 * prints only facts that are the same on every Linux machine (relations between pids, never
 * pids), so the native run is the oracle for wasl's. Output goes through write(2), unbuffered,
 * so that forked children never repeat their parent's buffered lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char self[PATH_MAX];   /* this program's path (readlink /proc/self/exe) */
static char tmp[PATH_MAX];    /* the scratch directory for scripts and files (the cwd) */

static void say(const char *fmt, ...) {
    char b[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof b - 1) n = sizeof b - 1;
    for (int off = 0; off < n;) {
        ssize_t w = write(1, b + off, n - off);
        if (w <= 0) break;
        off += w;
    }
}

/* A path printed without what differs between machines: the scratch dir and this binary. */
static const char *show(const char *s, char *buf) {
    if (!strcmp(s, self)) return "<self>";
    size_t t = strlen(tmp);
    if (t && !strncmp(s, tmp, t)) { snprintf(buf, PATH_MAX, "<tmp>%s", s + t); return buf; }
    return s;
}

/* A call's result and, if it failed, its errno (read after the call, which argument order
 * would not guarantee). */
static void report(const char *what, long r) {
    say("%s: %ld errno %d\n", what, r, r < 0 ? errno : 0);
}

static void status(const char *what, int st) {
    if (WIFEXITED(st)) say("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) say("%s: killed by signal %d\n", what, WTERMSIG(st));
    else if (WIFSTOPPED(st)) say("%s: stopped by signal %d\n", what, WSTOPSIG(st));
    else if (WIFCONTINUED(st)) say("%s: continued\n", what);
    else say("%s: status %#x\n", what, st);
}

static void reap(const char *what, pid_t pid) {
    int st = 0;
    pid_t r = waitpid(pid, &st, 0);
    if (r != pid) say("%s: waitpid returned %d errno %d\n", what, (int)r, errno);
    else status(what, st);
}

static void writefile(const char *name, const char *text, int mode) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (write(fd, text, strlen(text)) < 0) say("write %s failed\n", name);
    close(fd);
}

/* ---- modes run by exec'd children --------------------------------------------------------- */
static int echo_args(int argc, char **argv) {
    char b[PATH_MAX];
    say("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) say("argv[%d]=%s\n", i, show(argv[i], b));
    const char *foo = getenv("FOO");
    say("FOO=%s\n", foo ? foo : "(unset)");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    say("exe=%s\n", show(exe, b));
    return 0;
}

/* Reports whether the descriptors named in argv survived the exec. */
static int check_fds(int argc, char **argv) {
    for (int i = 2; i < argc; i++) {
        int fd = atoi(argv[i]);
        say("fd %s open after exec: %d\n", argv[i], fcntl(fd, F_GETFD) >= 0);
    }
    struct sigaction sa;
    sigaction(SIGUSR1, 0, &sa);
    say("SIGUSR1 after exec: %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handler");
    sigaction(SIGUSR2, 0, &sa);
    say("SIGUSR2 after exec: %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handler");
    return 0;
}

/* ---- fork and wait ------------------------------------------------------------------------ */
static void on_usr1(int s) { (void)s; }

static void mode_wait(void) {
    int codes[] = { 0, 1, 42, 255 };
    for (int i = 0; i < 4; i++) {
        pid_t p = fork();
        if (p == 0) _exit(codes[i]);
        char w[32];
        snprintf(w, sizeof w, "exit(%d)", codes[i]);
        reap(w, p);
    }
    pid_t p = fork();
    if (p == 0) { raise(SIGTERM); _exit(99); }
    reap("raise(SIGTERM)", p);
    p = fork();
    if (p == 0) { kill(getpid(), SIGKILL); _exit(99); }
    reap("kill(SIGKILL)", p);
    p = fork();
    if (p == 0) { volatile int *null = 0; *null = 1; _exit(99); }
    reap("null store", p);

    /* Memory is copied on write: each side sees only its own changes. */
    static int shared_var = 1;
    char *heap = malloc(100000);
    memset(heap, 'p', 100000);
    p = fork();
    if (p == 0) {
        shared_var = 2;
        memset(heap, 'c', 100000);
        say("child sees var=%d heap=%c%c\n", shared_var, heap[0], heap[99999]);
        _exit(0);
    }
    reap("cow child", p);
    say("parent sees var=%d heap=%c%c\n", shared_var, heap[0], heap[99999]);

    /* Several children, reaped in any order by wait(-1): the set of codes is what matters. */
    int seen = 0;
    for (int i = 0; i < 5; i++) if (fork() == 0) _exit(10 + i);
    for (int i = 0; i < 5; i++) {
        int st;
        pid_t r = wait(&st);
        if (r > 0 && WIFEXITED(st)) seen |= 1 << (WEXITSTATUS(st) - 10);
    }
    say("wait(-1) collected codes mask %#x\n", seen);
    report("then wait", wait(0));

    /* getppid in the child is our pid. */
    int fds[2];
    pipe(fds);
    pid_t me = getpid();
    p = fork();
    if (p == 0) { char c = getppid() == me; write(fds[1], &c, 1); _exit(0); }
    char c = 0;
    read(fds[0], &c, 1);
    reap("getppid child", p);
    say("child's getppid is parent: %d\n", c);
    close(fds[0]);
    close(fds[1]);

    /* SIGCHLD ignored: children are not kept as zombies, wait finds none (ECHILD). */
    signal(SIGCHLD, SIG_IGN);
    p = fork();
    if (p == 0) _exit(3);
    int st;
    pid_t r = waitpid(p, &st, 0);
    report("SIG_IGN SIGCHLD: waitpid =", r == p ? 1 : (int)r);
    signal(SIGCHLD, SIG_DFL);
    (void)on_usr1;
}

static void mode_wnohang(void) {
    int fds[2];
    pipe(fds);
    pid_t p = fork();
    if (p == 0) { char c; close(fds[1]); read(fds[0], &c, 1); _exit(c); }
    close(fds[0]);
    int st = 0;
    say("WNOHANG while running: %d\n", (int)waitpid(p, &st, WNOHANG));
    say("wait4 WNOHANG any: %d\n", (int)wait4(-1, &st, WNOHANG, 0));
    write(fds[1], "\x07", 1);
    reap("after release", p);
    errno = 0;
    report("WNOHANG with no children", (int)waitpid(-1, &st, WNOHANG));
    report("wait with no children", (int)wait(&st));
    report("waitpid of a stranger", (int)waitpid(1, &st, 0));
    report("bad options", (int)waitpid(-1, &st, 0x100));

    siginfo_t si;
    p = fork();
    if (p == 0) _exit(5);
    memset(&si, 0x55, sizeof si);
    int r = waitid(P_PID, p, &si, WEXITED | WNOWAIT);
    say("waitid WNOWAIT: %d signo=%d code=%d pid ok=%d status=%d\n", r, si.si_signo, si.si_code, si.si_pid == p, si.si_status);
    reap("still waitable after WNOWAIT", p);
    p = fork();
    if (p == 0) { raise(SIGTERM); _exit(0); }
    memset(&si, 0, sizeof si);
    r = waitid(P_ALL, 0, &si, WEXITED);
    say("waitid killed: %d signo=%d code=%d pid ok=%d status=%d\n", r, si.si_signo, si.si_code, si.si_pid == p, si.si_status);
    memset(&si, 0x55, sizeof si);
    r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
    report("waitid no children", r);
    report("waitid no state", waitid(P_ALL, 0, &si, WNOHANG));
    int hold[2];
    pipe(hold);
    p = fork();
    if (p == 0) { char c; close(hold[1]); read(hold[0], &c, 1); _exit(0); }
    memset(&si, 0x55, sizeof si);
    r = waitid(P_PID, p, &si, WEXITED | WNOHANG);
    say("waitid WNOHANG running: %d signo=%d pid=%d\n", r, si.si_signo, si.si_pid);
    kill(p, SIGKILL);
    reap("killed sleeper", p);
    close(hold[0]);
    close(hold[1]);
}

/* ---- pipes ---------------------------------------------------------------------------------- */
static void mode_pipe(void) {
    int down[2], up[2];
    pipe(down);
    pipe(up);
    struct stat st;
    fstat(down[0], &st);
    say("pipe is a FIFO: %d, mode %o\n", S_ISFIFO(st.st_mode), st.st_mode & 0777);
    pid_t p = fork();
    if (p == 0) {
        close(down[1]);
        close(up[0]);
        char buf[256];
        size_t total = 0;
        ssize_t n;
        while ((n = read(down[0], buf + total, sizeof buf - 1 - total)) > 0) total += n;
        buf[total] = 0;
        char reply[300];
        int m = snprintf(reply, sizeof reply, "child got %zu bytes: %s", total, buf);
        write(up[1], reply, m);
        /* A megabyte in odd-sized writes: the parent checks length and checksum. */
        static char big[7777];
        unsigned sum = 0;
        for (int i = 0, sent = 0; sent < (1 << 20); i++) {
            int len = (1 << 20) - sent < 7777 ? (1 << 20) - sent : 7777;
            for (int j = 0; j < len; j++) { big[j] = (char)(sent + j) * 7; sum += (unsigned char)big[j]; }
            write(up[1], big, len);
            sent += len;
        }
        say("child sent checksum %u\n", sum);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    write(down[1], "hello ", 6);
    write(down[1], "through a pipe\n", 15);
    close(down[1]);
    char buf[8192];
    ssize_t n = read(up[0], buf, 41);
    say("%.*s", (int)n, buf);
    unsigned long total = 0;
    unsigned sum = 0;
    while ((n = read(up[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) sum += (unsigned char)buf[i];
        total += n;
    }
    reap("pipe child", p);
    say("parent read %lu bytes, checksum %u, then EOF %zd\n", total, sum, n);
    close(up[0]);

    /* Capacity, FIONREAD, O_NONBLOCK. */
    int fds[2];
    pipe2(fds, O_NONBLOCK | O_CLOEXEC);
    say("pipe2 flags: rd %#x wr %#x cloexec %d\n", fcntl(fds[0], F_GETFL) & ~0x8000, fcntl(fds[1], F_GETFL) & ~0x8000, fcntl(fds[0], F_GETFD));
    char c;
    report("empty nonblocking read", read(fds[0], &c, 1));
    long cap = 0;
    static char chunk[1000];
    for (;;) {
        ssize_t w = write(fds[1], chunk, sizeof chunk);
        if (w < 0) break;
        cap += w;
    }
    say("capacity %ld (errno %d)\n", cap, errno);
    int avail = 0;
    ioctl(fds[0], FIONREAD, &avail);
    say("FIONREAD %d\n", avail);
    report("big write when full", write(fds[1], chunk, 5000));
    read(fds[0], buf, 100);
    say("partial room, 5000-byte write: %zd\n", write(fds[1], chunk, 5000));
    close(fds[0]);
    close(fds[1]);

    /* No reader: EPIPE with SIGPIPE ignored, death by SIGPIPE by default. */
    pipe(fds);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    report("write without reader", write(fds[1], "x", 1));
    signal(SIGPIPE, SIG_DFL);
    p = fork();
    if (p == 0) { write(fds[1], "x", 1); _exit(0); }
    reap("writer without reader", p);
    close(fds[1]);

    /* A blocked writer is woken with EPIPE when the reader goes away. */
    pipe(fds);
    p = fork();
    if (p == 0) {
        close(fds[0]);
        signal(SIGPIPE, SIG_IGN);
        static char meg[1 << 17];
        ssize_t w = write(fds[1], meg, sizeof meg);
        say("blocked writer: %zd errno %d\n", w, w < 0 ? errno : 0);
        _exit(0);
    }
    close(fds[1]);
    /* Only once the pipe is full, so that what the writer got through is the same each run. */
    for (int i = 0; i < 5000 && (ioctl(fds[0], FIONREAD, &avail), avail) < 65536; i++) usleep(1000);
    read(fds[0], buf, 10);
    close(fds[0]);
    reap("blocked writer", p);

    /* EOF only when every copy of the write end is closed. */
    pipe(fds);
    p = fork();
    if (p == 0) { close(fds[0]); write(fds[1], "abc", 3); _exit(0); }
    reap("writer", p);
    n = read(fds[0], buf, sizeof buf);
    say("read %zd while our write end is open\n", n);
    close(fds[1]);
    say("then EOF: %zd\n", read(fds[0], buf, sizeof buf));
    close(fds[0]);
}

static void mode_sendfile(void) {
    writefile("data", "0123456789abcdefghij", 0644);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/data", tmp);
    int in = open(path, O_RDONLY);
    int fds[2];
    pipe(fds);
    ssize_t n = sendfile(fds[1], in, 0, 8);
    char buf[64] = { 0 };
    read(fds[0], buf, sizeof buf - 1);
    say("sendfile %zd: %s, position now %ld\n", n, buf, (long)lseek(in, 0, SEEK_CUR));
    off_t off = 15;
    n = sendfile(fds[1], in, &off, 100);
    memset(buf, 0, sizeof buf);
    read(fds[0], buf, sizeof buf - 1);
    say("sendfile at 15: %zd: %s, offset %ld, position still %ld\n", n, buf, (long)off, (long)lseek(in, 0, SEEK_CUR));
    say("sendfile at EOF: %zd\n", sendfile(fds[1], in, &off, 10));
    report("sendfile from a pipe", sendfile(1, fds[0], 0, 10));
    snprintf(path, sizeof path, "%s/copy", tmp);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    lseek(in, 0, SEEK_SET);
    say("sendfile to a file: %zd\n", sendfile(out, in, 0, 1000));
    close(out);
    out = open(path, O_RDONLY);
    memset(buf, 0, sizeof buf);
    read(out, buf, sizeof buf - 1);
    say("copy holds: %s\n", buf);
    close(out);
    close(in);
    close(fds[0]);
    close(fds[1]);
}

/* ---- exec ------------------------------------------------------------------------------------ */
static void try_exec(const char *what, const char *path) {
    char *argv[] = { "x", 0 };
    int r = execve(path, argv, environ);
    char label[128];
    snprintf(label, sizeof label, "execve %s (still running)", what);
    report(label, r);
}

static void run_child(const char *what, const char *path, char **argv, char **envp) {
    pid_t p = fork();
    if (p == 0) {
        execve(path, argv, envp);
        say("%s: execve failed errno %d\n", what, errno);
        _exit(127);
    }
    reap(what, p);
}

static void mode_exec(void) {
    char *env[] = { "FOO=bar baz", "OTHER=1", 0 };
    char *args[] = { "renamed", "echo-args", "one", "two words", "", 0 };
    run_child("exec self", self, args, env);
    run_child("exec /proc/self/exe", "/proc/self/exe", args, env);
    char *noenv[] = { 0 };
    char *args2[] = { "procs", "echo-args", 0 };
    run_child("exec with empty env", self, args2, noenv);

    /* Scripts: the interpreter gets its optional argument (blanks inside kept), the script's
     * path, then the original arguments after argv[0]. */
    char line[PATH_MAX + 64];
    snprintf(line, sizeof line, "#!%s echo-args  \t\n", self);
    writefile("s-plain", line, 0755);
    snprintf(line, sizeof line, "#!  %s echo-args with blanks  \nignored\n", self);
    writefile("s-arg", line, 0755);
    char p1[PATH_MAX], p2[PATH_MAX];
    snprintf(p1, sizeof p1, "%s/s-plain", tmp);
    snprintf(p2, sizeof p2, "%s/s-arg", tmp);
    char *sargs[] = { "the-script", "x", "y", 0 };
    run_child("script", p1, sargs, env);
    run_child("script with argument", p2, sargs, env);
    /* A script whose interpreter is a script: up to five rewrites work, the sixth is ELOOP. */
    char prev[PATH_MAX];
    strcpy(prev, p1);
    for (int i = 1; i <= 6; i++) {
        char name[32], path[PATH_MAX];
        snprintf(name, sizeof name, "chain%d", i);
        snprintf(line, sizeof line, "#!%s\n", prev);
        writefile(name, line, 0755);
        snprintf(path, sizeof path, "%s/%s", tmp, name);
        strcpy(prev, path);
        if (i >= 4) {
            char w[32];
            snprintf(w, sizeof w, "chain of %d scripts", i + 1);
            run_child(w, path, sargs, env);
        }
    }

    /* Failures leave the caller running with the error. */
    writefile("not-executable", "#!/bin/sh\n", 0644);
    writefile("garbage", "this is not a program\n", 0755);
    writefile("empty", "", 0755);
    writefile("no-interp", "#!\n", 0755);
    writefile("missing-interp", "#!/nonexistent/interpreter\n", 0755);
    writefile("short-elf", "\177ELF\2\1\1", 0755);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/not-executable", tmp); try_exec("a file without x bits", path);
    snprintf(path, sizeof path, "%s/garbage", tmp); try_exec("a text file", path);
    snprintf(path, sizeof path, "%s/empty", tmp); try_exec("an empty file", path);
    snprintf(path, sizeof path, "%s/no-interp", tmp); try_exec("#! alone", path);
    snprintf(path, sizeof path, "%s/missing-interp", tmp); try_exec("a missing interpreter", path);
    snprintf(path, sizeof path, "%s/short-elf", tmp); try_exec("a truncated ELF", path);
    try_exec("a directory", tmp);
    try_exec("a missing file", "/nonexistent/program");
    try_exec("a path through a file", "/proc/self/exe/x");
    try_exec("/dev/null", "/dev/null");
    char *huge = malloc(200000);
    memset(huge, 'a', 199999);
    huge[199999] = 0;
    char *hargs[] = { "x", huge, 0 };
    errno = 0;
    report("execve with a 200000-byte argument", execve(self, hargs, environ));
    free(huge);
    report("execve with a bad argv", execve(self, (char **)8, environ));

    /* Close-on-exec descriptors close; others stay; handlers reset, ignored signals stay. */
    int keep = open("/dev/null", O_RDONLY);
    int drop = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fds[2];
    pipe2(fds, O_CLOEXEC);
    char k[16], d[16], pp[16];
    snprintf(k, sizeof k, "%d", keep);
    snprintf(d, sizeof d, "%d", drop);
    snprintf(pp, sizeof pp, "%d", fds[1]);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);
    char *fargs[] = { "procs", "check-fds", k, d, pp, 0 };
    pid_t p = fork();
    if (p == 0) { execve(self, fargs, env); _exit(127); }
    close(fds[1]);
    char c;
    ssize_t eof = read(fds[0], &c, 1);
    reap("check-fds", p);
    say("exec closed the cloexec pipe (EOF): %zd\n", eof);
    close(fds[0]);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);

    /* execveat with AT_EMPTY_PATH (fexecve). */
    int fd = open(self, O_RDONLY);
    p = fork();
    if (p == 0) { fexecve(fd, args, env); say("fexecve failed errno %d\n", errno); _exit(127); }
    reap("fexecve", p);
    close(fd);
}

static void mode_spawn(void) {
    int fds[2];
    pipe(fds);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *args[] = { "spawned", "echo-args", "via posix_spawn", 0 };
    char *env[] = { "FOO=spawn", 0 };
    pid_t p;
    int r = posix_spawn(&p, self, &fa, 0, args, env);
    close(fds[1]);
    say("posix_spawn: %d\n", r);
    char buf[4096];
    ssize_t n, total = 0;
    while ((n = read(fds[0], buf + total, sizeof buf - 1 - total)) > 0) total += n;
    buf[total] = 0;
    say("its output:\n%s", buf);
    reap("spawned", p);
    close(fds[0]);
    posix_spawn_file_actions_destroy(&fa);
    r = posix_spawn(&p, "/nonexistent/program", 0, 0, args, env);
    say("posix_spawn of a missing program: %d\n", r);
    if (r == 0) reap("missing", p);
    r = posix_spawnp(&p, "no-such-program-anywhere", 0, 0, args, env);
    say("posix_spawnp of a missing program: %d\n", r);
    if (r == 0) reap("missing", p);
}

static void mode_vfork(void) {
    static volatile int shared = 0;
    pid_t p = vfork();
    if (p == 0) { shared = 42; _exit(7); }
    say("vfork parent resumed; child's store visible: %d\n", shared);
    reap("vfork child", p);
    char *args[] = { "procs", "echo-args", "after vfork", 0 };
    char *env[] = { "FOO=vfork", 0 };
    p = vfork();
    if (p == 0) { execve(self, args, env); _exit(127); }
    reap("vfork+exec", p);
    p = vfork();
    if (p == 0) { execve("/nonexistent", args, env); _exit(errno); }
    reap("vfork+failed exec", p);
}

/* ---- orphans, groups, sessions --------------------------------------------------------------- */
static void mode_orphan(void) {
    int fds[2], go[2];
    pipe(fds);
    pipe(go);
    pid_t a = fork();
    if (a == 0) {
        int ready[2];
        pipe(ready);
        pid_t b = fork();
        if (b == 0) {
            close(go[1]);
            pid_t before = getppid();      /* our parent waits for this before it exits */
            write(ready[1], "r", 1);
            char c;
            read(go[0], &c, 1);            /* until our parent is gone */
            for (int i = 0; i < 1000 && getppid() == before; i++) usleep(1000);
            char r[2] = { getppid() != before, getppid() != getpid() };
            write(fds[1], r, 2);
            _exit(0);
        }
        char c;
        read(ready[0], &c, 1);
        _exit(0);
    }
    reap("middle process", a);
    close(go[1]);                          /* tells the grandchild its parent has exited */
    char r[2] = { 0, 0 };
    read(fds[0], r, 2);
    say("orphan reparented: %d\n", r[0]);
    int st;
    report("grandchild is not our child", (int)waitpid(-1, &st, WNOHANG));
}

static void mode_pgrp(void) {
    say("getpgrp == getpgid(0): %d; getsid(0) == getsid(getpid()): %d\n", getpgrp() == getpgid(0), getsid(0) == getsid(getpid()));
    report("getpgid(nonexistent)", (int)getpgid(0x3ffffff0));
    int fds[2], go[2];
    pipe(fds);
    pipe(go);
    pid_t p = fork();
    if (p == 0) {
        char c;
        read(go[0], &c, 1);
        char r[4] = { getpgrp() == getpid(), getpgid(0) == getpid(), getsid(0) == getsid(getppid()), 0 };
        write(fds[1], r, 4);
        read(go[0], &c, 1);
        _exit(0);
    }
    say("child starts in our group: %d\n", getpgid(p) == getpgrp());
    say("setpgid(child, child): %d\n", setpgid(p, p));
    say("child leads its group: %d\n", getpgid(p) == p);
    say("setpgid(child, our group): %d; back: %d\n", setpgid(p, getpgrp()), setpgid(p, p));
    write(go[1], "x", 1);
    char r[4];
    read(fds[0], r, 4);
    say("child sees: leader %d, getpgid %d, same session %d\n", r[0], r[1], r[2]);
    report("setpgid into a missing group", setpgid(p, 0x3ffffff0));
    report("setpgid(-1)", setpgid(p, -1));
    say("waitpid(-child's group) WNOHANG: %d\n", (int)waitpid(-p, 0, WNOHANG));
    write(go[1], "x", 1);
    int st;
    say("waitpid(-group): %d\n", waitpid(-p, &st, 0) == p);
    report("setpgid(reaped child)", setpgid(p, p));

    /* A child in a new session: its parent may no longer move it. */
    p = fork();
    if (p == 0) {
        pid_t s = setsid();
        char r2[3] = { s == getpid(), getsid(0) == getpid(), getpgrp() == getpid() };
        write(fds[1], r2, 3);
        char c;
        read(go[0], &c, 1);
        _exit(0);
    }
    char r2[3];
    read(fds[0], r2, 3);
    say("setsid child: returns pid %d, leads session %d and group %d\n", r2[0], r2[1], r2[2]);
    say("getsid(child) == child: %d\n", getsid(p) == p);
    report("setpgid(session leader)", setpgid(p, getpgrp()));
    write(go[1], "x", 1);
    reap("setsid child", p);

    /* A group leader cannot start a session; after exec, its parent cannot move it. */
    p = fork();
    if (p == 0) {
        setpgid(0, 0);
        char r3 = setsid() == -1 && errno == EPERM;
        write(fds[1], &r3, 1);
        char fdarg[16];
        snprintf(fdarg, sizeof fdarg, "%d", fds[1]);
        char *args[] = { "procs", "sleep-on-stdin", fdarg, 0 };
        dup2(go[0], 0);
        execve(self, args, environ);
        _exit(127);
    }
    char r3;
    read(fds[0], &r3, 1);
    say("setsid by a group leader: EPERM %d\n", r3);
    /* Wait until the exec has happened: the new image reports in on the pipe. */
    read(fds[0], &r3, 1);
    report("setpgid after exec", setpgid(p, p));
    write(go[1], "x", 1);
    reap("exec'd child", p);

    /* waitpid(0): children of our own group only. */
    p = fork();
    if (p == 0) { setpgid(0, 0); char c; read(go[0], &c, 1); _exit(4); }
    setpgid(p, p);
    pid_t q = fork();
    if (q == 0) _exit(6);
    int st2;
    pid_t got = waitpid(0, &st2, 0);
    say("waitpid(0) took the child in our group: %d (exit %d)\n", got == q, WEXITSTATUS(st2));
    write(go[1], "x", 1);
    reap("other-group child", p);
}

/* ---- blocking calls and signals ------------------------------------------------------------- */
static volatile sig_atomic_t usr1_count;
static volatile int chld_code, chld_status, chld_pid;
static void count_usr1(int s) { (void)s; usr1_count++; }
static void on_chld(int s, siginfo_t *si, void *uc) {
    (void)s; (void)uc;
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid = si->si_pid;
}

static void handle(int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_usr1;
    sa.sa_flags = flags;
    sigaction(sig, &sa, 0);
}

/* A child that sends us SIGUSR1 after a pause, then waits to be released or killed. */
static pid_t poke_later(int usec) {
    pid_t parent = getpid();
    pid_t p = fork();
    if (p == 0) { usleep(usec); kill(parent, SIGUSR1); usleep(5000000); _exit(0); }
    return p;
}

static void mode_intr(void) {
    int fds[2];
    char buf[16];
    pipe(fds);
    handle(SIGUSR1, 0);
    pid_t p = poke_later(50000);
    report("read interrupted without SA_RESTART", read(fds[0], buf, sizeof buf));
    kill(p, SIGKILL);
    reap("poker", p);

    handle(SIGUSR1, SA_RESTART);
    pid_t parent = getpid();
    p = fork();
    if (p == 0) { usleep(50000); kill(parent, SIGUSR1); usleep(50000); write(fds[1], "late", 4); _exit(0); }
    report("read restarted with SA_RESTART", read(fds[0], buf, sizeof buf));
    reap("writer", p);

    handle(SIGUSR1, 0);
    p = poke_later(50000);
    int st;
    report("waitpid interrupted without SA_RESTART", waitpid(p, &st, 0));
    kill(p, SIGKILL);
    reap("poker", p);

    /* A write blocked on a full pipe returns what it got through when a signal arrives. */
    static char big[1 << 17];
    p = poke_later(50000);
    report("blocked write interrupted", write(fds[1], big, sizeof big));
    kill(p, SIGKILL);
    reap("poker", p);
    say("handler ran %d times\n", (int)usr1_count);
    close(fds[0]);
    close(fds[1]);

    /* SIGCHLD's siginfo: how the child ended. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, 0);
    p = fork();
    if (p == 0) _exit(9);
    reap("child", p);
    say("SIGCHLD: code %d status %d pid ok %d\n", chld_code, chld_status, chld_pid == p);
    p = fork();
    if (p == 0) { raise(SIGTERM); _exit(0); }
    reap("child", p);
    say("SIGCHLD: code %d status %d pid ok %d\n", chld_code, chld_status, chld_pid == p);
    signal(SIGCHLD, SIG_DFL);
}

/* Stopped and continued children, as WUNTRACED/WCONTINUED and waitid report them. */
static void mode_stop(void) {
    /* Each child, once continued, waits for a byte before it exits: otherwise its exit can
       overtake the parent's wait for the continue, and the wait reports the exit instead. */
    int go[2];
    char byte = 1;
    pipe(go);
    pid_t p = fork();
    if (p == 0) { raise(SIGSTOP); read(go[0], &byte, 1); _exit(4); }
    int st;
    pid_t r = waitpid(p, &st, WUNTRACED);
    say("waitpid WUNTRACED: right child %d\n", r == p);
    status("  status", st);
    say("stop reported once: %d\n", (int)waitpid(p, &st, WUNTRACED | WNOHANG));
    kill(p, SIGCONT);
    r = waitpid(p, &st, WCONTINUED);
    say("waitpid WCONTINUED: right child %d\n", r == p);
    status("  status", st);
    write(go[1], &byte, 1);
    reap("then", p);
    siginfo_t si;
    p = fork();
    if (p == 0) { raise(SIGSTOP); read(go[0], &byte, 1); _exit(5); }
    waitid(P_PID, p, &si, WSTOPPED);
    say("waitid stopped: code %d status %d\n", si.si_code, si.si_status);
    kill(p, SIGCONT);
    waitid(P_PID, p, &si, WCONTINUED);
    say("waitid continued: code %d status %d\n", si.si_code, si.si_status);
    write(go[1], &byte, 1);
    waitid(P_PID, p, &si, WEXITED);
    say("waitid exited: code %d status %d\n", si.si_code, si.si_status);
    p = fork();
    if (p == 0) { raise(SIGSTOP); _exit(6); }
    waitpid(p, &st, WUNTRACED);
    kill(p, SIGKILL);
    reap("stopped child killed", p);
}

/* Tells its parent (on the descriptor named in argv) that the exec happened, then waits. */
static int sleep_on_stdin(char **argv) {
    char c = 1;
    write(atoi(argv[2]), &c, 1);
    read(0, &c, 1);
    return 0;
}

/* Orphaned process groups (kernel/exit.c, kernel/signal.c): job-control stop signals to a
   group nobody outside could continue are discarded (SIGSTOP still stops), and a group that an
   exit leaves orphaned with a stopped member gets SIGHUP and SIGCONT. Everything runs in a new
   session (the forked S), so the answer does not depend on where the test harness runs. */
static int hup_fd = -1;
static void on_hup(int sig) { (void)sig; write(hup_fd, "H\n", 2); }

static void mode_orphanstop(void) {
    int out[2];
    pipe(out);
    pid_t s = fork();
    if (s == 0) {
        close(out[0]);
        setsid();                          /* S's group is orphaned: its parent is in another session */
        raise(SIGTSTP);
        raise(SIGTTIN);
        raise(SIGTTOU);
        dprintf(out[1], "S: SIGTSTP, SIGTTIN and SIGTTOU ignored in an orphaned group\n");
        int st;
        pid_t x = fork();
        if (x == 0) { raise(SIGSTOP); _exit(7); }   /* SIGSTOP stops even there */
        waitpid(x, &st, WUNTRACED);
        dprintf(out[1], "S: child stopped by SIGSTOP: %d (sig %d)\n", WIFSTOPPED(st), WIFSTOPPED(st) ? WSTOPSIG(st) : 0);
        kill(x, SIGCONT);
        waitpid(x, &st, 0);
        dprintf(out[1], "S: it went on and exited %d\n", WEXITSTATUS(st));

        pid_t p = fork();
        if (p == 0) {
            pid_t c = fork();
            if (c == 0) {
                setpgid(0, 0);             /* its own group, connected through P (same session) */
                hup_fd = out[1];
                signal(SIGHUP, on_hup);
                raise(SIGTSTP);            /* stops: P could continue it */
                dprintf(out[1], "C: continued\n");
                _exit(0);
            }
            waitpid(c, &st, WUNTRACED);
            dprintf(out[1], "P: C stopped: %d (sig %d); P exits\n", WIFSTOPPED(st), WIFSTOPPED(st) ? WSTOPSIG(st) : 0);
            _exit(0);                      /* C's group is now orphaned with a stopped member */
        }
        waitpid(p, &st, 0);
        close(out[1]);
        _exit(0);
    }
    close(out[1]);
    char buf[1024];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) write(1, buf, n);  /* until C has exited too */
    int st;
    waitpid(s, &st, 0);
    say("session S exited %d\n", WEXITSTATUS(st));
}

int main(int argc, char **argv) {
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    /* Scratch files go to the working directory: the test gives each run a fresh one. */
    if (!getcwd(tmp, sizeof tmp)) { say("getcwd failed\n"); return 1; }
    if (argc > 1 && !strncmp(argv[1], "echo-args", 9)) return echo_args(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "check-fds")) return check_fds(argc, argv);
    if (argc > 2 && !strcmp(argv[1], "sleep-on-stdin")) return sleep_on_stdin(argv);
    if (argc < 2) { say("usage: procs MODE\n"); return 2; }
    const char *m = argv[1];
    if (!strcmp(m, "wait")) mode_wait();
    else if (!strcmp(m, "wnohang")) mode_wnohang();
    else if (!strcmp(m, "pipe")) mode_pipe();
    else if (!strcmp(m, "sendfile")) mode_sendfile();
    else if (!strcmp(m, "exec")) mode_exec();
    else if (!strcmp(m, "spawn")) mode_spawn();
    else if (!strcmp(m, "vfork")) mode_vfork();
    else if (!strcmp(m, "orphan")) mode_orphan();
    else if (!strcmp(m, "pgrp")) mode_pgrp();
    else if (!strcmp(m, "intr")) mode_intr();
    else if (!strcmp(m, "stop")) mode_stop();
    else if (!strcmp(m, "orphanstop")) mode_orphanstop();
    else say("unknown mode %s\n", m);
    return 0;
}
