// ELF64 parsing and validation for x86-64 executables: the checks of load_elf_binary() and
// load_elf_phdrs() in Linux's fs/binfmt_elf.c, plus a few of wasl's own (elf(5), System V gABI).
// Every rejection is LinuxError(ENOEXEC) with a reason; nothing else escapes, whatever the bytes.
// Which checks Linux makes and which are wasl's is listed in docs/elf-loader.md.

import { LinuxError, ENOEXEC } from '../lxcore/abi/errno.js';
import { PAGE_SIZE, TASK_SIZE } from '../lxcore/abi/mman.js';

export const ET_EXEC = 2, ET_DYN = 3;
export const EM_X86_64 = 62;
export const ELFCLASS64 = 2, ELFDATA2LSB = 1, EV_CURRENT = 1;
export const PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6,
  PT_TLS = 7, PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551,
  PT_GNU_RELRO = 0x6474e552, PT_GNU_PROPERTY = 0x6474e553;
export const PF_X = 1, PF_W = 2, PF_R = 4;

/** sizeof(Elf64_Ehdr) and sizeof(Elf64_Phdr). */
export const EHDR_SIZE = 64, PHDR_SIZE = 56;
/**
 * Largest program header table Linux reads (load_elf_phdrs()): 64 KiB, at most 1170 entries.
 * Older kernels also capped it at ELF_MIN_ALIGN (one page, 73 entries); 6.18 takes 1170.
 */
export const MAX_PHDR_TABLE = 65536;
/** PATH_MAX: the longest PT_INTERP Linux accepts (including the NUL). */
export const PATH_MAX = 4096;

/** One program header (Elf64_Phdr), fields as numbers (all < 2^53, checked). */
export interface ElfPhdr {
  type: number; flags: number; offset: number; vaddr: number; paddr: number;
  filesz: number; memsz: number; align: number;
}

/** What the loader needs from an ELF file, validated. Addresses are not yet relocated. */
export interface ElfImage {
  type: number;            // ET_EXEC or ET_DYN
  entry: number;           // e_entry
  phoff: number; phentsize: number; phnum: number;
  /** The recognised program headers (PT_LOAD, PT_INTERP, PT_PHDR, PT_NOTE, PT_TLS, PT_GNU_*), in file order. */
  phdrs: ElfPhdr[];
  /** PT_LOAD headers, ascending by p_vaddr and non-overlapping (checked). */
  loads: ElfPhdr[];
  interp?: string;         // PT_INTERP path (the first one, as Linux uses), without its NUL
  phdr?: ElfPhdr;          // PT_PHDR
  gnuStack?: ElfPhdr;      // PT_GNU_STACK: p_flags & PF_X decides an executable stack
  tls?: ElfPhdr;           // PT_TLS
  relro?: ElfPhdr;         // PT_GNU_RELRO
  notes: ElfPhdr[];        // PT_NOTE
}

const RECORDED = new Set([PT_LOAD, PT_INTERP, PT_PHDR, PT_NOTE, PT_TLS, PT_GNU_STACK, PT_GNU_RELRO]);

function bad(reason: string): never {
  throw new LinuxError(ENOEXEC, `ELF: ${reason}`);
}

const hex = (n: number) => '0x' + n.toString(16);

/** Reads a little-endian u64 as a number; values ≥ 2^53 cannot be a user address or size. */
function u64(dv: DataView, off: number, what: string): number {
  const lo = dv.getUint32(off, true), hi = dv.getUint32(off + 4, true);
  if (hi >= 0x200000) bad(`${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is absurd`);
  return hi * 0x1_0000_0000 + lo;
}

function isPowerOfTwo(n: number): boolean {
  // n < 2^53, so Math.log2 of an exact power of two is exact.
  return n > 0 && Number.isInteger(Math.log2(n));
}

/** Parses and validates an x86-64 ELF executable (ET_EXEC, or ET_DYN for PIE / static-pie). */
export function parseElf(file: Uint8Array): ElfImage {
  if (file.length < EHDR_SIZE) bad(`file is ${file.length} bytes, shorter than an ELF header`);
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file[0] !== 0x7f || file[1] !== 0x45 || file[2] !== 0x4c || file[3] !== 0x46) bad('bad magic');
  // EI_CLASS / EI_DATA / EI_VERSION: Linux's x86-64 loader checks only e_machine; these are ours.
  // (ELFCLASS32 with EM_X86_64 would be an x32 binary, which wasl does not run.)
  if (file[4] !== ELFCLASS64) bad(`EI_CLASS ${file[4]} is not ELFCLASS64`);
  if (file[5] !== ELFDATA2LSB) bad(`EI_DATA ${file[5]} is not ELFDATA2LSB`);
  if (file[6] !== EV_CURRENT) bad(`EI_VERSION ${file[6]} is not EV_CURRENT`);
  const type = dv.getUint16(16, true), machine = dv.getUint16(18, true);
  if (type !== ET_EXEC && type !== ET_DYN) bad(`e_type ${type} is neither ET_EXEC nor ET_DYN`);
  if (machine !== EM_X86_64) bad(`e_machine ${machine} is not EM_X86_64`);
  const version = dv.getUint32(20, true);
  if (version !== EV_CURRENT) bad(`e_version ${version} is not EV_CURRENT`);
  const entry = u64(dv, 24, 'e_entry');
  const phoff = u64(dv, 32, 'e_phoff');
  const phentsize = dv.getUint16(54, true), phnum = dv.getUint16(56, true);
  if (phentsize !== PHDR_SIZE) bad(`e_phentsize ${phentsize} is not ${PHDR_SIZE}`);
  if (phnum === 0) bad('no program headers');
  if (phnum * PHDR_SIZE > MAX_PHDR_TABLE) bad(`e_phnum ${phnum}: program header table larger than ${MAX_PHDR_TABLE} bytes`);
  if (phoff > file.length - phnum * PHDR_SIZE) bad(`program header table [${hex(phoff)}, +${phnum * PHDR_SIZE}) is outside the ${file.length}-byte file`);

  const phdrs: ElfPhdr[] = [], loads: ElfPhdr[] = [], notes: ElfPhdr[] = [];
  const image: ElfImage = { type, entry, phoff, phentsize, phnum, phdrs, loads, notes };
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PHDR_SIZE;
    const ptype = dv.getUint32(at, true);
    if (!RECORDED.has(ptype)) continue;     // unknown or unused types are ignored, as Linux does
    const name = `phdr[${i}]`;
    const ph: ElfPhdr = {
      type: ptype, flags: dv.getUint32(at + 4, true),
      offset: u64(dv, at + 8, `${name}.p_offset`), vaddr: u64(dv, at + 16, `${name}.p_vaddr`),
      paddr: u64(dv, at + 24, `${name}.p_paddr`), filesz: u64(dv, at + 32, `${name}.p_filesz`),
      memsz: u64(dv, at + 40, `${name}.p_memsz`), align: u64(dv, at + 48, `${name}.p_align`),
    };
    phdrs.push(ph);
    switch (ptype) {
      case PT_LOAD: checkLoad(ph, name, file.length); loads.push(ph); break;
      case PT_INTERP: if (image.interp === undefined) image.interp = readInterp(file, ph, name); break;
      case PT_PHDR: image.phdr ??= ph; break;
      case PT_GNU_STACK: image.gnuStack ??= ph; break;   // Linux: the first one wins (it breaks)
      case PT_TLS: image.tls ??= ph; break;
      case PT_GNU_RELRO: image.relro ??= ph; break;
      case PT_NOTE: notes.push(ph); break;
    }
  }
  if (loads.length === 0) bad('no PT_LOAD segment');
  for (let i = 1; i < loads.length; i++) {
    // The gABI requires ascending p_vaddr; Linux assumes it (total_mapping_size() spans first to
    // last) without checking. Overlap is rejected at byte granularity; sharing a page is allowed.
    const prev = loads[i - 1], cur = loads[i];
    if (cur.vaddr < prev.vaddr + prev.memsz)
      bad(`PT_LOAD at ${hex(cur.vaddr)} is below the end ${hex(prev.vaddr + prev.memsz)} of the previous one (unsorted or overlapping)`);
  }
  // Linux's BAD_ADDR(e_entry) check; for ET_DYN loadElf checks the relocated entry.
  if (type === ET_EXEC && entry >= TASK_SIZE) bad(`e_entry ${hex(entry)} is outside user space`);
  return image;
}

function checkLoad(ph: ElfPhdr, name: string, fileSize: number): void {
  if (ph.filesz > ph.memsz) bad(`${name}: p_filesz ${hex(ph.filesz)} > p_memsz ${hex(ph.memsz)}`);
  // Relocation (ET_DYN) only moves segments by a page-aligned bias; the unrelocated image must fit
  // in user space too (Linux: BAD_ADDR(k) and TASK_SIZE - p_memsz < k).
  if (ph.vaddr >= TASK_SIZE || ph.memsz > TASK_SIZE - ph.vaddr)
    bad(`${name}: [${hex(ph.vaddr)}, +${hex(ph.memsz)}) is outside user space`);
  if (ph.align > 1 && !isPowerOfTwo(ph.align)) bad(`${name}: p_align ${hex(ph.align)} is not a power of two`);
  if (ph.filesz === 0) return;             // pure .bss: the file offset is never used
  if (ph.offset > fileSize || ph.filesz > fileSize - ph.offset)
    bad(`${name}: file range [${hex(ph.offset)}, +${hex(ph.filesz)}) is outside the ${fileSize}-byte file`);
  // Linux maps the file at p_offset - (p_vaddr % PAGE_SIZE); mmap() needs that page-aligned.
  if ((ph.vaddr - ph.offset) % PAGE_SIZE !== 0)
    bad(`${name}: p_vaddr ${hex(ph.vaddr)} and p_offset ${hex(ph.offset)} differ mod the page size`);
}

function readInterp(file: Uint8Array, ph: ElfPhdr, name: string): string {
  // Linux: 2 ≤ p_filesz ≤ PATH_MAX and the last byte is NUL; the path ends at the first NUL.
  if (ph.filesz < 2 || ph.filesz > PATH_MAX) bad(`${name}: PT_INTERP size ${ph.filesz} is out of range`);
  if (ph.offset > file.length - ph.filesz) bad(`${name}: PT_INTERP is outside the file`);
  const bytes = file.subarray(ph.offset, ph.offset + ph.filesz);
  if (bytes[bytes.length - 1] !== 0) bad(`${name}: PT_INTERP is not NUL-terminated`);
  return new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
}
