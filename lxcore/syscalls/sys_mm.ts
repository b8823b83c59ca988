// Memory-management calls: brk, mmap, munmap, mprotect, madvise, mremap (man 2 of each).
// Anonymous mappings are complete; a private file mapping is a copy of the file's bytes, a
// shared one maps the instance's page cache of the file (lxcore/mm/pagecache.ts), msync(2)
// writes it back.

import { fail, EINVAL, EACCES, ENODEV, ENOMEM, EFAULT, EPERM } from '../abi/errno.js';
import {
  PROT_READ, PROT_WRITE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, MAP_SHARED, MAP_PRIVATE,
  MAP_SHARED_VALIDATE, MAP_TYPE, MAP_FIXED, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE,
  MREMAP_MAYMOVE, MREMAP_FIXED, TASK_SIZE,
} from '../abi/mman.js';
import { O_ACCMODE, O_RDONLY } from '../abi/fcntl.js';
import { S_IFMT, S_IFREG } from '../abi/stat.js';
import { pageUp } from '../mm/mm.js';
import { fs } from '../host.js';
import { HostFile } from '../fs/hostfile.js';
import { InodeFile } from '../vfs/inodefile.js';
import { memfdCreate, writeSealed } from '../fs/memfd.js';
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
  let name: string | null;
  try { name = t.process.mm.readCString(nameAddr, 250 + 1); } catch { name = null; }
  // A name longer than the limit is EINVAL, whatever follows it (strnlen_user stops there).
  if (name !== null && Buffer.byteLength(name) > 249) name = 'x'.repeat(250);
  return memfdCreate(t, name, flags);
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
