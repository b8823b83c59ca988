// x87 arithmetic and comparison instructions (SDM vol. 2: FADD … FDIVR and their P/I forms,
// FCOM/FUCOM/FICOM/FCOMI/FTST/FXAM, FCHS, FABS, FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM(1), the
// transcendentals): operand fetch from the stack or memory, stack faults, and the masked and
// unmasked responses. An unmasked IE, DE or ZE leaves every register as it was.

import { d_reg, d_rm, d_modrm, d_addr } from '../decode/decoder';
import { exiting, raiseFault } from '../state';
import { read16, read32, read64 } from '../mmu/access';
import { EXIT_UD } from '../shared/exit';
import { ZF, PF, CF, OF, SF, AF } from '../shared/layout';
import { setStatusFlags } from './flags';
import {
  begin, finish, isEmpty, stSE, stSig, setST, pop, push, setIndefinite, stackUnderflow, stackOverflow,
  pushWouldOverflow, fcw, setTop, ftop, finishKeepC1, SW_C0, SW_C2, SW_C3, SW_C1,
} from './x87';
import {
  xAbort, xSetC1, xFlags, xMarkDenormal, rSE, rSig, fadd, fmul, fdiv, fsqrt, X_SF, INDEF_SE, INDEF_SIG,
} from './x87_math';
import { fromFloat, fromInt, cvtDenormal } from './x87_conv';
import { fcompare, cmpCodes, fxamCodes, frndint, fscale, fxtract, xtExpSE, xtExpSig, fprem, premCodes, premNaN, CMP_UN, CMP_LT, CMP_EQ } from './x87_func';
import { fsin, fcos, fsincos, sinSE, sinSig, fptan, fpatan, f2xm1, fyl2x, fyl2xp1, transOutOfRange } from './x87_trans';

// Memory operand formats of the D8/DA/DC/DE arithmetic rows
export const FMT_F32 = 0;
export const FMT_F64 = 1;
export const FMT_I32 = 2;
export const FMT_I16 = 3;

// ModRM.reg of the arithmetic group
const OP_ADD = 0;
const OP_MUL = 1;
const OP_COM = 2;
const OP_COMP = 3;
const OP_SUB = 4;
const OP_SUBR = 5;
const OP_DIV = 6;
const OP_DIVR = 7;

const CC3: u32 = SW_C0 | SW_C2 | SW_C3;

/** dst op src into rSE/rSig (op is never a comparison); srcDen: src was a memory denormal. */
function compute(op: i32, dse: u32, dsig: u64, sse: u32, ssig: u64, srcDen: bool): void {
  const reversed = op == OP_SUBR || op == OP_DIVR;
  xMarkDenormal(reversed && srcDen, !reversed && srcDen);
  switch (op) {
    case OP_ADD: fadd(dse, dsig, sse, ssig, false); break;
    case OP_MUL: fmul(dse, dsig, sse, ssig); break;
    case OP_SUB: fadd(dse, dsig, sse, ssig, true); break;
    case OP_SUBR: fadd(sse, ssig, dse, dsig, true); break;
    case OP_DIV: fdiv(dse, dsig, sse, ssig); break;
    default: fdiv(sse, ssig, dse, dsig); break;
  }
}

/** D8/DC/DA/DE with a memory operand: ST(0) = ST(0) op m32fp/m64fp/m32int/m16int, or compare. */
export function opFArithM(fmt: i32): void {
  if (!begin()) return;
  let raw: u64;
  if (fmt == FMT_F64) raw = read64(d_addr);
  else if (fmt == FMT_I16) raw = <u64>read16(d_addr);
  else raw = <u64>read32(d_addr);
  if (exiting) return;
  const op = d_reg & 7;
  let denormal = false;
  if (fmt <= FMT_F64) { fromFloat(raw, fmt == FMT_F64); denormal = cvtDenormal; }
  else if (fmt == FMT_I32) fromInt(<i64><i32>raw);
  else fromInt(<i64><i16>raw);
  const mse = rSE, msig = rSig;
  if (op == OP_COM || op == OP_COMP) { compareWith(mse, msig, denormal, false, op == OP_COMP ? 1 : 0); return; }
  if (isEmpty(0)) {
    if (stackUnderflow()) setIndefinite(0);
    finish(0, 0);
    return;
  }
  compute(op, stSE(0), stSig(0), mse, msig, denormal);
  if (!xAbort()) setST(0, rSE, rSig);
  finish(0, 0);
}

/**
 * Register forms: D8 (ST(0) = ST(0) op ST(i)), DC (ST(i) = ST(i) op ST(0)) and DE (the same, then
 * pop). DC/DE encode SUB/SUBR and DIV/DIVR the other way round (SDM's "FSUBR ST(i), ST(0)" at
 * DC E0+i); ModRM.reg 2 and 3 of DC and DE are aliases of FCOM/FCOMP, and DE D9 is FCOMPP.
 */
export function opFArithR(form: i32): void {
  const op = d_reg & 7;
  const i = d_rm & 7;
  if (op == OP_COM || op == OP_COMP) {
    if (form == 2 && op == OP_COMP) {
      if (i != 1) { raiseFault(EXIT_UD, 0); return; }
      compareST(1, false, 2, false);  // FCOMPP
      return;
    }
    compareST(i, false, op == OP_COMP || form == 2 ? 1 : 0, false);
    return;
  }
  if (!begin()) return;
  const dst = form == 0 ? 0 : i;
  if (isEmpty(0) || isEmpty(i)) {
    if (stackUnderflow()) { setIndefinite(dst); if (form == 2) pop(); }
    finish(0, 0);
    return;
  }
  const src = form == 0 ? i : 0;
  compute(form != 0 && op >= OP_SUB ? op ^ 1 : op, stSE(dst), stSig(dst), stSE(src), stSig(src), false);
  if (!xAbort()) { setST(dst, rSE, rSig); if (form == 2) pop(); }
  finish(0, 0);
}

// ---- comparisons ------------------------------------------------------------------------------
/** Sets C3 C2 C0 (or ZF PF CF for FCOMI) from a comparison result; pops `pops` registers. */
function compareDone(r: i32, pops: i32, toEflags: bool): void {
  // the condition codes are set even when an unmasked IE or DE stops the pop
  if (!xAbort()) for (let k = 0; k < pops; k++) pop();
  if (toEflags) {
    const f: u64 = r == CMP_UN ? <u64>(ZF | PF | CF) : r == CMP_LT ? <u64>CF : r == CMP_EQ ? <u64>ZF : 0;
    setStatusFlags(<u64>(ZF | PF | CF | OF | SF | AF), f);
    if (xFlags & X_SF) finish(0, 0); else finishKeepC1(); // FCOMI leaves C1 (the host's behaviour)
  } else finish(cmpCodes(r), CC3);
}

/** ST(0) compared with a converted memory operand (FCOM m, FICOM m). */
function compareWith(mse: u32, msig: u64, denormal: bool, quiet: bool, pops: i32): void {
  if (isEmpty(0)) {
    stackUnderflow();
    compareDone(CMP_UN, pops, false);
    return;
  }
  xMarkDenormal(false, denormal);
  compareDone(fcompare(stSE(0), stSig(0), mse, msig, quiet), pops, false);
}

/** ST(0) compared with ST(i). */
function compareST(i: i32, quiet: bool, pops: i32, toEflags: bool): void {
  if (!begin()) return;
  if (isEmpty(0) || isEmpty(i)) {
    stackUnderflow();
    compareDone(CMP_UN, pops, toEflags);
    return;
  }
  compareDone(fcompare(stSE(0), stSig(0), stSE(i), stSig(i), quiet), pops, toEflags);
}

/** DD /4 reg FUCOM ST(i), /5 FUCOMP ST(i); DA E9 FUCOMPP (pops = 2). */
export function opFucom(pops: i32): void {
  if (pops == 2 && d_modrm != 0xe9) { raiseFault(EXIT_UD, 0); return; }
  compareST(pops == 2 ? 1 : d_rm & 7, true, pops, false);
}
/** DB /6 reg FCOMI, DB /5 reg FUCOMI, DF /6 FCOMIP, DF /5 FUCOMIP: ZF PF CF from the comparison. */
export function opFcomi(quiet: i32, pops: i32): void { compareST(d_rm & 7, quiet != 0, pops, true); }

// ---- D9 E0..FF: one-byte-form operations on the stack top ---------------------------------------
/** D9 /4../7 with mod == 3: selected by the whole ModRM byte. */
export function opD9Misc(): void {
  switch (d_modrm) {
    case 0xe0: signOp(0); return;      // fchs
    case 0xe1: signOp(1); return;      // fabs
    case 0xe4: ftst(); return;
    case 0xe5: fxam(); return;
    case 0xe8: case 0xe9: case 0xea: case 0xeb: case 0xec: case 0xed: case 0xee:
      fldConst(d_modrm - 0xe8); return;
    case 0xf0: unary(U_F2XM1); return;
    case 0xf1: binaryPop(B_FYL2X); return;
    case 0xf2: fptanOp(); return;
    case 0xf3: binaryPop(B_FPATAN); return;
    case 0xf4: fxtractOp(); return;
    case 0xf5: fpremOp(true); return;
    case 0xf6: stepTop(-1); return;    // fdecstp
    case 0xf7: stepTop(1); return;     // fincstp
    case 0xf8: fpremOp(false); return;
    case 0xf9: binaryPop(B_FYL2XP1); return;
    case 0xfa: unary(U_SQRT); return;
    case 0xfb: fsincosOp(); return;
    case 0xfc: unary(U_RNDINT); return;
    case 0xfd: fscaleOp(); return;
    case 0xfe: unary(U_SIN); return;
    case 0xff: unary(U_COS); return;
    default: raiseFault(EXIT_UD, 0);
  }
}

/** FCHS / FABS: sign operations on any value, NaNs included, without exceptions. */
function signOp(abs: i32): void {
  if (!begin()) return;
  if (isEmpty(0)) { if (stackUnderflow()) setIndefinite(0); finish(0, 0); return; }
  const se = stSE(0);
  setST(0, abs ? se & 0x7fff : se ^ 0x8000, stSig(0));
  finish(0, 0);
}

function ftst(): void {
  if (!begin()) return;
  if (isEmpty(0)) {
    stackUnderflow();
    compareDone(CMP_UN, 0, false);
    return;
  }
  compareDone(fcompare(stSE(0), stSig(0), 0, 0, false), 0, false);
}

function fxam(): void {
  if (!begin()) return;
  const codes = fxamCodes(stSE(0), stSig(0), isEmpty(0));
  xSetC1((codes & SW_C1) ? 1 : 0);
  finish(codes, CC3);
}

/** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ: the constant rounded by RC (no PE). */
function fldConst(k: i32): void {
  if (!begin()) return;
  if (k == 7) { raiseFault(EXIT_UD, 0); return; }
  if (pushWouldOverflow()) {
    if (stackOverflow()) pushIndefiniteTop();
    finish(0, 0);
    return;
  }
  let se: u32 = 0, hi: u64 = 0, lo: u64 = 0;
  switch (k) {
    case 0: se = 16383; hi = 0x8000000000000000; break;
    case 1: se = 16384; hi = 0xd49a784bcd1b8afe; lo = 0x492bf6ff4dafdb4c; break;
    case 2: se = 16383; hi = 0xb8aa3b295c17f0bb; lo = 0xbe87fed0691d3e88; break;
    case 3: se = 16384; hi = 0xc90fdaa22168c234; lo = 0xc4c6628b80dc1cd1; break;
    case 4: se = 16381; hi = 0x9a209a84fbcff798; lo = 0x8f8959ac0b7c9178; break;
    case 5: se = 16382; hi = 0xb17217f7d1cf79ab; lo = 0xc9e3b39803f2f6af; break;
    default: break; // FLDZ
  }
  const rc = (fcw() >> 10) & 3;
  if (lo != 0 && ((rc == 0 && (lo >> 63) != 0) || rc == 2)) hi++; // nearest (no ties) or up
  push(se, hi);
  finish(0, 0);
}
function pushIndefiniteTop(): void { push(INDEF_SE, INDEF_SIG); }

/** FDECSTP / FINCSTP: TOP moves, tags and contents stay; C1 = 0. */
function stepTop(d: i32): void {
  if (!begin()) return;
  setTop(ftop() + d);
  finish(0, 0);
}

const U_SQRT = 0;
const U_RNDINT = 1;
const U_F2XM1 = 2;
const U_SIN = 3;
const U_COS = 4;

/** One-operand functions on ST(0); FSIN/FCOS set C2 when |x| ≥ 2^63 and leave it. */
function unary(fn: i32): void {
  if (!begin()) return;
  const trig = fn == U_SIN || fn == U_COS;
  if (isEmpty(0)) { if (stackUnderflow()) setIndefinite(0); finish(0, trig ? SW_C2 : 0); return; }
  const se = stSE(0), sig = stSig(0);
  switch (fn) {
    case U_SQRT: fsqrt(se, sig); break;
    case U_RNDINT: frndint(se, sig); break;
    case U_F2XM1: f2xm1(se, sig); break;
    case U_SIN: fsin(se, sig); break;
    default: fcos(se, sig); break;
  }
  if (!xAbort()) setST(0, rSE, rSig);
  finish(trig && transOutOfRange ? SW_C2 : 0, trig ? SW_C2 : 0);
}

const B_FYL2X = 0;
const B_FPATAN = 1;
const B_FYL2XP1 = 2;

/** FYL2X, FPATAN, FYL2XP1: ST(1) = f(ST(1), ST(0)), then pop. */
function binaryPop(fn: i32): void {
  if (!begin()) return;
  if (isEmpty(0) || isEmpty(1)) {
    if (stackUnderflow()) { setIndefinite(1); pop(); }
    finish(0, 0);
    return;
  }
  const yse = stSE(1), ysig = stSig(1), xse = stSE(0), xsig = stSig(0);
  if (fn == B_FYL2X) fyl2x(yse, ysig, xse, xsig);
  else if (fn == B_FPATAN) fpatan(yse, ysig, xse, xsig);
  else fyl2xp1(yse, ysig, xse, xsig);
  if (!xAbort()) { setST(1, rSE, rSig); pop(); }
  finish(0, 0);
}

/** FPTAN: ST(0) = tan ST(0), then push 1.0 (C2 and nothing else when |x| ≥ 2^63). */
function fptanOp(): void {
  if (!begin()) return;
  if (isEmpty(0)) { if (stackUnderflow()) { setIndefinite(0); pushIndefiniteTop(); } finish(0, SW_C2); return; }
  if (pushWouldOverflow()) {
    if (stackOverflow()) { setIndefinite(0); pushIndefiniteTop(); }
    finish(0, SW_C2);
    return;
  }
  fptan(stSE(0), stSig(0));
  if (transOutOfRange) { finish(SW_C2, SW_C2); return; }
  if (!xAbort()) {
    setST(0, rSE, rSig);
    // a NaN result is pushed a second time instead of 1.0 (the host's FPTAN, like FSINCOS)
    if ((rSE & 0x7fff) == 0x7fff && (rSig << 1) != 0) push(rSE, rSig); else push(16383, 0x8000000000000000);
  }
  finish(0, SW_C2);
}

/** FSINCOS: ST(0) = sin, then push cos. */
function fsincosOp(): void {
  if (!begin()) return;
  if (isEmpty(0)) { if (stackUnderflow()) { setIndefinite(0); pushIndefiniteTop(); } finish(0, SW_C2); return; }
  if (pushWouldOverflow()) {
    if (stackOverflow()) { setIndefinite(0); pushIndefiniteTop(); }
    finish(0, SW_C2);
    return;
  }
  const nan = fsincos(stSE(0), stSig(0));
  if (transOutOfRange) { finish(SW_C2, SW_C2); return; }
  if (!xAbort()) {
    if (nan) { setST(0, rSE, rSig); push(rSE, rSig); } // NaN/invalid: both results alike
    else { setST(0, sinSE, sinSig); push(rSE, rSig); }
  }
  finish(0, SW_C2);
}

/** FXTRACT: ST(0) = exponent, then push the significand. */
function fxtractOp(): void {
  if (!begin()) return;
  if (isEmpty(0)) { if (stackUnderflow()) { setIndefinite(0); pushIndefiniteTop(); } finish(0, 0); return; }
  if (pushWouldOverflow()) {
    if (stackOverflow()) { setIndefinite(0); pushIndefiniteTop(); }
    finish(0, 0);
    return;
  }
  fxtract(stSE(0), stSig(0));
  if (!xAbort()) { setST(0, xtExpSE, xtExpSig); push(rSE, rSig); }
  finish(0, 0);
}

/** FSCALE: ST(0) = ST(0) · 2^trunc(ST(1)). */
function fscaleOp(): void {
  if (!begin()) return;
  if (isEmpty(0) || isEmpty(1)) { if (stackUnderflow()) setIndefinite(0); finish(0, 0); return; }
  fscale(stSE(0), stSig(0), stSE(1), stSig(1));
  if (!xAbort()) setST(0, rSE, rSig);
  finish(0, 0);
}

/** FPREM / FPREM1: C2 = incomplete; C0 C3 C1 = quotient bits 2 1 0. */
function fpremOp(nearest: bool): void {
  if (!begin()) return;
  if (isEmpty(0) || isEmpty(1)) { if (stackUnderflow()) setIndefinite(0); finish(0, SW_C2); return; }
  fprem(stSE(0), stSig(0), stSE(1), stSig(1), nearest);
  if (xAbort()) { finish(0, SW_C2); return; }
  setST(0, rSE, rSig);
  if (premNaN) { finish(0, SW_C2); return; } // a NaN result: C2 = 0, C0 and C3 stay
  xSetC1((premCodes & SW_C1) ? 1 : 0);
  finish(premCodes, CC3);
}
