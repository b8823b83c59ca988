// struct sockaddr_un, sockaddr_in and sockaddr_in6 (unix(7), ip(7), ipv6(7)): parsing what a
// guest passes to bind/connect/sendto, and encoding what getsockname/accept/recvfrom hand back
// (move_addr_to_kernel / move_addr_to_user in net/socket.c).

import { fail, EINVAL, EAFNOSUPPORT } from '../abi/errno.js';
import { AF_UNIX, AF_INET, AF_INET6, AF_UNSPEC } from '../abi/socket.js';
import type { Task } from '../kernel/task.js';

/** A Unix name: the sun_path bytes (empty = unnamed, a leading NUL = abstract). */
export interface UnixAddr { family: typeof AF_UNIX; name: Uint8Array }
/** An IP address as Node spells it ("127.0.0.1", "::1"), and a port. */
export interface InetAddr { family: typeof AF_INET | typeof AF_INET6; addr: string; port: number; flowinfo?: number; scope?: number }
export interface UnspecAddr { family: typeof AF_UNSPEC }
/** struct sockaddr_nl: a netlink port id and multicast group mask. */
export interface NetlinkAddr { family: 16; pid: number; groups: number }
export type SockAddr = UnixAddr | InetAddr | UnspecAddr | NetlinkAddr;
const AF_NETLINK = 16;

/** sockaddr_nl (netlink_bind, netlink_connect): at least 12 bytes, nl_family AF_NETLINK. */
export function parseNetlink(raw: Uint8Array): NetlinkAddr {
  if (raw.length < 12) fail(EINVAL);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (familyOf(raw) !== AF_NETLINK) fail(EINVAL);
  return { family: AF_NETLINK, pid: dv.getUint32(4, true), groups: dv.getUint32(8, true) };
}

/** sizeof(struct sockaddr_storage): the most a guest may pass. */
const SOCKADDR_STORAGE = 128;
const SIN_SIZE = 16, SIN6_SIZE = 28, SUN_SIZE = 110;

/** Reads `len` bytes of a sockaddr from guest memory (EINVAL for a length out of range). */
export function readSockaddr(t: Task, addr: number, len: number): Uint8Array {
  len |= 0;
  if (len < 0 || len > SOCKADDR_STORAGE) fail(EINVAL);
  return len === 0 ? new Uint8Array(0) : t.process.mm.read(addr, len);
}

export const familyOf = (raw: Uint8Array): number => (raw.length >= 2 ? raw[0] | (raw[1] << 8) : -1);

/** unix_validate_addr + unix_mkname: sun_family must be AF_UNIX; a path name ends at its NUL. */
export function parseUnix(raw: Uint8Array): UnixAddr {
  if (raw.length < 2 || raw.length > SUN_SIZE || familyOf(raw) !== AF_UNIX) fail(EINVAL);
  let name = raw.subarray(2);
  if (name.length > 0 && name[0] !== 0) {
    const nul = name.indexOf(0);
    if (nul >= 0) name = name.subarray(0, nul);
  }
  return { family: AF_UNIX, name: name.slice() };
}

/** sockaddr_in / sockaddr_in6 for a socket of `family` (inet_bind, inet6_bind, the connects). */
export function parseInet(raw: Uint8Array, family: number): InetAddr | UnspecAddr {
  const f = familyOf(raw);
  if (f === AF_UNSPEC && raw.length >= 2) return { family: AF_UNSPEC };
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (family === AF_INET) {
    if (raw.length < SIN_SIZE) fail(EINVAL);
    if (f !== AF_INET) fail(EAFNOSUPPORT);
    return { family: AF_INET, port: dv.getUint16(2, false), addr: [...raw.subarray(4, 8)].join('.') };
  }
  if (raw.length < 24) fail(EINVAL); // SIN6_LEN_RFC2133: without sin6_scope_id
  if (f !== AF_INET6) fail(EAFNOSUPPORT);
  return {
    family: AF_INET6, port: dv.getUint16(2, false), flowinfo: dv.getUint32(4, false),
    addr: ipv6ToString(raw.subarray(8, 24)), scope: raw.length >= SIN6_SIZE ? dv.getUint32(24, true) : 0,
  };
}

/** The bytes of a sockaddr as the kernel would hand it back. */
export function encodeSockaddr(a: SockAddr): Uint8Array {
  if (a.family === AF_NETLINK) {
    const b = new Uint8Array(12);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, AF_NETLINK, true);
    dv.setUint32(4, a.pid >>> 0, true);
    dv.setUint32(8, a.groups >>> 0, true);
    return b;
  }
  if (a.family === AF_UNIX) {
    // A path name comes back with its NUL; an abstract one exactly; an unnamed one as the family.
    const path = a.name.length > 0 && a.name[0] !== 0;
    const b = new Uint8Array(2 + a.name.length + (path ? 1 : 0));
    b[0] = AF_UNIX;
    b.set(a.name, 2);
    return b;
  }
  if (a.family === AF_INET) {
    const b = new Uint8Array(SIN_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, AF_INET, true);
    dv.setUint16(2, a.port, false);
    b.set(ipv4Bytes(a.addr), 4);
    return b;
  }
  if (a.family === AF_INET6) {
    const b = new Uint8Array(SIN6_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, AF_INET6, true);
    dv.setUint16(2, a.port, false);
    dv.setUint32(4, a.flowinfo ?? 0, false);
    b.set(ipv6Bytes(a.addr), 8);
    dv.setUint32(24, a.scope ?? 0, true);
    return b;
  }
  const b = new Uint8Array(2);
  return b;
}

/**
 * move_addr_to_user: copies as much of `a` as the guest's *addrlen allows and stores the full
 * length there. Nothing is written when `addr` is NULL.
 */
export function writeSockaddr(t: Task, addr: number, lenPtr: number, a: SockAddr): void {
  if (!addr) return;
  const mm = t.process.mm;
  const have = mm.readU32(lenPtr) | 0;
  if (have < 0) fail(EINVAL);
  const bytes = encodeSockaddr(a);
  const n = Math.min(have, bytes.length);
  if (n > 0) mm.write(addr, bytes.subarray(0, n));
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  mm.write(lenPtr, out);
}

export function ipv4Bytes(s: string): Uint8Array {
  const p = s.split('.').map(Number);
  return p.length === 4 && p.every((x) => x >= 0 && x < 256) ? Uint8Array.from(p) : new Uint8Array(4);
}

/** Text form of 16 address bytes: uncompressed groups, which Node accepts everywhere. */
export function ipv6ToString(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16));
  return g.join(':');
}

/** The 16 bytes of an IPv6 address in any RFC 4291 text form (a zone suffix is dropped). */
export function ipv6Bytes(s: string): Uint8Array {
  const out = new Uint8Array(16);
  s = s.replace(/%.*$/, '');
  // A trailing dotted quad (::ffff:127.0.0.1) is the last two groups.
  const m = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (m) {
    const q = m.slice(1).map(Number);
    s = s.slice(0, m.index) + `${((q[0] << 8) | q[1]).toString(16)}:${((q[2] << 8) | q[3]).toString(16)}`;
  }
  const halves = s.split('::');
  const part = (x: string | undefined) => (x ? x.split(':') : []);
  const head = part(halves[0]), tail = part(halves[1]);
  const groups = halves.length > 1 ? [...head, ...new Array(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail] : head;
  groups.slice(0, 8).forEach((x, i) => { const v = parseInt(x, 16) || 0; out[i * 2] = v >> 8; out[i * 2 + 1] = v & 0xff; });
  return out;
}

/** An IPv4 address seen by an AF_INET6 socket: ::ffff:a.b.c.d. */
export function v4mapped(addr: string): string {
  return addr.includes(':') ? addr : `::ffff:${addr}`;
}

/** An address as a socket of `domain` reports it (IPv4 peers of an AF_INET6 socket are mapped). */
export function inetAddr(domain: number, ip: string | undefined, port: number | undefined): InetAddr {
  let addr = ip ?? (domain === AF_INET ? '0.0.0.0' : '::');
  if (domain === AF_INET6) addr = v4mapped(addr);
  else if (addr.startsWith('::ffff:')) addr = addr.slice(7);
  return { family: domain as typeof AF_INET, addr, port: port ?? 0 };
}
