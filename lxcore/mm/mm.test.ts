// Address-space bookkeeping that no guest program can observe directly: every frame is released
// exactly once, whatever range a call names. (Behaviour a program can see is compared with Linux
// in tests/programs/madvise.c and the other differential programs.)

import { it, expect } from 'vitest';
import { Core } from '../kernel/core.js';
import { AddressSpace } from './mm.js';
import { FrameAllocator, FrameRefs } from './pagetable.js';
import { MAP_PRIVATE, MAP_ANONYMOUS, MAP_SHARED, MADV_DONTNEED, PROT_READ, PROT_WRITE } from '../abi/mman.js';

it('a page-table walk over 2^61 bytes visits each mapped page once (the fuzzer once saw it wrap)', () => {
  const core = new Core();
  const frames = new FrameAllocator(core);
  const mm = new AddressSpace(core, frames, new FrameRefs());
  const a = mm.mapAnonymous(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  mm.poke(a, new Uint8Array(3 * 4096).fill(1));
  const seen: number[] = [];
  mm.pt.forEach(0, 3139552215293110849, (va) => seen.push(va));
  expect(seen).toEqual([a, a + 4096, a + 8192]);
  expect(mm.pt.get(-4096)).toBe(0);
  expect(mm.pt.get(2 ** 48 + a)).toBe(0); // would alias `a` if the top index wrapped
});

it('a page-table walk over any range visits exactly the mapped pages in it, across leaf and middle node edges', () => {
  const core = new Core();
  const frames = new FrameAllocator(core);
  const mm = new AddressSpace(core, frames, new FrameRefs());
  const LEAF = 4096 * 4096, MID = LEAF * 4096; // what one leaf node and one middle node cover
  const pages = [LEAF - 4096, LEAF, LEAF + 4096, 5 * LEAF - 4096, MID - 4096, MID, MID + LEAF + 8192, 2 ** 47 - 8192];
  for (const va of pages) {
    mm.mapAnonymous(va, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | 0x10 /* MAP_FIXED */);
    mm.poke(va, new Uint8Array([1]));
  }
  const edges = [0, 1, LEAF - 4096, LEAF - 1, LEAF, LEAF + 4096, LEAF + 4097, 5 * LEAF, MID - 4096, MID, MID + 1, MID + LEAF + 8192, MID + LEAF + 8193, 2 ** 47 - 8192, 2 ** 47 - 8191, 2 ** 47, 2 ** 48, 2 ** 60];
  for (const s of edges) {
    for (const e of edges) {
      const seen: number[] = [];
      mm.pt.forEach(s, e, (va, pte) => { expect(pte).not.toBe(0); seen.push(va); });
      // forEach takes [start, end), start rounded down to its page
      const lo = s - (s % 4096);
      expect(seen).toEqual(pages.filter((va) => va >= lo && va < Math.min(e, 2 ** 48)));
    }
  }
});

it('a forked child discarding its whole address space leaves the parent\'s frames alone', () => {
  const core = new Core();
  const frames = new FrameAllocator(core);
  const refs = new FrameRefs();
  const parent = new AddressSpace(core, frames, refs);
  const priv = parent.mapAnonymous(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  const shared = parent.mapAnonymous(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
  parent.poke(priv, new Uint8Array(2 * 4096).fill(7));
  parent.poke(shared, new TextEncoder().encode('shared'));
  const used = frames.used;
  const child = parent.fork();
  expect(() => child.advise(0x2000, 0x2000 + 2 ** 61, MADV_DONTNEED)).toThrow(); // ENOMEM: holes
  child.destroy();
  expect(frames.used).toBe(used); // the child's references went; the parent's frames stay
  expect(Array.from(parent.read(priv + 4096, 2))).toEqual([7, 7]);
  expect(new TextDecoder().decode(parent.read(shared, 6))).toBe('shared');
});

it('readCString reads a string where it lies: within a page, across pages (a UTF-8 character split by the edge), up to max, and EFAULT at an unreadable page', () => {
  const core = new Core();
  const frames = new FrameAllocator(core);
  const mm = new AddressSpace(core, frames, new FrameRefs());
  const a = mm.mapAnonymous(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  const enc = new TextEncoder();
  mm.poke(a + 100, enc.encode('/etc/passwd\0'));
  expect(mm.readCString(a + 100)).toBe('/etc/passwd');
  expect(mm.readCString(a + 100, 4)).toBeNull(); // no NUL within max bytes
  // "é" (C3 A9) split by the page edge, the rest and the NUL on the next page.
  const s = 'x'.repeat(10) + 'é' + 'tail';
  const bytes = enc.encode(s + '\0');
  const at = a + 4096 - 11;
  mm.poke(at, bytes);
  expect(mm.readCString(at)).toBe(s);
  expect(mm.readCString(at, bytes.length - 1)).toBeNull();
  expect(mm.readCString(at, bytes.length)).toBe(s);
  // Unterminated up to the end of the mapping: the next page is unmapped, EFAULT.
  mm.poke(a + 4096, new Uint8Array(4096).fill(0x41));
  expect(() => mm.readCString(a + 4096 + 4000)).toThrow(expect.objectContaining({ errno: 14 }));
  expect(() => mm.readCString(-5)).toThrow(expect.objectContaining({ errno: 14 }));
  expect(mm.readU64(a + 100)).toBe(Buffer.from('/etc/passwd').readBigUInt64LE(0));
  expect(mm.readU32(a + 104)).toBe(Buffer.from('/passwd').readUInt32LE(0));
});
