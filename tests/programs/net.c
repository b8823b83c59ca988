// Sockets: AF_UNIX (socketpair, names, SCM_RIGHTS, SO_PEERCRED, shutdown), TCP and UDP over
// loopback, non-blocking connect with epoll. Run natively and under wasl (tests/net.test.ts);
// the output is relations and errno names, never ports, pids or addresses that differ by run.
// Children never print: the parent prints what they report, so the order is fixed.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *en(int e) {
  switch (e) {
  case 0: return "OK";
#define E(x) case x: return #x;
  E(EPERM) E(ENOENT) E(EBADF) E(EAGAIN) E(EACCES) E(EFAULT) E(EINVAL) E(EPIPE) E(ENOTSOCK)
  E(EDESTADDRREQ) E(EMSGSIZE) E(EPROTOTYPE) E(ENOPROTOOPT) E(EPROTONOSUPPORT) E(ESOCKTNOSUPPORT)
  E(EOPNOTSUPP) E(EAFNOSUPPORT) E(EADDRINUSE) E(EADDRNOTAVAIL) E(ECONNRESET) E(EISCONN)
  E(ENOTCONN) E(ECONNREFUSED) E(EALREADY) E(EINPROGRESS) E(ECONNABORTED) E(EINTR) E(EDOM)
#undef E
  default: { static char b[32]; snprintf(b, sizeof b, "errno %d", e); return b; }
  }
}
#define SHOW(label, expr) do { errno = 0; long r_ = (long)(expr); int e_ = errno; \
  printf("%s = %ld %s\n", label, r_, r_ < 0 ? en(e_) : ""); } while (0)

static int sigpipes;
static void onpipe(int s) { (void)s; sigpipes++; }

static void pollbits(const char *label, int fd, short events) {
  struct pollfd p = {fd, events, 0};
  int n = poll(&p, 1, 0);
  printf("%s: n=%d%s%s%s%s%s\n", label, n, p.revents & POLLIN ? " IN" : "", p.revents & POLLOUT ? " OUT" : "",
         p.revents & POLLHUP ? " HUP" : "", p.revents & POLLERR ? " ERR" : "", p.revents & POLLRDHUP ? " RDHUP" : "");
}

static int getint(int fd, int level, int name) {
  int v = -12345; socklen_t l = sizeof v;
  if (getsockopt(fd, level, name, &v, &l) < 0) return -1000 - errno;
  return v;
}

// ---- AF_UNIX socketpair -------------------------------------------------------------------------
static void pair(void) {
  int sv[2]; char buf[64];
  signal(SIGPIPE, onpipe);
  SHOW("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  struct stat st; fstat(sv[0], &st);
  printf("S_ISSOCK %d\n", S_ISSOCK(st.st_mode));
  printf("SO_TYPE %d SO_DOMAIN %d SO_ACCEPTCONN %d\n", getint(sv[0], SOL_SOCKET, SO_TYPE), getint(sv[0], SOL_SOCKET, SO_DOMAIN),
         getint(sv[0], SOL_SOCKET, SO_ACCEPTCONN));
  struct sockaddr_un un; socklen_t ul = sizeof un;
  SHOW("getsockname", getsockname(sv[0], (struct sockaddr *)&un, &ul));
  printf("  len %d family %d\n", (int)ul, un.sun_family);
  ul = sizeof un;
  SHOW("getpeername", getpeername(sv[0], (struct sockaddr *)&un, &ul));
  printf("  len %d\n", (int)ul);
  pollbits("fresh pair", sv[0], POLLIN | POLLOUT | POLLRDHUP);
  SHOW("write", write(sv[0], "hello", 5));
  SHOW("send", send(sv[0], " world", 6, 0));
  pollbits("after write", sv[1], POLLIN | POLLOUT | POLLRDHUP);
  int avail = -1;
  SHOW("FIONREAD", ioctl(sv[1], FIONREAD, &avail));
  printf("  %d bytes\n", avail);
  SHOW("recv PEEK", recv(sv[1], buf, 3, MSG_PEEK));
  SHOW("read", read(sv[1], buf, sizeof buf));
  printf("  got '%.11s'\n", buf);
  fcntl(sv[1], F_SETFL, O_NONBLOCK);
  SHOW("read empty nonblock", read(sv[1], buf, sizeof buf));
  SHOW("recv DONTWAIT", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
  SHOW("shutdown bad how", shutdown(sv[0], 7));
  SHOW("shutdown WR", shutdown(sv[0], SHUT_WR));
  pollbits("peer after SHUT_WR", sv[1], POLLIN | POLLOUT | POLLRDHUP);
  pollbits("self after SHUT_WR", sv[0], POLLIN | POLLOUT | POLLRDHUP);
  SHOW("read at EOF", read(sv[1], buf, sizeof buf));
  SHOW("write after SHUT_WR", write(sv[0], "x", 1));
  printf("sigpipes %d\n", sigpipes);
  SHOW("close", close(sv[0]));
  pollbits("peer after close", sv[1], POLLIN | POLLOUT | POLLRDHUP);
  SHOW("send to closed NOSIGNAL", send(sv[1], "x", 1, MSG_NOSIGNAL));
  printf("sigpipes %d\n", sigpipes);
  SHOW("write to closed", write(sv[1], "x", 1));
  printf("sigpipes %d\n", sigpipes);
  close(sv[1]);

  SHOW("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
  printf("FD_CLOEXEC %d\n", fcntl(sv[0], F_GETFD));
  send(sv[0], "one", 3, 0); send(sv[0], "two!", 4, 0); send(sv[0], "", 0, 0);
  avail = -1; ioctl(sv[1], FIONREAD, &avail);
  printf("dgram FIONREAD %d\n", avail);
  SHOW("recv dgram", recv(sv[1], buf, sizeof buf, 0));
  SHOW("recv dgram TRUNC", recv(sv[1], buf, 2, MSG_TRUNC));
  struct iovec iov = {buf, 2}; struct msghdr mh = {0}; mh.msg_iov = &iov; mh.msg_iovlen = 1;
  send(sv[0], "three", 5, 0);
  SHOW("recvmsg short", recvmsg(sv[1], &mh, 0));
  printf("  flags TRUNC %d\n", !!(mh.msg_flags & MSG_TRUNC));
  SHOW("recv empty dgram", recv(sv[1], buf, sizeof buf, 0));
  close(sv[0]); close(sv[1]);

  // sendmmsg/recvmmsg: three datagrams out in one call, in again in one.
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  struct mmsghdr mm[4]; struct iovec mi[4]; char mb[4][16];
  const char *words[3] = {"alpha", "be", "gamma!"};
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 3; i++) { mi[i].iov_base = (void *)words[i]; mi[i].iov_len = strlen(words[i]); mm[i].msg_hdr.msg_iov = &mi[i]; mm[i].msg_hdr.msg_iovlen = 1; }
  SHOW("sendmmsg", sendmmsg(sv[0], mm, 3, 0));
  printf("  lens %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 4; i++) { mi[i].iov_base = mb[i]; mi[i].iov_len = sizeof mb[i]; mm[i].msg_hdr.msg_iov = &mi[i]; mm[i].msg_hdr.msg_iovlen = 1; }
  SHOW("recvmmsg WAITFORONE", recvmmsg(sv[1], mm, 4, MSG_WAITFORONE, NULL));
  printf("  %.*s %.*s %.*s\n", (int)mm[0].msg_len, mb[0], (int)mm[1].msg_len, mb[1], (int)mm[2].msg_len, mb[2]);
  close(sv[0]); close(sv[1]);

  SHOW("socketpair seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
  send(sv[0], "abc", 3, 0); send(sv[0], "defg", 4, 0);
  SHOW("recv seq", recv(sv[1], buf, sizeof buf, 0));
  SHOW("recv seq", recv(sv[1], buf, sizeof buf, 0));
  close(sv[0]);
  SHOW("recv seq after close", recv(sv[1], buf, sizeof buf, 0));
  close(sv[1]);

  SHOW("socketpair inet", socketpair(AF_INET, SOCK_STREAM, 0, sv));
  SHOW("socketpair bad type", socketpair(AF_UNIX, 9, 0, sv));
  SHOW("socketpair bad proto", socketpair(AF_UNIX, SOCK_STREAM, 7, sv));
  SHOW("socket bad family", socket(1234, SOCK_STREAM, 0));
  SHOW("socket unix raw", socket(AF_UNIX, SOCK_RAW, 0));
  SHOW("getsockname on pipe", ({ int p[2]; pipe(p); socklen_t l = sizeof un; getsockname(p[0], (struct sockaddr *)&un, &l); }));
  SHOW("setsockopt unix TCP level", ({ int one = 1; int s = socket(AF_UNIX, SOCK_STREAM, 0); setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }));
  SHOW("getsockopt bad name", ({ int s = socket(AF_UNIX, SOCK_STREAM, 0); getint(s, SOL_SOCKET, 999) == -1000 - ENOPROTOOPT ? (errno = ENOPROTOOPT, -1) : 0; }));
}

// ---- SCM_RIGHTS and SO_PEERCRED ---------------------------------------------------------------------
static int sendfds(int s, const int *fds, int n, const char *data) {
  char cbuf[CMSG_SPACE(sizeof(int) * 4)];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {(void *)data, strlen(data)};
  struct msghdr mh = {0};
  mh.msg_iov = &iov; mh.msg_iovlen = 1;
  mh.msg_control = cbuf; mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int) * n);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  return sendmsg(s, &mh, 0);
}

static int recvfds(int s, int *fds, int max, char *data, int dlen, int *flags, size_t ctl) {
  char cbuf[256];
  struct iovec iov = {data, dlen};
  struct msghdr mh = {0};
  mh.msg_iov = &iov; mh.msg_iovlen = 1;
  mh.msg_control = cbuf; mh.msg_controllen = ctl;
  int r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
  int n = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      for (int i = 0; i < (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)) && n < max; i++) memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
  *flags = mh.msg_flags;
  return r < 0 ? r : n * 1000 + r;
}

static void rights(void) {
  int sv[2]; char buf[64];
  signal(SIGPIPE, SIG_IGN);
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  struct ucred cr; socklen_t cl = sizeof cr;
  SHOW("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl));
  printf("  pid is mine %d uid is mine %d gid is mine %d len %d\n", cr.pid == getpid(), cr.uid == getuid(), cr.gid == getgid(), (int)cl);
  int p[2]; pipe(p);
  pid_t child = fork();
  if (child == 0) {
    close(sv[0]);
    int fds[4], flags; char d[16];
    int r = recvfds(sv[1], fds, 4, d, sizeof d, &flags, 256);
    if (r < 2000) _exit(10);
    char msg[32]; int n = read(fds[0], msg, sizeof msg);
    // Report through the passed write end of the pipe: what was read, and the cloexec bit.
    char out[64]; int m = snprintf(out, sizeof out, "%.*s|%d|%.*s", n > 0 ? n : 0, msg, fcntl(fds[0], F_GETFD), r % 1000, d);
    write(fds[1], out, m);
    _exit(0);
  }
  close(sv[1]);
  int q[2]; pipe(q);
  write(q[1], "through the pipe", 16);
  int give[2] = {q[0], p[1]};
  SHOW("sendmsg SCM_RIGHTS", sendfds(sv[0], give, 2, "data"));
  close(q[0]); close(q[1]); close(p[1]);
  int n = read(p[0], buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  printf("child reports: %s\n", buf);
  int st; waitpid(child, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st));
  close(p[0]);

  // Too little control space: MSG_CTRUNC and only what fits.
  int fds[4], flags; char d[16];
  int three[3] = {0, 1, 2};
  sendfds(sv[0], three, 3, "x");
  int s2[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, s2);
  sendfds(s2[0], three, 3, "y");
  int r = recvfds(s2[1], fds, 4, d, sizeof d, &flags, CMSG_SPACE(sizeof(int)));
  printf("small control: fds %d bytes %d CTRUNC %d\n", r / 1000, r % 1000, !!(flags & MSG_CTRUNC));
  SHOW("SCM_RIGHTS bad fd", ({ int bad = 99; sendfds(s2[0], &bad, 1, "z"); }));
  int tcp = socket(AF_INET, SOCK_DGRAM, 0);
  SHOW("SCM_RIGHTS on inet", ({ struct sockaddr_in a = {AF_INET, htons(9), {htonl(INADDR_LOOPBACK)}}; connect(tcp, (void *)&a, sizeof a); sendfds(tcp, three, 1, "z"); }));
  close(sv[0]);

  // SO_PASSCRED: each message carries SCM_CREDENTIALS (before SCM_RIGHTS); an unnamed sender
  // with SO_PASSCRED is bound to an abstract name first.
  int dp[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, dp);
  int on = 1;
  SHOW("SO_PASSCRED", setsockopt(dp[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
  printf("  reads %d\n", getint(dp[1], SOL_SOCKET, SO_PASSCRED));
  int one_fd = 1;
  sendfds(dp[0], &one_fd, 1, "cred");
  char cbuf[256], data[16];
  struct iovec iov = {data, sizeof data};
  struct msghdr mh = {0};
  mh.msg_iov = &iov; mh.msg_iovlen = 1; mh.msg_control = cbuf; mh.msg_controllen = sizeof cbuf;
  SHOW("recvmsg with creds", recvmsg(dp[1], &mh, 0));
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_type == SCM_CREDENTIALS) {
      struct ucred u; memcpy(&u, CMSG_DATA(c), sizeof u);
      printf("  SCM_CREDENTIALS len %d pid mine %d uid mine %d gid mine %d\n", (int)c->cmsg_len, u.pid == getpid(), u.uid == getuid(), u.gid == getgid());
    } else if (c->cmsg_type == SCM_RIGHTS) {
      int f; memcpy(&f, CMSG_DATA(c), sizeof f);
      printf("  SCM_RIGHTS len %d\n", (int)c->cmsg_len);
      close(f);
    }
  }
  printf("  controllen %d flags %d\n", (int)mh.msg_controllen, mh.msg_flags);
  // Explicit credentials from the sender: its own are accepted.
  struct ucred mine = {getpid(), getuid(), getgid()};
  char sbuf[CMSG_SPACE(sizeof mine)];
  struct iovec siov = {"x", 1};
  struct msghdr sm = {0};
  sm.msg_iov = &siov; sm.msg_iovlen = 1; sm.msg_control = sbuf; sm.msg_controllen = sizeof sbuf;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&sm);
  cm->cmsg_level = SOL_SOCKET; cm->cmsg_type = SCM_CREDENTIALS; cm->cmsg_len = CMSG_LEN(sizeof mine);
  memcpy(CMSG_DATA(cm), &mine, sizeof mine);
  SHOW("sendmsg SCM_CREDENTIALS", sendmsg(dp[0], &sm, 0));
  cm->cmsg_len = CMSG_LEN(sizeof mine) - 1;
  SHOW("sendmsg SCM_CREDENTIALS short", sendmsg(dp[0], &sm, 0));
  mh.msg_controllen = 20;
  SHOW("recvmsg small control", recvmsg(dp[1], &mh, 0));
  printf("  controllen %d CTRUNC %d\n", (int)mh.msg_controllen, !!(mh.msg_flags & MSG_CTRUNC));
  int pc = socket(AF_UNIX, SOCK_DGRAM, 0);
  setsockopt(pc, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  struct sockaddr_un nm; socklen_t nml = sizeof nm;
  connect(pc, (void *)&(struct sockaddr_un){AF_UNSPEC}, sizeof(sa_family_t));
  sendto(pc, "y", 1, 0, NULL, 0);
  getsockname(pc, (void *)&nm, &nml);
  printf("passcred sender bound: len %d\n", (int)nml);
}

// ---- AF_UNIX names --------------------------------------------------------------------------------
static socklen_t abstract(struct sockaddr_un *a, const char *name) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strcpy(a->sun_path + 1, name);
  return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}
static socklen_t pathname(struct sockaddr_un *a, const char *name) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strcpy(a->sun_path, name);
  return offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1;
}

static void names(void) {
  char buf[64];
  char abs[64]; snprintf(abs, sizeof abs, "wasl-net-test-%d", getpid());
  struct sockaddr_un a, b; socklen_t al = abstract(&a, abs), bl;
  int srv = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW("listen unbound", listen(srv, 5));
  SHOW("bind abstract", bind(srv, (void *)&a, al));
  SHOW("bind again", bind(srv, (void *)&a, al));
  int other = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW("bind taken", bind(other, (void *)&a, al));
  SHOW("connect not listening", connect(other, (void *)&a, al));
  SHOW("listen", listen(srv, 5));
  pollbits("listener idle", srv, POLLIN | POLLOUT);
  fcntl(srv, F_SETFL, O_NONBLOCK);
  SHOW("accept empty", accept(srv, NULL, NULL));
  fcntl(srv, F_SETFL, 0);
  int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW("connect wrong type", connect(dg, (void *)&a, al));
  pid_t child = fork();
  if (child == 0) {
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(c, (void *)&a, al) < 0) _exit(1);
    struct ucred cr; socklen_t cl = sizeof cr;
    getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
    char m[32]; int n = snprintf(m, sizeof m, "hi from child %d", cr.pid == getppid());
    write(c, m, n);
    n = read(c, m, sizeof m);
    _exit(n == 5 && !memcmp(m, "reply", 5) ? 0 : 2);
  }
  bl = sizeof b;
  int c = accept(srv, (void *)&b, &bl);
  printf("accepted %d peer len %d\n", c >= 0, (int)bl);
  struct ucred cr; socklen_t cl = sizeof cr;
  getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
  printf("peer is child %d\n", cr.pid == child);
  struct sockaddr_un mine; socklen_t ml = sizeof mine;
  getsockname(c, (void *)&mine, &ml);
  printf("accepted sockname is listener's %d\n", ml == al && !memcmp(&mine, &a, al));
  int n = read(c, buf, sizeof buf);
  printf("read '%.*s'\n", n, buf);
  write(c, "reply", 5);
  int st; waitpid(child, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st));
  close(c); close(srv);
  SHOW("connect after listener closed", connect(other, (void *)&a, al));

  // A full backlog: a non-blocking connect fails with EAGAIN, a blocking one waits for accept.
  char bname[64]; snprintf(bname, sizeof bname, "wasl-net-backlog-%d", getpid());
  struct sockaddr_un bk; socklen_t bkl = abstract(&bk, bname);
  int bsrv = socket(AF_UNIX, SOCK_STREAM, 0);
  bind(bsrv, (void *)&bk, bkl); listen(bsrv, 0);
  int k1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), k2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  SHOW("connect backlog 0, first", connect(k1, (void *)&bk, bkl));
  SHOW("connect backlog full", connect(k2, (void *)&bk, bkl));
  pid_t waiter = fork();
  if (waiter == 0) {
    int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
    _exit(connect(c3, (void *)&bk, bkl) == 0 ? 0 : 1);
  }
  usleep(100000);
  int a1 = accept(bsrv, NULL, NULL);
  waitpid(waiter, &st, 0);
  printf("accepted %d, blocked connect then completed: status %d\n", a1 >= 0, WEXITSTATUS(st));
  close(bsrv); close(k1); close(k2); close(a1);

  // Filesystem names (in the scratch cwd).
  unlink("sock1");
  int fsrv = socket(AF_UNIX, SOCK_DGRAM, 0);
  bl = pathname(&b, "sock1");
  SHOW("bind path", bind(fsrv, (void *)&b, bl));
  SHOW("access path", access("sock1", F_OK));
  int f2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW("bind path taken", bind(f2, (void *)&b, bl));
  ml = sizeof mine;
  getsockname(fsrv, (void *)&mine, &ml);
  printf("sockname len %d path %s\n", (int)ml, mine.sun_path);
  struct sockaddr_un c2; socklen_t c2l = pathname(&c2, "sock2");
  unlink("sock2");
  SHOW("bind client path", bind(f2, (void *)&c2, c2l));
  SHOW("sendto path", sendto(f2, "dgram!", 6, 0, (void *)&b, bl));
  struct sockaddr_un from; socklen_t fl = sizeof from;
  SHOW("recvfrom path", recvfrom(fsrv, buf, sizeof buf, 0, (void *)&from, &fl));
  printf("  from len %d path %s\n", (int)fl, from.sun_path);
  int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW("sendto from unnamed", sendto(anon, "anon", 4, 0, (void *)&b, bl));
  fl = sizeof from;
  SHOW("recvfrom unnamed", recvfrom(fsrv, buf, sizeof buf, 0, (void *)&from, &fl));
  printf("  from len %d\n", (int)fl);
  SHOW("sendto no peer", send(anon, "x", 1, 0));
  struct sockaddr_un missing; socklen_t missl = pathname(&missing, "no-such-sock");
  SHOW("sendto missing path", sendto(anon, "x", 1, 0, (void *)&missing, missl));
  int fd = open("plainfile", O_CREAT | O_WRONLY, 0644); close(fd);
  struct sockaddr_un plain; socklen_t pl = pathname(&plain, "plainfile");
  SHOW("sendto plain file", sendto(anon, "x", 1, 0, (void *)&plain, pl));
  close(fsrv);
  SHOW("sendto closed socket's path", sendto(anon, "x", 1, 0, (void *)&b, bl));
  SHOW("unlink path", unlink("sock1"));
  int f3 = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW("bind path again", bind(f3, (void *)&b, bl));
  SHOW("sendto new socket", sendto(anon, "new", 3, 0, (void *)&b, bl));
  SHOW("recv new socket", recv(f3, buf, sizeof buf, 0));
  unlink("sock1"); unlink("sock2"); unlink("plainfile");

  // autobind: bind with only the family gives an abstract name of 5 hex digits.
  int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
  SHOW("autobind", bind(ab, (void *)&(struct sockaddr_un){AF_UNIX}, sizeof(sa_family_t)));
  ml = sizeof mine;
  getsockname(ab, (void *)&mine, &ml);
  printf("autobind len %d abstract %d\n", (int)ml, mine.sun_path[0] == 0);
  SHOW("bind bad family", bind(socket(AF_UNIX, SOCK_STREAM, 0), (void *)&(struct sockaddr_in){AF_INET}, sizeof(struct sockaddr_in)));
  SHOW("bind bad len", bind(socket(AF_UNIX, SOCK_STREAM, 0), (void *)&b, 1));
}

// ---- TCP ---------------------------------------------------------------------------------------------
static void tcp_family(int fam) {
  char buf[256];
  struct sockaddr_storage ss; socklen_t sl;
  int srv = socket(fam, SOCK_STREAM, 0);
  int one = 1;
  SHOW("SO_REUSEADDR", setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  printf("SO_REUSEADDR reads %d\n", getint(srv, SOL_SOCKET, SO_REUSEADDR));
  memset(&ss, 0, sizeof ss);
  if (fam == AF_INET) { struct sockaddr_in *a = (void *)&ss; a->sin_family = AF_INET; a->sin_addr.s_addr = htonl(INADDR_LOOPBACK); sl = sizeof *a; }
  else { struct sockaddr_in6 *a = (void *)&ss; a->sin6_family = AF_INET6; a->sin6_addr = in6addr_loopback; sl = sizeof *a; }
  SHOW("bind port 0", bind(srv, (void *)&ss, sl));
  socklen_t gl = sizeof ss;
  SHOW("getsockname", getsockname(srv, (void *)&ss, &gl));
  int port = fam == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port) : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  printf("port nonzero %d len %d family ok %d\n", port != 0, (int)gl, ss.ss_family == fam);
  SHOW("listen", listen(srv, 8));
  printf("SO_ACCEPTCONN %d\n", getint(srv, SOL_SOCKET, SO_ACCEPTCONN));
  int dup = socket(fam, SOCK_STREAM, 0);
  setsockopt(dup, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  SHOW("bind port in use", bind(dup, (void *)&ss, sl));
  close(dup);
  struct sockaddr_storage peer = ss; socklen_t pl = sl;
  pid_t child = fork();
  if (child == 0) {
    // The client: send lines, read the echo, check it, half-close, see EOF.
    int c = socket(fam, SOCK_STREAM, 0);
    if (connect(c, (void *)&peer, pl) < 0) _exit(1);
    int nd = 1; setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nd, sizeof nd);
    char big[100000];
    for (int i = 0; i < (int)sizeof big; i++) big[i] = (char)(i * 7);
    int sent = 0;
    while (sent < (int)sizeof big) { int n = write(c, big + sent, sizeof big - sent); if (n <= 0) _exit(2); sent += n; }
    shutdown(c, SHUT_WR);
    char back[100000]; int got = 0, n;
    while ((n = read(c, back + got, sizeof back - got)) > 0) got += n;
    if (got != (int)sizeof big || memcmp(big, back, got)) _exit(3);
    _exit(0);
  }
  struct sockaddr_storage from; socklen_t fl = sizeof from;
  int c = accept(srv, (void *)&from, &fl);
  printf("accepted %d from len %d family ok %d\n", c >= 0, (int)fl, from.ss_family == fam);
  socklen_t ql = sizeof from;
  SHOW("getpeername", getpeername(c, (void *)&from, &ql));
  struct sockaddr_storage me; socklen_t mel = sizeof me;
  getsockname(c, (void *)&me, &mel);
  int myport = fam == AF_INET ? ntohs(((struct sockaddr_in *)&me)->sin_port) : ntohs(((struct sockaddr_in6 *)&me)->sin6_port);
  printf("accepted sockname port is listener's %d\n", myport == port);
  printf("accepted SO_REUSEADDR %d SO_ACCEPTCONN %d\n", getint(c, SOL_SOCKET, SO_REUSEADDR), getint(c, SOL_SOCKET, SO_ACCEPTCONN));
  long total = 0; int n;
  // Echo until the client's FIN.
  while ((n = read(c, buf, sizeof buf)) > 0) {
    int w = 0;
    while (w < n) { int m = write(c, buf + w, n - w); if (m <= 0) break; w += m; }
    total += n;
  }
  printf("echoed %ld, last read %d\n", total, n);
  pollbits("after client FIN", c, POLLIN | POLLOUT | POLLRDHUP);
  close(c);
  int st; waitpid(child, &st, 0);
  printf("client status %d\n", WEXITSTATUS(st));
  close(srv);
  // The port is free again once the listener closed: connecting is refused.
  int r = socket(fam, SOCK_STREAM, 0);
  SHOW("connect closed port", connect(r, (void *)&peer, pl));
  SHOW("send unconnected", send(r, "x", 1, MSG_NOSIGNAL));
  SHOW("recv unconnected", recv(r, buf, 1, 0));
  SHOW("getpeername unconnected", ({ socklen_t l = sizeof from; getpeername(r, (void *)&from, &l); }));
}

static void tcp(void) {
  tcp_family(AF_INET);
  tcp_family(AF_INET6);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int v = 5000;
  SHOW("SO_RCVBUF", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
  printf("SO_RCVBUF reads %d\n", getint(s, SOL_SOCKET, SO_RCVBUF));
  v = 6000;
  SHOW("SO_SNDBUF", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
  printf("SO_SNDBUF reads %d\n", getint(s, SOL_SOCKET, SO_SNDBUF));
  v = 1;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  printf("SO_SNDBUF min %d\n", getint(s, SOL_SOCKET, SO_SNDBUF));
  printf("TCP_NODELAY %d", getint(s, IPPROTO_TCP, TCP_NODELAY));
  v = 7; setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
  printf(" -> %d\n", getint(s, IPPROTO_TCP, TCP_NODELAY));
  printf("SO_KEEPALIVE %d", getint(s, SOL_SOCKET, SO_KEEPALIVE));
  setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v);
  printf(" -> %d\n", getint(s, SOL_SOCKET, SO_KEEPALIVE));
  printf("SO_ERROR %d SO_TYPE %d SO_PROTOCOL %d\n", getint(s, SOL_SOCKET, SO_ERROR), getint(s, SOL_SOCKET, SO_TYPE), getint(s, SOL_SOCKET, SO_PROTOCOL));
  struct linger lg = {1, 5}; socklen_t ll = sizeof lg;
  SHOW("SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  memset(&lg, 0, sizeof lg);
  getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &ll);
  printf("linger %d %d len %d\n", lg.l_onoff, lg.l_linger, (int)ll);
  SHOW("SO_LINGER short", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, 4));
  SHOW("setsockopt short int", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2));
  SHOW("setsockopt bad level", setsockopt(s, 1234, 1, &v, sizeof v));
  SHOW("IPV6_V6ONLY on inet", setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof v));
  int s6 = socket(AF_INET6, SOCK_STREAM, 0);
  printf("IPV6_V6ONLY %d", getint(s6, IPPROTO_IPV6, IPV6_V6ONLY));
  setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof v);
  printf(" -> %d\n", getint(s6, IPPROTO_IPV6, IPV6_V6ONLY));
  char c1; socklen_t l1 = 1;
  SHOW("getsockopt 1 byte", getsockopt(s, SOL_SOCKET, SO_TYPE, &c1, &l1));
  printf("  len %d\n", (int)l1);
  l1 = -1;
  SHOW("getsockopt negative len", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l1));
  pollbits("fresh tcp socket", s, POLLIN | POLLOUT | POLLRDHUP);
  SHOW("bind short", bind(s, (void *)&(struct sockaddr_in){AF_INET}, 8));
  SHOW("bind wrong family", bind(s, (void *)&(struct sockaddr_in6){AF_INET6}, sizeof(struct sockaddr_in6)));
  SHOW("socket inet raw-ish", socket(AF_INET, SOCK_SEQPACKET, 0));
  SHOW("socket tcp proto udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
}

// ---- non-blocking connect with epoll ------------------------------------------------------------------
static void nbconnect(void) {
  int srv = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {AF_INET, 0, {htonl(INADDR_LOOPBACK)}};
  bind(srv, (void *)&a, sizeof a);
  socklen_t l = sizeof a;
  getsockname(srv, (void *)&a, &l);
  listen(srv, 4);
  int ep = epoll_create1(0);
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int r = connect(c, (void *)&a, sizeof a);
  printf("connect: %s\n", r == 0 ? "OK" : en(errno));
  if (r < 0 && errno == EINPROGRESS) {
    // 0 once the handshake is done (as on loopback natively), EALREADY while it is not: both right.
    int r2 = connect(c, (void *)&a, sizeof a);
    printf("connect again: %s\n", r2 == 0 || errno == EALREADY ? "0 or EALREADY" : en(errno));
  }
  struct epoll_event ev = {EPOLLOUT | EPOLLIN, {.fd = c}}, out[4];
  epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
  int n = epoll_wait(ep, out, 4, 5000);
  printf("epoll_wait %d events OUT %d IN %d ERR %d HUP %d\n", n, !!(out[0].events & EPOLLOUT), !!(out[0].events & EPOLLIN),
         !!(out[0].events & EPOLLERR), !!(out[0].events & EPOLLHUP));
  printf("SO_ERROR %d\n", getint(c, SOL_SOCKET, SO_ERROR));
  connect(c, (void *)&a, sizeof a); // 0 if no connect has reported the outcome yet, else EISCONN
  SHOW("connect when connected", connect(c, (void *)&a, sizeof a));
  // The server end: accept through epoll too.
  struct epoll_event se = {EPOLLIN, {.fd = srv}};
  epoll_ctl(ep, EPOLL_CTL_ADD, srv, &se);
  ev.events = EPOLLIN; epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev);
  n = epoll_wait(ep, out, 4, 5000);
  printf("listener ready %d fd is listener %d\n", n, n == 1 && out[0].data.fd == srv);
  int s = accept4(srv, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  printf("accept4 flags nonblock %d cloexec %d\n", !!(fcntl(s, F_GETFL) & O_NONBLOCK), fcntl(s, F_GETFD));
  char buf[16];
  SHOW("recv nothing yet", recv(s, buf, sizeof buf, 0));
  write(c, "ping", 4);
  struct epoll_event sv = {EPOLLIN | EPOLLET, {.fd = s}};
  epoll_ctl(ep, EPOLL_CTL_ADD, s, &sv);
  epoll_ctl(ep, EPOLL_CTL_DEL, srv, NULL);
  n = epoll_wait(ep, out, 4, 5000);
  printf("data ready %d fd is accepted %d\n", n, n >= 1 && out[0].data.fd == s);
  SHOW("recv PEEK", recv(s, buf, sizeof buf, MSG_PEEK));
  SHOW("recv", recv(s, buf, sizeof buf, 0));
  close(c);
  n = epoll_wait(ep, out, 4, 5000);
  printf("after peer close %d RDHUP-ish IN %d\n", n, n >= 1 && (out[0].events & EPOLLIN));
  SHOW("recv EOF", recv(s, buf, sizeof buf, 0));
  close(s);
  close(srv);

  // Refused: the error arrives through readiness and SO_ERROR.
  int c2 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  r = connect(c2, (void *)&a, sizeof a);
  int e = errno;
  printf("connect refused: %s\n", r == 0 ? "OK" : (e == EINPROGRESS || e == ECONNREFUSED) ? "EINPROGRESS/ECONNREFUSED" : en(e));
  if (r < 0 && e == EINPROGRESS) {
    struct pollfd p = {c2, POLLOUT, 0};
    poll(&p, 1, 5000);
    printf("poll OUT %d ERR %d HUP %d\n", !!(p.revents & POLLOUT), !!(p.revents & POLLERR), !!(p.revents & POLLHUP));
    int err = getint(c2, SOL_SOCKET, SO_ERROR);
    printf("SO_ERROR %s\n", en(err));
  } else printf("poll OUT 1 ERR 1 HUP 1\nSO_ERROR ECONNREFUSED\n");
  printf("SO_ERROR again %d\n", getint(c2, SOL_SOCKET, SO_ERROR));
}

// ---- UDP -----------------------------------------------------------------------------------------------
static void udp(void) {
  char buf[128];
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {AF_INET, 0, {htonl(INADDR_LOOPBACK)}};
  SHOW("bind", bind(s, (void *)&a, sizeof a));
  socklen_t l = sizeof a;
  getsockname(s, (void *)&a, &l);
  printf("port nonzero %d\n", a.sin_port != 0);
  pollbits("udp idle", s, POLLIN | POLLOUT);
  int c = socket(AF_INET, SOCK_DGRAM, 0);
  SHOW("send unconnected", send(c, "x", 1, 0));
  SHOW("sendto", sendto(c, "datagram one", 12, 0, (void *)&a, sizeof a));
  SHOW("sendto", sendto(c, "two", 3, 0, (void *)&a, sizeof a));
  struct sockaddr_in from, cme; socklen_t fl = sizeof from, cl = sizeof cme;
  getsockname(c, (void *)&cme, &cl);
  printf("client autobound %d\n", cme.sin_port != 0);
  struct pollfd p = {s, POLLIN, 0};
  poll(&p, 1, 5000);
  SHOW("recvfrom", recvfrom(s, buf, sizeof buf, 0, (void *)&from, &fl));
  printf("  from client port %d len %d addr loopback %d\n", from.sin_port == cme.sin_port, (int)fl, from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  poll(&p, 1, 5000);
  int avail = -1; ioctl(s, FIONREAD, &avail);
  printf("udp FIONREAD %d\n", avail);
  SHOW("recv TRUNC", recv(s, buf, 2, MSG_TRUNC));
  SHOW("sendto back", sendto(s, "echo", 4, 0, (void *)&from, fl));
  struct pollfd q = {c, POLLIN, 0};
  poll(&q, 1, 5000);
  SHOW("recv back", recv(c, buf, sizeof buf, 0));
  SHOW("connect", connect(c, (void *)&a, sizeof a));
  socklen_t pl = sizeof from;
  SHOW("getpeername", getpeername(c, (void *)&from, &pl));
  SHOW("send connected", send(c, "connected", 9, 0));
  poll(&p, 1, 5000);
  SHOW("recv", recv(s, buf, sizeof buf, 0));
  SHOW("recv nonblock empty", recv(s, buf, sizeof buf, MSG_DONTWAIT));
  SHOW("send too big", ({ static char big[70000]; send(c, big, sizeof big, 0); }));
  SHOW("bind again", bind(s, (void *)&a, sizeof a));
  int d = socket(AF_INET, SOCK_DGRAM, 0);
  SHOW("bind in use", bind(d, (void *)&a, sizeof a));
  // fork: a child echoes one datagram back (UDP round trip across processes).
  pid_t child = fork();
  if (child == 0) {
    struct sockaddr_in f; socklen_t ffl = sizeof f; char b[64];
    int n = recvfrom(s, b, sizeof b, 0, (void *)&f, &ffl);
    for (int i = 0; i < n; i++) b[i] = b[i] >= 'a' && b[i] <= 'z' ? b[i] - 32 : b[i];
    sendto(s, b, n, 0, (void *)&f, ffl);
    _exit(0);
  }
  send(c, "round trip", 10, 0);
  int n = recv(c, buf, sizeof buf, 0);
  printf("round trip '%.*s'\n", n, buf);
  int st; waitpid(child, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st));

  // IPv6: a round trip over ::1, and an IPv4 sender seen by a dual-stack socket as ::ffff:a.b.c.d.
  int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in6 b6 = {0}; b6.sin6_family = AF_INET6; b6.sin6_addr = in6addr_any;
  SHOW("bind6 any", bind(s6, (void *)&b6, sizeof b6));
  socklen_t l6 = sizeof b6;
  getsockname(s6, (void *)&b6, &l6);
  printf("bound6 len %d port nonzero %d\n", (int)l6, b6.sin6_port != 0);
  int c6 = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in6 to6 = b6; to6.sin6_addr = in6addr_loopback;
  SHOW("sendto ::1", sendto(c6, "six", 3, 0, (void *)&to6, sizeof to6));
  struct sockaddr_in6 f6; socklen_t fl6 = sizeof f6;
  struct pollfd p6 = {s6, POLLIN, 0};
  poll(&p6, 1, 5000);
  SHOW("recvfrom6", recvfrom(s6, buf, sizeof buf, 0, (void *)&f6, &fl6));
  printf("  from ::1 %d len %d\n", !memcmp(&f6.sin6_addr, &in6addr_loopback, 16), (int)fl6);
  int c4 = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to4 = {AF_INET, b6.sin6_port, {htonl(INADDR_LOOPBACK)}};
  SHOW("sendto 127.0.0.1 on a dual-stack port", sendto(c4, "four", 4, 0, (void *)&to4, sizeof to4));
  poll(&p6, 1, 5000);
  fl6 = sizeof f6;
  SHOW("recvfrom6 v4-mapped", recvfrom(s6, buf, sizeof buf, 0, (void *)&f6, &fl6));
  printf("  mapped %d\n", IN6_IS_ADDR_V4MAPPED(&f6.sin6_addr) && f6.sin6_addr.s6_addr[15] == 1);
}

// ---- signals interrupting blocked socket calls ----------------------------------------------------------
static int alarms;
static void onalarm(int s) { (void)s; alarms++; }
static void arm(int restart) {
  struct sigaction sa = {0};
  sa.sa_handler = onalarm;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 0}, {0, 50000}};
  setitimer(ITIMER_REAL, &it, NULL);
}

static void signals(void) {
  int sv[2]; char buf[16];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  arm(0);
  SHOW("recv interrupted", recv(sv[0], buf, sizeof buf, 0));
  int srv = socket(AF_UNIX, SOCK_STREAM, 0);
  char name[64]; snprintf(name, sizeof name, "wasl-net-signals-%d", getpid());
  struct sockaddr_un a; socklen_t al = abstract(&a, name);
  bind(srv, (void *)&a, al); listen(srv, 1);
  arm(0);
  SHOW("accept interrupted", accept(srv, NULL, NULL));
  int t = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in ia = {AF_INET, 0, {htonl(INADDR_LOOPBACK)}};
  bind(t, (void *)&ia, sizeof ia); listen(t, 1);
  arm(0);
  SHOW("tcp accept interrupted", accept(t, NULL, NULL));
  // SA_RESTART: the call goes on after the handler, and gets what the child sends later.
  pid_t child = fork();
  if (child == 0) { usleep(200000); write(sv[1], "late", 4); _exit(0); }
  arm(1);
  SHOW("recv restarted", recv(sv[0], buf, sizeof buf, 0));
  waitpid(child, NULL, 0);
  printf("alarms %d\n", alarms);

  // SO_RCVTIMEO: EAGAIN once it passes; a signal then gives EINTR even with SA_RESTART.
  struct timeval tv = {0, 100000}, back; socklen_t bl = sizeof back;
  SHOW("SO_RCVTIMEO", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &back, &bl);
  printf("  reads back %ld.%06ld len %d\n", (long)back.tv_sec, (long)back.tv_usec, (int)bl);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  SHOW("recv timed out", recv(sv[0], buf, sizeof buf, 0));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("  waited at least 90 ms %d\n", ms >= 90);
  tv.tv_usec = 500000;
  setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  arm(1);
  SHOW("recv with timeout interrupted", recv(sv[0], buf, sizeof buf, 0));
  tv.tv_usec = 1000000;
  SHOW("SO_RCVTIMEO bad usec", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  SHOW("SO_SNDTIMEO short", setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, 8));
}

// ---- bad arguments: Linux's errno for each, never a crash ----------------------------------------------
static void badargs(void) {
  int u = socket(AF_UNIX, SOCK_STREAM, 0), t = socket(AF_INET, SOCK_STREAM, 0), d = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {AF_INET, 0, {htonl(INADDR_LOOPBACK)}};
  socklen_t l = sizeof a;
  char buf[8];
  SHOW("bind NULL", bind(t, NULL, sizeof a));
  SHOW("bind len -1", bind(t, (void *)&a, -1));
  SHOW("bind len 200", bind(t, (void *)&a, 200));
  SHOW("connect bad pointer", connect(t, (void *)8, sizeof a));
  SHOW("getsockname NULL addr", getsockname(t, NULL, &l));
  SHOW("getsockname NULL len", getsockname(t, (void *)&a, NULL));
  l = -1;
  SHOW("getsockname negative len", getsockname(t, (void *)&a, &l));
  SHOW("accept not listening", accept(t, NULL, NULL));
  SHOW("accept4 bad flags", accept4(t, NULL, NULL, 1));
  SHOW("accept on udp", accept(d, NULL, NULL));
  SHOW("listen on udp", listen(d, 1));
  SHOW("shutdown unconnected tcp", shutdown(t, SHUT_RDWR));
  SHOW("shutdown unconnected unix", shutdown(u, SHUT_RDWR));
  // The raw calls: musl's wrappers copy the msghdr first and would fault in the program.
  SHOW("recvmsg NULL", syscall(SYS_recvmsg, u, NULL, 0));
  SHOW("sendmsg NULL", syscall(SYS_sendmsg, u, NULL, 0));
  struct iovec iov = {buf, 1};
  struct msghdr mh = {0}; mh.msg_iov = &iov; mh.msg_iovlen = 2000;
  SHOW("sendmsg iovlen 2000", syscall(SYS_sendmsg, d, &mh, 0));
  mh.msg_iovlen = 1; mh.msg_control = (void *)8; mh.msg_controllen = 32;
  SHOW("sendmsg bad control", syscall(SYS_sendmsg, d, &mh, 0));
  mh.msg_control = buf; mh.msg_controllen = 4;
  SHOW("sendmsg short control", syscall(SYS_sendmsg, d, &mh, 0));
  SHOW("setsockopt NULL", setsockopt(t, SOL_SOCKET, SO_REUSEADDR, NULL, 4));
  SHOW("getsockopt NULL len", getsockopt(t, SOL_SOCKET, SO_TYPE, buf, NULL));
  SHOW("socket bad flags", socket(AF_INET, SOCK_STREAM | 0x100, 0));
  SHOW("socket negative family", socket(-1, SOCK_STREAM, 0));
  SHOW("socketpair NULL", socketpair(AF_UNIX, SOCK_STREAM, 0, NULL));
  SHOW("recv bad buffer", ({ int sv[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, sv); send(sv[0], "abc", 3, 0); recv(sv[1], (void *)8, 3, 0); }));
  SHOW("send bad buffer", ({ int sv[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, sv); send(sv[0], (void *)8, 3, 0); }));
  SHOW("sendto unix stream with address", ({ int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv); struct sockaddr_un x = {AF_UNIX, "nowhere"}; sendto(sv[0], "a", 1, 0, (void *)&x, sizeof x); }));
  SHOW("sendmmsg vlen 0", sendmmsg(d, NULL, 0, 0));
  SHOW("connect inet to unix family", connect(t, (void *)&(struct sockaddr_un){AF_UNIX}, sizeof(struct sockaddr_un)));
  SHOW("sendto inet short address", sendto(d, "a", 1, 0, (void *)&a, 4));
  SHOW("recvfrom udp bad addr len ptr", ({ struct sockaddr_in s2 = {AF_INET, 0, {htonl(INADDR_LOOPBACK)}}; bind(d, (void *)&s2, sizeof s2); socklen_t sl = sizeof s2; getsockname(d, (void *)&s2, &sl); sendto(d, "a", 1, 0, (void *)&s2, sizeof s2); struct pollfd p = {d, POLLIN, 0}; poll(&p, 1, 5000); recvfrom(d, buf, 1, 0, (void *)&s2, (void *)8); }));
}

// ---- what a guest may create (wasl --network=none refuses IP sockets) --------------------------------
static void policy(void) {
  int sv[2];
  SHOW("socket AF_INET stream", socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : -1);
  SHOW("socket AF_INET6 dgram", socket(AF_INET6, SOCK_DGRAM, 0) >= 0 ? 0 : -1);
  SHOW("socketpair AF_UNIX", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 2) return 2;
  if (!strcmp(argv[1], "pair")) pair();
  else if (!strcmp(argv[1], "rights")) rights();
  else if (!strcmp(argv[1], "names")) names();
  else if (!strcmp(argv[1], "tcp")) tcp();
  else if (!strcmp(argv[1], "nbconnect")) nbconnect();
  else if (!strcmp(argv[1], "udp")) udp();
  else if (!strcmp(argv[1], "policy")) policy();
  else if (!strcmp(argv[1], "badargs")) badargs();
  else if (!strcmp(argv[1], "signals")) signals();
  else return 2;
  return 0;
}
