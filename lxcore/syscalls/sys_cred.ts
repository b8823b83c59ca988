// Changing identity: setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid,
// setfsgid, setgroups, capget, capset (credentials(7), capabilities(7), kernel/sys.c).
//
// Capabilities follow the traditional root model Linux keeps for processes without file
// capabilities or securebits: a process has every capability while its effective uid is 0, and
// none otherwise. That is what the kernel's own rules produce — effective capabilities are
// cleared when euid leaves 0 and restored when it returns, which is possible only while a real or
// saved uid is still 0 — so `capable()` below is simply `euid === 0`.
//
// The identity is the guest's. In an isolated or distribution instance lxcore's VFS checks
// permissions with fsuid/fsgid; through the host passthrough the host kernel checks the host
// process's own identity, which the guest never changes (docs/quirks.md).

import { fs } from '../host.js';
import { fail, EPERM, EINVAL, EFAULT, ESRCH } from '../abi/errno.js';
import { suidDumpable } from '../fs/hostinfo.js';
import type { Task, Credentials } from '../kernel/task.js';

const NGROUPS_MAX = 65536;
/** (uid_t)-1: "leave unchanged" for the set*id calls that take it; never a valid id. */
const KEEP = 0xffffffff;
/** The highest capability number of Linux 6.1 (CAP_CHECKPOINT_RESTORE). */
export const CAP_LAST_CAP = 40;
const LINUX_CAPABILITY_VERSION_1 = 0x19980330, LINUX_CAPABILITY_VERSION_2 = 0x20071026,
  LINUX_CAPABILITY_VERSION_3 = 0x20080522;

export const CAP_SETGID = 6, CAP_SETUID = 7, CAP_SYS_RESOURCE = 24;
/** Whether `c` holds capability `cap` (effective): euid 0, and the host lets wasl have it. */
export const hasCap = (c: Credentials, cap: number): boolean => c.euid === 0 && ((rootCaps() >> BigInt(cap)) & 1n) === 1n;
const capable = (c: Credentials): boolean => c.euid === 0;
/** Permitted capabilities survive while any of the real, effective and saved uids is 0. */
const permitted = (c: Credentials): boolean => c.uid === 0 || c.euid === 0 || c.suid === 0;

/**
 * Root's capability set: the host process's own bounding set, so a guest never holds more than
 * wasl does (in a container without CAP_SYS_RESOURCE, root inside wasl lacks it too); all of
 * 0..CAP_LAST_CAP where the host does not say.
 */
let rootCapsValue: bigint | undefined; // read at first use, not at every start (see fs/hostinfo.ts)
function readRootCaps(): bigint {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return BigInt('0x' + m[1]) & ((1n << BigInt(CAP_LAST_CAP + 1)) - 1n);
  } catch { /* not Linux */ }
  return (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;
}
const id = (v: number): number => v >>> 0;
/** Root's capabilities: the full set as far as the host lets wasl have them. */
export const rootCaps = (): bigint => (rootCapsValue ??= readRootCaps());

/** setuid(2): with CAP_SETUID all four uids; else only the effective one, to the real or saved uid. */
function sysSetuidUncommitted(t: Task, uid: number): number {
  const c = t.process.creds, u = id(uid);
  if (u === KEEP) fail(EINVAL);
  if (hasCap(c, CAP_SETUID)) { c.uid = c.euid = c.suid = c.fsuid = u; return 0; }
  if (u !== c.uid && u !== c.suid) fail(EPERM);
  c.euid = c.fsuid = u;
  return 0;
}

function sysSetgidUncommitted(t: Task, gid: number): number {
  const c = t.process.creds, g = id(gid);
  if (g === KEEP) fail(EINVAL);
  if (hasCap(c, CAP_SETGID)) { c.gid = c.egid = c.sgid = c.fsgid = g; return 0; }
  if (g !== c.gid && g !== c.sgid) fail(EPERM);
  c.egid = c.fsgid = g;
  return 0;
}

/**
 * setreuid(2): unprivileged, the real uid may become the effective one (or stay), the effective
 * uid any of real, effective or saved. If the real uid is set, or the effective one to a value
 * other than the old real uid, the saved uid becomes the new effective uid.
 */
function sysSetreuidUncommitted(t: Task, ruid: number, euid: number): number {
  const c = t.process.creds, r = id(ruid), e = id(euid);
  if (!hasCap(c, CAP_SETUID)) {
    if (r !== KEEP && r !== c.uid && r !== c.euid) fail(EPERM);
    if (e !== KEEP && e !== c.uid && e !== c.euid && e !== c.suid) fail(EPERM);
  }
  const oldReal = c.uid;
  if (r !== KEEP) c.uid = r;
  if (e !== KEEP) c.euid = e;
  if (r !== KEEP || (e !== KEEP && e !== oldReal)) c.suid = c.euid;
  c.fsuid = c.euid;
  return 0;
}

function sysSetregidUncommitted(t: Task, rgid: number, egid: number): number {
  const c = t.process.creds, r = id(rgid), e = id(egid);
  if (!hasCap(c, CAP_SETGID)) {
    if (r !== KEEP && r !== c.gid && r !== c.egid) fail(EPERM);
    if (e !== KEEP && e !== c.gid && e !== c.egid && e !== c.sgid) fail(EPERM);
  }
  const oldReal = c.gid;
  if (r !== KEEP) c.gid = r;
  if (e !== KEEP) c.egid = e;
  if (r !== KEEP || (e !== KEEP && e !== oldReal)) c.sgid = c.egid;
  c.fsgid = c.egid;
  return 0;
}

/** setresuid(2): unprivileged, each new id must be one of the current real, effective, saved. */
function sysSetresuidUncommitted(t: Task, ruid: number, euid: number, suid: number): number {
  const c = t.process.creds, ids = [id(ruid), id(euid), id(suid)];
  if (!hasCap(c, CAP_SETUID) && ids.some((v) => v !== KEEP && v !== c.uid && v !== c.euid && v !== c.suid)) fail(EPERM);
  if (ids[0] !== KEEP) c.uid = ids[0];
  if (ids[1] !== KEEP) c.euid = ids[1];
  if (ids[2] !== KEEP) c.suid = ids[2];
  c.fsuid = c.euid;
  return 0;
}

function sysSetresgidUncommitted(t: Task, rgid: number, egid: number, sgid: number): number {
  const c = t.process.creds, ids = [id(rgid), id(egid), id(sgid)];
  if (!hasCap(c, CAP_SETGID) && ids.some((v) => v !== KEEP && v !== c.gid && v !== c.egid && v !== c.sgid)) fail(EPERM);
  if (ids[0] !== KEEP) c.gid = ids[0];
  if (ids[1] !== KEEP) c.egid = ids[1];
  if (ids[2] !== KEEP) c.sgid = ids[2];
  c.fsgid = c.egid;
  return 0;
}

/**
 * setfsuid(2) returns the previous fsuid whatever happens; it changes it only to one of the
 * real, effective, saved or current fs uid, or to anything with CAP_SETUID.
 */
function sysSetfsuidUncommitted(t: Task, fsuid: number): number {
  const c = t.process.creds, u = id(fsuid), old = c.fsuid;
  if (u !== KEEP && (hasCap(c, CAP_SETUID) || [c.uid, c.euid, c.suid, c.fsuid].includes(u))) c.fsuid = u;
  return old;
}

function sysSetfsgidUncommitted(t: Task, fsgid: number): number {
  const c = t.process.creds, g = id(fsgid), old = c.fsgid;
  if (g !== KEEP && (hasCap(c, CAP_SETGID) || [c.gid, c.egid, c.sgid, c.fsgid].includes(g))) c.fsgid = g;
  return old;
}

/** setgroups(2): CAP_SETGID; at most NGROUPS_MAX; the list is kept sorted, as Linux keeps it. */
export function sysSetgroups(t: Task, size: number, list: number): number {
  const c = t.process.creds;
  if (!hasCap(c, CAP_SETGID)) fail(EPERM);
  if (size < 0 || size > NGROUPS_MAX) fail(EINVAL);
  const groups: number[] = [];
  if (size > 0) {
    const b = Buffer.from(t.process.mm.read(list, size * 4));
    for (let i = 0; i < size; i++) groups.push(b.readUInt32LE(i * 4));
  }
  // getgroups(2) returns them in Linux's order: groups_sort() sorts the set.
  c.groups = groups.sort((a, b) => a - b);
  return 0;
}

/**
 * capget(2): the header names a version and a pid (0: the caller). An unknown version is
 * answered with the preferred one written back and EINVAL (how libcap probes); v1 has one
 * 32-bit set, v2 and v3 two.
 */
export function sysCapget(t: Task, hdrp: number, datap: number): number {
  const mm = t.process.mm;
  const hdr = Buffer.from(mm.read(hdrp, 8));
  const version = hdr.readUInt32LE(0), pid = hdr.readInt32LE(4);
  const words = capWords(version);
  if (!words) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
    mm.write(hdrp, new Uint8Array(b.buffer, b.byteOffset, 4));
    // With a NULL data pointer this is the probe for the preferred version: it succeeds.
    return datap ? fail(EINVAL) : 0;
  }
  if (pid < 0) fail(EINVAL);
  const p = pid === 0 || pid === t.process.pid ? t.process : t.kernel.processes.get(pid);
  if (!p || p.status) fail(ESRCH);
  if (!datap) return 0;
  // struct __user_cap_data_struct { effective, permitted, inheritable } per 32-bit word.
  const b = Buffer.alloc(12 * words);
  for (let w = 0; w < words; w++) {
    b.writeUInt32LE(capable(p.creds) ? capMask(w) : 0, w * 12);    // effective
    b.writeUInt32LE(permitted(p.creds) ? capMask(w) : 0, w * 12 + 4); // permitted
  }
  mm.write(datap, new Uint8Array(b.buffer, b.byteOffset, b.length));
  return 0;
}

/**
 * capset(2) for the caller: the new sets must stay within what it has (permitted), effective
 * within the new permitted. In the root model that means: root may keep or drop nothing in
 * particular but cannot split capabilities from its uid (wasl keeps no separate capability sets,
 * so only requests that leave the sets as they are succeed; others are EPERM — docs/quirks.md).
 */
function sysCapsetUncommitted(t: Task, hdrp: number, datap: number): number {
  const mm = t.process.mm;
  const hdr = Buffer.from(mm.read(hdrp, 8));
  const words = capWords(hdr.readUInt32LE(0));
  if (!words) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
    mm.write(hdrp, new Uint8Array(b.buffer, b.byteOffset, 4));
    fail(EINVAL);
  }
  const pid = hdr.readInt32LE(4);
  if (pid !== 0 && pid !== t.process.pid) fail(EPERM); // only the caller's own sets
  if (!datap) fail(EFAULT);
  const d = Buffer.from(mm.read(datap, 12 * words));
  const c = t.process.creds;
  for (let w = 0; w < words; w++) {
    const perm0 = permitted(c) ? capMask(w) : 0, eff0 = capable(c) ? capMask(w) : 0;
    const eff = d.readUInt32LE(w * 12), perm = d.readUInt32LE(w * 12 + 4), inh = d.readUInt32LE(w * 12 + 8);
    if ((perm & ~perm0) >>> 0 || (eff & ~perm) >>> 0) fail(EPERM); // more than it has: refused as Linux does
    if (perm !== perm0 || eff !== eff0 || inh !== 0) fail(EPERM); // a split set wasl cannot keep
  }
  return 0;
}

function capWords(version: number): number {
  if (version === LINUX_CAPABILITY_VERSION_1) return 1;
  if (version === LINUX_CAPABILITY_VERSION_2 || version === LINUX_CAPABILITY_VERSION_3) return 2;
  return 0;
}

/** Word `w` (32 capabilities) of root's set. */
function capMask(w: number): number {
  return Number((rootCaps() >> BigInt(32 * w)) & 0xffffffffn);
}

/**
 * commit_creds(): a change of effective or filesystem uid or gid, or permitted capabilities
 * gained, makes the process non-dumpable (fs.suid_dumpable) and clears the caller's parent-death
 * signal, so that a process which gained or dropped privilege is not exposed to its old peers.
 */
function committed<A extends number[]>(fn: (t: Task, ...a: A) => number): (t: Task, ...a: A) => number {
  return (t, ...a) => {
    const c = t.process.creds;
    const before = [c.euid, c.egid, c.fsuid, c.fsgid];
    const hadCaps = permitted(c);
    try {
      return fn(t, ...a);
    } finally {
      const n = t.process.creds;
      const after = [n.euid, n.egid, n.fsuid, n.fsgid];
      if (after.some((v, i) => v !== before[i]) || (!hadCaps && permitted(n))) {
        t.process.dumpable = suidDumpable();
        t.pdeathSignal = 0;
      }
    }
  };
}

export const sysSetuid = committed(sysSetuidUncommitted);
export const sysSetgid = committed(sysSetgidUncommitted);
export const sysSetreuid = committed(sysSetreuidUncommitted);
export const sysSetregid = committed(sysSetregidUncommitted);
export const sysSetresuid = committed(sysSetresuidUncommitted);
export const sysSetresgid = committed(sysSetresgidUncommitted);
export const sysSetfsuid = committed(sysSetfsuidUncommitted);
export const sysSetfsgid = committed(sysSetfsgidUncommitted);
export const sysCapset = committed(sysCapsetUncommitted);
