// x87 transcendentals (SDM vol. 2 FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1):
// special operands exactly as the SDM's tables give them; finite results from series evaluated
// in a 128-bit-significand "wide" format, then rounded once by RC (within 1 ulp of the host,
// whose results are model-specific; docs/quirks.md). Arguments of FSIN/FCOS/FSINCOS/FPTAN are
// reduced exactly against the 66-bit π the hardware uses, so huge arguments agree too.

import {
  xRaise, setR, rSE, rSig, classify, unpackA, aSign, aExp, aSig, invalid, propagateNaN, quietNaN, isNaNClass,
  roundToReg, mul64, lo128, shiftRightJam128, jamLo,
  K_ZERO, K_DENORMAL, K_INF, K_UNSUPPORTED, X_DE, X_ZE, X_PE,
} from './x87_math';

const J: u64 = 0x8000000000000000;

// ---- the wide format --------------------------------------------------------------------------
// Registers in static memory (the core allocates nothing): value = ±(hi + lo/2^64) × 2^(exp−63)
// with hi normalized, or zero. Arithmetic truncates at 128 bits (error ≤ 2^-126 relative per op).
const NREG = 12;
const W = memory.data(32 * NREG);
@inline function wp(r: i32): usize { return W + (<usize>r << 5); }
@inline function wHi(r: i32): u64 { return load<u64>(wp(r)); }
@inline function wLo(r: i32): u64 { return load<u64>(wp(r), 8); }
@inline function wExp(r: i32): i32 { return load<i32>(wp(r), 16); }
@inline function wSign(r: i32): u32 { return load<u32>(wp(r), 20); }
@inline function wZero(r: i32): bool { return load<u64>(wp(r)) == 0; }
@inline function wRaw(r: i32, sign: u32, exp: i32, hi: u64, lo: u64): void {
  const p = wp(r);
  store<u64>(p, hi); store<u64>(p, lo, 8); store<i32>(p, exp, 16); store<u32>(p, sign, 20);
}
/** Stores ±(hi:lo) × 2^(exp−63), normalizing. */
function wSet(r: i32, sign: u32, exp: i32, hi: u64, lo: u64): void {
  if (hi == 0) {
    if (lo == 0) { wRaw(r, sign, 0, 0, 0); return; }
    hi = lo; lo = 0; exp -= 64;
  }
  const lz = <i32>clz(hi);
  if (lz) { hi = (hi << <u64>lz) | (lo >> <u64>(64 - lz)); lo <<= <u64>lz; exp -= lz; }
  wRaw(r, sign, exp, hi, lo);
}
function wCopy(d: i32, a: i32): void { memory.copy(wp(d), wp(a), 32); }
function wNeg(d: i32): void { store<u32>(wp(d), wSign(d) ^ 1, 20); }
function wFromInt(d: i32, v: i64): void { wSet(d, v < 0 ? 1 : 0, 63, v < 0 ? <u64>(-v) : <u64>v, 0); }
/** A finite nonzero register value. */
function wFrom80(d: i32, se: u32, sig: u64): void { unpackA(se, sig); wRaw(d, aSign, aExp, aSig, 0); }

function wAdd(d: i32, a: i32, b: i32, sub: bool): void {
  const sb = wSign(b) ^ (sub ? 1 : 0);
  if (wZero(b)) { wCopy(d, a); return; }
  if (wZero(a)) { wCopy(d, b); store<u32>(wp(d), sb, 20); return; }
  let sa = wSign(a), ea = wExp(a), ah = wHi(a), al = wLo(a);
  let s2 = sb, eb = wExp(b), bh = wHi(b), bl = wLo(b);
  if (eb > ea || (eb == ea && (bh > ah || (bh == ah && bl > al)))) {
    let t = ah; ah = bh; bh = t; t = al; al = bl; bl = t;
    const ts = sa; sa = s2; s2 = ts;
    const te = ea; ea = eb; eb = te;
  }
  bh = shiftRightJam128(bh, bl, ea - eb);
  bl = jamLo;
  if (sa == s2) {
    let lo = al + bl;
    let hi = ah + bh + (lo < al ? 1 : 0);
    if (hi < ah || (hi == ah && lo < al)) { lo = (lo >> 1) | (hi << 63); hi = (hi >> 1) | J; ea++; }
    wRaw(d, sa, ea, hi, lo);
  } else {
    const lo = al - bl;
    const hi = ah - bh - (al < bl ? 1 : 0);
    wSet(d, sa, ea, hi, lo);
  }
}

function wMul(d: i32, a: i32, b: i32): void {
  if (wZero(a) || wZero(b)) { wRaw(d, wSign(a) ^ wSign(b), 0, 0, 0); return; }
  const ah = wHi(a), al = wLo(a), bh = wHi(b), bl = wLo(b);
  const p3 = mul64(ah, bh), p2 = lo128;
  const m1h = mul64(ah, bl), m1l = lo128;
  const m2h = mul64(al, bh), m2l = lo128;
  const p1 = mul64(al, bl);
  // column 1 (bits 64..127) then its carries into columns 2 and 3
  let w1 = p1 + m1l;
  let c: u64 = w1 < p1 ? 1 : 0;
  const w1b = w1 + m2l;
  c += w1b < w1 ? 1 : 0;
  w1 = w1b;
  let w2 = p2 + m1h;
  let c3: u64 = w2 < p2 ? 1 : 0;
  let t = w2 + m2h; c3 += t < w2 ? 1 : 0; w2 = t;
  t = w2 + c; c3 += t < w2 ? 1 : 0; w2 = t;
  let w3 = p3 + c3;
  let exp = wExp(a) + wExp(b) + 1;
  if ((w3 & J) == 0) { w3 = (w3 << 1) | (w2 >> 63); w2 = (w2 << 1) | (w1 >> 63); exp--; }
  wRaw(d, wSign(a) ^ wSign(b), exp, w3, w2);
}

/** a ÷ b, 128 quotient bits by shift-and-subtract (b ≠ 0). */
function wDiv(d: i32, a: i32, b: i32): void {
  if (wZero(a)) { wRaw(d, wSign(a) ^ wSign(b), 0, 0, 0); return; }
  let rh = wHi(a), rl = wLo(a);
  const bh = wHi(b), bl = wLo(b);
  let qh: u64 = 0, ql: u64 = 0;
  let exp = wExp(a) - wExp(b);
  let bits = 128;
  if (rh < bh || (rh == bh && rl < bl)) { bits = 129; exp--; } // the first quotient bit is 0
  let carry = false;
  for (let i = 0; i < bits; i++) {
    if (i > 0) { carry = (rh >> 63) != 0; rh = (rh << 1) | (rl >> 63); rl <<= 1; }
    const ge = carry || rh > bh || (rh == bh && rl >= bl);
    if (ge) { const br: u64 = rl < bl ? 1 : 0; rl -= bl; rh = rh - bh - br; }
    qh = (qh << 1) | (ql >> 63);
    ql = (ql << 1) | (ge ? 1 : 0);
  }
  if (rh | rl) ql |= 1; // sticky
  wRaw(d, wSign(a) ^ wSign(b), exp, qh, ql);
}

/** a ÷ n for a small positive integer n, limb by limb. */
function wDivInt(d: i32, a: i32, n: u32): void {
  if (wZero(a)) { wCopy(d, a); return; }
  const hi = wHi(a), lo = wLo(a);
  const nn = <u64>n;
  let r: u64 = 0;
  let q0: u64, q1: u64, q2: u64, q3: u64, q4: u64;
  let x = (r << 32) | (hi >> 32); q0 = x / nn; r = x % nn;
  x = (r << 32) | (hi & 0xffffffff); q1 = x / nn; r = x % nn;
  x = (r << 32) | (lo >> 32); q2 = x / nn; r = x % nn;
  x = (r << 32) | (lo & 0xffffffff); q3 = x / nn; r = x % nn;
  x = r << 32; q4 = x / nn; r = x % nn;
  // the quotient is q0..q4 as 32-bit limbs (160 bits), value × 2^-32 relative to (hi:lo)
  const qh = (q0 << 32) | q1, ql = (q2 << 32) | q3;
  const lz = <i32>clz(qh); // < 32 since n < 2^32
  let h = qh, l = ql;
  if (lz) { h = (qh << <u64>lz) | (ql >> <u64>(64 - lz)); l = (ql << <u64>lz) | (q4 >> <u64>(32 - lz)); }
  if (r != 0 || (q4 << <u64>(32 + lz)) != 0) l |= 1;
  wRaw(d, wSign(a), wExp(a) - lz, h, l);
}

/**
 * Rounds a wide value to the register format (64 bits, RC) into rSE/rSig. PE is raised even for
 * an exact result (FYL2X of a power of two): the hardware's approximations always report it.
 */
function wRound(a: i32): void {
  if (wZero(a)) { setR(wSign(a) << 15, 0); return; }
  roundToReg(wSign(a), wExp(a), wHi(a), wLo(a), 64);
  xRaise(X_PE);
}

@inline function wConst(d: i32, hi: u64, lo: u64, exp: i32): void { wRaw(d, 0, exp, hi, lo); }
@inline function wOne(d: i32): void { wRaw(d, 0, 0, J, 0); }
/**
 * |a| < 2^-bits × |b| (b nonzero): a term too small to matter. Series stop after adding the
 * first such term: it still marks the sum inexact, and a second one could not cancel its sticky
 * bit (two jammed terms of opposite sign would make an inexact sum look exact).
 */
const NEGLIGIBLE = 120;
@inline function wNegligible(a: i32, b: i32, bits: i32): bool { return wZero(a) || wExp(a) < wExp(b) - bits; }

// π, ln 2, and atan(k/16) to 128 bits (generated with mpmath; value = (hi + lo/2^64) · 2^(exp−63))
const PI_HI: u64 = 0xc90fdaa22168c234; const PI_LO: u64 = 0xc4c6628b80dc1cd1;
const LN2_HI: u64 = 0xb17217f7d1cf79ab; const LN2_LO: u64 = 0xc9e3b39803f2f6af;
const LOG2E_HI: u64 = 0xb8aa3b295c17f0bb; const LOG2E_LO: u64 = 0xbe87fed0691d3e88;
const ATAN_TABLE: StaticArray<u64> = [
  0xffaaddb967ef4e36, 0xcb2792dc0e2e0d51, -5 as u64,
  0xfeadd4d5617b6e32, 0xc897989f3e888ef7, -4 as u64,
  0xbdcbda5e72d81134, 0x7b0b4f881c9c7487, -3 as u64,
  0xfadbafc96406eb15, 0x6dc79ef5f7a217e5, -3 as u64,
  0x9b13b9b83f5e5e69, 0xc5abb498d27af328, -2 as u64,
  0xb7b0ca0f26f78473, 0x8aa32122dcfe4483, -2 as u64,
  0xd327761e611fe5b6, 0x427c95e9001e7136, -2 as u64,
  0xed63382b0dda7b45, 0x6fe445ecbc3a8d03, -2 as u64,
  0x832bf4a6d9867e2a, 0x4b6a09cb61a515c0, -1 as u64,
  0x8f005d5ef7f59f9b, 0x5c835e1665c43747, -1 as u64,
  0x9a2f80e671bdda20, 0x4226f8e2204ff3bc, -1 as u64,
  0xa4bc7d1934f70924, 0x19a87f2a457dac9e, -1 as u64,
  0xaeac4c38b4d8c080, 0x14725e2f3e52070a, -1 as u64,
  0xb8053e2bc2319e73, 0xcb2da55210a4443d, -1 as u64,
  0xc0ce85b8ac526640, 0x89dd62c46e92fa24, -1 as u64,
  0xc90fdaa22168c234, 0xc4c6628b80dc1cd1, -1 as u64,
];
// The 66-bit π of the hardware's argument reduction (Intel SDM vol. 1 §8.3.10): π·2^64 rounded.
const PI66_HI: u64 = 3;
const PI66_LO: u64 = 0x243f6a8885a308d3;

// Register names for the algorithms below
const R0 = 0; const R1 = 1; const R2 = 2; const R3 = 3; const R4 = 4; const R5 = 5; const R6 = 6;
const R7 = 7; const R8 = 8;

// ---- series -------------------------------------------------------------------------------------
/** d = sin(r) (odd = true) or cos(r), |r| ≤ π/4, by Taylor series. Uses R4..R6. */
function wSinCos(d: i32, r: i32, odd: bool): void {
  wMul(R4, r, r);                      // r²
  if (odd) wCopy(R5, r); else wOne(R5); // term
  wCopy(R6, R5);                       // sum
  let k: u32 = odd ? 1 : 0;
  for (let i = 0; i < 40; i++) {
    wMul(R5, R5, R4);
    wDivInt(R5, R5, (k + 1) * (k + 2));
    k += 2;
    wNeg(R5);
    wAdd(R6, R6, R5, false);
    if (wNegligible(R5, R6, NEGLIGIBLE)) break;
  }
  wCopy(d, R6);
}

/** d = 2·atanh(s) = ln((1+s)/(1−s)), |s| ≤ 0.18. Uses R4..R6. */
function wLnRatio(d: i32, s: i32): void {
  wMul(R4, s, s);
  wCopy(R5, s);   // s^(2k+1)
  wCopy(R6, s);   // sum
  for (let k: u32 = 1; k < 60; k++) {
    wMul(R5, R5, R4);
    wDivInt(R3, R5, 2 * k + 1);
    wAdd(R6, R6, R3, false);
    if (wNegligible(R3, R6, NEGLIGIBLE)) break;
  }
  wAdd(d, R6, R6, false);
}

/** d = atan(t) for 0 ≤ t ≤ 1: atan(c) + atan((t−c)/(1+tc)) with c = k/16 nearest t. Uses R1..R6. */
function wAtan(d: i32, t: i32): void {
  if (wZero(t)) { wCopy(d, t); return; }
  // k = round(16 t)
  let k: i32 = 0;
  const e = wExp(t);
  if (e >= -5) k = <i32>((wHi(t) >> <u64>(63 - (e + 4) - 1)) + 1) >> 1; // bits of 16t, rounded
  if (k > 16) k = 16;
  if (k == 0) { wAtanSeries(d, t); return; }
  wFromInt(R1, k);
  store<i32>(wp(R1), wExp(R1) - 4, 16);  // c = k/16 exactly
  wAdd(R2, t, R1, true);                 // t − c
  wMul(R3, t, R1);
  wOne(R1);
  wAdd(R3, R3, R1, false);               // 1 + tc
  wDiv(R2, R2, R3);                      // u, |u| ≤ 1/32
  wAtanSeries(R2, R2);
  const o = (k - 1) * 3;
  wRaw(R1, 0, <i32>unchecked(ATAN_TABLE[o + 2]), unchecked(ATAN_TABLE[o]), unchecked(ATAN_TABLE[o + 1]));
  wAdd(d, R1, R2, false);
}

/** d = atan(u) = u − u³/3 + …, |u| ≤ 1/32. Uses R4..R6 (and R3 as scratch). */
function wAtanSeries(d: i32, u: i32): void {
  wMul(R4, u, u);
  wCopy(R5, u);
  wCopy(R6, u);
  for (let k: u32 = 1; k < 60; k++) {
    wMul(R5, R5, R4);
    wNeg(R5);
    wDivInt(R3, R5, 2 * k + 1);
    wAdd(R6, R6, R3, false);
    if (wNegligible(R3, R6, NEGLIGIBLE)) break;
  }
  wCopy(d, R6);
}

// ---- FSIN FCOS FSINCOS FPTAN --------------------------------------------------------------------
/** Reduced argument (R0) and quadrant of the last reduce(). */
let quadrant: i32 = 0;

/**
 * |x| reduced modulo the 66-bit π/2 exactly: x = k·P + r, |r| ≤ P/2, r in R0 (sign of x
 * dropped: the caller applies odd/even symmetry), quadrant = k mod 4. x finite nonzero, < 2^63.
 */
function reduce(se: u32, sig: u64): void {
  unpackA(se, sig);
  quadrant = 0;
  if (aExp < -1) { wRaw(R0, 0, aExp, aSig, 0); return; } // |x| < 1/2 < π/4
  // X = |x| · 2^65 is an integer of at most 128 bits (aExp ≤ 62); P = PI66 (π/2 · 2^65)
  const s = aExp + 2;
  let xh: u64, xl: u64;
  if (s >= 64) { xh = aSig; xl = 0; } else { xh = aSig >> <u64>(64 - s); xl = aSig << <u64>s; }
  let rh: u64 = 0, rl: u64 = 0, q: u64 = 0;
  for (let i = 127; i >= 0; i--) {
    const bit: u64 = i >= 64 ? (xh >> <u64>(i - 64)) & 1 : (xl >> <u64>i) & 1;
    rh = (rh << 1) | (rl >> 63);
    rl = (rl << 1) | bit;
    q <<= 1;
    if (rh > PI66_HI || (rh == PI66_HI && rl >= PI66_LO)) {
      const b: u64 = rl < PI66_LO ? 1 : 0;
      rl -= PI66_LO; rh = rh - PI66_HI - b;
      q |= 1;
    }
  }
  // round the quotient to nearest: r > P/2 becomes r − P (P is odd: never exactly half)
  let neg: u32 = 0;
  const th = (rh << 1) | (rl >> 63), tl = rl << 1;
  if (th > PI66_HI || (th == PI66_HI && tl > PI66_LO)) {
    const b: u64 = PI66_LO < rl ? 1 : 0;
    rl = PI66_LO - rl; rh = PI66_HI - rh - b;
    neg = 1;
    q++;
  }
  quadrant = <i32>(q & 3);
  wSet(R0, neg, 63 - 65 + 64, rh, rl);  // (rh:rl) · 2^-65 = (rh + rl/2^64) · 2^(64−65)
}

/** Screening for FSIN/FCOS/FSINCOS/FPTAN: true when the result is decided (rSE/rSig set). */
export let transOutOfRange = false;
function screenTrig(se: u32, sig: u64): bool {
  transOutOfRange = false;
  const k = classify(se, sig);
  if (k == K_UNSUPPORTED || k == K_INF) { invalid(); return true; }
  if (isNaNClass(k)) { quietNaN(se, sig, k); return true; }
  if (k == K_DENORMAL) xRaise(X_DE);
  if ((se & 0x7fff) >= 16383 + 63) { transOutOfRange = true; setR(se, sig); return true; }
  return false;
}

/** sin(x) into rSE/rSig (zero: itself). */
export function fsin(se: u32, sig: u64): void {
  if (screenTrig(se, sig)) return;
  if (classify(se, sig) == K_ZERO) { setR(se, sig); return; }
  sinOrCos(se, sig, true);
  wRound(R1);
}
/** cos(x) into rSE/rSig. */
export function fcos(se: u32, sig: u64): void {
  if (screenTrig(se, sig)) return;
  if (classify(se, sig) == K_ZERO) { setR(16383, J); return; }
  sinOrCos(se, sig, false);
  wRound(R1);
}

/** R1 = sin x or cos x. */
function sinOrCos(se: u32, sig: u64, isSin: bool): void {
  reduce(se, sig);
  // sin(kP + r) cycles sin, cos, −sin, −cos; cos(kP + r) cycles cos, −sin, −cos, sin
  const q = isSin ? quadrant : quadrant + 1;
  wSinCos(R1, R0, (q & 1) == 0);
  let neg = (q & 2) != 0;
  if (isSin && (se >> 15) != 0) neg = !neg;
  if (neg) wNeg(R1);
}

/** FSINCOS: the sine (left in sinSE/sinSig) and the cosine (rSE/rSig). */
export let sinSE: u32 = 0;
export let sinSig: u64 = 0;
export function fsincos(se: u32, sig: u64): bool {
  if (screenTrig(se, sig)) { sinSE = 0; return true; }
  if (classify(se, sig) == K_ZERO) { sinSE = se; sinSig = sig; setR(16383, J); return false; }
  sinOrCos(se, sig, true);
  wRound(R1);
  sinSE = rSE; sinSig = rSig;
  sinOrCos(se, sig, false);
  wRound(R1);
  return false;
}

/** tan(x) into rSE/rSig (FPTAN then pushes 1.0). */
export function fptan(se: u32, sig: u64): void {
  if (screenTrig(se, sig)) return;
  if (classify(se, sig) == K_ZERO) { setR(se, sig); return; }
  reduce(se, sig);
  wCopy(R2, R0);
  if ((quadrant & 1) == 0 && wExp(R2) < -40) {
    // tan r = r + r³/3 + O(r⁵): computed directly, because sin r / cos r would divide away the
    // sticky bits of both (each is r or 1 within 2^-128) and look exact
    wMul(R3, R2, R2); wMul(R3, R3, R2); wDivInt(R3, R3, 3);
    wAdd(R1, R2, R3, false);
  } else {
    wSinCos(R3, R2, true); wCopy(R1, R3);   // sin r (wSinCos's scratch is R4..R6)
    wSinCos(R3, R2, false);                 // cos r
    // tan(kP + r) = tan r for even k, −cot r for odd k
    if (quadrant & 1) { wDiv(R1, R3, R1); wNeg(R1); } else wDiv(R1, R1, R3);
  }
  if ((se >> 15) != 0) wNeg(R1);
  wRound(R1);
}

// ---- FPATAN ------------------------------------------------------------------------------------
/** atan2(y, x) = arctan(ST1/ST0) with the quadrant of (x, y) (y = ST1, x = ST0). */
export function fpatan(yse: u32, ysig: u64, xse: u32, xsig: u64): void {
  const ky = classify(yse, ysig), kx = classify(xse, xsig);
  if (ky == K_UNSUPPORTED || kx == K_UNSUPPORTED) { invalid(); return; }
  if (isNaNClass(ky) || isNaNClass(kx)) { propagateNaN(yse, ysig, ky, xse, xsig, kx); return; }
  if (ky == K_DENORMAL || kx == K_DENORMAL) xRaise(X_DE);
  const ys = yse >> 15, xs = xse >> 15;
  // multiples of π/4 for the special operands: value = m · π/4 with the sign of y
  let m = -1;
  if (ky == K_ZERO) m = xs ? 4 : 0;          // ±0: 0 or π (x = −0 counts as negative)
  else if (ky == K_INF) m = kx == K_INF ? (xs ? 3 : 1) : 2;
  else if (kx == K_ZERO) m = 2;
  else if (kx == K_INF) m = xs ? 4 : 0;
  if (m >= 0) {
    if (m == 0) { setR(ys << 15, 0); return; }
    wConst(R1, PI_HI, PI_LO, 1 - 2);           // π/4
    if (m == 2) store<i32>(wp(R1), 0, 16);           // π/2
    else if (m == 4) store<i32>(wp(R1), 1, 16);      // π
    else if (m == 3) { wFromInt(R2, 3); wMul(R1, R1, R2); }
    if (ys) wNeg(R1);
    wRound(R1);
    return;
  }
  wFrom80(R2, yse, ysig); store<u32>(wp(R2), 0, 20);
  wFrom80(R3, xse, xsig); store<u32>(wp(R3), 0, 20);
  // t = min/max ≤ 1; atan(|y|/|x|) = t or π/2 − atan(|x|/|y|)
  const swap = wExp(R2) > wExp(R3) || (wExp(R2) == wExp(R3) && wHi(R2) > wHi(R3));
  if (swap) wDiv(R7, R3, R2); else wDiv(R7, R2, R3);
  wAtan(R8, R7);
  if (swap) { wConst(R1, PI_HI, PI_LO, 0); wAdd(R8, R1, R8, true); }        // π/2 − a
  if (xs) { wConst(R1, PI_HI, PI_LO, 1); wAdd(R8, R1, R8, true); }          // π − a
  if (ys) wNeg(R8);
  wRound(R8);
}

// ---- F2XM1 ---------------------------------------------------------------------------------------
/** 2^x − 1 for −1 ≤ x ≤ 1 (outside, the SDM leaves the result undefined: same formula). */
export function f2xm1(se: u32, sig: u64): void {
  const k = classify(se, sig);
  if (k == K_UNSUPPORTED) { invalid(); return; }
  if (isNaNClass(k)) { quietNaN(se, sig, k); return; }
  if (k == K_ZERO) { setR(se, sig); return; }
  if (k == K_INF) { if (se >> 15) setR(0xbfff, J); else setR(se, sig); return; } // −∞ → −1
  if (k == K_DENORMAL) xRaise(X_DE);
  wFrom80(R0, se, sig);
  wConst(R1, LN2_HI, LN2_LO, -1);
  wMul(R0, R0, R1);            // y = x ln 2
  wCopy(R5, R0);               // term
  wCopy(R6, R0);               // sum
  for (let n: u32 = 2; n < 80; n++) {
    wMul(R5, R5, R0);
    wDivInt(R5, R5, n);
    wAdd(R6, R6, R5, false);
    if (wNegligible(R5, R6, NEGLIGIBLE)) break;
  }
  wRound(R6);
}

// ---- FYL2X FYL2XP1 -------------------------------------------------------------------------------
/** R1 = log2(x) for a finite positive x (wide). */
function wLog2(se: u32, sig: u64): void {
  unpackA(se, sig);
  let e = aExp;
  let m = aSig;              // m · 2^-63 ∈ [1, 2)
  let mexp = 0;
  if (m > 0xb504f333f9de6484) { mexp = -1; e++; } // m > √2: use m/2 ∈ (0.707, 1]
  // s = (m − 1)/(m + 1), ln m = 2 atanh s
  wRaw(R0, 0, mexp, m, 0);
  wOne(R1);
  wAdd(R2, R0, R1, true);
  wAdd(R3, R0, R1, false);
  wDiv(R2, R2, R3);
  wLnRatio(R2, R2);          // ln m
  wConst(R1, LOG2E_HI, LOG2E_LO, 0);
  wMul(R2, R2, R1);          // log2 m
  wFromInt(R1, e);
  wAdd(R1, R1, R2, false);
}

/** y · log2(x) (y = ST1, x = ST0). */
export function fyl2x(yse: u32, ysig: u64, xse: u32, xsig: u64): void {
  const ky = classify(yse, ysig), kx = classify(xse, xsig);
  if (ky == K_UNSUPPORTED || kx == K_UNSUPPORTED) { invalid(); return; }
  if (isNaNClass(ky) || isNaNClass(kx)) { propagateNaN(yse, ysig, ky, xse, xsig, kx); return; }
  const xs = xse >> 15, ys = yse >> 15;
  if (xs && kx != K_ZERO) { invalid(); return; }          // log of a negative number
  // log2(0) = −∞: like a division by zero, ZE (or IE for 0 · ∞) and no DE
  if (kx == K_ZERO) {
    if (ky == K_ZERO) { invalid(); return; }
    if (ky != K_INF) xRaise(X_ZE);
    setR(((ys ^ 1) << 15) | 0x7fff, J); return;
  }
  if (ky == K_DENORMAL || kx == K_DENORMAL) xRaise(X_DE);
  const isOne = (xse & 0x7fff) == 16383 && xsig == J;
  if (kx == K_INF) {
    if (ky == K_ZERO) { invalid(); return; }
    setR((ys << 15) | 0x7fff, J); return;
  }
  if (isOne) {
    if (ky == K_INF) { invalid(); return; }
    setR(ys << 15, 0); return;
  }
  const logNeg: u32 = (xse & 0x7fff) < 16383 ? 1 : 0;
  if (ky == K_INF) { setR(((ys ^ logNeg) << 15) | 0x7fff, J); return; }
  if (ky == K_ZERO) { setR((ys ^ logNeg) << 15, 0); return; }
  wLog2(xse, xsig);
  wFrom80(R2, yse, ysig);
  wMul(R1, R1, R2);
  wRound(R1);
}

/** y · log2(x + 1) (y = ST1, x = ST0), |x| < 1 − √2/2 (outside: the same formula). */
export function fyl2xp1(yse: u32, ysig: u64, xse: u32, xsig: u64): void {
  const ky = classify(yse, ysig), kx = classify(xse, xsig);
  if (ky == K_UNSUPPORTED || kx == K_UNSUPPORTED) { invalid(); return; }
  if (isNaNClass(ky) || isNaNClass(kx)) { propagateNaN(yse, ysig, ky, xse, xsig, kx); return; }
  const xs = xse >> 15, ys = yse >> 15;
  // invalid operations come before DE: log2(1 + −∞), 0 · ∞
  if ((kx == K_INF && (xs != 0 || ky == K_ZERO)) || (kx == K_ZERO && ky == K_INF)) { invalid(); return; }
  if (ky == K_DENORMAL || kx == K_DENORMAL) xRaise(X_DE);
  if (kx == K_ZERO) { setR((xs ^ ys) << 15, 0); return; }
  if (kx == K_INF) { setR((ys << 15) | 0x7fff, J); return; }
  if (ky == K_INF) { setR(((ys ^ xs) << 15) | 0x7fff, J); return; }
  if (ky == K_ZERO) { setR((ys ^ xs) << 15, 0); return; }
  // ln(1 + x) = 2 atanh(x / (2 + x))
  wFrom80(R0, xse, xsig);
  wRaw(R1, 0, 1, J, 0);        // 2
  wAdd(R1, R1, R0, false);
  wDiv(R2, R0, R1);
  wLnRatio(R2, R2);
  wConst(R1, LOG2E_HI, LOG2E_LO, 0);
  wMul(R2, R2, R1);
  wFrom80(R1, yse, ysig);
  wMul(R1, R1, R2);
  wRound(R1);
}
