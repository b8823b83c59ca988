// The program interpreter (PT_INTERP: ld-linux-x86-64.so.2, ld-musl-x86_64.so.1): the checks
// load_elf_binary() makes on it before the point of no return, and where load_elf_interp()
// puts it (fs/binfmt_elf.c). The errors are Linux's: a file shorter than an ELF header is EIO
// (elf_read's short read), anything else wrong with the header or its program headers ELIBBAD.

import { LinuxError, EIO, ELIBBAD, ENOEXEC } from '../lxcore/abi/errno.js';
import { PAGE_SIZE } from '../lxcore/abi/mman.js';
import { parseElf, EHDR_SIZE, EM_X86_64, type ElfImage } from './elf.js';

/**
 * Parses the interpreter's file. Linux checks only the magic and e_machine (ELIBBAD) and reads
 * the program headers (ELIBBAD if they are malformed); a bad e_type or segment makes it kill
 * the process after the point of no return. wasl applies parseElf's full validation and reports
 * every rejection as ELIBBAD before anything changes (docs/elf-loader.md). The interpreter's own
 * PT_INTERP is ignored, as Linux ignores it: such an interpreter runs, and usually crashes.
 */
export function parseInterpreter(file: Uint8Array, path: string): ElfImage {
  if (file.length < EHDR_SIZE) throw new LinuxError(EIO, `interpreter ${path}: ${file.length} bytes, shorter than an ELF header`);
  const isElf = file[0] === 0x7f && file[1] === 0x45 && file[2] === 0x4c && file[3] === 0x46;
  if (!isElf) throw new LinuxError(ELIBBAD, `interpreter ${path} is not an ELF file`);
  const machine = file[18] | (file[19] << 8);
  if (machine !== EM_X86_64) throw new LinuxError(ELIBBAD, `interpreter ${path}: e_machine ${machine} is not EM_X86_64`);
  try {
    return parseElf(file);
  } catch (e) {
    if (e instanceof LinuxError && e.errno === ENOEXEC) throw new LinuxError(ELIBBAD, `interpreter ${path}: ${e.message}`);
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
