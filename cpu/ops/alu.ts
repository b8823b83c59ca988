// Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP in all their forms, TEST,
// INC DEC NEG NOT, XADD, CMPXCHG (SDM vol. 2). Flags are recorded lazily (flags.ts).
// LOCK needs nothing extra: every guest thread runs on one JS thread, one instruction at a time.

import { d_opsize, d_imm, d_mod } from '../decode/decoder';
import { readE, writeE, readG, writeG, prepareE } from '../decode/operands';
import { readReg, writeReg, exiting } from '../state';
import { setLazy, getCF, sizeMask, FL_ADD, FL_ADC, FL_SUB, FL_SBB, FL_LOGIC, FL_INC, FL_DEC, parkCF } from './flags';
import { R_AX } from '../state';

// Group-1 operation numbers: the ModRM.reg digit of 80/81/83 and bits 5..3 of 00..3D.
export const ADD = 0;
export const OR = 1;
export const ADC = 2;
export const SBB = 3;
export const AND = 4;
export const SUB = 5;
export const XOR = 6;
export const CMP = 7;

/**
 * `a op b` without its flags (not ADC/SBB, which read CF): for an instruction of a run whose
 * flags a later one overwrites before anything can read them (cpu/decode/runs.ts).
 */
@inline export function aluValue(op: i32, a: u64, b: u64): u64 {
  switch (op) {
    case ADD: return a + b;
    case OR: return a | b;
    case AND: return a & b;
    case XOR: return a ^ b;
    default: return a - b; // SUB, CMP
  }
}

/** Computes `a op b` on `size` bytes, records the flags, returns the (unmasked) result. */
@inline export function alu(op: i32, size: i32, a: u64, b: u64): u64 {
  let r: u64;
  switch (op) {
    case ADD: r = a + b; setLazy(FL_ADD, size, a, b, r); return r;
    case OR: r = a | b; setLazy(FL_LOGIC, size, a, b, r); return r;
    case ADC: {
      const c = getCF();
      r = a + b + <u64>c;
      setLazy(c ? FL_ADC : FL_ADD, size, a, b, r);
      return r;
    }
    case SBB: {
      const c = getCF();
      r = a - b - <u64>c;
      setLazy(c ? FL_SBB : FL_SUB, size, a, b, r);
      return r;
    }
    case AND: r = a & b; setLazy(FL_LOGIC, size, a, b, r); return r;
    case XOR: r = a ^ b; setLazy(FL_LOGIC, size, a, b, r); return r;
    default: r = a - b; setLazy(FL_SUB, size, a, b, r); return r; // SUB, CMP
  }
}

/** op E, src — the destination is ModRM.rm (forms 00/01, 80/81/83). */
@inline function aluToE(op: i32, size: i32, src: u64): void {
  if (op == CMP) {
    const a = readE(size);
    if (exiting) return;
    alu(op, size, a, src);
    return;
  }
  if (!prepareE(size)) return;
  const a = readE(size);
  if (exiting) return;
  writeE(size, alu(op, size, a, src));
}

export function opAluEbGb(op: i32): void { aluToE(op, 1, readG(1)); }
export function opAluEvGv(op: i32): void { aluToE(op, d_opsize, readG(d_opsize)); }
export function opAluEbIb(op: i32): void { aluToE(op, 1, d_imm); }
export function opAluEvIz(op: i32): void { aluToE(op, d_opsize, d_imm); }  // 81: iz sign-extended
export function opAluEvIb(op: i32): void { aluToE(op, d_opsize, d_imm); }  // 83: ib sign-extended

/** op G, E — forms 02/03. */
export function opAluGbEb(op: i32): void {
  const b = readE(1);
  if (exiting) return;
  const r = alu(op, 1, readG(1), b);
  if (op != CMP) writeG(1, r);
}
export function opAluGvEv(op: i32): void {
  const size = d_opsize;
  const b = readE(size);
  if (exiting) return;
  const r = alu(op, size, readG(size), b);
  if (op != CMP) writeG(size, r);
}

/** op AL/rAX, imm — forms 04/05. */
export function opAluALIb(op: i32): void {
  const r = alu(op, 1, readReg(0, 1, 0), d_imm);
  if (op != CMP) writeReg(0, 1, 0, r);
}
export function opAluAXIz(op: i32): void {
  const size = d_opsize;
  const r = alu(op, size, readReg(0, size, 0), d_imm);
  if (op != CMP) writeReg(0, size, 0, r);
}

// ---- TEST ----------------------------------------------------------------------------------
@inline function test(size: i32, a: u64, b: u64): void { setLazy(FL_LOGIC, size, a, b, a & b); }
export function opTestEbGb(): void { const a = readE(1); if (exiting) return; test(1, a, readG(1)); }
export function opTestEvGv(): void { const a = readE(d_opsize); if (exiting) return; test(d_opsize, a, readG(d_opsize)); }
export function opTestALIb(): void { test(1, readReg(R_AX, 1, 0), d_imm); }
export function opTestAXIz(): void { test(d_opsize, readReg(R_AX, d_opsize, 0), d_imm); }
export function opTestEbIb(): void { const a = readE(1); if (exiting) return; test(1, a, d_imm); }
export function opTestEvIz(): void { const a = readE(d_opsize); if (exiting) return; test(d_opsize, a, d_imm); }

// ---- INC DEC NOT NEG -----------------------------------------------------------------------
@inline function incDec(size: i32, dec: bool): void {
  if (!prepareE(size)) return;
  const a = readE(size);
  if (exiting) return;
  parkCF(); // INC/DEC keep CF: park it in RFLAGS before the new record
  const r = dec ? a - 1 : a + 1;
  setLazy(dec ? FL_DEC : FL_INC, size, a, 1, r);
  writeE(size, r);
}
export function opIncEb(): void { incDec(1, false); }
export function opDecEb(): void { incDec(1, true); }
export function opIncEv(): void { incDec(d_opsize, false); }
export function opDecEv(): void { incDec(d_opsize, true); }

@inline function not(size: i32): void {
  if (!prepareE(size)) return;
  const a = readE(size);
  if (exiting) return;
  writeE(size, ~a); // NOT changes no flags
}
export function opNotEb(): void { not(1); }
export function opNotEv(): void { not(d_opsize); }

@inline function neg(size: i32): void {
  if (!prepareE(size)) return;
  const a = readE(size);
  if (exiting) return;
  const r = <u64>0 - a;
  setLazy(FL_SUB, size, 0, a, r); // flags of 0 - a: CF = (a != 0)
  writeE(size, r);
}
export function opNegEb(): void { neg(1); }
export function opNegEv(): void { neg(d_opsize); }

// ---- XADD, CMPXCHG -------------------------------------------------------------------------
@inline function xadd(size: i32): void {
  if (!prepareE(size)) return;
  const a = readE(size);
  if (exiting) return;
  const b = readG(size);
  const r = a + b;
  setLazy(FL_ADD, size, a, b, r);
  // SDM: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP — with one register as both, the sum wins.
  writeG(size, a);
  writeE(size, r);
}
export function opXaddEbGb(): void { xadd(1); }
export function opXaddEvGv(): void { xadd(d_opsize); }

@inline function cmpxchg(size: i32): void {
  if (!prepareE(size)) return;
  const dest = readE(size);
  if (exiting) return;
  const acc = readReg(R_AX, size, 0);
  setLazy(FL_SUB, size, acc, dest, acc - dest);
  if ((acc & sizeMask(size)) == (dest & sizeMask(size))) {
    writeE(size, readG(size));
  } else {
    // The destination is written back unchanged for memory (the locked cycle always writes);
    // for a 32-bit register destination nothing is written, so its upper half survives.
    if (d_mod != 3) writeE(size, dest);
    writeReg(R_AX, size, 0, dest);
  }
}
export function opCmpxchgEbGb(): void { cmpxchg(1); }
export function opCmpxchgEvGv(): void { cmpxchg(d_opsize); }
