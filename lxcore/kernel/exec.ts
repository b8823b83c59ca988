// Building a process image from an ELF file: what execve(2) does after it has the file
// (fs/binfmt_elf.c's load_elf_binary): a fresh address space with the segments, the break, the
// stack with argv/envp/auxv, and the registers at the entry point. A dynamically linked program
// (PT_INTERP) gets its interpreter mapped too, top-down in the mmap area as load_elf_interp()
// puts it, and starts at the interpreter's entry with AT_BASE telling ld.so where it is.

import { randomFill } from '../host.js';
import { parseElf, loadElf, buildInitialStack, maxAlignment, ET_DYN, type ElfImage } from '../../elf-loader/index.js';
import { parseInterpreter, mappingSpan } from '../../elf-loader/interp.js';
import {
  AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID,
  AT_EGID, AT_SECURE, AT_HWCAP, AT_CLKTCK, AT_HWCAP2, AT_MINSIGSTKSZ, AT_SYSINFO_EHDR,
} from '../../elf-loader/auxv.js';
import { vdsoImage, VDSO_PAGES, VVAR_PAGES } from '../../elf-loader/vdso.js';
import * as L from '../../cpu/shared/layout.js';
import { AddressSpace, pageDown, pageUp } from '../mm/mm.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC, MAP_FIXED, MAP_GROWSDOWN, TASK_SIZE } from '../abi/mman.js';
import { LinuxError, errnoText } from '../abi/errno.js';
import { SIGSEGV } from '../abi/signal.js';
import { siKill, SI_KERNEL } from '../abi/siginfo.js';
import { forceSignal } from './signals.js';
import { MIN_SIGSTKSZ } from './sigframe.js';
import type { Credentials, Task } from './task.js';
import type { Kernel } from './kernel.js';

/** Top of the main thread's stack (Linux's STACK_TOP without ASLR) and its reserved size. */
export const STACK_TOP = TASK_SIZE;
export const STACK_SIZE = 8 * 1024 * 1024;

/** AT_HWCAP on x86-64 is CPUID.1:EDX — what the core reports (cpu/ops/cpuid.ts). */
export const HWCAP = 0x07808111; // FPU TSC CX8 CMOV MMX FXSR SSE SSE2 (must match LEAF1_EDX; tests check)

export interface ExecResult {
  entry: number;
  sp: number;
  /** Mapping names for /proc/PID/maps, and where the strings live for /proc/PID/cmdline. */
  argStart: number; argEnd: number; envStart: number; envEnd: number;
  /**
   * Set when the interpreter fails where Linux is already past the point of no return
   * (load_elf_interp()): exec must go ahead and the process die of SIGSEGV at once.
   */
  fatal?: string;
}

/**
 * Reads the interpreter a PT_INTERP names, as open_exec() finds it: through the guest's own path
 * resolution, with execute permission required. Throws LinuxError (ENOENT, EACCES, ELOOP …).
 */
export type InterpOpener = (path: string) => { data: Uint8Array; exe: string; dev?: number; ino?: bigint };

/** The executable's canonical path and, when known, its identity (for /proc/PID/maps). */
export interface ExeIdentity { path: string; dev?: number; ino?: bigint }

/**
 * Loads `file` into `mm` (which must be empty) and returns the entry state. Throws LinuxError
 * (ENOEXEC for a malformed or unsupported file, E2BIG for oversized arguments, ENOMEM, and for
 * the interpreter what opening it gives, EIO or ELIBBAD) before anything outside `mm` changes;
 * an interpreter Linux would fail on only later comes back as `fatal`.
 */
export function loadProgram(mm: AddressSpace, file: Uint8Array, exe: ExeIdentity, argv: string[], envp: string[],
  execfn: string, creds: Credentials, openInterp: InterpOpener, secure = false): ExecResult {
  const image = parseElf(file);
  // The interpreter is found and checked before anything is mapped, as load_elf_binary() does.
  let interp: { file: Uint8Array; exe: ExeIdentity; image: ElfImage } | undefined;
  let fatal: string | undefined;
  if (image.interp !== undefined) {
    let found;
    try {
      found = openInterp(image.interp);
    } catch (e) {
      // Same errno; the message names the interpreter, since the program itself was found.
      if (e instanceof LinuxError) throw new LinuxError(e.errno, `interpreter ${image.interp}: ${errnoText[e.errno] ?? e.message}`);
      throw e;
    }
    const parsed = parseInterpreter(found.data, image.interp);
    if ('fatal' in parsed) fatal = parsed.fatal;
    else interp = { file: found.data, exe: { path: found.exe, dev: found.dev, ino: found.ino }, image: parsed.image };
  }
  // The program: ET_EXEC at its addresses, ET_DYN (PIE) at ELF_ET_DYN_BASE.
  const loaded = loadElf(file, image, mm);
  nameImage(mm, image, loaded.loadBias, exe);
  mm.brkStart = mm.brkEnd = loaded.brkStart;
  let entry = loaded.entry, base = 0;
  if (interp) {
    // An ET_DYN interpreter goes where mmap(NULL, its whole span) would put it: the top of the
    // mmap area (0x7ffff7fca000 for glibc's ld.so, as Linux with ASLR off); ET_EXEC stays put.
    try {
      let at: number | undefined;
      if (interp.image.type === ET_DYN) {
        const align = maxAlignment(interp.image.loads);  // a huge-page-aligned interpreter stays aligned
        at = Math.ceil(mm.unmappedArea(mappingSpan(interp.image) + align - L.PAGE_SIZE) / align) * align;
      }
      const ld = loadElf(interp.file, interp.image, mm, at === undefined ? {} : { base: at });
      nameImage(mm, interp.image, ld.loadBias, interp.exe);
      entry = ld.entry;
      base = ld.loadBias; // AT_BASE: load_elf_interp()'s load_addr, 0 for an ET_EXEC interpreter
    } catch (e) {
      if (!(e instanceof LinuxError)) throw e;
      fatal = `interpreter ${image.interp}: ${e.message}`; // Linux: past the point of no return
    }
  }
  const vdso = mapVdso(mm);
  // The stack: reserved in full (pages cost nothing until touched), grows-down like Linux's.
  mm.mapAnonymous(STACK_TOP - STACK_SIZE, STACK_SIZE,
    PROT_READ | PROT_WRITE | (loaded.stackExecutable ? PROT_EXEC : 0), MAP_FIXED | MAP_GROWSDOWN, '[stack]');
  const stackTarget = {
    mapFixed: () => { /* already reserved above, with its name */ },
    poke: (addr: number, data: Uint8Array) => mm.poke(addr, data),
  };
  const st = buildInitialStack(stackTarget, {
    stackTop: STACK_TOP,
    stackSize: STACK_SIZE,
    argv,
    envp,
    execfn,
    random16: randomFill(new Uint8Array(16)),
    // Linux's order (create_elf_tables): ARCH_DLINFO's two first, AT_RANDOM after AT_SECURE.
    auxv: [
      [AT_SYSINFO_EHDR, vdso],
      [AT_MINSIGSTKSZ, MIN_SIGSTKSZ], // the largest signal frame (sigframe.ts)
      [AT_HWCAP, HWCAP],
      [AT_PAGESZ, L.PAGE_SIZE],
      [AT_CLKTCK, 100],
      [AT_PHDR, loaded.phdrAddr],
      [AT_PHENT, loaded.phent],
      [AT_PHNUM, loaded.phnum],
      [AT_BASE, base],
      [AT_FLAGS, 0],
      [AT_ENTRY, loaded.entry],   // the program's own entry; ld.so jumps there when done
      [AT_UID, creds.uid],
      [AT_EUID, creds.euid],
      [AT_GID, creds.gid],
      [AT_EGID, creds.egid],
      [AT_SECURE, secure ? 1 : 0],
    ],
    afterRandom: [[AT_HWCAP2, 0]],
  });
  // mm_struct's layout as load_elf_binary records it: code from the program's executable
  // segments, data from the last one, both by p_vaddr (not page-rounded).
  let startCode = Infinity, endCode = 0, startData = 0, endData = 0;
  for (const ph of image.loads) {
    const v = loaded.loadBias + ph.vaddr, k = v + ph.filesz;
    if ((ph.flags & 1) && v < startCode) startCode = v;
    if (startData < v) startData = v;
    if ((ph.flags & 1) && endCode < k) endCode = k;
    if (endData < k) endData = k;
  }
  // The auxiliary vector as it went onto the stack, up to and including AT_NULL.
  for (let n = 1; n <= 64; n++) {
    const v = mm.read(st.auxvAddr, 16 * n);
    if (new DataView(v.buffer).getBigUint64(16 * (n - 1), true) === 0n) { mm.savedAuxv = v; break; }
  }
  mm.layout = { startCode: startCode === Infinity ? 0 : startCode, endCode, startData, endData, startStack: st.sp,
    argStart: st.argStart, argEnd: st.argEnd, envStart: st.envStart, envEnd: st.envEnd };
  return { fatal, entry, sp: st.sp, argStart: st.argStart, argEnd: st.argEnd, envStart: st.envStart, envEnd: st.envEnd };
}

/**
 * The vDSO (elf-loader/vdso.ts) and the [vvar] pages below it, where arch_setup_additional_pages()
 * puts them: one get_unmapped_area() of both, after the interpreter (so just below it, or at the
 * top of the mmap area for a static program), [vvar] read-only and [vdso] read and execute.
 * wasl's [vvar] pages are zeros: its vDSO reads no data from them. Returns the vDSO's address.
 */
function mapVdso(mm: AddressSpace): number {
  const at = mm.unmappedArea((VVAR_PAGES + VDSO_PAGES) * L.PAGE_SIZE);
  const vdso = at + VVAR_PAGES * L.PAGE_SIZE;
  mm.mapAnonymous(at, VVAR_PAGES * L.PAGE_SIZE, PROT_READ, MAP_FIXED, '[vvar]');
  mm.mapAnonymous(vdso, VDSO_PAGES * L.PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_FIXED, '[vdso]');
  mm.findVma(at)!.special = true;
  mm.findVma(vdso)!.special = true;
  mm.poke(vdso, vdsoImage());
  mm.vdso = vdso; // after the mappings above: the core's fast entries (cpu/ops/fastsys.ts)
  return vdso;
}

/**
 * /proc/PID/maps shows an image's file-backed pages with the file's path; the pages of .bss past
 * the file's bytes are anonymous, as Linux's vm_brk_flags() maps them.
 */
function nameImage(mm: AddressSpace, image: ElfImage, bias: number, exe: ExeIdentity): void {
  for (const ph of image.loads) {
    if (ph.filesz === 0) continue;
    const start = pageDown(bias + ph.vaddr);
    const file = exe.dev !== undefined && exe.ino !== undefined ? { dev: exe.dev, ino: exe.ino, off: pageDown(ph.offset) } : undefined;
    mm.nameRange(start, pageUp(bias + ph.vaddr + ph.filesz), exe.path, file);
  }
}

/**
 * force_fatal_sig(SIGSEGV) for an exec that failed past the point of no return: the new image
 * is in place, the process dies before running any of it.
 */
export function killAfterExec(k: Kernel, t: Task, why: string): void {
  k.log(`${t.process.exe}: pid ${t.process.pid}: exec failed after the point of no return: ${why}`);
  forceSignal(k, t, siKill(SIGSEGV, SI_KERNEL, 0, 0), { resetHandler: true, why });
}

/** A fresh CPU state block positioned at the entry point (registers zero, as Linux starts them). */
export function initialRegs(entry: number, sp: number): Uint8Array {
  const regs = new Uint8Array(L.STATE_SIZE);
  const dv = new DataView(regs.buffer);
  dv.setBigUint64(L.RIP, BigInt(entry), true);
  dv.setBigUint64(L.RSP, BigInt(sp), true);
  dv.setBigUint64(L.RFLAGS, 0x202n, true);      // IF and the reserved bit 1
  dv.setInt32(L.MXCSR, 0x1f80, true);           // all SSE exceptions masked, round to nearest
  dv.setInt32(L.FPU_CW, 0x37f, true);           // x87: all exceptions masked, 64-bit precision
  return regs;
}
