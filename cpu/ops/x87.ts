// The x87 FPU's architectural state and the rules every x87 instruction shares (SDM vol. 1
// ch. 8): the register stack (TOP, tags, physical registers), FSW/FCW, stack faults, the
// pending-exception check that makes the next waiting instruction raise #MF, and the
// last-instruction pointers (FOP, FIP, FDP). The instruction families build on this:
// x87_arith.ts, x87_ldst.ts, x87_ctl.ts; the arithmetic itself is x87_math.ts and friends.
//
// State block (cpu/shared/layout.ts): ST0.. hold the eight physical registers (u64 significand,
// u16 sign/exponent, in 16-byte slots); FPU_SW keeps FSW with its TOP field clear, TOP lives in
// FPU_TOP; FPU_TW is the abridged tag (bit i set = physical register i holds a value).

import { STATE, ST0, FPU_CW, FPU_SW, FPU_TW, FPU_TOP, FPU_FOP, FPU_IP, FPU_DP } from '../shared/layout';
import { EXIT_MF } from '../shared/exit';
import { raiseFault } from '../state';
import { d_rip, d_opcode, d_modrm, d_mod, d_addr } from '../decode/decoder';
import { xBegin, xFlags, xC1, xRaise, xMasked, xSetC1, xDropFlags, X_IE, X_SF, X_PRE, INDEF_SE, INDEF_SIG } from './x87_math';

// ---- FSW bits -----------------------------------------------------------------------------------
export const SW_EXC: u32 = 0x3f;     // IE DE ZE OE UE PE
export const SW_SF: u32 = 0x40;
export const SW_ES: u32 = 0x80;
export const SW_C0: u32 = 0x100;
export const SW_C1: u32 = 0x200;
export const SW_C2: u32 = 0x400;
export const SW_TOP: u32 = 0x3800;
export const SW_C3: u32 = 0x4000;
export const SW_B: u32 = 0x8000;
export const SW_CC: u32 = SW_C0 | SW_C1 | SW_C2 | SW_C3;
export const CW_DEFAULT: u32 = 0x37f;

// ---- registers ----------------------------------------------------------------------------------
@inline export function fcw(): u32 { return load<u32>(STATE + FPU_CW); }
/** FSW without TOP. */
@inline export function fswRaw(): u32 { return load<u32>(STATE + FPU_SW); }
@inline export function setFswRaw(v: u32): void { store<u32>(STATE + FPU_SW, v & ~SW_TOP & 0xffff); }
@inline export function ftop(): i32 { return load<i32>(STATE + FPU_TOP); }
@inline export function setTop(t: i32): void { store<i32>(STATE + FPU_TOP, t & 7); }
/** FSW as FNSTSW stores it: with TOP. */
@inline export function fsw(): u32 { return (fswRaw() & ~SW_TOP) | (<u32>ftop() << 11); }
@inline export function ftagAbridged(): u32 { return load<u32>(STATE + FPU_TW); }
@inline export function setTagAbridged(v: u32): void { store<u32>(STATE + FPU_TW, v & 0xff); }

@inline export function physOf(i: i32): i32 { return (ftop() + i) & 7; }
@inline export function physPtr(p: i32): usize { return <usize>STATE + <usize>ST0 + (<usize>(p & 7) << 4); }
@inline export function stPtr(i: i32): usize { return physPtr(physOf(i)); }
@inline export function stSE(i: i32): u32 { return load<u16>(stPtr(i), 8); }
@inline export function stSig(i: i32): u64 { return load<u64>(stPtr(i)); }
@inline export function physEmpty(p: i32): bool { return ((ftagAbridged() >> <u32>(p & 7)) & 1) == 0; }
@inline export function isEmpty(i: i32): bool { return physEmpty(physOf(i)); }

/** Writes ST(i) and marks it valid. */
export function setST(i: i32, se: u32, sig: u64): void {
  const p = physOf(i);
  store<u64>(physPtr(p), sig);
  store<u16>(physPtr(p), <u16>se, 8);
  setTagAbridged(ftagAbridged() | (1 << <u32>p));
}
export function setEmpty(i: i32): void { setTagAbridged(ftagAbridged() & ~(1 << <u32>physOf(i))); }
/** Decrements TOP and writes the new ST(0). */
export function push(se: u32, sig: u64): void { setTop(ftop() - 1); setST(0, se, sig); }
/** Marks ST(0) empty and increments TOP. */
export function pop(): void { setEmpty(0); setTop(ftop() + 1); }

// ---- instruction frame --------------------------------------------------------------------------
/**
 * Starts a waiting x87 instruction: if an unmasked exception is pending (FSW.ES), raises #MF
 * (SIGFPE) instead, before anything changes (SDM vol. 1 §8.6). Loads RC/PC/masks for the math.
 */
export function begin(): bool {
  if (fswRaw() & SW_ES) { raiseFault(EXIT_MF, 0); return false; }
  xBegin(fcw());
  return true;
}

/** ES and B follow the exception flags: set while any raised exception is unmasked. */
export function updateES(): void {
  let sw = fswRaw();
  if (sw & ~fcw() & SW_EXC) sw |= SW_ES | SW_B; else sw &= ~(SW_ES | SW_B);
  setFswRaw(sw);
}

/**
 * Ends a non-control instruction: ORs the raised exceptions into FSW, sets C1 (from xC1:
 * round-up, stack overflow, or 0), replaces C0/C2/C3 with `cc` where `ccMask` says, sets
 * ES/B when an exception is unmasked, and records FOP/FIP (and FDP for a memory operand).
 */
export function finish(cc: u32, ccMask: u32): void {
  preAbort();
  let sw = fswRaw() | xFlags;
  sw = (sw & ~(SW_C1 | ccMask)) | (xC1 ? SW_C1 : 0) | (cc & ccMask);
  if (xFlags & ~fcw() & SW_EXC) sw |= SW_ES | SW_B;
  setFswRaw(sw);
  notePointers();
}
/** Like finish() for instructions that leave C1 alone as well. */
export function finishKeepC1(): void {
  preAbort();
  let sw = fswRaw() | xFlags;
  if (xFlags & ~fcw() & SW_EXC) sw |= SW_ES | SW_B;
  setFswRaw(sw);
  notePointers();
}

/**
 * An unmasked IE, DE or ZE (not a stack fault) stops the instruction before it computes: the
 * post-computation flags (PE, UE, OE) and the round-up C1 the math produced on the way are dropped.
 */
function preAbort(): void {
  if ((xFlags & ~fcw() & X_PRE) != 0 && (xFlags & X_SF) == 0) {
    xDropFlags(X_PRE);
    xSetC1(0);
  }
}

/** FOP = the opcode's low 3 bits and ModRM; FIP = this instruction; FDP = its memory operand. */
function notePointers(): void {
  store<u32>(STATE + FPU_FOP, (<u32>(d_opcode & 7) << 8) | <u32>d_modrm);
  store<u64>(STATE + FPU_IP, d_rip);
  if (d_mod != 3 && (d_opcode & 0xf8) == 0xd8) store<u64>(STATE + FPU_DP, d_addr);
}

// ---- stack faults (§8.5.1.1) ----------------------------------------------------------------------
/** Reading an empty register: IE + SF, C1 = 0. True if masked (the caller uses the indefinite). */
export function stackUnderflow(): bool { xRaise(X_IE | X_SF); xSetC1(0); return xMasked(X_IE); }
/** Pushing onto a full register: IE + SF, C1 = 1. True if masked (the push loads the indefinite). */
export function stackOverflow(): bool { xRaise(X_IE | X_SF); xSetC1(1); return xMasked(X_IE); }
/** True if a push would overwrite a valid register (ST(7) is not empty). */
@inline export function pushWouldOverflow(): bool { return !isEmpty(7); }

/** Pushes the QNaN indefinite. */
export function pushIndefinite(): void { push(INDEF_SE, INDEF_SIG); }
export function setIndefinite(i: i32): void { setST(i, INDEF_SE, INDEF_SIG); }

/** The full 16-bit tag word FNSTENV/FNSAVE store: 00 valid, 01 zero, 10 special, 11 empty. */
export function fullTagWord(): u32 {
  let tw: u32 = 0;
  for (let p = 0; p < 8; p++) {
    let t: u32 = 3;
    if (!physEmpty(p)) {
      const se = <u32>load<u16>(physPtr(p), 8) & 0x7fff;
      const sig = load<u64>(physPtr(p));
      if (se == 0) t = sig == 0 ? 1 : 2;
      else if (se == 0x7fff || (sig >> 63) == 0) t = 2;
      else t = 0;
    }
    tw |= t << <u32>(p * 2);
  }
  return tw;
}

/** FNINIT's state: FCW 0x37F, FSW 0, all registers empty, pointers 0 (register contents stay). */
export function fpuInit(): void {
  store<u32>(STATE + FPU_CW, CW_DEFAULT);
  store<u32>(STATE + FPU_SW, 0);
  setTop(0);
  setTagAbridged(0);
  store<u32>(STATE + FPU_FOP, 0);
  store<u64>(STATE + FPU_IP, 0);
  store<u64>(STATE + FPU_DP, 0);
}
