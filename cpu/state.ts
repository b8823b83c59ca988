// Register-file access and the fault/exit signal of the core.
// Registers live in linear memory at STATE (cpu/shared/layout.ts) so lxcore reads and writes them
// through typed arrays without a call; the core addresses them with constant offsets.

import { STATE, RIP, RSP, EXIT_REASON, FAULT_ADDR, FAULT_CODE, FAULT_RIP } from './shared/layout';
import { EXIT_PAGE_FAULT } from './shared/exit';

// Register numbers as ModRM/REX encode them: the argument of reg64() and friends. (The layout's
// RAX, RCX … are byte offsets in the state block, for code that addresses memory directly.)
export const R_AX = 0;
export const R_CX = 1;
export const R_DX = 2;
export const R_BX = 3;
export const R_SP = 4;
export const R_BP = 5;
export const R_SI = 6;
export const R_DI = 7;
export const R_8 = 8;
export const R_9 = 9;
export const R_10 = 10;
export const R_11 = 11;

/** Set when the current instruction faulted or trapped; the step loop stops at once. */
export let exiting: bool = false;
/** True when the instruction already completed (a trap such as syscall): rip must advance. */
export let exitCompletes: bool = false;

@inline export function reg64(n: i32): u64 { return load<u64>((<usize>n << 3) + STATE); }
@inline export function setReg64(n: i32, v: u64): void { store<u64>((<usize>n << 3) + STATE, v); }
@inline export function reg32(n: i32): u32 { return load<u32>((<usize>n << 3) + STATE); }
// A 32-bit destination zero-extends into the full register (SDM vol. 1 §3.4.1.1).
@inline export function setReg32(n: i32, v: u32): void { store<u64>((<usize>n << 3) + STATE, <u64>v); }
@inline export function reg16(n: i32): u32 { return load<u16>((<usize>n << 3) + STATE); }
@inline export function setReg16(n: i32, v: u32): void { store<u16>((<usize>n << 3) + STATE, <u16>v); }

// Byte registers: without any REX prefix, numbers 4..7 are AH, CH, DH, BH (byte 1 of rax..rbx);
// with one they are SPL, BPL, SIL, DIL.
@inline function byteRegAddr(n: i32, rex: i32): usize {
  if (rex == 0 && n >= 4 && n < 8) return STATE + (<usize>(n - 4) << 3) + 1;
  return STATE + (<usize>n << 3);
}
@inline export function reg8(n: i32, rex: i32): u32 { return load<u8>(byteRegAddr(n, rex)); }
@inline export function setReg8(n: i32, rex: i32, v: u32): void { store<u8>(byteRegAddr(n, rex), <u8>v); }

/** Reads a register of `size` bytes (1, 2, 4, 8) zero-extended. */
@inline export function readReg(n: i32, size: i32, rex: i32): u64 {
  if (size == 8) return reg64(n);
  if (size == 4) return <u64>reg32(n);
  if (size == 2) return <u64>reg16(n);
  return <u64>reg8(n, rex);
}
/** Writes a register of `size` bytes with the architectural merge/zero-extend rules. */
@inline export function writeReg(n: i32, size: i32, rex: i32, v: u64): void {
  if (size == 8) setReg64(n, v);
  else if (size == 4) setReg32(n, <u32>v);
  else if (size == 2) setReg16(n, <u32>v);
  else setReg8(n, rex, <u32>v);
}

@inline export function rip(): u64 { return load<u64>(STATE + RIP); }
@inline export function rsp(): u64 { return load<u64>(STATE + RSP); }

/** Stops the step loop with a fault: the instruction has no effect, rip stays on it. */
export function raiseFault(reason: i32, code: i32): void {
  if (exiting) return; // the first fault of an instruction wins
  exiting = true;
  exitCompletes = false;
  store<i32>(STATE + EXIT_REASON, reason);
  store<i32>(STATE + FAULT_CODE, code);
}

/** Stops the step loop after the current instruction completes (syscall, int3). */
export function raiseTrap(reason: i32): void {
  exiting = true;
  exitCompletes = true;
  store<i32>(STATE + EXIT_REASON, reason);
}

export function raisePageFault(addr: u64, code: i32): void {
  if (exiting) return;
  raiseFault(EXIT_PAGE_FAULT, code);
  store<u64>(STATE + FAULT_ADDR, addr);
}

export function clearExit(): void {
  exiting = false;
  exitCompletes = false;
  store<i32>(STATE + EXIT_REASON, 0);
}

export function noteFaultRip(r: u64): void { store<u64>(STATE + FAULT_RIP, r); }
