// Frames and page tables in wasm linear memory (the data behind cpu/mmu/tlb.ts's walk).
// FrameAllocator hands out 4 KiB frames and 16 KiB page-table nodes, growing the memory as
// needed; PageTable maps guest pages to frames for one address space. Policy (what may be
// mapped where, with which protection) lives in lxcore/mm/mm.ts.

import type { PageCache } from './pagecache.js';
import * as L from '../../cpu/shared/layout.js';
import { Core } from '../kernel/core.js';
import { fail, ENOMEM } from '../abi/errno.js';

/** The first address past what three 12-bit levels over 4 KiB pages can index. */
const VA_LIMIT = 2 ** 48;
const pageFloor = (a: number): number => a - (a % L.PAGE_SIZE);

const GROW_PAGES = 256; // grow linear memory 16 MiB at a time

export class FrameAllocator {
  private next = L.FRAMES;          // bump pointer
  private freeFrames: number[] = [];
  private freeNodes: number[] = [];
  /** Frames in use (guest pages and page-table nodes), in 4 KiB units. */
  used = 0;
  /** Upper bound on frames, in bytes of linear memory (wasm32: 4 GiB). */
  limit = 0xffff0000;

  constructor(readonly core: Core) {}

  private bump(bytes: number): number {
    const at = this.next;
    const end = at + bytes;
    if (end > this.limit) fail(ENOMEM);
    const have = this.core.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.max(GROW_PAGES, Math.ceil((end - have) / 65536));
      try { this.core.grow(pages); } catch { fail(ENOMEM); }
    }
    this.next = end;
    return at;
  }

  /** A zeroed 4 KiB frame. */
  allocFrame(): number {
    const f = this.freeFrames.pop();
    if (f !== undefined) this.core.u8.fill(0, f, f + L.PAGE_SIZE); // fresh memory is zero already
    const frame = f ?? this.bump(L.PAGE_SIZE); // may fail with ENOMEM: count only after
    this.used++;
    return frame;
  }
  freeFrame(f: number): void { this.used--; this.freeFrames.push(f); }

  /** A zeroed 16 KiB page-table node. */
  allocNode(): number {
    const n = this.freeNodes.pop();
    if (n !== undefined) this.core.u8.fill(0, n, n + L.PT_NODE_SIZE);
    const node = n ?? this.bump(L.PT_NODE_SIZE);
    this.used += 4;
    return node;
  }
  freeNode(n: number): void { this.used -= 4; this.freeNodes.push(n); }
}

/** Per-frame reference counts for frames shared copy-on-write after fork. */
export class FrameRefs {
  private refs = new Map<number, number>();
  /** The page cache of shared file mappings (its frames are counted like any other). */
  pageCache?: PageCache;
  get(f: number): number { return this.refs.get(f) ?? 1; }
  inc(f: number): void { this.refs.set(f, this.get(f) + 1); }
  /** Drops one reference; true if that was the last one. */
  dec(f: number): boolean {
    const n = this.get(f) - 1;
    if (n <= 0) { this.refs.delete(f); return true; }
    if (n === 1) this.refs.delete(f); else this.refs.set(f, n);
    return false;
  }
}

const IDX_MASK = L.PT_NODE_ENTRIES - 1;

export class PageTable {
  readonly root: number;

  constructor(readonly frames: FrameAllocator) {
    this.root = frames.allocNode();
  }

  private get core(): Core { return this.frames.core; }

  /** Address of the leaf entry for `va`, creating the path if `create`; 0 if absent. */
  private leafSlot(va: number, create: boolean): number {
    // Outside the 48 bits the three levels index, the masks below would wrap onto real entries.
    if (!(va >= 0 && va < VA_LIMIT)) {
      if (create) throw new RangeError(`page table: address ${va} outside the 48-bit space`);
      return 0;
    }
    const u32 = () => this.core.u32;
    const vpn = Math.floor(va / L.PAGE_SIZE);
    const top = Math.floor(vpn / 2 ** 24) & IDX_MASK;
    const mid = Math.floor(vpn / 2 ** 12) & IDX_MASK;
    const leaf = vpn & IDX_MASK;
    let slot = this.root + top * 4;
    let node = u32()[slot >>> 2];
    if (node === 0) {
      if (!create) return 0;
      node = this.frames.allocNode();
      u32()[slot >>> 2] = node;
    }
    slot = node + mid * 4;
    node = u32()[slot >>> 2];
    if (node === 0) {
      if (!create) return 0;
      node = this.frames.allocNode();
      u32()[slot >>> 2] = node;
    }
    return node + leaf * 4;
  }

  /** The leaf entry for `va` (frame | PTE_* bits), or 0. */
  get(va: number): number {
    const slot = this.leafSlot(va, false);
    return slot ? this.core.u32[slot >>> 2] : 0;
  }

  /** Sets the leaf entry for `va`; the caller flushes the TLB. */
  set(va: number, pte: number): void {
    const slot = this.leafSlot(va, pte !== 0);
    if (slot) this.core.u32[slot >>> 2] = pte >>> 0;
  }

  /** Calls fn(va, pte) for every present page in [start, end). */
  forEach(start: number, end: number, fn: (va: number, pte: number) => void): void {
    const P = L.PAGE_SIZE, N = L.PT_NODE_ENTRIES;
    // Clamped to the space the table indexes: past 2^48 the masks wrap and would visit the
    // same entries again (a madvise over 2^61 bytes once freed frames twice: the fuzzer found it).
    end = Math.min(end, VA_LIMIT);
    const v0 = Math.floor(Math.max(0, pageFloor(start)) / P), v1 = Math.ceil(end / P); // pages [v0, v1)
    if (v0 >= v1) return;
    // Three nested loops over the nodes, each node scanned for its next non-zero entry by the
    // core (cpu/mmu/ptscan.ts): the teardown at exit walks the whole space while this code is
    // still cold, and JavaScript loops over every entry made that 1-2 ms of a static hello's
    // start-up (issue #11; per-page address arithmetic before them, ~5 ms). The memory view is
    // read again for every entry: fn may grow the memory (a fork's copies).
    const t0 = Math.floor(v0 / 2 ** 24), t1 = Math.floor((v1 - 1) / 2 ** 24);
    const m0 = Math.floor(v0 / N) & IDX_MASK, m1 = Math.floor((v1 - 1) / N) & IDX_MASK;
    const l0 = v0 & IDX_MASK, l1 = (v1 - 1) & IDX_MASK;
    const next = this.core.exports.ptNext;
    for (let ti = next(this.root, t0, t1 + 1); ti <= t1; ti = next(this.root, ti + 1, t1 + 1)) {
      const top = this.core.u32[(this.root >>> 2) + ti];
      const mLo = ti === t0 ? m0 : 0, mHi = ti === t1 ? m1 : N - 1;
      for (let mi = next(top, mLo, mHi + 1); mi <= mHi; mi = next(top, mi + 1, mHi + 1)) {
        const mid = this.core.u32[(top >>> 2) + mi];
        const lLo = ti === t0 && mi === m0 ? l0 : 0, lHi = ti === t1 && mi === m1 ? l1 : N - 1;
        for (let li = next(mid, lLo, lHi + 1); li <= lHi; li = next(mid, li + 1, lHi + 1)) {
          fn(((ti * N + mi) * N + li) * P, this.core.u32[(mid >>> 2) + li]);
        }
      }
    }
  }

  /** Frees every node (not the frames they point at: the caller releases those first). */
  destroy(): void {
    const N = L.PT_NODE_ENTRIES, next = this.core.exports.ptNext, u32 = this.core.u32;
    for (let i = next(this.root, 0, N); i < N; i = next(this.root, i + 1, N)) {
      const mid = u32[(this.root >>> 2) + i];
      for (let j = next(mid, 0, N); j < N; j = next(mid, j + 1, N)) this.frames.freeNode(u32[(mid >>> 2) + j]);
      this.frames.freeNode(mid);
    }
    this.frames.freeNode(this.root);
  }
}
