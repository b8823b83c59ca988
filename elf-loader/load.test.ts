// loadElf: real static binaries mapped into a fake page table (bytes, zero fill, protections,
// AT_PHDR checked against what the kernel tells the same program natively), and the minimal ELF's
// shared page, relocation and error cases.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { LinuxError, EINVAL, ENOEXEC, ENOMEM } from '../lxcore/abi/errno.js';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, TASK_SIZE } from '../lxcore/abi/mman.js';
import { parseElf, ET_DYN, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_LOAD, PT_NULL, PT_PHDR } from './elf.js';
import { loadElf, protFromFlags, ELF_ET_DYN_BASE, type LoadedImage } from './load.js';
import {
  buildSamples, have, removeTempDirs, minimalElf, PageTarget, RangeTarget, EHDR, PHDR, TOOLCHAINS, type Sample,
} from './test-support.js';

afterAll(removeTempDirs);

const pageDown = (a: number) => a - (a % PAGE_SIZE);
const pageUp = (a: number) => pageDown(a + PAGE_SIZE - 1);

/** Checks a loaded image page by page against its file: bytes, zeros, protections, the page set. */
function checkImage(file: Uint8Array, t: PageTarget, got: LoadedImage): void {
  const img = parseElf(file), bias = got.loadBias;
  const wantProt = new Map<number, number>();
  const covered = new Map<number, Array<[number, number]>>();   // page → [from, to) of segment bytes
  for (const ph of img.loads) {
    for (let a = pageDown(bias + ph.vaddr); a < bias + ph.vaddr + ph.memsz; a += PAGE_SIZE) {
      wantProt.set(a, (wantProt.get(a) ?? 0) | protFromFlags(ph.flags));
      covered.set(a, [...(covered.get(a) ?? []), [bias + ph.vaddr, bias + ph.vaddr + ph.memsz]]);
    }
    // File bytes for p_filesz, zeros up to the end of the last page.
    const at = bias + ph.vaddr;
    expect(Buffer.from(t.read(at, ph.filesz)).equals(Buffer.from(file.subarray(ph.offset, ph.offset + ph.filesz)))).toBe(true);
    const tail = t.read(at + ph.filesz, pageUp(at + ph.memsz) - at - ph.filesz);
    const next = img.loads.find((q) => q.vaddr > ph.vaddr);
    const tailEnd = next && pageDown(bias + next.vaddr) < pageUp(at + ph.memsz) ? bias + next.vaddr - at - ph.filesz : tail.length;
    expect(tail.subarray(0, tailEnd).every((b) => b === 0)).toBe(true);
  }
  expect([...t.pages.keys()].sort((a, b) => a - b)).toEqual([...wantProt.keys()].sort((a, b) => a - b));
  for (const [a, prot] of wantProt) expect(t.protAt(a)).toBe(prot);
  // Bytes of a page that belong to no segment are zero.
  for (const [a, ranges] of covered) {
    const page = t.read(a, PAGE_SIZE);
    for (let i = 0; i < PAGE_SIZE; i++)
      if (!ranges.some(([from, to]) => a + i >= from && a + i < to)) expect(page[i]).toBe(0);
  }
  expect(got.brkStart).toBe(pageUp(Math.max(...img.loads.map((l) => bias + l.vaddr + l.memsz))));
  expect(got.entry).toBe(img.entry + bias);
  // AT_PHDR points at the program header table as mapped.
  expect(Buffer.from(t.read(got.phdrAddr, got.phnum * got.phent)).equals(
    Buffer.from(file.subarray(img.phoff, img.phoff + img.phnum * 56)))).toBe(true);
}

describe('loadElf on binaries built here', () => {
  let samples: Map<string, Sample>;
  beforeAll(() => { samples = buildSamples(); });

  for (const t of TOOLCHAINS) {
    it.skipIf(!have(t.cc))(`${t.name}: bytes, .bss, protections, AT_PHDR (skipped when ${t.cc} is not installed)`, () => {
      const s = samples.get(t.name)!;
      const target = new PageTarget();
      const got = loadElf(s.bytes, parseElf(s.bytes), target);
      checkImage(s.bytes, target, got);
      expect(got.phent).toBe(56);
      expect(got.stackExecutable).toBe(false);                  // PT_GNU_STACK RW
      expect(got.loadBias).toBe(t.flags.includes('-static-pie') ? ELF_ET_DYN_BASE : 0);

      // The kernel's own AT_PHDR/AT_ENTRY for the same file. ET_EXEC: identical. static-pie: the
      // kernel picks its own base (mmap area), so compare relative to the entry point.
      const native = execFileSync(s.path, { encoding: 'utf8' });
      const m = /phdr=([0-9a-f]+) phent=(\d+) phnum=(\d+) entry=([0-9a-f]+)/.exec(native)!;
      const [phdr, phent, phnum, entry] = [parseInt(m[1], 16), +m[2], +m[3], parseInt(m[4], 16)];
      expect([got.phent, got.phnum]).toEqual([phent, phnum]);
      if (got.loadBias === 0) expect([got.phdrAddr, got.entry]).toEqual([phdr, entry]);
      else expect(got.phdrAddr - got.entry).toBe(phdr - entry);
    });
  }

  it.skipIf(!have('gcc'))('static-pie at a chosen base (skipped without gcc)', () => {
    const s = samples.get('gcc -static-pie')!;
    const target = new PageTarget();
    const got = loadElf(s.bytes, parseElf(s.bytes), target, { base: 0x7f0000000000 });
    expect(got.loadBias).toBe(0x7f0000000000);
    checkImage(s.bytes, target, got);
  });
});

describe('loadElf on the minimal ELF', () => {
  it('gives a shared page the union of protections and both contents, and zeroes .bss', () => {
    const file = minimalElf(), t = new PageTarget();
    const got = loadElf(file, parseElf(file), t);
    expect([...t.pages.keys()]).toEqual([0x400000, 0x401000, 0x402000]);
    expect(t.protAt(0x400000)).toBe(PROT_READ | PROT_WRITE);   // R headers + RW data
    expect(t.protAt(0x401000)).toBe(PROT_READ | PROT_WRITE);   // .bss
    expect(t.protAt(0x402000)).toBe(PROT_READ | PROT_EXEC);
    const page = t.read(0x400000, PAGE_SIZE);
    expect(Buffer.from(page.subarray(0, 0x200)).equals(Buffer.from(file.subarray(0, 0x200)))).toBe(true);
    expect(page.subarray(0x200, 0x800).every((b) => b === 0)).toBe(true);
    expect([...page.subarray(0x800, 0x820)]).toEqual([...file.subarray(0x800, 0x820)]);
    expect(page.subarray(0x820).every((b) => b === 0)).toBe(true);  // file has 0xee there
    expect(t.read(0x401000, PAGE_SIZE).every((b) => b === 0)).toBe(true);
    expect(got).toEqual({ entry: 0x402000, loadBias: 0, phdrAddr: 0x400040, phent: 56, phnum: 4,
      brkStart: 0x403000, stackExecutable: false, interp: undefined });
    checkImage(file, t, got);
  });

  it('unions three segments that share one page', () => {
    const file = minimalElf();
    const dv = new DataView(file.buffer);
    // Shrink the data segment's .bss so that the text segment can move into the same page.
    dv.setBigUint64(64 + 56 + PHDR.memsz, 0x400n, true);
    dv.setBigUint64(64 + 112 + PHDR.vaddr, 0x400e00n, true);
    dv.setBigUint64(64 + 112 + PHDR.paddr, 0x400e00n, true);
    dv.setBigUint64(64 + 112 + PHDR.offset, 0xe00n, true);
    dv.setBigUint64(EHDR.entry, 0x400e00n, true);
    const t = new PageTarget();
    const got = loadElf(file, parseElf(file), t);
    expect([...t.pages.keys()]).toEqual([0x400000]);
    expect(t.protAt(0x400000)).toBe(PROT_READ | PROT_WRITE | PROT_EXEC);
    expect(got.brkStart).toBe(0x401000);
    checkImage(file, t, got);
  });

  it('reads the stack protection from PT_GNU_STACK; absent means not executable (Linux ≥ 5.8)', () => {
    const load = (f: Uint8Array) => loadElf(f, parseElf(f), new RangeTarget()).stackExecutable;
    const f = minimalElf();
    expect(load(f)).toBe(false);
    new DataView(f.buffer).setUint32(64 + 3 * 56 + PHDR.flags, PF_R | PF_W | PF_X, true);
    expect(load(f)).toBe(true);
    new DataView(f.buffer).setUint32(64 + 3 * 56, PT_NULL, true);
    expect(load(f)).toBe(false);
  });

  const asDyn = (f: Uint8Array, align = 0x1000) => {
    const dv = new DataView(f.buffer);
    dv.setUint16(EHDR.type, ET_DYN, true);
    dv.setBigUint64(64 + 2 * 56 + PHDR.align, BigInt(align), true);
    return f;
  };

  it('relocates ET_DYN to ELF_ET_DYN_BASE by default, aligned down to the largest p_align', () => {
    const f = asDyn(minimalElf());
    const got = loadElf(f, parseElf(f), new PageTarget());
    expect(got.loadBias).toBe(ELF_ET_DYN_BASE - 0x400000);
    expect(got.entry).toBe(ELF_ET_DYN_BASE + 0x2000);
    expect(got.phdrAddr).toBe(ELF_ET_DYN_BASE + 0x40);
    const g = asDyn(minimalElf(), 0x200000);
    expect(loadElf(g, parseElf(g), new PageTarget()).loadBias).toBe(0x555555400000 - 0x400000);
  });

  it('uses PT_PHDR when no PT_LOAD holds e_phoff', () => {
    const f = minimalElf([{ type: PT_PHDR, flags: PF_R, offset: 64, vaddr: 0x500040, memsz: 0x150 }]);
    expect(loadElf(f, parseElf(f), new RangeTarget()).phdrAddr).toBe(0x400040);  // covered: Linux's way
    new DataView(f.buffer).setBigUint64(64 + PHDR.filesz, 0x20n, true);           // e_phoff no longer covered
    expect(loadElf(f, parseElf(f), new RangeTarget()).phdrAddr).toBe(0x500040);
  });

  it('fails with ENOEXEC when the relocated image leaves user space, EINVAL for a bad base', () => {
    const f = asDyn(minimalElf());
    const errno = (base: number) => {
      try { loadElf(f, parseElf(f), new RangeTarget(), { base }); return 0; } catch (e) { return (e as LinuxError).errno; }
    };
    expect(errno(TASK_SIZE - 0x2000)).toBe(ENOEXEC);               // the image is 3 pages
    expect(errno(TASK_SIZE - 0x3000)).toBe(0);
    expect(errno(0x1234)).toBe(EINVAL);
    expect(errno(-4096)).toBe(EINVAL);
    expect(errno(TASK_SIZE)).toBe(EINVAL);
  });

  it('passes the target\'s ENOMEM through', () => {
    const f = minimalElf([{ type: PT_LOAD, flags: PF_R | PF_W, vaddr: 0x10000000, memsz: 0x80000000 }]);
    expect(() => loadElf(f, parseElf(f), new RangeTarget(1 << 30))).toThrow(expect.objectContaining({ errno: ENOMEM }));
  });

  it('maps nothing for an empty PT_LOAD', () => {
    const f = minimalElf([{ type: PT_LOAD, flags: PF_R, vaddr: 0x500000, memsz: 0 }]);
    const t = new PageTarget();
    loadElf(f, parseElf(f), t);
    expect(t.pages.size).toBe(3);
  });

  it('tolerates a PT_GNU_STACK-only twin: the first PT_GNU_STACK wins', () => {
    const f = minimalElf([{ type: PT_GNU_STACK, flags: PF_R | PF_W | PF_X }]);
    expect(loadElf(f, parseElf(f), new RangeTarget()).stackExecutable).toBe(false);
  });
});
