// Building a process image from an ELF file: what execve(2) does after it has the file
// (fs/binfmt_elf.c's load_elf_binary): a fresh address space with the segments, the break, the
// stack with argv/envp/auxv, and the registers at the entry point. Dynamic programs (PT_INTERP)
// arrive with the distributions work; until then they fail with ENOEXEC and a clear message.

import { randomBytes } from 'node:crypto';
import { parseElf, loadElf, buildInitialStack } from '../../elf-loader/index.js';
import {
  AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID,
  AT_EGID, AT_SECURE, AT_HWCAP, AT_CLKTCK, AT_HWCAP2, AT_MINSIGSTKSZ,
} from '../../elf-loader/auxv.js';
import * as L from '../../cpu/shared/layout.js';
import { AddressSpace, pageDown, pageUp } from '../mm/mm.js';
import { LinuxError, ENOEXEC } from '../abi/errno.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC, MAP_FIXED, MAP_GROWSDOWN, TASK_SIZE } from '../abi/mman.js';
import type { Credentials } from './task.js';

/** Top of the main thread's stack (Linux's STACK_TOP without ASLR) and its reserved size. */
export const STACK_TOP = TASK_SIZE;
export const STACK_SIZE = 8 * 1024 * 1024;

/** AT_HWCAP on x86-64 is CPUID.1:EDX — what the core reports (cpu/ops/cpuid.ts). */
export const HWCAP = 0x07808111; // FPU TSC CX8 CMOV MMX FXSR SSE SSE2 (must match LEAF1_EDX; tests check)

/** The executable's canonical path and identity, for /proc/PID/maps. */
export interface ExeIdentity { path: string; dev: number; ino: bigint }

export interface ExecResult {
  entry: number;
  sp: number;
  /** Mapping names for /proc/PID/maps, and where the strings live for /proc/PID/cmdline. */
  argStart: number; argEnd: number; envStart: number; envEnd: number;
}

/**
 * Loads `file` into `mm` (which must be empty) and returns the entry state. Throws LinuxError
 * (ENOEXEC for a malformed or unsupported file, E2BIG for oversized arguments, ENOMEM).
 */
export function loadProgram(mm: AddressSpace, file: Uint8Array, argv: string[], envp: string[],
  execfn: string, creds: Credentials, exe?: ExeIdentity): ExecResult {
  const image = parseElf(file);
  if (image.interp) {
    throw new LinuxError(ENOEXEC, `dynamically linked program (interpreter ${image.interp}) — wasl runs static programs for now`);
  }
  const loaded = loadElf(file, image, mm);
  // The pages that hold file bytes show the file in /proc/PID/maps, as Linux's file mappings
  // do; the .bss beyond them stays anonymous.
  if (exe) {
    for (const ph of image.loads) {
      if (ph.filesz === 0) continue;
      const start = pageDown(loaded.loadBias + ph.vaddr);
      mm.nameRange(start, pageUp(loaded.loadBias + ph.vaddr + ph.filesz), exe.path, { dev: exe.dev, ino: exe.ino, off: pageDown(ph.offset) });
    }
  }
  mm.brkStart = mm.brkEnd = loaded.brkStart;
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
    random16: new Uint8Array(randomBytes(16)),
    auxv: [
      [AT_HWCAP, HWCAP],
      [AT_PAGESZ, L.PAGE_SIZE],
      [AT_CLKTCK, 100],
      [AT_PHDR, loaded.phdrAddr],
      [AT_PHENT, loaded.phent],
      [AT_PHNUM, loaded.phnum],
      [AT_BASE, 0],
      [AT_FLAGS, 0],
      [AT_ENTRY, loaded.entry],
      [AT_UID, creds.uid],
      [AT_EUID, creds.euid],
      [AT_GID, creds.gid],
      [AT_EGID, creds.egid],
      [AT_SECURE, 0],
      [AT_HWCAP2, 0],
      [AT_MINSIGSTKSZ, 2048],
    ],
  });
  // mm_struct's layout as load_elf_binary records it: code from the executable segments, data
  // from the last one, both by p_vaddr (not page-rounded).
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
  return { entry: loaded.entry, sp: st.sp, argStart: st.argStart, argEnd: st.argEnd, envStart: st.envStart, envEnd: st.envEnd };
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
