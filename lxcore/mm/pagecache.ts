// The page cache of MAP_SHARED file mappings: one set of frames per mapped file (by st_dev and
// st_ino), which every shared mapping of that file in every process of the instance maps, so
// stores through one mapping are seen at once through all the others, as on Linux.
//
// Where Linux has one cache for mappings and read(2)/write(2) alike, wasl's file I/O goes to the
// filesystem (the host, volfs) and only shared mappings use these frames. Coherence between the
// two is kept at the syscalls: before a read or write of a cached file, its pages are written
// back; after a write, they are read again. Pages are also written back at msync, munmap, and
// when the last mapping goes (exit, exec). docs/quirks.md says what this leaves out.

import type { FileDescription } from '../vfs/file.js';
import type { FrameAllocator, FrameRefs } from './pagetable.js';
import type { Core } from '../kernel/core.js';
import { S_IFMT, S_IFREG } from '../abi/stat.js';

const P = 4096;

/** One mapped file's pages: frame by page index, and how many page-table entries map them. */
export class CachedFile {
  readonly pages = new Map<number, number>();
  /** Page-table entries (in all address spaces) that map one of the pages. */
  mapped = 0;

  constructor(readonly cache: PageCache, readonly key: string, public file: FileDescription) {}

  /** The frame of page `index`, read from the file the first time (zeros past its end). */
  frame(index: number): number {
    let f = this.pages.get(index);
    if (f !== undefined) return f;
    f = this.cache.frames.allocFrame();
    this.pages.set(index, f);
    this.cache.owner.set(f, this);
    this.fill(index, f);
    return f;
  }

  private fill(index: number, f: number): void {
    const u8 = this.cache.core.u8;
    u8.fill(0, f, f + P);
    try { this.file.pread(u8.subarray(f, f + P), index * P); } catch { /* unreadable: zeros */ }
  }

  /** Writes every page back to the file, up to the file's current size (stores past it are lost, as on Linux). */
  writeback(): void {
    if (!this.file.writable || this.pages.size === 0) return;
    const size = this.file.stat().size;
    const u8 = this.cache.core.u8;
    for (const [index, f] of this.pages) {
      const at = index * P;
      if (at >= size) continue;
      const n = Math.min(P, size - at);
      try { this.file.writeBack(u8.slice(f, f + n), at); } catch { /* the file refuses: as a failed writeback */ }
    }
  }

  /** Reads every page again from the file (after a write(2) to it). */
  refresh(): void {
    for (const [index, f] of this.pages) this.fill(index, f);
  }

  /**
   * `n` page-table entries no longer map its pages (munmap, exit, exec): the pages are written
   * back; when none is mapped any more, the frames are freed and the file let go.
   */
  dropped(n: number): void {
    this.mapped -= n;
    this.writeback();
    if (this.mapped > 0) return;
    for (const f of this.pages.values()) {
      this.cache.owner.delete(f);
      if (this.cache.refs.dec(f)) this.cache.frames.freeFrame(f);
    }
    this.pages.clear();
    this.cache.files.delete(this.key);
    this.file.unref();
  }
}

export class PageCache {
  readonly files = new Map<string, CachedFile>();
  /** Which cached file a frame belongs to (dropPages asks, to count its mappings). */
  readonly owner = new Map<number, CachedFile>();

  constructor(readonly core: Core, readonly frames: FrameAllocator, readonly refs: FrameRefs) {}

  private static keyOf(f: FileDescription): string | null {
    const st = f.stat();
    return (st.mode & S_IFMT) === S_IFREG ? `${st.dev}:${st.ino}` : null;
  }

  /** The cache of the file `f` is open on, made (holding a reference to `f`) if there is none. */
  of(f: FileDescription): CachedFile {
    const key = PageCache.keyOf(f)!;
    let c = this.files.get(key);
    if (!c) {
      c = new CachedFile(this, key, f.ref());
      this.files.set(key, c);
    } else if (f.writable && !c.file.writable) {
      // Write back through a description that can write.
      c.file.unref();
      c.file = f.ref();
    }
    return c;
  }

  /**
   * Before read(2)/write(2) on `f`: stores through mappings reach the file first; after a write
   * (`after`), the pages are read again from the file.
   */
  before(f: FileDescription, after = false): CachedFile | undefined {
    if (this.files.size === 0) return undefined;
    let key: string | null;
    try { key = PageCache.keyOf(f); } catch { return undefined; }
    const c = key ? this.files.get(key) : undefined;
    if (after) c?.refresh(); else c?.writeback();
    return c;
  }
}
