// SSE/SSE2 floating-point arithmetic and comparisons (SDM vol. 2: ADD/SUB/MUL/DIV/MIN/MAX/SQRT
// PS/PD/SS/SD, CMPccPS/PD/SS/SD, COMISS/COMISD/UCOMISS/UCOMISD). Each lane goes through the
// softfloat in sse_fpmath.ts; flags of all lanes are merged, and an unmasked exception (#XM)
// leaves the destination untouched. Scalar forms keep the destination's other lanes.

import { d_reg, d_imm } from '../decode/decoder';
import { exiting } from '../state';
import { setStatusFlags } from './flags';
import { STATUS_FLAGS, ZF, PF, CF } from '../shared/layout';
import { getXq, setXq, getXd, setXd, readV, writeV, readWx, readWq, readWd } from './sse_common';
import {
  fpBegin, fpEnd, fAdd, fMul, fDiv, fSqrt, fMinMax, fCompare, REL_LT, REL_EQ, REL_UN,
} from './sse_fpmath';

export const FP_ADD = 0;
export const FP_SUB = 1;
export const FP_MUL = 2;
export const FP_DIV = 3;
export const FP_MIN = 4;
export const FP_MAX = 5;
export const FP_SQRT = 6;   // unary: the second (source) operand only

function fpOp(op: i32, a: u64, b: u64, dbl: bool): u64 {
  switch (op) {
    case FP_ADD: return fAdd(a, b, dbl, false);
    case FP_SUB: return fAdd(a, b, dbl, true);
    case FP_MUL: return fMul(a, b, dbl);
    case FP_DIV: return fDiv(a, b, dbl);
    case FP_MIN: return fMinMax(a, b, dbl, false);
    case FP_MAX: return fMinMax(a, b, dbl, true);
    default: return fSqrt(b, dbl);
  }
}

@inline function lane32(v: v128, i: i32): u64 {
  switch (i) {
    case 0: return <u64><u32>i32x4.extract_lane(v, 0);
    case 1: return <u64><u32>i32x4.extract_lane(v, 1);
    case 2: return <u64><u32>i32x4.extract_lane(v, 2);
    default: return <u64><u32>i32x4.extract_lane(v, 3);
  }
}
@inline export function make32x4(r0: u64, r1: u64, r2: u64, r3: u64): v128 {
  let v = i32x4.splat(<i32>r0);
  v = i32x4.replace_lane(v, 1, <i32>r1);
  v = i32x4.replace_lane(v, 2, <i32>r2);
  return i32x4.replace_lane(v, 3, <i32>r3);
}
@inline export function make64x2(r0: u64, r1: u64): v128 {
  return i64x2.replace_lane(i64x2.splat(<i64>r0), 1, <i64>r1);
}

// ---- arithmetic: 0F 51 (sqrt), 58 (add), 59 (mul), 5C (sub), 5D (min), 5E (div), 5F (max) ----
export function opFpPsVxWx(op: i32): void {
  const b = readWx();
  if (exiting) return;
  const a = readV();
  fpBegin();
  const r0 = fpOp(op, lane32(a, 0), lane32(b, 0), false);
  const r1 = fpOp(op, lane32(a, 1), lane32(b, 1), false);
  const r2 = fpOp(op, lane32(a, 2), lane32(b, 2), false);
  const r3 = fpOp(op, lane32(a, 3), lane32(b, 3), false);
  if (!fpEnd()) return;
  writeV(make32x4(r0, r1, r2, r3));
}

export function opFpPdVxWx(op: i32): void {
  const b = readWx();
  if (exiting) return;
  const a = readV();
  fpBegin();
  const r0 = fpOp(op, <u64>i64x2.extract_lane(a, 0), <u64>i64x2.extract_lane(b, 0), true);
  const r1 = fpOp(op, <u64>i64x2.extract_lane(a, 1), <u64>i64x2.extract_lane(b, 1), true);
  if (!fpEnd()) return;
  writeV(make64x2(r0, r1));
}

export function opFpSsVxWd(op: i32): void {
  const b = readWd();
  if (exiting) return;
  fpBegin();
  const r = fpOp(op, <u64>getXd(d_reg, 0), <u64>b, false);
  if (!fpEnd()) return;
  setXd(d_reg, 0, <u32>r);
}

export function opFpSdVxWq(op: i32): void {
  const b = readWq();
  if (exiting) return;
  fpBegin();
  const r = fpOp(op, getXq(d_reg, 0), b, true);
  if (!fpEnd()) return;
  setXq(d_reg, 0, r);
}

// ---- CMPcc: 0F C2 /r ib — imm8[2:0] picks EQ LT LE UNORD NEQ NLT NLE ORD --------------------
/** All-ones if the predicate holds. LT/LE/NLT/NLE are the signalling ones: a QNaN raises IE. */
function cmpMask(a: u64, b: u64, dbl: bool): u64 {
  const pred = <i32>d_imm & 7;
  const signaling = (pred & 3) == 1 || (pred & 3) == 2;
  const rel = fCompare(a, b, dbl, signaling);
  let t: bool;
  switch (pred & 3) {
    case 0: t = rel == REL_EQ; break;
    case 1: t = rel == REL_LT; break;
    case 2: t = rel == REL_LT || rel == REL_EQ; break;
    default: t = rel == REL_UN;
  }
  if (pred & 4) t = !t;          // NEQ NLT NLE ORD are the negations
  return t ? <u64>-1 : 0;
}

export function opCmppsVxWxIb(): void {
  const b = readWx();
  if (exiting) return;
  const a = readV();
  fpBegin();
  const r0 = cmpMask(lane32(a, 0), lane32(b, 0), false);
  const r1 = cmpMask(lane32(a, 1), lane32(b, 1), false);
  const r2 = cmpMask(lane32(a, 2), lane32(b, 2), false);
  const r3 = cmpMask(lane32(a, 3), lane32(b, 3), false);
  if (!fpEnd()) return;
  writeV(make32x4(r0, r1, r2, r3));
}
export function opCmppdVxWxIb(): void {
  const b = readWx();
  if (exiting) return;
  const a = readV();
  fpBegin();
  const r0 = cmpMask(<u64>i64x2.extract_lane(a, 0), <u64>i64x2.extract_lane(b, 0), true);
  const r1 = cmpMask(<u64>i64x2.extract_lane(a, 1), <u64>i64x2.extract_lane(b, 1), true);
  if (!fpEnd()) return;
  writeV(make64x2(r0, r1));
}
export function opCmpssVxWdIb(): void {
  const b = readWd();
  if (exiting) return;
  fpBegin();
  const r = cmpMask(<u64>getXd(d_reg, 0), <u64>b, false);
  if (!fpEnd()) return;
  setXd(d_reg, 0, <u32>r);
}
export function opCmpsdVxWqIb(): void {
  const b = readWq();
  if (exiting) return;
  fpBegin();
  const r = cmpMask(getXq(d_reg, 0), b, true);
  if (!fpEnd()) return;
  setXq(d_reg, 0, r);
}

// ---- COMIS/UCOMIS: 0F 2F / 0F 2E — ZF PF CF from the order, OF SF AF cleared ---------------
//   unordered: ZF PF CF = 111   less: 001   equal: 100   greater: 000
function comis(a: u64, b: u64, dbl: bool, signalQNaN: bool): void {
  fpBegin();
  const rel = fCompare(a, b, dbl, signalQNaN);
  if (!fpEnd()) return;
  const bits: u64 = rel == REL_UN ? ZF | PF | CF : rel == REL_LT ? CF : rel == REL_EQ ? ZF : 0;
  setStatusFlags(<u64>STATUS_FLAGS, bits);
}
export function opComissVxWd(): void { const b = readWd(); if (exiting) return; comis(<u64>getXd(d_reg, 0), <u64>b, false, true); }
export function opUcomissVxWd(): void { const b = readWd(); if (exiting) return; comis(<u64>getXd(d_reg, 0), <u64>b, false, false); }
export function opComisdVxWq(): void { const b = readWq(); if (exiting) return; comis(getXq(d_reg, 0), b, true, true); }
export function opUcomisdVxWq(): void { const b = readWq(); if (exiting) return; comis(getXq(d_reg, 0), b, true, false); }
