// Extended-precision (80-bit) arithmetic with x87 semantics (SDM vol. 1 ch. 4 and §8.5): the
// value classes, rounding to 24/53/64 bits by the precision and rounding controls with the
// extended exponent range, masked and unmasked overflow/underflow, the round-up indicator C1,
// and + − × ÷ √ on 64-bit significands. A small softfloat in the manner of Berkeley SoftFloat's
// floatx80, written for this core; conversions live in x87_conv.ts, the rest in x87_func.ts.
//
// An 80-bit value travels as (se, sig): se = sign << 15 | biased exponent, sig = the 64-bit
// significand with its explicit integer bit J (bit 63). Results land in rSE/rSig.

// ---- FSW exception bits (SDM vol. 1 §8.1.3) --------------------------------------------------
export const X_IE: u32 = 0x01;
export const X_DE: u32 = 0x02;
export const X_ZE: u32 = 0x04;
export const X_OE: u32 = 0x08;
export const X_UE: u32 = 0x10;
export const X_PE: u32 = 0x20;
export const X_SF: u32 = 0x40;
/** The pre-computation exceptions: unmasked, they stop the instruction before it writes. */
export const X_PRE: u32 = X_IE | X_DE | X_ZE;

export const RC_NEAREST: u32 = 0;
export const RC_DOWN: u32 = 1;
export const RC_UP: u32 = 2;
export const RC_ZERO: u32 = 3;

/** Exponent bias adjustment for an unmasked overflow/underflow on a register result (§4.9.1.4). */
export const BIAS_ADJUST: i32 = 24576;
export const EMIN: i32 = -16382;
export const EMAX: i32 = 16383;

// ---- the per-instruction environment ----------------------------------------------------------
/** Exceptions the current instruction raised (X_* bits); x87.ts merges them into FSW. */
export let xFlags: u32 = 0;
/** C1 as arithmetic leaves it: 1 when the delivered result was rounded up in magnitude. */
export let xC1: u32 = 0;
export let xRC: u32 = RC_NEAREST;
/** Significand bits the precision control asks for (24, 53 or 64). */
export let xPrec: i32 = 64;
let xMask: u32 = 0x3f;

/** Loads RC, PC and the exception masks from FCW; call before any arithmetic of an instruction. */
export function xBegin(cw: u32): void {
  xFlags = 0;
  xC1 = 0;
  xRC = (cw >> 10) & 3;
  const pc = (cw >> 8) & 3;
  xPrec = pc == 0 ? 24 : pc == 2 ? 53 : 64; // PC = 01 is reserved; hardware rounds to 64 bits
  xMask = cw & 0x3f;
  xDenA = false;
  xDenB = false;
}
@inline export function xRaise(f: u32): void { xFlags |= f; }
@inline export function xMasked(f: u32): bool { return (xMask & f) == f; }
/** True when one of `f` was raised and is unmasked. */
@inline export function xUnmasked(f: u32): bool { return (xFlags & ~xMask & f) != 0; }
/** True when an unmasked IE, DE or ZE was raised: the instruction must not write its result. */
@inline export function xAbort(): bool { return (xFlags & ~xMask & X_PRE) != 0; }
@inline export function xSetC1(v: u32): void { xC1 = v; }
/** Keeps only the `keep` bits of the raised exceptions. */
@inline export function xDropFlags(keep: u32): void { xFlags &= keep; }

/**
 * Operands that were denormals in their memory format (binary32/64) arrive normalized in the
 * register format; these mark them (a = first operand, b = second) so DE is raised exactly when
 * a register denormal would raise it. Reset by xBegin.
 */
export let xDenA = false;
export let xDenB = false;
@inline export function xMarkDenormal(a: bool, b: bool): void { xDenA = a; xDenB = b; }

// ---- results ----------------------------------------------------------------------------------
export let rSE: u32 = 0;
export let rSig: u64 = 0;
@inline export function setR(se: u32, sig: u64): void { rSE = se; rSig = sig; }

export const INDEF_SE: u32 = 0xffff;
export const INDEF_SIG: u64 = 0xc000000000000000;
const J: u64 = 0x8000000000000000;

/** The QNaN indefinite, with IE. */
export function invalid(): void { xFlags |= X_IE; rSE = INDEF_SE; rSig = INDEF_SIG; }

// ---- classes ----------------------------------------------------------------------------------
export const K_ZERO = 0;
export const K_NORMAL = 1;
export const K_DENORMAL = 2;  // exponent 0 with a nonzero significand; pseudo-denormals (J = 1) too
export const K_INF = 3;
export const K_QNAN = 4;
export const K_SNAN = 5;
export const K_UNSUPPORTED = 6; // unnormals, pseudo-infinities, pseudo-NaNs: invalid operands (§8.2.2)

export function classify(se: u32, sig: u64): i32 {
  const e = se & 0x7fff;
  if (e == 0) return sig == 0 ? K_ZERO : K_DENORMAL;
  if ((sig & J) == 0) return K_UNSUPPORTED;
  if (e == 0x7fff) {
    if ((sig << 1) == 0) return K_INF;
    return (sig & 0x4000000000000000) != 0 ? K_QNAN : K_SNAN;
  }
  return K_NORMAL;
}
@inline export function isNaNClass(k: i32): bool { return k == K_QNAN || k == K_SNAN; }
/** Whether the first/second operand of this class counts as a denormal (xDenA/xDenB included). */
@inline export function denA(k: i32): bool { return k == K_DENORMAL || xDenA; }
@inline export function denB(k: i32): bool { return k == K_DENORMAL || xDenB; }

// Unpacked finite nonzero operands: value = sig × 2^(exp − 63), sig normalized (bit 63 set).
// A denormal (or pseudo-denormal) has the exponent of the smallest normal, 2^-16382.
export let aSign: u32 = 0;
export let aExp: i32 = 0;
export let aSig: u64 = 0;
export let bSign: u32 = 0;
export let bExp: i32 = 0;
export let bSig: u64 = 0;

export function unpackA(se: u32, sig: u64): void {
  aSign = se >> 15;
  const e = <i32>(se & 0x7fff);
  if (e == 0) { const lz = <i32>clz(sig); aSig = sig << <u64>lz; aExp = EMIN - lz; }
  else { aSig = sig; aExp = e - 16383; }
}
export function unpackB(se: u32, sig: u64): void {
  bSign = se >> 15;
  const e = <i32>(se & 0x7fff);
  if (e == 0) { const lz = <i32>clz(sig); bSig = sig << <u64>lz; bExp = EMIN - lz; }
  else { bSig = sig; bExp = e - 16383; }
}

// ---- NaN propagation (SDM vol. 1 Table 4-7, x87 column) ---------------------------------------
/**
 * The result of an operation with a NaN operand: the NaN (quieted, IE for an SNaN); of two
 * NaNs the one with the larger significand (a QNaN over an SNaN), the first on a tie.
 */
export function propagateNaN(ase: u32, asig: u64, ka: i32, bse: u32, bsig: u64, kb: i32): void {
  if (ka == K_SNAN || kb == K_SNAN) xFlags |= X_IE;
  const Q: u64 = 0x4000000000000000;
  if (isNaNClass(ka) && isNaNClass(kb)) {
    if (ka != kb) { if (ka == K_QNAN) setR(ase, asig); else setR(bse, bsig); }
    else {
      const ma = asig | Q, mb = bsig | Q;
      if (mb > ma || (mb == ma && (bse >> 15) < (ase >> 15))) setR(bse, bsig); else setR(ase, asig);
    }
  } else if (isNaNClass(ka)) setR(ase, asig);
  else setR(bse, bsig);
  rSig |= Q;
}
/** A one-operand NaN result: the NaN quieted, IE for an SNaN. */
export function quietNaN(se: u32, sig: u64, k: i32): void {
  if (k == K_SNAN) xFlags |= X_IE;
  setR(se, sig | 0x4000000000000000);
}

// ---- 128-bit helpers --------------------------------------------------------------------------
/** The low half of the last mul64. */
export let lo128: u64 = 0;
/** a × b: returns the high 64 bits, the low in lo128. */
export function mul64(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  lo128 = (mid << 32) | (p00 & 0xffffffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** hi:lo shifted right by n (n ≥ 0) with every bit shifted out ORed into bit 0 (the sticky bit). */
export let jamLo: u64 = 0;
export function shiftRightJam128(hi: u64, lo: u64, n: i32): u64 {
  if (n <= 0) { jamLo = lo; return hi; }
  if (n < 64) {
    jamLo = (lo >> <u64>n) | (hi << <u64>(64 - n)) | ((lo << <u64>(64 - n)) != 0 ? 1 : 0);
    return hi >> <u64>n;
  }
  if (n == 64) { jamLo = hi | (lo != 0 ? 1 : 0); return 0; }
  if (n < 128) {
    jamLo = (hi >> <u64>(n - 64)) | (((hi << <u64>(128 - n)) | lo) != 0 ? 1 : 0);
    return 0;
  }
  jamLo = (hi | lo) != 0 ? 1 : 0;
  return 0;
}

// ---- rounding ---------------------------------------------------------------------------------
// rnd() rounds the 128-bit significand hi:lo to its top p bits at fixed positions of hi; the
// outcome is reported in these globals.
let gCarry = false;   // the increment carried out of bit 63 (the value is now 2^64: renormalize)
let gInexact = false;
let gUp = false;      // rounded up in magnitude

function rnd(hi: u64, lo: u64, p: i32, sign: u32): u64 {
  let kept: u64, inexact: bool, above: bool, tie: bool;
  if (p >= 64) {
    kept = hi;
    inexact = lo != 0;
    above = lo > J;
    tie = lo == J;
  } else {
    const sh = <u64>(64 - p);
    const mask = (<u64>1 << sh) - 1;
    const half = <u64>1 << (sh - 1);
    const rb = hi & mask;
    kept = hi & ~mask;
    inexact = rb != 0 || lo != 0;
    above = rb > half || (rb == half && lo != 0);
    tie = rb == half && lo == 0;
  }
  let inc = false;
  if (inexact) {
    if (xRC == RC_NEAREST) inc = above || (tie && ((kept >> <u64>(64 - p)) & 1) != 0);
    else if (xRC == RC_DOWN) inc = sign != 0;
    else if (xRC == RC_UP) inc = sign == 0;
  }
  gCarry = false;
  if (inc) {
    const n = kept + (<u64>1 << <u64>(64 - p));
    if (n < kept) { gCarry = true; kept = J; } else kept = n;
  }
  gInexact = inexact;
  gUp = inc;
  return kept;
}

// The rounded result: rSign, rExp (unbiased exponent of bit 63), rSigR. A denormal has
// rExp == emin and bit 63 clear; an infinity is rExp == emax + 1.
export let rSign: u32 = 0;
export let rExp: i32 = 0;
export let rSigR: u64 = 0;

export const RP_OK = 0;
/** Unmasked overflow: rExp is the unbounded exponent (> emax); the caller adjusts or drops it. */
export const RP_OVER = 1;
/** Unmasked underflow: rExp is the unbounded exponent (< emin). */
export const RP_UNDER = 2;

/**
 * Rounds ±(hi + lo/2^64) × 2^(exp − 63) (hi normalized) to p significand bits within the
 * exponent range [emin, emax], by xRC; raises PE, UE, OE and sets xC1. x86 detects tininess
 * after rounding; a masked underflow raises UE only if the denormal result is inexact, an
 * unmasked one always (§4.9.1.5). Denormal results round at the same significand positions as
 * normal ones (the format's fixed lsb), as the hardware does under any precision control.
 */
export function roundPack(sign: u32, exp: i32, hi: u64, lo: u64, p: i32, emin: i32, emax: i32): i32 {
  rSign = sign;
  let sig = rnd(hi, lo, p, sign);
  const e = gCarry ? exp + 1 : exp;
  if (exp < emin) {
    const tiny = e < emin;
    if (tiny && (xMask & X_UE) == 0) {
      xFlags |= X_UE;
      if (gInexact) xFlags |= X_PE;
      xC1 = gUp ? 1 : 0;
      rExp = e; rSigR = sig;
      return RP_UNDER;
    }
    const dh = shiftRightJam128(hi, lo, emin - exp);
    sig = rnd(dh, jamLo, p, sign);
    if (gInexact) { xFlags |= X_PE; if (tiny) xFlags |= X_UE; }
    xC1 = gUp ? 1 : 0;
    rExp = emin; rSigR = sig;
    return RP_OK;
  }
  if (e > emax) {
    if ((xMask & X_OE) == 0) {
      xFlags |= X_OE;
      if (gInexact) xFlags |= X_PE;
      xC1 = gUp ? 1 : 0;
      rExp = e; rSigR = sig;
      return RP_OVER;
    }
    xFlags |= X_OE | X_PE;
    if (xRC == RC_NEAREST || (xRC == RC_DOWN && sign != 0) || (xRC == RC_UP && sign == 0)) {
      rExp = emax + 1; rSigR = J; xC1 = 1;
    } else {
      rExp = emax; rSigR = ~<u64>0 << <u64>(64 - p); xC1 = 0;
    }
    return RP_OK;
  }
  if (gInexact) xFlags |= X_PE;
  xC1 = gUp ? 1 : 0;
  rExp = e; rSigR = sig;
  return RP_OK;
}

/** Packs rSign/rExp/rSigR as an 80-bit register value into rSE/rSig, bias-adjusting an unmasked OE/UE. */
export function pack80(status: i32): void {
  let e = rExp;
  if (status == RP_OVER) e -= BIAS_ADJUST;
  else if (status == RP_UNDER) e += BIAS_ADJUST;
  const s = rSign << 15;
  if (rSigR == 0) { setR(s, 0); return; }
  if (e > EMAX) { // out of range even after the bias adjustment (FSCALE): ∞, rounded up
    xFlags |= X_PE; xC1 = 1;
    setR(s | 0x7fff, J); return;
  }
  if ((rSigR & J) == 0) { setR(s, rSigR); return; } // denormal (e == EMIN)
  if (e < EMIN) { // still tiny after the bias adjustment (FSCALE): a signed zero, inexact
    xFlags |= X_PE; xC1 = 0;
    setR(s, 0); return;
  }
  setR(s | <u32>(e + 16383), rSigR);
}

/** Rounds to the register format under the precision control and packs the result. */
@inline export function roundToReg(sign: u32, exp: i32, hi: u64, lo: u64, p: i32): void {
  pack80(roundPack(sign, exp, hi, lo, p, EMIN, EMAX));
}

/** A signed zero of an exact zero sum: +0, or −0 when rounding down (IEEE 754 §6.3). */
@inline function zeroSumSign(): u32 { return xRC == RC_DOWN ? 1 : 0; }

// ---- the four operations ----------------------------------------------------------------------
/**
 * Operand screening shared by the binary operations: invalid operands and NaNs decide the
 * result at once (true returned); otherwise denormals raise DE and the operands are unpacked.
 */
function screen2(ase: u32, asig: u64, ka: i32, bse: u32, bsig: u64, kb: i32): bool {
  if (ka == K_UNSUPPORTED || kb == K_UNSUPPORTED) { invalid(); return true; }
  if (isNaNClass(ka) || isNaNClass(kb)) { propagateNaN(ase, asig, ka, bse, bsig, kb); return true; }
  return false;
}

/** a + b (sub: a − b). */
export function fadd(ase: u32, asig: u64, bse: u32, bsig: u64, sub: bool): void {
  const ka = classify(ase, asig), kb = classify(bse, bsig);
  if (screen2(ase, asig, ka, bse, bsig, kb)) return;
  const sa = ase >> 15;
  const sb = (bse >> 15) ^ (sub ? 1 : 0);
  if (ka == K_INF || kb == K_INF) {
    if (ka == K_INF && kb == K_INF && sa != sb) { invalid(); return; }
    if (denA(ka) || denB(kb)) xFlags |= X_DE;
    setR(ka == K_INF ? (sa << 15) | 0x7fff : (sb << 15) | 0x7fff, J);
    return;
  }
  if (denA(ka) || denB(kb)) xFlags |= X_DE;
  if (ka == K_ZERO && kb == K_ZERO) {
    setR((sa == sb ? sa : zeroSumSign()) << 15, 0);
    return;
  }
  if (kb == K_ZERO) { unpackA(ase, asig); roundToReg(sa, aExp, aSig, 0, xPrec); return; }
  if (ka == K_ZERO) { unpackB(bse, bsig); roundToReg(sb, bExp, bSig, 0, xPrec); return; }
  unpackA(ase, asig);
  unpackB(bse, bsig);
  addUnpacked(sa, aExp, aSig, 0, sb, bExp, bSig, 0, xPrec);
}

/**
 * ±(ah:al) × 2^(ae−63) + ±(bh:bl) × 2^(be−63), both nonzero with hi normalized, rounded to p
 * bits into rSE/rSig. (The transcendental code adds 128-bit significands through here too.)
 */
export function addUnpacked(sa: u32, ae: i32, ah: u64, al: u64, sb: u32, be: i32, bh: u64, bl: u64, p: i32): void {
  if (be > ae || (be == ae && (bh > ah || (bh == ah && bl > al)))) {
    let t: u64 = ah; ah = bh; bh = t; t = al; al = bl; bl = t;
    const ts = sa; sa = sb; sb = ts;
    const te = ae; ae = be; be = te;
  }
  // |a| ≥ |b|: align b under a, keeping every shifted-out bit as a sticky bit
  bh = shiftRightJam128(bh, bl, ae - be);
  bl = jamLo;
  let hi: u64, lo: u64, exp = ae;
  if (sa == sb) {
    lo = al + bl;
    hi = ah + bh + (lo < al ? 1 : 0);
    if (hi < ah || (hi == ah && lo < al)) { // carried out of bit 127
      lo = (lo >> 1) | (hi << 63) | (lo & 1);
      hi = (hi >> 1) | J;
      exp++;
    }
  } else {
    lo = al - bl;
    hi = ah - bh - (al < bl ? 1 : 0);
    if (hi == 0 && lo == 0) { setR(zeroSumSign() << 15, 0); return; }
    if (hi == 0) { hi = lo; lo = 0; exp -= 64; }
    const lz = <i32>clz(hi);
    if (lz != 0) {
      hi = (hi << <u64>lz) | (lo >> <u64>(64 - lz));
      lo <<= <u64>lz;
      exp -= lz;
    }
  }
  roundToReg(sa, exp, hi, lo, p);
}

/** a × b. */
export function fmul(ase: u32, asig: u64, bse: u32, bsig: u64): void {
  const ka = classify(ase, asig), kb = classify(bse, bsig);
  if (screen2(ase, asig, ka, bse, bsig, kb)) return;
  const s = (ase ^ bse) >> 15;
  if (ka == K_INF || kb == K_INF) {
    if (ka == K_ZERO || kb == K_ZERO) { invalid(); return; }
    if (denA(ka) || denB(kb)) xFlags |= X_DE;
    setR((s << 15) | 0x7fff, J);
    return;
  }
  if (denA(ka) || denB(kb)) xFlags |= X_DE;
  if (ka == K_ZERO || kb == K_ZERO) { setR(s << 15, 0); return; }
  unpackA(ase, asig);
  unpackB(bse, bsig);
  mulUnpacked(s, aExp, aSig, bExp, bSig, xPrec);
}

export function mulUnpacked(s: u32, ae: i32, am: u64, be: i32, bm: u64, p: i32): void {
  let hi = mul64(am, bm), lo = lo128;
  let exp = ae + be + 1;
  if ((hi & J) == 0) { hi = (hi << 1) | (lo >> 63); lo <<= 1; exp--; }
  roundToReg(s, exp, hi, lo, p);
}

/** a ÷ b. */
export function fdiv(ase: u32, asig: u64, bse: u32, bsig: u64): void {
  const ka = classify(ase, asig), kb = classify(bse, bsig);
  if (screen2(ase, asig, ka, bse, bsig, kb)) return;
  const s = (ase ^ bse) >> 15;
  if (ka == K_INF) {
    if (kb == K_INF) { invalid(); return; }
    if (denB(kb)) xFlags |= X_DE;
    setR((s << 15) | 0x7fff, J);
    return;
  }
  if (kb == K_INF) {
    if (denA(ka)) xFlags |= X_DE;
    setR(s << 15, 0);
    return;
  }
  if (kb == K_ZERO) {
    if (ka == K_ZERO) { invalid(); return; }
    xFlags |= X_ZE; // a denormal dividend raises ZE alone (checked against the host)
    setR((s << 15) | 0x7fff, J);
    return;
  }
  if (denA(ka) || denB(kb)) xFlags |= X_DE;
  if (ka == K_ZERO) { setR(s << 15, 0); return; }
  unpackA(ase, asig);
  unpackB(bse, bsig);
  divUnpacked(s, aExp, aSig, bExp, bSig, xPrec);
}

/** 66 quotient bits of am/bm by shift-and-subtract, the rest as a sticky bit; then rounded. */
export function divUnpacked(s: u32, ae: i32, am: u64, be: i32, bm: u64, p: i32): void {
  let r = am;
  let q: u64 = 0;
  let exp = ae - be;
  // first bit: weight 2^0
  let bit = r >= bm;
  if (bit) r -= bm;
  q = bit ? 1 : 0;
  for (let i = 0; i < 63; i++) {
    const carry = (r >> 63) != 0;
    r <<= 1;
    bit = carry || r >= bm;
    if (bit) r -= bm;
    q = (q << 1) | (bit ? 1 : 0);
  }
  // two more bits for the low word, then the sticky remainder
  let lo: u64 = 0;
  for (let i = 0; i < 2; i++) {
    const carry = (r >> 63) != 0;
    r <<= 1;
    bit = carry || r >= bm;
    if (bit) r -= bm;
    lo = (lo << 1) | (bit ? 1 : 0);
  }
  lo = (lo << 62) | (r != 0 ? 1 : 0);
  if ((q & J) == 0) { // am < bm: the quotient is in [1/2, 1)
    q = (q << 1) | (lo >> 63);
    lo = (lo << 1) | (lo & 1);
    exp--;
  }
  roundToReg(s, exp, q, lo, p);
}

/** √a. */
export function fsqrt(ase: u32, asig: u64): void {
  const k = classify(ase, asig);
  if (k == K_UNSUPPORTED) { invalid(); return; }
  if (isNaNClass(k)) { quietNaN(ase, asig, k); return; }
  const s = ase >> 15;
  if (k == K_ZERO) { setR(ase, 0); return; }
  if (s != 0) { invalid(); return; }  // negative, denormal or not: invalid before DE
  if (k == K_INF) { setR(ase, asig); return; }
  if (k == K_DENORMAL) xFlags |= X_DE;
  unpackA(ase, asig);
  // value = m × 2^(e−63). Make the power of two even: N = m·2^64 (e odd) or m·2^63 (e even),
  // then √value = isqrt(N) × 2^(E−63) with E = ⌊e/2⌋ (arithmetic shift).
  const e = aExp;
  let nh: u64, nl: u64;
  if (e & 1) { nh = aSig; nl = 0; } else { nh = aSig >> 1; nl = aSig << 63; }
  const root = isqrt128(nh, nl);
  // sqrtRem = N − root² (≤ 2·root): the half-ulp test is sqrtRem > root (an exact half is impossible)
  const lo: u64 = sqrtRemZero ? 0 : (sqrtRemAboveRoot ? 0xc000000000000000 : 0x4000000000000000);
  roundToReg(0, e >> 1, root, lo, xPrec);
}

let sqrtRemZero = false;
let sqrtRemAboveRoot = false;
/** ⌊√(nh:nl)⌋ for nh ≥ 2^62 (a 64-bit root with bit 63 set), bit by bit. */
export function isqrt128(nh: u64, nl: u64): u64 {
  let res: u64 = 0;
  let rh: u64 = 0, rl: u64 = 0;   // remainder, < 2^66
  for (let i = 63; i >= 0; i--) {
    // bring down the next two bits of N
    const two: u64 = i >= 32 ? (nh >> <u64>((i - 32) * 2)) & 3 : (nl >> <u64>(i * 2)) & 3;
    rh = (rh << 2) | (rl >> 62);
    rl = (rl << 2) | two;
    // trial = 4·res + 1, up to 66 bits
    const th = res >> 62;
    const tl = (res << 2) | 1;
    if (rh > th || (rh == th && rl >= tl)) {
      const b: u64 = rl < tl ? 1 : 0;
      rl -= tl;
      rh = rh - th - b;
      res = (res << 1) | 1;
    } else res <<= 1;
  }
  sqrtRemZero = rh == 0 && rl == 0;
  sqrtRemAboveRoot = rh != 0 || rl > res;
  return res;
}
