// Guest memory access for instruction handlers: loads and stores of 1..16 bytes at a guest
// virtual address. The fast path is one TLB compare; misses fill the TLB, and accesses that
// cross a page boundary are split bytewise after both pages were checked, so a faulting access
// never half-happens. On a fault these return 0 and `exiting` is set: handlers must test it
// before writing any register (see cpu/ops/README in docs/architecture.md).

import { TLBE_READ_TAG, TLBE_WRITE_TAG, TLBE_FRAME } from '../shared/layout';
import { tlbEntry, tlbFill, ACCESS_READ, ACCESS_WRITE } from './tlb';
import { exiting } from '../state';

// ---- slow paths ---------------------------------------------------------------------------

function hostSlow(va: u64, access: i32): usize {
  const e = tlbFill(va, access);
  if (e == 0) return 0;
  return <usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff);
}

function readSlow(va: u64, size: i32): u64 {
  if (((<i32>va & 0xfff) + size) <= 0x1000) {
    const p = hostSlow(va, ACCESS_READ);
    if (p == 0) return 0;
    if (size == 8) return load<u64>(p);
    if (size == 4) return <u64>load<u32>(p);
    if (size == 2) return <u64>load<u16>(p);
    return <u64>load<u8>(p);
  }
  // Crosses into the next page: assemble little-endian, byte by byte.
  let v: u64 = 0;
  for (let i = 0; i < size; i++) {
    const b = read8(va + <u64>i);
    if (exiting) return 0;
    v |= <u64>b << (<u64>i << 3);
  }
  return v;
}

/**
 * Makes sure [va, va+size) is writable (filling the TLB); false after raising the fault. A fault
 * on the second page is reported at that page's first byte, as the hardware reports it.
 */
export function probeWrite(va: u64, size: i32): bool {
  const vpn = va >> 12;
  if (load<u64>(tlbEntry(vpn), TLBE_WRITE_TAG) != vpn && tlbFill(va, ACCESS_WRITE) == 0) return false;
  const last = va + <u64>(size - 1);
  const vpn2 = last >> 12;
  if (vpn2 != vpn && load<u64>(tlbEntry(vpn2), TLBE_WRITE_TAG) != vpn2 && tlbFill(vpn2 << 12, ACCESS_WRITE) == 0) return false;
  return true;
}

/** Makes sure [va, va+size) is readable; false after raising the fault. */
export function probeRead(va: u64, size: i32): bool {
  const vpn = va >> 12;
  if (load<u64>(tlbEntry(vpn), TLBE_READ_TAG) != vpn && tlbFill(va, ACCESS_READ) == 0) return false;
  const last = va + <u64>(size - 1);
  const vpn2 = last >> 12;
  if (vpn2 != vpn && load<u64>(tlbEntry(vpn2), TLBE_READ_TAG) != vpn2 && tlbFill(vpn2 << 12, ACCESS_READ) == 0) return false;
  return true;
}

function writeSlow(va: u64, size: i32, v: u64): void {
  if (!probeWrite(va, size)) return;
  for (let i = 0; i < size; i++) {
    const a = va + <u64>i;
    const e = tlbEntry(a >> 12);
    store<u8>(<usize>load<u32>(e, TLBE_FRAME) + (<usize>a & 0xfff), <u8>(v >> (<u64>i << 3)));
  }
}

// ---- fast paths ---------------------------------------------------------------------------

@inline export function read8(va: u64): u32 {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_READ_TAG) == vpn) return load<u8>(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff));
  const p = hostSlow(va, ACCESS_READ);
  return p ? <u32>load<u8>(p) : 0;
}

@inline export function read16(va: u64): u32 {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_READ_TAG) == vpn && (<u32>va & 0xfff) <= 0xffe)
    return load<u16>(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff));
  return <u32>readSlow(va, 2);
}

@inline export function read32(va: u64): u32 {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_READ_TAG) == vpn && (<u32>va & 0xfff) <= 0xffc)
    return load<u32>(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff));
  return <u32>readSlow(va, 4);
}

@inline export function read64(va: u64): u64 {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_READ_TAG) == vpn && (<u32>va & 0xfff) <= 0xff8)
    return load<u64>(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff));
  return readSlow(va, 8);
}

@inline export function write8(va: u64, v: u32): void {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_WRITE_TAG) == vpn) { store<u8>(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff), <u8>v); return; }
  writeSlow(va, 1, <u64>v);
}

@inline export function write16(va: u64, v: u32): void {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_WRITE_TAG) == vpn && (<u32>va & 0xfff) <= 0xffe) {
    store<u16>(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff), <u16>v); return;
  }
  writeSlow(va, 2, <u64>v);
}

@inline export function write32(va: u64, v: u32): void {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_WRITE_TAG) == vpn && (<u32>va & 0xfff) <= 0xffc) {
    store<u32>(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff), v); return;
  }
  writeSlow(va, 4, <u64>v);
}

@inline export function write64(va: u64, v: u64): void {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_WRITE_TAG) == vpn && (<u32>va & 0xfff) <= 0xff8) {
    store<u64>(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff), v); return;
  }
  writeSlow(va, 8, v);
}

/** Reads `size` (1, 2, 4, 8) bytes zero-extended. */
@inline export function readMem(va: u64, size: i32): u64 {
  if (size == 8) return read64(va);
  if (size == 4) return <u64>read32(va);
  if (size == 2) return <u64>read16(va);
  return <u64>read8(va);
}

@inline export function writeMem(va: u64, size: i32, v: u64): void {
  if (size == 8) write64(va, v);
  else if (size == 4) write32(va, <u32>v);
  else if (size == 2) write16(va, <u32>v);
  else write8(va, <u32>v);
}

/** 16-byte load for SSE; alignment checks are the caller's (movaps faults, movups does not). */
export function read128(va: u64): v128 {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_READ_TAG) == vpn && (<u32>va & 0xfff) <= 0xff0)
    return v128.load(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff));
  const lo = read64(va);
  if (exiting) return v128.splat<i64>(0);
  const hi = read64(va + 8);
  if (exiting) return v128.splat<i64>(0);
  return i64x2.replace_lane(i64x2.splat(<i64>lo), 1, <i64>hi);
}

export function write128(va: u64, v: v128): void {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_WRITE_TAG) == vpn && (<u32>va & 0xfff) <= 0xff0) {
    v128.store(<usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff), v); return;
  }
  if (!probeWrite(va, 16)) return;
  write64(va, <u64>i64x2.extract_lane(v, 0));
  write64(va + 8, <u64>i64x2.extract_lane(v, 1));
}
