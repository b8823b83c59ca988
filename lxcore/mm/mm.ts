// A process's address space: the VMA list (mmap/munmap/mprotect/brk policy, mm/mmap.c's job),
// demand paging (a VMA costs no frame until a page is touched, so PROT_NONE arenas are free),
// copy-on-write after fork, and kernel copies in and out of guest memory (EFAULT on bad
// pointers). Addresses are numbers: user space ends below 2^47, exactly representable.

import * as L from '../../cpu/shared/layout.js';
import { Core } from '../kernel/core.js';
import { FrameAllocator, FrameRefs, PageTable } from './pagetable.js';
import type { CachedFile } from './pagecache.js';
import { VDSO_PAGES } from '../../elf-loader/vdso.js';
import { fail, EFAULT, EINVAL, ENOMEM, EEXIST, EOPNOTSUPP, EACCES } from '../abi/errno.js';
import {
  PROT_READ, PROT_WRITE, PROT_EXEC, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, TASK_SIZE,
  MAP_TYPE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_ANONYMOUS, MADV_DONTNEED, MADV_FREE, MADV_REMOVE,
  MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_DONTNEED_LOCKED,
} from '../abi/mman.js';

const P = L.PAGE_SIZE;
export const pageDown = (a: number): number => a - (a % P);
export const pageUp = (a: number): number => Math.ceil(a / P) * P;

/** Where top-down mmap placement starts (Linux's mmap_base without ASLR, 8 MiB stack rlimit). */
export const MMAP_BASE = 0x7ffff7fff000;
/** Lowest address mmap hands out without MAP_FIXED (vm.mmap_min_addr). */
export const MMAP_MIN_ADDR = 0x10000;

export interface Vma {
  start: number;
  end: number;
  prot: number;
  flags: number;
  /** What /proc/PID/maps shows for it: "[heap]", "[stack]", a path, or "". */
  name: string;
  /** madvise(2) state that fork reads: VM_DONTCOPY (MADV_DONTFORK), VM_WIPEONFORK. */
  advice?: number;
  /**
   * For a file mapping: the file's st_dev and st_ino and the byte offset in it of `start`
   * (/proc/PID/maps' offset, dev and inode columns). Absent for anonymous memory.
   */
  file?: MapFile;
  /**
   * A file mapping longer than its file: where the file's last page ends. Touching a page at or
   * beyond it is SIGBUS (BUS_ADRERR), as on Linux; the rest of the last page reads as zeros.
   */
  fileEnd?: number;
  /** A MAP_SHARED mapping of a regular file: the page cache its pages come from. */
  cache?: CachedFile;
  /**
   * For a shared file mapping, VM_MAYWRITE: false when the file was not open for writing or was
   * sealed against it, and mprotect may then not add PROT_WRITE (EACCES).
   */
  maywrite?: boolean;
  /** mlock(2) state: VM_LOCKED, with VM_LOCKONFAULT for MLOCK_ONFAULT / MCL_ONFAULT. */
  locked?: number;
  /**
   * A mapping the kernel names itself (vm_special_mapping): [vdso] and [vvar]. VM_SPECIAL
   * (VM_DONTEXPAND): mlock passes over it, mremap may not grow it.
   */
  special?: boolean;
}

export const VM_LOCKED = 1, VM_LOCKONFAULT = 2;

/** The file a mapping shows: its st_dev, st_ino, and the file offset of the VMA's start. */
export interface MapFile { dev: number; ino: bigint; off: number }

/** [start, end) of `v` as its own VMA: a file mapping's offset moves with its start. */
function slice(v: Vma, start: number, end: number): Vma {
  const out = { ...v, start, end };
  if (v.file) out.file = { ...v.file, off: v.file.off + (start - v.start) };
  return out;
}

/** Whether `y` continues `x` exactly (same rights, same name, same file at the next offset). */
function continues(x: Vma, y: Vma): boolean {
  if (x.end !== y.start || x.prot !== y.prot || x.flags !== y.flags || x.name !== y.name) return false;
  if ((x.locked ?? 0) !== (y.locked ?? 0)) return false;
  if (!x.file || !y.file) return !x.file && !y.file;
  return x.file.dev === y.file.dev && x.file.ino === y.file.ino && y.file.off === x.file.off + (x.end - x.start);
}

export const VM_DONTCOPY = 1, VM_WIPEONFORK = 2;

/** The result of a page fault lxcore could not satisfy: the signal to deliver. */
export interface SegvInfo { addr: number; code: 'SEGV_MAPERR' | 'SEGV_ACCERR' | 'BUS_ADRERR' }

function pteProt(prot: number): number {
  // x86 page tables cannot express write-only or exec-only: both imply read.
  let pte = 0;
  if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) pte |= L.PTE_R;
  if (prot & PROT_WRITE) pte |= L.PTE_W;
  if (prot & PROT_EXEC) pte |= L.PTE_X;
  return pte;
}

/** MAP_SHARED (or _VALIDATE) mappings; the kernel's own (stack, heap, ELF) are private. */
const isShared = (v: Vma): boolean => (v.flags & MAP_TYPE) === MAP_SHARED || (v.flags & MAP_TYPE) === MAP_SHARED_VALIDATE;
/** Private anonymous memory (mmap'd anonymous, the heap, the stack): what MADV_FREE accepts. */
const isPrivateAnon = (v: Vma): boolean =>
  !isShared(v) && !v.file && ((v.flags & MAP_ANONYMOUS) !== 0 || v.name === '[heap]' || v.name === '[stack]');

export class AddressSpace {
  readonly pt: PageTable;
  vmas: Vma[] = [];
  brkStart = 0;
  brkEnd = 0;
  /** Processes using this address space: more than one after clone(CLONE_VM), e.g. vfork. */
  users = 1;
  /** mlockall(MCL_FUTURE): the lock flags every new mapping gets (mm->def_flags); 0 = none. */
  defLocked = 0;
  /** membarrier(2) registrations (mm->membarrier_state): fork copies them, exec starts afresh. */
  membarrier = 0;
  /** Page faults lxcore resolved (/proc/PID/stat's minflt; none is ever a major fault). */
  minflt = 0;
  /** Where exec put things (mm_struct's start_code … env_end), for /proc/PID/stat. */
  layout = { startCode: 0, endCode: 0, startData: 0, endData: 0, startStack: 0, argStart: 0, argEnd: 0, envStart: 0, envEnd: 0 };
  /** The auxiliary vector exec gave the program, AT_NULL included (mm->saved_auxv: /proc/PID/auxv). */
  savedAuxv: Uint8Array = new Uint8Array(0);
  /**
   * The [vdso] mapping's start while exec's mapping of it is intact, else 0: the core treats the
   * vDSO's fast entries specially (cpu/ops/fastsys.ts), which must stop once anything else could
   * be at that address. Any munmap, mprotect, mremap or MAP_FIXED over it goes through cut().
   */
  vdso = 0;

  constructor(readonly core: Core, readonly frames: FrameAllocator, readonly refs: FrameRefs) {
    this.pt = new PageTable(frames);
  }

  /** Makes this address space the one the core translates through. */
  activate(): void {
    this.core.ptRoot = this.pt.root;
    this.core.exports.tlbFlushAll();
  }

  // ---- VMA bookkeeping ----------------------------------------------------------------------
  findVma(addr: number): Vma | undefined {
    // Binary search: vmas are sorted and disjoint.
    let lo = 0, hi = this.vmas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.vmas[mid];
      if (addr < v.start) hi = mid - 1;
      else if (addr >= v.end) lo = mid + 1;
      else return v;
    }
    return undefined;
  }

  private isFree(start: number, end: number): boolean {
    return !this.vmas.some((v) => v.start < end && start < v.end);
  }

  /** Removes [start, end) from the VMA list, splitting VMAs that straddle it. */
  private cut(start: number, end: number): void {
    if (this.vdso && start < this.vdso + VDSO_PAGES * P && this.vdso < end) this.vdso = 0;
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) { out.push(v); continue; }
      if (v.start < start) out.push(slice(v, v.start, start));
      if (v.end > end) out.push(slice(v, end, v.end));
    }
    this.vmas = out;
  }

  private insert(vma: Vma): void {
    let i = 0;
    while (i < this.vmas.length && this.vmas[i].start < vma.start) i++;
    this.vmas.splice(i, 0, vma);
    // Merge with identical neighbours so long-running brk/mmap patterns don't fragment the list.
    const merge = (a: number) => {
      const x = this.vmas[a], y = this.vmas[a + 1];
      if (x && y && continues(x, y) && (x.advice ?? 0) === (y.advice ?? 0) && x.fileEnd === y.fileEnd) {
        x.end = y.end;
        this.vmas.splice(a + 1, 1);
      }
    };
    merge(i);
    merge(i - 1);
  }

  /** Releases the frames of [start, end) and clears their entries. */
  private dropPages(start: number, end: number): void {
    const hits: number[] = [];
    this.pt.forEach(start, end, (va) => hits.push(va));
    const cached = new Map<CachedFile, number>();
    const owner = this.refs.pageCache?.owner;
    for (const va of hits) {
      const pte = this.pt.get(va);
      if (pte === 0) continue; // never release a frame twice, whatever forEach reported
      const frame = (pte & L.PTE_FRAME_MASK) >>> 0;
      this.pt.set(va, 0);
      const cf = owner?.get(frame);
      if (cf) cached.set(cf, (cached.get(cf) ?? 0) + 1);
      if (this.refs.dec(frame)) this.frames.freeFrame(frame);
    }
    if (hits.length) this.core.exports.tlbFlushAll();
    // Page-cache pages: the file gets what was stored through them (and they go with the last).
    for (const [cf, n] of cached) cf.dropped(n);
  }

  /**
   * Makes [start, end) a shared mapping of `cf`'s file and maps its pages now (all of them up to
   * the file's end: each page-table entry is counted by the cache, so none may appear later
   * behind its back).
   */
  attachCache(start: number, end: number, cf: CachedFile): void {
    for (const v of this.vmas) if (v.start >= start && v.end <= end) v.cache = cf;
    this.populateCached(start, end);
  }

  /** Maps every not yet mapped page of the cached mappings in [start, end) (not past the file). */
  populateCached(start: number, end: number): void {
    for (const v of this.vmas) {
      if (!v.cache || v.end <= start || v.start >= end) continue;
      const stop = Math.min(v.end, end, v.fileEnd ?? Infinity);
      for (let va = Math.max(v.start, start); va < stop; va += P) if (this.pt.get(va) === 0) this.populate(va, v);
    }
  }

  // ---- mapping --------------------------------------------------------------------------
  /** Finds a free range of `len` bytes, top-down below MMAP_BASE (Linux's default layout). */
  private findFree(len: number, hint: number): number {
    if (hint && hint >= MMAP_MIN_ADDR && hint + len <= TASK_SIZE && this.isFree(hint, hint + len)) return hint;
    let top = MMAP_BASE;
    for (let i = this.vmas.length - 1; i >= -1; i--) {
      const v = this.vmas[i];
      const lowEnd = v ? v.end : MMAP_MIN_ADDR;
      if (v && v.start >= top) continue;
      if (top - lowEnd >= len) return top - len;
      if (v) top = Math.min(top, v.start);
    }
    fail(ENOMEM);
  }

  /** Where mmap(NULL, len) would go (get_unmapped_area): the exec of an interpreter asks. */
  unmappedArea(len: number): number {
    return this.findFree(pageUp(len), 0);
  }

  /**
   * Maps anonymous zero-filled memory (mmap's core). Returns the address. Pages are allocated
   * on first touch. `flags` are MAP_* bits; MAP_FIXED replaces what was there. A file mapping
   * passes `fileLen`, the bytes of the file it covers: pages past them are SIGBUS.
   */
  mapAnonymous(addr: number, len: number, prot: number, flags: number, name = '', file?: MapFile, fileLen?: number): number {
    if (len <= 0 || len > TASK_SIZE) fail(len === 0 ? EINVAL : ENOMEM);
    len = pageUp(len);
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      if (addr % P) fail(EINVAL);
      if (addr + len > TASK_SIZE || addr < 0) fail(ENOMEM);
      if (flags & MAP_FIXED_NOREPLACE) {
        if (!this.isFree(addr, addr + len)) fail(EEXIST);
      } else {
        this.unmap(addr, len);
      }
    } else {
      addr = this.findFree(len, pageDown(addr));
    }
    const vma: Vma = { start: addr, end: addr + len, prot, flags, name, ...(file ? { file } : {}), ...(this.defLocked ? { locked: this.defLocked } : {}) };
    if (fileLen !== undefined && pageUp(fileLen) < len) vma.fileEnd = addr + pageUp(fileLen);
    this.insert(vma);
    return addr;
  }

  unmap(addr: number, len: number): void {
    if (addr % P || len <= 0) fail(EINVAL);
    const end = pageUp(addr + len);
    if (end > TASK_SIZE) fail(EINVAL);
    this.closedFiles(addr, end);
    this.dropPages(addr, end);
    this.cut(addr, end);
  }

  /**
   * Told of each file mapping (or part of one) that goes away — munmap, MAP_FIXED over it, exit,
   * exec — as a vma's close operation is: System V shared memory's detach time and pid.
   */
  static onFileUnmapped: ((mm: AddressSpace, file: MapFile) => void) | null = null;
  private closedFiles(start: number, end: number): void {
    const hook = AddressSpace.onFileUnmapped;
    if (!hook) return;
    for (const v of this.vmas) if (v.file && v.start < end && start < v.end) hook(this, v.file);
  }

  protect(addr: number, len: number, prot: number): void {
    if (addr % P) fail(EINVAL);
    const end = pageUp(addr + len);
    if (end < addr || end > TASK_SIZE) fail(ENOMEM);
    if (end === addr) return;
    // Every page of the range must be mapped (ENOMEM otherwise), as mprotect(2) says.
    for (let a = addr; a < end;) {
      const v = this.findVma(a);
      if (!v) fail(ENOMEM);
      if ((prot & 2 /* PROT_WRITE */) && v.cache && v.maywrite === false) fail(EACCES);
      a = v.end;
    }
    const pieces = this.vmas.filter((v) => v.start < end && addr < v.end)
      .map((v) => ({ ...slice(v, Math.max(v.start, addr), Math.min(v.end, end)), prot }));
    this.cut(addr, end);
    for (const p of pieces) this.insert(p);
    const pteBits = pteProt(prot);
    this.pt.forEach(addr, end, (va, pte) => {
      // A frame still shared after fork must not become writable in place: a COW page stays
      // COW, and so does a read-only page fork shared that is now made writable.
      const shared = (pte & L.PTE_COW) || this.refs.get((pte & L.PTE_FRAME_MASK) >>> 0) > 1;
      let bits = pteBits;
      if (shared && (bits & L.PTE_W) && !this.sharedVma(va)) bits = (bits & ~L.PTE_W) | L.PTE_COW;
      this.pt.set(va, (pte & L.PTE_FRAME_MASK) | bits);
    });
    this.core.exports.tlbFlushAll();
  }

  /**
   * mlock/munlock over [start, end) (apply_vma_lock_flags): the VMAs from `start` on are changed
   * (split at the ends, as Linux's are) as far as they run without a gap; a gap before `end`, or
   * nothing mapped at `start`, is ENOMEM — after the part before it was done. `locked` 0 unlocks.
   */
  setLocked(start: number, end: number, locked: number): void {
    let reach = start;
    while (reach < end) {
      const v = this.findVma(reach);
      if (!v) break;
      reach = v.end;
    }
    const stop = Math.min(reach, end);
    if (stop > start) {
      const pieces = this.vmas.filter((v) => v.start < stop && start < v.end)
        .map((v) => {
          const p = slice(v, Math.max(v.start, start), Math.min(v.end, stop));
          // VM_SPECIAL mappings ([vvar], [vdso]) are passed over, never locked (mlock_fixup).
          if (locked && !v.special) p.locked = locked; else delete p.locked;
          return p;
        });
      this.cut(start, stop);
      for (const p of pieces) this.insert(p);
    }
    if (stop < end) fail(ENOMEM);
  }

  /** Bytes in VM_LOCKED mappings (mm->locked_vm: /proc/PID/status VmLck). */
  get lockedBytes(): number {
    return this.vmas.reduce((n, v) => n + (v.locked ? v.end - v.start : 0), 0);
  }

  /**
   * madvise(2) over [start, end), VMA by VMA in address order as Linux's madvise_walk_vmas goes:
   * an error from one VMA ends the walk (what came before stays done); a hole makes the result
   * ENOMEM once every mapped part has been advised. Pure hints (NORMAL, WILLNEED, COLD, ...) only
   * need the range to be mapped.
   */
  advise(start: number, end: number, advice: number): void {
    end = Math.min(end, TASK_SIZE);
    let at = start, holes = false;
    for (const v of this.vmas.filter((x) => x.end > start && x.start < end)) {
      if (v.start > at) holes = true;
      const s = Math.max(v.start, start), e = Math.min(v.end, end);
      // [vvar] is a VM_PFNMAP mapping: madvise_dontneed_free_valid_vma refuses it.
      if (v.special && v.name === '[vvar]' && (advice === MADV_FREE || advice === MADV_DONTNEED || advice === MADV_DONTNEED_LOCKED)) fail(EINVAL);
      switch (advice) {
        case MADV_FREE:
          if (!isPrivateAnon(v)) fail(EINVAL);
          this.dropPages(s, e);
          break;
        case MADV_DONTNEED: case MADV_DONTNEED_LOCKED:
          // Private anonymous pages read back as zeros. Shared memory keeps its contents (the
          // frames are the shared object). A private file mapping would re-read the file on
          // Linux; here it is a snapshot, so its pages are kept (docs/quirks.md).
          if (isPrivateAnon(v)) this.dropPages(s, e);
          break;
        case MADV_REMOVE:
          if (!isShared(v)) fail(EINVAL);
          fail(EOPNOTSUPP); // no hole punching in shared memory yet: the answer of an fs without it
        case MADV_DONTFORK: case MADV_DOFORK: case MADV_WIPEONFORK: case MADV_KEEPONFORK: {
          if ((advice === MADV_WIPEONFORK || advice === MADV_KEEPONFORK) && !isPrivateAnon(v)) fail(EINVAL);
          const bit = advice === MADV_DONTFORK || advice === MADV_DOFORK ? VM_DONTCOPY : VM_WIPEONFORK;
          const set = advice === MADV_DONTFORK || advice === MADV_WIPEONFORK;
          const piece = { ...slice(v, s, e), advice: set ? (v.advice ?? 0) | bit : (v.advice ?? 0) & ~bit };
          this.cut(s, e);
          this.insert(piece);
          break;
        }
        default: break; // a hint: nothing a program can observe
      }
      at = e;
    }
    if (at < end) holes = true;
    if (holes) fail(ENOMEM);
  }

  /** Whether [at, at+len) is free for an in-place mremap growth. */
  canGrow(at: number, len: number): boolean {
    return at + len <= TASK_SIZE && this.isFree(at, at + len);
  }

  /** mremap with MREMAP_MAYMOVE: moves the pages of [old, old+oldLen) to a new range of newLen. */
  move(old: number, oldLen: number, newLen: number, target: number, fixed: boolean): number {
    const vma = this.findVma(old)!;
    let at: number;
    if (fixed) {
      if (target % P || target + newLen > TASK_SIZE) fail(EINVAL);
      if (target < old + oldLen && old < target + newLen) fail(EINVAL); // overlapping ranges
      this.unmap(target, newLen);
      at = target;
    } else {
      at = this.findFree(newLen, 0);
    }
    const moved: Array<[number, number]> = [];
    this.pt.forEach(old, old + Math.min(oldLen, newLen), (va, pte) => moved.push([va, pte]));
    for (const [va] of moved) this.pt.set(va, 0);
    for (const [va, pte] of moved) this.pt.set(at + (va - old), pte);
    // Pages beyond newLen (a shrinking move) are released with the old range.
    this.dropPages(old, old + oldLen);
    this.cut(old, old + oldLen);
    const dest: Vma = { ...slice(vma, old, old + newLen), start: at, end: at + newLen };
    if (vma.fileEnd !== undefined) dest.fileEnd = vma.fileEnd - old + at;
    this.insert(dest);
    if (dest.cache) this.populateCached(at, at + newLen); // a grown shared file mapping
    this.core.exports.tlbFlushAll();
    return at;
  }

  /** brk(2): moves the program break; returns the (possibly unchanged) break. */
  brk(want: number): number {
    if (want < this.brkStart) return this.brkEnd;
    const oldTop = pageUp(this.brkEnd), newTop = pageUp(want);
    if (newTop > oldTop) {
      if (!this.isFree(oldTop, newTop)) return this.brkEnd;
      this.insert({ start: oldTop, end: newTop, prot: PROT_READ | PROT_WRITE, flags: 0, name: '[heap]' });
    } else if (newTop < oldTop) {
      this.unmap(newTop, oldTop - newTop);
    }
    this.brkEnd = want;
    return want;
  }

  // ---- faults and population --------------------------------------------------------------
  /** Backs page `va` with a fresh frame according to its VMA. */
  private populate(va: number, vma: Vma): number {
    if (vma.cache && isShared(vma)) {
      // A shared file page: the cache's frame, one more mapping of it.
      const f = vma.cache.frame((vma.file!.off + (va - vma.start)) / P);
      this.refs.inc(f);
      vma.cache.mapped++;
      const e = f | pteProt(vma.prot);
      this.pt.set(va, e);
      return e;
    }
    const frame = this.frames.allocFrame();
    const pte = frame | pteProt(vma.prot);
    this.pt.set(va, pte);
    return pte;
  }

  /** Breaks copy-on-write sharing of the page at `va`; returns the new entry. */
  private unshare(va: number, pte: number): number {
    const frame = (pte & L.PTE_FRAME_MASK) >>> 0;
    let bits = (pte & ~L.PTE_FRAME_MASK & ~L.PTE_COW) | L.PTE_W;
    if (this.refs.get(frame) === 1) {
      this.pt.set(va, frame | bits);
      return frame | bits;
    }
    const copy = this.frames.allocFrame();
    const u8 = this.core.u8;
    u8.copyWithin(copy, frame, frame + P);
    this.refs.dec(frame);
    this.pt.set(va, copy | bits);
    return copy | bits;
  }

  /**
   * Handles a page fault from the core. Returns null if it was resolved (run again), or the
   * SIGSEGV to deliver.
   */
  handleFault(addr: number, code: number): SegvInfo | null {
    const va = pageDown(addr);
    const vma = addr < TASK_SIZE ? this.findVma(addr) : undefined;
    if (!vma) return { addr, code: 'SEGV_MAPERR' };
    const write = (code & L.FAULT_WRITE) !== 0;
    const exec = (code & L.FAULT_FETCH) !== 0;
    if ((write && !(vma.prot & PROT_WRITE)) || (exec && !(vma.prot & PROT_EXEC)) ||
        (!write && !exec && !(vma.prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))) {
      return { addr, code: 'SEGV_ACCERR' };
    }
    const pte = this.pt.get(va);
    this.minflt++;
    if (pte === 0 && vma.fileEnd !== undefined && va >= vma.fileEnd) return { addr, code: 'BUS_ADRERR' };
    if (pte === 0) this.populate(va, vma);
    else if (write && (pte & L.PTE_COW)) this.unshare(va, pte);
    else return { addr, code: 'SEGV_ACCERR' }; // present with the right rights: cannot happen
    this.core.exports.tlbFlushPage(BigInt(va));
    return null;
  }

  /** The linear-memory address of guest page `va` for a kernel access, or -1 (EFAULT). */
  private kernelPage(va: number, write: boolean, force: boolean): number {
    let pte = this.pt.get(va);
    if (pte === 0) {
      const vma = this.findVma(va);
      if (!vma) return -1;
      if (!force && !(vma.prot & (write ? PROT_WRITE : PROT_READ | PROT_WRITE | PROT_EXEC))) return -1;
      if (vma.fileEnd !== undefined && va >= vma.fileEnd) return -1; // past the file: EFAULT
      pte = this.populate(va, vma);
    } else if (!force && !(pte & (write ? L.PTE_W | L.PTE_COW : L.PTE_R))) {
      return -1;
    }
    if (write && (pte & L.PTE_COW)) {
      pte = this.unshare(va, pte);
      this.core.exports.tlbFlushPage(BigInt(va));
    }
    return (pte & L.PTE_FRAME_MASK) >>> 0;
  }

  private copy(addr: number, len: number, write: boolean, force: boolean,
    fn: (host: number, off: number, n: number) => void): void {
    if (len === 0) return;
    if (!(addr >= 0 && len > 0 && addr + len <= TASK_SIZE)) fail(EFAULT);
    let off = 0;
    while (off < len) {
      const a = addr + off;
      const inPage = a % P;
      const n = Math.min(P - inPage, len - off);
      const frame = this.kernelPage(a - inPage, write, force);
      if (frame < 0) fail(EFAULT);
      fn(frame + inPage, off, n);
      off += n;
    }
  }

  /**
   * How many of the `len` bytes from `addr` a kernel write could store, up to the first page it
   * cannot (unmapped, read-only, past user space): what copy_to_user copies before it stops.
   * Pages are populated and unshared as that write's faults would do.
   */
  writableRoom(addr: number, len: number): number {
    let done = 0;
    while (done < len) {
      const a = addr + done;
      if (!(a >= 0 && a < TASK_SIZE)) break;
      const inPage = a % P;
      if (this.kernelPage(a - inPage, true, false) < 0) break;
      done += Math.min(P - inPage, len - done);
    }
    return done;
  }

  /** copy_from_user: guest bytes [addr, addr+len) → a new array; EFAULT if unreadable. */
  read(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    // Within one page (most syscall buffers): no closure, no loop (issue #11's fast path).
    const inPage = addr % P;
    if (len > 0 && inPage + len <= P && addr >= 0 && addr + len <= TASK_SIZE) {
      const frame = this.kernelPage(addr - inPage, false, false);
      if (frame < 0) fail(EFAULT);
      const h = frame + inPage, u8 = this.core.u8;
      if (len <= 64) for (let i = 0; i < len; i++) out[i] = u8[h + i]; // cheaper than a subarray
      else out.set(u8.subarray(h, h + len));
      return out;
    }
    this.copy(addr, len, false, false, (h, o, n) => out.set(this.core.u8.subarray(h, h + n), o));
    return out;
  }

  /**
   * copy_to_user of `data`'s first `len` bytes: EFAULT if any page is not writable. (A length
   * rather than a subarray: subarray() of a small, fresh array makes V8 move it off its heap,
   * ~0.4 µs, more than the rest of a 1-byte read(2) — issue #11.)
   */
  write(addr: number, data: Uint8Array, len = data.length): void {
    const inPage = addr % P;
    if (len > 0 && inPage + len <= P && addr >= 0 && addr + len <= TASK_SIZE) {
      const frame = this.kernelPage(addr - inPage, true, false);
      if (frame < 0) fail(EFAULT);
      const u8 = this.core.u8, h = frame + inPage;
      if (len === data.length) u8.set(data, h);
      else if (len <= 64) for (let i = 0; i < len; i++) u8[h + i] = data[i];
      else u8.set(data.subarray(0, len), h);
      return;
    }
    this.copy(addr, len, true, false, (h, o, n) => this.core.u8.set(data.subarray(o, o + n), h));
  }

  /**
   * [addr, addr + len) as views of the host memory behind it, one per guest page, for a kernel
   * read or write in place (a host file's read or write straight into or out of guest memory,
   * without a copy: issue #11). Pages are populated and, for `write`, unshared as a copy would.
   * null if any page cannot be accessed so (the caller's copying path then finds the EFAULT and
   * its partial count) or the range is longer than `maxPages` pages. Valid until guest memory
   * next changes: use at once.
   */
  views(addr: number, len: number, write: boolean, maxPages = 64): Uint8Array[] | null {
    if (len <= 0 || addr < 0 || addr + len > TASK_SIZE) return null;
    const first = addr - (addr % P);
    const pages = Math.ceil((addr + len - first) / P);
    if (pages > maxPages) return null;
    const frames: number[] = [];
    for (let i = 0; i < pages; i++) {
      const frame = this.kernelPage(first + i * P, write, false);
      if (frame < 0) return null;
      frames.push(frame);
    }
    const u8 = this.core.u8; // after kernelPage: populating may grow the memory
    const out: Uint8Array[] = [];
    for (let i = 0, a = addr, left = len; i < pages; i++) {
      const inPage = a % P, n = Math.min(P - inPage, left);
      out.push(u8.subarray(frames[i] + inPage, frames[i] + inPage + n));
      a += n;
      left -= n;
    }
    return out;
  }

  /** Writes regardless of protection: the kernel populating an image (ELF loader, stack). */
  poke(addr: number, data: Uint8Array): void {
    this.copy(addr, data.length, true, true, (h, o, n) => this.core.u8.set(data.subarray(o, o + n), h));
  }

  /** The ELF loader's mapping primitive (elf-loader's LoaderTarget). */
  mapFixed(addr: number, len: number, prot: number): void {
    this.mapAnonymous(addr, len, prot, MAP_FIXED);
  }

  /**
   * Marks [start, end) of existing mappings as showing `file` (offset `file.off` at `start`)
   * under `name`: the ELF loader's segments, which are copied in, still show their file.
   */
  nameRange(start: number, end: number, name: string, file?: MapFile): void {
    const pieces = this.vmas.filter((v) => v.start < end && start < v.end).map((v) => {
      const s = Math.max(v.start, start);
      const piece = { ...slice(v, s, Math.min(v.end, end)), name };
      if (file) piece.file = { ...file, off: file.off + (s - start) };
      return piece;
    });
    this.cut(start, end);
    for (const p of pieces) this.insert(p);
  }

  /** Reads a NUL-terminated string of at most `max` bytes (ENAMETOOLONG is the caller's). */
  readCString(addr: number, max = 4096): string | null {
    // Searched for its NUL where it lies, page by page, and decoded from there: copying each page's
    // rest out and pushing bytes one by one made every path argument cost microseconds (issue #11).
    let parts: Uint8Array[] | undefined;
    for (let a = addr, got = 0; got < max;) {
      const inPage = a % P;
      const n = Math.min(P - inPage, max - got);
      if (!(a >= 0 && a + n <= TASK_SIZE)) fail(EFAULT);
      const frame = this.kernelPage(a - inPage, false, false);
      if (frame < 0) fail(EFAULT);
      const h = frame + inPage, u8 = this.core.u8; // after kernelPage: populating may grow the memory
      const z = u8.subarray(h, h + n).indexOf(0);
      if (z >= 0) {
        const last = u8.subarray(h, h + z);
        if (!parts) return Buffer.from(last.buffer, last.byteOffset, last.length).toString('utf8');
        parts.push(last.slice());
        return Buffer.concat(parts).toString('utf8');
      }
      (parts ??= []).push(u8.slice(h, h + n)); // a copy: the next page's populate may grow the memory
      a += n;
      got += n;
    }
    return null;
  }

  readU64(addr: number): bigint { return new DataView(this.read(addr, 8).buffer).getBigUint64(0, true); }
  readU32(addr: number): number { return new DataView(this.read(addr, 4).buffer).getUint32(0, true); }

  /**
   * get_futex_key()'s key for a shared futex in a MAP_SHARED mapping: the linear-memory address
   * of `addr`, the same in every address space that maps the page (fork keeps such frames shared).
   * undefined when `addr` lies in a private mapping (the key is then the address space's own).
   */
  sharedFutexKey(addr: number): number | undefined {
    const v = this.findVma(addr);
    if (!v || !isShared(v)) return undefined;
    const frame = this.kernelPage(pageDown(addr), false, true);
    return frame < 0 ? undefined : frame + (addr % P);
  }

  // ---- fork ----------------------------------------------------------------------------------
  /** Whether `va` lies in a MAP_SHARED mapping (whose frames fork shares writable, not COW). */
  private sharedVma(va: number): boolean {
    const v = this.findVma(va);
    return !!v && isShared(v);
  }

  /**
   * fork(2)'s copy: a new address space with the same VMAs whose pages share this one's frames.
   * Private writable pages become copy-on-write on both sides (PTE_COW without PTE_W; the first
   * write faults to handleFault, which copies or takes over the frame); read-only pages are
   * shared as they are (protect() keeps them COW if they are made writable later). Pages of
   * MAP_SHARED mappings stay shared and writable; they are populated first, because a page
   * first touched after the fork would otherwise get a frame of its own on each side.
   */
  fork(): AddressSpace {
    const child = new AddressSpace(this.core, this.frames, this.refs);
    // MADV_DONTFORK ranges are not in the child at all; MADV_WIPEONFORK ones are, empty.
    // Memory locks are not inherited (dup_mmap clears VM_LOCKED; def_flags start empty).
    child.vmas = this.vmas.filter((v) => !((v.advice ?? 0) & VM_DONTCOPY)).map((v) => { const c = { ...v }; delete c.locked; return c; });
    const notCopied = this.vmas.filter((v) => (v.advice ?? 0) & (VM_DONTCOPY | VM_WIPEONFORK));
    const skip = (va: number) => notCopied.some((v) => va >= v.start && va < v.end);
    child.membarrier = this.membarrier;
    child.brkStart = this.brkStart;
    child.brkEnd = this.brkEnd;
    child.layout = { ...this.layout };
    child.savedAuxv = this.savedAuxv;
    child.vdso = this.vdso;
    for (const v of this.vmas) {
      if (!isShared(v)) continue;
      for (let va = v.start; va < Math.min(v.end, v.fileEnd ?? Infinity); va += P) if (this.pt.get(va) === 0) this.populate(va, v);
    }
    try {
      this.pt.forEach(0, TASK_SIZE, (va, pte) => {
        if (notCopied.length && skip(va)) return;
        const frame = (pte & L.PTE_FRAME_MASK) >>> 0;
        let e = pte;
        if ((pte & L.PTE_W) && !this.sharedVma(va)) {
          e = (pte & ~L.PTE_W) | L.PTE_COW;
          this.pt.set(va, e);
        }
        child.pt.set(va, e); // may fail with ENOMEM (a page-table node) before the reference
        this.refs.inc(frame);
        const cf = this.refs.pageCache?.owner.get(frame);
        if (cf) cf.mapped++;
      });
    } catch (e) {
      child.destroy(); // drops the references taken so far; our COW pages stay correct
      throw e;
    } finally {
      // Our writable entries lost PTE_W: the TLB must forget its write tags.
      this.core.exports.tlbFlushAll();
    }
    return child;
  }

  /** Pages backed by a frame (/proc's RSS), counted in the page table. */
  residentPages(): number {
    let n = 0;
    this.pt.forEach(0, TASK_SIZE, () => { n++; });
    return n;
  }

  /** Drops one user (exit, execve); the last one frees everything. */
  release(): void {
    if (--this.users === 0) this.destroy();
  }

  /** Frees everything (the last user's exit or execve). */
  destroy(): void {
    this.closedFiles(0, TASK_SIZE);
    this.dropPages(0, TASK_SIZE);
    this.vmas = [];
    this.pt.destroy();
  }
}

export const STACK_FLAGS = MAP_GROWSDOWN;
