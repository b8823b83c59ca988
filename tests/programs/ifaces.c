// Network interfaces as a program learns them (issue #9): getifaddrs(3), if_nameindex(3), the
// SIOCGIF* ioctls and SIOCGIFCONF, and raw rtnetlink RTM_GETLINK / RTM_GETADDR requests — run
// natively and under wasl, which answers from the host's own interfaces. Counters and cache
// lifetimes are never printed (wasl does not track them).
//   ifaddrs | ioctl | netlink
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

// linux/netlink.h and linux/rtnetlink.h values (musl-gcc has no kernel headers).
#define NETLINK_ROUTE 0
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLM_F_REQUEST 1
#define NLM_F_MULTI 2
#define NLM_F_ACK 4
#define NLM_F_DUMP 0x300
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_GETROUTE 26
struct nlmsghdr { unsigned len; unsigned short type, flags; unsigned seq, pid; };
struct sockaddr_nl { unsigned short family, pad; unsigned pid, groups; };
struct ifinfomsg { unsigned char family, pad; unsigned short type; int index; unsigned flags, change; };
struct ifaddrmsg { unsigned char family, prefixlen, flags, scope; unsigned index; };
struct rtattr { unsigned short len, type; };
#define ALIGN4(n) (((n) + 3) & ~3)

static void show(const char *what, long r, int err) {
  if (r < 0) printf("%s = -1 %s\n", what, strerror(err));
  else printf("%s = %ld\n", what, r);
}
#define CALL(what, expr) do { errno = 0; long r_ = (expr); int e_ = errno; show(what, r_, e_); } while (0)

static const char *addr_text(struct sockaddr *sa, char *buf, size_t n) {
  if (!sa) return "-";
  if (sa->sa_family == AF_INET) return inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, buf, n);
  if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, buf, n);
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, "%%%u", ((struct sockaddr_in6 *)sa)->sin6_scope_id);
    return buf;
  }
  snprintf(buf, n, "family %d", sa->sa_family);
  return buf;
}

static void mode_ifaddrs(void) {
  struct ifaddrs *list;
  CALL("getifaddrs", getifaddrs(&list));
  for (struct ifaddrs *i = list; i; i = i->ifa_next) {
    char a[80], m[80], b[80];
    int fam = i->ifa_addr ? i->ifa_addr->sa_family : -1;
    if (fam == AF_PACKET) { printf("%s packet flags %#x\n", i->ifa_name, i->ifa_flags); continue; }
    printf("%s family %d flags %#x addr %s mask %s %s %s\n", i->ifa_name, fam, i->ifa_flags,
      addr_text(i->ifa_addr, a, sizeof a), addr_text(i->ifa_netmask, m, sizeof m),
      (i->ifa_flags & IFF_BROADCAST) ? "brd" : "dst", addr_text(i->ifa_broadaddr, b, sizeof b));
  }
  freeifaddrs(list);
  struct if_nameindex *ni = if_nameindex();
  for (struct if_nameindex *p = ni; p && p->if_index; p++) printf("if_nameindex %u %s\n", p->if_index, p->if_name);
  if (ni) if_freenameindex(ni);
  printf("if_nametoindex lo %u, nosuch %u\n", if_nametoindex("lo"), if_nametoindex("nosuch0"));
  char name[IF_NAMESIZE];
  printf("if_indextoname 1 %s\n", if_indextoname(1, name) ? name : strerror(errno));
}

static void per_iface(int s, const char *label, const char *name) {
  struct ifreq r;
  memset(&r, 0, sizeof r);
  strncpy(r.ifr_name, name, IFNAMSIZ - 1);
  char a[80];
  errno = 0;
  if (ioctl(s, SIOCGIFINDEX, &r) < 0) { printf("%s %s: SIOCGIFINDEX %s\n", label, name, strerror(errno)); return; }
  int index = r.ifr_ifindex;
  ioctl(s, SIOCGIFFLAGS, &r);
  int flags = r.ifr_flags & 0xffff;
  ioctl(s, SIOCGIFMTU, &r);
  int mtu = r.ifr_mtu;
  ioctl(s, SIOCGIFHWADDR, &r);
  unsigned char *hw = (unsigned char *)r.ifr_hwaddr.sa_data;
  printf("%s %s: index %d flags %#x mtu %d hw %d %02x:%02x:%02x:%02x:%02x:%02x", label, name, index, flags, mtu,
    r.ifr_hwaddr.sa_family, hw[0], hw[1], hw[2], hw[3], hw[4], hw[5]);
  ioctl(s, SIOCGIFTXQLEN, &r);
  printf(" txqlen %d", r.ifr_qlen);
  errno = 0;
  if (ioctl(s, SIOCGIFADDR, &r) < 0) printf(" addr: %s", strerror(errno));
  else printf(" addr %s", addr_text(&r.ifr_addr, a, sizeof a));
  if (ioctl(s, SIOCGIFNETMASK, &r) == 0) printf(" mask %s", addr_text(&r.ifr_netmask, a, sizeof a));
  if (ioctl(s, SIOCGIFBRDADDR, &r) == 0) printf(" brd %s", addr_text(&r.ifr_broadaddr, a, sizeof a));
  printf("\n");
  r.ifr_ifindex = index;
  memset(r.ifr_name, 0, IFNAMSIZ);
  if (ioctl(s, SIOCGIFNAME, &r) == 0) printf("%s SIOCGIFNAME %d = %s\n", label, index, r.ifr_name);
}

static void mode_ioctl(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifconf ifc = {0};
  CALL("SIOCGIFCONF with no buffer", ioctl(s, SIOCGIFCONF, &ifc));
  int need = ifc.ifc_len;
  printf("length %d (%d entries)\n", need, need / (int)sizeof(struct ifreq));
  struct ifreq reqs[32];
  ifc.ifc_len = sizeof(struct ifreq) + 10;  // room for one entry only
  ifc.ifc_req = reqs;
  CALL("SIOCGIFCONF with room for one", ioctl(s, SIOCGIFCONF, &ifc));
  printf("length %d\n", ifc.ifc_len);
  ifc.ifc_len = sizeof reqs;
  CALL("SIOCGIFCONF", ioctl(s, SIOCGIFCONF, &ifc));
  char a[80];
  for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
    printf("  %s %s\n", reqs[i].ifr_name, addr_text(&reqs[i].ifr_addr, a, sizeof a));
  struct if_nameindex *ni = if_nameindex();
  int u = socket(AF_UNIX, SOCK_DGRAM, 0);
  for (struct if_nameindex *p = ni; p && p->if_index; p++) {
    per_iface(s, "inet", p->if_name);
    per_iface(u, "unix", p->if_name);
  }
  if (ni) if_freenameindex(ni);
  per_iface(s, "inet", "nosuch0");
  struct ifreq r;
  memset(&r, 0, sizeof r);
  r.ifr_ifindex = 9999;
  CALL("SIOCGIFNAME 9999", ioctl(s, SIOCGIFNAME, &r));
  strcpy(r.ifr_name, "lo");
  r.ifr_flags = 0;
  CALL("SIOCSIFFLAGS as uid 0 in wasl's care", getuid() == 0 ? 0 : ioctl(s, SIOCSIFFLAGS, &r));
  CALL("SIOCGIFFLAGS bad pointer", ioctl(s, SIOCGIFFLAGS, (void *)16));
}

// One netlink request; prints each reply message's essentials until NLMSG_DONE or an error.
static void nl_request(int fd, unsigned short type, unsigned short flags, unsigned char family, int index, unsigned seq) {
  struct { struct nlmsghdr h; union { struct ifinfomsg i; struct ifaddrmsg a; } u; } req;
  memset(&req, 0, sizeof req);
  req.h.len = sizeof req.h + (type == RTM_GETADDR ? sizeof req.u.a : sizeof req.u.i);
  req.h.type = type;
  req.h.flags = NLM_F_REQUEST | flags;
  req.h.seq = seq;
  if (type == RTM_GETADDR) req.u.a.family = family; else { req.u.i.family = family; req.u.i.index = index; }
  struct sockaddr_nl kernel = {AF_NETLINK, 0, 0, 0};
  if (sendto(fd, &req, req.h.len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) { printf("sendto: %s\n", strerror(errno)); return; }
  for (;;) {
    static char buf[65536];
    struct sockaddr_nl from;
    socklen_t fl = sizeof from;
    long n = recvfrom(fd, buf, 4096, 0, (struct sockaddr *)&from, &fl);
    if (n < 0) { printf("recv: %s\n", strerror(errno)); return; }
    for (struct nlmsghdr *h = (void *)buf; n >= (long)sizeof *h && h->len >= sizeof *h && h->len <= (unsigned long)n;
         n -= ALIGN4(h->len), h = (void *)((char *)h + ALIGN4(h->len))) {
      if (h->seq != seq) printf("  (seq %u, not %u)\n", h->seq, seq);
      if (h->type == NLMSG_DONE) { printf("  DONE multi %d\n", (h->flags & NLM_F_MULTI) != 0); return; }
      if (h->type == NLMSG_ERROR) {
        int e = *(int *)(h + 1);
        printf("  ERROR %s\n", e ? strerror(-e) : "0 (ack)");
        return;
      }
      if (h->type == RTM_NEWLINK) {
        struct ifinfomsg *i = (void *)(h + 1);
        printf("  NEWLINK multi %d index %d type %d flags %#x:", (h->flags & NLM_F_MULTI) != 0, i->index, i->type, i->flags);
        long left = h->len - sizeof *h - sizeof *i;
        for (struct rtattr *a = (void *)(i + 1); left >= 4 && a->len >= 4; left -= ALIGN4(a->len), a = (void *)((char *)a + ALIGN4(a->len))) {
          unsigned char *d = (void *)(a + 1);
          if (a->type == 3) printf(" name %s", d);
          if (a->type == 4) printf(" mtu %u", *(unsigned *)d);
          if (a->type == 13) printf(" txqlen %u", *(unsigned *)d);
          if (a->type == 16) printf(" operstate %u", d[0]);
          if (a->type == 1) printf(" addr %02x:%02x:%02x:%02x:%02x:%02x", d[0], d[1], d[2], d[3], d[4], d[5]);
        }
        printf("\n");
      } else if (h->type == RTM_NEWADDR) {
        struct ifaddrmsg *i = (void *)(h + 1);
        printf("  NEWADDR family %d prefix %d scope %d index %u:", i->family, i->prefixlen, i->scope, i->index);
        long left = h->len - sizeof *h - sizeof *i;
        char t[64];
        for (struct rtattr *a = (void *)(i + 1); left >= 4 && a->len >= 4; left -= ALIGN4(a->len), a = (void *)((char *)a + ALIGN4(a->len))) {
          void *d = a + 1;
          if (a->type == 1) printf(" address %s", inet_ntop(i->family, d, t, sizeof t));
          if (a->type == 2) printf(" local %s", inet_ntop(i->family, d, t, sizeof t));
          if (a->type == 4) printf(" broadcast %s", inet_ntop(i->family, d, t, sizeof t));
          if (a->type == 3) printf(" label %s", (char *)d);
        }
        printf("\n");
      } else printf("  type %d\n", h->type);
      if (!(h->flags & NLM_F_MULTI)) return;  // a single reply: no NLMSG_DONE follows
    }
  }
}

static void mode_netlink(void) {
  CALL("socket NETLINK_ROUTE raw", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
  CALL("socket netlink stream", socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE));
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  struct sockaddr_nl me;
  socklen_t ml = sizeof me;
  getsockname(fd, (struct sockaddr *)&me, &ml);
  printf("unbound: pid %u len %u family %u\n", me.pid, ml, me.family);
  struct sockaddr_nl b = {AF_NETLINK, 0, 0, 0};
  CALL("bind short", bind(fd, (struct sockaddr *)&b, 8));
  CALL("bind", bind(fd, (struct sockaddr *)&b, sizeof b));
  ml = sizeof me;
  getsockname(fd, (struct sockaddr *)&me, &ml);
  printf("bound: pid is getpid(): %d\n", me.pid == (unsigned)getpid());
  int second = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
  bind(second, (struct sockaddr *)&b, sizeof b);
  ml = sizeof me;
  getsockname(second, (struct sockaddr *)&me, &ml);
  printf("second socket: pid is getpid(): %d, negative: %d\n", me.pid == (unsigned)getpid(), (int)me.pid < 0);
  int one = 1;
  CALL("NETLINK_GET_STRICT_CHK", setsockopt(fd, 270, 12, &one, sizeof one));
  CALL("NETLINK_EXT_ACK", setsockopt(fd, 270, 11, &one, sizeof one));
  printf("RTM_GETLINK dump:\n");
  nl_request(fd, RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC, 0, 1);
  printf("RTM_GETADDR dump:\n");
  nl_request(fd, RTM_GETADDR, NLM_F_DUMP, AF_UNSPEC, 0, 2);
  printf("RTM_GETADDR dump, AF_INET6:\n");
  nl_request(fd, RTM_GETADDR, NLM_F_DUMP, AF_INET6, 0, 3);
  printf("RTM_GETLINK index 1:\n");
  nl_request(fd, RTM_GETLINK, 0, AF_UNSPEC, 1, 4);
  printf("RTM_GETLINK index 9999:\n");
  nl_request(fd, RTM_GETLINK, 0, AF_UNSPEC, 9999, 5);
  printf("RTM_NEWLINK (a change):\n");
  if (getuid() != 0) nl_request(fd, RTM_NEWLINK, NLM_F_ACK, AF_UNSPEC, 1, 6);
  else printf("  (skipped as root: it would change the host)\n");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *m = argc > 1 ? argv[1] : "";
  if (!strcmp(m, "ifaddrs")) mode_ifaddrs();
  else if (!strcmp(m, "ioctl")) mode_ioctl();
  else if (!strcmp(m, "netlink")) mode_netlink();
  else { fprintf(stderr, "usage: ifaces ifaddrs|ioctl|netlink\n"); return 2; }
  return 0;
}
