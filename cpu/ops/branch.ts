// Control transfer: JMP, Jcc, CALL, RET, LOOP/LOOPcc, JRCXZ (SDM vol. 2). Near branches use a
// 64-bit operand size whatever the 66 prefix says (Intel behaviour; AMD would truncate rip).
// A branch sets d_next; the step loop commits it only if nothing faulted.

import { d_next, d_imm, d_prefix, d_opcode, P_67, branchTo } from '../decode/decoder';
import { readE } from '../decode/operands';
import { reg64, setReg64, exiting } from '../state';
import { read64, write64 } from '../mmu/access';
import { cond, getZF } from './flags';
import { R_SP, R_CX } from '../state';

@inline function jumpRel(): void { branchTo(d_next + d_imm); }

export function opJmpJ(): void { jumpRel(); }
export function opJccJb(): void { if (cond(d_opcode & 0xf)) jumpRel(); }
export function opJccJz(): void { if (cond(d_opcode & 0xf)) jumpRel(); }

export function opCallJz(): void {
  const sp = reg64(R_SP) - 8;
  write64(sp, d_next);
  if (exiting) return;
  setReg64(R_SP, sp);
  jumpRel();
}

export function opCallEv(): void {
  const target = readE(8);
  if (exiting) return;
  const sp = reg64(R_SP) - 8;
  write64(sp, d_next);
  if (exiting) return;
  setReg64(R_SP, sp);
  branchTo(target);
}

export function opJmpEv(): void {
  const target = readE(8);
  if (exiting) return;
  branchTo(target);
}

/** C3 ret, C2 ret imm16 (pops the return address, then imm16 more bytes). */
export function opRet(): void {
  const sp = reg64(R_SP);
  const target = read64(sp);
  if (exiting) return;
  setReg64(R_SP, sp + 8);
  branchTo(target);
}
export function opRetIw(): void {
  const sp = reg64(R_SP);
  const target = read64(sp);
  if (exiting) return;
  setReg64(R_SP, sp + 8 + d_imm);
  branchTo(target);
}

// LOOP/LOOPE/LOOPNE/JRCXZ count in rcx, or ecx with the 67 prefix.
@inline function counter(): u64 {
  return (d_prefix & P_67) ? reg64(R_CX) & 0xffffffff : reg64(R_CX);
}
@inline function decCounter(): u64 {
  if (d_prefix & P_67) {
    const c = (reg64(R_CX) - 1) & 0xffffffff;
    setReg64(R_CX, c);
    return c;
  }
  const c = reg64(R_CX) - 1;
  setReg64(R_CX, c);
  return c;
}
/** E0 loopne, E1 loope, E2 loop */
export function opLoop(): void {
  const c = decCounter();
  const op = d_opcode & 0xff;
  const take = op == 0xe2 ? c != 0 : op == 0xe1 ? c != 0 && getZF() : c != 0 && !getZF();
  if (take) jumpRel();
}
/** E3 jrcxz / jecxz */
export function opJrcxz(): void { if (counter() == 0) jumpRel(); }
