// System V message queues, compared with the host kernel (tests/sysvmsg.test.ts): msgget's rules,
// msgsnd/msgrcv by type (0, >0, <0, MSG_EXCEPT, MSG_COPY), MSG_NOERROR and E2BIG, IPC_NOWAIT,
// a full queue blocking a sender until a receiver makes room, a receiver woken by a send, EIDRM,
// EINTR, msgctl (IPC_STAT fields, IPC_SET of msg_qbytes, IPC_INFO), permissions as uid 1000.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct m { long type; char text[64]; };
static int id;
static void res(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %ld\n", what, r);
}
static long snd(long type, const char *t, int flg) {
  struct m x = { type, "" };
  strcpy(x.text, t);
  return msgsnd(id, &x, strlen(t) + 1, flg);
}
static char later[256];
/** msgrcv, its outcome written into `later` (printed by the caller when it is its turn). */
static void rcvq(const char *what, long type, size_t size, int flg) {
  struct m x;
  memset(&x, 0, sizeof x);
  long n = msgrcv(id, &x, size, type, flg);
  if (n < 0) snprintf(later, sizeof later, "%s: -1 %s\n", what, strerror(errno));
  else snprintf(later, sizeof later, "%s: %ld type %ld text %.*s\n", what, n, x.type, (int)n, x.text);
}
static void rcv(const char *what, long type, size_t size, int flg) { rcvq(what, type, size, flg); fputs(later, stdout); }
static void st(const char *what) {
  struct msqid_ds ds;
  msgctl(id, IPC_STAT, &ds);
  printf("%s: qnum %lu cbytes %lu qbytes %lu lspid %s lrpid %s stime %s rtime %s mode %o\n", what,
    (unsigned long)ds.msg_qnum, (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes,
    ds.msg_lspid == 0 ? "0" : ds.msg_lspid == getpid() ? "self" : "other", ds.msg_lrpid == 0 ? "0" : ds.msg_lrpid == getpid() ? "self" : "other",
    ds.msg_stime ? "set" : "0", ds.msg_rtime ? "set" : "0", ds.msg_perm.mode);
}
static void on_alarm(int s) { (void)s; }
static void cleanup(void) { msgctl(id, IPC_RMID, NULL); }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  key_t key = 0x5c000000 | (getpid() & 0xffffff);
  res("absent key", msgget(key, 0600));
  id = msgget(key, IPC_CREAT | 0640);
  atexit(cleanup);
  printf("create: %s\n", id >= 0 ? "ok" : strerror(errno));
  res("IPC_EXCL", msgget(key, IPC_CREAT | IPC_EXCL));
  printf("same key: %d\n", msgget(key, 0) == id);
  st("fresh");
  res("type 0", snd(0, "x", 0));
  res("size past MSGMAX", msgsnd(id, &(struct m){ 1, "" }, 8193, 0));
  res("send 3 a", snd(3, "a", 0));
  res("send 1 b", snd(1, "b", 0));
  res("send 2 c", snd(2, "c", 0));
  res("send 1 d", snd(1, "d", 0));
  st("four in");
  rcv("MSG_COPY index 2", 2, 64, MSG_COPY | IPC_NOWAIT);
  rcv("MSG_COPY without NOWAIT", 0, 64, MSG_COPY);
  rcv("MSG_COPY index 9", 9, 64, MSG_COPY | IPC_NOWAIT);
  rcv("type 1", 1, 64, 0);
  rcv("type -2 (lowest up to 2)", -2, 64, 0);
  rcv("not type 3 (MSG_EXCEPT)", 3, 64, MSG_EXCEPT);
  rcv("type 5 NOWAIT", 5, 64, IPC_NOWAIT);
  res("send 7 long", snd(7, "a longer text", 0));
  rcv("too small", 7, 4, 0);
  rcv("MSG_NOERROR", 7, 4, MSG_NOERROR);
  rcv("type 0", 0, 64, 0);
  st("emptied");
  printf("-- blocking\n");
  struct msqid_ds ds;
  msgctl(id, IPC_STAT, &ds);
  ds.msg_qbytes = 10;
  res("IPC_SET qbytes 10", msgctl(id, IPC_SET, &ds));
  res("send 8 bytes", snd(1, "1234567", 0));
  res("send 4 more NOWAIT", snd(1, "abc", IPC_NOWAIT));
  int back[2];
  pipe(back);
  pid_t c = fork();
  if (c == 0) {
    write(back[1], "r", 1);
    long r = snd(2, "abc", 0); // waits for room
    printf("child: blocked send went through: %ld\n", r);
    write(back[1], "d", 1);
    struct m x;
    r = msgrcv(id, &x, 64, 9, 0); // waits for a type 9
    printf("child: receive of type 9 woke: %ld %s\n", r, r < 0 ? strerror(errno) : x.text);
    write(back[1], "d", 1);
    r = msgrcv(id, &x, 64, 10, 0); // waits until the queue goes
    printf("child: waiting when the queue went: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    _exit(0);
  }
  char ch;
  read(back[0], &ch, 1);
  usleep(100000);
  st("child waiting to send");
  rcvq("receive 1", 1, 64, 0);
  read(back[0], &ch, 1); // (the child prints first: its send went through)
  fputs(later, stdout);
  st("after the child's send");
  usleep(50000);
  long s9 = snd(9, "nine", 0);
  read(back[0], &ch, 1);
  res("send 9", s9);
  struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
  rcv("receive interrupted (never restarted)", 42, 64, 0);
  printf("-- msgctl\n");
  struct msginfo mi;
  long mx = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
  printf("IPC_INFO: ok %d msgmax %d msgmnb %d msgmni %d msgssz %d msgseg %u\n", mx >= 0, mi.msgmax, mi.msgmnb, mi.msgmni, mi.msgssz, mi.msgseg);
  res("bad command", msgctl(id, 99, &ds));
  msgctl(id, IPC_STAT, &ds);
  ds.msg_perm.mode = 0600;
  ds.msg_qbytes = 16384;
  res("IPC_SET mode 0600, qbytes back", msgctl(id, IPC_SET, &ds));
  pid_t w = fork();
  if (w == 0) {
    if (getuid() == 0 && setuid(1000) != 0) { printf("setuid failed\n"); _exit(1); }
    res("uid 1000 msgget asking for write", msgget(key, 0200));
    res("uid 1000 msgsnd", snd(1, "x", IPC_NOWAIT));
    res("uid 1000 IPC_STAT", msgctl(id, IPC_STAT, &ds));
    res("uid 1000 IPC_RMID", msgctl(id, IPC_RMID, NULL));
    _exit(0);
  }
  waitpid(w, NULL, 0);
  long rm = msgctl(id, IPC_RMID, NULL);
  waitpid(c, NULL, 0);
  res("IPC_RMID with a waiting receiver", rm);
  res("IPC_STAT after removal", msgctl(id, IPC_STAT, &ds));
  return 0;
}
