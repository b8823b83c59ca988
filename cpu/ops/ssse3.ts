// SSSE3 (SDM vol. 2: PSHUFB, PHADDW/D, PHADDSW, PHSUBW/D/SW, PMADDUBSW, PMULHRSW, PSIGNB/W/D,
// PABSB/W/D, PALIGNR), 66 0F 38 / 0F 3A on xmm and NP on mm. One lane routine serves both: an
// mm operand sits in a v128's low half, and the horizontal forms see the mm pair a:b as one
// vector, whose first four sums are exactly the 64-bit result.

import { exiting } from '../state';
import { d_imm } from '../decode/decoder';
import { readV, writeV, readWx, make128 } from './sse_common';
import { mmxBegin, readP, writeP, readQ, lo128, low64 } from './mmx';

export const S3_PSHUFB = 0; export const S3_PHADDW = 1; export const S3_PHADDD = 2; export const S3_PHADDSW = 3;
export const S3_PMADDUBSW = 4; export const S3_PHSUBW = 5; export const S3_PHSUBD = 6; export const S3_PHSUBSW = 7;
export const S3_PSIGNB = 8; export const S3_PSIGNW = 9; export const S3_PSIGND = 10; export const S3_PMULHRSW = 11;
export const S3_PABSB = 0x1c; export const S3_PABSW = 0x1d; export const S3_PABSD = 0x1e;

@inline function evenW(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29); }
@inline function oddW(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31); }
@inline function evenD(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27); }
@inline function oddD(a: v128, b: v128): v128 { return i8x16.shuffle(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31); }

function lanes(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    // Bit 7 of a selector zeroes the byte; swizzle zeroes indices >= 16, so keep bits 7 and 3:0.
    case S3_PSHUFB: return i8x16.swizzle(a, v128.and(b, i8x16.splat(<i8>0x8f)));
    case S3_PHADDW: return i16x8.add(evenW(a, b), oddW(a, b));
    case S3_PHADDD: return i32x4.add(evenD(a, b), oddD(a, b));
    case S3_PHADDSW: return i16x8.add_sat_s(evenW(a, b), oddW(a, b));
    case S3_PHSUBW: return i16x8.sub(evenW(a, b), oddW(a, b));
    case S3_PHSUBD: return i32x4.sub(evenD(a, b), oddD(a, b));
    case S3_PHSUBSW: return i16x8.sub_sat_s(evenW(a, b), oddW(a, b));
    case S3_PMADDUBSW: {
      // unsigned bytes of the destination times signed bytes of the source; each product fits
      // in 16 bits, the pair sum saturates
      const aE = v128.and(a, i16x8.splat(0xff)), aO = i16x8.shr_u(a, 8);
      const bE = i16x8.shr_s(i16x8.shl(b, 8), 8), bO = i16x8.shr_s(b, 8);
      return i16x8.add_sat_s(i16x8.mul(aE, bE), i16x8.mul(aO, bO));
    }
    case S3_PMULHRSW: {
      // (a*b + 0x4000) >> 15 is wasm's q15mulr, except that x86 truncates where wasm saturates:
      // -32768 * -32768 gives 0x8000 on x86, 0x7fff in wasm.
      const m = i16x8.splat(<i16>0x8000);
      return v128.xor(i16x8.q15mulr_sat_s(a, b), v128.and(i16x8.eq(a, m), i16x8.eq(b, m)));
    }
    case S3_PSIGNB: return v128.andnot(v128.bitselect(i8x16.neg(a), a, i8x16.lt_s(b, i8x16.splat(0))), i8x16.eq(b, i8x16.splat(0)));
    case S3_PSIGNW: return v128.andnot(v128.bitselect(i16x8.neg(a), a, i16x8.lt_s(b, i16x8.splat(0))), i16x8.eq(b, i16x8.splat(0)));
    case S3_PSIGND: return v128.andnot(v128.bitselect(i32x4.neg(a), a, i32x4.lt_s(b, i32x4.splat(0))), i32x4.eq(b, i32x4.splat(0)));
    case S3_PABSB: return i8x16.abs(b);
    case S3_PABSW: return i16x8.abs(b);
    default: return i32x4.abs(b);
  }
}
@inline function horizontal(op: i32): bool { return (op >= 1 && op <= 3) || (op >= 5 && op <= 7); }

/** 66 0F 38 xx: the xmm forms (memory 16-byte aligned). */
export function opSsse3VxWx(op: i32): void {
  const b = readWx(); if (exiting) return;
  writeV(lanes(op, readV(), b));
}
/** NP 0F 38 xx: the mm forms. */
export function opSsse3PqQq(op: i32): void {
  if (!mmxBegin()) return;
  let b = readQ(); if (exiting) return;
  const a = readP();
  if (horizontal(op)) { const c = make128(a, b); writeP(low64(lanes(op, c, c))); return; }
  if (op == S3_PSHUFB) b &= 0x8787878787878787; // an mm selector uses bits 7 and 2:0
  writeP(low64(lanes(op, lo128(a), lo128(b))));
}

const IOTA: v128 = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
/** 66 0F 3A 0F: palignr — bytes imm.. of destination:source (32 bytes), zeros past the end. */
export function opPalignrVxWxIb(): void {
  const b = readWx(); if (exiting) return;
  const n = <i8>min<u32>(<u32>d_imm & 0xff, 32);
  const idx = i8x16.add(IOTA, i8x16.splat(n));
  // indices past 15 (or below 0, as bytes 240..) select zero in swizzle
  writeV(v128.or(i8x16.swizzle(b, idx), i8x16.swizzle(readV(), i8x16.sub(idx, i8x16.splat(16)))));
}
/** NP 0F 3A 0F: palignr mm — bytes imm.. of destination:source (16 bytes). */
export function opPalignrPqQqIb(): void {
  if (!mmxBegin()) return;
  const b = readQ(); if (exiting) return;
  const n = <i8>min<u32>(<u32>d_imm & 0xff, 16);
  writeP(low64(i8x16.swizzle(make128(b, readP()), i8x16.add(IOTA, i8x16.splat(n)))));
}
