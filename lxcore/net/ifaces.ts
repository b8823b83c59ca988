// The network interfaces a guest sees: the host's own (guest sockets are the host's, so the
// guest shares its network namespace, as under WSL1), read from the host's /sys/class/net,
// /proc/net/if_inet6 and Node's os.networkInterfaces(). Under --network=none, and where the
// host has no /sys (a browser), there is only a loopback device. rtnetlink (netlink.ts) and the
// interface ioctls (SIOCGIFCONF …, ifioctl.ts) both answer from here.

import { fs, os } from '../host.js';
import type { Kernel } from '../kernel/kernel.js';

export const IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_RUNNING = 0x40,
  IFF_LOWER_UP = 0x10000, IFF_DORMANT = 0x20000;
export const ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;
export const RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254;
export const IFA_F_PERMANENT = 0x80;
/** IF_OPER_* as IFLA_OPERSTATE carries it. */
const OPERSTATES: Record<string, number> = { unknown: 0, notpresent: 1, down: 2, lowerlayerdown: 3, testing: 4, dormant: 5, up: 6 };

export interface IfAddr {
  family: 2 | 10;
  /** The address bytes (4 or 16). */
  addr: Uint8Array;
  prefixlen: number;
  scope: number;
  flags: number;
  /** IPv4 broadcast, on a device with IFF_BROADCAST. */
  broadcast?: Uint8Array;
}

export interface Iface {
  index: number;
  name: string;
  /** dev_get_flags(): the device flags with RUNNING/LOWER_UP/DORMANT from its state. */
  flags: number;
  mtu: number;
  type: number;
  mac: Uint8Array;
  broadcastMac: Uint8Array;
  txqlen: number;
  operstate: number;
  carrier: boolean;
  /** The root qdisc's kind (IFLA_QDISC), as the host would have set it up. */
  qdisc: string;
  addrs: IfAddr[];
}

const read = (path: string): string | undefined => {
  try { return fs.readFileSync(path, 'utf8').trim(); } catch { return undefined; }
};
const macBytes = (s: string | undefined, n = 6): Uint8Array =>
  s ? Uint8Array.from(s.split(':').map((h) => parseInt(h, 16) || 0)) : new Uint8Array(n);

function ipv4Bytes(s: string): Uint8Array { return Uint8Array.from(s.split('.').map(Number)); }
function ipv6Hex(hex: string): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return b;
}
function maskLen(mask: string): number {
  return ipv4Bytes(mask).reduce((n, byte) => n + byte.toString(2).split('1').length - 1, 0);
}

/** The loopback device alone: what an instance without a network has. */
function loopbackOnly(): Iface[] {
  return [{
    index: 1, name: 'lo', flags: IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP, mtu: 65536, type: ARPHRD_LOOPBACK,
    mac: new Uint8Array(6), broadcastMac: new Uint8Array(6), txqlen: 1000, operstate: 0, carrier: true, qdisc: 'noqueue',
    addrs: [
      { family: 2, addr: Uint8Array.of(127, 0, 0, 1), prefixlen: 8, scope: RT_SCOPE_HOST, flags: IFA_F_PERMANENT },
      { family: 10, addr: ipv6Hex('00000000000000000000000000000001'), prefixlen: 128, scope: RT_SCOPE_HOST, flags: IFA_F_PERMANENT },
    ],
  }];
}

/** The host's interfaces, in ifindex order, with their addresses (IPv4 first, as dumps give them). */
export function interfaces(k?: Kernel): Iface[] {
  if (k?.options.network === 'none') return loopbackOnly();
  let names: string[];
  try { names = fs.readdirSync('/sys/class/net'); } catch { return loopbackOnly(); }
  const v4 = os.networkInterfaces();
  const v6 = (read('/proc/net/if_inet6') ?? '').split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 6);
  const list: Iface[] = [];
  for (const name of names) {
    const dir = `/sys/class/net/${name}`;
    const index = Number(read(`${dir}/ifindex`));
    if (!Number.isFinite(index) || index <= 0) continue;
    const devFlags = parseInt(read(`${dir}/flags`) ?? '0', 16);
    const oper = read(`${dir}/operstate`) ?? 'unknown';
    const carrier = read(`${dir}/carrier`) === '1';
    let flags = devFlags & ~(IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT);
    if (devFlags & IFF_UP) {
      if (oper === 'up' || oper === 'unknown') flags |= IFF_RUNNING;
      if (carrier) flags |= IFF_LOWER_UP;
      if (oper === 'dormant') flags |= IFF_DORMANT;
    }
    const addrs: IfAddr[] = [];
    for (const a of v4[name] ?? []) {
      if (a.family !== 'IPv4') continue;
      const addr = ipv4Bytes(a.address), prefixlen = maskLen(a.netmask);
      const ia: IfAddr = { family: 2, addr, prefixlen, scope: addr[0] === 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE, flags: IFA_F_PERMANENT };
      if (flags & IFF_BROADCAST && prefixlen < 31) {
        const m = ipv4Bytes(a.netmask);
        ia.broadcast = addr.map((b, i) => b | (~m[i] & 0xff));
      }
      addrs.push(ia);
    }
    for (const f of v6) {
      if (f[5] !== name) continue;
      // if_inet6 shows the address's IFA_* scope bits; netlink carries rt_scope() of them.
      const bits = parseInt(f[3], 16);
      const scope = scopeOfIfa(bits);
      addrs.push({ family: 10, addr: ipv6Hex(f[0]), prefixlen: parseInt(f[2], 16), scope, flags: parseInt(f[4], 16) });
    }
    // The qdisc is not in /sys: a device that is down has noop, a loopback or queueless one
    // noqueue, others the host's net.core.default_qdisc (multiqueue devices really get mq).
    const txqlen = Number(read(`${dir}/tx_queue_len`) ?? 0);
    const qdisc = !(devFlags & IFF_UP) ? 'noop' : devFlags & IFF_LOOPBACK || txqlen === 0 ? 'noqueue'
      : read('/proc/sys/net/core/default_qdisc') ?? 'pfifo_fast';
    list.push({
      index, name, flags, mtu: Number(read(`${dir}/mtu`) ?? 1500), type: Number(read(`${dir}/type`) ?? ARPHRD_ETHER), qdisc,
      mac: macBytes(read(`${dir}/address`)), broadcastMac: macBytes(read(`${dir}/broadcast`)),
      txqlen, operstate: OPERSTATES[oper] ?? 0, carrier, addrs,
    });
  }
  return list.length ? list.sort((a, b) => a.index - b.index) : loopbackOnly();
}

/**
 * The IPv6 address scope's two spellings: the IFA_* bits /proc/net/if_inet6 shows (0x10 host,
 * 0x20 link, 0x40 site, 0 global) and the RT_SCOPE_* value netlink carries (rt_scope()).
 */
export function scopeOfIfa(bits: number): number {
  return bits & 0x10 ? RT_SCOPE_HOST : bits & 0x20 ? RT_SCOPE_LINK : bits & 0x40 ? 200 : RT_SCOPE_UNIVERSE;
}
export function ifaOfScope(scope: number): number {
  return scope === RT_SCOPE_HOST ? 0x10 : scope === RT_SCOPE_LINK ? 0x20 : scope === 200 ? 0x40 : 0;
}
