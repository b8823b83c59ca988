// Memory-management calls: brk, mmap, munmap, mprotect, madvise, mremap (man 2 of each).
// Anonymous mappings are complete; a private file mapping is a copy of the file's bytes, a
// shared one maps the instance's page cache of the file (lxcore/mm/pagecache.ts), msync(2)
// writes it back.

import { fail, EINVAL, EACCES, ENODEV, ENOMEM, EFAULT, EPERM } from '../abi/errno.js';
import {
  PROT_READ, PROT_WRITE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, MAP_SHARED, MAP_PRIVATE,
  MAP_SHARED_VALIDATE, MAP_TYPE, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE,
  MREMAP_MAYMOVE, MREMAP_FIXED, TASK_SIZE,
} from '../abi/mman.js';
import { O_ACCMODE, O_RDONLY } from '../abi/fcntl.js';
import { S_IFMT, S_IFREG } from '../abi/stat.js';
import { pageUp } from '../mm/mm.js';
import { fs } from '../host.js';
import { HostFile } from '../fs/hostfile.js';
import { InodeFile } from '../vfs/inodefile.js';
import { memfdCreate, writeSealed } from '../fs/memfd.js';
import { VM_LOCKED, VM_LOCKONFAULT } from '../mm/mm.js';
import { hasCap } from './sys_cred.js';
import { RLIMIT_MEMLOCK } from '../abi/resource.js';
import type { Task } from '../kernel/task.js';

const P = 4096;

export function sysBrk(t: Task, addr: number): number {
  return t.process.mm.brk(addr);
}

export function sysMmap(t: Task, addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
  const mm = t.process.mm;
  if (len <= 0) fail(EINVAL);
  if (off % P) fail(EINVAL);
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) fail(EINVAL);
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) fail(EINVAL);
  if (pageUp(len) > TASK_SIZE) fail(ENOMEM);
  if (flags & MAP_ANONYMOUS) {
    return mm.mapAnonymous(addr, len, prot & 7, flags);
  }
  const f = t.process.fds.get(fd | 0);
  if (!f.readable) fail(EACCES);
  if (type !== MAP_PRIVATE && (prot & PROT_WRITE) && (f.flags & O_ACCMODE) === O_RDONLY) fail(EACCES);
  // A private (or read-only shared) file mapping: a snapshot of the file's bytes. The part of
  // the last page past the end of a regular file reads as zeros; pages wholly past it are SIGBUS.
  // A memfd sealed against writing refuses a shared writable mapping (seal_check_write).
  if (type !== MAP_PRIVATE && (prot & PROT_WRITE) && writeSealed(f)) fail(EPERM);
  const size = pageUp(len);
  const st = f.stat();
  const fileLen = Math.min(size, Math.max(0, st.size - off));
  const regular = (st.mode & S_IFMT) === S_IFREG;
  const at = mm.mapAnonymous(addr, size, prot & 7, flags & ~MAP_ANONYMOUS, f.path, { dev: st.dev, ino: st.ino, off }, regular ? fileLen : undefined);
  if (type !== MAP_PRIVATE && regular) {
    // Shared: the page cache's frames, the same in every process that maps the file.
    try { mm.attachCache(at, at + size, t.kernel.pageCache.of(f)); } catch (e) { mm.unmap(at, size); throw e; }
    // VM_MAYWRITE: whether mprotect may make it writable later, and what F_SEAL_WRITE counts.
    const v = mm.findVma(at);
    if (v) v.maywrite = f.writable && !writeSealed(f);
    return at;
  }
  if (type !== MAP_PRIVATE && (prot & PROT_WRITE)) { mm.unmap(at, size); fail(ENODEV); } // a device or other non-file
  const data = new Uint8Array(fileLen);
  let got = 0;
  try { got = data.length ? f.pread(data, off) : 0; } catch (e) { mm.unmap(at, size); throw e; }
  if (got > 0) mm.poke(at, data.subarray(0, got));
  return at;
}

export function sysMunmap(t: Task, addr: number, len: number): number {
  t.process.mm.unmap(addr, len);
  return 0;
}

export function sysMprotect(t: Task, addr: number, len: number, prot: number): number {
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) fail(EINVAL);
  if (len < 0) fail(EINVAL);
  t.process.mm.protect(addr, len, prot & 7);
  return 0;
}

/**
 * The advice values x86-64 Linux 6.x accepts (madvise_behavior_valid); anything else is EINVAL.
 * MADV_HWPOISON and MADV_SOFT_OFFLINE (100, 101) are left out, as in a kernel built without
 * CONFIG_MEMORY_FAILURE: memory-failure injection is nothing a guest may do.
 */
const MADV_VALID = new Set([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);

export function sysMadvise(t: Task, addr: number, len: number, advice: number): number {
  if (!MADV_VALID.has(advice)) fail(EINVAL);
  // The arguments are unsigned on Linux: a negative number is an address or length >= 2^63.
  const start = addr < 0 ? 2 ** 64 + addr : addr;
  const ulen = len < 0 ? 2 ** 64 + len : len;
  if (start % P) fail(EINVAL);
  const alen = pageUp(ulen);
  if (alen >= 2 ** 64 || start + alen >= 2 ** 64) fail(EINVAL); // PAGE_ALIGN or end wrapped
  if (alen === 0) return 0;
  if (start >= TASK_SIZE) fail(ENOMEM); // nothing is mapped up there
  t.process.mm.advise(start, start + alen, advice);
  return 0;
}

export function sysMremap(t: Task, old: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  const mm = t.process.mm;
  if (old % P || newLen <= 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | 4))) fail(EINVAL);
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) fail(EINVAL);
  oldLen = pageUp(oldLen); newLen = pageUp(newLen);
  const vma = mm.findVma(old);
  if (!vma || old + oldLen > vma.end) fail(EFAULT);
  if (vma.special && newLen > oldLen) fail(EFAULT); // VM_DONTEXPAND ([vdso], [vvar]): vma_to_resize
  if (newLen <= oldLen && !(flags & MREMAP_FIXED)) {
    if (newLen < oldLen) mm.unmap(old + newLen, oldLen - newLen);
    return old;
  }
  if (!(flags & MREMAP_FIXED) && mm.canGrow(old + oldLen, newLen - oldLen)) {
    // Growing a file mapping that already ends past its file: the new pages are past it too.
    const fileLen = vma.fileEnd !== undefined ? Math.max(0, vma.fileEnd - (old + oldLen)) : undefined;
    const file = vma.file && { ...vma.file, off: vma.file.off + (old + oldLen - vma.start) };
    mm.mapAnonymous(old + oldLen, newLen - oldLen, vma.prot, (vma.flags & ~MAP_ANONYMOUS) | MAP_FIXED_NOREPLACE | MAP_ANONYMOUS, vma.name, file, fileLen);
    if (vma.cache) mm.attachCache(old + oldLen, old + newLen, vma.cache);
    return old;
  }
  if (!(flags & MREMAP_MAYMOVE)) fail(ENOMEM);
  const target = (flags & MREMAP_FIXED) ? newAddr : 0;
  return mm.move(old, oldLen, newLen, target, (flags & MREMAP_FIXED) !== 0);
}


const MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;

/**
 * msync(addr, len, flags): EINVAL for an unaligned address, unknown flags or MS_ASYNC with
 * MS_SYNC; ENOMEM if part of the range is unmapped; shared file mappings in it are written back
 * to their files (both MS_SYNC and MS_ASYNC: wasl's writeback is immediate). MS_SYNC also
 * makes the file durable, as fsync. MS_INVALIDATE: the pages are the cache, nothing to drop.
 */
export function sysMsync(t: Task, addr: number, len: number, flags: number): number {
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) fail(EINVAL);
  if (addr % P || addr < 0) fail(EINVAL);
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) fail(EINVAL);
  const end = pageUp(addr + (len < 0 ? TASK_SIZE : len));
  if (end > TASK_SIZE || end < addr) fail(ENOMEM);
  const mm = t.process.mm;
  let hole = false;
  const files = new Set<NonNullable<ReturnType<typeof mm.findVma>>['cache']>();
  for (let a = addr; a < end;) {
    const v = mm.findVma(a);
    if (!v) { hole = true; const next = mm.vmas.find((x) => x.start > a); if (!next) break; a = next.start; continue; }
    if (v.cache) files.add(v.cache);
    a = v.end;
  }
  for (const cf of files) {
    cf!.writeback();
    if (flags & MS_SYNC) {
      const f = cf!.file;
      try {
        if (f instanceof HostFile) fs.fsyncSync(f.hostFd);
        else if (f instanceof InodeFile) f.dentry.inode.sync(false);
      } catch { /* as a failed writeback: msync reports nothing more */ }
    }
  }
  if (hole) fail(ENOMEM);
  return 0;
}

/** memfd_create(name, flags): an unnamed shmem file (lxcore/fs/memfd.ts). */
export function sysMemfdCreate(t: Task, nameAddr: number, flags: number): number {
  // Read after the flags are checked; strnlen_user stops one byte past the limit.
  return memfdCreate(t, (max) => t.process.mm.readCString(nameAddr, max + 1), flags);
}

/**
 * The shared mappings in the instance that may write `ino` on `dev` (i_mmap_writable):
 * F_SEAL_WRITE is refused while there are any.
 */
export function writableSharedMaps(t: Task, dev: number, ino: bigint): number {
  let n = 0;
  for (const p of t.kernel.processes.values()) {
    for (const v of p.mm.vmas) if (v.cache && v.maywrite && v.file?.dev === dev && v.file.ino === ino) n++;
  }
  return n;
}

// ---- mlock(2), mlockall(2), membarrier(2) -------------------------------------------------------

const MLOCK_ONFAULT = 1, MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4;
const CAP_IPC_LOCK = 14;

/** can_do_mlock and the RLIMIT_MEMLOCK check of do_mlock: `adding` bytes more would be locked. */
function mayLock(t: Task, adding: number): void {
  if (hasCap(t.process.creds, CAP_IPC_LOCK)) return;
  const limit = t.process.rlimits.get(RLIMIT_MEMLOCK)?.[0] ?? 8 << 20;
  if (limit === 0) fail(EPERM);
  if (adding > limit) fail(ENOMEM);
}

/** The page-aligned range mlock and munlock work on: the start rounded down, the length up. */
function lockRange(addr: number, len: number): [number, number] {
  const start = addr - (addr % P);
  return [start, start + pageUp(len + (addr % P))];
}

/** Bytes of [start, end) not yet locked (count_mm_mlocked_page_nr's complement). */
function unlockedIn(t: Task, start: number, end: number): number {
  let n = end - start;
  for (const v of t.process.mm.vmas) if (v.locked && v.end > start && v.start < end) n -= Math.min(v.end, end) - Math.max(v.start, start);
  return n;
}

function doMlock(t: Task, addr: number, len: number, flags: number): number {
  const [start, end] = lockRange(addr, len);
  if (end === start) return 0;
  const mm = t.process.mm;
  mayLock(t, mm.lockedBytes + unlockedIn(t, start, end));
  mm.setLocked(start, end, VM_LOCKED | flags);
  return 0;
}

export function sysMlock(t: Task, addr: number, len: number): number { return doMlock(t, addr, len, 0); }
export function sysMlock2(t: Task, addr: number, len: number, flags: number): number {
  if (flags & ~MLOCK_ONFAULT) fail(EINVAL);
  return doMlock(t, addr, len, (flags & MLOCK_ONFAULT) ? VM_LOCKONFAULT : 0);
}
export function sysMunlock(t: Task, addr: number, len: number): number {
  const [start, end] = lockRange(addr, len);
  if (end > start) t.process.mm.setLocked(start, end, 0);
  return 0;
}

export function sysMlockall(t: Task, flags: number): number {
  if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags === MCL_ONFAULT) fail(EINVAL);
  const mm = t.process.mm;
  const lock = VM_LOCKED | ((flags & MCL_ONFAULT) ? VM_LOCKONFAULT : 0);
  if (flags & MCL_CURRENT) mayLock(t, mm.vmas.reduce((n, v) => n + v.end - v.start, 0));
  else mayLock(t, 0);
  mm.defLocked = (flags & MCL_FUTURE) ? lock : 0;
  if (flags & MCL_CURRENT) for (const v of [...mm.vmas]) if (!v.locked || v.locked !== lock) mm.setLocked(v.start, v.end, lock);
  return 0;
}

export function sysMunlockall(t: Task): number {
  const mm = t.process.mm;
  mm.defLocked = 0;
  for (const v of [...mm.vmas]) if (v.locked) mm.setLocked(v.start, v.end, 0);
  return 0;
}

// membarrier commands (include/uapi/linux/membarrier.h).
const MEMBARRIER_CMD_QUERY = 0, MEMBARRIER_CMD_GLOBAL = 1, MEMBARRIER_CMD_GLOBAL_EXPEDITED = 2,
  MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 4, MEMBARRIER_CMD_PRIVATE_EXPEDITED = 8,
  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 16, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 32,
  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 64, MEMBARRIER_CMD_GET_REGISTRATIONS = 512;
/** What QUERY answers: everything but the rseq commands (wasl has no rseq). */
const MEMBARRIER_SUPPORTED = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED |
  MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED |
  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE |
  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_CMD_GET_REGISTRATIONS;

/**
 * membarrier(cmd, flags, cpu_id). All of an instance's threads run on one host thread, one at a
 * time, and every switch between them is a full barrier: each command's guarantee holds the
 * moment it is asked for. What remains is Linux's bookkeeping — QUERY, the registrations an
 * expedited private barrier needs first (EPERM without), GET_REGISTRATIONS, EINVAL otherwise.
 */
export function sysMembarrier(t: Task, cmd: number, flags: number, _cpu: number): number {
  cmd |= 0;
  if (flags) fail(EINVAL); // only the rseq command takes a flag, and it is not supported
  const mm = t.process.mm;
  const reg = mm.membarrier;
  switch (cmd) {
    case MEMBARRIER_CMD_QUERY: return MEMBARRIER_SUPPORTED;
    case MEMBARRIER_CMD_GLOBAL: case MEMBARRIER_CMD_GLOBAL_EXPEDITED: return 0;
    case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED: case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
      mm.membarrier = reg | cmd;
      return 0;
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
      if (!(reg & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)) fail(EPERM);
      return 0;
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
      if (!(reg & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE)) fail(EPERM);
      return 0;
    case MEMBARRIER_CMD_GET_REGISTRATIONS: return reg;
    default: return fail(EINVAL);
  }
}
