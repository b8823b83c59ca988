// AF_NETLINK, NETLINK_ROUTE (netlink(7), rtnetlink(7)): the requests libcs and tools make to
// learn the network — RTM_GETLINK and RTM_GETADDR, dumped or for one device — answered from the
// host's interfaces (ifaces.ts) in the kernel's own message layout, so getifaddrs(3),
// if_nameindex(3), Go's net.Interfaces and `ip link`/`ip addr` work. Changes (RTM_NEWLINK,
// RTM_NEWADDR, …) are refused with EPERM, and the other families of requests (routes,
// neighbours, rules) with EOPNOTSUPP (docs/quirks.md).
//
// A request is answered when it is sent (rtnetlink_rcv runs in the sender's context); replies
// wait on the socket as datagrams of at most NLMSG_GOODSIZE bytes of whole messages, as a dump's
// skbs are, since glibc refuses a truncated one.

import { fail, LinuxError, EINVAL, EOPNOTSUPP, EPERM, ENODEV, ECONNREFUSED, EADDRINUSE } from '../abi/errno.js';
import { MSG_PEEK, MSG_TRUNC } from '../abi/socket.js';
import { Socket, SendMsg, RecvMsg } from './socket.js';
import { interfaces, Iface, IfAddr } from './ifaces.js';
import type { SockAddr, NetlinkAddr } from './sockaddr.js';
import type { Maybe } from '../vfs/file.js';
import type { Task } from '../kernel/task.js';

export const AF_NETLINK = 16, NETLINK_ROUTE = 0;
const NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_MIN_TYPE = 0x10;
const NLM_F_REQUEST = 1, NLM_F_MULTI = 2, NLM_F_ACK = 4, NLM_F_DUMP = 0x300;
const RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_GETADDR = 22;
const IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_QDISC = 6, IFLA_STATS = 7,
  IFLA_TXQLEN = 13, IFLA_OPERSTATE = 16, IFLA_LINKMODE = 17, IFLA_STATS64 = 23, IFLA_PROMISCUITY = 30,
  IFLA_GROUP = 27, IFLA_CARRIER = 33;
const IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4, IFA_CACHEINFO = 6, IFA_FLAGS = 8;
/** INFINITY_LIFE_TIME: a permanent address's preferred and valid lifetimes. */
const INFINITY_LIFE_TIME = 0xffffffff;
const AF_INET = 2, AF_INET6 = 10, AF_UNSPEC = 0;
/** SKB_WITH_OVERHEAD(PAGE_SIZE): how much of a dump one datagram carries. */
const NLMSG_GOODSIZE = 3776;
const align4 = (n: number): number => (n + 3) & ~3;


// ---- message building ---------------------------------------------------------------------------
class Builder {
  private parts: number[] = [];
  u8(v: number): this { this.parts.push(v & 0xff); return this; }
  u16(v: number): this { return this.u8(v).u8(v >>> 8); }
  u32(v: number): this { return this.u16(v & 0xffff).u16(v >>> 16); }
  bytes(b: Uint8Array): this { for (const x of b) this.parts.push(x); return this; }
  pad(): this { while (this.parts.length % 4) this.parts.push(0); return this; }
  /** An rtattr: length, type, payload, padding. */
  attr(type: number, payload: Uint8Array): this {
    this.u16(4 + payload.length).u16(type).bytes(payload);
    return this.pad();
  }
  attrU32(type: number, v: number): this { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); return this.attr(type, b); }
  attrU8(type: number, v: number): this { return this.attr(type, Uint8Array.of(v)); }
  attrStr(type: number, s: string): this { return this.attr(type, Uint8Array.from([...Buffer.from(s), 0])); }
  done(): Uint8Array { return Uint8Array.from(this.parts); }
}

/** A whole message: nlmsghdr then `body`. */
function message(type: number, flags: number, seq: number, pid: number, body: Uint8Array): Uint8Array {
  const m = new Uint8Array(16 + align4(body.length));
  const v = new DataView(m.buffer);
  v.setUint32(0, 16 + body.length, true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, seq, true);
  v.setUint32(12, pid, true);
  m.set(body, 16);
  return m;
}

/** rtnl_fill_ifinfo(): struct ifinfomsg and the attributes programs read. */
function linkBody(i: Iface): Uint8Array {
  const b = new Builder().u8(AF_UNSPEC).u8(0).u16(i.type).u32(i.index).u32(i.flags).u32(0)
    .attrStr(IFLA_IFNAME, i.name).attrU32(IFLA_TXQLEN, i.txqlen).attrU8(IFLA_OPERSTATE, i.operstate)
    .attrU8(IFLA_LINKMODE, 0).attrU32(IFLA_MTU, i.mtu).attrU32(IFLA_GROUP, 0).attrU32(IFLA_PROMISCUITY, 0)
    .attrU8(IFLA_CARRIER, i.carrier ? 1 : 0).attrStr(IFLA_QDISC, i.qdisc).attr(IFLA_ADDRESS, i.mac).attr(IFLA_BROADCAST, i.broadcastMac)
    // Counters are not tracked: the host's are not the guest's.
    .attr(IFLA_STATS64, new Uint8Array(24 * 8)).attr(IFLA_STATS, new Uint8Array(24 * 4));
  return b.done();
}

/** inet_fill_ifaddr() / inet6_fill_ifaddr(): struct ifaddrmsg and its attributes. */
function addrBody(i: Iface, a: IfAddr): Uint8Array {
  const b = new Builder().u8(a.family).u8(a.prefixlen).u8(a.flags & 0xff).u8(a.scope).u32(i.index);
  if (a.family === AF_INET) {
    b.attr(IFA_ADDRESS, a.addr).attr(IFA_LOCAL, a.addr);
    if (a.broadcast) b.attr(IFA_BROADCAST, a.broadcast);
    b.attrStr(IFA_LABEL, i.name);
  } else {
    b.attr(IFA_ADDRESS, a.addr);
  }
  // struct ifa_cacheinfo: lifetimes (the host's addresses are shown as permanent) and stamps.
  const ci = new Uint8Array(16);
  const cv = new DataView(ci.buffer);
  cv.setUint32(0, INFINITY_LIFE_TIME, true);
  cv.setUint32(4, INFINITY_LIFE_TIME, true);
  b.attr(IFA_CACHEINFO, ci).attrU32(IFA_FLAGS, a.flags);
  return b.done();
}

// ---- the socket ---------------------------------------------------------------------------------
/** Port ids in use, per kernel (a process's first socket gets its pid). */
const portIds = new WeakMap<object, Set<number>>();

export class NetlinkSocket extends Socket {
  /** The bound port id (0 until bind or the first send). */
  portid = 0;
  groups = 0;
  private readonly queue: Uint8Array[] = [];

  static create(t: Task, type: number, protocol: number, flags: number): NetlinkSocket {
    const c = t.process.creds;
    return new NetlinkSocket(AF_NETLINK, type, protocol, flags, { uid: c.euid, gid: c.egid });
  }

  private ports(t: Task): Set<number> {
    let s = portIds.get(t.kernel);
    if (!s) portIds.set(t.kernel, s = new Set());
    return s;
  }

  /** netlink_autobind(): the process's pid if free, else a negative id counting down. */
  private autobind(t: Task): void {
    if (this.portid) return;
    const used = this.ports(t);
    let id = t.process.pid;
    for (let n = -4096; used.has(id); n--) id = n >>> 0;
    used.add(id);
    this.portid = id;
  }

  override bind(t: Task, addr: SockAddr): Maybe<number> {
    const a = addr as NetlinkAddr;
    if (a.family !== AF_NETLINK) fail(EINVAL);
    if (a.pid && this.portid && a.pid !== this.portid) fail(EINVAL);
    if (a.pid && !this.portid) {
      const used = this.ports(t);
      if (used.has(a.pid >>> 0)) fail(EADDRINUSE);
      used.add(a.pid >>> 0);
      this.portid = a.pid >>> 0;
    } else {
      this.autobind(t);
    }
    this.groups = a.groups >>> 0;
    return 0;
  }

  override connect(t: Task, addr: SockAddr): Maybe<number> {
    const a = addr as NetlinkAddr;
    if (a.family !== AF_NETLINK) fail(EINVAL);
    this.autobind(t);
    return 0;
  }

  override sockname(): SockAddr { return { family: AF_NETLINK, pid: this.portid, groups: this.groups } ; }
  override peername(): SockAddr { return { family: AF_NETLINK, pid: 0, groups: 0 } ; }
  override get bound(): boolean { return this.portid !== 0; }
  override inq(): number { return this.queue[0]?.length ?? 0; }
  override poll(): number { return (this.queue.length ? 0x1 : 0) | 0x4; } // POLLIN, POLLOUT

  override sendmsg(t: Task, m: SendMsg): Maybe<number> {
    const to = m.to as NetlinkAddr | undefined;
    if (to && to.family === AF_NETLINK && to.pid !== 0) fail(ECONNREFUSED); // only the kernel answers here
    this.autobind(t);
    this.receive(t, m.data);
    this.wait.wake();
    return m.data.length;
  }

  override recvmsg(t: Task, buf: Uint8Array, flags: number): Maybe<RecvMsg> {
    return this.block(t, flags, () => {
      const d = this.queue[0];
      if (!d) return undefined;
      if (!(flags & MSG_PEEK)) this.queue.shift();
      const n = Math.min(d.length, buf.length);
      buf.set(d.subarray(0, n));
      return { n: flags & MSG_TRUNC ? d.length : n, size: d.length, flags: d.length > buf.length ? MSG_TRUNC : 0,
        from: { family: AF_NETLINK, pid: 0, groups: 0 }  };
    }, { timeo: 'rcv' });
  }

  /** rtnetlink_rcv(): every request in the datagram, in order. */
  private receive(t: Task, data: Uint8Array): void {
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let off = 0; off + 16 <= data.length;) {
      const len = v.getUint32(off, true);
      if (len < 16 || off + len > data.length) break;
      const type = v.getUint16(off + 4, true), flags = v.getUint16(off + 6, true), seq = v.getUint32(off + 8, true);
      const req = data.subarray(off, off + len);
      off += align4(len);
      if (!(flags & NLM_F_REQUEST)) continue;
      let err = 0;
      if (type < NLMSG_MIN_TYPE) { /* control messages: only acknowledged */ } else {
        try { err = this.request(t, type, flags, seq, req.subarray(16)); } catch (e) { if (!(e instanceof LinuxError)) throw e; err = e.errno; }
      }
      if (err || (flags & NLM_F_ACK)) this.queue.push(this.errorMessage(err, seq, req));
    }
  }

  /** NLMSG_ERROR: the errno (0 acknowledges) and the request it answers. */
  private errorMessage(err: number, seq: number, req: Uint8Array): Uint8Array {
    const body = new Uint8Array(4 + (err ? req.length : 16));
    new DataView(body.buffer).setInt32(0, -err, true);
    body.set(err ? req : req.subarray(0, 16), 4);
    return message(NLMSG_ERROR, err ? 0 : 0x100 /* NLM_F_CAPPED */, seq, this.portid, body);
  }

  /** One request; returns an errno for NLMSG_ERROR, or 0 with the replies queued. */
  private request(t: Task, type: number, flags: number, seq: number, body: Uint8Array): number {
    const isGet = (type & 3) === 2;
    if (!isGet) return t.process.creds.euid === 0 ? EOPNOTSUPP : EPERM; // changes need CAP_NET_ADMIN, and wasl makes none
    const ifs = interfaces(t.kernel);
    const dump = (flags & NLM_F_DUMP) === NLM_F_DUMP;
    if (type === RTM_GETLINK) {
      if (dump) return this.dumpReplies(seq, ifs.map((i) => [RTM_NEWLINK, linkBody(i)]));
      const index = body.length >= 8 ? new DataView(body.buffer, body.byteOffset).getInt32(4, true) : 0;
      const i = ifs.find((x) => x.index === index);
      if (!i) return ENODEV;
      this.queue.push(message(RTM_NEWLINK, 0, seq, this.portid, linkBody(i)));
      return 0;
    }
    if (type === RTM_GETADDR) {
      if (!dump) return EOPNOTSUPP; // inet_rtm_getaddr needs strict checking; ip never asks this way
      const family = body.length >= 1 ? body[0] : AF_UNSPEC;
      const msgs: Array<[number, Uint8Array]> = [];
      for (const fam of [AF_INET, AF_INET6]) {
        if (family !== AF_UNSPEC && family !== fam) continue;
        for (const i of ifs) for (const a of i.addrs) if (a.family === fam) msgs.push([RTM_NEWADDR, addrBody(i, a)]);
      }
      return this.dumpReplies(seq, msgs);
    }
    return EOPNOTSUPP; // routes, neighbours, rules, qdiscs …: not answered (docs/quirks.md)
  }

  /** netlink_dump(): NLM_F_MULTI messages in datagrams of whole messages, then NLMSG_DONE. */
  private dumpReplies(seq: number, msgs: Array<[number, Uint8Array]>): number {
    let cur: Uint8Array[] = [], size = 0;
    const flush = () => { if (cur.length) this.queue.push(Buffer.concat(cur)); cur = []; size = 0; };
    for (const [type, body] of msgs) {
      const m = message(type, NLM_F_MULTI, seq, this.portid, body);
      if (size + m.length > NLMSG_GOODSIZE) flush();
      cur.push(m);
      size += m.length;
    }
    const done = message(NLMSG_DONE, NLM_F_MULTI, seq, this.portid, new Uint8Array(4));
    if (size + done.length > NLMSG_GOODSIZE) flush();
    cur.push(done);
    flush();
    return 0;
  }
}

