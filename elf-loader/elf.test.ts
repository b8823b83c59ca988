// parseElf: real static binaries checked against readelf, and every rejection rule on a hand-made
// ELF (a minimal program Linux runs; see minimalElf in test-support.ts).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { LinuxError, ENOEXEC } from '../lxcore/abi/errno.js';
import {
  parseElf, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_GNU_PROPERTY, PT_GNU_STACK, PT_INTERP, PT_LOAD,
  PT_NOTE, PT_NULL, PT_TLS, type ElfImage,
} from './elf.js';
import {
  buildSamples, have, removeTempDirs, minimalElf, readelf, writePhdr, EHDR, PHDR, TOOLCHAINS, type Sample,
} from './test-support.js';

afterAll(removeTempDirs);

const TYPE_NAMES: Record<string, number> = {
  LOAD: PT_LOAD, INTERP: PT_INTERP, NOTE: PT_NOTE, PHDR: 6, TLS: PT_TLS,
  GNU_STACK: PT_GNU_STACK, GNU_RELRO: 0x6474e552,
};
const flagsOf = (s: string) => (s.includes('R') ? PF_R : 0) | (s.includes('W') ? PF_W : 0) | (s.includes('E') ? PF_X : 0);

function expectENOEXEC(f: () => unknown, reason: RegExp): void {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err, 'expected a LinuxError').toBeInstanceOf(LinuxError);
  expect((err as LinuxError).errno).toBe(ENOEXEC);
  expect((err as LinuxError).message).toMatch(reason);
}

describe('parseElf on binaries built here, against readelf -lh --wide', () => {
  let samples: Map<string, Sample>;
  beforeAll(() => { samples = buildSamples(); });

  for (const t of TOOLCHAINS) {
    it.skipIf(!have(t.cc))(`${t.name} (skipped when ${t.cc} is not installed)`, () => {
      const s = samples.get(t.name)!;
      const img = parseElf(s.bytes), re = readelf(s.path);
      expect(img.type).toBe(re.type === 'EXEC' ? ET_EXEC : ET_DYN);
      expect(img.type).toBe(t.flags.includes('-static-pie') ? ET_DYN : ET_EXEC);
      expect(img.entry).toBe(re.entry);
      expect(img.phoff).toBe(re.phoff);
      expect(img.phnum).toBe(re.phnum);
      const recorded = re.phdrs.filter((p) => p.type in TYPE_NAMES);
      expect(img.phdrs.length).toBe(recorded.length);
      recorded.forEach((p, i) => {
        expect(img.phdrs[i]).toEqual({ type: TYPE_NAMES[p.type], flags: flagsOf(p.flags), offset: p.offset,
          vaddr: p.vaddr, paddr: p.paddr, filesz: p.filesz, memsz: p.memsz, align: p.align });
      });
      expect(img.loads.length).toBe(re.phdrs.filter((p) => p.type === 'LOAD').length);
      expect(img.tls).toBeDefined();                          // the probe has a __thread variable
      expect(img.gnuStack?.flags).toBe(PF_R | PF_W);
      expect(img.interp).toBeUndefined();
    });
  }

  it.skipIf(!have('gcc'))('records PT_INTERP of a dynamic gcc build (skipped without gcc)', () => {
    const s = samples.get('gcc (dynamic)')!;
    const img = parseElf(s.bytes);
    expect(img.interp).toBe(readelf(s.path).interp);
    expect(img.interp).toMatch(/^\/.*ld-linux-x86-64\.so\.2$/);
  });
});

describe('parseElf on a minimal ELF', () => {
  const dvOf = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset, f.byteLength);
  const ph = (i: number, field: keyof typeof PHDR) => 64 + i * 56 + PHDR[field];
  const mutate = (edit: (f: Uint8Array, dv: DataView) => void, base = minimalElf()) => {
    edit(base, dvOf(base));
    return base;
  };

  it('accepts the fixture and reports its segments', () => {
    const img: ElfImage = parseElf(minimalElf());
    expect(img.type).toBe(ET_EXEC);
    expect(img.entry).toBe(0x402000);
    expect(img.loads.map((l) => [l.vaddr, l.filesz, l.memsz, l.flags])).toEqual([
      [0x400000, 0x200, 0x200, PF_R], [0x400800, 0x20, 0x1800, PF_R | PF_W], [0x402000, 0x10, 0x10, PF_R | PF_X]]);
    expect(img.gnuStack?.flags).toBe(PF_R | PF_W);
  });

  const rejects: Array<[string, (f: Uint8Array, dv: DataView) => void, RegExp]> = [
    ['bad magic', (f) => { f[1] = 0x46; }, /magic/],
    ['ELFCLASS32', (f) => { f[4] = 1; }, /EI_CLASS/],
    ['big-endian', (f) => { f[5] = 2; }, /EI_DATA/],
    ['EI_VERSION 0', (f) => { f[6] = 0; }, /EI_VERSION/],
    ['e_version 2', (f, dv) => dv.setUint32(EHDR.version, 2, true), /e_version/],
    ['ET_REL', (f, dv) => dv.setUint16(EHDR.type, 1, true), /e_type/],
    ['ET_CORE', (f, dv) => dv.setUint16(EHDR.type, 4, true), /e_type/],
    ['EM_386', (f, dv) => dv.setUint16(EHDR.machine, 3, true), /e_machine/],
    ['e_phentsize 32', (f, dv) => dv.setUint16(EHDR.phentsize, 32, true), /e_phentsize/],
    ['e_phnum 0', (f, dv) => dv.setUint16(EHDR.phnum, 0, true), /no program headers/],
    ['e_phnum 1171 (> 64 KiB)', (f, dv) => dv.setUint16(EHDR.phnum, 1171, true), /larger than 65536/],
    ['e_phnum past the end of the file', (f, dv) => dv.setUint16(EHDR.phnum, 200, true), /outside the/],
    ['e_phoff near the end', (f, dv) => dv.setBigUint64(EHDR.phoff, BigInt(f.length - 10), true), /outside the/],
    ['e_phoff 2^64-1', (f, dv) => dv.setBigUint64(EHDR.phoff, 2n ** 64n - 1n, true), /e_phoff .* absurd/],
    ['e_entry ≥ 2^53', (f, dv) => dv.setBigUint64(EHDR.entry, 2n ** 53n, true), /e_entry .* absurd/],
    ['e_entry at TASK_SIZE', (f, dv) => dv.setBigUint64(EHDR.entry, 0x7ffffffff000n, true), /e_entry .* outside user space/],
    ['p_filesz > p_memsz', (f, dv) => dv.setBigUint64(ph(1, 'filesz'), 0x1801n, true), /p_filesz .* > p_memsz/],
    ['p_memsz absurd', (f, dv) => dv.setBigUint64(ph(1, 'memsz'), 2n ** 63n, true), /p_memsz .* absurd/],
    ['segment ends past TASK_SIZE', (f, dv) => dv.setBigUint64(ph(2, 'memsz'), 0x7fffffbfe000n, true), /outside user space/],
    ['segment at TASK_SIZE', (f, dv) => { dv.setBigUint64(ph(2, 'vaddr'), 0x7ffffffff000n, true); }, /outside user space/],
    ['p_align 3', (f, dv) => dv.setBigUint64(ph(2, 'align'), 3n, true), /p_align/],
    ['file range past EOF', (f, dv) => { dv.setBigUint64(ph(2, 'filesz'), 0x11n, true); dv.setBigUint64(ph(2, 'memsz'), 0x11n, true); }, /outside the 4112-byte file/],
    ['p_offset past EOF', (f, dv) => dv.setBigUint64(ph(2, 'offset'), 0x2000n, true), /outside the 4112-byte file/],
    ['p_vaddr ≢ p_offset mod 4096', (f, dv) => dv.setBigUint64(ph(2, 'offset'), 0xff0n, true), /differ mod the page size/],
    ['overlapping PT_LOADs', (f, dv) => dv.setBigUint64(ph(1, 'memsz'), 0x1801n, true), /below the end/],
    ['unsorted PT_LOADs', (f) => { const a = f.slice(64 + 56, 64 + 112); f.copyWithin(64 + 56, 64 + 112, 64 + 168); f.set(a, 64 + 112); }, /below the end/],
    ['no PT_LOAD', (f, dv) => { for (const i of [0, 1, 2]) dv.setUint32(ph(i, 'type'), PT_NULL, true); }, /no PT_LOAD/],
    ['PT_INTERP too short', (f) => writePhdr(f, 64 + 3 * 56, { type: PT_INTERP, offset: 0x100, filesz: 1 }), /PT_INTERP size/],
    ['PT_INTERP too long', (f) => writePhdr(f, 64 + 3 * 56, { type: PT_INTERP, offset: 0, filesz: 4097 }), /PT_INTERP size/],
    ['PT_INTERP without NUL', (f) => writePhdr(f, 64 + 3 * 56, { type: PT_INTERP, offset: 0x800, filesz: 8 }), /NUL/],
    ['PT_INTERP past EOF', (f) => writePhdr(f, 64 + 3 * 56, { type: PT_INTERP, offset: 0x1000, filesz: 0x20 }), /PT_INTERP is outside/],
    ['PT_TLS with an absurd field', (f) => writePhdr(f, 64 + 3 * 56, { type: PT_TLS, memsz: 2n ** 60n }), /absurd/],
  ];
  for (const [name, edit, reason] of rejects)
    it(`rejects ${name} with ENOEXEC`, () => expectENOEXEC(() => parseElf(mutate(edit)), reason));

  it('rejects every truncation with ENOEXEC', () => {
    const f = minimalElf();
    for (let n = 0; n < f.length; n++) expectENOEXEC(() => parseElf(f.subarray(0, n)), /./);
  });

  it('accepts what Linux accepts and wasl need not judge', () => {
    // Unknown types are ignored whatever their fields; so is a PT_GNU_PROPERTY with junk.
    const f = minimalElf([{ type: 0x60001234, offset: 2n ** 64n - 1n, filesz: 2n ** 63n },
      { type: PT_GNU_PROPERTY, offset: 2n ** 60n }]);
    expect(parseElf(f).phdrs.length).toBe(4);
    // An entry point outside every executable segment: Linux execs it and the program faults.
    expect(parseElf(mutate((f, dv) => dv.setBigUint64(EHDR.entry, 0x400800n, true))).entry).toBe(0x400800);
    // Empty PT_LOADs, p_align 0, and a .bss-only segment whose p_offset is junk.
    const g = minimalElf([{ type: PT_LOAD, vaddr: 0x500000, memsz: 0, align: 0 },
      { type: PT_LOAD, flags: PF_R | PF_W, offset: 0x123456789, vaddr: 0x600000, memsz: 0x3000, align: 0 }]);
    expect(parseElf(g).loads.length).toBe(5);
    // The subarray of a larger buffer (file bytes at a nonzero byteOffset).
    const big = new Uint8Array(0x2000 + 13);
    big.set(minimalElf(), 13);
    expect(parseElf(big.subarray(13, 13 + 0x1010)).entry).toBe(0x402000);
  });

  it('takes the first PT_INTERP and stops the path at its first NUL', () => {
    const f = minimalElf([{ type: PT_INTERP, offset: 0x1c0, filesz: 0x20 }, { type: PT_INTERP, offset: 0x1e0, filesz: 8 }]);
    f.set(new TextEncoder().encode('/lib/ld-wasl.so'), 0x1c0);
    f.fill(0x41, 0x1e0, 0x1e8);
    expect(parseElf(f).interp).toBe('/lib/ld-wasl.so');
  });
});
