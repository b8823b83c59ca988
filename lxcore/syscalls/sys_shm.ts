// System V shared memory (shmget(2), shmat(2), shmdt(2), shmctl(2); ipc/shm.c, ipc/util.c).
//
// A segment is an unnamed shmem file ("/SYSV%08x (deleted)" in /proc/PID/maps, as on Linux)
// that shmat maps MAP_SHARED like any file, so its pages are the page cache's frames and every
// process attached sees the others' stores. The attach count is not kept but counted: it is the
// number of mappings of that file in the instance's processes — exactly what Linux's shm_nattch
// counts (vma open/close, fork's copies included). A segment removed with IPC_RMID while still
// attached lingers, keyless and marked SHM_DEST, until the count reaches zero; that is checked
// whenever the namespace is looked at. Each instance is its own IPC namespace.

import { fail, EINVAL, EACCES, EPERM, ENOSPC, EIDRM } from '../abi/errno.js';
import { IpcIds, IpcObject, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO, IPC_64, ipcAllowed, mayControl, putPerm, setPerm, nowSec, col } from './ipc.js';
import { shmemFile } from '../fs/memfd.js';
import { sysMmap } from './sys_mm.js';
import { hasCap } from './sys_cred.js';
import { MAP_SHARED, MAP_FIXED, PROT_READ, PROT_WRITE, PROT_EXEC } from '../abi/mman.js';
import { pageUp, AddressSpace, type MapFile } from '../mm/mm.js';
import type { InodeFile } from '../vfs/inodefile.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/task.js';

const SHM_LOCK = 11, SHM_UNLOCK = 12, SHM_STAT = 13, SHM_INFO = 14, SHM_STAT_ANY = 15;
const SHM_RDONLY = 0o10000, SHM_RND = 0o20000, SHM_REMAP = 0o40000, SHM_EXEC = 0o100000;
const SHM_HUGETLB = 0o4000, SHM_NORESERVE = 0o10000;
/** shm_perm.mode flags the kernel sets: marked for destruction, locked in memory. */
const SHM_DEST = 0o1000, SHM_LOCKED = 0o2000;
const CAP_IPC_LOCK = 14;
/** Linux's defaults (/proc/sys/kernel/shmmax, shmall, shmmni; SHMMIN, SHMSEG). */
const SHMMAX = 2 ** 64 - 2 ** 24, SHMALL = 2 ** 64 - 2 ** 24, SHMMNI = 4096, SHMMIN = 1, SHMSEG = 4096;
void SHM_NORESERVE;

interface Segment extends IpcObject {
  size: number;
  file: InodeFile;
  atime: number; dtime: number; ctime: number;
  cpid: number; lpid: number;
  destroyed: boolean;
}

class ShmNamespace {
  readonly ids = new IpcIds<Segment>(SHMMNI);
  get byIndex(): Map<number, Segment> { return this.ids.byIndex; }
  constructor(readonly kernel: Kernel) {}

  /** Mappings of the segment in the instance's processes (shm_nattch). */
  nattch(s: Segment): number {
    const st = s.file.stat();
    let n = 0;
    for (const p of this.kernel.processes.values()) {
      if (p.status) continue;
      for (const v of p.mm.vmas) if (v.file && v.file.dev === st.dev && v.file.ino === st.ino) n++;
    }
    return n;
  }

  /** Drops removed segments nobody has attached any more (shm_destroy). */
  sweep(): void {
    for (const s of [...this.byIndex.values()]) if (s.destroyed && this.nattch(s) === 0) this.drop(s);
  }

  drop(s: Segment): void {
    this.byIndex.delete(s.index);
    s.file.unref();
    if (this.byIndex.size === 0) live.delete(this);
    if (live.size === 0) AddressSpace.onFileUnmapped = null;
  }

  /** The segment an id names: EINVAL if none (removed ones nobody uses are gone first). */
  byId(id: number): Segment {
    this.sweep();
    return this.ids.byId(id);
  }

  create(t: Task, key: number, size: number, flg: number): Segment {
    const o = this.ids.alloc(t, key, flg);
    const c = t.process.creds;
    const file = shmemFile(`/SYSV${(key >>> 0).toString(16).padStart(8, '0')} (deleted)`, size, c.euid, c.egid, flg & 0o777);
    const s: Segment = { ...o, size, file, atime: 0, dtime: 0, ctime: nowSec(), cpid: t.process.pid, lpid: 0, destroyed: false };
    this.byIndex.set(s.index, s);
    live.add(this);
    AddressSpace.onFileUnmapped = shmUnmapped;
    return s;
  }
}

const namespaces = new WeakMap<Kernel, ShmNamespace>();
/** Namespaces that hold segments, for the unmap hook (which knows an address space, not a kernel). */
const live = new Set<ShmNamespace>();
function nsOf(t: Task): ShmNamespace {
  let ns = namespaces.get(t.kernel);
  if (!ns) { ns = new ShmNamespace(t.kernel); namespaces.set(t.kernel, ns); }
  return ns;
}

// shm_close: a mapping of a segment going away (shmdt, munmap, exit, exec) sets its detach time
// and its last pid to the process whose address space it was. The hook is installed only while
// some segment exists, so munmap and exit pay nothing for it otherwise.
function shmUnmapped(mm: AddressSpace, file: MapFile): void {
  for (const ns of live) {
    for (const s of ns.byIndex.values()) {
      const st = s.file.stat();
      if (st.dev !== file.dev || st.ino !== file.ino) continue;
      s.dtime = nowSec();
      for (const p of ns.kernel.processes.values()) if (p.mm === mm) { s.lpid = p.pid; break; }
      return;
    }
  }
}

export function sysShmget(t: Task, key: number, size: number, flg: number): number {
  key |= 0; flg |= 0;
  const ns = nsOf(t);
  ns.sweep();
  const make = (): number => {
    if (size < SHMMIN || size > SHMMAX) fail(EINVAL);
    if (flg & SHM_HUGETLB) fail(EINVAL); // no hugetlbfs (as memfd_create's MFD_HUGETLB)
    if (pageUp(size) / 4096 > SHMALL) fail(ENOSPC);
    return ns.create(t, key, size, flg).id;
  };
  return ns.ids.get(t, key, flg, make, (s) => { if (s.size < size) fail(EINVAL); }, (s) => s.destroyed);
}

export function sysShmat(t: Task, id: number, addr: number, flg: number): number {
  id |= 0; flg |= 0;
  if (id < 0) fail(EINVAL);
  let flags = MAP_SHARED;
  if (addr) {
    if (addr % 4096) {
      if (!(flg & SHM_RND)) fail(EINVAL);
      addr -= addr % 4096; // SHMLBA is a page on x86-64
      if (!addr && (flg & SHM_REMAP)) fail(EINVAL);
    }
    flags |= MAP_FIXED;
  } else if (flg & SHM_REMAP) {
    fail(EINVAL);
  }
  let prot = PROT_READ, acc = 0o444;
  if (!(flg & SHM_RDONLY)) { prot |= PROT_WRITE; acc |= 0o222; }
  if (flg & SHM_EXEC) { prot |= PROT_EXEC; acc |= 0o111; }
  const ns = nsOf(t);
  const s = ns.byId(id);
  if (!ipcAllowed(t.process, s.perm, acc)) fail(EACCES);
  if (s.destroyed && ns.nattch(s) === 0) fail(EIDRM);
  const size = pageUp(s.size);
  if (addr && !(flg & SHM_REMAP)) {
    if (addr + size > 2 ** 47) fail(EINVAL);
    if (t.process.mm.vmas.some((v) => v.start < addr + size && addr < v.end)) fail(EINVAL);
  }
  // The mapping goes through mmap with a description opened as shmat asks (O_RDONLY for
  // SHM_RDONLY), which the process's table never holds.
  const fds = t.process.fds;
  const f = s.file.ref();
  const saved = f.flags;
  const fd = fds.install(f, true);
  try {
    if (flg & SHM_RDONLY) f.flags = (f.flags & ~3); // O_RDONLY for this mapping's checks
    const at = sysMmap(t, addr, s.size, prot, flags, fd, 0);
    s.atime = nowSec();
    s.lpid = t.process.pid;
    return at;
  } finally {
    f.flags = saved;
    fds.close(fd);
  }
}

export function sysShmdt(t: Task, addr: number): number {
  if (addr % 4096) fail(EINVAL);
  const ns = nsOf(t);
  const mm = t.process.mm;
  const at = mm.vmas.find((v) => v.start === addr && v.file?.off === 0);
  const seg = at && [...ns.byIndex.values()].find((s) => { const st = s.file.stat(); return at.file!.dev === st.dev && at.file!.ino === st.ino; });
  if (!at || !seg) fail(EINVAL);
  const st = seg.file.stat();
  const end = addr + pageUp(seg.size);
  for (const v of mm.vmas.filter((x) => x.start >= addr && x.end <= end && x.file?.dev === st.dev && x.file.ino === st.ino)) {
    mm.unmap(v.start, v.end - v.start); // (the unmap hook sets dtime and lpid)
  }
  ns.sweep();
  return 0;
}

function shmidDs(ns: ShmNamespace, s: Segment): Buffer {
  const b = Buffer.alloc(112);
  putPerm(b, 0, s.destroyed ? { ...s.perm, key: IPC_PRIVATE } : s.perm, s.destroyed ? SHM_DEST : 0);
  b.writeBigUInt64LE(BigInt(s.size), 48);
  b.writeBigInt64LE(BigInt(s.atime), 56);
  b.writeBigInt64LE(BigInt(s.dtime), 64);
  b.writeBigInt64LE(BigInt(s.ctime), 72);
  b.writeInt32LE(s.cpid, 80);
  b.writeInt32LE(s.lpid, 84);
  b.writeBigUInt64LE(BigInt(ns.nattch(s)), 88);
  return b;
}

const locked = new WeakSet<Segment>();

export function sysShmctl(t: Task, id: number, cmd: number, buf: number): number {
  id |= 0;
  cmd = (cmd | 0) & ~IPC_64;
  const ns = nsOf(t);
  const mm = t.process.mm;
  const out = (b: Buffer) => mm.write(buf, new Uint8Array(b.buffer, b.byteOffset, b.length));
  const maxIndex = () => { ns.sweep(); return ns.ids.maxIndex; };
  switch (cmd) {
    case IPC_INFO: {
      // struct shminfo64: shmmax, shmmin, shmmni, shmseg, shmall, 4 unused.
      const b = Buffer.alloc(72);
      [SHMMAX, SHMMIN, SHMMNI, SHMSEG, SHMALL].forEach((v, i) => b.writeBigUInt64LE(BigInt(v), i * 8));
      out(b);
      return maxIndex();
    }
    case SHM_INFO: {
      // struct shm_info: int used_ids; then shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes.
      ns.sweep();
      const b = Buffer.alloc(48);
      const segs = [...ns.byIndex.values()];
      b.writeInt32LE(segs.length, 0);
      b.writeBigUInt64LE(BigInt(segs.reduce((n, s) => n + pageUp(s.size) / 4096, 0)), 8);
      b.writeBigUInt64LE(BigInt(segs.reduce((n, s) => n + s.file.stat().blocks / 8, 0)), 16);
      out(b);
      return maxIndex();
    }
    case SHM_STAT: case SHM_STAT_ANY: {
      ns.sweep();
      const s = ns.byIndex.get(id);
      if (!s) fail(EINVAL);
      if (cmd === SHM_STAT && !ipcAllowed(t.process, s.perm, 0o444)) fail(EACCES);
      out(shmidDs(ns, s));
      return s.id;
    }
  }
  const s = ns.byId(id);
  switch (cmd) {
    case IPC_STAT: {
      if (!ipcAllowed(t.process, s.perm, 0o444)) fail(EACCES);
      const b = shmidDs(ns, s);
      if (locked.has(s)) b.writeUInt16LE(b.readUInt16LE(20) | SHM_LOCKED, 20);
      out(b);
      return 0;
    }
    case IPC_SET: {
      const b = Buffer.from(mm.read(buf, 112));
      mayControl(t.process, s.perm);
      setPerm(s.perm, b);
      s.ctime = nowSec();
      return 0;
    }
    case IPC_RMID:
      mayControl(t.process, s.perm);
      s.destroyed = true;
      s.ctime = nowSec();
      ns.sweep();
      return 0;
    case SHM_LOCK: case SHM_UNLOCK: {
      const c = t.process.creds;
      if (!hasCap(c, CAP_IPC_LOCK)) {
        if (c.euid !== s.perm.uid && c.euid !== s.perm.cuid) fail(EPERM);
        if (cmd === SHM_LOCK && (t.process.rlimits.get(8)?.[0] ?? 8 << 20) === 0) fail(EPERM);
      }
      if (cmd === SHM_LOCK) locked.add(s); else locked.delete(s);
      return 0;
    }
    default: return fail(EINVAL);
  }
}

/** /proc/sysvipc/shm (sysvipc_shm_proc_show, 64-bit widths). */
export function procSysvipcShm(t: Task): string {
  const ns = nsOf(t);
  ns.sweep();
  let out = '       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n';
  for (const s of [...ns.byIndex.values()].sort((a, b) => a.index - b.index)) {
    const key = s.destroyed ? IPC_PRIVATE : s.perm.key;
    const mode = s.perm.mode | (s.destroyed ? SHM_DEST : 0) | (locked.has(s) ? SHM_LOCKED : 0);
    out += `${col(key, 10)} ${col(s.id, 10)}  ${col(mode.toString(8), 4)} ${col(s.size, 21)} ${col(s.cpid, 5)} ${col(s.lpid, 5)}  ` +
      `${col(ns.nattch(s), 5)} ${col(s.perm.uid, 5)} ${col(s.perm.gid, 5)} ${col(s.perm.cuid, 5)} ${col(s.perm.cgid, 5)} ` +
      `${col(s.atime, 10)} ${col(s.dtime, 10)} ${col(s.ctime, 10)} ${col(s.file.stat().blocks * 512, 21)} ${col(0, 21)}\n`;
  }
  return out;
}
