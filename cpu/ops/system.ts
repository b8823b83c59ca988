// System and miscellaneous instructions: SYSCALL, CPUID, RDTSC/RDTSCP, the NOP and hint space
// (ENDBR64, PREFETCH, PAUSE), fences, flag bits (CLC STC CMC CLD STD LAHF SAHF), and the
// instructions user mode may not run (HLT, INT n, privileged ones) with the fault Linux sees.

import { d_modrm, d_imm, d_next, d_addr, branchTo } from '../decode/decoder';
import { probeRead } from '../mmu/access';
import { reg64, setReg64, setReg32, raiseFault, raiseTrap } from '../state';
import { materializeFlags, setStatusFlags, getCF, setCF } from './flags';
import { cpuid } from './cpuid';
import { opXgetbv } from './xsave';
import { STATE, RFLAGS, CF, PF, AF, ZF, SF, DF, RAX, RIP } from '../shared/layout';
import { R_AX, R_CX, R_DX, R_11 } from '../state';
import { EXIT_SYSCALL, EXIT_UD, EXIT_GP, EXIT_BP } from '../shared/exit';
import { fastSyscall, fastRet, FAST_NO, FAST_RET } from './fastsys';

/** The host's monotonic clock in nanoseconds (lxcore provides it): the time stamp counter. */
@external("env", "hostNanos") declare function hostNanos(): f64;

export function opUD(): void { raiseFault(EXIT_UD, 0); }
export function opNop(): void { }

/** What SYSCALL saves for SYSRET: rcx = the next rip, r11 = rflags (RF cleared in the image). */
function syscallSaves(next: u64): void {
  setReg64(R_CX, next);
  setReg64(R_11, materializeFlags() & ~<u64>0x10000);
}

/** 0F 05: syscall — rcx = next rip, r11 = rflags; lxcore runs the call and resumes at rcx. */
export function opSyscall(): void {
  syscallSaves(d_next);
  // Answered in the core, or a vDSO fast entry (ops/fastsys.ts): no exit to lxcore.
  const r = fastSyscall(d_next);
  if (r == FAST_NO) raiseTrap(EXIT_SYSCALL);
  else if (r == FAST_RET) branchTo(fastRet);
}

/**
 * SYSCALL in compiled code (cpu/jit/host/compiler.ts), which has stored rax, rdi, rsi, rsp and
 * the flags into the state block: 0 when the call must go to lxcore — nothing is written then,
 * the block leaves before the instruction and the interpreter runs it; otherwise rcx and r11
 * are saved as opSyscall saves them, rax holds the result, and the block goes on at `next`
 * (1) or, after a vDSO fast entry that also returned (2), at the state block's rip with rsp
 * popped.
 */
export function jitSyscall(next: u64): i32 {
  const r = fastSyscall(next); // it reads rax, rdi, rsi and (at a vDSO fast entry) rsp only
  if (r == FAST_NO) return 0;
  syscallSaves(next);
  if (r != FAST_RET) return 1;
  store<u64>(STATE + RIP, fastRet);
  return 2;
}

export function opCpuid(): void {
  cpuid(<u32>reg64(R_AX), <u32>reg64(R_CX));
}

export function opRdtsc(): void {
  const t = <u64>hostNanos();
  setReg32(R_AX, <u32>t);
  setReg32(R_DX, <u32>(t >> 32));
}
export function opRdtscp(): void {
  opRdtsc();
  setReg32(R_CX, 0); // IA32_TSC_AUX: Linux stores the cpu number (0: wasl runs one CPU)
}

/** HLT, CLI/STI, IN/OUT, privileged 0F 01 forms, INT n: #GP in ring 3 → SIGSEGV. */
export function opPrivileged(): void { raiseFault(EXIT_GP, 0); }
/** CC int3: a trap — rip is past it when SIGTRAP arrives. */
export function opInt3(): void { raiseTrap(EXIT_BP); }
/** CD ib: int n. Only int3 is allowed to user mode by Linux's IDT; the rest #GP. */
export function opIntIb(): void {
  if ((d_imm & 0xff) == 3) { raiseTrap(EXIT_BP); return; }
  raiseFault(EXIT_GP, 0);
}

// ---- flag instructions ---------------------------------------------------------------------
export function opClc(): void { setCF(false); }
export function opStc(): void { setCF(true); }
export function opCmc(): void { setCF(!getCF()); }
export function opCld(): void { store<u64>(STATE + RFLAGS, load<u64>(STATE + RFLAGS) & ~<u64>DF); }
export function opStd(): void { store<u64>(STATE + RFLAGS, load<u64>(STATE + RFLAGS) | DF); }
export function opLahf(): void {
  const f = materializeFlags();
  store<u8>(STATE + RAX + 1, <u8>((f & (SF | ZF | AF | PF | CF)) | 2));
}
export function opSahf(): void {
  const ah = <u64>load<u8>(STATE + RAX + 1);
  setStatusFlags(<u64>(SF | ZF | AF | PF | CF), ah);
}

/**
 * NP 0F AE /7 mem CLFLUSH: caches are coherent here, but the line must be mapped (a #PF
 * otherwise, as on hardware); it needs no write permission.
 */
export function opClflush(): void { probeRead(d_addr, 1); }

/** 0F AE with mod == 3: lfence (/5), mfence (/6), sfence (/7) — ordering is already total. */
export function opFence(): void { }

/** 0F 01 with mod == 3 selects by the full ModRM byte. */
export function opGroup7Reg(): void {
  switch (d_modrm) {
    case 0xd0: opXgetbv(); return;      // cpu/ops/xsave.ts
    case 0xd1: raiseFault(EXIT_GP, 0); return; // xsetbv: privileged
    case 0xf9: opRdtscp(); return;
    default: raiseFault(EXIT_UD, 0); // the rest are privileged (#GP) or absent (#UD)
  }
}
