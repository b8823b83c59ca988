// The stack: PUSH, POP, ENTER, LEAVE, PUSHF, POPF (SDM vol. 2). Operand size defaults to 64
// (d64 in the table); 66 makes it 16. Memory is written before rsp changes, so a fault on the
// stack leaves rsp as it was.

import { d_opsize, d_imm, d_imm2, d_rex, d_opcode, d_mod, d_rm, d_prefix, P_66, decode } from '../decode/decoder';
import { readE, writeE } from '../decode/operands';
import { reg64, setReg64, readReg, writeReg, exiting } from '../state';
import { readMem, writeMem, probeWrite } from '../mmu/access';
import { materializeFlags } from './flags';
import { STATE, RFLAGS, CF, PF, AF, ZF, SF, TF, DF, OF, AC, ID } from '../shared/layout';
import { R_SP, R_BP } from '../state';

@inline function push(size: i32, v: u64): bool {
  const sp = reg64(R_SP) - <u64>size;
  writeMem(sp, size, v);
  if (exiting) return false;
  setReg64(R_SP, sp);
  return true;
}

export function opPushZv(): void { push(d_opsize, readReg((d_opcode & 7) | ((d_rex & 1) << 3), d_opsize, d_rex)); }
export function opPushIz(): void { push(d_opsize, d_imm); }
export function opPushIb(): void { push(d_opsize, d_imm); }
/** FF /6: push Ev. The table cannot mark it d64 (FF is shared with inc/dec), so the default
 *  size of 64 (16 with a 66 and no REX.W) is worked out here. */
export function opPushEv(): void {
  const size = (d_prefix & P_66) && !(d_rex & 8) ? 2 : 8;
  const v = readE(size);
  if (exiting) return;
  push(size, v);
}

export function opPopZv(): void {
  const sp = reg64(R_SP);
  const v = readMem(sp, d_opsize);
  if (exiting) return;
  setReg64(R_SP, sp + <u64>d_opsize); // before the write: `pop rsp` loads rsp last
  writeReg((d_opcode & 7) | ((d_rex & 1) << 3), d_opsize, d_rex, v);
}

/** 8F /0: pop Ev. A memory destination addressed through rsp uses rsp after the pop (SDM). */
export function opPopEv(): void {
  const size = d_opsize;
  const sp = reg64(R_SP);
  const v = readMem(sp, size);
  if (exiting) return;
  if (d_mod == 3) {
    setReg64(R_SP, sp + <u64>size);
    writeReg(d_rm, size, d_rex, v);
    return;
  }
  setReg64(R_SP, sp + <u64>size);
  // An rsp-based destination address is computed after the increment (SDM "POP"), but decode()
  // computed it before: decode the instruction again with the new rsp (rare: pop to memory).
  decode();
  writeE(size, v);
  if (exiting) setReg64(R_SP, sp);
}

export function opLeave(): void {
  const bp = reg64(R_BP);
  const v = readMem(bp, d_opsize);
  if (exiting) return;
  setReg64(R_SP, bp + <u64>d_opsize);
  writeReg(R_BP, d_opsize, 0, v);
}

/**
 * C8 iw ib: enter — frame of imm16 bytes at nesting level imm8 & 31. The pushes happen one by
 * one, as on hardware (a fault part-way leaves the earlier ones in memory, registers untouched),
 * and the final rsp is write-checked: the SDM's #PF "if a write using the final value of the
 * stack pointer would cause a page fault".
 */
export function opEnter(): void {
  const size = d_opsize;
  const level = <i32>(d_imm2 & 31);
  let sp = reg64(R_SP);
  const bp = reg64(R_BP);
  sp -= <u64>size;
  writeMem(sp, size, bp);
  if (exiting) return;
  const frame = sp;
  if (level > 0) {
    for (let i = 1; i < level; i++) {
      const v = readMem(bp - <u64>(i * size), size);
      if (exiting) return;
      sp -= <u64>size;
      writeMem(sp, size, v);
      if (exiting) return;
    }
    sp -= <u64>size;
    writeMem(sp, size, frame);
    if (exiting) return;
  }
  const final = sp - d_imm;
  if (!probeWrite(final, size)) return;
  writeReg(R_BP, size, 0, frame);
  setReg64(R_SP, final);
}

// Bits a user-mode POPF may change (IOPL and IF are privileged: silently kept, as in ring 3).
const POPF_MASK: u64 = CF | PF | AF | ZF | SF | TF | DF | OF | AC | ID;

export function opPushf(): void {
  // VM and RF read as 0 in the pushed image; bit 1 is always 1.
  push(d_opsize, (materializeFlags() & 0x3f7fd7) | 2);
}

export function opPopf(): void {
  const sp = reg64(R_SP);
  const v = readMem(sp, d_opsize);
  if (exiting) return;
  setReg64(R_SP, sp + <u64>d_opsize);
  const mask = d_opsize == 2 ? POPF_MASK & 0xffff : POPF_MASK;
  const f = materializeFlags();
  store<u64>(STATE + RFLAGS, (f & ~mask) | (v & mask) | 2);
}
