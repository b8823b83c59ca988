// The SSE/SSE2 conversions that name an mm register (SDM vol. 2: CVTPI2PS, CVTPI2PD, CVTPS2PI,
// CVTTPS2PI, CVTPD2PI, CVTTPD2PI). Arithmetic as sse_cvt.ts (MXCSR rounding, flags, #XM); the
// x87→MMX transition (TOP = 0, tags valid; #MF if an x87 exception is pending) happens when an
// mm register is involved — for CVTPI2PS/PD only with a register source, not with m64. It
// happens once the operands are read, before an unmasked SIMD exception (#XM) is raised, as on
// the host (AMD Zen 4).

import { d_reg, d_rm, d_mod, d_addr } from '../decode/decoder';
import { exiting } from '../state';
import { read64 } from '../mmu/access';
import { setXq, writeV, readWq, readWx } from './sse_common';
import { make64x2 } from './sse_fp';
import { fpBegin, fpEnd, fFromI64, fToInt } from './sse_fpmath';
import { mmxBegin, mmxDone, getMm, setMm } from './mmx';

/** The mm/m64 source of CVTPI2PS/PD; false if it faulted. */
let src: u64 = 0;
function readQSource(): bool {
  if (d_mod == 3) {
    if (!mmxBegin()) return false;
    src = getMm(d_rm);
    mmxDone();
    return true;
  }
  src = read64(d_addr);
  return !exiting;
}

/** NP 0F 2A: cvtpi2ps xmm, mm/m64 — two dwords, rounded by MXCSR; the high quadword stays. */
export function opCvtpi2psVxQq(): void {
  if (!readQSource()) return;
  fpBegin();
  const r0 = fFromI64(<i64><i32>src, false), r1 = fFromI64(<i64><i32>(src >> 32), false);
  if (!fpEnd()) return;
  setXq(d_reg, 0, r0 | (r1 << 32));
}
/** 66 0F 2A: cvtpi2pd xmm, mm/m64 — exact. */
export function opCvtpi2pdVxQq(): void {
  if (!readQSource()) return;
  writeV(make64x2(fFromI64(<i64><i32>src, true), fFromI64(<i64><i32>(src >> 32), true)));
}
/** NP 0F 2D cvtps2pi / 0F 2C cvttps2pi mm, xmm/m64. */
export function opCvtps2piPqWq(truncate: i32): void {
  if (!mmxBegin()) return;
  const a = readWq(); if (exiting) return;
  mmxDone();
  fpBegin();
  const r0 = fToInt(a & 0xffffffff, false, 32, truncate != 0), r1 = fToInt(a >> 32, false, 32, truncate != 0);
  if (!fpEnd()) return;
  setMm(d_reg, (r0 & 0xffffffff) | (r1 << 32));
}
/** 66 0F 2D cvtpd2pi / 66 0F 2C cvttpd2pi mm, xmm/m128 (16-byte aligned). */
export function opCvtpd2piPqWx(truncate: i32): void {
  if (!mmxBegin()) return;
  const a = readWx(); if (exiting) return;
  mmxDone();
  fpBegin();
  const r0 = fToInt(<u64>i64x2.extract_lane(a, 0), true, 32, truncate != 0);
  const r1 = fToInt(<u64>i64x2.extract_lane(a, 1), true, 32, truncate != 0);
  if (!fpEnd()) return;
  setMm(d_reg, (r0 & 0xffffffff) | (r1 << 32));
}
