// x87 operations beyond the four: comparisons (FCOM/FUCOM/FCOMI/FICOM/FTST), FXAM, FRNDINT,
// FSCALE, FXTRACT and the partial remainders FPREM/FPREM1 (SDM vol. 2; vol. 1 §8.3). Exact
// operations: only FSCALE and a tiny remainder can round (over/underflow).

import {
  xRaise, xRC, setR, rSE, rSig, classify, unpackA, unpackB, aSign, aExp, aSig, bSign, bExp, bSig,
  invalid, propagateNaN, quietNaN, isNaNClass, roundToReg, xSetC1, denA, denB,
  K_ZERO, K_NORMAL, K_DENORMAL, K_INF, K_QNAN, K_SNAN, K_UNSUPPORTED, X_IE, X_DE, X_ZE, X_PE,
} from './x87_math';
import { fromInt, roundToIntMag, roundInexact, roundUp } from './x87_conv';

const J: u64 = 0x8000000000000000;

// ---- comparisons ------------------------------------------------------------------------------
export const CMP_GT = 0;
export const CMP_LT = 1;
export const CMP_EQ = 2;
export const CMP_UN = 3;

/**
 * a ? b. NaNs (and unsupported formats) are unordered: IE for any NaN (FCOM, FCOMI, FICOM,
 * FTST) or for an SNaN only (quiet: FUCOM, FUCOMI). Denormals raise DE.
 */
export function fcompare(ase: u32, asig: u64, bse: u32, bsig: u64, quiet: bool): i32 {
  const ka = classify(ase, asig), kb = classify(bse, bsig);
  if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED) { xRaise(X_IE); return CMP_UN; }
  if (isNaNClass(ka) || isNaNClass(kb)) {
    if (!quiet || ka == K_SNAN || kb == K_SNAN) xRaise(X_IE);
    return CMP_UN;
  }
  if (denA(ka) || denB(kb)) xRaise(X_DE);
  if (ka == K_ZERO && kb == K_ZERO) return CMP_EQ;
  const sa = ka == K_ZERO ? (bse >> 15) ^ 1 : ase >> 15;  // a zero sorts against the other's sign
  const sb = kb == K_ZERO ? (ase >> 15) ^ 1 : bse >> 15;
  if (sa != sb) return sa ? CMP_LT : CMP_GT;
  if (ka == K_ZERO) return sa ? CMP_GT : CMP_LT;  // 0 vs negative: greater; vs positive: less
  if (kb == K_ZERO) return sa ? CMP_LT : CMP_GT;
  // same sign, both nonzero: order by (effective exponent, significand); a pseudo-denormal
  // equals the normal with exponent 1, so exponent 0 counts as 1
  const ea = max<u32>(ase & 0x7fff, 1), eb = max<u32>(bse & 0x7fff, 1);
  let mag = 0; // −1, 0, 1: |a| vs |b|
  if (ea != eb) mag = ea < eb ? -1 : 1;
  else if (asig != bsig) mag = asig < bsig ? -1 : 1;
  if (mag == 0) return CMP_EQ;
  return (mag > 0) != (sa != 0) ? CMP_GT : CMP_LT;
}

/** C3 C2 C0 for a comparison result, as FSW bits (C0 = 0x100, C2 = 0x400, C3 = 0x4000). */
export function cmpCodes(r: i32): u32 {
  if (r == CMP_GT) return 0;
  if (r == CMP_LT) return 0x100;
  if (r == CMP_EQ) return 0x4000;
  return 0x4500;
}

/** FXAM's C3 C2 C0 (and C1 = sign) for a register, as FSW bits. */
export function fxamCodes(se: u32, sig: u64, empty: bool): u32 {
  const c1: u32 = (se >> 15) << 9;
  if (empty) return c1 | 0x4100;
  switch (classify(se, sig)) {
    case K_UNSUPPORTED: return c1;
    case K_QNAN: case K_SNAN: return c1 | 0x100;
    case K_NORMAL: return c1 | 0x400;
    case K_INF: return c1 | 0x500;
    case K_ZERO: return c1 | 0x4000;
    default: return c1 | 0x4400; // denormal
  }
}

// ---- FRNDINT ----------------------------------------------------------------------------------
export function frndint(se: u32, sig: u64): void {
  const k = classify(se, sig);
  if (k == K_UNSUPPORTED) { invalid(); return; }
  if (isNaNClass(k)) { quietNaN(se, sig, k); return; }
  if (k == K_ZERO || k == K_INF) { setR(se, sig); return; }
  if (k == K_DENORMAL) xRaise(X_DE);
  unpackA(se, sig);
  if (aExp >= 63) { setR(se, sig); return; }
  const mag = roundToIntMag(aSign, aExp, aSig, xRC);
  if (roundInexact) xRaise(X_PE);
  xSetC1(roundUp ? 1 : 0);
  if (mag == 0) { setR(aSign << 15, 0); return; }
  fromInt(<i64>mag);  // mag ≤ 2^63: read as unsigned by fromInt's negation rule
  if (mag == J) setR(16383 + 63, J);
  rSE |= aSign << 15;
}

// ---- FSCALE -----------------------------------------------------------------------------------
/** ST0 × 2^trunc(ST1) (a = ST0, b = ST1). */
export function fscale(ase: u32, asig: u64, bse: u32, bsig: u64): void {
  const ka = classify(ase, asig), kb = classify(bse, bsig);
  if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED) { invalid(); return; }
  if (isNaNClass(ka) || isNaNClass(kb)) { propagateNaN(ase, asig, ka, bse, bsig, kb); return; }
  if (ka == K_DENORMAL || kb == K_DENORMAL) xRaise(X_DE);
  if (kb == K_INF) {
    const bneg = (bse >> 15) != 0;
    if (ka == K_ZERO) { if (!bneg) invalid(); else setR(ase, asig); return; }
    if (ka == K_INF) { if (bneg) invalid(); else setR(ase, asig); return; }
    if (bneg) setR(ase & 0x8000, 0); else setR((ase & 0x8000) | 0x7fff, J);
    return;
  }
  if (ka == K_ZERO || ka == K_INF) { setR(ase, asig); return; }
  let n: i32 = 0;
  if (kb != K_ZERO) {
    unpackB(bse, bsig);
    // |ST1| ≥ 2^16 scales past every finite result: clamp so the exponent arithmetic stays in range
    if (bExp >= 16) n = 0x10000;
    else if (bExp >= 0) n = <i32>(bSig >> <u64>(63 - bExp));
    if (bSign) n = -n;
  }
  unpackA(ase, asig);
  roundToReg(aSign, aExp + n, aSig, 0, 64);
}

// ---- FXTRACT ----------------------------------------------------------------------------------
/** FXTRACT's exponent part (pushed below the significand): se/sig. */
export let xtExpSE: u32 = 0;
export let xtExpSig: u64 = 0;

/** Splits a into exponent (xtExp*) and significand (rSE/rSig). */
export function fxtract(se: u32, sig: u64): void {
  const k = classify(se, sig);
  if (k == K_UNSUPPORTED) { invalid(); xtExpSE = rSE; xtExpSig = rSig; return; }
  if (isNaNClass(k)) { quietNaN(se, sig, k); xtExpSE = rSE; xtExpSig = rSig; return; }
  if (k == K_ZERO) {
    xRaise(X_ZE);
    xtExpSE = 0xffff; xtExpSig = J;   // −∞
    setR(se, 0);
    return;
  }
  if (k == K_INF) { xtExpSE = 0x7fff; xtExpSig = J; setR(se, sig); return; }
  if (k == K_DENORMAL) xRaise(X_DE);
  unpackA(se, sig);
  fromInt(<i64>aExp);
  xtExpSE = rSE; xtExpSig = rSig;
  setR((aSign << 15) | 16383, aSig);
}

// ---- FPREM / FPREM1 ---------------------------------------------------------------------------
/** The quotient bits and completion flag FPREM leaves in FSW (C0 C1 C2 C3 bits). */
export let premCodes: u32 = 0;

/**
 * ST0 rem ST1 (a = ST0, b = ST1): the quotient truncated (FPREM) or rounded to nearest even
 * (FPREM1). An exponent difference D ≥ 64 reduces partially, by N = 32 + D mod 32 bits with a
 * truncated quotient, and sets C2 (the host's choice of N; the SDM allows 32..63).
 */
/** Set when FPREM's result is a NaN: C2 is cleared and C0/C3 stay. */
export let premNaN = false;
export function fprem(ase: u32, asig: u64, bse: u32, bsig: u64, nearest: bool): void {
  premCodes = 0;
  premNaN = true;
  const ka = classify(ase, asig), kb = classify(bse, bsig);
  if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED) { invalid(); return; }
  if (isNaNClass(ka) || isNaNClass(kb)) { propagateNaN(ase, asig, ka, bse, bsig, kb); return; }
  if (ka == K_INF || kb == K_ZERO) { invalid(); return; }
  premNaN = false;
  if (ka == K_DENORMAL || kb == K_DENORMAL) xRaise(X_DE);
  if (ka == K_ZERO) { setR(ase, asig); return; }
  unpackA(ase, asig);
  if (kb == K_INF) { finishRem(aSign, aExp, aSig); return; } // renormalized, like |a| < |b| below
  unpackB(bse, bsig);
  const d = aExp - bExp;
  if (d < 0) {
    // |a| < |b|: the quotient is 0, except FPREM1 rounds it to 1 when |a| > |b|/2 (d == −1)
    // the dividend comes back renormalized (a pseudo-denormal gets exponent 1)
    if (!nearest || d < -1 || aSig <= bSig) { finishRem(aSign, aExp, aSig); return; }
    premCodes = 0x200; // C1 = q0
    finishRem(aSign ^ 1, aExp, bSig - aSig + bSig); // r = b − a at a's scale: 2·bSig − aSig < 2^64
    return;
  }
  if (d >= 64) {
    const n = 32 + (d & 31);
    premCodes = 0x400; // C2: incomplete; the quotient bits are left 0
    finishRem(aSign, aExp - n, longDivRem(aSig, bSig, n));
    return;
  }
  let r = longDivRem(aSig, bSig, d);
  let q = remQuot;
  let sign = aSign;
  if (nearest) {
    const twoHi = r >> 63, two = r << 1;
    const gt = twoHi != 0 || two > bSig;
    if (gt || (two == bSig && twoHi == 0 && (q & 1) != 0)) { q++; sign ^= 1; r = bSig - r; }
  }
  premCodes = (<u32>((q >> 2) & 1) << 8) | (<u32>((q >> 1) & 1) << 14) | (<u32>(q & 1) << 9);
  finishRem(sign, bExp, r);
}

/** The quotient of the last longDivRem. */
let remQuot: u64 = 0;
/** (x · 2^n) mod y and the quotient (remQuot) for normalized x, y and 0 ≤ n ≤ 63. */
function longDivRem(x: u64, y: u64, n: i32): u64 {
  let r = x;
  let q: u64 = 0;
  if (r >= y) { r -= y; q = 1; }
  for (let i = 0; i < n; i++) {
    const carry = (r >> 63) != 0;
    r <<= 1;
    const bit = carry || r >= y;
    if (bit) r -= y;
    q = (q << 1) | (bit ? 1 : 0);
  }
  remQuot = q;
  return r;
}

function finishRem(sign: u32, base: i32, r: u64): void {
  if (r == 0) { setR(sign << 15, 0); return; }
  const lz = <i32>clz(r);
  roundToReg(sign, base - lz, r << <u64>lz, 0, 64); // exact; a tiny result may still underflow
}

