// SSE2 128-bit integer instructions and the bitwise/shuffle forms of SSE (SDM vol. 2: PADD…PXOR,
// shifts, PUNPCK/PACK, PSHUF*, PINSRW/PEXTRW, SHUFPS/PD, UNPCK*PS/PD, AND/ANDN/OR/XORPS/PD).
// Each maps onto wasm SIMD where the lane semantics are identical; where x86 differs (shift
// counts past the lane width, data-dependent shuffles) the difference is handled explicitly.
// Bitwise float ops raise no MXCSR exceptions: they are plain bit operations.

import { d_reg, d_rm, d_rex, d_imm, d_mod, d_addr } from '../decode/decoder';
import { exiting, readReg, writeReg } from '../state';
import { read16 } from '../mmu/access';
import { getX, readV, writeV, readWx, zero128, xmmAddr } from './sse_common';

/** The W source of the binary handlers below: xmm, or m128 that must be 16-byte aligned. */
@inline function srcW(): v128 { return readWx(); }

// ---- bitwise (also ANDPS/ANDPD, ANDNPS/ANDNPD, ORPS/ORPD, XORPS/XORPD) ----------------------
export function opPandVxWx(): void { const b = srcW(); if (exiting) return; writeV(v128.and(readV(), b)); }
/** pandn: dst = ~dst & src. */
export function opPandnVxWx(): void { const b = srcW(); if (exiting) return; writeV(v128.andnot(b, readV())); }
export function opPorVxWx(): void { const b = srcW(); if (exiting) return; writeV(v128.or(readV(), b)); }
export function opPxorVxWx(): void { const b = srcW(); if (exiting) return; writeV(v128.xor(readV(), b)); }

// ---- add / subtract, wrapping and saturating ------------------------------------------------
export function opPaddbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.add(readV(), b)); }
export function opPaddwVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.add(readV(), b)); }
export function opPadddVxWx(): void { const b = srcW(); if (exiting) return; writeV(i32x4.add(readV(), b)); }
export function opPaddqVxWx(): void { const b = srcW(); if (exiting) return; writeV(i64x2.add(readV(), b)); }
export function opPsubbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.sub(readV(), b)); }
export function opPsubwVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.sub(readV(), b)); }
export function opPsubdVxWx(): void { const b = srcW(); if (exiting) return; writeV(i32x4.sub(readV(), b)); }
export function opPsubqVxWx(): void { const b = srcW(); if (exiting) return; writeV(i64x2.sub(readV(), b)); }
export function opPaddsbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.add_sat_s(readV(), b)); }
export function opPaddswVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.add_sat_s(readV(), b)); }
export function opPaddusbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.add_sat_u(readV(), b)); }
export function opPadduswVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.add_sat_u(readV(), b)); }
export function opPsubsbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.sub_sat_s(readV(), b)); }
export function opPsubswVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.sub_sat_s(readV(), b)); }
export function opPsubusbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.sub_sat_u(readV(), b)); }
export function opPsubuswVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.sub_sat_u(readV(), b)); }

// ---- compare, min/max, average -------------------------------------------------------------
export function opPcmpeqbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.eq(readV(), b)); }
export function opPcmpeqwVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.eq(readV(), b)); }
export function opPcmpeqdVxWx(): void { const b = srcW(); if (exiting) return; writeV(i32x4.eq(readV(), b)); }
export function opPcmpgtbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.gt_s(readV(), b)); }
export function opPcmpgtwVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.gt_s(readV(), b)); }
export function opPcmpgtdVxWx(): void { const b = srcW(); if (exiting) return; writeV(i32x4.gt_s(readV(), b)); }
export function opPminubVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.min_u(readV(), b)); }
export function opPmaxubVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.max_u(readV(), b)); }
export function opPminswVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.min_s(readV(), b)); }
export function opPmaxswVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.max_s(readV(), b)); }
/** pavgb/pavgw: (a + b + 1) >> 1 without overflow — wasm's avgr_u exactly. */
export function opPavgbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.avgr_u(readV(), b)); }
export function opPavgwVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.avgr_u(readV(), b)); }

// ---- multiply ------------------------------------------------------------------------------
export function opPmullwVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.mul(readV(), b)); }
/** The high 16 bits of each 32-bit product: bytes 2-3 of every dword of the widened products. */
@inline function high16(lo: v128, hi: v128): v128 {
  return i8x16.shuffle(lo, hi, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
}
export function opPmulhwVxWx(): void {
  const b = srcW(); if (exiting) return;
  const a = readV();
  writeV(high16(i32x4.extmul_low_i16x8_s(a, b), i32x4.extmul_high_i16x8_s(a, b)));
}
export function opPmulhuwVxWx(): void {
  const b = srcW(); if (exiting) return;
  const a = readV();
  writeV(high16(i32x4.extmul_low_i16x8_u(a, b), i32x4.extmul_high_i16x8_u(a, b)));
}
/** pmuludq: dwords 0 and 2 of each operand, unsigned, to two 64-bit products. */
export function opPmuludqVxWx(): void {
  const b = srcW(); if (exiting) return;
  const m = i64x2.splat(0xffffffff);
  writeV(i64x2.mul(v128.and(readV(), m), v128.and(b, m)));
}
/** pmaddwd: pairwise signed products summed — wasm's dot product, wrapping identically. */
export function opPmaddwdVxWx(): void { const b = srcW(); if (exiting) return; writeV(i32x4.dot_i16x8_s(readV(), b)); }
/** psadbw: sum of |a − b| over each 8-byte half, into the low word of each quadword. */
export function opPsadbwVxWx(): void {
  const b = srcW(); if (exiting) return;
  const a = readV();
  const d = v128.or(i8x16.sub_sat_u(a, b), i8x16.sub_sat_u(b, a));
  const s32 = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(d));
  writeV(i64x2.add(v128.and(s32, i64x2.splat(0xffffffff)), i64x2.shr_u(s32, 32)));
}

// ---- shifts ----------------------------------------------------------------------------------
// wasm takes shift counts modulo the lane width; x86 zeroes the lane (logical) or fills it with
// the sign (arithmetic) once the count exceeds width − 1, and takes the count from all 64 bits.
@inline function countW(): u64 { const c = <u64>i64x2.extract_lane(srcW(), 0); return c; }

export function opPsrlwVxWx(): void { const c = countW(); if (exiting) return; writeV(c > 15 ? zero128() : i16x8.shr_u(readV(), <i32>c)); }
export function opPsrldVxWx(): void { const c = countW(); if (exiting) return; writeV(c > 31 ? zero128() : i32x4.shr_u(readV(), <i32>c)); }
export function opPsrlqVxWx(): void { const c = countW(); if (exiting) return; writeV(c > 63 ? zero128() : i64x2.shr_u(readV(), <i32>c)); }
export function opPsllwVxWx(): void { const c = countW(); if (exiting) return; writeV(c > 15 ? zero128() : i16x8.shl(readV(), <i32>c)); }
export function opPslldVxWx(): void { const c = countW(); if (exiting) return; writeV(c > 31 ? zero128() : i32x4.shl(readV(), <i32>c)); }
export function opPsllqVxWx(): void { const c = countW(); if (exiting) return; writeV(c > 63 ? zero128() : i64x2.shl(readV(), <i32>c)); }
export function opPsrawVxWx(): void { const c = countW(); if (exiting) return; writeV(i16x8.shr_s(readV(), c > 15 ? 15 : <i32>c)); }
export function opPsradVxWx(): void { const c = countW(); if (exiting) return; writeV(i32x4.shr_s(readV(), c > 31 ? 31 : <i32>c)); }

// 66 0F 71/72/73 /n ib: the register is ModRM.rm, the count an 8-bit immediate.
@inline function immCount(): u32 { return <u32>d_imm & 0xff; }
export function opPsrlwUxIb(): void { const c = immCount(); setRm(c > 15 ? zero128() : i16x8.shr_u(getX(d_rm), c)); }
export function opPsrldUxIb(): void { const c = immCount(); setRm(c > 31 ? zero128() : i32x4.shr_u(getX(d_rm), c)); }
export function opPsrlqUxIb(): void { const c = immCount(); setRm(c > 63 ? zero128() : i64x2.shr_u(getX(d_rm), c)); }
export function opPsllwUxIb(): void { const c = immCount(); setRm(c > 15 ? zero128() : i16x8.shl(getX(d_rm), c)); }
export function opPslldUxIb(): void { const c = immCount(); setRm(c > 31 ? zero128() : i32x4.shl(getX(d_rm), c)); }
export function opPsllqUxIb(): void { const c = immCount(); setRm(c > 63 ? zero128() : i64x2.shl(getX(d_rm), c)); }
export function opPsrawUxIb(): void { const c = immCount(); setRm(i16x8.shr_s(getX(d_rm), c > 15 ? 15 : c)); }
export function opPsradUxIb(): void { const c = immCount(); setRm(i32x4.shr_s(getX(d_rm), c > 31 ? 31 : c)); }
@inline function setRm(v: v128): void { v128.store(xmmAddr(d_rm), v); }

const IOTA: v128 = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
/**
 * psrldq/pslldq: whole-register byte shifts. swizzle yields 0 for indices ≥ 16, which covers the
 * bytes shifted in; the count is clamped to 16 first so index arithmetic cannot wrap back.
 */
export function opPsrldqUxIb(): void {
  const n = min<u32>(immCount(), 16);
  setRm(i8x16.swizzle(getX(d_rm), i8x16.add(IOTA, i8x16.splat(<i8>n))));
}
export function opPslldqUxIb(): void {
  const n = min<u32>(immCount(), 16);
  setRm(i8x16.swizzle(getX(d_rm), i8x16.sub(IOTA, i8x16.splat(<i8>n))));
}

// ---- interleave and pack (also UNPCKLPS/UNPCKHPS = dq, UNPCKLPD/UNPCKHPD = qdq) -------------
export function opPunpcklbwVxWx(): void {
  const b = srcW(); if (exiting) return;
  writeV(i8x16.shuffle(readV(), b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
}
export function opPunpckhbwVxWx(): void {
  const b = srcW(); if (exiting) return;
  writeV(i8x16.shuffle(readV(), b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
}
export function opPunpcklwdVxWx(): void {
  const b = srcW(); if (exiting) return;
  writeV(i8x16.shuffle(readV(), b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
}
export function opPunpckhwdVxWx(): void {
  const b = srcW(); if (exiting) return;
  writeV(i8x16.shuffle(readV(), b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
}
export function opPunpckldqVxWx(): void {
  const b = srcW(); if (exiting) return;
  writeV(i8x16.shuffle(readV(), b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23));
}
export function opPunpckhdqVxWx(): void {
  const b = srcW(); if (exiting) return;
  writeV(i8x16.shuffle(readV(), b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31));
}
export function opPunpcklqdqVxWx(): void {
  const b = srcW(); if (exiting) return;
  writeV(i8x16.shuffle(readV(), b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
}
export function opPunpckhqdqVxWx(): void {
  const b = srcW(); if (exiting) return;
  writeV(i8x16.shuffle(readV(), b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
}
/** Packs with saturation: the destination's lanes fill the low half, the source's the high half. */
export function opPacksswbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.narrow_i16x8_s(readV(), b)); }
export function opPackssdwVxWx(): void { const b = srcW(); if (exiting) return; writeV(i16x8.narrow_i32x4_s(readV(), b)); }
export function opPackuswbVxWx(): void { const b = srcW(); if (exiting) return; writeV(i8x16.narrow_i16x8_u(readV(), b)); }

// ---- immediate-controlled shuffles ---------------------------------------------------------
// The selectors are data for wasm (swizzle indices built from imm8), since shuffle lanes must be
// compile-time constants.
/** pshufd: dword i of the result = dword imm[2i+1:2i] of the source. */
export function opPshufdVxWxIb(): void {
  const a = srcW(); if (exiting) return;
  const imm = <u32>d_imm;
  let idx = i32x4.splat(<i32>(((imm & 3) * 0x04040404) + 0x03020100));
  idx = i32x4.replace_lane(idx, 1, <i32>((((imm >> 2) & 3) * 0x04040404) + 0x03020100));
  idx = i32x4.replace_lane(idx, 2, <i32>((((imm >> 4) & 3) * 0x04040404) + 0x03020100));
  idx = i32x4.replace_lane(idx, 3, <i32>((((imm >> 6) & 3) * 0x04040404) + 0x03020100));
  writeV(i8x16.swizzle(a, idx));
}
/** Byte indices of word `sel` + base as one swizzle word. */
@inline function wordIdx(sel: u32): i32 { return <i32>(sel * 0x0202 + 0x0100); }
/** pshuflw: the low four words shuffled by imm8, the high quadword copied. */
export function opPshuflwVxWxIb(): void {
  const a = srcW(); if (exiting) return;
  const imm = <u32>d_imm;
  let idx = i16x8(0, 0, 0, 0, 0x0908, 0x0b0a, 0x0d0c, 0x0f0e);
  idx = i16x8.replace_lane(idx, 0, <i16>wordIdx(imm & 3));
  idx = i16x8.replace_lane(idx, 1, <i16>wordIdx((imm >> 2) & 3));
  idx = i16x8.replace_lane(idx, 2, <i16>wordIdx((imm >> 4) & 3));
  idx = i16x8.replace_lane(idx, 3, <i16>wordIdx((imm >> 6) & 3));
  writeV(i8x16.swizzle(a, idx));
}
/** pshufhw: the high four words shuffled by imm8, the low quadword copied. */
export function opPshufhwVxWxIb(): void {
  const a = srcW(); if (exiting) return;
  const imm = <u32>d_imm;
  let idx = i16x8(0x0100, 0x0302, 0x0504, 0x0706, 0, 0, 0, 0);
  idx = i16x8.replace_lane(idx, 4, <i16>wordIdx((imm & 3) + 4));
  idx = i16x8.replace_lane(idx, 5, <i16>wordIdx(((imm >> 2) & 3) + 4));
  idx = i16x8.replace_lane(idx, 6, <i16>wordIdx(((imm >> 4) & 3) + 4));
  idx = i16x8.replace_lane(idx, 7, <i16>wordIdx(((imm >> 6) & 3) + 4));
  writeV(i8x16.swizzle(a, idx));
}
/** shufps: result dwords 0-1 chosen from the destination, 2-3 from the source, by imm8. */
export function opShufpsVxWxIb(): void {
  const b = srcW(); if (exiting) return;
  const a = readV();
  const imm = <u32>d_imm;
  const lo = i8x16.swizzle(a, shufIdx2(imm & 3, (imm >> 2) & 3, 0x80, 0x80));
  const hi = i8x16.swizzle(b, shufIdx2(0x80, 0x80, (imm >> 4) & 3, (imm >> 6) & 3));
  writeV(v128.or(lo, hi));
}
/** Swizzle indices for four dword picks; a pick of 0x80 or more selects zero bytes. */
@inline function shufIdx2(s0: u32, s1: u32, s2: u32, s3: u32): v128 {
  let idx = i32x4.splat(<i32>dwordIdx(s0));
  idx = i32x4.replace_lane(idx, 1, <i32>dwordIdx(s1));
  idx = i32x4.replace_lane(idx, 2, <i32>dwordIdx(s2));
  return i32x4.replace_lane(idx, 3, <i32>dwordIdx(s3));
}
@inline function dwordIdx(sel: u32): u32 { return sel >= 0x80 ? 0xffffffff : sel * 0x04040404 + 0x03020100; }
/** shufpd: quadword 0 = destination[imm0], quadword 1 = source[imm1]. */
export function opShufpdVxWxIb(): void {
  const b = srcW(); if (exiting) return;
  const a = readV();
  const imm = <u32>d_imm;
  const lo = (imm & 1) ? i64x2.extract_lane(a, 1) : i64x2.extract_lane(a, 0);
  const hi = (imm & 2) ? i64x2.extract_lane(b, 1) : i64x2.extract_lane(b, 0);
  writeV(i64x2.replace_lane(i64x2.splat(lo), 1, hi));
}

// ---- word insert / extract: 66 0F C4, 66 0F C5 ------------------------------------------------
/** pinsrw xmm, r32/m16, imm8 — word imm[2:0] replaced. */
export function opPinsrwVxEwIb(): void {
  let v: u32;
  if (d_mod == 3) v = <u32>readReg(d_rm, 4, d_rex);
  else { v = read16(d_addr); if (exiting) return; }
  store<u16>(xmmAddr(d_reg) + ((<usize>d_imm & 7) << 1), <u16>v);
}
/** pextrw r32, xmm, imm8 — zero-extended into the full GPR. */
export function opPextrwGdUxIb(): void {
  writeReg(d_reg, 4, d_rex, <u64>load<u16>(xmmAddr(d_rm) + ((<usize>d_imm & 7) << 1)));
}
