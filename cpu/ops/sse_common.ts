// SSE register file and operand access (SDM vol. 1 ch. 10–11, vol. 2 §2.1.5): xmm registers
// as v128 slots of the state block, the V (ModRM.reg xmm) and W (xmm or memory) operand forms,
// the 16-byte alignment rule of legacy-encoded 128-bit memory operands, and MXCSR's bits.
// Handlers test `exiting` after every W read, as with GPR operands (cpu/decode/operands.ts).

import { STATE, XMM0, MXCSR } from '../shared/layout';
import { EXIT_GP } from '../shared/exit';
import { raiseFault } from '../state';
import { d_mod, d_rm, d_reg, d_addr } from '../decode/decoder';
import { read128, write128, read64, read32, write64, write32 } from '../mmu/access';

// ---- MXCSR (SDM vol. 1 §10.2.3) ------------------------------------------------------------
//   15  14 13  12  11  10   9   8   7    6    5   4   3   2   1   0
//  | FZ | RC  | PM| UM| OM| ZM| DM| IM | DAZ | PE| UE| OE| ZE| DE| IE|
export const MX_IE: u32 = 0x1;
export const MX_DE: u32 = 0x2;
export const MX_ZE: u32 = 0x4;
export const MX_OE: u32 = 0x8;
export const MX_UE: u32 = 0x10;
export const MX_PE: u32 = 0x20;
export const MX_DAZ: u32 = 0x40;
export const MX_MASK_SHIFT = 7;       // exception mask bit = flag bit << 7
export const MX_RC_SHIFT = 13;
export const MX_FTZ: u32 = 0x8000;
export const MXCSR_DEFAULT: u32 = 0x1f80;
/** Writable bits (the MXCSR_MASK FXSAVE reports): setting any other bit is #GP. */
export const MXCSR_WRITABLE: u32 = 0xffff;

// Rounding control (MXCSR.RC)
export const RC_NEAREST: u32 = 0;
export const RC_DOWN: u32 = 1;
export const RC_UP: u32 = 2;
export const RC_ZERO: u32 = 3;

@inline export function getMxcsr(): u32 { return load<u32>(STATE + MXCSR); }
@inline export function setMxcsr(v: u32): void { store<u32>(STATE + MXCSR, v); }

// ---- xmm registers -------------------------------------------------------------------------
@inline export function xmmAddr(n: i32): usize { return STATE + XMM0 + (<usize>n << 4); }
@inline export function getX(n: i32): v128 { return v128.load(xmmAddr(n)); }
@inline export function setX(n: i32, v: v128): void { v128.store(xmmAddr(n), v); }
@inline export function getXq(n: i32, lane: i32): u64 { return load<u64>(xmmAddr(n) + (<usize>lane << 3)); }
@inline export function setXq(n: i32, lane: i32, v: u64): void { store<u64>(xmmAddr(n) + (<usize>lane << 3), v); }
@inline export function getXd(n: i32, lane: i32): u32 { return load<u32>(xmmAddr(n) + (<usize>lane << 2)); }
@inline export function setXd(n: i32, lane: i32, v: u32): void { store<u32>(xmmAddr(n) + (<usize>lane << 2), v); }

@inline export function zero128(): v128 { return i64x2.splat(0); }
/** A v128 from two 64-bit halves. */
@inline export function make128(lo: u64, hi: u64): v128 { return i64x2.replace_lane(i64x2.splat(<i64>lo), 1, <i64>hi); }

// ---- operands: V = xmm in ModRM.reg, W = xmm in ModRM.rm or memory -------------------------
@inline export function readV(): v128 { return getX(d_reg); }
@inline export function writeV(v: v128): void { setX(d_reg, v); }

/** Legacy SSE requires 16-byte alignment of a 128-bit memory operand: #GP(0) before any #PF. */
@inline export function misaligned16(): bool {
  if ((<u32>d_addr & 15) == 0) return false;
  raiseFault(EXIT_GP, 0);
  return true;
}

/** W as 128 bits, memory 16-byte aligned (every legacy SSE m128 except the movu* family). */
export function readWx(): v128 {
  if (d_mod == 3) return getX(d_rm);
  if (misaligned16()) return zero128();
  return read128(d_addr);
}
/** W as 128 bits, any alignment (movups, movupd, movdqu). */
export function readWxU(): v128 {
  if (d_mod == 3) return getX(d_rm);
  return read128(d_addr);
}
/** W as 64 bits: the low quadword of an xmm register, or m64. */
export function readWq(): u64 {
  if (d_mod == 3) return getXq(d_rm, 0);
  return read64(d_addr);
}
/** W as 32 bits: the low doubleword of an xmm register, or m32. */
export function readWd(): u32 {
  if (d_mod == 3) return getXd(d_rm, 0);
  return read32(d_addr);
}

export function writeWx(v: v128): void {
  if (d_mod == 3) { setX(d_rm, v); return; }
  if (misaligned16()) return;
  write128(d_addr, v);
}
export function writeWxU(v: v128): void {
  if (d_mod == 3) { setX(d_rm, v); return; }
  write128(d_addr, v);
}
/** Stores 64 bits to W; a register destination keeps its upper half (movsd/movlps merges). */
export function writeWq(v: u64): void {
  if (d_mod == 3) setXq(d_rm, 0, v);
  else write64(d_addr, v);
}
export function writeWd(v: u32): void {
  if (d_mod == 3) setXd(d_rm, 0, v);
  else write32(d_addr, v);
}
