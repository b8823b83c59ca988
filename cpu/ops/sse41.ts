// SSE4.1 integer, blend, insert/extract and test instructions (SDM vol. 2: PMIN/PMAX S/U B/W/D,
// PMOVSX/PMOVZX, PMULLD, PMULDQ, PCMPEQQ, PACKUSDW, PTEST, PBLENDW, BLENDPS/PD, PBLENDVB,
// BLENDVPS/PD (mask in xmm0), PEXTRB/W/D/Q, EXTRACTPS, PINSRB/D/Q, INSERTPS, MOVNTDQA, MPSADBW,
// PHMINPOSUW) and SSE4.2's PCMPGTQ. Lane semantics map onto wasm SIMD; the 66 0F 38 two-operand
// forms share one handler keyed by the opcode byte.

import { d_reg, d_rm, d_rex, d_imm, d_mod, d_addr } from '../decode/decoder';
import { exiting, readReg, writeReg } from '../state';
import { read8, read16, read32, read64, read128, write8, write16, write32, write64 } from '../mmu/access';
import { setStatusFlags } from './flags';
import { STATUS_FLAGS, ZF, CF } from '../shared/layout';
import { getX, readV, writeV, readWx, xmmAddr, misaligned16, make128 } from './sse_common';

// ---- 66 0F 38 xx Vx,Wx: the opcode byte names the operation -----------------------------------
export const S4_PBLENDVB = 0x10; export const S4_BLENDVPS = 0x14; export const S4_BLENDVPD = 0x15;
export const S4_PMULDQ = 0x28; export const S4_PCMPEQQ = 0x29; export const S4_PACKUSDW = 0x2b;
export const S4_PCMPGTQ = 0x37;
export const S4_PMINSB = 0x38; export const S4_PMINSD = 0x39; export const S4_PMINUW = 0x3a; export const S4_PMINUD = 0x3b;
export const S4_PMAXSB = 0x3c; export const S4_PMAXSD = 0x3d; export const S4_PMAXUW = 0x3e; export const S4_PMAXUD = 0x3f;
export const S4_PMULLD = 0x40; export const S4_PHMINPOSUW = 0x41;

function lanes(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    // The variable blends take each lane's mask from the top bit of the same lane of xmm0.
    case S4_PBLENDVB: return v128.bitselect(b, a, i8x16.shr_s(getX(0), 7));
    case S4_BLENDVPS: return v128.bitselect(b, a, i32x4.shr_s(getX(0), 31));
    case S4_BLENDVPD: return v128.bitselect(b, a, i64x2.shr_s(getX(0), 63));
    case S4_PMULDQ: {
      const x = i32x4.shuffle(a, a, 0, 2, 0, 2), y = i32x4.shuffle(b, b, 0, 2, 0, 2);
      return i64x2.extmul_low_i32x4_s(x, y);
    }
    case S4_PCMPEQQ: return i64x2.eq(a, b);
    case S4_PACKUSDW: return i16x8.narrow_i32x4_u(a, b);
    case S4_PCMPGTQ: return i64x2.gt_s(a, b);
    case S4_PMINSB: return i8x16.min_s(a, b);
    case S4_PMINSD: return i32x4.min_s(a, b);
    case S4_PMINUW: return i16x8.min_u(a, b);
    case S4_PMINUD: return i32x4.min_u(a, b);
    case S4_PMAXSB: return i8x16.max_s(a, b);
    case S4_PMAXSD: return i32x4.max_s(a, b);
    case S4_PMAXUW: return i16x8.max_u(a, b);
    case S4_PMAXUD: return i32x4.max_u(a, b);
    case S4_PMULLD: return i32x4.mul(a, b);
    default: return phminposuw(b);
  }
}
/** The smallest unsigned word of the source in bits 15:0, its lowest index in 18:16, zeros above. */
function phminposuw(b: v128): v128 {
  // unrolled: extract_lane takes constant lane numbers
  const w0 = <u32>i16x8.extract_lane_u(b, 0), w1 = <u32>i16x8.extract_lane_u(b, 1);
  const w2 = <u32>i16x8.extract_lane_u(b, 2), w3 = <u32>i16x8.extract_lane_u(b, 3);
  const w4 = <u32>i16x8.extract_lane_u(b, 4), w5 = <u32>i16x8.extract_lane_u(b, 5);
  const w6 = <u32>i16x8.extract_lane_u(b, 6), w7 = <u32>i16x8.extract_lane_u(b, 7);
  let m = w0, at: u32 = 0;
  if (w1 < m) { m = w1; at = 1; }
  if (w2 < m) { m = w2; at = 2; }
  if (w3 < m) { m = w3; at = 3; }
  if (w4 < m) { m = w4; at = 4; }
  if (w5 < m) { m = w5; at = 5; }
  if (w6 < m) { m = w6; at = 6; }
  if (w7 < m) { m = w7; at = 7; }
  return make128(<u64>(m | (at << 16)), 0);
}

export function opSse41VxWx(op: i32): void {
  const b = readWx(); if (exiting) return;
  writeV(lanes(op, readV(), b));
}
/** 66 0F 38 2A: movntdqa xmm, m128 — an aligned load (the streaming hint changes nothing). */
export function opMovntdqaVxMx(): void {
  if (misaligned16()) return;
  const v = read128(d_addr); if (exiting) return;
  writeV(v);
}

/** 66 0F 38 17: ptest — ZF = (dest & src) == 0, CF = (src & ~dest) == 0, AF OF PF SF cleared. */
export function opPtestVxWx(): void {
  const b = readWx(); if (exiting) return;
  const a = readV();
  let f: u64 = 0;
  if (!v128.any_true(v128.and(a, b))) f |= ZF;
  if (!v128.any_true(v128.andnot(b, a))) f |= CF;
  setStatusFlags(<u64>STATUS_FLAGS, f);
}

// ---- 66 0F 38 20–25 / 30–35: sign and zero extension, from the low 2, 4 or 8 bytes -------------
export const MOV_BW = 0; export const MOV_BD = 1; export const MOV_BQ = 2;
export const MOV_WD = 3; export const MOV_WQ = 4; export const MOV_DQ = 5;
export function opPmovxVxWx(kind: i32, signed: bool): void {
  // memory reads only the bytes the extension uses: 8, 4 or 2
  const bytes = kind == MOV_BQ ? 2 : (kind == MOV_BD || kind == MOV_WQ) ? 4 : 8;
  let s: u64;
  if (d_mod == 3) s = load<u64>(xmmAddr(d_rm));
  else {
    s = bytes == 8 ? read64(d_addr) : bytes == 4 ? <u64>read32(d_addr) : <u64>read16(d_addr);
    if (exiting) return;
  }
  const v = make128(s, 0);
  let r: v128;
  if (signed) {
    switch (kind) {
      case MOV_BW: r = i16x8.extend_low_i8x16_s(v); break;
      case MOV_BD: r = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v)); break;
      case MOV_BQ: r = i64x2.extend_low_i32x4_s(i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v))); break;
      case MOV_WD: r = i32x4.extend_low_i16x8_s(v); break;
      case MOV_WQ: r = i64x2.extend_low_i32x4_s(i32x4.extend_low_i16x8_s(v)); break;
      default: r = i64x2.extend_low_i32x4_s(v);
    }
  } else {
    switch (kind) {
      case MOV_BW: r = i16x8.extend_low_i8x16_u(v); break;
      case MOV_BD: r = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v)); break;
      case MOV_BQ: r = i64x2.extend_low_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v))); break;
      case MOV_WD: r = i32x4.extend_low_i16x8_u(v); break;
      case MOV_WQ: r = i64x2.extend_low_i32x4_u(i32x4.extend_low_i16x8_u(v)); break;
      default: r = i64x2.extend_low_i32x4_u(v);
    }
  }
  writeV(r);
}

// ---- immediate blends: 66 0F 3A 0C / 0D / 0E ---------------------------------------------------
/** A lane mask from imm8 bits, `n` lanes of 16 / n bytes each. */
function immMask(imm: u32, n: i32): v128 {
  let lo: u64 = 0, hi: u64 = 0;
  const w = 16 / n;
  for (let i = 0; i < n; i++) {
    if (((imm >> <u32>i) & 1) == 0) continue;
    for (let j = 0; j < w; j++) {
      const byte = i * w + j;
      if (byte < 8) lo |= <u64>0xff << (<u64>byte << 3); else hi |= <u64>0xff << (<u64>(byte - 8) << 3);
    }
  }
  return make128(lo, hi);
}
export function opBlendVxWxIb(lanesN: i32): void {
  const b = readWx(); if (exiting) return;
  writeV(v128.bitselect(b, readV(), immMask(<u32>d_imm, lanesN)));
}

// ---- extract: 66 0F 3A 14–17 — to a GPR (zero-extended) or memory of the element's size --------
/** Element size 1, 2, 4 or 8 (8 = PEXTRQ: 16 with REX.W); `ps` = EXTRACTPS (always 4). */
export function opPextrEyVxIb(size: i32): void {
  let sz = size;
  if (sz == 4 && (d_rex & 8)) sz = 8;
  const idx = <usize>(d_imm & <u64>(16 / sz - 1));
  const p = xmmAddr(d_reg) + idx * <usize>sz;
  const v: u64 = sz == 1 ? <u64>load<u8>(p) : sz == 2 ? <u64>load<u16>(p) : sz == 4 ? <u64>load<u32>(p) : load<u64>(p);
  if (d_mod == 3) { writeReg(d_rm, sz == 8 ? 8 : 4, d_rex, v); return; }
  if (sz == 1) write8(d_addr, <u32>v);
  else if (sz == 2) write16(d_addr, <u32>v);
  else if (sz == 4) write32(d_addr, <u32>v);
  else write64(d_addr, v);
}
/** 66 0F 3A 17: extractps r/m32, xmm, imm8 — dword imm[1:0]; REX.W does not widen it. */
export function opExtractpsEdVxIb(): void {
  const v = <u64>load<u32>(xmmAddr(d_reg) + ((<usize>d_imm & 3) << 2));
  if (d_mod == 3) writeReg(d_rm, 4, d_rex, v);
  else write32(d_addr, <u32>v);
}

// ---- insert: 66 0F 3A 20 / 21 / 22 -------------------------------------------------------------
/** pinsrb xmm, r32/m8 (1); pinsrd/pinsrq xmm, r/m32/64 (4; 8 with REX.W). */
export function opPinsrVxEyIb(size: i32): void {
  let sz = size;
  if (sz == 4 && (d_rex & 8)) sz = 8;
  let v: u64;
  if (d_mod == 3) v = readReg(d_rm, sz == 8 ? 8 : 4, d_rex);
  else {
    v = sz == 1 ? <u64>read8(d_addr) : sz == 4 ? <u64>read32(d_addr) : read64(d_addr);
    if (exiting) return;
  }
  const p = xmmAddr(d_reg) + (<usize>(d_imm & <u64>(16 / sz - 1))) * <usize>sz;
  if (sz == 1) store<u8>(p, <u8>v); else if (sz == 4) store<u32>(p, <u32>v); else store<u64>(p, v);
}
/**
 * 66 0F 3A 21: insertps xmm1, xmm2/m32, imm8 — source dword imm[7:6] (a register source; m32
 * otherwise) into dword imm[5:4], then the dwords set in imm[3:0] zeroed.
 */
export function opInsertpsVxWdIb(): void {
  const imm = <u32>d_imm & 0xff; // d_imm is the sign-extended ib
  let v: u32;
  if (d_mod == 3) v = load<u32>(xmmAddr(d_rm) + (<usize>(imm >> 6) << 2));
  else { v = read32(d_addr); if (exiting) return; }
  const p = xmmAddr(d_reg);
  store<u32>(p + (<usize>((imm >> 4) & 3) << 2), v);
  for (let i: u32 = 0; i < 4; i++) if (imm & (1 << i)) store<u32>(p + (<usize>i << 2), 0);
}

// ---- 66 0F 3A 42: mpsadbw — eight sums of absolute differences of 4-byte windows ---------------
export function opMpsadbwVxWxIb(): void {
  const b = readWx(); if (exiting) return;
  const a = readV();
  const imm = <u32>d_imm;
  const ao = <i32>((imm >> 2) & 1) * 4, bo = <i32>(imm & 3) * 4;
  // the eight destination windows start at bytes ao..ao+7 of `a`; the source block is fixed
  const alo = <u64>i64x2.extract_lane(a, 0), ahi = <u64>i64x2.extract_lane(a, 1);
  const blo = <u64>i64x2.extract_lane(b, 0), bhi = <u64>i64x2.extract_lane(b, 1);
  let lo: u64 = 0, hi: u64 = 0;
  for (let i = 0; i < 8; i++) {
    let s: u32 = 0;
    for (let j = 0; j < 4; j++) s += <u32>abs(byteOf(alo, ahi, ao + i + j) - byteOf(blo, bhi, bo + j));
    if (i < 4) lo |= <u64>s << (<u64>i << 4); else hi |= <u64>s << (<u64>(i - 4) << 4);
  }
  writeV(make128(lo, hi));
}
@inline function byteOf(lo: u64, hi: u64, k: i32): i32 {
  return k < 8 ? <i32>((lo >> (<u64>k << 3)) & 0xff) : <i32>((hi >> (<u64>(k - 8) << 3)) & 0xff);
}
