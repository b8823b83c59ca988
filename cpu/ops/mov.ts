// Data movement: MOV, MOVZX/MOVSX/MOVSXD, LEA, XCHG, CBW…CQO, CMOVcc, SETcc, BSWAP (SDM vol. 2).
// None of these change flags.

import { d_opsize, d_imm, d_rex, d_opcode, d_ea, d_mod } from '../decode/decoder';
import { readE, writeE, readG, writeG, prepareE } from '../decode/operands';
import { readReg, writeReg, reg64, setReg64, reg32, setReg32, reg16, setReg16, exiting } from '../state';
import { cond } from './flags';
import { opUD } from './system';
import { R_AX, R_DX } from '../state';

export function opMovEbGb(): void { writeE(1, readG(1)); }
export function opMovEvGv(): void { writeE(d_opsize, readG(d_opsize)); }
export function opMovGbEb(): void { const v = readE(1); if (exiting) return; writeG(1, v); }
export function opMovGvEv(): void { const v = readE(d_opsize); if (exiting) return; writeG(d_opsize, v); }
export function opMovEbIb(): void { writeE(1, d_imm); }
export function opMovEvIz(): void { writeE(d_opsize, d_imm); }

/** B0+r: mov r8, imm8 — the register comes from the opcode's low bits and REX.B. */
export function opMovZbIb(): void { writeReg((d_opcode & 7) | ((d_rex & 1) << 3), 1, d_rex, d_imm); }
/** B8+r: mov r, imm16/32/64 (movabs with REX.W). */
export function opMovZvIv(): void { writeReg((d_opcode & 7) | ((d_rex & 1) << 3), d_opsize, d_rex, d_imm); }

export function opLea(): void {
  if (d_mod == 3) { opUD(); return; }
  // The address size (67) truncates the address; the operand size truncates the result.
  writeG(d_opsize, d_ea);
}

export function opMovzxGvEb(): void { const v = readE(1); if (exiting) return; writeG(d_opsize, v); }
export function opMovzxGvEw(): void { const v = readE(2); if (exiting) return; writeG(d_opsize, v); }
export function opMovsxGvEb(): void { const v = readE(1); if (exiting) return; writeG(d_opsize, <u64><i64><i8>v); }
export function opMovsxGvEw(): void { const v = readE(2); if (exiting) return; writeG(d_opsize, <u64><i64><i16>v); }
/** 63: movsxd — sign-extends with REX.W; without it, it moves 32 (or 16) bits. */
export function opMovsxdGvEd(): void {
  if (d_opsize == 8) { const v = readE(4); if (exiting) return; writeG(8, <u64><i64><i32>v); }
  else { const v = readE(d_opsize); if (exiting) return; writeG(d_opsize, v); }
}

// ---- XCHG ----------------------------------------------------------------------------------
@inline function xchg(size: i32): void {
  if (!prepareE(size)) return;
  const a = readE(size);
  if (exiting) return;
  writeE(size, readG(size));
  writeG(size, a);
}
export function opXchgEbGb(): void { xchg(1); }
export function opXchgEvGv(): void { xchg(d_opsize); }
/** 90+r: xchg r, rAX. Plain 90 (no REX.B) is NOP — even the 32-bit form leaves rax's top half. */
export function opXchgZvAX(): void {
  const r = (d_opcode & 7) | ((d_rex & 1) << 3);
  if (r == 0) return;
  const a = readReg(R_AX, d_opsize, 0);
  writeReg(R_AX, d_opsize, 0, readReg(r, d_opsize, d_rex));
  writeReg(r, d_opsize, d_rex, a);
}

// ---- sign extension of rAX -----------------------------------------------------------------
/** 98: cbw / cwde / cdqe */
export function opCbw(): void {
  if (d_opsize == 8) setReg64(R_AX, <u64><i64><i32>reg32(R_AX));
  else if (d_opsize == 4) setReg32(R_AX, <u32><i32><i16>reg16(R_AX));
  else setReg16(R_AX, <u32><i32><i8>reg16(R_AX));
}
/** 99: cwd / cdq / cqo */
export function opCwd(): void {
  if (d_opsize == 8) setReg64(R_DX, <u64>(<i64>reg64(R_AX) >> 63));
  else if (d_opsize == 4) setReg32(R_DX, <u32>(<i32>reg32(R_AX) >> 31));
  else setReg16(R_DX, <u32>(<i32><i16>reg16(R_AX) >> 15));
}

// ---- CMOVcc, SETcc -------------------------------------------------------------------------
export function opCmovGvEv(): void {
  // The source is read (and may fault) whatever the condition; a 32-bit destination is
  // zero-extended even when the condition is false.
  const v = readE(d_opsize);
  if (exiting) return;
  if (cond(d_opcode & 0xf)) writeG(d_opsize, v);
  else if (d_opsize == 4) writeG(4, readG(4));
}
export function opSetccEb(): void { writeE(1, cond(d_opcode & 0xf) ? 1 : 0); }

/** 0F C8+r: bswap (16-bit operand size is undefined; it zeroes the word on real CPUs). */
export function opBswapZv(): void {
  const r = (d_opcode & 7) | ((d_rex & 1) << 3);
  if (d_opsize == 8) setReg64(r, bswap<u64>(reg64(r)));
  else if (d_opsize == 4) setReg32(r, bswap<u32>(reg32(r)));
  else setReg16(r, 0);
}

// A0-A3: mov between AL/rAX and memory at an absolute address (movabs in AT&T syntax); the
// decoder leaves the address in d_addr like any memory operand.
export function opMovALOb(): void { const v = readE(1); if (exiting) return; writeReg(0, 1, 0, v); }
export function opMovAXOv(): void { const v = readE(d_opsize); if (exiting) return; writeReg(0, d_opsize, 0, v); }
export function opMovObAL(): void { writeE(1, readReg(0, 1, 0)); }
export function opMovOvAX(): void { writeE(d_opsize, readReg(0, d_opsize, 0)); }
