// Conversions between the x87 register format and memory formats (SDM vol. 1 §4.2, §8.5;
// vol. 2 FLD, FST, FILD, FIST, FISTTP, FBLD, FBSTP): binary32/binary64 both ways, two's
// complement 16/32/64-bit integers, and 18-digit packed BCD. Loads are exact; stores round by
// RC (or truncate) and give the masked responses (QNaN, integer and BCD indefinites).

import {
  xRaise, xRC, xMasked, setR, rSign, rExp, rSigR, classify, unpackA, aSign, aExp, aSig,
  roundPack, shiftRightJam128, jamLo, K_ZERO, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, X_IE, X_PE,
  RP_OK, RC_NEAREST, RC_DOWN, RC_UP, xSetC1, xDropFlags,
} from './x87_math';

const J: u64 = 0x8000000000000000;

// ---- binary32 / binary64 → register -----------------------------------------------------------
/** True when the last fromF32/fromF64 read a denormal (the caller raises DE where it applies). */
export let cvtDenormal = false;

/**
 * A binary32 (dbl false) or binary64 as an 80-bit value, exactly; an SNaN stays signalling, so
 * the instruction decides about IE (FLD quiets it; arithmetic propagates it).
 */
export function fromFloat(bits: u64, dbl: bool): void {
  const fb: u64 = dbl ? 52 : 23;
  const sign = <u32>(bits >> (dbl ? 63 : 31)) & 1;
  const emax: u32 = dbl ? 0x7ff : 0xff;
  const bias: i32 = dbl ? 1023 : 127;
  const e = <u32>(bits >> fb) & emax;
  const m = bits & ((<u64>1 << fb) - 1);
  cvtDenormal = false;
  if (e == emax) { setR((sign << 15) | 0x7fff, J | (m << (63 - fb))); return; }
  if (e == 0) {
    if (m == 0) { setR(sign << 15, 0); return; }
    cvtDenormal = true;
    const lz = <i32>clz(m);  // renormalize: the 80-bit format holds every denormal as a normal
    const exp = <i32>(64 - <i32>fb) - bias - lz; // exponent of the leading one
    setR((sign << 15) | <u32>(exp + 16383), m << <u64>lz);
    return;
  }
  setR((sign << 15) | <u32>(<i32>e - bias + 16383), J | (m << (63 - fb)));
}

// ---- register → binary32 / binary64 -----------------------------------------------------------
/** False when an unmasked exception suppresses the store (§4.9.2, "no result is stored"). */
export let cvtStore = true;

/** The register value rounded to binary32/64 by RC (FST, FSTP); sets cvtStore. */
export function toFloat(se: u32, sig: u64, dbl: bool): u64 {
  const fb: u64 = dbl ? 52 : 23;
  const sshift: u64 = dbl ? 63 : 31;
  const emaxField: u64 = dbl ? 0x7ff : 0xff;
  const k = classify(se, sig);
  const sign = <u64>(se >> 15);
  cvtStore = true;
  switch (k) {
    case K_ZERO: return sign << sshift;
    case K_INF: return (sign << sshift) | (emaxField << fb);
    case K_QNAN: case K_SNAN: {
      if (k == K_SNAN) { xRaise(X_IE); if (!xMasked(X_IE)) { cvtStore = false; return 0; } }
      const frac = ((sig << 1) >> (64 - fb)) | (<u64>1 << (fb - 1));
      return (sign << sshift) | (emaxField << fb) | frac;
    }
    case K_UNSUPPORTED:
      xRaise(X_IE);
      if (!xMasked(X_IE)) { cvtStore = false; return 0; }
      return dbl ? 0xfff8000000000000 : 0xffc00000;
    default: break;
  }
  unpackA(se, sig);  // a register denormal raises no DE here (the host's behaviour; the SDM lists #D)
  const emin = dbl ? -1022 : -126;
  const emax = dbl ? 1023 : 127;
  const st = roundPack(aSign, aExp, aSig, 0, dbl ? 53 : 24, emin, emax);
  if (st != RP_OK) { // unmasked OE/UE: memory is not written, and PE is not reported (host)
    xDropFlags(~X_PE);
    xSetC1(0);
    cvtStore = false;
    return 0;
  }
  const s = <u64>rSign << sshift;
  if (rSigR == 0) return s;
  if (rExp > emax) return s | (emaxField << fb);
  const frac = (rSigR << 1) >> (64 - fb);
  if ((rSigR & J) == 0) return s | (rSigR >> (63 - fb)); // denormal: exponent field 0
  return s | (<u64>(rExp + (dbl ? 1023 : 127)) << fb) | frac;
}

// ---- integers -----------------------------------------------------------------------------------
/** A 64-bit two's complement integer as an 80-bit value (exact). */
export function fromInt(v: i64): void {
  if (v == 0) { setR(0, 0); return; }
  const sign: u32 = v < 0 ? 1 : 0;
  const m: u64 = v < 0 ? <u64>(-v) : <u64>v; // -2^63 negates to itself, read unsigned: right
  const lz = <i32>clz(m);
  setR((sign << 15) | <u32>(63 - lz + 16383), m << <u64>lz);
}

/**
 * The magnitude of a finite nonzero register value rounded to an integer by `rc` (RC_* or
 * truncation): returns it (saturating at 2^64 − 1 with roundOverflow set), with PE and C1
 * reported through roundInexact/roundUp.
 */
export let roundOverflow = false;
export let roundInexact = false;
export let roundUp = false;
export function roundToIntMag(sign: u32, exp: i32, sig: u64, rc: u32): u64 {
  roundOverflow = false;
  roundInexact = false;
  roundUp = false;
  if (exp >= 64) { roundOverflow = true; return ~<u64>0; }
  if (exp == 63) return sig;
  let ip: u64, frac: u64;
  if (exp >= 0) { ip = sig >> <u64>(63 - exp); frac = sig << <u64>(exp + 1); }
  else if (exp == -1) { ip = 0; frac = sig; }
  else { ip = 0; frac = shiftRightJam128(sig, 0, -1 - exp); frac = frac | (jamLo != 0 ? 1 : 0); }
  if (frac == 0) return ip;
  roundInexact = true;
  let inc = false;
  if (rc == RC_NEAREST) inc = frac > J || (frac == J && (ip & 1) != 0);
  else if (rc == RC_DOWN) inc = sign != 0;
  else if (rc == RC_UP) inc = sign == 0;
  if (inc) {
    roundUp = true;
    ip++;
    if (ip == 0) { roundOverflow = true; return ~<u64>0; }
  }
  return ip;
}

/** RC value meaning "truncate" for toInt (FISTTP); equals RC_ZERO. */
export const ROUND_TRUNC: u32 = 3;

/**
 * The register value as a `bits`-wide integer (FIST, FISTP, FISTTP): rounded by rc; NaN,
 * infinity, unsupported or out-of-range values raise IE and give the integer indefinite
 * (the most negative integer). Sets cvtStore false when an unmasked IE suppresses the store.
 */
export function toInt(se: u32, sig: u64, bits: i32, rc: u32): u64 {
  const k = classify(se, sig);
  const indefinite: u64 = <u64>1 << <u64>(bits - 1);
  cvtStore = true;
  if (k == K_ZERO) return 0;
  if (k == K_INF || k == K_QNAN || k == K_SNAN || k == K_UNSUPPORTED) return intInvalid(indefinite);
  unpackA(se, sig);  // a denormal rounds like any small value: no DE (checked against the host)
  const mag = roundToIntMag(aSign, aExp, aSig, rc);
  const limit: u64 = aSign ? indefinite : indefinite - 1;
  if (roundOverflow || mag > limit) return intInvalid(indefinite);
  if (roundInexact) xRaise(X_PE);
  xSetC1(roundUp ? 1 : 0);
  const v = aSign ? <u64>(-<i64>mag) : mag;
  return bits == 64 ? v : v & ((<u64>1 << <u64>bits) - 1);
}

function intInvalid(indefinite: u64): u64 {
  xRaise(X_IE);
  if (!xMasked(X_IE)) cvtStore = false;
  return indefinite;
}

// ---- packed BCD (18 digits, sign in bit 79) -----------------------------------------------------
/** FBLD: lo = the low 8 bytes, hi = bytes 8 and 9. Invalid digits are undefined: taken as is. */
export function fromBCD(lo: u64, hi: u32): void {
  let v: u64 = 0;
  for (let i = 8; i >= 0; i--) {
    const byte = i == 8 ? <u64>(hi & 0xff) : (lo >> <u64>(i * 8)) & 0xff;
    v = v * 100 + (byte >> 4) * 10 + (byte & 15);
  }
  const sign: u32 = (hi >> 15) & 1;
  if (v == 0) { setR(sign << 15, 0); return; }
  const lz = <i32>clz(v);
  setR((sign << 15) | <u32>(63 - lz + 16383), v << <u64>lz);
}

/** The high 16 bits (bytes 8, 9) of the last toBCD. */
export let bcdHi: u32 = 0;
const BCD_MAX: u64 = 999999999999999999;

/** FBSTP: the value rounded by RC to an 18-digit packed BCD integer (low 8 bytes returned). */
export function toBCD(se: u32, sig: u64): u64 {
  const k = classify(se, sig);
  cvtStore = true;
  const sign: u32 = se >> 15;
  if (k == K_ZERO) { bcdHi = sign << 15; return 0; }
  if (k == K_INF || k == K_QNAN || k == K_SNAN || k == K_UNSUPPORTED) return bcdInvalid();
  unpackA(se, sig);
  let mag = roundToIntMag(aSign, aExp, aSig, xRC);
  if (roundOverflow || mag > BCD_MAX) return bcdInvalid();
  if (roundInexact) xRaise(X_PE);
  xSetC1(roundUp ? 1 : 0);
  let lo: u64 = 0;
  for (let i = 0; i < 8; i++) {
    const two = mag % 100;
    mag /= 100;
    lo |= (((two / 10) << 4) | (two % 10)) << <u64>(i * 8);
  }
  const two = <u32>(mag % 100);
  bcdHi = (sign << 15) | ((two / 10) << 4) | (two % 10);
  return lo;
}

function bcdInvalid(): u64 {
  xRaise(X_IE);
  if (!xMasked(X_IE)) cvtStore = false;
  bcdHi = 0xffff;
  return 0xc000000000000000;
}
