// x87 control instructions (SDM vol. 2: FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW, FNSTENV, FLDENV,
// FNSAVE, FRSTOR, FWAIT, FNOP, FXSAVE, FXRSTOR; vol. 1 §8.1.10, Figures 8-9..8-12 and
// Table 10-2 for the memory images). The FN* forms, FXSAVE and FXRSTOR do not check for a
// pending exception; FWAIT, FNOP, FLDCW, FLDENV and FRSTOR do (raising #MF). Control
// instructions leave FOP/FIP/FDP as the last non-control one set them.
//
// FNSTENV 32-bit image (28 bytes; 66 prefix: the 16-bit one, 14 bytes, without FOP):
//   +0 FCW  +4 FSW  +8 FTW (each with 0xFFFF in the upper half)
//   +12 FIP[31:0]  +16 FCS | FOP << 16  +20 FDP[31:0]  +24 FDS | 0xFFFF << 16

import { STATE, XMM0, FPU_CW, FPU_FOP, FPU_IP, FPU_DP, MXCSR } from '../shared/layout';
import { EXIT_GP, EXIT_UD } from '../shared/exit';
import { d_addr, d_modrm, d_prefix, d_rex, P_66 } from '../decode/decoder';
import { exiting, raiseFault, setReg16, R_AX } from '../state';
import { read16, read32, read64, write16, write32, write64, probeWrite, probeRead } from '../mmu/access';
import {
  begin, fcw, fsw, fswRaw, setFswRaw, setTop, ftagAbridged, setTagAbridged, physPtr, ftop, fullTagWord, fpuInit,
  updateES, finishKeepC1,
} from './x87';

/**
 * FCS and FDS are stored as 0, as Intel CPUs that deprecate them do (CPUID.(7,0):EBX[13], which
 * cpuid.ts reports); the AMD host stores the selectors it recorded (docs/quirks.md).
 */
const FCS: u32 = 0;
const FDS: u32 = 0;
/** Writable FCW bits; bit 6 reads as 1 (checked against the host). */
const CW_BITS: u32 = 0x1f3f;
const CW_ONE: u32 = 0x40;
export const MXCSR_MASK: u32 = 0xffff;

@inline function setCw(v: u32): void { store<u32>(STATE + FPU_CW, (v & CW_BITS) | CW_ONE); }

/** DB E3 FNINIT; DB E2 FNCLEX; DB E0/E1/E4 (FENI, FDISI, FSETPM): no-ops since the 387. */
export function opDBMisc(): void {
  switch (d_modrm) {
    case 0xe3: fpuInit(); return;
    case 0xe2: setFswRaw(fswRaw() & ~<u32>0x80ff); return;
    case 0xe0: case 0xe1: case 0xe4: return;
    default: raiseFault(EXIT_UD, 0);
  }
}

/** D9 /5 mem FLDCW: may unmask a pending exception, which the next waiting instruction raises. */
export function opFldcw(): void {
  if (!begin()) return; // FLDCW, FLDENV and FRSTOR wait: a pending exception raises #MF first
  const v = read16(d_addr);
  if (exiting) return;
  setCw(v);
  updateES();
}
/** D9 /7 mem FNSTCW. */
export function opFnstcw(): void { write16(d_addr, fcw()); }
/** DD /7 mem FNSTSW m16. */
export function opFnstswM(): void { write16(d_addr, fsw()); }
/** DF E0 FNSTSW AX (the rest of DF /4 reg is #UD). */
export function opFnstswAX(): void {
  if (d_modrm != 0xe0) { raiseFault(EXIT_UD, 0); return; }
  setReg16(R_AX, fsw());
}
/** 9B FWAIT: raises a pending unmasked exception (#MF), else nothing. */
export function opFwait(): void { begin(); }
/** D9 D0 FNOP: a waiting non-control instruction that does nothing (D9 /2 reg: only D0). */
export function opFnop(): void {
  if (d_modrm != 0xd0) { raiseFault(EXIT_UD, 0); return; }
  if (!begin()) return;
  finishKeepC1();
}

// ---- environment and state images ------------------------------------------------------------------
/**
 * Checks an image operand before any of it is read or written, in the order the host touches
 * it, so a fault reports the same address: FNSTENV/FLDENV/FNSAVE/FRSTOR access their first 4
 * bytes (FCW), then the last byte, then the rest; FXSAVE/FXRSTOR the last of the 512 bytes first.
 */
export function probeImage(a: u64, size: i32, write: bool, head: bool): bool {
  if (head && !(write ? probeWrite(a, 4) : probeRead(a, 4))) return false;
  const last = a + <u64>(size - 1);
  if (!(write ? probeWrite(last, 1) : probeRead(last, 1))) return false;
  return write ? probeWrite(a, size) : probeRead(a, size);
}

@inline function envSize(): i32 { return (d_prefix & P_66) ? 14 : 28; }

function storeEnv(a: u64): void {
  const fip = load<u64>(STATE + FPU_IP), fdp = load<u64>(STATE + FPU_DP);
  const fop = load<u32>(STATE + FPU_FOP) & 0x7ff;
  if (d_prefix & P_66) {
    write16(a, fcw()); write16(a + 2, fsw()); write16(a + 4, fullTagWord());
    write16(a + 6, <u32>fip); write16(a + 8, FCS); write16(a + 10, <u32>fdp); write16(a + 12, FDS);
    return;
  }
  write32(a, 0xffff0000 | fcw());
  write32(a + 4, 0xffff0000 | fsw());
  write32(a + 8, 0xffff0000 | fullTagWord());
  write32(a + 12, <u32>fip);
  write32(a + 16, FCS | (fop << 16));
  write32(a + 20, <u32>fdp);
  write32(a + 24, 0xffff0000 | FDS);
}

/** Loads an environment image (already probed readable). */
function loadEnv(a: u64): void {
  let cw: u32, sw: u32, tw: u32, fip: u64, fdp: u64, fop: u32 = 0;
  if (d_prefix & P_66) {
    cw = read16(a); sw = read16(a + 2); tw = read16(a + 4);
    fip = <u64>read16(a + 6); fdp = <u64>read16(a + 10);
  } else {
    cw = read16(a); sw = read16(a + 4); tw = read16(a + 8);
    fip = <u64>read32(a + 12); fop = (read32(a + 16) >> 16) & 0x7ff; fdp = <u64>read32(a + 20);
  }
  setCw(cw);
  setFswRaw(sw);
  setTop(<i32>(sw >> 11) & 7);
  // only "empty" (11) survives from the tag word: the other kinds follow from the contents
  let ab: u32 = 0;
  for (let p = 0; p < 8; p++) if (((tw >> <u32>(p * 2)) & 3) != 3) ab |= 1 << <u32>p;
  setTagAbridged(ab);
  store<u32>(STATE + FPU_FOP, fop);
  store<u64>(STATE + FPU_IP, fip);
  store<u64>(STATE + FPU_DP, fdp);
}

/** D9 /6 mem FNSTENV: stores the environment, then masks every exception. */
export function opFnstenv(): void {
  if (!probeImage(d_addr, envSize(), true, true)) return;
  storeEnv(d_addr);
  setCw(fcw() | 0x3f);
  updateES(); // every exception is masked now: ES and B clear
}
/** D9 /4 mem FLDENV. */
export function opFldenv(): void {
  if (!begin()) return;
  if (!probeImage(d_addr, envSize(), false, true)) return;
  loadEnv(d_addr);
  updateES();
}

/** DD /6 mem FNSAVE: environment and ST(0)..ST(7), then FNINIT. */
export function opFnsave(): void {
  const n = envSize();
  if (!probeImage(d_addr, n + 80, true, true)) return;
  storeEnv(d_addr);
  const top = ftop();
  for (let i = 0; i < 8; i++) {
    const p = physPtr(top + i);
    const a = d_addr + <u64>(n + i * 10);
    write64(a, load<u64>(p));
    write16(a + 8, load<u16>(p, 8));
  }
  fpuInit();
}
/** DD /4 mem FRSTOR. */
export function opFrstor(): void {
  if (!begin()) return;
  const n = envSize();
  if (!probeImage(d_addr, n + 80, false, true)) return;
  loadEnv(d_addr);
  const top = ftop();
  for (let i = 0; i < 8; i++) {
    const p = physPtr(top + i);
    const a = d_addr + <u64>(n + i * 10);
    store<u64>(p, read64(a));
    store<u16>(p, <u16>read16(a + 8), 8);
    store<u32>(p, 0, 10); store<u16>(p, 0, 14);
  }
  updateES();
}

// ---- FXSAVE / FXRSTOR (0F AE /0, /1; REX.W: the 64-bit pointer format) -----------------------------
//   +0 FCW  +2 FSW  +4 abridged FTW  +6 FOP  +8 FIP (REX.W: 64 bits; else 32 + FCS)
//   +16 FDP (REX.W: 64 bits; else 32 + FDS)  +24 MXCSR  +28 MXCSR_MASK
//   +32 ST(0)..ST(7) in 16-byte slots  +160 xmm0..xmm15  +416..511 not written

// The three parts of the image are stored and loaded apart, since the XSAVE family
// (cpu/ops/xsave.ts) saves and restores the x87 and SSE components one by one in the same layout.

/** Bytes 0..23 and 32..159: FCW FSW FTW FOP FIP FDP and ST(0)..ST(7) (already probed writable). */
export function storeX87Image(a: u64): void {
  write16(a, fcw());
  write16(a + 2, fsw());
  write16(a + 4, ftagAbridged());
  write16(a + 6, load<u32>(STATE + FPU_FOP) & 0x7ff);
  const fip = load<u64>(STATE + FPU_IP), fdp = load<u64>(STATE + FPU_DP);
  if (d_rex & 8) { write64(a + 8, fip); write64(a + 16, fdp); }
  else {
    write32(a + 8, <u32>fip); write32(a + 12, FCS);
    write32(a + 16, <u32>fdp); write32(a + 20, FDS);
  }
  const top = ftop();
  for (let i = 0; i < 8; i++) {
    const p = physPtr(top + i);
    const o = a + <u64>(32 + i * 16);
    write64(o, load<u64>(p));
    write64(o + 8, <u64>load<u16>(p, 8));
  }
}
/** Bytes 24..31: MXCSR and MXCSR_MASK. */
export function storeMxcsrImage(a: u64): void {
  write32(a + 24, load<u32>(STATE + MXCSR));
  write32(a + 28, MXCSR_MASK);
}
/** Bytes 160..415: xmm0..xmm15. */
export function storeXmmImage(a: u64): void {
  for (let i = 0; i < 16; i++) {
    const x = <usize>STATE + <usize>XMM0 + (<usize>i << 4);
    write64(a + <u64>(160 + i * 16), load<u64>(x));
    write64(a + <u64>(168 + i * 16), load<u64>(x, 8));
  }
}
/** Loads bytes 0..23 and 32..159 (already probed readable); the caller updates ES afterwards. */
export function loadX87Image(a: u64): void {
  setCw(read16(a));
  const sw = read16(a + 2);
  setFswRaw(sw);
  setTop(<i32>(sw >> 11) & 7);
  setTagAbridged(read16(a + 4) & 0xff);
  store<u32>(STATE + FPU_FOP, read16(a + 6) & 0x7ff);
  if (d_rex & 8) { store<u64>(STATE + FPU_IP, read64(a + 8)); store<u64>(STATE + FPU_DP, read64(a + 16)); }
  else { store<u64>(STATE + FPU_IP, <u64>read32(a + 8)); store<u64>(STATE + FPU_DP, <u64>read32(a + 16)); }
  const top = ftop();
  for (let i = 0; i < 8; i++) {
    const p = physPtr(top + i);
    const o = a + <u64>(32 + i * 16);
    store<u64>(p, read64(o));
    store<u16>(p, <u16>read16(o + 8), 8);
  }
}
/** Loads bytes 160..415 into xmm0..xmm15. */
export function loadXmmImage(a: u64): void {
  for (let i = 0; i < 16; i++) {
    const x = <usize>STATE + <usize>XMM0 + (<usize>i << 4);
    store<u64>(x, read64(a + <u64>(160 + i * 16)));
    store<u64>(x, read64(a + <u64>(168 + i * 16)), 8);
  }
}

/** 0F AE /0 FXSAVE m512: the image must be 16-byte aligned (#GP). */
export function opFxsave(): void {
  const a = d_addr;
  if (a & 15) { raiseFault(EXIT_GP, 0); return; }
  if (!probeImage(a, 512, true, false)) return; // all 512 bytes are checked; 416.. are not written
  storeX87Image(a);
  storeMxcsrImage(a);
  storeXmmImage(a);
}

/** 0F AE /1 FXRSTOR m512: #GP if misaligned or MXCSR has reserved bits set. */
export function opFxrstor(): void {
  const a = d_addr;
  if (a & 15) { raiseFault(EXIT_GP, 0); return; }
  if (!probeImage(a, 512, false, false)) return;
  const mx = read32(a + 24);
  if (mx & ~MXCSR_MASK) { raiseFault(EXIT_GP, 0); return; }
  loadX87Image(a);
  store<u32>(STATE + MXCSR, mx);
  loadXmmImage(a);
  updateES(); // ES and B follow the loaded flags and masks
}
