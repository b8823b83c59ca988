// SSE4.1 floating point (SDM vol. 2: ROUNDPS/PD/SS/SD, DPPS/DPPD). ROUND* rounds to an integral
// value by imm8[1:0] or, with imm8[2], by MXCSR.RC; imm8[3] suppresses the precision exception;
// an SNaN raises IE and comes back quiet. DPPS/DPPD follow the SDM's DP_primitive literally:
// masked-in products, then a fixed tree of additions, each step rounded by MXCSR (sse_fpmath.ts).

import { d_reg, d_imm } from '../decode/decoder';
import { exiting } from '../state';
import { getMxcsr, readV, writeV, readWx, readWq, readWd, setXd, setXq, MX_IE, MX_PE, MX_DAZ, MX_RC_SHIFT, RC_NEAREST, RC_DOWN, RC_UP } from './sse_common';
import { make32x4, make64x2 } from './sse_fp';
import { fpBegin, fpEnd, fpRaise, fAdd, fMul } from './sse_fpmath';

/** Rounds a binary32/64 (raw bits) to an integral value in mode `rc`. */
function roundIntegral(a: u64, dbl: bool, rc: u32, suppressPE: bool, daz: bool): u64 {
  const fb: u64 = dbl ? 52 : 23;
  const bias: i32 = dbl ? 1023 : 127;
  const emax: u64 = dbl ? 0x7ff : 0xff;
  const ss: u64 = dbl ? 63 : 31;
  const sign = (a >> ss) & 1;
  const e = <i32>((a >> fb) & emax);
  const m = a & ((<u64>1 << fb) - 1);
  if (<u64>e == emax) {
    if (m == 0) return a;                          // ±infinity
    const quiet: u64 = <u64>1 << (fb - 1);
    if ((m & quiet) == 0) { fpRaise(MX_IE); return a | quiet; }
    return a;
  }
  if (e == 0 && (m == 0 || daz)) return sign << ss; // ±0, or a denormal DAZ makes zero
  if (e >= bias + <i32>fb) return a;               // already integral
  const sig = e == 0 ? m : m | (<u64>1 << fb);
  const sh = bias + <i32>fb - (e == 0 ? 1 : e);    // value = sig * 2^-sh, sh >= 1
  let q: u64, inexact: bool, above: bool, tie: bool;
  if (sh > 62) { q = 0; inexact = true; above = false; tie = false; } // below 1/2
  else {
    q = sig >> <u64>sh;
    const rem = sig & ((<u64>1 << <u64>sh) - 1), half = <u64>1 << <u64>(sh - 1);
    inexact = rem != 0; above = rem > half; tie = rem == half;
  }
  let up = false;
  if (rc == RC_NEAREST) up = above || (tie && (q & 1) != 0);
  else if (rc == RC_DOWN) up = inexact && sign != 0;
  else if (rc == RC_UP) up = inexact && sign == 0;
  if (up) q++;
  if (inexact && !suppressPE) fpRaise(MX_PE);
  if (q == 0) return sign << ss;
  // q <= 2^(fb+1): the conversion is exact
  const r: u64 = dbl ? reinterpret<u64>(<f64>q) : <u64>reinterpret<u32>(<f32>q);
  return r | (sign << ss);
}

let rMode: u32 = 0;
let rSuppress = false;
let rDaz = false;
function roundBegin(): void {
  fpBegin();
  const imm = <u32>d_imm, mx = getMxcsr();
  rMode = (imm & 4) ? (mx >> MX_RC_SHIFT) & 3 : imm & 3;
  rSuppress = (imm & 8) != 0;
  rDaz = (mx & MX_DAZ) != 0;
}
@inline function rnd(a: u64, dbl: bool): u64 { return roundIntegral(a, dbl, rMode, rSuppress, rDaz); }

/** 66 0F 3A 08: roundps. */
export function opRoundpsVxWxIb(): void {
  const b = readWx(); if (exiting) return;
  roundBegin();
  const r0 = rnd(<u64><u32>i32x4.extract_lane(b, 0), false), r1 = rnd(<u64><u32>i32x4.extract_lane(b, 1), false);
  const r2 = rnd(<u64><u32>i32x4.extract_lane(b, 2), false), r3 = rnd(<u64><u32>i32x4.extract_lane(b, 3), false);
  if (!fpEnd()) return;
  writeV(make32x4(r0, r1, r2, r3));
}
/** 66 0F 3A 09: roundpd. */
export function opRoundpdVxWxIb(): void {
  const b = readWx(); if (exiting) return;
  roundBegin();
  const r0 = rnd(<u64>i64x2.extract_lane(b, 0), true), r1 = rnd(<u64>i64x2.extract_lane(b, 1), true);
  if (!fpEnd()) return;
  writeV(make64x2(r0, r1));
}
/** 66 0F 3A 0A: roundss — the destination's upper lanes stay. */
export function opRoundssVxWdIb(): void {
  const b = readWd(); if (exiting) return;
  roundBegin();
  const r = rnd(<u64>b, false);
  if (!fpEnd()) return;
  setXd(d_reg, 0, <u32>r);
}
/** 66 0F 3A 0B: roundsd. */
export function opRoundsdVxWqIb(): void {
  const b = readWq(); if (exiting) return;
  roundBegin();
  const r = rnd(b, true);
  if (!fpEnd()) return;
  setXq(d_reg, 0, r);
}

// The dot products run in stages — the multiplications, then the additions — and the host
// (AMD Zen 4) checks for unmasked exceptions after each: a stage that faults (#XM) leaves the
// later ones undone, and flags a stage raised stay in MXCSR when a later one faults.
@inline function stage(): bool { if (!fpEnd()) return false; fpBegin(); return true; }

/** 66 0F 3A 40: dpps — imm8[7:4] picks the products, imm8[3:0] the lanes that get the sum. */
export function opDppsVxWxIb(): void {
  const b = readWx(); if (exiting) return;
  const a = readV();
  const imm = <u32>d_imm;
  fpBegin();
  const t0 = (imm & 0x10) ? fMul(<u64><u32>i32x4.extract_lane(a, 0), <u64><u32>i32x4.extract_lane(b, 0), false) : 0;
  const t1 = (imm & 0x20) ? fMul(<u64><u32>i32x4.extract_lane(a, 1), <u64><u32>i32x4.extract_lane(b, 1), false) : 0;
  const t2 = (imm & 0x40) ? fMul(<u64><u32>i32x4.extract_lane(a, 2), <u64><u32>i32x4.extract_lane(b, 2), false) : 0;
  const t3 = (imm & 0x80) ? fMul(<u64><u32>i32x4.extract_lane(a, 3), <u64><u32>i32x4.extract_lane(b, 3), false) : 0;
  if (!stage()) return;
  const s01 = fAdd(t0, t1, false, false), s23 = fAdd(t2, t3, false, false);
  if (!stage()) return;
  const s = fAdd(s01, s23, false, false);
  if (!fpEnd()) return;
  writeV(make32x4((imm & 1) ? s : 0, (imm & 2) ? s : 0, (imm & 4) ? s : 0, (imm & 8) ? s : 0));
}
/** 66 0F 3A 41: dppd — imm8[5:4] picks the products, imm8[1:0] the lanes that get the sum. */
export function opDppdVxWxIb(): void {
  const b = readWx(); if (exiting) return;
  const a = readV();
  const imm = <u32>d_imm;
  fpBegin();
  const t0 = (imm & 0x10) ? fMul(<u64>i64x2.extract_lane(a, 0), <u64>i64x2.extract_lane(b, 0), true) : 0;
  const t1 = (imm & 0x20) ? fMul(<u64>i64x2.extract_lane(a, 1), <u64>i64x2.extract_lane(b, 1), true) : 0;
  if (!stage()) return;
  const s = fAdd(t0, t1, true, false);
  if (!fpEnd()) return;
  writeV(make64x2((imm & 1) ? s : 0, (imm & 2) ? s : 0));
}
