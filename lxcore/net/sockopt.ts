// setsockopt/getsockopt (socket(7), tcp(7), ip(7), ipv6(7); net/core/sock.c sk_setsockopt and
// sk_getsockopt): the options common programs set, accepted and reported back the way Linux
// reports them — SO_SNDBUF/SO_RCVBUF double what was asked (the kernel's bookkeeping overhead)
// within the host's wmem_max/rmem_max, booleans read back as 0 or 1, SO_ERROR is taken once.

import { fail, EINVAL, EDOM, ENOPROTOOPT, EOPNOTSUPP } from '../abi/errno.js';
import {
  SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, IPPROTO_IPV6, AF_UNIX, AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM,
  SO_DEBUG, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_DONTROUTE, SO_BROADCAST, SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE,
  SO_OOBINLINE, SO_NO_CHECK, SO_PRIORITY, SO_LINGER, SO_REUSEPORT, SO_PASSCRED, SO_PEERCRED, SO_RCVLOWAT,
  SO_SNDLOWAT, SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD, SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN, SO_SNDBUFFORCE, SO_RCVBUFFORCE,
  TCP_NODELAY, TCP_MAXSEG, TCP_CORK, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_QUICKACK, TCP_USER_TIMEOUT, TCP_FASTOPEN,
  IP_TOS, IP_TTL, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IPV6_V6ONLY, IPV6_UNICAST_HOPS, IPV6_MULTICAST_LOOP,
} from '../abi/socket.js';
import { hostSysctl } from './sysctl.js';
import type { Socket } from './socket.js';

const SOL_NETLINK = 270, AF_NETLINK = 16;

/** SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF on x86-64 Linux 6.1 (2 × (2048 + skb truesize)). */
const SOCK_MIN_SNDBUF = 4608, SOCK_MIN_RCVBUF = 2304;

/** Options that are a plain int (or boolean) Linux stores and reads back: level → names. */
const BOOLEAN = new Set([
  `${SOL_SOCKET}:${SO_DEBUG}`, `${SOL_SOCKET}:${SO_REUSEADDR}`, `${SOL_SOCKET}:${SO_DONTROUTE}`,
  `${SOL_SOCKET}:${SO_BROADCAST}`, `${SOL_SOCKET}:${SO_KEEPALIVE}`, `${SOL_SOCKET}:${SO_OOBINLINE}`,
  `${SOL_SOCKET}:${SO_NO_CHECK}`, `${SOL_SOCKET}:${SO_REUSEPORT}`, `${SOL_SOCKET}:${SO_PASSCRED}`,
  `${IPPROTO_TCP}:${TCP_NODELAY}`, `${IPPROTO_TCP}:${TCP_CORK}`, `${IPPROTO_TCP}:${TCP_QUICKACK}`,
  `${IPPROTO_IPV6}:${IPV6_V6ONLY}`, `${IPPROTO_IP}:${IP_MULTICAST_LOOP}`, `${IPPROTO_IPV6}:${IPV6_MULTICAST_LOOP}`,
  // Accepted and kept, though wasl delivers no ancillary data or error queue for them: glibc's
  // resolver sets IP_RECVERR on its UDP socket and gives up if that fails.
  `${IPPROTO_IP}:8`, `${IPPROTO_IP}:11`, `${IPPROTO_IP}:12`, `${IPPROTO_IP}:13`, // PKTINFO RECVERR RECVTTL RECVTOS
  `${IPPROTO_IPV6}:25`, `${IPPROTO_IPV6}:49`, // IPV6_RECVERR, IPV6_RECVPKTINFO
  // SOL_NETLINK: PKTINFO, BROADCAST_ERROR, NO_ENOBUFS, LISTEN_ALL_NSID, CAP_ACK, EXT_ACK,
  // GET_STRICT_CHK (iproute2 sets the last two); kept, and they change nothing wasl answers.
  ...[3, 4, 5, 8, 10, 11, 12].map((n) => `${SOL_NETLINK}:${n}`),
]);
const INTEGER = new Set([
  `${SOL_SOCKET}:${SO_PRIORITY}`, `${SOL_SOCKET}:${SO_RCVLOWAT}`,
  `${IPPROTO_TCP}:${TCP_MAXSEG}`, `${IPPROTO_TCP}:${TCP_KEEPIDLE}`, `${IPPROTO_TCP}:${TCP_KEEPINTVL}`,
  `${IPPROTO_TCP}:${TCP_KEEPCNT}`, `${IPPROTO_TCP}:${TCP_USER_TIMEOUT}`, `${IPPROTO_TCP}:${TCP_FASTOPEN}`,
  `${IPPROTO_IP}:${IP_TOS}`, `${IPPROTO_IP}:${IP_TTL}`, `${IPPROTO_IP}:${IP_MULTICAST_TTL}`,
  `${IPPROTO_IPV6}:${IPV6_UNICAST_HOPS}`,
  `${IPPROTO_IP}:10`, `${IPPROTO_IPV6}:23`, // IP_MTU_DISCOVER, IPV6_MTU_DISCOVER
]);

/** What an option reads back before anyone set it (Linux's defaults). */
function defaultOf(key: string): number {
  switch (key) {
    case `${SOL_SOCKET}:${SO_RCVLOWAT}`: return 1;
    case `${IPPROTO_TCP}:${TCP_MAXSEG}`: return 536;
    case `${IPPROTO_TCP}:${TCP_KEEPIDLE}`: return hostSysctl('net/ipv4/tcp_keepalive_time', 7200);
    case `${IPPROTO_TCP}:${TCP_KEEPINTVL}`: return hostSysctl('net/ipv4/tcp_keepalive_intvl', 75);
    case `${IPPROTO_TCP}:${TCP_KEEPCNT}`: return hostSysctl('net/ipv4/tcp_keepalive_probes', 9);
    case `${IPPROTO_IP}:${IP_TTL}`: return hostSysctl('net/ipv4/ip_default_ttl', 64);
    case `${IPPROTO_IP}:${IP_MULTICAST_TTL}`: return 1;
    case `${IPPROTO_IP}:${IP_MULTICAST_LOOP}`: return 1;
    case `${IPPROTO_IPV6}:${IPV6_MULTICAST_LOOP}`: return 1;
    case `${IPPROTO_IPV6}:${IPV6_UNICAST_HOPS}`: return 64;
    case `${IPPROTO_IPV6}:${IPV6_V6ONLY}`: return hostSysctl('net/ipv6/bindv6only', 0);
    default: return 0;
  }
}

/** Whether `level` means anything for this socket (else Linux's answer for a foreign level). */
function checkLevel(s: Socket, level: number): void {
  if (level === SOL_SOCKET) return;
  if (s.domain === AF_UNIX) fail(EOPNOTSUPP);
  if (s.domain === AF_NETLINK) {
    if (level === SOL_NETLINK) return;
    fail(ENOPROTOOPT);
  }
  if (level === IPPROTO_TCP && s.type === SOCK_STREAM) return;
  if (level === IPPROTO_IP && (s.domain === AF_INET || s.domain === AF_INET6)) return;
  if (level === IPPROTO_IPV6 && s.domain === AF_INET6) return;
  fail(ENOPROTOOPT);
}

const int32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(0, true);

/** setsockopt(fd, level, name, optval, optlen) with optval already read. */
export function setOption(s: Socket, level: number, name: number, val: Uint8Array): number {
  checkLevel(s, level);
  const key = `${level}:${name}`;
  if (level === SOL_SOCKET && name === SO_LINGER) {
    if (val.length < 8) fail(EINVAL);
    const dv = new DataView(val.buffer, val.byteOffset, 8);
    if (dv.getInt32(0, true)) s.linger = { on: true, secs: Math.max(0, dv.getInt32(4, true)) };
    else s.linger = { on: false, secs: s.linger.secs };
    return 0;
  }
  if (level === SOL_SOCKET && (name === SO_RCVTIMEO_OLD || name === SO_SNDTIMEO_OLD)) {
    if (val.length < 16) fail(EINVAL);
    const usec = new DataView(val.buffer, val.byteOffset, 16).getBigInt64(8, true);
    if (usec < 0n || usec >= 1_000_000n) fail(EDOM);
    s.timeouts.set(name, val.slice(0, 16));
    return 0;
  }
  if (val.length < 4) fail(EINVAL);
  const v = int32(val);
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO_SNDBUF: case SO_SNDBUFFORCE: {
        const x = Math.min(v >>> 0, hostSysctl('net/core/wmem_max', 212992));
        s.sndbuf = Math.max(x * 2, SOCK_MIN_SNDBUF);
        s.sndbufLocked = true;
        s.applyOption(level, SO_SNDBUF, s.sndbuf);
        return 0;
      }
      case SO_RCVBUF: case SO_RCVBUFFORCE: {
        const x = Math.min(v >>> 0, hostSysctl('net/core/rmem_max', 212992));
        s.rcvbuf = Math.max(x * 2, SOCK_MIN_RCVBUF);
        s.rcvbufLocked = true;
        s.applyOption(level, SO_RCVBUF, s.rcvbuf);
        return 0;
      }
      case SO_SNDLOWAT: return fail(ENOPROTOOPT);
      case SO_RCVLOWAT: s.stored.set(key, v < 0 ? 0x7fffffff : v || 1); return 0;
      case SO_TYPE: case SO_ERROR: case SO_PEERCRED: case SO_ACCEPTCONN: case SO_PROTOCOL: case SO_DOMAIN:
        return fail(ENOPROTOOPT); // read-only
    }
  }
  if (level === IPPROTO_IPV6 && name === IPV6_V6ONLY && s.bound) fail(EINVAL);
  if (level === IPPROTO_TCP && (name === TCP_KEEPIDLE || name === TCP_KEEPINTVL) && (v < 1 || v > 32767)) fail(EINVAL);
  if (level === IPPROTO_TCP && name === TCP_KEEPCNT && (v < 1 || v > 127)) fail(EINVAL);
  if (level === IPPROTO_IP && name === IP_TTL && (v < -1 || v === 0 || v > 255)) fail(EINVAL);
  if (BOOLEAN.has(key)) { s.stored.set(key, v ? 1 : 0); s.applyOption(level, name, v ? 1 : 0); return 0; }
  if (INTEGER.has(key)) {
    const x = level === IPPROTO_IP && name === IP_TTL && v === -1 ? defaultOf(key) : v;
    s.stored.set(key, x);
    s.applyOption(level, name, x);
    return 0;
  }
  return fail(ENOPROTOOPT);
}

/** getsockopt(fd, level, name): the value's bytes (the caller truncates to optlen). */
export function getOption(s: Socket, level: number, name: number): Uint8Array {
  checkLevel(s, level);
  const key = `${level}:${name}`;
  const int = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, true); return b; };
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO_TYPE: return int(s.type);
      case SO_PROTOCOL: return int(s.protocol || (s.domain === AF_UNIX ? 0 : s.type === SOCK_STREAM ? IPPROTO_TCP : s.type === SOCK_DGRAM ? 17 : 0));
      case SO_DOMAIN: return int(s.domain);
      case SO_ERROR: return int(s.takeError());
      case SO_SNDBUF: return int(s.sndbuf);
      case SO_RCVBUF: return int(s.rcvbuf);
      case SO_ACCEPTCONN: return int(s.listening ? 1 : 0);
      case SO_LINGER: {
        const b = new Uint8Array(8);
        const dv = new DataView(b.buffer);
        dv.setInt32(0, s.linger.on ? 1 : 0, true);
        dv.setInt32(4, s.linger.secs, true);
        return b;
      }
      case SO_PEERCRED: {
        const c = s.peerCred();
        const b = new Uint8Array(12);
        const dv = new DataView(b.buffer);
        dv.setInt32(0, c.pid, true); dv.setUint32(4, c.uid, true); dv.setUint32(8, c.gid, true);
        return b;
      }
      case SO_RCVTIMEO_OLD: case SO_SNDTIMEO_OLD: return s.timeouts.get(name) ?? new Uint8Array(16);
      case SO_SNDLOWAT: return int(1);
    }
  }
  if (BOOLEAN.has(key) || INTEGER.has(key)) return int(s.stored.get(key) ?? defaultOf(key));
  return fail(ENOPROTOOPT);
}
