// The interface ioctls on any socket (netdevice(7); net/core/dev_ioctl.c, devinet_ioctl): the
// SIOCGIF* requests that read a device — its name, index, flags, MTU, hardware address, queue
// length — and, on an AF_INET socket, its IPv4 address, netmask and broadcast; SIOCGIFCONF lists
// the IPv4 addresses. The data is ifaces.ts's; requests that change a device are refused with
// EPERM (wasl does not reconfigure the host's network).

import { fail, ENODEV, EADDRNOTAVAIL, EPERM, EFAULT, ENOTTY } from '../abi/errno.js';
import { interfaces, Iface } from './ifaces.js';
import type { Task } from '../kernel/task.js';

export const SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912, SIOCGIFFLAGS = 0x8913, SIOCGIFADDR = 0x8915,
  SIOCGIFDSTADDR = 0x8917, SIOCGIFBRDADDR = 0x8919, SIOCGIFNETMASK = 0x891b, SIOCGIFMETRIC = 0x891d,
  SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933, SIOCGIFTXQLEN = 0x8942, SIOCGIFMAP = 0x8970;
/** The requests that change a device (SIOCSIF*, SIOCADDMULTI …): all between 0x8910 and 0x89ff. */
const SETTERS = new Set([0x8911, 0x8914, 0x8916, 0x8918, 0x891a, 0x891c, 0x891e, 0x891f, 0x8922, 0x8923, 0x8924,
  0x8931, 0x8932, 0x8943, 0x8971]);
const IFREQ_SIZE = 40, IFNAMSIZ = 16, AF_INET = 2;

const GETTERS = new Set([SIOCGIFNAME, SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFDSTADDR, SIOCGIFBRDADDR,
  SIOCGIFNETMASK, SIOCGIFMETRIC, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFTXQLEN, SIOCGIFMAP]);

/** Whether `req` is one of the interface ioctls (the caller falls back to ENOTTY otherwise). */
export const isIfIoctl = (req: number): boolean => GETTERS.has(req) || SETTERS.has(req);

function sockaddrIn(addr: Uint8Array): Uint8Array {
  const b = new Uint8Array(16);
  b[0] = AF_INET;
  b.set(addr.subarray(0, 4), 4);
  return b;
}

function maskBytes(prefixlen: number): Uint8Array {
  const m = new Uint8Array(4);
  for (let i = 0; i < prefixlen; i++) m[i >> 3] |= 0x80 >> (i & 7);
  return m;
}

/** The ifreq at `arg`, its name cut to IFNAMSIZ − 1 bytes (dev_ioctl does the same). */
function readIfreq(t: Task, arg: number): { req: Uint8Array; name: string } {
  const req = t.process.mm.read(arg, IFREQ_SIZE);
  req[IFNAMSIZ - 1] = 0;
  const z = req.indexOf(0);
  return { req, name: Buffer.from(req.subarray(0, z < 0 ? IFNAMSIZ - 1 : z)).toString('latin1') };
}

/** Answers interface request `req` on a socket of `domain`. */
export function ifIoctl(t: Task, domain: number, req: number, arg: number): number {
  const mm = t.process.mm;
  if (req === SIOCGIFCONF) {
    // struct ifconf { int ifc_len; char *ifc_buf; }: one ifreq per IPv4 address (inet_gifconf).
    const hdr = new DataView(mm.read(arg, 16).buffer);
    const len = hdr.getInt32(0, true), buf = Number(hdr.getBigUint64(8, true));
    const entries: Uint8Array[] = [];
    for (const i of interfaces(t.kernel)) {
      for (const a of i.addrs) {
        if (a.family !== AF_INET) continue;
        const e = new Uint8Array(IFREQ_SIZE);
        e.set(Buffer.from(i.name).subarray(0, IFNAMSIZ - 1));
        e.set(sockaddrIn(a.addr), IFNAMSIZ);
        entries.push(e);
      }
    }
    let written = 0;
    if (buf) {
      for (const e of entries) {
        if (len - written < IFREQ_SIZE) break;
        mm.write(buf + written, e);
        written += IFREQ_SIZE;
      }
    } else {
      written = entries.length * IFREQ_SIZE;
    }
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, written, true);
    mm.write(arg, b);
    return 0;
  }
  if (SETTERS.has(req)) return fail(EPERM);
  const { req: ifr, name } = readIfreq(t, arg);
  const ifs = interfaces(t.kernel);
  const out = new Uint8Array(24);
  const dv = new DataView(out.buffer);
  if (req === SIOCGIFNAME) {
    const index = new DataView(ifr.buffer).getInt32(IFNAMSIZ, true);
    const i = ifs.find((x) => x.index === index);
    if (!i) fail(ENODEV);
    const nm = new Uint8Array(IFNAMSIZ);
    nm.set(Buffer.from(i.name).subarray(0, IFNAMSIZ - 1));
    mm.write(arg, nm);
    return 0;
  }
  const inetOnly = [SIOCGIFADDR, SIOCGIFDSTADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK].includes(req);
  if (inetOnly && domain !== AF_INET) fail(ENOTTY); // devinet_ioctl is AF_INET's alone
  const i: Iface | undefined = ifs.find((x) => x.name === name);
  if (!i) fail(ENODEV);
  if (inetOnly) {
    const a = i.addrs.find((x) => x.family === AF_INET);
    if (!a) fail(EADDRNOTAVAIL);
    if (req === SIOCGIFADDR || req === SIOCGIFDSTADDR) out.set(sockaddrIn(a.addr));
    else if (req === SIOCGIFNETMASK) out.set(sockaddrIn(maskBytes(a.prefixlen)));
    else out.set(sockaddrIn(a.broadcast ?? new Uint8Array(4)));
  } else {
    switch (req) {
      case SIOCGIFFLAGS: dv.setUint16(0, i.flags & 0xffff, true); break;
      case SIOCGIFMETRIC: break;
      case SIOCGIFMTU: dv.setInt32(0, i.mtu, true); break;
      case SIOCGIFINDEX: dv.setInt32(0, i.index, true); break;
      case SIOCGIFTXQLEN: dv.setInt32(0, i.txqlen, true); break;
      case SIOCGIFHWADDR: dv.setUint16(0, i.type, true); out.set(i.mac.subarray(0, 14), 2); break;
      case SIOCGIFMAP: break; // struct ifmap: no I/O resources to show
      default: return fail(ENOTTY);
    }
  }
  try { mm.write(arg + IFNAMSIZ, out); } catch { fail(EFAULT); }
  return 0;
}
