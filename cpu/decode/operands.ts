// Operand access for handlers, in the SDM's operand-form vocabulary: E = ModRM.rm (register or
// memory), G = ModRM.reg, of a given size in bytes. Memory faults set `exiting` (cpu/state.ts);
// a handler tests it after every read and before writing any register.

import { readReg, writeReg } from '../state';
import { readMem, writeMem, probeWrite } from '../mmu/access';
import { d_mod, d_rm, d_reg, d_rex, d_addr } from './decoder';

@inline export function eIsReg(): bool { return d_mod == 3; }

@inline export function readE(size: i32): u64 {
  if (d_mod == 3) return readReg(d_rm, size, d_rex);
  return readMem(d_addr, size);
}

@inline export function writeE(size: i32, v: u64): void {
  if (d_mod == 3) writeReg(d_rm, size, d_rex, v);
  else writeMem(d_addr, size, v);
}

/**
 * For read-modify-write on E: checks a memory destination is writable before anything is
 * read, so a read-only page faults as a write (as the hardware reports it). False = faulted.
 */
@inline export function prepareE(size: i32): bool {
  if (d_mod == 3) return true;
  return probeWrite(d_addr, size);
}

@inline export function readG(size: i32): u64 { return readReg(d_reg, size, d_rex); }
@inline export function writeG(size: i32, v: u64): void { writeReg(d_reg, size, d_rex, v); }
