// Maps a parsed ELF executable into a guest address space: the segment-mapping half of Linux's
// load_elf_binary() (fs/binfmt_elf.c) — load bias, PT_LOAD mappings, .bss, AT_PHDR, brk start.
// The address space itself is behind LoaderTarget, so lxcore's mm and the tests plug in alike.

import { LinuxError, ENOEXEC, EINVAL } from '../lxcore/abi/errno.js';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, TASK_SIZE } from '../lxcore/abi/mman.js';
import { ET_DYN, PF_R, PF_W, PF_X, type ElfImage, type ElfPhdr } from './elf.js';

export interface LoaderTarget {
  /** Map zeroed anonymous memory at exactly [addr, addr+len), page-aligned, with PROT_* bits; throws LinuxError on failure (e.g. ENOMEM). */
  mapFixed(addr: number, len: number, prot: number): void;
  /** Copy bytes into guest memory regardless of page protection (the kernel populating an image). */
  poke(addr: number, data: Uint8Array): void;
}

export interface LoadedImage {
  entry: number;      // relocated entry point
  loadBias: number;   // 0 for ET_EXEC, the base for ET_DYN
  phdrAddr: number;   // guest address of the program headers — for AT_PHDR
  phent: number; phnum: number;
  brkStart: number;   // page-aligned end of the highest PT_LOAD's memory image (start of the heap)
  stackExecutable: boolean; // from PT_GNU_STACK; absent → not executable (Linux ≥ 5.8 on x86-64)
  interp?: string;
}

/**
 * Where Linux puts an ET_DYN that has an interpreter, with ASLR off: ELF_PAGESTART of
 * DEFAULT_MAP_WINDOW / 3 * 2 (arch/x86/include/asm/elf.h). wasl uses it for static-pie too.
 */
export const ELF_ET_DYN_BASE = 0x555555554000;

const pageDown = (a: number) => a - (a % PAGE_SIZE);
const pageUp = (a: number) => pageDown(a + PAGE_SIZE - 1);
const hex = (n: number) => '0x' + n.toString(16);

/** PF_* (R=4 W=2 X=1) to PROT_* (READ=1 WRITE=2 EXEC=4): the bits are mirrored. */
export function protFromFlags(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

interface Run { start: number; end: number; prot: number }

/**
 * Page runs to map for the (sorted, non-overlapping) PT_LOADs, relocated by `bias`. Consecutive
 * segments can share at most one page — the last of one and the first of the next — and that page
 * gets the union of their protections (Linux would give it the later segment's alone, because its
 * MAP_FIXED mapping replaces the page; see docs/elf-loader.md).
 */
function pageRuns(loads: ElfPhdr[], bias: number): Run[] {
  const runs: Run[] = [];
  for (const ph of loads) {
    if (ph.memsz === 0) continue;
    const start = pageDown(bias + ph.vaddr), end = pageUp(bias + ph.vaddr + ph.memsz);
    const prot = protFromFlags(ph.flags);
    const last = runs[runs.length - 1];
    let from = start;
    if (last && last.end > start) {       // shared page [start, start + PAGE_SIZE)
      if (last.start === start) last.prot |= prot;
      else {
        last.end = start;
        runs.push({ start, end: start + PAGE_SIZE, prot: last.prot | prot });
      }
      from = start + PAGE_SIZE;
    }
    if (from < end) runs.push({ start: from, end, prot });
  }
  return runs;
}

/** Largest power-of-two PT_LOAD p_align above the page size (Linux ≥ 5.10 maximum_alignment()). */
export function maxAlignment(loads: ElfPhdr[]): number {
  let align = PAGE_SIZE;
  for (const ph of loads) if (ph.align > align) align = ph.align;  // parseElf checked powers of two
  return align;
}

function chooseBias(image: ElfImage, base: number | undefined): number {
  if (image.type !== ET_DYN) return 0;
  const want = base ?? ELF_ET_DYN_BASE;
  if (!Number.isSafeInteger(want) || want < 0 || want % PAGE_SIZE !== 0 || want >= TASK_SIZE)
    throw new LinuxError(EINVAL, `loadElf: base ${want} is not a page-aligned user address`);
  // Linux aligns the base down to the largest segment alignment (for huge-page-aligned segments),
  // then places the first PT_LOAD's page at it.
  const align = maxAlignment(image.loads);
  const aligned = want - (want % align);
  return aligned - pageDown(image.loads[0].vaddr);
}

/**
 * Maps `image` (from parseElf(file)) into `target`: ET_EXEC at its link addresses, ET_DYN at
 * `opts.base` (default ELF_ET_DYN_BASE). Each PT_LOAD gets page-rounded zeroed memory with its
 * p_flags protection, then exactly p_filesz file bytes; everything else up to p_memsz stays zero.
 * Errors: LinuxError(ENOEXEC) if the relocated image leaves user space, whatever the target throws
 * (ENOMEM …). On error, mappings already made stay; exec discards the whole address space anyway.
 */
export function loadElf(file: Uint8Array, image: ElfImage, target: LoaderTarget,
  opts: { base?: number } = {}): LoadedImage {
  const bias = chooseBias(image, opts.base);
  const runs = pageRuns(image.loads, bias);
  for (const r of runs)
    if (r.start < 0 || r.end > TASK_SIZE)
      throw new LinuxError(ENOEXEC, `ELF: segment [${hex(r.start)}, ${hex(r.end)}) is outside user space after relocation`);
  const entry = image.entry + bias;
  // Linux checks only BAD_ADDR(e_entry); an entry outside every executable segment faults at the
  // first instruction fetch (SIGSEGV), so it is not rejected here either.
  if (entry < 0 || entry >= TASK_SIZE) throw new LinuxError(ENOEXEC, `ELF: entry ${hex(entry)} is outside user space`);

  for (const r of runs) target.mapFixed(r.start, r.end - r.start, r.prot);
  let brk = 0;
  for (const ph of image.loads) {
    if (ph.filesz > 0) target.poke(bias + ph.vaddr, file.subarray(ph.offset, ph.offset + ph.filesz));
    brk = Math.max(brk, bias + ph.vaddr + ph.memsz);
  }

  return {
    entry,
    loadBias: bias,
    phdrAddr: phdrAddress(image, bias),
    phent: image.phentsize,
    phnum: image.phnum,
    brkStart: pageUp(brk),
    // x86-64 since Linux 5.8: a missing PT_GNU_STACK no longer implies an executable stack
    // (elf_read_implies_exec() is only true for ia32); only PT_GNU_STACK with PF_X makes it so.
    stackExecutable: image.gnuStack ? (image.gnuStack.flags & PF_X) !== 0 : false,
    interp: image.interp,
  };
}

/**
 * AT_PHDR as Linux ≥ 5.18 computes it: e_phoff translated through the PT_LOAD whose file bytes
 * contain it. wasl falls back to PT_PHDR's p_vaddr, then (like Linux) to the bias itself.
 */
function phdrAddress(image: ElfImage, bias: number): number {
  let addr: number | undefined;
  for (const ph of image.loads)
    if (ph.offset <= image.phoff && image.phoff < ph.offset + ph.filesz) addr = image.phoff - ph.offset + ph.vaddr;
  addr ??= image.phdr?.vaddr ?? 0;
  return Math.max(0, addr + bias);
}
