// Shifts and rotates: SHL/SAL SHR SAR ROL ROR RCL RCR (group 2: C0 C1 D0–D3) and SHLD/SHRD
// (0F A4/A5/AC/AD) — SDM vol. 2 "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD".
// The count is masked to 5 bits (6 with REX.W); a masked count of 0 changes no flag. Shifts
// replace all six status flags at once (no lazy record); rotates change only CF and OF.

import { d_opsize, d_imm } from '../decode/decoder';
import { readE, writeE, readG, prepareE } from '../decode/operands';
import { readReg, exiting, R_CX } from '../state';
import { getCF, setStatusFlags, setAllStatusFlags, szpBits, sizeMask, signBit } from './flags';
import { CF, OF } from '../shared/layout';

// Group-2 operation numbers: the ModRM.reg digit. /6 is an undocumented alias of SHL that
// every Intel and AMD CPU runs as SHL.
export const ROL = 0;
export const ROR = 1;
export const RCL = 2;
export const RCR = 3;
export const SHL = 4;
export const SHR = 5;
export const SAL = 6;
export const SAR = 7;

@inline function countMask(size: i32): u32 { return size == 8 ? 63 : 31; }

/**
 * Flags after a shift by a non-zero count. Undefined by the SDM, and set here as follows:
 * AF = 0; OF for counts above 1 by the count-1 formula; CF for SHL/SHR counts >= the width as
 * the bit a wide shifter would produce (0).
 */
@inline function shiftFlags(res: u64, size: i32, cf: u64, ovf: u64): void {
  setAllStatusFlags(szpBits(res, size) | (cf ? <u64>CF : 0) | (ovf ? <u64>OF : 0));
}

function group2(op: i32, size: i32, count: u32): void {
  if (!prepareE(size)) return;
  const v = readE(size);
  if (exiting) return;
  // Count 0 still writes the destination: a 32-bit register is zero-extended as for any write.
  writeE(size, shifted(op, size, v, count));
}

/** `v` (of `size` bytes) shifted or rotated by `count` as group-2 `op`; sets the flags. */
@inline export function shifted(op: i32, size: i32, v: u64, count: u32): u64 {
  const c = count & countMask(size);
  const bits = size << 3;
  const m = sizeMask(size);
  const msb = <u64>(bits - 1);
  if (c == 0) return v;
  let res: u64;
  switch (op) {
    case SHL: case SAL: {
      res = (v << <u64>c) & m;
      const cf = c <= <u32>bits ? (v >> <u64>(bits - <i32>c)) & 1 : 0;
      shiftFlags(res, size, cf, ((res >> msb) & 1) ^ cf);
      break;
    }
    case SHR: {
      res = v >> <u64>c;
      const cf = c <= <u32>bits ? (v >> <u64>(c - 1)) & 1 : 0;
      shiftFlags(res, size, cf, (v >> msb) & 1);
      break;
    }
    case SAR: {
      const sh = <u64>(64 - bits);
      const sv = <i64>(v << sh) >> sh; // sign-extended to 64 bits
      res = <u64>(sv >> <i64>c) & m;
      shiftFlags(res, size, <u64>(sv >> <i64>(c - 1)) & 1, 0);
      break;
    }
    case ROL: {
      const r = c & <u32>(bits - 1); // bits is 8, 16, 32 or 64: a mask, not a division
      res = r == 0 ? v : ((v << <u64>r) | (v >> <u64>(bits - <i32>r))) & m;
      const cf = res & 1;
      setStatusFlags(CF | OF, (cf ? <u64>CF : 0) | ((((res >> msb) & 1) ^ cf) ? <u64>OF : 0));
      break;
    }
    case ROR: {
      const r = c & <u32>(bits - 1); // bits is 8, 16, 32 or 64: a mask, not a division
      res = r == 0 ? v : ((v >> <u64>r) | (v << <u64>(bits - <i32>r))) & m;
      const hi = (res >> msb) & 1;
      setStatusFlags(CF | OF, (hi ? <u64>CF : 0) | ((hi ^ ((res >> (msb - 1)) & 1)) ? <u64>OF : 0));
      break;
    }
    case RCL: {
      // A rotate through CF is a (bits+1)-wide rotate: 8- and 16-bit counts wrap at 9 and 17.
      const n = size < 4 ? c % <u32>(bits + 1) : c;
      if (n == 0) { res = v; break; } // CF comes back where it was; OF is undefined
      const cin = <u64>getCF();
      res = ((v << <u64>n) | (cin << <u64>(n - 1)) | (n > 1 ? v >> <u64>(bits + 1 - <i32>n) : 0)) & m;
      const cf = (v >> <u64>(bits - <i32>n)) & 1;
      setStatusFlags(CF | OF, (cf ? <u64>CF : 0) | ((((res >> msb) & 1) ^ cf) ? <u64>OF : 0));
      break;
    }
    default: { // RCR
      const n = size < 4 ? c % <u32>(bits + 1) : c;
      if (n == 0) { res = v; break; }
      const cin = <u64>getCF();
      res = ((v >> <u64>n) | (cin << <u64>(bits - <i32>n)) | (n > 1 ? v << <u64>(bits + 1 - <i32>n) : 0)) & m;
      const cf = (v >> <u64>(n - 1)) & 1;
      // OF = MSB(dest) XOR CF before the rotate (count 1), i.e. the top two result bits differ.
      const ovf = ((res >> msb) ^ (res >> (msb - 1))) & 1;
      setStatusFlags(CF | OF, (cf ? <u64>CF : 0) | (ovf ? <u64>OF : 0));
    }
  }
  return res;
}

/**
 * The value shifted() computes, without the flags: for a run whose flags are dead
 * (cpu/decode/runs.ts). SHL/SAL, SHR, SAR, ROL, ROR only (RCL/RCR read CF).
 */
@inline export function shiftValue(op: i32, size: i32, v: u64, count: u32): u64 {
  const c = count & countMask(size);
  const bits = size << 3;
  const m = sizeMask(size);
  if (c == 0) return v;
  switch (op) {
    case SHL: case SAL: return (v << <u64>c) & m;
    case SHR: return v >> <u64>c;
    case SAR: {
      const sh = <u64>(64 - bits);
      return <u64>((<i64>(v << sh) >> sh) >> <i64>c) & m;
    }
    case ROL: {
      const r = c & <u32>(bits - 1); // bits is 8, 16, 32 or 64: a mask, not a division
      return r == 0 ? v : ((v << <u64>r) | (v >> <u64>(bits - <i32>r))) & m;
    }
    default: { // ROR
      const r = c & <u32>(bits - 1); // bits is 8, 16, 32 or 64: a mask, not a division
      return r == 0 ? v : ((v >> <u64>r) | (v << <u64>(bits - <i32>r))) & m;
    }
  }
}

export function opShiftEbIb(op: i32): void { group2(op, 1, <u32>d_imm); }
export function opShiftEvIb(op: i32): void { group2(op, d_opsize, <u32>d_imm); }
export function opShiftEb1(op: i32): void { group2(op, 1, 1); }
export function opShiftEv1(op: i32): void { group2(op, d_opsize, 1); }
export function opShiftEbCL(op: i32): void { group2(op, 1, <u32>readReg(R_CX, 1, 0)); }
export function opShiftEvCL(op: i32): void { group2(op, d_opsize, <u32>readReg(R_CX, 1, 0)); }

// ---- SHLD, SHRD ------------------------------------------------------------------------------

function shiftDouble(left: bool, count: u32): void {
  const size = d_opsize;
  if (!prepareE(size)) return;
  const d = readE(size);
  if (exiting) return;
  const s = readG(size);
  const c = count & countMask(size);
  if (c == 0) { writeE(size, d); return; }
  let res: u64, cf: u64;
  if (size == 2) {
    // Counts 17..31 are undefined for 16 bits; Intel shifts a 48-bit dest:src:dest window, which
    // also gives the defined results for counts up to 16.
    const w = (d << 32) | (s << 16) | d;
    if (left) { res = (w << <u64>c) >> 32; cf = (w >> <u64>(48 - <i32>c)) & 1; }
    else { res = w >> <u64>c; cf = (w >> <u64>(c - 1)) & 1; }
    res &= 0xffff;
  } else {
    const bits = size << 3;
    if (left) { res = (d << <u64>c) | (s >> <u64>(bits - <i32>c)); cf = (d >> <u64>(bits - <i32>c)) & 1; }
    else { res = (d >> <u64>c) | (s << <u64>(bits - <i32>c)); cf = (d >> <u64>(c - 1)) & 1; }
    res &= sizeMask(size);
  }
  // OF: a sign change (defined for count 1). AF = 0 (undefined).
  const ovf = ((res ^ d) & signBit(size)) != 0;
  setAllStatusFlags(szpBits(res, size) | (cf ? <u64>CF : 0) | (ovf ? <u64>OF : 0));
  writeE(size, res);
}

export function opShldEvGvIb(): void { shiftDouble(true, <u32>d_imm); }
export function opShldEvGvCL(): void { shiftDouble(true, <u32>readReg(R_CX, 1, 0)); }
export function opShrdEvGvIb(): void { shiftDouble(false, <u32>d_imm); }
export function opShrdEvGvCL(): void { shiftDouble(false, <u32>readReg(R_CX, 1, 0)); }
