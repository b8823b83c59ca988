// The socket calls (socket(2) … recvmmsg(2), net/socket.c): descriptor and guest-memory work —
// sockaddrs, msghdrs, iovecs, control messages (SCM_RIGHTS), option buffers — in front of the
// socket objects of lxcore/net (unix.ts, inet.ts, udp.ts), which do the protocol work.

import { fs } from '../host.js';
import type { BigIntStats } from 'node:fs';
import {
  fail, EINVAL, EFAULT, ENOTSOCK, EAFNOSUPPORT, ESOCKTNOSUPPORT, EPROTONOSUPPORT, EOPNOTSUPP,
  EADDRINUSE, EEXIST, EACCES, ECONNREFUSED, EROFS, EPERM, EMSGSIZE,
} from '../abi/errno.js';
import {
  AF_UNIX, AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, SOCK_NONBLOCK, SOCK_CLOEXEC, SOCK_TYPE_MASK,
  IPPROTO_TCP, IPPROTO_UDP, SOL_SOCKET, SCM_RIGHTS, SCM_CREDENTIALS, SCM_MAX_FD, MSG_CTRUNC, MSG_TRUNC, MSG_CMSG_CLOEXEC,
  MSG_DONTWAIT, MSG_WAITFORONE, MSGHDR_SIZE, MMSGHDR_SIZE, MSG_NAME, MSG_NAMELEN, MSG_IOV, MSG_IOVLEN, MSG_CONTROL,
  MSG_CONTROLLEN, MSG_FLAGS, CMSG_HDR, cmsgAlign, cmsgLen,
} from '../abi/socket.js';
import { AT_FDCWD, O_NONBLOCK } from '../abi/fcntl.js';
import { S_IFSOCK } from '../abi/stat.js';
import { Socket, SendMsg, RecvMsg, Ucred } from '../net/socket.js';
import { UnixSocket, setUnixFsNames } from '../net/unix.js';
import { createInetSocket } from '../net/inet.js';
import { SockAddr, readSockaddr, parseUnix, parseInet, parseNetlink, writeSockaddr, encodeSockaddr } from '../net/sockaddr.js';
import { NetlinkSocket, AF_NETLINK, NETLINK_ROUTE } from '../net/netlink.js';
import { setOption, getOption } from '../net/sockopt.js';
import { iovecs } from './sys_io.js';
import { lookup, lookupParent, credsOf } from './sys_path.js';
import { mayModifyDir } from '../vfs/perm.js';
import { hostErrno } from '../fs/hosterr.js';
import type { FileDescription, Maybe } from '../vfs/file.js';
import type { Task } from '../kernel/task.js';

/** AF_MAX on Linux 6.1: domains at or past it are EAFNOSUPPORT without a module to load. */
const AF_MAX = 46;
const MAX_MSG = 4 << 20;

function sock(t: Task, fd: number): Socket {
  const f = t.process.fds.get(fd | 0);
  if (!(f instanceof Socket)) fail(ENOTSOCK);
  return f;
}

const then = <T, U>(v: Maybe<T>, f: (x: T) => U | Promise<U>): U | Promise<U> => (v instanceof Promise ? v.then(f) : f(v));

/** The guest's sockaddr, parsed for the socket's family. */
function addrFor(t: Task, s: Socket, addr: number, len: number): SockAddr {
  const raw = readSockaddr(t, addr, len);
  if (s.domain === AF_NETLINK) return parseNetlink(raw);
  return s.domain === AF_UNIX ? parseUnix(raw) : parseInet(raw, s.domain);
}

// ---- filesystem names for AF_UNIX ------------------------------------------------------------------
// bind makes the node (a socket inode on volfs; on a host directory a plain empty file stands in,
// since Node cannot mknod a socket: docs/quirks.md) and the name table is keyed by its identity.
setUnixFsNames({
  create(t, path) {
    const p = lookupParent(t, AT_FDCWD, path);
    if ('synthetic' in p) return fail(EACCES);
    const mode = 0o777 & ~t.process.umask;
    if ('hostParent' in p) {
      const hp = `${p.hostParent.replace(/\/$/, '')}/${p.name}`;
      let fd: number;
      try { fd = fs.openSync(hp, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, mode); } catch (e) {
        const err = hostErrno(e);
        return fail(err === EEXIST ? EADDRINUSE : err);
      }
      const st = fs.fstatSync(fd, { bigint: true });
      fs.closeSync(fd);
      return `h:${st.dev}:${st.ino}`;
    }
    const v = t.kernel.vfs!;
    if (v.ns.child(v.context(t), p.parent, p.name)) fail(EADDRINUSE);
    if (p.parent.mount.readonly) fail(EROFS);
    mayModifyDir(credsOf(t), p.parent.inode.attrs());
    const c = t.process.creds;
    const ino = p.parent.inode.mknod(p.name, { mode: S_IFSOCK | mode, uid: c.euid, gid: c.egid, rdev: 0 });
    return `v:${ino.fs.dev}:${ino.ino}`;
  },
  find(t, path) {
    const r = lookup(t, AT_FDCWD, path, true);
    if ('dentry' in r) return `v:${r.dentry.inode.fs.dev}:${r.dentry.inode.ino}`;
    if ('host' in r) {
      let st: BigIntStats;
      try { st = fs.statSync(r.host, { bigint: true }); } catch (e) { return fail(hostErrno(e)); }
      return `h:${st.dev}:${st.ino}`;
    }
    return fail(ECONNREFUSED);
  },
});

// ---- creating ----------------------------------------------------------------------------------------
function newSocket(t: Task, domain: number, type: number, protocol: number): Socket {
  const flags = type & ~SOCK_TYPE_MASK;
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) fail(EINVAL);
  const base = type & SOCK_TYPE_MASK;
  const open = flags & O_NONBLOCK;
  if (domain < 0 || domain >= AF_MAX) fail(EAFNOSUPPORT);
  if (domain === AF_UNIX) {
    if (protocol !== 0 && protocol !== AF_UNIX) fail(EPROTONOSUPPORT);
    if (base === SOCK_RAW) return UnixSocket.create(t, SOCK_DGRAM, open); // unix_create: RAW is DGRAM
    if (base !== SOCK_STREAM && base !== SOCK_DGRAM && base !== SOCK_SEQPACKET) fail(ESOCKTNOSUPPORT);
    return UnixSocket.create(t, base, open);
  }
  if (domain === AF_INET || domain === AF_INET6) {
    // --network=none: a policy refusal, as an LSM gives it (docs/security.md).
    if (t.kernel.options.network === 'none') fail(EACCES);
    if (base === SOCK_STREAM) {
      if (protocol !== 0 && protocol !== IPPROTO_TCP) fail(EPROTONOSUPPORT);
    } else if (base === SOCK_DGRAM) {
      if (protocol !== 0 && protocol !== IPPROTO_UDP) fail(EPROTONOSUPPORT);
    } else fail(ESOCKTNOSUPPORT);
    return createInetSocket(t, domain, base, open);
  }
  if (domain === AF_NETLINK) {
    if (base !== SOCK_RAW && base !== SOCK_DGRAM) fail(ESOCKTNOSUPPORT);
    // Only the routing family is answered; the others (NETLINK_GENERIC, audit, uevents …) are
    // as if their modules were missing.
    if (protocol !== NETLINK_ROUTE) fail(EPROTONOSUPPORT);
    return NetlinkSocket.create(t, base, protocol, open);
  }
  return fail(EAFNOSUPPORT);
}

export function sysSocket(t: Task, domain: number, type: number, protocol: number): number {
  const s = newSocket(t, domain | 0, type | 0, protocol | 0);
  return t.process.fds.install(s, ((type | 0) & SOCK_CLOEXEC) !== 0);
}

export function sysSocketpair(t: Task, domain: number, type: number, protocol: number, sv: number): number {
  domain |= 0; type |= 0; protocol |= 0;
  if (domain !== AF_UNIX) {
    newSocket(t, domain, type, protocol).unref(); // the same checks socket(2) makes come first
    fail(EOPNOTSUPP);
  }
  const flags = type & ~SOCK_TYPE_MASK;
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) fail(EINVAL);
  if (protocol !== 0 && protocol !== AF_UNIX) fail(EPROTONOSUPPORT);
  let base = type & SOCK_TYPE_MASK;
  if (base === SOCK_RAW) base = SOCK_DGRAM;
  if (base !== SOCK_STREAM && base !== SOCK_DGRAM && base !== SOCK_SEQPACKET) fail(ESOCKTNOSUPPORT);
  const [a, b] = UnixSocket.pair(t, base, flags & O_NONBLOCK);
  const fds = t.process.fds;
  const cloexec = (flags & SOCK_CLOEXEC) !== 0;
  const fa = fds.install(a, cloexec);
  let fb: number;
  try { fb = fds.install(b, cloexec); } catch (e) { fds.close(fa); throw e; }
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, fa, true);
  dv.setInt32(4, fb, true);
  try { t.process.mm.write(sv, out); } catch (e) { fds.close(fa); fds.close(fb); throw e; }
  return 0;
}

// ---- names and connections ---------------------------------------------------------------------------
export function sysBind(t: Task, fd: number, addr: number, len: number): Maybe<number> {
  const s = sock(t, fd);
  return s.bind(t, addrFor(t, s, addr, len));
}

export function sysListen(t: Task, fd: number, backlog: number): Maybe<number> {
  return sock(t, fd).listen(t, backlog | 0);
}

export function sysConnect(t: Task, fd: number, addr: number, len: number): Maybe<number> {
  const s = sock(t, fd);
  return s.connect(t, addrFor(t, s, addr, len));
}

export function sysAccept4(t: Task, fd: number, addr: number, lenPtr: number, flags: number): Maybe<number> {
  const s = sock(t, fd);
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) fail(EINVAL);
  return then(s.accept(t, 0), (c) => {
    c.flags = (c.flags & ~O_NONBLOCK) | (flags & O_NONBLOCK);
    try {
      if (addr) writeSockaddr(t, addr, lenPtr, c.peername());
    } catch (e) {
      c.unref();
      throw e;
    }
    return t.process.fds.install(c, (flags & SOCK_CLOEXEC) !== 0);
  });
}

export function sysAccept(t: Task, fd: number, addr: number, lenPtr: number): Maybe<number> {
  return sysAccept4(t, fd, addr, lenPtr, 0);
}

export function sysShutdown(t: Task, fd: number, how: number): number {
  return sock(t, fd).shutdown(t, how | 0);
}

export function sysGetsockname(t: Task, fd: number, addr: number, lenPtr: number): number {
  const s = sock(t, fd);
  if (!addr) fail(EFAULT);
  writeSockaddr(t, addr, lenPtr, s.sockname());
  return 0;
}

export function sysGetpeername(t: Task, fd: number, addr: number, lenPtr: number): number {
  const s = sock(t, fd);
  const a = s.peername();
  if (!addr) fail(EFAULT);
  writeSockaddr(t, addr, lenPtr, a);
  return 0;
}

// ---- options --------------------------------------------------------------------------------------------
export function sysSetsockopt(t: Task, fd: number, level: number, name: number, val: number, len: number): number {
  const s = sock(t, fd);
  if ((len | 0) < 0) fail(EINVAL);
  const bytes = (len | 0) > 0 ? t.process.mm.read(val, Math.min(len | 0, 256)) : new Uint8Array(0);
  return setOption(s, level | 0, name | 0, bytes);
}

export function sysGetsockopt(t: Task, fd: number, level: number, name: number, val: number, lenPtr: number): number {
  const s = sock(t, fd);
  const mm = t.process.mm;
  const have = mm.readU32(lenPtr) | 0;
  if (have < 0) fail(EINVAL);
  const v = getOption(s, level | 0, name | 0);
  const n = Math.min(have, v.length);
  if (n > 0) mm.write(val, v.subarray(0, n));
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, n, true);
  mm.write(lenPtr, out);
  return 0;
}

// ---- data -------------------------------------------------------------------------------------------------
/** Gathers iovecs into one buffer (at most MAX_MSG bytes, as a short count is legal for streams). */
function gather(t: Task, parts: Array<[number, number]>): Uint8Array {
  const total = Math.min(parts.reduce((s, [, l]) => s + l, 0), MAX_MSG);
  const data = new Uint8Array(total);
  let off = 0;
  for (const [base, len] of parts) {
    if (off >= total) break;
    const n = Math.min(len, total - off);
    if (n > 0) data.set(t.process.mm.read(base, n), off);
    off += n;
  }
  return data;
}

function scatter(t: Task, parts: Array<[number, number]>, data: Uint8Array, n: number): void {
  let off = 0;
  for (const [base, len] of parts) {
    if (off >= n) break;
    const m = Math.min(len, n - off);
    if (m > 0) t.process.mm.write(base, data.subarray(off, off + m));
    off += m;
  }
}

/** Sends, giving back the descriptors' references if nothing took them. */
function send(t: Task, s: Socket, m: SendMsg): Maybe<number> {
  const drop = (e: unknown): never => { m.rights?.forEach((f) => f.unref()); throw e; };
  let r: Maybe<number>;
  try { r = s.sendmsg(t, m); } catch (e) { return drop(e); }
  return r instanceof Promise ? r.catch(drop) : r;
}

export function sysSendto(t: Task, fd: number, buf: number, len: number, flags: number, addr: number, alen: number): Maybe<number> {
  const s = sock(t, fd);
  if (len < 0) fail(EINVAL);
  const data = len > 0 ? t.process.mm.read(buf, Math.min(len, MAX_MSG)) : new Uint8Array(0);
  const to = addr ? addrFor(t, s, addr, alen) : undefined;
  return send(t, s, { data, flags: flags | 0, to });
}

/** The name a receive reports: the sender's, or length 0 when it has none. */
function writeFrom(t: Task, addr: number, lenPtr: number, from?: SockAddr): void {
  if (!addr) return;
  if (from) { writeSockaddr(t, addr, lenPtr, from); return; }
  t.process.mm.write(lenPtr, new Uint8Array(4));
}

export function sysRecvfrom(t: Task, fd: number, buf: number, len: number, flags: number, addr: number, lenPtr: number): Maybe<number> {
  const s = sock(t, fd);
  if (len < 0) fail(EINVAL);
  const data = new Uint8Array(Math.min(len, MAX_MSG));
  return then(s.recvmsg(t, data, flags | 0), (r) => {
    r.rights?.forEach((f) => f.unref()); // recv has nowhere to put descriptors: they are closed
    if (r.n > 0) t.process.mm.write(buf, data.subarray(0, r.n));
    writeFrom(t, addr, lenPtr, r.from);
    return (flags & MSG_TRUNC) ? r.size : r.n;
  });
}

interface MsgHdr { name: number; namelen: number; iov: Array<[number, number]>; control: number; controllen: number }

function readMsghdr(t: Task, at: number): MsgHdr {
  const b = t.process.mm.read(at, MSGHDR_SIZE);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u64 = (o: number) => Number(dv.getBigUint64(o, true));
  const iovlen = u64(MSG_IOVLEN);
  if (iovlen > 1024) fail(EMSGSIZE); // UIO_MAXIOV
  return {
    name: u64(MSG_NAME), namelen: dv.getInt32(MSG_NAMELEN, true), iov: iovecs(t, u64(MSG_IOV), iovlen),
    control: u64(MSG_CONTROL), controllen: Math.min(u64(MSG_CONTROLLEN), 0x7fffffff),
  };
}

/**
 * __scm_send: the SOL_SOCKET control messages — SCM_RIGHTS (taking references to the files) and
 * SCM_CREDENTIALS (which only privileged senders may set to other ids than their own).
 */
function readControl(t: Task, s: Socket, h: MsgHdr): { rights?: FileDescription[]; cred?: Ucred } {
  if (h.controllen < CMSG_HDR) return {}; // CMSG_FIRSTHDR finds nothing in it
  const b = t.process.mm.read(h.control, Math.min(h.controllen, 64 << 10));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let rights: FileDescription[] | undefined;
  let cred: Ucred | undefined;
  try {
    for (let off = 0; off + CMSG_HDR <= b.length;) {
      const len = Number(dv.getBigUint64(off, true));
      const level = dv.getInt32(off + 8, true), type = dv.getInt32(off + 12, true);
      if (len < CMSG_HDR || off + len > b.length) fail(EINVAL);
      if (level === SOL_SOCKET) {
        if (type === SCM_RIGHTS) {
          if (rights) fail(EINVAL);
          if (s.domain !== AF_UNIX) { off += cmsgAlign(len); continue; } // nowhere to go: ignored
          const n = Math.floor((len - CMSG_HDR) / 4);
          if (n > SCM_MAX_FD) fail(EINVAL);
          rights = [];
          for (let i = 0; i < n; i++) {
            const f = t.process.fds.get(dv.getInt32(off + CMSG_HDR + i * 4, true)); // EBADF
            rights.push(f.ref());
          }
          if (n === 0) rights = undefined;
        } else if (type === SCM_CREDENTIALS) {
          if (len !== cmsgLen(12)) fail(EINVAL);
          cred = { pid: dv.getInt32(off + CMSG_HDR, true), uid: dv.getUint32(off + CMSG_HDR + 4, true), gid: dv.getUint32(off + CMSG_HDR + 8, true) };
          const c = t.process.creds;
          // scm_check_creds: one's own pid and ids, unless privileged (wasl: euid 0).
          if (c.euid !== 0 && (cred.pid !== t.process.pid || ![c.uid, c.euid, c.suid].includes(cred.uid)
            || ![c.gid, c.egid, c.sgid].includes(cred.gid))) fail(EPERM);
        } else fail(EINVAL);
      }
      off += cmsgAlign(len);
    }
  } catch (e) {
    rights?.forEach((f) => f.unref());
    throw e;
  }
  return { rights, cred };
}

export function sysSendmsg(t: Task, fd: number, msg: number, flags: number): Maybe<number> {
  const s = sock(t, fd);
  const h = readMsghdr(t, msg);
  const to = h.name && h.namelen ? addrFor(t, s, h.name, h.namelen) : undefined;
  const data = gather(t, h.iov);
  const { rights, cred } = readControl(t, s, h);
  return send(t, s, { data, flags: flags | 0, to, rights, cred });
}

/** Finishes a recvmsg: the name, SCM_RIGHTS (installing what fits), lengths and flags. */
function finishRecvmsg(t: Task, msg: number, h: MsgHdr, data: Uint8Array, r: RecvMsg, flags: number): number {
  const mm = t.process.mm;
  scatter(t, h.iov, data, r.n);
  let msgFlags = r.flags;
  // msg_namelen: the full length of the name (or 0 for none), the name cut to what fits.
  let namelen = 0;
  if (h.name && r.from) {
    const bytes = encodeSockaddr(r.from);
    if (h.namelen > 0) mm.write(h.name, bytes.subarray(0, Math.min(h.namelen, bytes.length)));
    namelen = bytes.length;
  }
  let used = 0;
  if (r.cred) {
    // put_cmsg: SCM_CREDENTIALS first, cut (MSG_CTRUNC) to the room there is.
    const len = cmsgLen(12);
    const b = new Uint8Array(len);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, BigInt(len), true);
    dv.setInt32(8, SOL_SOCKET, true);
    dv.setInt32(12, SCM_CREDENTIALS, true);
    dv.setInt32(16, r.cred.pid, true); dv.setUint32(20, r.cred.uid, true); dv.setUint32(24, r.cred.gid, true);
    if (h.controllen < CMSG_HDR) msgFlags |= MSG_CTRUNC;
    else {
      if (h.controllen < len) msgFlags |= MSG_CTRUNC;
      mm.write(h.control, b.subarray(0, Math.min(len, h.controllen)));
      used = Math.min(cmsgAlign(len), h.controllen);
    }
  }
  if (r.rights?.length) {
    const space = h.controllen - used;
    const room = space >= CMSG_HDR ? Math.floor((space - CMSG_HDR) / 4) : 0;
    const take = Math.min(room, r.rights.length);
    if (take < r.rights.length) msgFlags |= MSG_CTRUNC;
    if (take > 0) {
      const fds: number[] = [];
      const cloexec = (flags & MSG_CMSG_CLOEXEC) !== 0;
      for (let i = 0; i < take; i++) fds.push(t.process.fds.install(r.rights[i], cloexec));
      const len = cmsgLen(take * 4);
      const b = new Uint8Array(len);
      const dv = new DataView(b.buffer);
      dv.setBigUint64(0, BigInt(len), true);
      dv.setInt32(8, SOL_SOCKET, true);
      dv.setInt32(12, SCM_RIGHTS, true);
      fds.forEach((fd, i) => dv.setInt32(CMSG_HDR + i * 4, fd, true));
      mm.write(h.control + used, b);
      used += Math.min(cmsgAlign(len), space);
    }
    for (let i = take; i < r.rights.length; i++) r.rights[i].unref();
  }
  mm.write(msg + MSG_NAMELEN, int32(namelen));
  const cl = new Uint8Array(8);
  new DataView(cl.buffer).setBigUint64(0, BigInt(used), true);
  mm.write(msg + MSG_CONTROLLEN, cl);
  mm.write(msg + MSG_FLAGS, int32(msgFlags));
  return (flags & MSG_TRUNC) ? r.size : r.n;
}
const int32 = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, true); return b; };

export function sysRecvmsg(t: Task, fd: number, msg: number, flags: number): Maybe<number> {
  const s = sock(t, fd);
  const h = readMsghdr(t, msg);
  const total = Math.min(h.iov.reduce((a, [, l]) => a + l, 0), MAX_MSG);
  const data = new Uint8Array(total);
  return then(s.recvmsg(t, data, flags | 0), (r) => finishRecvmsg(t, msg, h, data, r, flags | 0));
}

export function sysSendmmsg(t: Task, fd: number, vec: number, vlen: number, flags: number): Maybe<number> {
  sock(t, fd);
  const n = Math.min(vlen >>> 0, 1024);
  let sent = 0;
  const next = (): Maybe<number> => {
    while (sent < n) {
      const at = vec + sent * MMSGHDR_SIZE;
      let r: Maybe<number>;
      try { r = sysSendmsg(t, fd, at, flags); } catch (e) { if (sent > 0) return sent; throw e; }
      const record = (m: number): Maybe<number> => { t.process.mm.write(at + MSGHDR_SIZE, int32(m)); sent++; return next(); };
      if (r instanceof Promise) return r.then(record, (e) => { if (sent > 0) return sent; throw e; });
      return record(r);
    }
    return sent;
  };
  return next();
}

/** recvmmsg: the first message may wait; the rest are taken only if already there. */
export function sysRecvmmsg(t: Task, fd: number, vec: number, vlen: number, flags: number): Maybe<number> {
  sock(t, fd);
  const n = Math.min(vlen >>> 0, 1024);
  let got = 0;
  const next = (): Maybe<number> => {
    while (got < n) {
      const at = vec + got * MMSGHDR_SIZE;
      const f = got > 0 && (flags & MSG_WAITFORONE) ? flags | MSG_DONTWAIT : flags;
      let r: Maybe<number>;
      try { r = sysRecvmsg(t, fd, at, f & ~MSG_WAITFORONE); } catch (e) {
        if (got > 0) return got; // EAGAIN after the first, or an error the next call will see
        throw e;
      }
      const record = (m: number): Maybe<number> => { t.process.mm.write(at + MSGHDR_SIZE, int32(m)); got++; return next(); };
      if (r instanceof Promise) return r.then(record, (e) => { if (got > 0) return got; throw e; });
      return record(r);
    }
    return got;
  };
  return next();
}
