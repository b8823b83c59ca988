// The program interpreter (PT_INTERP: ld-linux-x86-64.so.2, ld-musl-x86_64.so.1): the checks
// load_elf_binary() makes on it before the point of no return, and where load_elf_interp()
// puts it (fs/binfmt_elf.c). The errors are Linux's: a file shorter than an ELF header is EIO
// (elf_read's short read), a bad header or program header table ELIBBAD, and anything worse a
// SIGSEGV after the point of no return.

import { LinuxError, EIO, ELIBBAD, ENOEXEC } from '../lxcore/abi/errno.js';
import { PAGE_SIZE } from '../lxcore/abi/mman.js';
import { parseElf, EHDR_SIZE, PHDR_SIZE, MAX_PHDR_TABLE, EM_X86_64, type ElfImage } from './elf.js';

/** The interpreter, or why Linux would kill the process after the point of no return. */
export type Interpreter = { image: ElfImage } | { fatal: string };

/**
 * Checks the interpreter's file as load_elf_binary() does before the point of no return — EIO
 * for a file shorter than an ELF header, ELIBBAD for a bad magic, e_machine, or program header
 * table (load_elf_phdrs()) — and throws those. Whatever else is wrong Linux finds only in
 * load_elf_interp(), after the old image is gone, and kills the process with SIGSEGV: for those
 * (parseElf's other checks, e_type first) this returns `fatal` and exec does the same. The
 * interpreter's own PT_INTERP is ignored, as by Linux: such an interpreter runs, and crashes.
 */
export function parseInterpreter(file: Uint8Array, path: string): Interpreter {
  const bad = (why: string): never => { throw new LinuxError(ELIBBAD, `interpreter ${path}: ${why}`); };
  if (file.length < EHDR_SIZE) throw new LinuxError(EIO, `interpreter ${path}: ${file.length} bytes, shorter than an ELF header`);
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46) bad('not an ELF file');
  const machine = dv.getUint16(18, true);
  if (machine !== EM_X86_64) bad(`e_machine ${machine} is not EM_X86_64`);
  const phentsize = dv.getUint16(54, true), phnum = dv.getUint16(56, true);
  const phoff = Number(dv.getBigUint64(32, true));
  if (phentsize !== PHDR_SIZE) bad(`e_phentsize ${phentsize} is not ${PHDR_SIZE}`);
  if (phnum === 0 || phnum * PHDR_SIZE > MAX_PHDR_TABLE) bad(`e_phnum ${phnum} is out of range`);
  if (phoff > file.length - phnum * PHDR_SIZE) bad('program header table is outside the file');
  try {
    return { image: parseElf(file) };
  } catch (e) {
    if (e instanceof LinuxError && e.errno === ENOEXEC) return { fatal: `interpreter ${path}: ${e.message}` };
    throw e;
  }
}

/**
 * Bytes from the first PT_LOAD's page to the end of the last one (total_mapping_size()): how
 * much address space load_elf_interp() reserves, top-down in the mmap area, for an ET_DYN
 * interpreter. parseElf guarantees at least one PT_LOAD, sorted.
 */
export function mappingSpan(image: ElfImage): number {
  const first = image.loads[0], last = image.loads[image.loads.length - 1];
  const start = first.vaddr - (first.vaddr % PAGE_SIZE);
  return Math.ceil((last.vaddr + last.memsz - start) / PAGE_SIZE) * PAGE_SIZE;
}
