// SSE/SSE2 data movement (SDM vol. 2: MOVAPS…MOVDQU, MOVD/MOVQ, MOVSS/MOVSD, MOVLPS…MOVLHPS,
// MOVNT*, MOVMSKPS/PD, PMOVMSKB, MASKMOVDQU, LDMXCSR/STMXCSR). None of these touch MXCSR flags:
// moves copy bits, NaNs included. A register destination keeps or clears its other bits exactly
// as each instruction's "Operation" section says (load from memory zero-extends, reg-reg merges).

import { d_mod, d_rm, d_reg, d_rex, d_prefix, d_addr, P_67 } from '../decode/decoder';
import { readE, writeE } from '../decode/operands';
import { exiting, raiseFault, reg64, writeReg, R_DI } from '../state';
import { read32, read64, write32, write64, write8, probeWrite } from '../mmu/access';
import { EXIT_GP } from '../shared/exit';
import {
  xmmAddr, getX, setX, getXq, setXq, getXd, setXd, readV, writeV, readWx, readWxU, readWq,
  writeWx, writeWxU, writeWq, writeWd, make128, getMxcsr, setMxcsr, MXCSR_WRITABLE,
} from './sse_common';

// ---- full 128-bit moves ---------------------------------------------------------------------
// The aligned forms (movaps, movapd, movdqa, movntps, movntpd, movntdq) fault on a misaligned
// address; the unaligned ones (movups, movupd, movdqu) do not. Types (ps/pd/dq) only matter to
// hardware bypass latencies, so one handler serves each pair of forms.
export function opMovdqaVxWx(): void { const v = readWx(); if (exiting) return; writeV(v); }
export function opMovdqaWxVx(): void { writeWx(readV()); }
export function opMovdquVxWx(): void { const v = readWxU(); if (exiting) return; writeV(v); }
export function opMovdquWxVx(): void { writeWxU(readV()); }

// ---- scalar moves ----------------------------------------------------------------------------
/** F3 0F 10: movss — from memory clears bits 127:32; between registers only bits 31:0 move. */
export function opMovssVxWd(): void {
  if (d_mod == 3) { setXd(d_reg, 0, getXd(d_rm, 0)); return; }
  const v = read32(d_addr);
  if (exiting) return;
  writeV(make128(<u64>v, 0));
}
export function opMovssWdVx(): void { writeWd(getXd(d_reg, 0)); }
/** F2 0F 10: movsd — the same rule for 64 bits. */
export function opMovsdVxWq(): void {
  if (d_mod == 3) { setXq(d_reg, 0, getXq(d_rm, 0)); return; }
  const v = read64(d_addr);
  if (exiting) return;
  writeV(make128(v, 0));
}
export function opMovsdWqVx(): void { writeWq(getXq(d_reg, 0)); }

// ---- half moves ------------------------------------------------------------------------------
/** 0F 12 mem: movlps / movlpd xmm, m64 — the upper half stays. */
export function opMovlpsVxMq(): void { const v = read64(d_addr); if (exiting) return; setXq(d_reg, 0, v); }
/** 0F 12 reg: movhlps xmm1, xmm2 — low half of xmm1 = high half of xmm2. */
export function opMovhlpsVxUx(): void { setXq(d_reg, 0, getXq(d_rm, 1)); }
/** 0F 13: movlps / movlpd m64, xmm. */
export function opMovlpsMqVx(): void { write64(d_addr, getXq(d_reg, 0)); }
/** 0F 16 mem: movhps / movhpd xmm, m64 — the low half stays. */
export function opMovhpsVxMq(): void { const v = read64(d_addr); if (exiting) return; setXq(d_reg, 1, v); }
/** 0F 16 reg: movlhps xmm1, xmm2 — high half of xmm1 = low half of xmm2. */
export function opMovlhpsVxUx(): void { setXq(d_reg, 1, getXq(d_rm, 0)); }
/** 0F 17: movhps / movhpd m64, xmm. */
export function opMovhpsMqVx(): void { write64(d_addr, getXq(d_reg, 1)); }

// ---- GPR <-> xmm ------------------------------------------------------------------------------
@inline function gprSize(): i32 { return (d_rex & 8) ? 8 : 4; }

/** 66 0F 6E: movd xmm, r/m32 / movq xmm, r/m64 (REX.W) — zero-extends to 128 bits. */
export function opMovdVxEy(): void {
  const v = readE(gprSize());
  if (exiting) return;
  writeV(make128(v, 0));
}
/** 66 0F 7E: movd r/m32, xmm / movq r/m64, xmm (REX.W); a 32-bit GPR destination zero-extends. */
export function opMovdEyVx(): void {
  const size = gprSize();
  writeE(size, size == 8 ? getXq(d_reg, 0) : <u64>getXd(d_reg, 0));
}
/** F3 0F 7E: movq xmm, xmm/m64 — zero-extends, also from a register. */
export function opMovqVxWq(): void {
  const v = readWq();
  if (exiting) return;
  writeV(make128(v, 0));
}
/** 66 0F D6: movq xmm/m64, xmm — a register destination is zero-extended. */
export function opMovqWqVx(): void {
  const v = getXq(d_reg, 0);
  if (d_mod == 3) setX(d_rm, make128(v, 0));
  else write64(d_addr, v);
}

// ---- non-temporal stores (the hint changes nothing here; the alignment rule stays) ----------
export function opMovntdqMxVx(): void { writeWx(readV()); }
/** NP 0F C3: movnti m32/m64, r32/r64. */
export function opMovntiMyGy(): void {
  const size = gprSize();
  if (size == 8) write64(d_addr, reg64(d_reg));
  else write32(d_addr, <u32>reg64(d_reg));
}

// ---- sign-bit masks ----------------------------------------------------------------------------
// The destination is a 32-bit GPR (64 with REX.W: the same value, zero-extended).
export function opMovmskpsGdUx(): void { writeReg(d_reg, 4, d_rex, <u64>i32x4.bitmask(getX(d_rm))); }
export function opMovmskpdGdUx(): void { writeReg(d_reg, 4, d_rex, <u64>i64x2.bitmask(getX(d_rm))); }
export function opPmovmskbGdUx(): void { writeReg(d_reg, 4, d_rex, <u64>i8x16.bitmask(getX(d_rm))); }

/**
 * 66 0F F7: maskmovdqu xmm1, xmm2 — stores the bytes of xmm1 whose mask byte in xmm2 has its
 * top bit set, to [rdi] (edi with 67). The whole 16-byte destination is checked writable first,
 * masked-off bytes included (the host CPU faults on them too), so a fault stores nothing.
 */
export function opMaskmovdquVxUx(): void {
  const mask = i8x16.bitmask(getX(d_rm));
  let base = reg64(R_DI);
  if (d_prefix & P_67) base &= 0xffffffff;
  if (!probeWrite(base, 16)) return;
  const src = xmmAddr(d_reg);
  for (let i = 0; i < 16; i++) {
    if (mask & (1 << i)) write8(base + <u64>i, <u32>load<u8>(src + <usize>i));
  }
}

// ---- MXCSR ---------------------------------------------------------------------------------
/** 0F AE /2: ldmxcsr m32 — setting a reserved bit is #GP(0); no exception fires on load. */
export function opLdmxcsrMd(): void {
  const v = read32(d_addr);
  if (exiting) return;
  if (v & ~MXCSR_WRITABLE) { raiseFault(EXIT_GP, 0); return; }
  setMxcsr(v);
}
/** 0F AE /3: stmxcsr m32. */
export function opStmxcsrMd(): void { write32(d_addr, getMxcsr()); }
