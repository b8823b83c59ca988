// Instruction forms of the compiler tier added in session 5 (issue #11; docs/architecture.md,
// "Compiled instruction forms, session 5"): the ones the profiles of the benchmark workloads
// (WASL_JIT_STATS=1) still showed in the interpreter or ending blocks. Each is emitted with the
// BlockCompiler's own helpers (TLB-translated memory, lazy flags, exits before the instruction
// when the fast path does not apply), and each keeps the core's semantics exactly: where the
// logic is not a one-liner (shifts) the core's routine is called, and flags the SDM leaves
// undefined are set as the core sets them, so the interpreter and compiled code agree bit for bit.
//
// translateForm returns undefined for an instruction that is not one of these forms (the
// compiler goes on with its own), null when it is but cannot be compiled here (the block ends
// and the interpreter runs it), or 'next'.

import * as L from '../../shared/layout.js';
import {
  OP, L_T0, L_T1, L_T2, L_T3, L_A, L_P, L_V, L_CODE, L_FD, L_FS, L_FR, F_GETCF, F_SHIFT, F_FLAGS,
  FL_ADD, FL_SUB, FL_LOGIC, FL_INC, FL_DEC, flagsDeadAfter,
  P_66, P_67, P_LOCK, P_F2, P_F3, P_FS, P_GS, SIMD_66, byteOperand,
} from './compiler.js';
import type { BlockCompiler, Insn } from './compiler.js';

// wasm opcodes the compiler's table does not name
const I64_CLZ = 0x79, I64_CTZ = 0x7a, I64_POPCNT = 0x7b;
const MISC = 0xfc, MEMORY_COPY = 10;
// SIMD (0xFD prefix)
const V128_CONST = 0x0c, I8X16_SHUFFLE = 0x0d, I8X16_SWIZZLE = 0x0e, I64X2_SPLAT = 0x12, I64X2_EXTRACT = 0x1d;
const V128_AND = 0x4e, V128_OR = 0x50;
const I8X16_NARROW_S = 0x65, I8X16_NARROW_U = 0x66, I16X8_NARROW_S = 0x85;
const I8X16_SUB_SAT_U = 0x73, I16X8_EXTADD_U8 = 0x7d, I32X4_EXTADD_U16 = 0x7f;
const I32X4_SHR_S = 0xac, I32X4_SHR_U = 0xad, I64X2_SHR_U = 0xcd, I64X2_ADD = 0xce, I64X2_MUL = 0xd5;
const I32X4_EXTMUL_LO_S = 0xbc, I32X4_EXTMUL_HI_S = 0xbd, I32X4_EXTMUL_LO_U = 0xbe, I32X4_EXTMUL_HI_U = 0xbf;
const I32X4_DOT_S = 0xba;

/** WASL_JIT_FORMS=0 leaves these forms to the interpreter again (to measure what they bring). */
const ON = typeof process === 'undefined' || process.env?.WASL_JIT_FORMS !== '0';

const ADC = 2, SBB = 3;

/**
 * The compiler's flag state after a form of this file that wrote all six status flags eagerly
 * (LAZY_OP = 0, RFLAGS current): the compiler replaces its flag state with a new object at any
 * change (spillFlags keeps it when nothing is to spill, which changes nothing), so while
 * `c.flags === EAGER` the state block's RFLAGS can be read as it is.
 */
const EAGER: { local: false } = { local: false };
const R_CX = 1, R_SI = 6, R_DI = 7;

/**
 * SSE2 forms whose wasm SIMD counterpart is lane for lane the same operation, with the same
 * saturation and wrap-around: `dst = op(dst, src)`, by opcode (all 66-prefixed).
 */
const LANEWISE: Record<number, number> = {
  0x163: I8X16_NARROW_S, 0x167: I8X16_NARROW_U, 0x16b: I16X8_NARROW_S, // packsswb, packuswb, packssdw
  0x164: 0x27, 0x165: 0x31, 0x166: 0x3b,                    // pcmpgtb/w/d (gt_s)
  0x1d8: 0x73, 0x1d9: 0x93, 0x1dc: 0x70, 0x1dd: 0x90,       // psubusb/w, paddusb/w
  0x1e8: 0x72, 0x1e9: 0x92, 0x1ec: 0x6f, 0x1ed: 0x8f,       // psubsb/w, paddsb/w
  0x1da: 0x77, 0x1de: 0x79, 0x1ea: 0x96, 0x1ee: 0x98,       // pminub, pmaxub, pminsw, pmaxsw
  0x1e0: 0x7b, 0x1e3: 0x9b,                                 // pavgb, pavgw (rounding up, as avgr_u)
  0x1f5: I32X4_DOT_S,                                       // pmaddwd (0x8000² twice wraps alike)
};

/** The form of x this file compiles, or undefined. */
export function translateForm(c: BlockCompiler, x: Insn, k: number): 'next' | null | undefined {
  if (!ON) return undefined;
  const { op, prefix } = x;
  const mem = x.mod !== 3;
  // bswap r32/r64 (the 16-bit form, which the core zeroes, stays in the interpreter)
  if (op >= 0x1c8 && op <= 0x1cf) {
    if (prefix & P_LOCK || x.opsize === 2) return null;
    return bswap(c, (op & 7) | ((x.rex & 1) << 3), x.opsize);
  }
  // bt/bts/btr/btc r32/r64, imm8 (0F BA /4-7): busybox sort's key comparison tests option bits
  // this way, and left its blocks ~1.9 M times to run them in the interpreter.
  if (op === 0x1ba && !mem && (x.reg & 7) >= 4 && !(prefix & (P_LOCK | P_F2 | P_F3 | P_66)) && (x.opsize === 4 || x.opsize === 8)) {
    return bitTestImm(c, x, k, x.opsize);
  }
  if ((op < 0x40 && (op & 7) <= 5 && ((op >> 3) === ADC || (op >> 3) === SBB)) ||
      ((op === 0x80 || op === 0x81 || op === 0x83) && ((x.reg & 7) === ADC || (x.reg & 7) === SBB))) {
    if (prefix & (P_LOCK | P_F2 | P_F3)) return null;
    return adcSbb(c, x, k);
  }
  // inc / dec without a call into the core (below)
  if ((op === 0xfe || op === 0xff) && (x.reg & 7) <= 1) {
    if (prefix & (P_LOCK | P_F2 | P_F3)) return null;
    return incDec(c, x, k);
  }
  // shifts and rotates the compiler itself leaves out: byte and word operands, memory operands
  if (op === 0xc0 || op === 0xc1 || op === 0xd0 || op === 0xd1 || op === 0xd2 || op === 0xd3) {
    const size = byteOperand(op) ? 1 : x.opsize;
    if (!mem && size >= 4) {
      // by a constant with live flags: inline, flags and all (the compiler does dead flags)
      const g = x.reg & 7;
      const count = op === 0xd1 ? 1 : Number(x.imm & 0xffn) & (size === 8 ? 63 : 31);
      // RCL/RCR by 1 (Go's division by a constant: add, then rcr 1 through the add's carry):
      // inline, the carry in from the compiler's flags.
      if (op !== 0xd3 && (g === 2 || g === 3) && count === 1 && !(prefix & (P_LOCK | P_F2 | P_F3))) {
        return shiftLive(c, x, g, 1, size, flagsDeadAfter(c.insns, k));
      }
      if (op === 0xd3 || g === 2 || g === 3 || count === 0 || prefix & (P_LOCK | P_F2 | P_F3) || flagsDeadAfter(c.insns, k)) return undefined;
      return shiftLive(c, x, g, count, size);
    }
    if (prefix & (P_LOCK | P_F2 | P_F3)) return null;
    return shiftViaCore(c, x, k, size);
  }
  // bsf / bsr, also with F3 (tzcnt/lzcnt's encoding: wasl's CPU has no BMI1/ABM, so they are bsf/bsr)
  if (op === 0x1bc || op === 0x1bd) {
    if (prefix & P_LOCK) return null;
    return bitScan(c, x, k, op === 0x1bd);
  }
  // push imm8/imm32 (sign-extended), push r/m64 (musl's qsort passes arguments on the stack)
  if (op === 0x6a || op === 0x68 || (op === 0xff && (x.reg & 7) === 6)) {
    if (prefix & (P_LOCK | P_66 | P_F2 | P_F3)) return null;
    return push(c, x, k);
  }
  // movs, rep movs
  if (op === 0xa4 || op === 0xa5) {
    if (prefix & (P_LOCK | P_67 | P_FS | P_GS)) return null;
    return movs(c, x, k);
  }
  if (x.simd !== SIMD_66 || prefix & P_LOCK) return undefined;
  if (LANEWISE[op] !== undefined) {
    c.xmmGet(x.reg); c.sseSrc(x, k); c.simd(LANEWISE[op]);
    return c.popToXmm(x.reg);
  }
  switch (op) {
    case 0x1e5: case 0x1e4: return mulHigh(c, x, k, op === 0x1e5); // pmulhw, pmulhuw
    case 0x1f4: { // pmuludq: the low dwords of each quadword, multiplied whole
      const lo = (): void => { c.simd(V128_CONST, ...lanes64(0xffffffffn)); c.simd(V128_AND); };
      c.sseSrc(x, k); lo(); c.set(L_V); c.xmmGet(x.reg); lo(); c.get(L_V); c.simd(I64X2_MUL);
      return c.popToXmm(x.reg);
    }
    case 0x1f6: { // psadbw: |a - b| per byte (the two saturating differences or'd), summed per quadword
      c.sseSrc(x, k); c.set(L_V);
      c.xmmGet(x.reg); c.get(L_V); c.simd(I8X16_SUB_SAT_U);
      c.get(L_V); c.xmmGet(x.reg); c.simd(I8X16_SUB_SAT_U);
      c.simd(V128_OR); c.simd(I16X8_EXTADD_U8); c.simd(I32X4_EXTADD_U16); c.set(L_V);
      c.get(L_V); c.simd(V128_CONST, ...lanes64(0xffffffffn)); c.simd(V128_AND);
      c.get(L_V); c.i32(32); c.simd(I64X2_SHR_U); c.simd(I64X2_ADD);
      return c.popToXmm(x.reg);
    }
    case 0x173: { // psrldq / pslldq by an immediate (a count past 15 clears the register)
      const g = x.reg & 7;
      if (mem || (g !== 3 && g !== 7)) return undefined;
      const n = Number(x.imm & 0xffn);
      const lanes: number[] = [];
      for (let i = 0; i < 16; i++) {
        const j = g === 3 ? i + n : i - n;
        lanes.push(j >= 0 && j < 16 ? j : 16);
      }
      c.xmmGet(x.rm); zero(c); c.simd(I8X16_SHUFFLE, ...lanes);
      return c.popToXmm(x.rm);
    }
    case 0x200: { // pshufb: an index with bit 7 set gives 0, else its low four bits pick the byte;
      // swizzle gives 0 for any index past 15, so masking the index with 0x8F makes them the same
      c.xmmGet(x.reg); c.sseSrc(x, k); c.simd(V128_CONST, ...new Array(16).fill(0x8f)); c.simd(V128_AND);
      c.simd(I8X16_SWIZZLE);
      return c.popToXmm(x.reg);
    }
    case 0x30f: { // palignr: bytes n.. of dst:src (dst the high half), zeros past the end
      const n = Number(x.imm & 0xffn);
      const lanes: number[] = [];
      if (n >= 16) {
        for (let i = 0; i < 16; i++) lanes.push(i + n - 16 < 16 ? i + n - 16 : 16);
        c.xmmGet(x.reg); zero(c);
      } else {
        for (let i = 0; i < 16; i++) lanes.push(i + n);
        c.sseSrc(x, k); c.xmmGet(x.reg);
      }
      c.simd(I8X16_SHUFFLE, ...lanes);
      return c.popToXmm(x.reg);
    }
  }
  return undefined;
}

/**
 * For the compiler's flag-liveness scan: x is one of this file's forms that neither reads nor
 * writes the status flags and cannot leave the block (no memory operand): bswap, and the SSE
 * forms between registers.
 */
export function formLeavesFlags(x: Insn): boolean {
  const { op } = x;
  if (!ON || x.prefix & P_LOCK) return false;
  if (op >= 0x1c8 && op <= 0x1cf) return x.opsize !== 2;
  if (x.mod !== 3 || x.simd !== SIMD_66) return false;
  if (LANEWISE[op] !== undefined) return true;
  if (op === 0x173) return (x.reg & 7) === 3 || (x.reg & 7) === 7;
  return op === 0x1e5 || op === 0x1e4 || op === 0x1f4 || op === 0x1f6 || op === 0x200 || op === 0x30f;
}

/**
 * For the compiler's cond(): while the flags are EAGER (LAZY_OP = 0, RFLAGS current), condition
 * cc is answered from RFLAGS's bits inline, as the core's cond() answers it with no lazy record
 * pending. Pushes the i32 and returns true, or returns false (emitting nothing).
 */
export function condFromRflags(c: BlockCompiler, cc: number): boolean {
  if (c.flags !== EAGER) return false;
  const I32_AND = 0x71, I32_OR = 0x72, I32_XOR = 0x73, I32_SHR_U = 0x76;
  const flag = (bit: number): void => { c.i32(L.STATE); c.mem(OP.i32_load, L.RFLAGS); if (bit) { c.i32(bit); c.e(I32_SHR_U); } };
  const SF_NE_OF = (): void => { flag(7); flag(11); c.e(I32_XOR); };
  switch (cc >> 1) {
    case 0: flag(11); break;                           // O
    case 1: flag(0); break;                            // B (CF)
    case 2: flag(6); break;                            // E (ZF)
    case 3: flag(0); flag(6); c.e(I32_OR); break;      // BE (CF | ZF)
    case 4: flag(7); break;                            // S
    case 5: flag(2); break;                            // P
    case 6: SF_NE_OF(); break;                         // L (SF != OF)
    default: flag(6); SF_NE_OF(); c.e(I32_OR);         // LE (ZF | SF != OF)
  }
  c.i32(1); c.e(I32_AND);
  if (cc & 1) { c.i32(1); c.e(I32_XOR); }
  return true;
}

function zero(c: BlockCompiler): void { c.simd(V128_CONST, ...new Array(16).fill(0)); }
/** The bytes of a v128 constant whose two 64-bit lanes are v. */
function lanes64(v: bigint): number[] {
  const b: number[] = [];
  for (let l = 0; l < 2; l++) for (let i = 0; i < 8; i++) b.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return b;
}

/** bswap: the register's bytes reversed through a byte shuffle (wasm has no byte swap). */
function bswap(c: BlockCompiler, r: number, size: number): 'next' {
  c.readReg(r, size, 0); c.simd(I64X2_SPLAT); c.set(L_V);
  const lanes = size === 8 ? [7, 6, 5, 4, 3, 2, 1, 0] : [3, 2, 1, 0, 4, 5, 6, 7];
  c.get(L_V); c.get(L_V); c.simd(I8X16_SHUFFLE, ...lanes, ...lanes.map((l) => l + 8));
  c.simd(I64X2_EXTRACT, 0);
  c.writeReg(r, size, 0); // a 32-bit result is cut to its size and zero-extended there
  return 'next';
}

/**
 * ADC / SBB in every form and size: the carry comes from the lazy flags (in locals when the
 * compiler has them), and the flags are left as the core's alu() leaves them: a lazy record of
 * kind ADD/SUB for a carry-in of 0 and ADC/SBB for 1 (FL_ADC = FL_ADD + 1, FL_SBB = FL_SUB + 1),
 * written to the state block, since the kind is known only at run time.
 */
function adcSbb(c: BlockCompiler, x: Insn, k: number): 'next' {
  const { op } = x;
  const mem = x.mod !== 3;
  const size = byteOperand(op) ? 1 : x.opsize;
  const sbb = op < 0x40 ? (op >> 3) === SBB : (x.reg & 7) === SBB;
  const form = op >= 0x80 ? 'EI' : (op & 7) <= 1 ? 'EG' : (op & 7) <= 3 ? 'GE' : 'AI';
  const dstMem = mem && (form === 'EG' || form === 'EI');
  // a (the destination's value) into T0, b into T1
  if (dstMem) {
    c.address(x); c.translate(size, false, k, x); c.translate(size, true, k, x); c.load(size);
  } else if (form === 'EG' || form === 'EI') c.readReg(x.rm, size, x.rex);
  else if (form === 'GE') c.readReg(x.reg, size, x.rex);
  else c.readReg(0, size, x.rex);
  c.set(L_T0);
  if (form === 'EG') c.readReg(x.reg, size, x.rex);
  else if (form === 'GE') {
    if (mem) { c.address(x); c.translate(size, false, k, x); c.load(size); } else c.readReg(x.rm, size, x.rex);
  } else c.i64(x.imm);
  c.set(L_T1);
  c.cond(0x2); c.e(OP.i64_extend_i32_u); c.set(L_T2); // CF, the carry in
  // result into T3: a + b + cf, a - b - cf
  c.get(L_T0); c.get(L_T1); c.e(sbb ? OP.i64_sub : OP.i64_add); c.get(L_T2); c.e(sbb ? OP.i64_sub : OP.i64_add);
  c.set(L_T3);
  c.i32(L.STATE); c.get(L_T2); c.e(OP.i32_wrap_i64); c.i32((sbb ? FL_SUB : FL_ADD) | (size << 8)); c.e(OP.i32_add);
  c.mem(OP.i32_store, L.LAZY_OP);
  c.i32(L.STATE); c.get(L_T0); c.mem(OP.i64_store, L.LAZY_DST);
  c.i32(L.STATE); c.get(L_T1); c.mem(OP.i64_store, L.LAZY_SRC);
  c.i32(L.STATE); c.get(L_T3); c.mem(OP.i64_store, L.LAZY_RES);
  c.flags = { local: false };
  if (dstMem) { c.get(L_T3); c.set(L_T0); c.store(size); c.smcCheck(size, k, x); return 'next'; }
  c.get(L_T3);
  c.writeReg(form === 'GE' ? x.reg : form === 'AI' ? 0 : x.rm, size, x.rex);
  return 'next';
}

/** A shift or rotate through the core's shifted(), which owns the flags (set eagerly there). */
function shiftViaCore(c: BlockCompiler, x: Insn, k: number, size: number): 'next' {
  const mem = x.mod !== 3;
  c.spillFlags(); // the core reads CF (RCL/RCR) and keeps the flags on a count of 0
  if (mem) { c.address(x); c.translate(size, false, k, x); c.translate(size, true, k, x); }
  c.i32(x.reg & 7); c.i32(size);
  if (mem) c.load(size); else c.readReg(x.rm, size, x.rex);
  if (x.op === 0xd2 || x.op === 0xd3) { c.get(c.reg(R_CX)); c.e(OP.i32_wrap_i64); } else c.i32(x.op === 0xd0 || x.op === 0xd1 ? 1 : Number(x.imm & 0xffn));
  c.e(OP.call); c.body.uleb(F_SHIFT);
  if (mem) { c.set(L_T0); c.store(size); c.smcCheck(size, k, x); } else c.writeReg(x.rm, size, x.rex);
  return 'next';
}

/**
 * BSF / BSR as the core's bitScan: a zero source sets ZF (and PF), clears the other flags and
 * leaves the destination (a 32-bit one still written, so its upper half clears, as on Intel);
 * otherwise the index, with PF from it and the other flags cleared.
 */
function bitScan(c: BlockCompiler, x: Insn, k: number, reverse: boolean): 'next' {
  const size = x.opsize;
  if (x.mod !== 3) { c.address(x); c.translate(size, false, k, x); c.load(size); } else c.readReg(x.rm, size, x.rex);
  c.set(L_T0);
  c.get(L_T0); c.e(OP.i64_eqz);
  c.open(OP.if);
  c.i64(BigInt(L.ZF | L.PF)); c.setStatusFlags(L_T2);
  if (size === 4) { c.readReg(x.reg, 4, 0); c.writeReg(x.reg, 4, 0); }
  c.e(OP.else);
  if (reverse) { c.i64(63n); c.get(L_T0); c.e(I64_CLZ); c.e(OP.i64_sub); } else { c.get(L_T0); c.e(I64_CTZ); }
  c.set(L_T1);
  // PF: even parity of the low byte
  c.get(L_T1); c.i64(0xffn); c.e(OP.i64_and); c.e(I64_POPCNT); c.i64(1n); c.e(OP.i64_and);
  c.i64(1n); c.e(OP.i64_xor); c.i64(2n); c.e(OP.i64_shl);
  c.setStatusFlags(L_T2);
  c.get(L_T1); c.writeReg(x.reg, size, x.rex);
  c.close();
  c.i32(L.STATE); c.i32(0); c.mem(OP.i32_store, L.LAZY_OP);
  c.flags = EAGER;
  return 'next';
}

/** PMULHW / PMULHUW: the high halves of the 16×16 products, widened, shifted and packed back. */
function mulHigh(c: BlockCompiler, x: Insn, k: number, signed: boolean): 'next' {
  c.sseSrc(x, k); c.set(L_V);
  c.xmmGet(x.reg); c.get(L_V); c.simd(signed ? I32X4_EXTMUL_LO_S : I32X4_EXTMUL_LO_U); c.i32(16); c.simd(signed ? I32X4_SHR_S : I32X4_SHR_U);
  c.xmmGet(x.reg); c.get(L_V); c.simd(signed ? I32X4_EXTMUL_HI_S : I32X4_EXTMUL_HI_U); c.i32(16); c.simd(signed ? I32X4_SHR_S : I32X4_SHR_U);
  // each lane now fits 16 bits (signed or unsigned), so the saturating narrow only packs
  c.simd(signed ? I16X8_NARROW_S : 0x86);
  return c.popToXmm(x.reg);
}

/**
 * MOVS and REP MOVS upwards (DF = 0), when the whole copy lies inside one source page and one
 * destination page that the TLB already holds: one memory.copy, as the core's repRun does (with
 * the same limit on a destination starting inside its source, where element order shows). At
 * most 4096 elements, so it is one step of the core's REP too. Anything else — DF = 1, a longer
 * or page-crossing copy, a TLB miss — leaves the block before the instruction.
 */
function movs(c: BlockCompiler, x: Insn, k: number): 'next' {
  const size = x.op & 1 ? x.opsize : 1;
  const rep = (x.prefix & (P_F2 | P_F3)) !== 0;
  const early = (): void => { c.open(OP.if); c.exit(x.rip, k, true); c.close(); };
  c.i32(L.STATE); c.mem(OP.i64_load, L.RFLAGS); c.i64(BigInt(L.DF)); c.e(OP.i64_and); c.i64(0n); c.e(OP.i64_ne);
  early();
  // bytes into T1
  if (rep) {
    c.get(c.reg(R_CX)); c.i64(BigInt(4096 / size)); c.e(OP.i64_gt_u); early();
    c.get(c.reg(R_CX)); c.i64(BigInt(size)); c.e(OP.i64_mul); c.set(L_T1);
    c.get(L_T1); c.i64(0n); c.e(OP.i64_ne); c.open(OP.if);
  } else { c.i64(BigInt(size)); c.set(L_T1); }
  // host addresses: the source into T3 (as i64), the destination into L_P
  const xlat = (r: number, write: boolean): void => {
    c.get(c.reg(r)); c.set(L_A);
    c.get(L_A); c.i64(0xfffn); c.e(OP.i64_and); c.get(L_T1); c.e(OP.i64_add); c.i64(0x1000n); c.e(OP.i64_gt_u);
    early();
    c.translate(1, write, k, x); // the TLB tag for the page; the range is in it (checked above)
  };
  xlat(R_SI, false); c.get(L_P); c.e(OP.i64_extend_i32_u); c.set(L_T3);
  xlat(R_DI, true);
  // a destination inside the source run: element order would show, the interpreter does it
  if (rep) {
    c.get(L_P); c.e(OP.i64_extend_i32_u); c.get(L_T3); c.e(OP.i64_sub); c.tee(L_T0);
    c.i64(0n); c.e(OP.i64_gt_s);
    c.get(L_T0); c.get(L_T1); c.e(OP.i64_lt_s); c.e(OP.i32_and);
    early();
  }
  c.get(L_P); c.get(L_T3); c.e(OP.i32_wrap_i64); c.get(L_T1); c.e(OP.i32_wrap_i64);
  c.e(MISC); c.body.uleb(MEMORY_COPY); c.e(0, 0);
  c.get(c.reg(R_SI)); c.get(L_T1); c.e(OP.i64_add); c.writeReg(R_SI, 8, 0);
  c.get(c.reg(R_DI)); c.get(L_T1); c.e(OP.i64_add); c.writeReg(R_DI, 8, 0);
  if (rep) { c.i64(0n); c.writeReg(R_CX, 8, 0); }
  // a copy into this block's own code leaves it after the instruction
  c.get(L_P); c.get(L_T1); c.e(OP.i32_wrap_i64); c.e(OP.i32_add); c.get(L_CODE); c.e(OP.i32_gt_u);
  c.get(L_P); c.get(L_CODE); c.codeLen(); c.e(OP.i32_add); c.e(OP.i32_lt_u);
  c.e(OP.i32_and);
  c.open(OP.if); c.exit(x.next, k + 1, false); c.close();
  if (rep) c.close();
  return 'next';
}

/** PUSH imm / PUSH r/m64: the value is read first (from the old rsp: push [rsp]), then stored. */
function push(c: BlockCompiler, x: Insn, k: number): 'next' {
  if (x.op !== 0xff) c.i64(x.imm);
  else if (x.mod !== 3) { c.address(x); c.translate(8, false, k, x); c.load(8); } else c.readReg(x.rm, 8, 0);
  c.set(L_T0);
  c.get(c.reg(4)); c.i64(8n); c.e(OP.i64_sub); c.set(L_A);
  c.translate(8, true, k, x); c.store(8);
  c.get(L_A); c.writeReg(4, 8, 0);
  c.smcCheck(8, k, x);
  return 'next';
}

/**
 * INC / DEC keep CF. The core parks it by materializing every flag into RFLAGS and then records
 * an INC/DEC whose CF is read from RFLAGS (cpu/ops/flags.ts); under such a record the other
 * status bits of RFLAGS are never read, so parking CF alone is the same state. CF comes from
 * the local flags when the compiler holds them (a compare's, a logic op's: no call at all), is
 * already parked after another INC/DEC, and otherwise is asked of the core (getCF, which is
 * much cheaper than materializing all six flags).
 */
/**
 * BT/BTS/BTR/BTC of a register by an immediate bit number (taken modulo the width, as the core's
 * opBitEvIb): CF = the bit, the other flags as the core's setCF leaves them — materialized and
 * unchanged (OF SF AF PF are undefined, ZF is unaffected) — unless nobody can see them; BTS/BTR/BTC
 * then set, clear or flip the bit (a 32-bit register is zero-extended, BT writes nothing).
 */
function bitTestImm(c: BlockCompiler, x: Insn, k: number, size: number): 'next' {
  const g = x.reg & 7;
  const bit = Number(x.imm & 0xffn) & (size * 8 - 1);
  const mask = 1n << BigInt(bit);
  if (!flagsDeadAfter(c.insns, k)) {
    c.spillFlags();
    if (c.flags !== EAGER) { c.e(OP.call); c.body.uleb(F_FLAGS); c.e(OP.drop); }
    c.i32(L.STATE);
    c.i32(L.STATE); c.mem(OP.i64_load, L.RFLAGS); c.i64(~BigInt(L.CF)); c.e(OP.i64_and);
    c.readReg(x.rm, size, x.rex); c.i64(BigInt(bit)); c.e(OP.i64_shr_u); c.i64(1n); c.e(OP.i64_and); c.e(OP.i64_or);
    c.mem(OP.i64_store, L.RFLAGS);
    c.flags = EAGER;
  }
  if (g === 4) return 'next';
  c.readReg(x.rm, size, x.rex);
  if (g === 5) { c.i64(mask); c.e(OP.i64_or); } else if (g === 6) { c.i64(~mask); c.e(OP.i64_and); } else { c.i64(mask); c.e(OP.i64_xor); }
  c.writeReg(x.rm, size, x.rex);
  return 'next';
}

function incDec(c: BlockCompiler, x: Insn, k: number): 'next' {
  const dec = (x.reg & 7) === 1;
  const size = x.op === 0xfe ? 1 : x.opsize;
  const mem = x.mod !== 3;
  if (mem) { c.address(x); c.translate(size, false, k, x); c.translate(size, true, k, x); c.load(size); } else c.readReg(x.rm, size, x.rex);
  c.set(L_T0);
  // A register INC/DEC whose flags nobody sees (overwritten before any reader or exit): the
  // value alone. The compiler's flag record stays the previous one's, which is as dead.
  if (!mem && flagsDeadAfter(c.insns, k)) {
    c.get(L_T0); c.i64(1n); c.e(dec ? OP.i64_sub : OP.i64_add);
    c.writeReg(x.rm, size, x.rex);
    return 'next';
  }
  const f = c.flags;
  if (!(f.local && (f.kind === FL_INC || f.kind === FL_DEC))) {
    if (f.local || f === EAGER) c.cond(0x2); else { c.e(OP.call); c.body.uleb(F_GETCF); }
    c.e(OP.i64_extend_i32_u); c.set(L_T1);
    c.i32(L.STATE);
    c.i32(L.STATE); c.mem(OP.i64_load, L.RFLAGS); c.i64(~BigInt(L.CF)); c.e(OP.i64_and); c.get(L_T1); c.e(OP.i64_or);
    c.mem(OP.i64_store, L.RFLAGS);
  }
  c.get(L_T0); c.i64(1n); c.get(L_T0); c.i64(1n); c.e(dec ? OP.i64_sub : OP.i64_add);
  c.setFlags(dec ? FL_DEC : FL_INC, size);
  if (mem) { c.set(L_T0); c.store(size); c.smcCheck(size, k, x); } else c.writeReg(x.rm, size, x.rex);
  return 'next';
}

/**
 * SHL/SAL/SHR/SAR/ROL/ROR of a 32/64-bit register by a constant non-zero count whose flags
 * something may read, and RCL/RCR by 1 (flags read or not: `dead`): the core's shifted() computed
 * inline. Shifts replace all six flags (AF = 0,
 * OF by the count-1 formula for counts above 1, as the core sets them); rotates set CF and OF and
 * keep the others, which are taken from the compiler's local lazy record when it has one (the
 * core's getZF/SF/PF/AF formulas) and else from the core's materialized RFLAGS.
 */
function shiftLive(c: BlockCompiler, x: Insn, g: number, n: number, size: number, dead = false): 'next' {
  const bits = size * 8;
  const rotate = g <= 3;
  const bit = (l: number, b: number): void => { c.get(l); c.i64(BigInt(b)); c.e(OP.i64_shr_u); c.i64(1n); c.e(OP.i64_and); };
  // RCL/RCR (by 1 only): the carry in, into T2.
  if (g === 2 || g === 3) { c.cond(0x2); c.e(OP.i64_extend_i32_u); c.set(L_T2); }
  c.readReg(x.rm, size, x.rex); c.set(L_T0);
  // the result into T1
  if (g === 2) { // RCL 1: (v << 1 | CF) cut to the size
    c.get(L_T0); c.i64(1n); c.e(OP.i64_shl); c.get(L_T2); c.e(OP.i64_or);
    if (size === 4) { c.i64(0xffffffffn); c.e(OP.i64_and); }
  } else if (g === 3) { // RCR 1: v >> 1 | CF << (bits - 1) (v zero-extended)
    c.get(L_T0); c.i64(1n); c.e(OP.i64_shr_u); c.get(L_T2); c.i64(BigInt(bits - 1)); c.e(OP.i64_shl); c.e(OP.i64_or);
  } else if (size === 8) {
    c.get(L_T0); c.i64(BigInt(n));
    c.e(g === 0 ? 0x89 /* i64.rotl */ : g === 1 ? 0x8a /* i64.rotr */ : g === 5 ? OP.i64_shr_u : g === 7 ? OP.i64_shr_s : OP.i64_shl);
  } else {
    c.get(L_T0); c.e(OP.i32_wrap_i64); c.i32(n);
    c.e(g === 0 ? 0x77 /* i32.rotl */ : g === 1 ? 0x78 /* i32.rotr */ : g === 5 ? 0x76 /* i32.shr_u */ : g === 7 ? 0x75 /* i32.shr_s */ : OP.i32_shl);
    c.e(OP.i64_extend_i32_u);
  }
  c.set(L_T1);
  // Flags nobody sees (an RCL/RCR whose flags are overwritten first): the value alone.
  if (dead) { c.get(L_T1); c.writeReg(x.rm, size, x.rex); return 'next'; }
  // CF | OF into T2
  switch (g) {
    case 2: bit(L_T0, bits - 1); bit(L_T1, bits - 1); bit(L_T0, bits - 1); c.e(OP.i64_xor); break;  // RCL 1
    case 3: bit(L_T0, 0); bit(L_T1, bits - 1); bit(L_T1, bits - 2); c.e(OP.i64_xor); break;          // RCR 1
    case 0: bit(L_T1, 0); bit(L_T1, bits - 1); bit(L_T1, 0); c.e(OP.i64_xor); break;          // ROL
    case 1: bit(L_T1, bits - 1); bit(L_T1, bits - 1); bit(L_T1, bits - 2); c.e(OP.i64_xor); break; // ROR
    case 5: bit(L_T0, n - 1); bit(L_T0, bits - 1); break;                                       // SHR
    case 7: bit(L_T0, n - 1); c.i64(0n); break;                                                 // SAR
    default: bit(L_T0, bits - n); bit(L_T1, bits - 1); bit(L_T0, bits - n); c.e(OP.i64_xor);    // SHL, SAL
  }
  c.i64(11n); c.e(OP.i64_shl); c.e(OP.i64_or); c.set(L_T2);
  // the other four flags into T3
  if (!rotate) c.szp(L_T1, size);
  else if (c.flags.local) {
    const f = c.flags;
    c.szp(L_FR, f.size);
    if (f.kind !== FL_LOGIC) { c.get(L_FD); c.get(L_FS); c.e(OP.i64_xor); c.get(L_FR); c.e(OP.i64_xor); c.i64(0x10n); c.e(OP.i64_and); c.e(OP.i64_or); }
  } else {
    // after another shift of this file RFLAGS is current; otherwise the core materializes it
    if (c.flags === EAGER) { c.i32(L.STATE); c.mem(OP.i64_load, L.RFLAGS); } else { c.e(OP.call); c.body.uleb(F_FLAGS); }
    c.i64(BigInt(L.ZF | L.SF | L.PF | L.AF)); c.e(OP.i64_and);
  }
  c.set(L_T3);
  c.i32(L.STATE);
  c.i32(L.STATE); c.mem(OP.i64_load, L.RFLAGS); c.i64(~BigInt(L.STATUS_FLAGS)); c.e(OP.i64_and);
  c.get(L_T2); c.e(OP.i64_or); c.get(L_T3); c.e(OP.i64_or);
  c.mem(OP.i64_store, L.RFLAGS);
  c.i32(L.STATE); c.i32(0); c.mem(OP.i32_store, L.LAZY_OP);
  c.flags = EAGER;
  c.get(L_T1); c.writeReg(x.rm, size, x.rex);
  return 'next';
}
