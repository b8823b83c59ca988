// Fuzzes parseElf + loadElf with mutated ELF files (a generated minimal one, a richer generated one,
// and real static binaries when a compiler is present). Every outcome must be a successful load or
// LinuxError ENOEXEC / ENOMEM; any other exception is a loader bug. Deterministic from a seed:
// WASL_FUZZ_SEED and WASL_FUZZ_ITERS (default 6000 random mutations, plus boundary sweeps).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { LinuxError, ENOEXEC, ENOMEM } from '../lxcore/abi/errno.js';
import { PAGE_SIZE, TASK_SIZE } from '../lxcore/abi/mman.js';
import {
  parseElf, ET_DYN, ET_EXEC, PF_R, PT_GNU_RELRO, PT_INTERP, PT_LOAD, PT_NOTE, PT_PHDR, PT_TLS,
} from './elf.js';
import { loadElf } from './load.js';
import { buildSamples, minimalElf, removeTempDirs, mulberry32, RangeTarget, EHDR, PHDR } from './test-support.js';

afterAll(removeTempDirs);

const ITERS = Number(process.env.WASL_FUZZ_ITERS ?? 6000);
const SEED = Number(process.env.WASL_FUZZ_SEED ?? 0x5eed);

/** minimalElf plus PT_PHDR, PT_INTERP, PT_TLS, PT_GNU_RELRO and PT_NOTE, as ET_DYN. */
function richElf(): Uint8Array {
  const f = minimalElf([
    { type: PT_PHDR, flags: PF_R, offset: 64, vaddr: 0x400040, filesz: 9 * 56, memsz: 9 * 56, align: 8 },
    { type: PT_INTERP, flags: PF_R, offset: 0x300, vaddr: 0x400300, filesz: 11, memsz: 11, align: 1 },
    { type: PT_TLS, flags: PF_R, offset: 0x800, vaddr: 0x400800, filesz: 0x10, memsz: 0x40, align: 16 },
    { type: PT_GNU_RELRO, flags: PF_R, offset: 0x800, vaddr: 0x400800, filesz: 0x10, memsz: 0x10, align: 1 },
    { type: PT_NOTE, flags: PF_R, offset: 0x1c0, vaddr: 0x4001c0, filesz: 0x20, memsz: 0x20, align: 4 },
  ]);
  f.set(new TextEncoder().encode('/lib/ld.so\0'), 0x300);
  new DataView(f.buffer).setUint16(EHDR.type, ET_DYN, true);
  return f;
}

type Outcome = 'ok' | 'ENOEXEC' | 'ENOMEM';

/** parse + load into a capped fake address space; returns the outcome, throws on anything else. */
function attempt(file: Uint8Array, base: number | undefined, what: () => string): Outcome {
  try {
    const img = parseElf(file);
    const t = new RangeTarget(1 << 30);
    const got = loadElf(file, img, t, base === undefined ? {} : { base });
    const ok = [got.entry, got.loadBias, got.phdrAddr, got.brkStart].every(Number.isSafeInteger) &&
      got.entry >= 0 && got.entry < TASK_SIZE && got.brkStart % PAGE_SIZE === 0 && got.brkStart <= TASK_SIZE &&
      got.phdrAddr >= 0 && t.ranges.every((r) => r.end <= TASK_SIZE) &&
      (img.type === ET_EXEC ? got.loadBias === 0 : true);
    if (!ok) throw new Error(`inconsistent result ${JSON.stringify(got)}`);
    return 'ok';
  } catch (e) {
    if (e instanceof LinuxError && e.errno === ENOEXEC) return 'ENOEXEC';
    if (e instanceof LinuxError && e.errno === ENOMEM) return 'ENOMEM';
    throw new Error(`fuzz failure (WASL_FUZZ_SEED=${SEED}): ${what()}: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

const TS = BigInt(TASK_SIZE);
const EXTREMES = [0n, 1n, 2n, 0xffn, 0xfffn, 0x1000n, 0xffffn, 0x7fffffffn, 0xffffffffn, 0x100000000n,
  TS - 0x1000n, TS - 1n, TS, TS + 1n, 2n ** 47n, 2n ** 52n, 2n ** 53n - 1n, 2n ** 53n,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0x555555554000n, 0x400000n];

const HEADER_FIELDS: Array<[keyof typeof EHDR, number]> = [['type', 2], ['machine', 2], ['version', 4],
  ['entry', 8], ['phoff', 8], ['phentsize', 2], ['phnum', 2], ['ehsize', 2]];
const PHDR_FIELDS: Array<[keyof typeof PHDR, number]> = [['type', 4], ['flags', 4], ['offset', 8],
  ['vaddr', 8], ['paddr', 8], ['filesz', 8], ['memsz', 8], ['align', 8]];

class Mutator {
  constructor(readonly rnd: () => number) {}
  int(n: number): number { return Math.floor(this.rnd() * n); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  u64(): bigint { return (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32)); }

  value(file: Uint8Array): bigint {
    switch (this.int(4)) {
      case 0: return this.pick(EXTREMES);
      case 1: return BigInt(this.int(file.length + 2));                  // near-valid offsets and sizes
      case 2: return BigInt(this.int(64)) * 0x1000n + BigInt(this.pick([0, 1, 0xfff, 0x800]));
      default: return this.u64();
    }
  }
  set(file: Uint8Array, at: number, bytes: number, v: bigint): void {
    if (at < 0 || at + bytes > file.length) return;
    const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
    const x = BigInt.asUintN(bytes * 8, v);
    if (bytes === 8) dv.setBigUint64(at, x, true);
    else if (bytes === 4) dv.setUint32(at, Number(x), true);
    else dv.setUint16(at, Number(x), true);
  }
  phdrAt(file: Uint8Array, i: number): number {
    const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
    return Number(BigInt.asUintN(32, dv.getBigUint64(EHDR.phoff, true))) + i * 56;
  }
  phnum(file: Uint8Array): number { return Math.max(1, new DataView(file.buffer, file.byteOffset).getUint16(EHDR.phnum, true)); }
  loadIndexes(file: Uint8Array): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.phnum(file); i++) {
      const at = this.phdrAt(file, i);
      if (at + 56 <= file.length && new DataView(file.buffer, file.byteOffset).getUint32(at, true) === PT_LOAD) out.push(i);
    }
    return out;
  }

  /** One mutation in place; returns its description. */
  mutate(f: Uint8Array): string {
    const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
    const loads = this.loadIndexes(f);
    switch (this.int(9)) {
      case 0: {                                        // byte flips in the headers
        const span = Math.min(f.length, this.phdrAt(f, this.phnum(f)) + 8);
        const n = 1 + this.int(8), at: number[] = [];
        for (let k = 0; k < n; k++) { const i = this.int(Math.max(1, span)); at.push(i); f[i] ^= 1 << this.int(8); }
        return `flip bits at ${at}`;
      }
      case 1: {                                        // random bytes anywhere in the first 4 KiB
        const i = this.int(Math.min(f.length, 4096)); f[i] = this.int(256);
        return `byte ${i} := ${f[i]}`;
      }
      case 2: {
        const [name, size] = this.pick(HEADER_FIELDS), v = this.value(f);
        this.set(f, EHDR[name], size, v);
        return `e_${name} := ${v}`;
      }
      case 3: {
        const i = loads.length && this.rnd() < 0.7 ? this.pick(loads) : this.int(this.phnum(f));
        const [name, size] = this.pick(PHDR_FIELDS), v = this.value(f);
        this.set(f, this.phdrAt(f, i) + PHDR[name], size, v);
        return `phdr[${i}].p_${name} := ${v}`;
      }
      case 4: {                                        // swap two program headers (unsorted loads)
        const i = this.int(this.phnum(f)), j = this.int(this.phnum(f));
        const a = this.phdrAt(f, i), b = this.phdrAt(f, j);
        if (a + 56 > f.length || b + 56 > f.length) return 'swap (out of range)';
        const tmp = f.slice(a, a + 56); f.copyWithin(a, b, b + 56); f.set(tmp, b);
        return `swap phdr ${i} and ${j}`;
      }
      case 5: {                                        // overlap: copy one PT_LOAD over another, or nudge it
        if (loads.length < 2) return 'overlap (too few loads)';
        const i = this.pick(loads), j = this.pick(loads), a = this.phdrAt(f, i), b = this.phdrAt(f, j);
        if (this.rnd() < 0.5) { f.copyWithin(a, b, b + 56); return `phdr[${i}] := phdr[${j}]`; }
        const v = dv.getBigUint64(b + PHDR.vaddr, true) + BigInt(this.int(0x3000));
        this.set(f, a + PHDR.vaddr, 8, v); this.set(f, a + PHDR.offset, 8, v % 0x1000n);
        return `phdr[${i}].p_vaddr := phdr[${j}].p_vaddr + small`;
      }
      case 6: {                                        // filesz/memsz relations, huge .bss
        if (!loads.length) return 'sizes (no loads)';
        const at = this.phdrAt(f, this.pick(loads)), filesz = dv.getBigUint64(at + PHDR.filesz, true);
        const v = this.pick([filesz + 1n, filesz - 1n, 0n, 1n << BigInt(20 + this.int(28)), TS]);
        this.set(f, at + this.pick([PHDR.memsz, PHDR.filesz]), 8, v);
        return `sizes at ${at} := ${v}`;
      }
      case 7: {                                        // table placement: phnum and phoff edges
        const v = this.pick([0xffff, 1170, 1171, 73, 74, this.phnum(f) + 1, this.phnum(f) - 1, 0]);
        if (this.rnd() < 0.5) { this.set(f, EHDR.phnum, 2, BigInt(v)); return `e_phnum := ${v}`; }
        const off = BigInt(Math.max(0, f.length - this.int(200)));
        this.set(f, EHDR.phoff, 8, off);
        return `e_phoff := ${off}`;
      }
      default: {                                       // type toggles and alignment junk
        if (this.rnd() < 0.5) { this.set(f, EHDR.type, 2, BigInt(this.pick([ET_EXEC, ET_DYN, 0, 1, 4, 0xfe00]))); return 'e_type toggled'; }
        if (!loads.length) return 'align (no loads)';
        const v = this.pick([0n, 1n, 3n, 0x1001n, 0x200000n, 2n ** 40n, 2n ** 52n]);
        this.set(f, this.phdrAt(f, this.pick(loads)) + PHDR.align, 8, v);
        return `p_align := ${v}`;
      }
    }
  }
}

/** Lengths worth truncating at: inside the ELF header, around each program header and segment. */
function boundaries(f: Uint8Array): number[] {
  const out = new Set<number>();
  for (let n = 0; n <= 80; n++) out.add(n);
  const img = parseElf(f);
  for (let k = 0; k <= img.phnum; k++) for (const d of [-1, 0, 1]) out.add(img.phoff + k * 56 + d);
  for (const ph of img.phdrs) for (const d of [-1, 0, 1]) { out.add(ph.offset + d); out.add(ph.offset + ph.filesz + d); }
  out.add(f.length - 1);
  return [...out].filter((n) => n >= 0 && n < f.length).sort((a, b) => a - b);
}

describe('fuzzing parseElf + loadElf', () => {
  const corpus = new Map<string, Uint8Array>([['minimal', minimalElf()], ['rich', richElf()]]);
  beforeAll(() => {
    // Real binaries when the compilers exist; without them the generated files still run.
    for (const [name, s] of buildSamples()) if (name !== 'gcc (dynamic)') corpus.set(name, s.bytes);
  });

  it('accepts the unmutated corpus', () => {
    for (const [name, f] of corpus) expect(attempt(f, undefined, () => name), name).toBe('ok');
  });

  it('truncations at every boundary (every length of the generated files) fail exactly when bytes are missing', () => {
    let n = 0;
    for (const [name, f] of corpus) {
      // Past the last byte the loader reads (section headers, symbols …) a cut changes nothing.
      const img = parseElf(f);
      const needed = Math.max(img.phoff + img.phnum * 56,
        ...img.phdrs.filter((p) => p.type === PT_LOAD || p.type === PT_INTERP).map((p) => p.offset + p.filesz));
      const lengths = f.length < 0x2000 ? Array.from({ length: f.length }, (_, i) => i) : boundaries(f);
      for (const len of lengths) {
        expect(attempt(f.subarray(0, len), undefined, () => `${name} truncated to ${len}`), `${name} at ${len}`)
          .toBe(len < needed ? 'ENOEXEC' : 'ok');
        n++;
      }
    }
    expect(n).toBeGreaterThan(5000);
  });

  it(`${ITERS} random mutations never throw anything but ENOEXEC or ENOMEM (seed ${SEED})`, { timeout: Math.max(20_000, ITERS * 20) }, () => {
    const m = new Mutator(mulberry32(SEED));
    const names = [...corpus.keys()];
    const seen: Record<Outcome, number> = { ok: 0, ENOEXEC: 0, ENOMEM: 0 };
    const started = Date.now();
    for (let i = 0; i < ITERS; i++) {
      const name = m.pick(names), f = corpus.get(name)!.slice();
      const steps: string[] = [];
      const count = m.rnd() < 0.6 ? 1 : 2 + m.int(4);
      for (let k = 0; k < count; k++) steps.push(m.mutate(f));
      let len = f.length;
      if (m.rnd() < 0.1) { len = m.int(f.length); steps.push(`truncate to ${len}`); }
      const base = m.rnd() < 0.3 ? m.int(TASK_SIZE / PAGE_SIZE) * PAGE_SIZE : undefined;
      seen[attempt(f.subarray(0, len), base, () => `iteration ${i} on ${name}: ${steps.join('; ')}; base ${base}`)]++;
    }
    // The mix must exercise both paths, or the fuzzer is only testing the magic check.
    expect(seen.ok).toBeGreaterThan(ITERS / 20);
    expect(seen.ENOEXEC).toBeGreaterThan(ITERS / 4);
    if (process.env.WASL_FUZZ_ITERS === undefined) expect(Date.now() - started).toBeLessThan(20_000);
  });
});
