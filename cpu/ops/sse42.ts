// SSE4.2 (SDM vol. 2: CRC32, PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM and §4.1 "Imm8 Control
// Byte Operation for PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM"); PCMPGTQ is in sse41.ts.
// The string compares build the SDM's BoolRes matrix element by element, force the entries
// that involve invalid elements (past the length) as its Table 4-7 says, aggregate, apply the
// polarity and produce an index (ecx) or a mask (xmm0) plus CF ZF SF OF (AF PF cleared).

import { d_reg, d_rex, d_imm, d_opsize } from '../decode/decoder';
import { exiting, reg64, writeReg, R_AX, R_CX, R_DX } from '../state';
import { readE } from '../decode/operands';
import { setStatusFlags } from './flags';
import { STATUS_FLAGS, CF, ZF, SF, OF } from '../shared/layout';
import { readV, readWxU, setX, make128 } from './sse_common';

// ---- CRC32: F2 0F 38 F0 (r/m8) / F1 (r/m16, r/m32, r/m64) ----------------------------------------
/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of `size` bytes of v, from crc. */
function crc32c(crc: u32, v: u64, size: i32): u32 {
  let c = crc;
  for (let i = 0; i < size; i++) {
    c ^= <u32>(v >> (<u64>i << 3)) & 0xff;
    for (let k = 0; k < 8; k++) c = (c >> 1) ^ (0x82f63b78 & (0 - (c & 1)));
  }
  return c;
}
/** The destination is r32, or r64 with REX.W (its upper half cleared); the source r/m of `size`. */
export function opCrc32GyEb(): void { crc32Gy(1); }
export function opCrc32GyEv(): void { crc32Gy(d_opsize); }
function crc32Gy(size: i32): void {
  const v = readE(size); if (exiting) return;
  const wide = (d_rex & 8) != 0;
  const crc = <u32>reg64(d_reg);
  writeReg(d_reg, wide ? 8 : 4, d_rex, <u64>crc32c(crc, v, size));
}

// ---- PCMPxSTRx: 66 0F 3A 60–63 ---------------------------------------------------------------
//   imm8  7 |   6    |  5 4     |  3 2        |  1 0
//           | msb /  | polarity | aggregation | format: ub uw sb sw
//           | bytemask | + - +m -m | any ranges each ordered
/** Element i of a 128-bit value (lo, hi) in the imm8 format: bytes or words, signed or not. */
function elem(lo: u64, hi: u64, i: i32, fmt: u32): i32 {
  const word = (fmt & 1) != 0;
  const bit = word ? i << 4 : i << 3;
  const half = bit < 64 ? lo : hi;
  const raw = <u32>(half >> <u64>(bit & 63));
  if (word) return (fmt & 2) ? <i32><i16>raw : <i32>(raw & 0xffff);
  return (fmt & 2) ? <i32><i8>raw : <i32>(raw & 0xff);
}
/** Implicit length: the index of the first zero element, or n. */
function implicitLen(lo: u64, hi: u64, n: i32, fmt: u32): i32 {
  for (let i = 0; i < n; i++) if (elem(lo, hi, i, fmt) == 0) return i;
  return n;
}
/** Explicit length: |rAX| or |rDX| (64 bits with REX.W), at most n. */
function explicitLen(r: i32, n: i32): i32 {
  let v: i64 = (d_rex & 8) ? <i64>reg64(r) : <i64><i32>reg64(r);
  if (v < 0) v = -v;
  return v < 0 || v > <i64>n ? n : <i32>v; // -i64.MIN stays negative: saturate
}

let resFlags: u64 = 0;
/** IntRes2 for operands a (xmm1) and b (xmm2/m128) with lengths la, lb; sets resFlags. */
function compareStrings(a: v128, b: v128, la: i32, lb: i32): u32 {
  const imm = <u32>d_imm & 0xff;
  const fmt = imm & 3, agg = (imm >> 2) & 3, pol = (imm >> 4) & 3;
  const n = (fmt & 1) ? 8 : 16;
  const alo = <u64>i64x2.extract_lane(a, 0), ahi = <u64>i64x2.extract_lane(a, 1);
  const blo = <u64>i64x2.extract_lane(b, 0), bhi = <u64>i64x2.extract_lane(b, 1);
  let r1: u32 = 0;
  for (let j = 0; j < n; j++) {
    let bit = false;
    if (agg == 0) {             // equal any: b[j] is one of a's valid elements
      if (j < lb) {
        const y = elem(blo, bhi, j, fmt);
        for (let i = 0; i < la && !bit; i++) bit = elem(alo, ahi, i, fmt) == y;
      }
    } else if (agg == 1) {      // ranges: a[i] <= b[j] <= a[i+1] for some valid pair
      if (j < lb) {
        const y = elem(blo, bhi, j, fmt);
        for (let i = 0; i + 1 < la && !bit; i += 2) bit = y >= elem(alo, ahi, i, fmt) && y <= elem(alo, ahi, i + 1, fmt);
      }
    } else if (agg == 2) {      // equal each: both valid and equal, or both invalid
      if (j < la && j < lb) bit = elem(alo, ahi, j, fmt) == elem(blo, bhi, j, fmt);
      else bit = j >= la && j >= lb;
    } else {                    // equal ordered: a (up to its length) occurs in b at j
      bit = true;
      for (let i = 0; j + i < n && bit; i++) {
        if (i >= la) break;                     // a invalid: true
        if (j + i >= lb) { bit = false; break; } // a valid, b invalid: false
        bit = elem(alo, ahi, i, fmt) == elem(blo, bhi, j + i, fmt);
      }
    }
    if (bit) r1 |= 1 << <u32>j;
  }
  const all: u32 = (1 << <u32>n) - 1;
  let r2 = r1;
  if (pol == 1) r2 = ~r1 & all;
  else if (pol == 3) r2 = r1 ^ (((1 << <u32>lb) - 1) & all);
  let f: u64 = 0;
  if (r2 != 0) f |= CF;
  if (lb < n) f |= ZF;
  if (la < n) f |= SF;
  if (r2 & 1) f |= OF;
  resFlags = f;
  return r2;
}

function index(r2: u32): void {
  const n: u32 = (d_imm & 1) ? 8 : 16;
  const i: u32 = r2 == 0 ? n : (d_imm & 0x40) ? 31 - clz(r2) : ctz(r2);
  writeReg(R_CX, 4, 0, <u64>i);
  setStatusFlags(<u64>STATUS_FLAGS, resFlags);
}
function mask(r2: u32): void {
  let lo: u64 = 0, hi: u64 = 0;
  if ((d_imm & 0x40) == 0) lo = <u64>r2;
  else {
    const words = (d_imm & 1) != 0;
    const n = words ? 8 : 16, w: u64 = words ? 16 : 8, ones: u64 = words ? 0xffff : 0xff;
    for (let j = 0; j < n; j++) {
      if (((r2 >> <u32>j) & 1) == 0) continue;
      const bit = <u64>j * w;
      if (bit < 64) lo |= ones << bit; else hi |= ones << (bit - 64);
    }
  }
  setX(0, make128(lo, hi));
  setStatusFlags(<u64>STATUS_FLAGS, resFlags);
}
@inline function nOf(): i32 { return (d_imm & 1) ? 8 : 16; }

// PCMPxSTRx take m128 at any alignment (SDM vol. 2 §4.1.1).
export function opPcmpestriVxWxIb(): void {
  const b = readWxU(); if (exiting) return;
  index(compareStrings(readV(), b, explicitLen(R_AX, nOf()), explicitLen(R_DX, nOf())));
}
export function opPcmpestrmVxWxIb(): void {
  const b = readWxU(); if (exiting) return;
  mask(compareStrings(readV(), b, explicitLen(R_AX, nOf()), explicitLen(R_DX, nOf())));
}
export function opPcmpistriVxWxIb(): void {
  const b = readWxU(); if (exiting) return;
  const a = readV(), fmt = <u32>d_imm & 3, n = nOf();
  index(compareStrings(a, b, implicitLen(<u64>i64x2.extract_lane(a, 0), <u64>i64x2.extract_lane(a, 1), n, fmt),
    implicitLen(<u64>i64x2.extract_lane(b, 0), <u64>i64x2.extract_lane(b, 1), n, fmt)));
}
export function opPcmpistrmVxWxIb(): void {
  const b = readWxU(); if (exiting) return;
  const a = readV(), fmt = <u32>d_imm & 3, n = nOf();
  mask(compareStrings(a, b, implicitLen(<u64>i64x2.extract_lane(a, 0), <u64>i64x2.extract_lane(a, 1), n, fmt),
    implicitLen(<u64>i64x2.extract_lane(b, 0), <u64>i64x2.extract_lane(b, 1), n, fmt)));
}
