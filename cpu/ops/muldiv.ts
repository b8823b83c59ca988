// Multiplication and division: MUL IMUL (F6/F7 /4 /5, 0F AF, 69, 6B) and DIV IDIV (F6/F7 /6 /7),
// SDM vol. 2 "MUL", "IMUL", "DIV", "IDIV". The 64-bit forms need a 128-bit product and a
// 128-by-64 division, built here from 32-bit halves (wasm has no wider integers). A zero divisor
// or a quotient too large for its register raises #DE before anything is written.

import { d_opsize, d_imm } from '../decode/decoder';
import { readE, readG, writeG } from '../decode/operands';
import { readReg, writeReg, raiseFault, exiting, R_AX, R_DX } from '../state';
import { setAllStatusFlags, szpBits, sizeMask } from './flags';
import { CF, OF } from '../shared/layout';
import { EXIT_DE } from '../shared/exit';

// ---- 128-bit helpers -------------------------------------------------------------------------

/** High half of the last wide multiply or remainder of the last wide divide. */
let wideHi: u64 = 0;

/** a * b as 128 bits: returns the low half, leaves the high half in wideHi. */
function mulWideU(a: u64, b: u64): u64 {
  const aL = a & 0xffffffff, aH = a >> 32;
  const bL = b & 0xffffffff, bH = b >> 32;
  const ll = aL * bL, lh = aL * bH, hl = aH * bL;
  const mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);
  wideHi = aH * bH + (lh >> 32) + (hl >> 32) + (mid >> 32);
  return a * b;
}

/** Signed 64×64 → 128: the unsigned product corrected for each negative factor. */
function mulWideS(a: u64, b: u64): u64 {
  const lo = mulWideU(a, b);
  if (<i64>a < 0) wideHi -= b;
  if (<i64>b < 0) wideHi -= a;
  return lo;
}

/**
 * (hi:lo) / d for hi < d (so the quotient fits 64 bits): returns the quotient, leaves the
 * remainder in wideHi. Long division in base 2^32 with a normalized divisor, where each
 * estimated quotient digit is at most 2 too large (Knuth vol. 2 §4.3.1, algorithm D).
 */
function divWideU(hi: u64, lo: u64, d: u64): u64 {
  if (hi == 0) { wideHi = lo % d; return lo / d; }
  const s = clz<u64>(d);
  const dn = d << s;
  const nHi = s == 0 ? hi : (hi << s) | (lo >> (64 - s));
  const nLo = lo << s;
  const dH = dn >> 32, dL = dn & 0xffffffff;
  const n1 = nLo >> 32, n0 = nLo & 0xffffffff;
  const B: u64 = 0x100000000;

  let q1 = nHi / dH;
  let r = nHi - q1 * dH;
  while (q1 >= B || q1 * dL > ((r << 32) | n1)) {
    q1--; r += dH;
    if (r >= B) break;
  }
  const mid = ((nHi << 32) | n1) - q1 * dn; // < dn: exact in wrapping arithmetic

  let q0 = mid / dH;
  r = mid - q0 * dH;
  while (q0 >= B || q0 * dL > ((r << 32) | n0)) {
    q0--; r += dH;
    if (r >= B) break;
  }
  wideHi = (((mid << 32) | n0) - q0 * dn) >> s;
  return (q1 << 32) | q0;
}

// ---- MUL, IMUL -------------------------------------------------------------------------------

/** CF = OF = `wide`. SF ZF AF PF are undefined: SF ZF PF follow the low result, AF = 0. */
@inline function mulFlags(lo: u64, size: i32, wide: bool): void {
  setAllStatusFlags(szpBits(lo, size) | (wide ? <u64>(CF | OF) : 0));
}

@inline function sext(v: u64, size: i32): i64 {
  const sh = <u64>(64 - (size << 3));
  return <i64>(v << sh) >> sh;
}

/** F6 /4: mul Eb — AX = AL * Eb. */
export function opMulEb(): void {
  const b = readE(1);
  if (exiting) return;
  const p = (readReg(R_AX, 1, 0) * b) & 0xffff;
  mulFlags(p, 1, (p >> 8) != 0);
  writeReg(R_AX, 2, 0, p);
}

/** F6 /5: imul Eb — AX = AL * Eb, signed. */
export function opImulEb(): void {
  const b = readE(1);
  if (exiting) return;
  const p = <u64>(sext(readReg(R_AX, 1, 0), 1) * sext(b, 1)) & 0xffff;
  mulFlags(p, 1, sext(p, 1) != sext(p, 2));
  writeReg(R_AX, 2, 0, p);
}

/** F7 /4 and /5: mul / imul Ev — rDX:rAX = rAX * Ev. */
function mulAcc(signed: bool): void {
  const size = d_opsize;
  const b = readE(size);
  if (exiting) return;
  const a = readReg(R_AX, size, 0);
  let lo: u64, hi: u64;
  if (size == 8) {
    lo = signed ? mulWideS(a, b) : mulWideU(a, b);
    hi = wideHi;
  } else {
    const p = signed ? <u64>(sext(a, size) * sext(b, size)) : a * b;
    const bits = <u64>(size << 3);
    lo = p;
    hi = p >> bits;
  }
  // MUL: the upper half is non-zero; IMUL: the upper half is not the sign extension of the lower.
  const wide = signed ? sext(hi, size) != (sext(lo, size) >> 63) : (hi & sizeMask(size)) != 0;
  mulFlags(lo, size, wide);
  writeReg(R_AX, size, 0, lo);
  writeReg(R_DX, size, 0, hi);
}
export function opMulEv(): void { mulAcc(false); }
export function opImulEv(): void { mulAcc(true); }

/** G = a * b truncated, signed (0F AF, 69, 6B); CF = OF = the product did not fit. */
@inline function imulTrunc(a: u64, b: u64): void {
  writeG(d_opsize, imulValue(d_opsize, a, b));
}
/** a * b truncated to `size`, signed, with IMUL's flags recorded (also the interpreter's fast form). */
@inline export function imulValue(size: i32, a: u64, b: u64): u64 {
  let res: u64;
  let wide: bool;
  if (size == 8) {
    res = mulWideS(a, b);
    wide = <i64>wideHi != (<i64>res >> 63);
  } else {
    const p = sext(a, size) * sext(b, size);
    res = <u64>p;
    wide = p != sext(res, size);
  }
  mulFlags(res, size, wide);
  return res;
}
export function opImulGvEv(): void {
  const b = readE(d_opsize);
  if (exiting) return;
  imulTrunc(readG(d_opsize), b);
}
/** 69 /r iz and 6B /r ib: imul Gv, Ev, imm (the immediate is sign-extended to the size). */
export function opImulGvEvIz(): void {
  const a = readE(d_opsize);
  if (exiting) return;
  imulTrunc(a, d_imm);
}
export function opImulGvEvIb(): void {
  const a = readE(d_opsize);
  if (exiting) return;
  imulTrunc(a, d_imm);
}

// ---- DIV, IDIV -------------------------------------------------------------------------------
// All six status flags are undefined after a division; wasl leaves them as they were.

@inline function divideError(): void { raiseFault(EXIT_DE, 0); }

/** F6 /6: div Eb — AL = AX / Eb, AH = AX % Eb. */
export function opDivEb(): void {
  const d = <u32>readE(1);
  if (exiting) return;
  if (d == 0) { divideError(); return; }
  const n = <u32>readReg(R_AX, 2, 0);
  const q = n / d;
  if (q > 0xff) { divideError(); return; }
  writeReg(R_AX, 2, 0, <u64>(((n % d) << 8) | q));
}

/** F6 /7: idiv Eb — signed; the remainder takes the dividend's sign. */
export function opIdivEb(): void {
  const d = <i32><i8>readE(1);
  if (exiting) return;
  if (d == 0) { divideError(); return; }
  const n = <i32><i16>readReg(R_AX, 2, 0);
  const q = n / d; // |n| < 2^15, so no i32 overflow here
  if (q < -128 || q > 127) { divideError(); return; }
  writeReg(R_AX, 2, 0, <u64>((((n % d) & 0xff) << 8) | (q & 0xff)));
}

/** F7 /6: div Ev — rAX = rDX:rAX / Ev, rDX = remainder. */
export function opDivEv(): void {
  const size = d_opsize;
  const d = readE(size);
  if (exiting) return;
  if (d == 0) { divideError(); return; }
  const lo = readReg(R_AX, size, 0);
  const hi = readReg(R_DX, size, 0);
  let q: u64, r: u64;
  if (size == 8) {
    if (hi >= d) { divideError(); return; } // the quotient would need more than 64 bits
    q = divWideU(hi, lo, d);
    r = wideHi;
  } else {
    const bits = <u64>(size << 3);
    const n = (hi << bits) | lo;
    q = n / d;
    r = n % d;
    if ((q >> bits) != 0) { divideError(); return; }
  }
  writeReg(R_AX, size, 0, q);
  writeReg(R_DX, size, 0, r);
}

/** F7 /7: idiv Ev — signed rDX:rAX / Ev; the quotient must fit the signed size. */
export function opIdivEv(): void {
  const size = d_opsize;
  const dv = readE(size);
  if (exiting) return;
  if (dv == 0) { divideError(); return; }
  let q: i64, r: i64;
  if (size == 8) {
    const lo = readReg(R_AX, 8, 0);
    const hi = readReg(R_DX, 8, 0);
    const d = <i64>dv;
    if (<i64>hi == (<i64>lo >> 63)) {
      // The dividend fits 64 bits: native division, except the one quotient that overflows it.
      if (lo == 0x8000000000000000 && d == -1) { divideError(); return; }
      q = <i64>lo / d;
      r = <i64>lo % d;
    } else {
      const negN = <i64>hi < 0;
      let aHi = hi, aLo = lo;
      if (negN) { aLo = <u64>0 - lo; aHi = ~hi + <u64>(lo == 0 ? 1 : 0); }
      const aD = d < 0 ? <u64>0 - dv : dv;
      if (aHi >= aD) { divideError(); return; }
      const uq = divWideU(aHi, aLo, aD);
      const ur = wideHi;
      const negQ = negN != (d < 0);
      if (uq > (negQ ? <u64>0x8000000000000000 : <u64>0x7fffffffffffffff)) { divideError(); return; }
      q = negQ ? -<i64>uq : <i64>uq;
      r = negN ? -<i64>ur : <i64>ur;
    }
  } else {
    const bits = <u64>(size << 3);
    const d = sext(dv, size);
    const n = sext((readReg(R_DX, size, 0) << bits) | readReg(R_AX, size, 0), size * 2);
    if (n == <i64>0x8000000000000000 && d == -1) { divideError(); return; } // only 32-bit can reach it
    q = n / d;
    r = n % d;
    const lim = <i64>1 << (<i64>bits - 1);
    if (q < -lim || q >= lim) { divideError(); return; }
  }
  writeReg(R_AX, size, 0, <u64>q);
  writeReg(R_DX, size, 0, <u64>r);
}
