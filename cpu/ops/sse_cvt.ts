// SSE/SSE2 conversions (SDM vol. 2 CVT*): integer ↔ float scalar (CVTSI2SS/SD, CVT[T]SS2SI,
// CVT[T]SD2SI), float ↔ float (CVTSS2SD, CVTSD2SS, CVTPS2PD, CVTPD2PS) and the packed
// dword forms (CVTDQ2PS, CVT[T]PS2DQ, CVTDQ2PD, CVT[T]PD2DQ). Rounding follows MXCSR.RC except
// the truncating CVTT* forms; out-of-range results are the integer indefinite (sign bit only).

import { d_reg, d_rex } from '../decode/decoder';
import { readE } from '../decode/operands';
import { exiting, writeReg } from '../state';
import { setXq, setXd, writeV, readWx, readWq, readWd } from './sse_common';
import { fpBegin, fpEnd, fFromI64, fToInt, f32To64, f64To32 } from './sse_fpmath';
import { make32x4, make64x2 } from './sse_fp';

@inline function gprSize(): i32 { return (d_rex & 8) ? 8 : 4; }

// ---- integer → scalar float: F3/F2 0F 2A ---------------------------------------------------
@inline function readIntE(): i64 {
  const size = gprSize();
  const v = readE(size);
  return size == 8 ? <i64>v : <i64><i32>v;
}
export function opCvtsi2ssVxEy(): void {
  const v = readIntE();
  if (exiting) return;
  fpBegin();
  const r = fFromI64(v, false);
  if (!fpEnd()) return;
  setXd(d_reg, 0, <u32>r);
}
export function opCvtsi2sdVxEy(): void {
  const v = readIntE();
  if (exiting) return;
  fpBegin();
  const r = fFromI64(v, true);
  if (!fpEnd()) return;
  setXq(d_reg, 0, r);
}

// ---- scalar float → integer: F3/F2 0F 2C (truncating), 0F 2D (MXCSR rounding) -----------------
export function opCvtss2siGyWd(truncate: i32): void {
  const a = readWd();
  if (exiting) return;
  const size = gprSize();
  fpBegin();
  const r = fToInt(<u64>a, false, size << 3, truncate != 0);
  if (!fpEnd()) return;
  writeReg(d_reg, size, d_rex, r);
}
export function opCvtsd2siGyWq(truncate: i32): void {
  const a = readWq();
  if (exiting) return;
  const size = gprSize();
  fpBegin();
  const r = fToInt(a, true, size << 3, truncate != 0);
  if (!fpEnd()) return;
  writeReg(d_reg, size, d_rex, r);
}

// ---- float ↔ float: 0F 5A ---------------------------------------------------------------
/** F3 0F 5A: cvtss2sd — low quadword replaced, high quadword kept. */
export function opCvtss2sdVxWd(): void {
  const a = readWd();
  if (exiting) return;
  fpBegin();
  const r = f32To64(<u64>a);
  if (!fpEnd()) return;
  setXq(d_reg, 0, r);
}
/** F2 0F 5A: cvtsd2ss — low doubleword replaced, the rest kept. */
export function opCvtsd2ssVxWq(): void {
  const a = readWq();
  if (exiting) return;
  fpBegin();
  const r = f64To32(a);
  if (!fpEnd()) return;
  setXd(d_reg, 0, <u32>r);
}
/** NP 0F 5A: cvtps2pd — two singles from xmm/m64 (no alignment rule for m64). */
export function opCvtps2pdVxWq(): void {
  const a = readWq();
  if (exiting) return;
  fpBegin();
  const r0 = f32To64(a & 0xffffffff);
  const r1 = f32To64(a >> 32);
  if (!fpEnd()) return;
  writeV(make64x2(r0, r1));
}
/** 66 0F 5A: cvtpd2ps — two singles in the low quadword, the high one zeroed. */
export function opCvtpd2psVxWx(): void {
  const a = readWx();
  if (exiting) return;
  fpBegin();
  const r0 = f64To32(<u64>i64x2.extract_lane(a, 0));
  const r1 = f64To32(<u64>i64x2.extract_lane(a, 1));
  if (!fpEnd()) return;
  writeV(make64x2(r0 | (r1 << 32), 0));
}

// ---- packed dwords: 0F 5B, 0F E6 -----------------------------------------------------------
/** NP 0F 5B: cvtdq2ps — rounded by MXCSR.RC. */
export function opCvtdq2psVxWx(): void {
  const a = readWx();
  if (exiting) return;
  fpBegin();
  const r0 = fFromI64(<i64>i32x4.extract_lane(a, 0), false);
  const r1 = fFromI64(<i64>i32x4.extract_lane(a, 1), false);
  const r2 = fFromI64(<i64>i32x4.extract_lane(a, 2), false);
  const r3 = fFromI64(<i64>i32x4.extract_lane(a, 3), false);
  if (!fpEnd()) return;
  writeV(make32x4(r0, r1, r2, r3));
}
/** 66 0F 5B cvtps2dq (MXCSR rounding), F3 0F 5B cvttps2dq (truncating). */
export function opCvtps2dqVxWx(truncate: i32): void {
  const a = readWx();
  if (exiting) return;
  const t = truncate != 0;
  fpBegin();
  const r0 = fToInt(<u64><u32>i32x4.extract_lane(a, 0), false, 32, t);
  const r1 = fToInt(<u64><u32>i32x4.extract_lane(a, 1), false, 32, t);
  const r2 = fToInt(<u64><u32>i32x4.extract_lane(a, 2), false, 32, t);
  const r3 = fToInt(<u64><u32>i32x4.extract_lane(a, 3), false, 32, t);
  if (!fpEnd()) return;
  writeV(make32x4(r0, r1, r2, r3));
}
/** F3 0F E6: cvtdq2pd — two dwords from xmm/m64, exact. */
export function opCvtdq2pdVxWq(): void {
  const a = readWq();
  if (exiting) return;
  fpBegin();
  const r0 = fFromI64(<i64><i32>a, true);
  const r1 = fFromI64(<i64><i32>(a >> 32), true);
  if (!fpEnd()) return;                                // never fails: every int32 is a binary64
  writeV(make64x2(r0, r1));
}
/** F2 0F E6 cvtpd2dq (MXCSR rounding), 66 0F E6 cvttpd2dq — the high quadword is zeroed. */
export function opCvtpd2dqVxWx(truncate: i32): void {
  const a = readWx();
  if (exiting) return;
  const t = truncate != 0;
  fpBegin();
  const r0 = fToInt(<u64>i64x2.extract_lane(a, 0), true, 32, t);
  const r1 = fToInt(<u64>i64x2.extract_lane(a, 1), true, 32, t);
  if (!fpEnd()) return;
  writeV(make64x2(r0 | (r1 << 32), 0));
}
