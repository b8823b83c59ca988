// RCPPS, RCPSS, RSQRTPS, RSQRTSS (SDM vol. 2): approximate 1/x and 1/√x in single precision with
// |relative error| ≤ 1.5·2^-12. The SDM fixes only that bound, so real CPUs differ in the last
// bits; this is wasl's own method, shaped like the hardware's (docs/quirks.md): the result depends
// on the sign, the exponent and the top 12 fraction bits of x only, and has 12 fraction bits.
// It is the exact reciprocal (root) of the middle of that 12-bit interval, rounded to nearest —
// at most 0.75·2^-12 (RCP) and 0.63·2^-12 (RSQRT) away, where the AMD test host reaches
// 1.29·2^-12 and 1.06·2^-12.
//
// Special cases as on the host (tests/cpu/sse.test.ts): no MXCSR flags and no exceptions, and
// MXCSR's rounding, DAZ and FTZ are ignored; denormal inputs count as zero of their sign (→ ±∞);
// RCP results below the normal range are flushed to ±0; ±∞ → ±0; a NaN comes back quieted;
// RSQRT of a negative number (−∞ included, not −0) is the default QNaN 0xFFC00000.

import { d_reg } from '../decode/decoder';
import { exiting } from '../state';
import { getXd, setXd, readV, readWx, readWd, writeV } from './sse_common';
import { make32x4 } from './sse_fp';

const SIGN: u32 = 0x80000000;
const INF: u32 = 0x7f800000;
const QNAN_BIT: u32 = 0x400000;
const INDEFINITE: u32 = 0xffc00000;

/** A result of value q/8192 · 2^(biased − 126), q in [4096, 8192] (13 significant bits). */
@inline function pack(sign: u32, biased: i32, q: i32): u32 {
  if (q == 8192) { biased++; q = 4096; }
  if (biased <= 0) return sign; // below the normal range: flushed
  return sign | (<u32>biased << 23) | (<u32>(q - 4096) << 11);
}

export function rcp32(x: u32): u32 {
  const sign = x & SIGN, e = <i32>((x >> 23) & 0xff), k = (x >> 11) & 0xfff;
  if (e == 0xff) return (x & 0x7fffff) ? x | QNAN_BIT : sign; // NaN quieted; ±∞ → ±0
  if (e == 0) return sign | INF;                               // ±0 and denormals → ±∞
  // x = 1.f · 2^(e−127); 1/1.f lies in (0.5, 1]
  const v = 1.0 / (1.0 + (<f64>k + 0.5) / 4096.0);
  return pack(sign, 253 - e, <i32>Math.floor(v * 8192.0 + 0.5));
}

export function rsqrt32(x: u32): u32 {
  const sign = x & SIGN, e = <i32>((x >> 23) & 0xff), k = (x >> 11) & 0xfff;
  if (e == 0xff && (x & 0x7fffff)) return x | QNAN_BIT;
  if (e == 0) return sign | INF;                               // ±0 and denormals → ±∞
  if (sign) return INDEFINITE;
  if (e == 0xff) return 0;                                     // +∞ → +0
  // x = g · 2^(2n) with g = 1.f (e − 127 even) or 2·1.f (odd); 1/√g lies in (0.5, 1]
  const odd = (e - 127) & 1;
  const g = (1.0 + (<f64>k + 0.5) / 4096.0) * (odd ? 2.0 : 1.0);
  const n = (e - 127 - odd) >> 1;
  return pack(0, 126 - n, <i32>Math.floor(8192.0 / Math.sqrt(g) + 0.5));
}

@inline function approx(x: u32, root: bool): u32 { return root ? rsqrt32(x) : rcp32(x); }

/** NP 0F 53 RCPPS, NP 0F 52 RSQRTPS: four lanes of W (an m128 must be 16-byte aligned). */
export function opRcpPs(root: bool): void {
  const b = readWx();
  if (exiting) return;
  writeV(make32x4(
    approx(<u32>i32x4.extract_lane(b, 0), root), approx(<u32>i32x4.extract_lane(b, 1), root),
    approx(<u32>i32x4.extract_lane(b, 2), root), approx(<u32>i32x4.extract_lane(b, 3), root)));
}

/** F3 0F 53 RCPSS, F3 0F 52 RSQRTSS: the low lane of W (or m32); the other lanes stay. */
export function opRcpSs(root: bool): void {
  const b = readWd();
  if (exiting) return;
  setXd(d_reg, 0, approx(b, root));
}
