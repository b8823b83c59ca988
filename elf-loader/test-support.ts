// Test helpers for elf-loader (used only by *.test.ts): fake LoaderTargets, an ELF writer for
// hand-made and mutated files, a seeded PRNG, and access to the host toolchain (gcc, musl-gcc,
// readelf) so tests can check the loader against real binaries and the real kernel.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinuxError, ENOMEM } from '../lxcore/abi/errno.js';
import { PAGE_SIZE } from '../lxcore/abi/mman.js';
import type { LoaderTarget } from './load.js';
import { EM_X86_64, ET_EXEC, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_LOAD } from './elf.js';

/** A guest address space made of 4 KiB pages; refuses to map a page twice (the loader never should). */
export class PageTarget implements LoaderTarget {
  readonly pages = new Map<number, { prot: number; data: Uint8Array }>();
  mapFixed(addr: number, len: number, prot: number): void {
    if (addr % PAGE_SIZE || len % PAGE_SIZE || len <= 0) throw new Error(`mapFixed(${addr}, ${len}): unaligned`);
    for (let a = addr; a < addr + len; a += PAGE_SIZE) {
      if (this.pages.has(a)) throw new Error(`mapFixed: page 0x${a.toString(16)} mapped twice`);
      this.pages.set(a, { prot, data: new Uint8Array(PAGE_SIZE) });
    }
  }
  poke(addr: number, data: Uint8Array): void {
    for (let i = 0; i < data.length;) {
      const a = addr + i, page = this.pages.get(a - (a % PAGE_SIZE));
      if (!page) throw new Error(`poke: 0x${a.toString(16)} is not mapped`);
      const n = Math.min(PAGE_SIZE - (a % PAGE_SIZE), data.length - i);
      page.data.set(data.subarray(i, i + n), a % PAGE_SIZE);
      i += n;
    }
  }
  read(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len;) {
      const a = addr + i, page = this.pages.get(a - (a % PAGE_SIZE));
      if (!page) throw new Error(`read: 0x${a.toString(16)} is not mapped`);
      const n = Math.min(PAGE_SIZE - (a % PAGE_SIZE), len - i);
      out.set(page.data.subarray(a % PAGE_SIZE, (a % PAGE_SIZE) + n), i);
      i += n;
    }
    return out;
  }
  u64(addr: number): number {
    const b = this.read(addr, 8), dv = new DataView(b.buffer);
    return dv.getUint32(0, true) + dv.getUint32(4, true) * 0x1_0000_0000;
  }
  cstr(addr: number): string {
    const bytes: number[] = [];
    for (let a = addr; ; a++) { const c = this.read(a, 1)[0]; if (c === 0) break; bytes.push(c); }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }
  protAt(addr: number): number | undefined { return this.pages.get(addr - (addr % PAGE_SIZE))?.prot; }
}

/**
 * Records mappings as ranges without backing memory (cheap enough for thousands of fuzz runs).
 * Refuses overlapping maps and pokes outside mapped memory with plain Errors (loader bugs), and
 * more than `capBytes` in all with ENOMEM, as a real address space would.
 */
export class RangeTarget implements LoaderTarget {
  readonly ranges: Array<{ start: number; end: number; prot: number }> = [];
  total = 0;
  constructor(readonly capBytes = 1 << 30) {}
  mapFixed(addr: number, len: number, prot: number): void {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(len) || addr < 0 || len <= 0 ||
        addr % PAGE_SIZE || len % PAGE_SIZE) throw new Error(`mapFixed(${addr}, ${len}): bad range`);
    for (const r of this.ranges)
      if (addr < r.end && r.start < addr + len) throw new Error(`mapFixed: 0x${addr.toString(16)} overlaps`);
    if (this.total + len > this.capBytes) throw new LinuxError(ENOMEM);
    this.total += len;
    this.ranges.push({ start: addr, end: addr + len, prot });
  }
  poke(addr: number, data: Uint8Array): void {
    let a = addr;
    const end = addr + data.length;
    while (a < end) {
      const r = this.ranges.find((r) => r.start <= a && a < r.end);
      if (!r) throw new Error(`poke: 0x${a.toString(16)} is not mapped`);
      a = r.end;
    }
  }
}

/** mulberry32: a small deterministic PRNG, so a failing fuzz case is reproducible from its seed. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PhdrSpec {
  type: number; flags?: number; offset?: number | bigint; vaddr?: number | bigint;
  paddr?: number | bigint; filesz?: number | bigint; memsz?: number | bigint; align?: number | bigint;
}

/** Offsets of the Elf64_Ehdr and Elf64_Phdr fields, for writing and mutating files. */
export const EHDR = { type: 16, machine: 18, version: 20, entry: 24, phoff: 32, shoff: 40, flags: 48,
  ehsize: 52, phentsize: 54, phnum: 56, shentsize: 58, shnum: 60, shstrndx: 62 } as const;
export const PHDR = { type: 0, flags: 4, offset: 8, vaddr: 16, paddr: 24, filesz: 32, memsz: 40, align: 48 } as const;

export function writePhdr(file: Uint8Array, at: number, ph: PhdrSpec): void {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  dv.setUint32(at + PHDR.type, ph.type, true);
  dv.setUint32(at + PHDR.flags, ph.flags ?? 0, true);
  for (const k of ['offset', 'vaddr', 'paddr', 'filesz', 'memsz', 'align'] as const)
    dv.setBigUint64(at + PHDR[k], BigInt(ph[k] ?? (k === 'paddr' ? ph.vaddr ?? 0 : 0)), true);
}

/** Writes an ELF64 x86-64 header plus program headers at offset 64 into a zeroed file of `size` bytes. */
export function buildElf(o: { type?: number; machine?: number; entry: number; phdrs: PhdrSpec[]; size: number }): Uint8Array {
  const file = new Uint8Array(o.size);
  const dv = new DataView(file.buffer);
  file.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(EHDR.type, o.type ?? ET_EXEC, true);
  dv.setUint16(EHDR.machine, o.machine ?? EM_X86_64, true);
  dv.setUint32(EHDR.version, 1, true);
  dv.setBigUint64(EHDR.entry, BigInt(o.entry), true);
  dv.setBigUint64(EHDR.phoff, 64n, true);
  dv.setUint16(EHDR.ehsize, 64, true);
  dv.setUint16(EHDR.phentsize, 56, true);
  dv.setUint16(EHDR.phnum, o.phdrs.length, true);
  o.phdrs.forEach((ph, i) => writePhdr(file, 64 + i * 56, ph));
  return file;
}

/** exit(42) as x86-64 code: mov edi, 42; mov eax, 60 (SYS_exit); syscall. */
export const EXIT42 = [0xbf, 42, 0, 0, 0, 0xb8, 60, 0, 0, 0, 0x0f, 0x05];

/**
 * A complete minimal static program that Linux runs (it exits with status 42). Its R segment (the
 * headers, at 0x400000) shares a page with an R+W segment at 0x400800 whose 0x20 file bytes are
 * followed by .bss running over the next page; the code is R+X at 0x402000 (file offset 0x1000).
 */
export function minimalElf(extra: PhdrSpec[] = []): Uint8Array {
  const file = buildElf({
    entry: 0x402000, size: 0x1010,
    phdrs: [
      { type: PT_LOAD, flags: PF_R, offset: 0, vaddr: 0x400000, filesz: 0x200, memsz: 0x200, align: 0x1000 },
      { type: PT_LOAD, flags: PF_R | PF_W, offset: 0x800, vaddr: 0x400800, filesz: 0x20, memsz: 0x1800, align: 0x1000 },
      { type: PT_LOAD, flags: PF_R | PF_X, offset: 0x1000, vaddr: 0x402000, filesz: 0x10, memsz: 0x10, align: 0x1000 },
      { type: PT_GNU_STACK, flags: PF_R | PF_W, align: 16 },
      ...extra,
    ],
  });
  file.set(EXIT42, 0x1000);
  for (let i = 0; i < 0x20; i++) file[0x800 + i] = 0xd0 + i;
  for (let i = 0x820; i < 0x1000; i++) file[i] = 0xee;  // file bytes past p_filesz: must not show
  return file;
}

/** Whether a host tool is on PATH. */
export function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

const tempDirs: string[] = [];
/** A fresh temporary directory; removeTempDirs() (from an afterAll) deletes them all. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasl-elf-'));
  tempDirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Compiles C source with `cc` and `flags` into dir/name; returns the binary's path. */
export function compileC(dir: string, name: string, source: string, cc: string, flags: string[]): string {
  const src = join(dir, name + '.c'), out = join(dir, name);
  writeFileSync(src, source);
  execFileSync(cc, [...flags, src, '-o', out], { stdio: 'pipe' });
  return out;
}

export function writeExecutable(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  chmodSync(path, 0o755);
  return path;
}

export const readBinary = (path: string) => new Uint8Array(readFileSync(path));

export interface ReadelfInfo {
  type: string; entry: number; phoff: number; phnum: number; interp?: string;
  phdrs: Array<{ type: string; offset: number; vaddr: number; paddr: number; filesz: number; memsz: number; flags: string; align: number }>;
}

/** What `readelf -lh --wide` prints about a file: the header fields and program header table. */
export function readelf(path: string): ReadelfInfo {
  const text = execFileSync('readelf', ['-lh', '--wide', path], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const field = (name: string) => {
    const m = new RegExp(`^\\s*${name}:\\s*(.*)$`, 'm').exec(text);
    if (!m) throw new Error(`readelf: no "${name}"`);
    return m[1].trim();
  };
  const info: ReadelfInfo = {
    type: field('Type').split(' ')[0],
    entry: Number(field('Entry point address')),
    phoff: parseInt(field('Start of program headers'), 10),
    phnum: parseInt(field('Number of program headers'), 10),
    phdrs: [],
  };
  const row = /^\s+(\S+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+([RWE ]+?)\s+(0x[0-9a-f]+)\s*$/gm;
  for (const m of text.matchAll(row))
    info.phdrs.push({ type: m[1], offset: Number(m[2]), vaddr: Number(m[3]), paddr: Number(m[4]),
      filesz: Number(m[5]), memsz: Number(m[6]), flags: m[7].replace(/ /g, ''), align: Number(m[8]) });
  const interp = /\[Requesting program interpreter: (.*)\]/.exec(text);
  if (interp) info.interp = interp[1];
  return info;
}

/** The C program the tests build with each toolchain: it reports what the kernel told it. */
export const PROBE_C = `#include <stdio.h>
#include <sys/auxv.h>
int data_var[64] = { 1, 2, 3 };
char bss_var[100000];
__thread int tls_var = 7;
int main(int argc, char **argv) {
  bss_var[argc] = (char)data_var[argc];
  printf("phdr=%lx phent=%lu phnum=%lu entry=%lx\\n", getauxval(AT_PHDR), getauxval(AT_PHENT),
         getauxval(AT_PHNUM), getauxval(AT_ENTRY));
  return bss_var[argc] == data_var[argc] && tls_var == 7 ? 0 : 1;
}
`;

export interface Sample { name: string; path: string; bytes: Uint8Array }

/** The toolchains the tests try; a missing compiler skips its cases (reason printed by the test). */
export const TOOLCHAINS: ReadonlyArray<{ name: string; cc: string; flags: readonly string[] }> = [
  { name: 'musl-gcc -static', cc: 'musl-gcc', flags: ['-static', '-O2'] },
  { name: 'gcc -static', cc: 'gcc', flags: ['-static', '-O2'] },
  { name: 'gcc -static-pie', cc: 'gcc', flags: ['-static-pie', '-O2'] },
];

/** Builds PROBE_C with every available toolchain (and a dynamic gcc build, for PT_INTERP). */
export function buildSamples(): Map<string, Sample> {
  const dir = tempDir(), out = new Map<string, Sample>();
  const all = [...TOOLCHAINS, { name: 'gcc (dynamic)', cc: 'gcc', flags: ['-O2'] }];
  all.forEach((t, i) => {
    if (!have(t.cc)) return;
    const path = compileC(dir, `probe${i}`, PROBE_C, t.cc, [...t.flags]);
    out.set(t.name, { name: t.name, path, bytes: readBinary(path) });
  });
  return out;
}
