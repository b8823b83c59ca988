// String instructions: MOVS, STOS, LODS, SCAS, CMPS with REP/REPE/REPNE (SDM vol. 2 "REP").
// A REP runs at most REP_CHUNK iterations per step and then re-executes itself, so long copies
// stay interruptible (budget, signals) and a fault mid-way leaves rsi/rdi/rcx exactly at the
// element that faulted, as on hardware. DF = 1 walks downwards. The 67 prefix uses esi/edi/ecx.

import { d_prefix, d_opcode, d_opsize, d_rip, branchTo, P_67, P_F2, P_F3, P_FS, P_GS } from '../decode/decoder';
import { reg64, setReg64, readReg, writeReg, exiting } from '../state';
import { readMem, writeMem } from '../mmu/access';
import { tlbEntry, tlbProbe, ACCESS_READ, ACCESS_WRITE } from '../mmu/tlb';
import { setLazy, getZF, FL_SUB } from './flags';
import { STATE, RFLAGS, DF, FS_BASE, GS_BASE, TLBE_READ_TAG, TLBE_WRITE_TAG, TLBE_FRAME } from '../shared/layout';
import { R_AX, R_CX, R_SI, R_DI } from '../state';

const REP_CHUNK = 4096;

/** Element size: the even opcode of each pair is the byte form. */
@inline function elemSize(): i32 { return (d_opcode & 1) ? d_opsize : 1; }

@inline function stride(size: i32): u64 {
  return (load<u64>(STATE + RFLAGS) & DF) ? <u64>(-size) : <u64>size;
}

@inline function addrReg(r: i32): u64 {
  return (d_prefix & P_67) ? reg64(r) & 0xffffffff : reg64(r);
}
@inline function setAddrReg(r: i32, v: u64): void {
  setReg64(r, (d_prefix & P_67) ? v & 0xffffffff : v);
}

/** The source segment (rsi side) honours FS/GS overrides; the rdi side is always ES (base 0). */
@inline function srcBase(): u64 {
  if (d_prefix & P_FS) return load<u64>(STATE + FS_BASE);
  if (d_prefix & P_GS) return load<u64>(STATE + GS_BASE);
  return 0;
}

@inline function repeating(): bool { return (d_prefix & (P_F2 | P_F3)) != 0; }

/**
 * Host address of guest `va` if its page is in the TLB (or can be put there without a fault)
 * for `access`, else 0. Never raises: a page that would fault is left to the element loop,
 * which raises the fault at the exact element.
 */
function hostPage(va: u64, access: i32): usize {
  const vpn = va >> 12;
  let e = tlbEntry(vpn);
  if (load<u64>(e + (access == ACCESS_WRITE ? TLBE_WRITE_TAG : TLBE_READ_TAG)) != vpn) {
    e = tlbProbe(va, access);
    if (e == 0) return 0;
  }
  return <usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff);
}

/** Whole elements of `size` bytes from `va` to the end of its page. */
@inline function roomInPage(va: u64, size: i32): u64 {
  return (<u64>0x1000 - (va & 0xfff)) / <u64>size;
}

/**
 * The fast path of REP MOVS / REP STOS going upwards (DF = 0): up to `max` elements that lie
 * inside one source page and one destination page, both accessible, copied with memory.copy or
 * filled at once. Element-wise semantics are kept: a forward copy whose destination starts
 * inside its source propagates elements (rep movsb with rdi = rsi + 1 replicates a byte), so a
 * run never reaches past the distance between the two. Returns the elements done (0: let the
 * element loop take the next one, which also raises any fault exactly where the CPU would).
 */
function repRun(kind: i32, size: i32, base: u64, max: u64): u64 {
  const di = addrReg(R_DI);
  let k = roomInPage(di, size);
  if (max < k) k = max;
  if (k < 2) return 0;
  if (kind == 0) {
    const si = base + addrReg(R_SI);
    const ks = roomInPage(si, size);
    if (ks < k) k = ks;
    if (k < 2) return 0;
    const hs = hostPage(si, ACCESS_READ);
    if (hs == 0) return 0;
    const hd = hostPage(di, ACCESS_WRITE);
    if (hd == 0) return 0;
    if (hd > hs && <u64>(hd - hs) < k * <u64>size) {
      k = <u64>(hd - hs) / <u64>size;
      if (k < 2) return 0;
    }
    memory.copy(hd, hs, <usize>k * <usize>size);
    setAddrReg(R_SI, addrReg(R_SI) + k * <u64>size);
  } else {
    const hd = hostPage(di, ACCESS_WRITE);
    if (hd == 0) return 0;
    const v = readReg(R_AX, size, 0);
    const bytes = <usize>k * <usize>size;
    if (size == 1) memory.fill(hd, <u8>v, bytes);
    else if (size == 2) { for (let p: usize = 0; p < bytes; p += 2) store<u16>(hd + p, <u16>v); }
    else if (size == 4) { for (let p: usize = 0; p < bytes; p += 4) store<u32>(hd + p, <u32>v); }
    else { for (let p: usize = 0; p < bytes; p += 8) store<u64>(hd + p, v); }
  }
  setAddrReg(R_DI, di + k * <u64>size);
  return k;
}

/**
 * Runs `body` per element. Returns after the chunk; re-arms the instruction if more remain.
 * kind: 0 movs, 1 stos, 2 lods, 3 scas, 4 cmps.
 */
function run(kind: i32): void {
  const size = elemSize();
  const d = stride(size);
  const rep = repeating();
  let n = rep ? addrReg(R_CX) : 1;
  if (n == 0) return;
  const base = srcBase();
  let budget = REP_CHUNK;
  const fast = rep && kind <= 1 && d == <u64>size;
  while (n != 0 && budget-- > 0) {
    if (fast) {
      const done = repRun(kind, size, base, n < <u64>(budget + 1) ? n : <u64>(budget + 1));
      if (done != 0) {
        n -= done;
        setAddrReg(R_CX, n);
        budget -= <i32>done - 1;
        continue;
      }
    }
    const si = addrReg(R_SI);
    const di = addrReg(R_DI);
    switch (kind) {
      case 0: { // movs
        const v = readMem(base + si, size);
        if (exiting) return;
        writeMem(di, size, v);
        if (exiting) return;
        setAddrReg(R_SI, si + d);
        setAddrReg(R_DI, di + d);
        break;
      }
      case 1: { // stos
        writeMem(di, size, readReg(R_AX, size, 0));
        if (exiting) return;
        setAddrReg(R_DI, di + d);
        break;
      }
      case 2: { // lods
        const v = readMem(base + si, size);
        if (exiting) return;
        writeReg(R_AX, size, 0, v);
        setAddrReg(R_SI, si + d);
        break;
      }
      case 3: { // scas: compare rAX with [rdi]
        const v = readMem(di, size);
        if (exiting) return;
        const a = readReg(R_AX, size, 0);
        setLazy(FL_SUB, size, a, v, a - v);
        setAddrReg(R_DI, di + d);
        break;
      }
      default: { // cmps: compare [rsi] with [rdi]
        // [rdi] is read first: when both operands fault, the host CPU reports [rdi]'s address
        // (found by tests/cpu/gpr.test.ts with WASL_SEED=1823057485619509).
        const b = readMem(di, size);
        if (exiting) return;
        const a = readMem(base + si, size);
        if (exiting) return;
        setLazy(FL_SUB, size, a, b, a - b);
        setAddrReg(R_SI, si + d);
        setAddrReg(R_DI, di + d);
        break;
      }
    }
    if (!rep) return;
    n--;
    setAddrReg(R_CX, n);
    // REPE/REPNE end on the comparison result (only scas and cmps look at it).
    if (kind >= 3) {
      const zf = getZF();
      if ((d_prefix & P_F3) ? !zf : zf) return;
    }
  }
  if (n != 0) branchTo(d_rip); // more to do: run this instruction again
}

export function opMovs(): void { run(0); }
export function opStos(): void { run(1); }
export function opLods(): void { run(2); }
export function opScas(): void { run(3); }
export function opCmps(): void { run(4); }
