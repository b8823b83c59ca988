// Bit instructions: BT BTS BTR BTC (0F A3/AB/B3/BB, 0F BA /4–7), BSF BSR (0F BC/BD, and F3 0F BC/BD
// while CPUID reports neither BMI1 nor LZCNT), POPCNT, CMPXCHG8B/16B and MOVBE — SDM vol. 2 under
// each name. BT with a register bit offset and a memory operand addresses a signed offset
// relative to the operand (up to ±2^63 bits away), one operand-sized unit at a time.

import { d_opsize, d_imm, d_prefix, d_mod, d_ea, d_addr, d_rex, P_67 } from '../decode/decoder';
import { readE, writeE, readG, writeG, prepareE } from '../decode/operands';
import { readReg, writeReg, reg64, setReg64, raiseFault, exiting, R_AX, R_CX, R_DX, R_BX } from '../state';
import { readMem, writeMem, probeWrite, read64, write64 } from '../mmu/access';
import { setCF, setStatusFlags, setAllStatusFlags, szpBits } from './flags';
import { ZF, PF } from '../shared/layout';
import { EXIT_GP } from '../shared/exit';

// ---- BT BTS BTR BTC --------------------------------------------------------------------------

export const BT = 0;
export const BTS = 1;
export const BTR = 2;
export const BTC = 3;

/**
 * The selected bit of E is `bit` of the operand-sized unit at E + `disp` bytes (disp is 0 for a
 * register, or for an immediate offset). CF = that bit; BTS/BTR/BTC then set/clear/flip it.
 * OF SF AF PF are undefined and left unchanged; ZF is unaffected.
 */
function bitOp(op: i32, size: i32, bit: u32, disp: u64): void {
  if (d_mod == 3) {
    const v = readE(size);
    const mask = <u64>1 << <u64>bit;
    setCF((v & mask) != 0);
    if (op == BTS) writeE(size, v | mask);
    else if (op == BTR) writeE(size, v & ~mask);
    else if (op == BTC) writeE(size, v ^ mask);
    return;
  }
  // 67 wraps the whole effective address, offset included, at 32 bits.
  const addr = (d_prefix & P_67) ? (d_addr - d_ea) + ((d_ea + disp) & 0xffffffff) : d_addr + disp;
  if (op != BT && !probeWrite(addr, size)) return;
  const v = readMem(addr, size);
  if (exiting) return;
  const mask = <u64>1 << <u64>bit;
  setCF((v & mask) != 0);
  if (op == BTS) writeMem(addr, size, v | mask);
  else if (op == BTR) writeMem(addr, size, v & ~mask);
  else if (op == BTC) writeMem(addr, size, v ^ mask);
}

/** 0F A3/AB/B3/BB: bt* Ev, Gv — the offset is signed, and reaches beyond a memory operand. */
export function opBitEvGv(op: i32): void {
  const size = d_opsize;
  const bits = size << 3;
  const off = readG(size);
  if (d_mod == 3) { bitOp(op, size, <u32>off & <u32>(bits - 1), 0); return; }
  const sh = <u64>(64 - bits);
  const soff = <i64>(off << sh) >> sh; // sign-extend the size-bit offset
  const shift = <i64>ctz<u32>(<u32>bits); // log2(bits)
  const units = soff >> shift;              // floor division by the unit width
  bitOp(op, size, <u32>off & <u32>(bits - 1), <u64>(units * <i64>size));
}

/** 0F BA /4–7: bt* Ev, Ib — the immediate is taken modulo the operand width. */
export function opBitEvIb(op: i32): void {
  const size = d_opsize;
  bitOp(op, size, <u32>d_imm & <u32>((size << 3) - 1), 0);
}

// ---- BSF BSR ---------------------------------------------------------------------------------

/**
 * A zero source sets ZF and leaves the destination as it was — as Intel and AMD CPUs do, though
 * the SDM calls it undefined. On Intel a 32-bit destination is still written, which clears the
 * upper half of the register (the Linux kernel's ffs() relies on the low half surviving); wasl
 * identifies as Intel, so it does the same. CF OF SF AF PF are undefined: set to 0, PF from the
 * result.
 */
function bitScan(reverse: bool): void {
  const size = d_opsize;
  const v = readE(size);
  if (exiting) return;
  if (v == 0) {
    setAllStatusFlags(<u64>(ZF | PF));
    if (size == 4) writeG(4, readG(4));
    return;
  }
  const r: u64 = reverse ? <u64>(63 - clz<u64>(v)) : ctz<u64>(v);
  setAllStatusFlags(szpBits(r, size) & <u64>PF);
  writeG(size, r);
}
export function opBsfGvEv(): void { bitScan(false); }
export function opBsrGvEv(): void { bitScan(true); }

// ---- POPCNT ----------------------------------------------------------------------------------

/** F3 0F B8: popcnt Gv, Ev — OF SF AF CF PF are cleared, ZF = (source == 0). */
export function opPopcntGvEv(): void {
  const size = d_opsize;
  const v = readE(size);
  if (exiting) return;
  setAllStatusFlags(v == 0 ? <u64>ZF : 0);
  writeG(size, popcnt<u64>(v));
}

// ---- CMPXCHG8B, CMPXCHG16B -------------------------------------------------------------------

/**
 * 0F C7 /1: cmpxchg8b m64 (cmpxchg16b m128 with REX.W, which needs 16-byte alignment: #GP).
 * Compares rDX:rAX with the memory operand; equal: ZF = 1 and it gets rCX:rBX; else ZF = 0 and
 * rDX:rAX get its value. The memory is written either way (a locked cycle always writes), so a
 * read-only page faults even when the comparison fails. Only ZF changes.
 */
export function opCmpxchg8bM(): void {
  const addr = d_addr;
  if (d_rex & 8) {
    if (addr & 15) { raiseFault(EXIT_GP, 0); return; }
    if (!probeWrite(addr, 16)) return;
    const lo = read64(addr);
    const hi = read64(addr + 8);
    if (exiting) return;
    if (lo == reg64(R_AX) && hi == reg64(R_DX)) {
      write64(addr, reg64(R_BX));
      write64(addr + 8, reg64(R_CX));
      setStatusFlags(ZF, ZF);
    } else {
      write64(addr, lo);
      write64(addr + 8, hi);
      setStatusFlags(ZF, 0);
      setReg64(R_AX, lo);
      setReg64(R_DX, hi);
    }
    return;
  }
  if (!probeWrite(addr, 8)) return;
  const m = read64(addr);
  if (exiting) return;
  const want = (readReg(R_DX, 4, 0) << 32) | readReg(R_AX, 4, 0);
  if (m == want) {
    write64(addr, (readReg(R_CX, 4, 0) << 32) | readReg(R_BX, 4, 0));
    setStatusFlags(ZF, ZF);
  } else {
    write64(addr, m);
    setStatusFlags(ZF, 0);
    writeReg(R_AX, 4, 0, m & 0xffffffff);
    writeReg(R_DX, 4, 0, m >> 32);
  }
}

// ---- MOVBE -----------------------------------------------------------------------------------

@inline function byteSwap(v: u64, size: i32): u64 {
  if (size == 8) return bswap<u64>(v);
  if (size == 4) return <u64>bswap<u32>(<u32>v);
  return <u64>bswap<u16>(<u16>v);
}

/** 0F 38 F0: movbe Gv, Mv — load with the bytes reversed. */
export function opMovbeGvMv(): void {
  const size = d_opsize;
  const v = readE(size);
  if (exiting) return;
  writeG(size, byteSwap(v, size));
}
/** 0F 38 F1: movbe Mv, Gv — store with the bytes reversed. */
export function opMovbeMvGv(): void {
  const size = d_opsize;
  if (!prepareE(size)) return;
  writeE(size, byteSwap(readG(size), size));
}
