// x87 data transfer (SDM vol. 2: FLD, FST, FSTP, FILD, FIST, FISTP, FISTTP, FBLD, FBSTP, FXCH,
// FCMOVcc, FFREE, FFREEP): loads convert exactly and push (stack overflow loads the indefinite),
// stores round by RC and write memory before any register changes, so a page fault leaves the
// FPU untouched. FISTTP is SSE3's; it is implemented, but CPUID does not report SSE3.

import { d_reg, d_rm, d_addr } from '../decode/decoder';
import { exiting } from '../state';
import { read16, read32, read64, write16, write32, write64, probeWrite, probeRead } from '../mmu/access';
import { cond } from './flags';
import {
  begin, finish, isEmpty, stSE, stSig, setST, setEmpty, pop, push, setIndefinite, stackUnderflow, stackOverflow,
  pushWouldOverflow, pushIndefinite, finishKeepC1,
} from './x87';
import { xRaise, xUnmasked, X_IE, xRC, rSE, rSig, quietNaN, classify, K_SNAN, X_DE, INDEF_SE, INDEF_SIG } from './x87_math';
import { fromFloat, fromInt, fromBCD, toFloat, toInt, toBCD, bcdHi, cvtDenormal, cvtStore, ROUND_TRUNC } from './x87_conv';

// Memory formats of the load/store rows
export const M_F32 = 0;
export const M_F64 = 1;
export const M_F80 = 2;
export const M_I16 = 3;
export const M_I32 = 4;
export const M_I64 = 5;
export const M_BCD = 6;

// ---- loads -----------------------------------------------------------------------------------------
/** FLD m32fp/m64fp/m80fp, FILD m16/m32/m64int, FBLD m80bcd: convert, then push. */
export function opFldM(fmt: i32): void {
  if (!begin()) return;
  let lo: u64 = 0;
  let hi: u32 = 0;
  if (fmt == M_F80 || fmt == M_BCD) {
    if (!probeRead(d_addr, 10)) return;
    lo = read64(d_addr);
    hi = read16(d_addr + 8);
  } else if (fmt == M_F64 || fmt == M_I64) lo = read64(d_addr);
  else if (fmt == M_I16) lo = <u64>read16(d_addr);
  else lo = <u64>read32(d_addr);
  if (exiting) return;
  if (pushWouldOverflow()) {
    if (stackOverflow()) pushIndefinite();
    finish(0, 0);
    return;
  }
  let se: u32, sig: u64;
  switch (fmt) {
    case M_F32: case M_F64: {
      fromFloat(lo, fmt == M_F64);
      if (cvtDenormal) xRaise(X_DE);
      if (classify(rSE, rSig) == K_SNAN) quietNaN(rSE, rSig, K_SNAN);
      se = rSE; sig = rSig;
      break;
    }
    case M_F80: se = hi; sig = lo; break; // a plain copy: no checks at all
    case M_I16: fromInt(<i64><i16>lo); se = rSE; sig = rSig; break;
    case M_I32: fromInt(<i64><i32>lo); se = rSE; sig = rSig; break;
    case M_I64: fromInt(<i64>lo); se = rSE; sig = rSig; break;
    default: fromBCD(lo, hi); se = rSE; sig = rSig; break;
  }
  // a denormal operand loads even with DE unmasked (it is exact): only an unmasked IE stops it
  if (!xUnmasked(X_IE)) push(se, sig);
  finish(0, 0);
}

/** D9 /0 reg: FLD ST(i) — pushes a copy of ST(i) (read before TOP moves). */
export function opFldST(): void {
  if (!begin()) return;
  const i = d_rm & 7;
  if (isEmpty(i)) { // checked first: an empty source on a full stack reports underflow (C1 = 0)
    if (stackUnderflow()) pushIndefinite();
    finish(0, 0);
    return;
  }
  if (pushWouldOverflow()) {
    if (stackOverflow()) pushIndefinite();
    finish(0, 0);
    return;
  }
  push(stSE(i), stSig(i));
  finish(0, 0);
}

// ---- stores ----------------------------------------------------------------------------------------
/**
 * FST/FSTP m32fp/m64fp, FSTP m80fp, FIST/FISTP m16/m32int, FISTP m64int, FISTTP m16/32/64int,
 * FBSTP m80bcd (pops = 1 pops after the store; trunc = 1 for FISTTP).
 */
export function opFstM(fmt: i32, pops: i32, trunc: i32): void {
  if (!begin()) return;
  // the destination must be writable even when an unmasked exception will suppress the store
  const size = fmt == M_F32 || fmt == M_I32 ? 4 : fmt == M_F64 || fmt == M_I64 ? 8 : fmt == M_I16 ? 2 : 10;
  if (!probeWrite(d_addr, size)) return;
  let v: u64 = 0;
  let hi: u32 = 0;
  let doStore = true;
  if (isEmpty(0)) {
    if (!stackUnderflow()) { finish(0, 0); return; }
    switch (fmt) { // the masked response stores the format's indefinite
      case M_F32: v = 0xffc00000; break;
      case M_F64: v = 0xfff8000000000000; break;
      case M_F80: v = INDEF_SIG; hi = INDEF_SE; break;
      case M_I16: v = 0x8000; break;
      case M_I32: v = 0x80000000; break;
      case M_I64: v = 0x8000000000000000; break;
      default: v = 0xc000000000000000; hi = 0xffff; break;
    }
  } else {
    const se = stSE(0), sig = stSig(0);
    switch (fmt) {
      case M_F32: v = toFloat(se, sig, false); doStore = cvtStore; break;
      case M_F64: v = toFloat(se, sig, true); doStore = cvtStore; break;
      case M_F80: v = sig; hi = se; break;
      case M_I16: v = toInt(se, sig, 16, trunc ? ROUND_TRUNC : xRC); doStore = cvtStore; break;
      case M_I32: v = toInt(se, sig, 32, trunc ? ROUND_TRUNC : xRC); doStore = cvtStore; break;
      case M_I64: v = toInt(se, sig, 64, trunc ? ROUND_TRUNC : xRC); doStore = cvtStore; break;
      default: v = toBCD(se, sig); hi = bcdHi; doStore = cvtStore; break;
    }
  }
  if (doStore) {
    switch (fmt) {
      case M_F32: case M_I32: write32(d_addr, <u32>v); break;
      case M_F64: case M_I64: write64(d_addr, v); break;
      case M_I16: write16(d_addr, <u32>v); break;
      default:
        write64(d_addr, v);
        write16(d_addr + 8, hi);
        break;
    }
    if (exiting) return;
    if (pops) pop();
  }
  finish(0, 0);
}

/**
 * DD /2 reg FST ST(i), DD /3 reg FSTP ST(i) (and the DF /2, DF /3 aliases of FSTP); pops = 2:
 * D9 /3 reg, the alias that on an empty ST(0) just pops, without a stack fault (the host's).
 */
export function opFstST(pops: i32): void {
  if (!begin()) return;
  const i = d_rm & 7;
  if (pops == 2 && isEmpty(0)) { pop(); finish(0, 0); return; }
  if (isEmpty(0)) {
    if (stackUnderflow()) { setIndefinite(i); if (pops) pop(); }
    finish(0, 0);
    return;
  }
  setST(i, stSE(0), stSig(0));
  if (pops) pop();
  finish(0, 0);
}

// ---- register moves ----------------------------------------------------------------------------------
/** D9 /1 reg FXCH ST(i) (and the DD /1, DF /1 aliases): an empty side reads as the indefinite. */
export function opFxch(): void {
  if (!begin()) return;
  const i = d_rm & 7;
  let ase = stSE(0), asig = stSig(0), bse = stSE(i), bsig = stSig(i);
  if (isEmpty(0) || isEmpty(i)) {
    if (!stackUnderflow()) { finish(0, 0); return; }
    if (isEmpty(0)) { ase = INDEF_SE; asig = INDEF_SIG; }
    if (isEmpty(i)) { bse = INDEF_SE; bsig = INDEF_SIG; }
  }
  setST(0, bse, bsig);
  setST(i, ase, asig);
  finish(0, 0);
}

/** DA/DB /0../3 reg: FCMOVcc ST(0), ST(i) by the EFLAGS condition (DB negates DA's). */
export function opFcmov(negate: i32): void {
  if (!begin()) return;
  const i = d_rm & 7;
  // B (CF), E (ZF), BE (CF|ZF), U (PF) as Jcc condition codes
  const codes: i32 = d_reg & 3;
  const cc = codes == 0 ? 2 : codes == 1 ? 4 : codes == 2 ? 6 : 0xa;
  if (isEmpty(0) || isEmpty(i)) {
    if (stackUnderflow()) setIndefinite(0);
    finish(0, 0);
    return;
  }
  if (cond(cc | negate)) setST(0, stSE(i), stSig(i));
  finishKeepC1(); // C1 is left as it was (undefined in the SDM; the host keeps it)
}

/** DD /0 reg FFREE ST(i); DF /0 reg FFREEP ST(i) (frees, then pops). */
export function opFfree(pops: i32): void {
  if (!begin()) return;
  setEmpty(d_rm & 7);
  if (pops) pop();
  finish(0, 0);
}
