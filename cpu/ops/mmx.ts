// MMX (SDM vol. 1 ch. 9, vol. 2 PADD…PXOR, MOVD/MOVQ, EMMS) and the SSE/SSE2 integer forms that
// name mm registers (PSHUFW, PINSRW, PEXTRW, PMOVMSKB, PMINUB…, PAVG*, PSADBW, MOVNTQ, MASKMOVQ,
// PADDQ/PSUBQ, PMULUDQ, MOVQ2DQ/MOVDQ2Q). mmN is the significand of physical x87 register N
// (§9.5, Table 9-2): every MMX instruction but EMMS sets TOP = 0 and all tags valid, a written
// mmN gets sign/exponent all ones. Lanes use sse_int.ts's wasm SIMD ops on a v128's low half.

import { STATE, ST0 } from '../shared/layout';
import { EXIT_MF } from '../shared/exit';
import { exiting, raiseFault, readReg, writeReg, reg64, R_DI } from '../state';
import { d_reg, d_rm, d_rex, d_imm, d_mod, d_addr, d_prefix, P_67 } from '../decode/decoder';
import { read16, read32, read64, write32, write64, write8, probeWrite } from '../mmu/access';
import { fswRaw, setTop, setTagAbridged, SW_ES } from './x87';
import { getXq, setX, make128 } from './sse_common';

// ---- the aliased register file ---------------------------------------------------------------
@inline function mmPtr(n: i32): usize { return <usize>STATE + <usize>ST0 + (<usize>(n & 7) << 4); }
@inline export function getMm(n: i32): u64 { return load<u64>(mmPtr(n)); }

/** An MMX instruction first raises #MF for a pending unmasked x87 exception, like FWAIT. */
export function mmxBegin(): bool {
  if (fswRaw() & SW_ES) { raiseFault(EXIT_MF, 0); return false; }
  return true;
}
/** The x87 side effects of every MMX instruction except EMMS: TOP = 0, all tags valid. */
export function mmxDone(): void { setTop(0); setTagAbridged(0xff); }
/** Writes mmN: significand = v, sign and exponent all ones. */
export function setMm(n: i32, v: u64): void {
  store<u64>(mmPtr(n), v);
  store<u16>(mmPtr(n), 0xffff, 8);
  mmxDone();
}

// ---- operands: P = mm in ModRM.reg, Q = mm in ModRM.rm or memory, N = mm in ModRM.rm ----------
// REX.R and REX.B do not extend mm register numbers: there are eight.
@inline export function readP(): u64 { return getMm(d_reg); }
@inline export function writeP(v: u64): void { setMm(d_reg, v); }
/** Q as 64 bits; MMX memory operands need no alignment. */
export function readQ(): u64 {
  if (d_mod == 3) return getMm(d_rm);
  return read64(d_addr);
}
/** Q as 32 bits (the PUNPCKL* forms read only m32, so a fault past it cannot happen). */
function readQd(): u64 {
  if (d_mod == 3) return getMm(d_rm);
  return <u64>read32(d_addr);
}
@inline export function lo128(v: u64): v128 { return make128(v, 0); }
@inline export function low64(v: v128): u64 { return <u64>i64x2.extract_lane(v, 0); }

// ---- two-operand lane operations: NP 0F 60–6B, 74–76, D1–FE ----------------------------------
export const MM_PADDB = 0; export const MM_PADDW = 1; export const MM_PADDD = 2; export const MM_PADDQ = 3;
export const MM_PSUBB = 4; export const MM_PSUBW = 5; export const MM_PSUBD = 6; export const MM_PSUBQ = 7;
export const MM_PADDSB = 8; export const MM_PADDSW = 9; export const MM_PADDUSB = 10; export const MM_PADDUSW = 11;
export const MM_PSUBSB = 12; export const MM_PSUBSW = 13; export const MM_PSUBUSB = 14; export const MM_PSUBUSW = 15;
export const MM_PCMPEQB = 16; export const MM_PCMPEQW = 17; export const MM_PCMPEQD = 18;
export const MM_PCMPGTB = 19; export const MM_PCMPGTW = 20; export const MM_PCMPGTD = 21;
export const MM_PMINUB = 22; export const MM_PMAXUB = 23; export const MM_PMINSW = 24; export const MM_PMAXSW = 25;
export const MM_PAVGB = 26; export const MM_PAVGW = 27;
export const MM_PMULLW = 28; export const MM_PMULHW = 29; export const MM_PMULHUW = 30; export const MM_PMULUDQ = 31;
export const MM_PMADDWD = 32; export const MM_PSADBW = 33;
export const MM_PAND = 34; export const MM_PANDN = 35; export const MM_POR = 36; export const MM_PXOR = 37;
export const MM_PUNPCKLBW = 38; export const MM_PUNPCKLWD = 39; export const MM_PUNPCKLDQ = 40;
export const MM_PUNPCKHBW = 41; export const MM_PUNPCKHWD = 42; export const MM_PUNPCKHDQ = 43;
export const MM_PACKSSWB = 44; export const MM_PACKSSDW = 45; export const MM_PACKUSWB = 46;

/** The high 16 bits of each 32-bit product (as sse_int.ts's high16). */
@inline function high16(lo: v128, hi: v128): v128 {
  return i8x16.shuffle(lo, hi, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
}

/** op on two 64-bit operands held in the low halves of `a` and `b` (high halves zero). */
function lanes(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case MM_PADDB: return i8x16.add(a, b);
    case MM_PADDW: return i16x8.add(a, b);
    case MM_PADDD: return i32x4.add(a, b);
    case MM_PADDQ: return i64x2.add(a, b);
    case MM_PSUBB: return i8x16.sub(a, b);
    case MM_PSUBW: return i16x8.sub(a, b);
    case MM_PSUBD: return i32x4.sub(a, b);
    case MM_PSUBQ: return i64x2.sub(a, b);
    case MM_PADDSB: return i8x16.add_sat_s(a, b);
    case MM_PADDSW: return i16x8.add_sat_s(a, b);
    case MM_PADDUSB: return i8x16.add_sat_u(a, b);
    case MM_PADDUSW: return i16x8.add_sat_u(a, b);
    case MM_PSUBSB: return i8x16.sub_sat_s(a, b);
    case MM_PSUBSW: return i16x8.sub_sat_s(a, b);
    case MM_PSUBUSB: return i8x16.sub_sat_u(a, b);
    case MM_PSUBUSW: return i16x8.sub_sat_u(a, b);
    case MM_PCMPEQB: return i8x16.eq(a, b);
    case MM_PCMPEQW: return i16x8.eq(a, b);
    case MM_PCMPEQD: return i32x4.eq(a, b);
    case MM_PCMPGTB: return i8x16.gt_s(a, b);
    case MM_PCMPGTW: return i16x8.gt_s(a, b);
    case MM_PCMPGTD: return i32x4.gt_s(a, b);
    case MM_PMINUB: return i8x16.min_u(a, b);
    case MM_PMAXUB: return i8x16.max_u(a, b);
    case MM_PMINSW: return i16x8.min_s(a, b);
    case MM_PMAXSW: return i16x8.max_s(a, b);
    case MM_PAVGB: return i8x16.avgr_u(a, b);
    case MM_PAVGW: return i16x8.avgr_u(a, b);
    case MM_PMULLW: return i16x8.mul(a, b);
    case MM_PMULHW: return high16(i32x4.extmul_low_i16x8_s(a, b), i32x4.extmul_high_i16x8_s(a, b));
    case MM_PMULHUW: return high16(i32x4.extmul_low_i16x8_u(a, b), i32x4.extmul_high_i16x8_u(a, b));
    case MM_PMULUDQ: { const m = i64x2.splat(0xffffffff); return i64x2.mul(v128.and(a, m), v128.and(b, m)); }
    case MM_PMADDWD: return i32x4.dot_i16x8_s(a, b);
    case MM_PSADBW: {
      const d = v128.or(i8x16.sub_sat_u(a, b), i8x16.sub_sat_u(b, a));
      const s32 = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(d));
      return i64x2.add(v128.and(s32, i64x2.splat(0xffffffff)), i64x2.shr_u(s32, 32));
    }
    case MM_PAND: return v128.and(a, b);
    case MM_PANDN: return v128.andnot(b, a);
    case MM_POR: return v128.or(a, b);
    case MM_PXOR: return v128.xor(a, b);
    // Interleaving the low halves of two 64-bit operands gives 16 bytes: the low 8 are PUNPCKL's,
    // the high 8 PUNPCKH's.
    case MM_PUNPCKLBW: return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    case MM_PUNPCKLWD: return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    case MM_PUNPCKLDQ: return i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
    case MM_PUNPCKHBW: return i8x16.shuffle(a, b, 4, 20, 5, 21, 6, 22, 7, 23, 0, 0, 0, 0, 0, 0, 0, 0);
    case MM_PUNPCKHWD: return i8x16.shuffle(a, b, 4, 5, 20, 21, 6, 7, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0);
    case MM_PUNPCKHDQ: return i8x16.shuffle(a, b, 4, 5, 6, 7, 20, 21, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0);
    // Packing a:b as one 128-bit vector puts a's saturated lanes, then b's, in the low 8 bytes.
    case MM_PACKSSWB: { const c = i64x2.replace_lane(a, 1, i64x2.extract_lane(b, 0)); return i8x16.narrow_i16x8_s(c, c); }
    case MM_PACKSSDW: { const c = i64x2.replace_lane(a, 1, i64x2.extract_lane(b, 0)); return i16x8.narrow_i32x4_s(c, c); }
    default: { const c = i64x2.replace_lane(a, 1, i64x2.extract_lane(b, 0)); return i8x16.narrow_i16x8_u(c, c); }
  }
}

export function opMmxPqQq(op: i32): void {
  if (!mmxBegin()) return;
  const b = (op >= MM_PUNPCKLBW && op <= MM_PUNPCKLDQ) ? readQd() : readQ();
  if (exiting) return;
  writeP(low64(lanes(op, lo128(readP()), lo128(b))));
}

// ---- shifts: NP 0F D1–F3 by mm/m64, NP 0F 71–73 /n ib ----------------------------------------
export const MM_PSRLW = 0; export const MM_PSRLD = 1; export const MM_PSRLQ = 2;
export const MM_PSLLW = 3; export const MM_PSLLD = 4; export const MM_PSLLQ = 5;
export const MM_PSRAW = 6; export const MM_PSRAD = 7;

/** x86 zeroes (logical) or sign-fills (arithmetic) a lane once the 64-bit count passes its width. */
function shift(op: i32, v: u64, c: u64): u64 {
  const a = lo128(v);
  switch (op) {
    case MM_PSRLW: return c > 15 ? 0 : low64(i16x8.shr_u(a, <i32>c));
    case MM_PSRLD: return c > 31 ? 0 : low64(i32x4.shr_u(a, <i32>c));
    case MM_PSRLQ: return c > 63 ? 0 : v >> c;
    case MM_PSLLW: return c > 15 ? 0 : low64(i16x8.shl(a, <i32>c));
    case MM_PSLLD: return c > 31 ? 0 : low64(i32x4.shl(a, <i32>c));
    case MM_PSLLQ: return c > 63 ? 0 : v << c;
    case MM_PSRAW: return low64(i16x8.shr_s(a, c > 15 ? 15 : <i32>c));
    default: return low64(i32x4.shr_s(a, c > 31 ? 31 : <i32>c));
  }
}
export function opMmxShiftPqQq(op: i32): void {
  if (!mmxBegin()) return;
  const c = readQ();
  if (exiting) return;
  writeP(shift(op, readP(), c));
}
export function opMmxShiftNqIb(op: i32): void {
  if (!mmxBegin()) return;
  setMm(d_rm, shift(op, getMm(d_rm), d_imm & 0xff));
}

// ---- moves -----------------------------------------------------------------------------------
/** NP 0F 6E: movd mm, r/m32 (zero-extended) / movq mm, r/m64 with REX.W. */
export function opMovdPqEy(): void {
  if (!mmxBegin()) return;
  const size = (d_rex & 8) ? 8 : 4;
  let v: u64;
  if (d_mod == 3) v = readReg(d_rm, size, d_rex);
  else { v = size == 8 ? read64(d_addr) : <u64>read32(d_addr); if (exiting) return; }
  writeP(v);
}
/** NP 0F 7E: movd r/m32, mm / movq r/m64, mm with REX.W. */
export function opMovdEyPq(): void {
  if (!mmxBegin()) return;
  const size = (d_rex & 8) ? 8 : 4;
  const v = readP();
  if (d_mod == 3) writeReg(d_rm, size, d_rex, size == 8 ? v : v & 0xffffffff);
  else {
    if (size == 8) write64(d_addr, v); else write32(d_addr, <u32>v);
    if (exiting) return;
  }
  mmxDone();
}

/** NP 0F 6F: movq mm, mm/m64. */
export function opMovqPqQq(): void {
  if (!mmxBegin()) return;
  const v = readQ();
  if (exiting) return;
  writeP(v);
}
/** NP 0F 7F: movq mm/m64, mm; NP 0F E7 movntq m64, mm (the non-temporal hint changes nothing). */
export function opMovqQqPq(): void {
  if (!mmxBegin()) return;
  const v = readP();
  if (d_mod == 3) { setMm(d_rm, v); return; }
  write64(d_addr, v);
  if (exiting) return;
  mmxDone();
}
/**
 * NP 0F 77: emms — every tag empty, the registers stay. TOP is cleared too: the host (AMD Zen 4)
 * does so and the SDM's Table 9-2 lists EMMS only for the tags.
 */
export function opEmms(): void {
  if (!mmxBegin()) return;
  setTop(0);
  setTagAbridged(0);
}
/** F3 0F D6: movq2dq xmm, mm — the high quadword cleared. */
export function opMovq2dqVxNq(): void {
  if (!mmxBegin()) return;
  const v = getMm(d_rm);
  setX(d_reg, make128(v, 0));
  mmxDone();
}
/** F2 0F D6: movdq2q mm, xmm — the low quadword. */
export function opMovdq2qPqUx(): void {
  if (!mmxBegin()) return;
  setMm(d_reg, getXq(d_rm, 0));
}

// ---- SSE integer forms on mm ------------------------------------------------------------------
/** NP 0F 70: pshufw mm, mm/m64, imm8 — word i = source word imm[2i+1:2i]. */
export function opPshufwPqQqIb(): void {
  if (!mmxBegin()) return;
  const s = readQ();
  if (exiting) return;
  const imm = <u32>d_imm;
  let r: u64 = 0;
  for (let i: u32 = 0; i < 4; i++) r |= ((s >> (<u64>((imm >> (2 * i)) & 3) << 4)) & 0xffff) << (<u64>i << 4);
  writeP(r);
}
/** NP 0F C4: pinsrw mm, r32/m16, imm8 — word imm[1:0] replaced. */
export function opPinsrwPqEwIb(): void {
  if (!mmxBegin()) return;
  let v: u64;
  if (d_mod == 3) v = readReg(d_rm, 4, d_rex) & 0xffff;
  else { v = <u64>read16(d_addr); if (exiting) return; }
  const sh = (d_imm & 3) << 4;
  writeP((readP() & ~(<u64>0xffff << sh)) | (v << sh));
}
/** NP 0F C5: pextrw r32, mm, imm8 (reg only) — zero-extended into the GPR. */
export function opPextrwGdNqIb(): void {
  if (!mmxBegin()) return;
  writeReg(d_reg, 4, d_rex, (getMm(d_rm) >> ((d_imm & 3) << 4)) & 0xffff);
  mmxDone();
}
/** NP 0F D7: pmovmskb r32, mm — the top bit of each byte. */
export function opPmovmskbGdNq(): void {
  if (!mmxBegin()) return;
  writeReg(d_reg, 4, d_rex, <u64>(i8x16.bitmask(lo128(getMm(d_rm))) & 0xff));
  mmxDone();
}
/**
 * NP 0F F7: maskmovq mm1, mm2 — bytes of mm1 whose mask byte in mm2 has its top bit set, to
 * [rdi] (edi with 67). As MASKMOVDQU: all 8 bytes are checked writable first, so a fault
 * stores nothing.
 */
export function opMaskmovqPqNq(): void {
  if (!mmxBegin()) return;
  const mask = i8x16.bitmask(lo128(getMm(d_rm)));
  let base = reg64(R_DI);
  if (d_prefix & P_67) base &= 0xffffffff;
  // The host (AMD Zen 4) resets TOP and the tags even when the store then faults, unlike the
  // other MMX stores; the SDM does not say, so wasl follows the host.
  mmxDone();
  if (!probeWrite(base, 8)) return;
  const v = readP();
  for (let i = 0; i < 8; i++) {
    if (mask & (1 << i)) write8(base + <u64>i, <u32>(v >> (<u64>i << 3)) & 0xff);
  }
}
