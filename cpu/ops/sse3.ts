// SSE3 (SDM vol. 2: ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD, MOVSHDUP, MOVSLDUP, MOVDDUP, LDDQU).
// The arithmetic goes lane by lane through sse_fpmath.ts's fAdd, in the SDM's operand order
// (HADDPS: xmm1[31:0] + xmm1[63:32]), so NaN choice, rounding and MXCSR flags match ADDPS; an
// unmasked exception (#XM) leaves the destination untouched. FISTTP is in x87_conv.ts;
// MONITOR/MWAIT are privileged at CPL 3 (#UD, as Linux runs user code) — see opGroup7Reg.

import { exiting } from '../state';
import { d_addr } from '../decode/decoder';
import { read128 } from '../mmu/access';
import { readV, writeV, readWx, readWq } from './sse_common';
import { make32x4, make64x2 } from './sse_fp';
import { fpBegin, fpEnd, fAdd } from './sse_fpmath';

@inline function d(v: v128, i: i32): u64 {
  switch (i) {
    case 0: return <u64><u32>i32x4.extract_lane(v, 0);
    case 1: return <u64><u32>i32x4.extract_lane(v, 1);
    case 2: return <u64><u32>i32x4.extract_lane(v, 2);
    default: return <u64><u32>i32x4.extract_lane(v, 3);
  }
}
@inline function q(v: v128, i: i32): u64 { return i == 0 ? <u64>i64x2.extract_lane(v, 0) : <u64>i64x2.extract_lane(v, 1); }

/** F2 0F D0: addsubps — even lanes subtract, odd lanes add. */
export function opAddsubpsVxWx(): void {
  const b = readWx(); if (exiting) return;
  const a = readV();
  fpBegin();
  const r0 = fAdd(d(a, 0), d(b, 0), false, true), r1 = fAdd(d(a, 1), d(b, 1), false, false);
  const r2 = fAdd(d(a, 2), d(b, 2), false, true), r3 = fAdd(d(a, 3), d(b, 3), false, false);
  if (!fpEnd()) return;
  writeV(make32x4(r0, r1, r2, r3));
}
/** 66 0F D0: addsubpd. */
export function opAddsubpdVxWx(): void {
  const b = readWx(); if (exiting) return;
  const a = readV();
  fpBegin();
  const r0 = fAdd(q(a, 0), q(b, 0), true, true), r1 = fAdd(q(a, 1), q(b, 1), true, false);
  if (!fpEnd()) return;
  writeV(make64x2(r0, r1));
}
/** F2 0F 7C / 7D: haddps / hsubps — pairs of the destination, then pairs of the source. */
export function opHaddpsVxWx(sub: bool): void {
  const b = readWx(); if (exiting) return;
  const a = readV();
  fpBegin();
  const r0 = fAdd(d(a, 0), d(a, 1), false, sub), r1 = fAdd(d(a, 2), d(a, 3), false, sub);
  const r2 = fAdd(d(b, 0), d(b, 1), false, sub), r3 = fAdd(d(b, 2), d(b, 3), false, sub);
  if (!fpEnd()) return;
  writeV(make32x4(r0, r1, r2, r3));
}
/** 66 0F 7C / 7D: haddpd / hsubpd. */
export function opHaddpdVxWx(sub: bool): void {
  const b = readWx(); if (exiting) return;
  const a = readV();
  fpBegin();
  const r0 = fAdd(q(a, 0), q(a, 1), true, sub), r1 = fAdd(q(b, 0), q(b, 1), true, sub);
  if (!fpEnd()) return;
  writeV(make64x2(r0, r1));
}

/** F3 0F 16: movshdup — odd dwords duplicated. F3 0F 12: movsldup — even dwords. */
export function opMovshdupVxWx(): void {
  const b = readWx(); if (exiting) return;
  writeV(i8x16.shuffle(b, b, 4, 5, 6, 7, 4, 5, 6, 7, 12, 13, 14, 15, 12, 13, 14, 15));
}
export function opMovsldupVxWx(): void {
  const b = readWx(); if (exiting) return;
  writeV(i8x16.shuffle(b, b, 0, 1, 2, 3, 0, 1, 2, 3, 8, 9, 10, 11, 8, 9, 10, 11));
}
/** F2 0F 12: movddup — the low quadword (or m64) in both halves. */
export function opMovddupVxWq(): void {
  const v = readWq(); if (exiting) return;
  writeV(i64x2.splat(<i64>v));
}
/** F2 0F F0: lddqu xmm, m128 — an unaligned load (MOVDQU's semantics). */
export function opLddquVxMx(): void {
  const v = read128(d_addr); if (exiting) return;
  writeV(v);
}
