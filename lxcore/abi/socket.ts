// socket(7), unix(7), ip(7), ipv6(7), tcp(7), udp(7) constants as x86-64 Linux spells them
// (include/linux/socket.h, uapi/asm-generic/socket.h, uapi/linux/in.h, in6.h, tcp.h), and the
// layouts of struct msghdr and struct cmsghdr.

export const AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;

export const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5;
/** socket(2)'s type argument also carries these two open flags (= O_NONBLOCK, O_CLOEXEC). */
export const SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000;
export const SOCK_TYPE_MASK = 0xf;

export const IPPROTO_IP = 0, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41;

export const SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;

export const MSG_OOB = 0x1, MSG_PEEK = 0x2, MSG_DONTROUTE = 0x4, MSG_CTRUNC = 0x8, MSG_TRUNC = 0x20,
  MSG_DONTWAIT = 0x40, MSG_EOR = 0x80, MSG_WAITALL = 0x100, MSG_NOSIGNAL = 0x4000, MSG_MORE = 0x8000,
  MSG_WAITFORONE = 0x10000, MSG_CMSG_CLOEXEC = 0x40000000;

export const SOL_SOCKET = 1;
export const SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5,
  SO_BROADCAST = 6, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10,
  SO_NO_CHECK = 11, SO_PRIORITY = 12, SO_LINGER = 13, SO_BSDCOMPAT = 14, SO_REUSEPORT = 15,
  SO_PASSCRED = 16, SO_PEERCRED = 17, SO_RCVLOWAT = 18, SO_SNDLOWAT = 19, SO_RCVTIMEO_OLD = 20,
  SO_SNDTIMEO_OLD = 21, SO_ACCEPTCONN = 30, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33,
  SO_PROTOCOL = 38, SO_DOMAIN = 39;
export const SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;

export const TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5,
  TCP_KEEPCNT = 6, TCP_QUICKACK = 12, TCP_USER_TIMEOUT = 18, TCP_FASTOPEN = 23;
export const IP_TOS = 1, IP_TTL = 2, IP_MULTICAST_TTL = 33, IP_MULTICAST_LOOP = 34;
export const IPV6_UNICAST_HOPS = 16, IPV6_MULTICAST_LOOP = 19, IPV6_V6ONLY = 26;

/** sizeof(struct msghdr) and its fields' offsets (x86-64: pointers and size_t are 8 bytes). */
export const MSGHDR_SIZE = 56;
export const MSG_NAME = 0, MSG_NAMELEN = 8, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_CONTROL = 32,
  MSG_CONTROLLEN = 40, MSG_FLAGS = 48;
/** struct mmsghdr: a msghdr then unsigned msg_len, padded to 64. */
export const MMSGHDR_SIZE = 64;
/** struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then data, 8-aligned. */
export const CMSG_HDR = 16;
export const cmsgAlign = (n: number): number => (n + 7) & ~7;
export const cmsgSpace = (n: number): number => CMSG_HDR + cmsgAlign(n);
export const cmsgLen = (n: number): number => CMSG_HDR + n;
/** SCM_MAX_FD: at most this many descriptors in one SCM_RIGHTS message. */
export const SCM_MAX_FD = 253;
/** UNIX_PATH_MAX: sun_path's size. */
export const UNIX_PATH_MAX = 108;
/** SOMAXCONN: listen(2)'s backlog is capped at net.core.somaxconn (4096 since Linux 5.4). */
export const SOMAXCONN = 4096;
