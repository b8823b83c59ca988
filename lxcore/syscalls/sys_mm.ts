// Memory-management calls: brk, mmap, munmap, mprotect, madvise, mremap (man 2 of each).
// Anonymous mappings are complete; a file mapping is a private copy of the file's bytes
// (MAP_SHARED of a writable file needs the page cache of the filesystem work, issue #5).

import { fail, EINVAL, EACCES, ENODEV, ENOMEM, EFAULT } from '../abi/errno.js';
import {
  PROT_READ, PROT_WRITE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, MAP_SHARED, MAP_PRIVATE,
  MAP_SHARED_VALIDATE, MAP_TYPE, MAP_FIXED, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE,
  MREMAP_MAYMOVE, MREMAP_FIXED, TASK_SIZE,
} from '../abi/mman.js';
import { O_ACCMODE, O_RDONLY } from '../abi/fcntl.js';
import { S_IFMT, S_IFREG } from '../abi/stat.js';
import { pageUp } from '../mm/mm.js';
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
  if (type !== MAP_PRIVATE && (prot & PROT_WRITE)) {
    if ((f.flags & O_ACCMODE) === O_RDONLY) fail(EACCES);
    fail(ENODEV); // writable shared file mappings: issue #5
  }
  // A private (or read-only shared) file mapping: a snapshot of the file's bytes. The part of
  // the last page past the end of a regular file reads as zeros; pages wholly past it are SIGBUS.
  const size = pageUp(len);
  const st = f.stat();
  const fileLen = Math.min(size, Math.max(0, st.size - off));
  const regular = (st.mode & S_IFMT) === S_IFREG;
  const at = mm.mapAnonymous(addr, size, prot & 7, flags & ~MAP_ANONYMOUS, f.path, { dev: st.dev, ino: st.ino, off }, regular ? fileLen : undefined);
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
    return old;
  }
  if (!(flags & MREMAP_MAYMOVE)) fail(ENOMEM);
  const target = (flags & MREMAP_FIXED) ? newAddr : 0;
  return mm.move(old, oldLen, newLen, target, (flags & MREMAP_FIXED) !== 0);
}

