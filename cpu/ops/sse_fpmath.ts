// IEEE 754 binary32/binary64 arithmetic with x86 SSE semantics (SDM vol. 1 §4.8, §10.2.3,
// §11.5): MXCSR rounding modes, DAZ and FTZ, sticky exception flags, and x86's NaN rules.
// wasm's float ops round to nearest only and leave NaN payloads unspecified, so results are
// computed here on integer significands (a small softfloat) and rounded once by roundPack; the
// common case (default MXCSR, normal numbers) takes wasm's arithmetic through the fast paths.
// Values travel as raw bits (u64; binary32 in the low 32 bits) selected by `dbl`.

import { raiseFault } from '../state';
import { EXIT_XM } from '../shared/exit';
import {
  getMxcsr, setMxcsr, MX_IE, MX_DE, MX_ZE, MX_OE, MX_UE, MX_PE, MX_DAZ, MX_FTZ, MX_MASK_SHIFT,
  MX_RC_SHIFT, RC_NEAREST, RC_DOWN, RC_UP, RC_ZERO, MXCSR_DEFAULT,
} from './sse_common';

// ---- the per-instruction environment ------------------------------------------------------
/** Exception flags raised by the current instruction (MX_* bits), merged by fpEnd(). */
export let fpFlags: u32 = 0;
let fpRound: u32 = RC_NEAREST;
let fpDaz = false;
let fpFtz = false;          // FTZ applies only while underflow is masked (SDM §10.2.3.3)
let fpUnmaskedUE = false;
let fpUnmaskedOE = false;
let fpFast = false;         // MXCSR's controls at their defaults: the fast paths below apply

/** Loads rounding control, DAZ and FTZ from MXCSR; call before any arithmetic of an instruction. */
export function fpBegin(): void {
  const m = getMxcsr();
  fpFlags = 0;
  fpRound = (m >> MX_RC_SHIFT) & 3;
  fpDaz = (m & MX_DAZ) != 0;
  fpUnmaskedUE = (m & (MX_UE << MX_MASK_SHIFT)) == 0;
  fpUnmaskedOE = (m & (MX_OE << MX_MASK_SHIFT)) == 0;
  fpFtz = (m & MX_FTZ) != 0 && !fpUnmaskedUE;
  fpFast = (m & 0xffc0) == MXCSR_DEFAULT;
}

/** Raises MX_* flags for the current instruction (handlers outside this file: ROUND*). */
export function fpRaise(f: u32): void { fpFlags |= f; }

/**
 * Merges the instruction's flags into MXCSR. If one of them is unmasked the instruction raises
 * #XM instead of writing its result (SSE never delivers a partial or scaled result): returns
 * false, and the caller must not write. MXCSR keeps the flags, as the handler must see them.
 */
export function fpEnd(): bool {
  let f = fpFlags;
  if (f == 0) return true;
  const m = getMxcsr();
  const unmasked = f & ~(m >> MX_MASK_SHIFT) & 0x3f;
  if (unmasked == 0) { setMxcsr(m | f); return true; }
  // SDM §11.5.2: an unmasked pre-computation exception (IE, DE, ZE) in any lane stops the
  // instruction before the post-computation checks (OE, UE, PE) of every lane are made.
  if (unmasked & (MX_IE | MX_DE | MX_ZE)) f &= MX_IE | MX_DE | MX_ZE;
  setMxcsr(m | f);
  raiseFault(EXIT_XM, 0);
  return false;
}

// ---- formats ----------------------------------------------------------------------------------
@inline function fracBits(dbl: bool): i32 { return dbl ? 52 : 23; }
@inline function signShift(dbl: bool): u64 { return dbl ? 63 : 31; }
@inline function expAllOnes(dbl: bool): i32 { return dbl ? 0x7ff : 0xff; }
@inline function quietBit(dbl: bool): u64 { return dbl ? <u64>1 << 51 : <u64>1 << 22; }
@inline function fracMask(dbl: bool): u64 { return (<u64>1 << <u64>fracBits(dbl)) - 1; }

/** The "real indefinite" QNaN an invalid operation returns: sign set, top fraction bit set. */
@inline export function defaultNaN(dbl: bool): u64 { return dbl ? 0xfff8000000000000 : 0xffc00000; }
@inline function packZero(sign: u32, dbl: bool): u64 { return <u64>sign << signShift(dbl); }
@inline function packInf(sign: u32, dbl: bool): u64 {
  return (<u64>sign << signShift(dbl)) | (<u64>expAllOnes(dbl) << <u64>fracBits(dbl));
}
@inline function packMaxFinite(sign: u32, dbl: bool): u64 { return packInf(sign, dbl) - 1; }
@inline export function isNaNBits(a: u64, dbl: bool): bool {
  return dbl ? (a & 0x7fffffffffffffff) > 0x7ff0000000000000 : (a & 0x7fffffff) > 0x7f800000;
}

// ---- unpacking --------------------------------------------------------------------------------
export const C_ZERO = 0;
export const C_FINITE = 1;  // normal, or denormal without DAZ
export const C_INF = 2;
export const C_QNAN = 3;
export const C_SNAN = 4;

// The last unpacked operand. A finite value is uSig × 2^(uExp − 62) with uSig in [2^62, 2^63).
let uSign: u32 = 0;
let uExp: i32 = 0;
let uSig: u64 = 0;
let uDenormal = false;      // a denormal input (and not flushed by DAZ): the DE flag's business

function unpack(a: u64, dbl: bool): i32 {
  const fb = fracBits(dbl);
  uSign = <u32>(a >> signShift(dbl)) & 1;
  uDenormal = false;
  const e = <i32>(a >> <u64>fb) & expAllOnes(dbl);
  const m = a & fracMask(dbl);
  if (e == expAllOnes(dbl)) {
    if (m == 0) return C_INF;
    return (m & quietBit(dbl)) ? C_QNAN : C_SNAN;
  }
  const bias = dbl ? 1023 : 127;
  if (e == 0) {
    if (m == 0 || fpDaz) return C_ZERO;   // DAZ: a denormal source reads as zero of its sign
    const lz = <i32>clz(m);
    uSig = m << <u64>(lz - 1);
    uExp = 64 - bias - fb - lz;
    uDenormal = true;
    return C_FINITE;
  }
  uSig = (m | (<u64>1 << <u64>fb)) << <u64>(62 - fb);
  uExp = e - bias;
  return C_FINITE;
}

/** A NaN operand's result (SDM Table 4-7): the first source if it is a NaN, else the second, quieted. */
@inline function propagateNaN(a: u64, ca: i32, b: u64, cb: i32, dbl: bool): u64 {
  if (ca == C_SNAN || cb == C_SNAN) fpFlags |= MX_IE;
  return (ca >= C_QNAN ? a : b) | quietBit(dbl);
}
@inline function invalid(dbl: bool): u64 { fpFlags |= MX_IE; return defaultNaN(dbl); }

// ---- rounding ---------------------------------------------------------------------------------
/** 0 or 1: whether magnitude q with dropped bits rem (half = the weight of the first dropped bit) rounds up. */
@inline function roundInc(mode: u32, q: u64, rem: u64, half: u64, sign: u32): u64 {
  if (rem == 0) return 0;
  if (mode == RC_NEAREST) return (rem > half || (rem == half && (q & 1) != 0)) ? 1 : 0;
  if (mode == RC_DOWN) return <u64>sign;
  if (mode == RC_UP) return <u64>(sign ^ 1);
  return 0;
}

@inline function shiftRightJam(x: u64, n: i32): u64 {
  if (n <= 0) return x;
  if (n >= 63) return x != 0 ? 1 : 0;
  return (x >> <u64>n) | ((x << <u64>(64 - n)) != 0 ? 1 : 0);
}

/**
 * Rounds sign × sig × 2^(exp − 62) (sig ≠ 0, any normalization, bit 0 sticky) to the format
 * and packs it, raising PE, UE, OE. x86 detects tininess after rounding; FTZ (with UM masked)
 * turns a tiny result into a signed zero with UE and PE, exact or not.
 */
function roundPack(sign: u32, exp: i32, sig: u64, dbl: bool): u64 {
  const lz = <i32>clz(sig);
  if (lz == 0) { sig = (sig >> 1) | (sig & 1); exp++; }
  else if (lz > 1) { sig <<= <u64>(lz - 1); exp -= lz - 1; }
  const p = dbl ? 53 : 24;
  const drop = 63 - p;
  const mask = (<u64>1 << <u64>drop) - 1;
  const half = <u64>1 << <u64>(drop - 1);
  const emin = dbl ? -1022 : -126;
  // An unmasked OE or UE reports PE only if rounding to p bits with an unbounded exponent was
  // inexact (what the exception handler's rescaled result would be); as measured on the host.
  const inexactUnbounded = (sig & mask) != 0;
  let tiny = false;
  if (exp < emin) {
    tiny = true;
    if (exp == emin - 1) {
      const q0 = sig >> <u64>drop;
      if (((q0 + roundInc(fpRound, q0, sig & mask, half, sign)) >> <u64>p) != 0) tiny = false;
    }
    if (tiny && fpFtz) { fpFlags |= MX_UE | MX_PE; return packZero(sign, dbl); }
    sig = shiftRightJam(sig, emin - exp);
    exp = emin;
  }
  const rem = sig & mask;
  let q = (sig >> <u64>drop) + roundInc(fpRound, sig >> <u64>drop, rem, half, sign);
  if ((q >> <u64>p) != 0) { q >>= 1; exp++; }
  if (exp > (dbl ? 1023 : 127)) {
    // Unmasked: #XM follows and nothing is written, so the value returned does not matter.
    if (fpUnmaskedOE) { fpFlags |= inexactUnbounded ? MX_OE | MX_PE : MX_OE; return 0; }
    fpFlags |= MX_OE | MX_PE;
    const toInf = fpRound == RC_NEAREST || (fpRound == RC_UP && sign == 0) || (fpRound == RC_DOWN && sign != 0);
    return toInf ? packInf(sign, dbl) : packMaxFinite(sign, dbl);
  }
  if (tiny && fpUnmaskedUE) fpFlags |= inexactUnbounded ? MX_UE | MX_PE : MX_UE;
  else if (rem != 0) fpFlags |= tiny ? MX_PE | MX_UE : MX_PE;
  const biased = (q >> <u64>(p - 1)) != 0 ? exp + (dbl ? 1023 : 127) : 0;
  return (<u64>sign << signShift(dbl)) | (<u64>biased << <u64>fracBits(dbl)) | (q & fracMask(dbl));
}

// ---- 64×64 → 128 multiply ------------------------------------------------------------------
let mulHi: u64 = 0;
/** Returns the low 64 bits of a × b; the high 64 bits go to mulHi. */
function mul128(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  mulHi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (mid << 32) | (p00 & 0xffffffff);
}

// ---- fast paths --------------------------------------------------------------------------------
// With MXCSR's controls at their defaults (round to nearest, no DAZ or FTZ, all exceptions
// masked), normal operands and a normal result at least twice the smallest normal (so neither
// tininess nor overflow is possible), wasm's own arithmetic gives the x86 result bit for bit; only
// PE needs work: an error-free transformation (add) or the exact integer product (mul, div)
// tells whether the result is exact. binary32 runs in binary64 and rounds once more: double
// rounding is harmless for + − × ÷ when 53 ≥ 2·24 + 2 (Figueroa, 1995). Anything else goes to
// the softfloat below. NO_FAST (an SNaN, never an arithmetic result) means "not applicable".
const NO_FAST: u64 = 0x7ff0000000000001;
const FRAC52: u64 = 0xfffffffffffff;
const HIDDEN52: u64 = 0x10000000000000;

@inline function normal64(x: u64): bool { return ((x >> 52) & 0x7ff) - 1 < 0x7fe; }
@inline function safe64(x: u64): bool { return ((x >> 52) & 0x7ff) - 2 < 0x7fd; }
@inline function normal32(x: u64): bool { return ((x >> 23) & 0xff) - 1 < 0xfe; }
@inline function safe32(x: u64): bool { return ((x >> 23) & 0xff) - 2 < 0xfd; }
@inline function f32of(x: u64): f64 { return <f64>reinterpret<f32>(<u32>x); }

function fastAdd(a: u64, b: u64, dbl: bool): u64 {
  if (dbl) {
    if (!normal64(a) || !normal64(b)) return NO_FAST;
    const x = reinterpret<f64>(a), y = reinterpret<f64>(b);
    const s = x + y;
    const r = reinterpret<u64>(s);
    if (!safe64(r)) return NO_FAST;
    const bb = s - x;                                   // TwoSum (Knuth): the exact error
    if ((x - (s - bb)) + (y - bb) != 0) fpFlags |= MX_PE;
    return r;
  }
  if (!normal32(a) || !normal32(b)) return NO_FAST;
  const x = f32of(a), y = f32of(b);
  const s = x + y;
  const f = <f32>s;
  const r = <u64>reinterpret<u32>(f);
  if (!safe32(r)) return NO_FAST;
  const bb = s - x;
  if (<f64>f != s || (x - (s - bb)) + (y - bb) != 0) fpFlags |= MX_PE;
  return r;
}

function fastMul(a: u64, b: u64, dbl: bool): u64 {
  if (dbl) {
    if (!normal64(a) || !normal64(b)) return NO_FAST;
    const r = reinterpret<u64>(reinterpret<f64>(a) * reinterpret<f64>(b));
    if (!safe64(r)) return NO_FAST;
    // The 105- or 106-bit product of the significands keeps its top 53 bits.
    const lo = mul128((a & FRAC52) | HIDDEN52, (b & FRAC52) | HIDDEN52);
    if ((lo & ((mulHi >> 41) != 0 ? 0x1fffffffffffff : FRAC52)) != 0) fpFlags |= MX_PE;
    return r;
  }
  if (!normal32(a) || !normal32(b)) return NO_FAST;
  const p = f32of(a) * f32of(b);                       // exact: 48 bits
  const f = <f32>p;
  const r = <u64>reinterpret<u32>(f);
  if (!safe32(r)) return NO_FAST;
  if (<f64>f != p) fpFlags |= MX_PE;
  return r;
}

function fastDiv(a: u64, b: u64, dbl: bool): u64 {
  if (dbl) {
    if (!normal64(a) || !normal64(b)) return NO_FAST;
    const r = reinterpret<u64>(reinterpret<f64>(a) / reinterpret<f64>(b));
    if (!safe64(r)) return NO_FAST;
    // Exact iff quotient × divisor reproduces the dividend: as significands, q·b == a·2^s.
    const ma = (a & FRAC52) | HIDDEN52;
    const lo = mul128((r & FRAC52) | HIDDEN52, (b & FRAC52) | HIDDEN52);
    const sh: u64 = (mulHi >> 41) != 0 ? 53 : 52;
    if (mulHi != (ma >> (64 - sh)) || lo != (ma << sh)) fpFlags |= MX_PE;
    return r;
  }
  if (!normal32(a) || !normal32(b)) return NO_FAST;
  const x = f32of(a), y = f32of(b);
  const f = <f32>(x / y);
  const r = <u64>reinterpret<u32>(f);
  if (!safe32(r)) return NO_FAST;
  if (<f64>f * y != x) fpFlags |= MX_PE;                // the product is exact: 48 bits
  return r;
}

// ---- arithmetic ---------------------------------------------------------------------------------
/** a + b, or a − b with `negB` (the sign flips after NaN selection, so NaNs pass unchanged). */
export function fAdd(a: u64, b: u64, dbl: bool, negB: bool): u64 {
  if (fpFast) {
    const r = fastAdd(a, negB ? b ^ (<u64>1 << signShift(dbl)) : b, dbl);
    if (r != NO_FAST) return r;
  }
  const ca = unpack(a, dbl);
  let sa = uSign; const ea = uExp; let ma = uSig; const da = uDenormal;
  const cb = unpack(b, dbl);
  let sb = uSign; const eb = uExp; let mb = uSig; const db = uDenormal;
  if (ca >= C_QNAN || cb >= C_QNAN) return propagateNaN(a, ca, b, cb, dbl);
  if (negB) sb ^= 1;
  if (da || db) fpFlags |= MX_DE;
  if (ca == C_INF) {
    if (cb == C_INF && sa != sb) return invalid(dbl);
    return packInf(sa, dbl);
  }
  if (cb == C_INF) return packInf(sb, dbl);
  if (cb == C_ZERO) {
    // x + ±0 = x; ±0 + ±0 is −0 only if both are −0 (or their sum is an exact zero rounded down)
    if (ca == C_ZERO) return packZero(sa == sb ? sa : (fpRound == RC_DOWN ? 1 : 0), dbl);
    return roundPack(sa, ea, ma, dbl);
  }
  if (ca == C_ZERO) return roundPack(sb, eb, mb, dbl);
  // Align at bit 61 (one bit of headroom for the carry); the smaller operand keeps a sticky bit.
  ma >>= 1; mb >>= 1;
  let exp = ea;
  if (ea > eb) mb = shiftRightJam(mb, ea - eb);
  else if (eb > ea) { ma = shiftRightJam(ma, eb - ea); exp = eb; }
  let sig: u64;
  let sign = sa;
  if (sa == sb) sig = ma + mb;
  else if (ma >= mb) sig = ma - mb;
  else { sig = mb - ma; sign = sb; }
  if (sig == 0) return packZero(fpRound == RC_DOWN ? 1 : 0, dbl); // exact cancellation
  return roundPack(sign, exp + 1, sig, dbl);
}

export function fMul(a: u64, b: u64, dbl: bool): u64 {
  if (fpFast) { const r = fastMul(a, b, dbl); if (r != NO_FAST) return r; }
  const ca = unpack(a, dbl);
  const sa = uSign; const ea = uExp; const ma = uSig; const da = uDenormal;
  const cb = unpack(b, dbl);
  const sb = uSign; const eb = uExp; const mb = uSig; const db = uDenormal;
  if (ca >= C_QNAN || cb >= C_QNAN) return propagateNaN(a, ca, b, cb, dbl);
  const sign = sa ^ sb;
  if (ca == C_INF || cb == C_INF) {
    if (ca == C_ZERO || cb == C_ZERO) return invalid(dbl);
    if (da || db) fpFlags |= MX_DE;
    return packInf(sign, dbl);
  }
  if (da || db) fpFlags |= MX_DE;
  if (ca == C_ZERO || cb == C_ZERO) return packZero(sign, dbl);
  if (dbl) {
    // 53-bit significands: a 106-bit product, kept as its top 64 bits plus a sticky bit.
    const lo = mul128(ma >> 10, mb >> 10);
    const sig = (mulHi << 22) | (lo >> 42) | ((lo & 0x3ffffffffff) != 0 ? 1 : 0);
    return roundPack(sign, ea + eb, sig, true);
  }
  return roundPack(sign, ea + eb + 16, (ma >> 39) * (mb >> 39), false);
}

export function fDiv(a: u64, b: u64, dbl: bool): u64 {
  if (fpFast) { const r = fastDiv(a, b, dbl); if (r != NO_FAST) return r; }
  const ca = unpack(a, dbl);
  const sa = uSign; const ea = uExp; const ma = uSig; const da = uDenormal;
  const cb = unpack(b, dbl);
  const sb = uSign; const eb = uExp; const mb = uSig; const db = uDenormal;
  if (ca >= C_QNAN || cb >= C_QNAN) return propagateNaN(a, ca, b, cb, dbl);
  const sign = sa ^ sb;
  if (ca == C_INF) {
    if (cb == C_INF) return invalid(dbl);
    if (db) fpFlags |= MX_DE;
    return packInf(sign, dbl);
  }
  if (cb == C_ZERO) {
    if (ca == C_ZERO) return invalid(dbl);
    // Divide-by-zero outranks the denormal flag of the dividend (as measured on the host).
    fpFlags |= MX_ZE;
    return packInf(sign, dbl);
  }
  if (da || db) fpFlags |= MX_DE;
  if (cb == C_INF || ca == C_ZERO) return packZero(sign, dbl);
  if (dbl) {
    // Long division, 11 quotient bits per hardware divide: the remainder stays below 2^53.
    const y = mb >> 10;
    let r = ma >> 10;
    let q: u64 = 0;
    for (let i = 0; i < 5; i++) {
      r <<= 11;
      q = (q << 11) | (r / y);
      r %= y;
    }
    return roundPack(sign, ea - eb + 7, q | (r != 0 ? 1 : 0), true);
  }
  const x = (ma >> 39) << 39, y = mb >> 39;
  return roundPack(sign, ea - eb + 23, (x / y) | ((x % y) != 0 ? 1 : 0), false);
}

/**
 * sqrt: wasm's sqrt is correctly rounded to nearest, and a square root is never tiny nor huge,
 * so the nearest result is taken from it; whether it lies above or below the exact root
 * (for PE and the directed modes) comes from comparing its exact square with the operand.
 */
export function fSqrt(a: u64, dbl: bool): u64 {
  const ca = unpack(a, dbl);
  if (ca >= C_QNAN) { if (ca == C_SNAN) fpFlags |= MX_IE; return a | quietBit(dbl); }
  if (ca == C_ZERO) return packZero(uSign, dbl);        // sqrt(−0) = −0; DAZ keeps the sign
  if (uSign != 0) return invalid(dbl);
  if (ca == C_INF) return a;
  if (uDenormal) fpFlags |= MX_DE;
  let cmp: i32;   // sign of (result² − a)
  let r: u64;
  if (dbl) {
    const ea = uExp, ma = uSig >> 10;
    r = reinterpret<u64>(Math.sqrt(reinterpret<f64>(a)));
    unpack(r, true);
    const x = uSig >> 10;
    const lo = mul128(x, x);
    const hi = mulHi;
    const k = ea - 2 * uExp + 52;                      // a in units of the square's last bit
    const ahi = ma >> <u64>(64 - k), alo = ma << <u64>k;
    cmp = hi > ahi ? 1 : hi < ahi ? -1 : lo > alo ? 1 : lo < alo ? -1 : 0;
  } else {
    const av = <f64>reinterpret<f32>(<u32>a);
    const s = <f32>Math.sqrt(av);                       // double rounding is exact here (53 ≥ 2·24+2)
    const sq = <f64>s * <f64>s;                         // exact: 48 bits
    r = <u64>reinterpret<u32>(s);
    cmp = sq > av ? 1 : sq < av ? -1 : 0;
  }
  if (cmp != 0) {
    fpFlags |= MX_PE;
    if (cmp > 0 && (fpRound == RC_DOWN || fpRound == RC_ZERO)) r--;
    else if (cmp < 0 && fpRound == RC_UP) r++;
  }
  return r;
}

// ---- comparisons ----------------------------------------------------------------------------
export const REL_LT = 0;
export const REL_EQ = 1;
export const REL_GT = 2;
export const REL_UN = 3;

/**
 * Orders a and b after DAZ. `signalQNaN`: a QNaN operand raises IE too (COMIS, the ordered
 * CMP predicates, MIN/MAX); SNaNs always do. DE is raised only when no operand is a NaN.
 */
export function fCompare(a: u64, b: u64, dbl: bool, signalQNaN: bool): i32 {
  const ca = unpack(a, dbl);
  const sa = uSign; const ea = uExp; const ma = uSig; const da = uDenormal;
  const cb = unpack(b, dbl);
  const sb = uSign; const eb = uExp; const mb = uSig; const db = uDenormal;
  if (ca >= C_QNAN || cb >= C_QNAN) {
    if (signalQNaN || ca == C_SNAN || cb == C_SNAN) fpFlags |= MX_IE;
    return REL_UN;
  }
  if (da || db) fpFlags |= MX_DE;
  if (ca == C_ZERO && cb == C_ZERO) return REL_EQ;
  // Magnitude order of (class, exponent, significand), then the signs.
  let mag: i32;
  if (ca != cb) mag = ca == C_ZERO ? -1 : cb == C_ZERO ? 1 : ca < cb ? -1 : 1;
  else if (ca == C_INF) mag = 0;
  else mag = ea < eb ? -1 : ea > eb ? 1 : ma < mb ? -1 : ma > mb ? 1 : 0;
  const za = ca == C_ZERO, zb = cb == C_ZERO;
  if (!za && !zb && sa != sb) return sa ? REL_LT : REL_GT;
  if (za) return sb ? REL_GT : REL_LT;
  if (zb) return sa ? REL_LT : REL_GT;
  if (mag == 0) return REL_EQ;
  return (mag < 0) != (sa != 0) ? REL_LT : REL_GT;
}

/**
 * MIN/MAX (SDM MINPS): a if a < b (a > b for max), else b — so b when either is a NaN (S or Q,
 * returned unquieted, IE) or both are zeros. A DAZ-flushed denormal comes back as a signed zero.
 */
export function fMinMax(a: u64, b: u64, dbl: bool, isMax: bool): u64 {
  const rel = fCompare(a, b, dbl, true);
  const r = rel == (isMax ? REL_GT : REL_LT) ? a : b;
  // DAZ replaced a denormal source by a zero before the selection.
  if (fpDaz && (r & (dbl ? 0x7ff0000000000000 : 0x7f800000)) == 0) return r & (<u64>1 << signShift(dbl));
  return r;
}

// ---- conversions -------------------------------------------------------------------------------
/** Integer (sign and magnitude) to float, rounded by MXCSR.RC. */
export function fFromInt(sign: u32, mag: u64, dbl: bool): u64 {
  if (mag == 0) return 0;
  return roundPack(sign, 62, mag, dbl);
}
@inline export function fFromI64(v: i64, dbl: bool): u64 {
  return v < 0 ? fFromInt(1, <u64>(-v), dbl) : fFromInt(0, <u64>v, dbl);
}

/**
 * Float to a signed integer of `bits` (32 or 64), rounded by MXCSR.RC or truncated. NaN,
 * infinity and out-of-range values give the integer indefinite (only the sign bit) and IE;
 * in-range inexact results raise PE. No DE: a denormal input is just an inexact zero.
 */
export function fToInt(a: u64, dbl: bool, bits: i32, truncate: bool): u64 {
  const indefinite: u64 = <u64>1 << <u64>(bits - 1);
  const c = unpack(a, dbl);
  if (c >= C_INF) { fpFlags |= MX_IE; return indefinite; }
  if (c == C_ZERO) return 0;
  const sign = uSign, exp = uExp, sig = uSig;
  if (exp > 63) { fpFlags |= MX_IE; return indefinite; }
  const mode = truncate ? RC_ZERO : fpRound;
  let q: u64, rem: u64 = 0, half: u64 = 0;
  const shift = 62 - exp;
  if (shift < 0) q = sig << 1;                                   // exp == 63: |a| ≥ 2^63
  else if (shift >= 64) { q = 0; rem = sig; half = <u64>1 << 63; } // |a| < 1/2
  else if (shift == 0) q = sig;
  else {
    q = sig >> <u64>shift;
    rem = sig & ((<u64>1 << <u64>shift) - 1);
    half = <u64>1 << <u64>(shift - 1);
  }
  if (shift >= 0) q += roundInc(mode, q, rem, half, sign);
  const limit = (<u64>1 << <u64>(bits - 1)) - (sign ? 0 : 1);
  if (q > limit) {
    fpFlags |= MX_IE;
    return indefinite;
  }
  if (rem != 0) fpFlags |= MX_PE;
  const v = sign ? 0 - q : q;
  return bits == 64 ? v : v & 0xffffffff;
}

/** binary32 → binary64: exact; a NaN keeps its payload's top bits and is quieted. */
export function f32To64(a: u64): u64 {
  const c = unpack(a, false);
  const sign = <u64>uSign << 63;
  if (c >= C_QNAN) {
    if (c == C_SNAN) fpFlags |= MX_IE;
    return sign | 0x7ff8000000000000 | ((a & 0x3fffff) << 29);
  }
  if (c == C_INF) return sign | 0x7ff0000000000000;
  if (c == C_ZERO) return sign;
  if (uDenormal) fpFlags |= MX_DE;
  return roundPack(uSign, uExp, uSig, true);
}

/** binary64 → binary32, rounded by MXCSR.RC; a NaN keeps the top 22 payload bits, quieted. */
export function f64To32(a: u64): u64 {
  const c = unpack(a, true);
  const sign = <u64>uSign << 31;
  if (c >= C_QNAN) {
    if (c == C_SNAN) fpFlags |= MX_IE;
    return sign | 0x7fc00000 | ((a >> 29) & 0x3fffff);
  }
  if (c == C_INF) return sign | 0x7f800000;
  if (c == C_ZERO) return sign;
  if (uDenormal) fpFlags |= MX_DE;
  return roundPack(uSign, uExp, uSig, false);
}
