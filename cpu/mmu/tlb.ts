// The software TLB and page walk (DESIGN.md §2). lxcore owns the page tables' contents and
// calls tlbFlush* after changing them; the core only reads them.
//
//   48-bit virtual address:  47      36 35      24 23      12 11        0
//                            | top idx  | mid idx  | leaf idx |  offset  |
//   Each index selects one of 4096 i32 entries of a 16 KiB node; a leaf entry is
//   frame address | PTE_R/W/X/COW, and 0 means not mapped.

import {
  STATE, PT_ROOT, TLB, TLB_FOLD, TLB_ENTRIES, TLB_END, TLB_ENTRY_SIZE, TLBE_READ_TAG, TLBE_WRITE_TAG,
  TLBE_EXEC_TAG, TLBE_FRAME, PTE_R, PTE_W, PTE_X, PTE_COW, PTE_FRAME_MASK,
  FAULT_PRESENT, FAULT_WRITE, FAULT_USER, FAULT_FETCH,
} from '../shared/layout';
import { EXIT_GP } from '../shared/exit';
import { raisePageFault, raiseFault } from '../state';

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;

/**
 * The entry for page `vpn`: the low TLB_BITS of vpn XOR vpn >> TLB_FOLD (cpu/shared/layout.ts).
 * The top of the stack (vpn 0x7ffffffff down) and the top of the mmap area (0x7ffff7fff down: the
 * vDSO, a static program's first mmaps, ld.so and libc) are 128 MiB apart, vpns that differ in
 * bit 15. Without a fold they share entries; folded by 12 (sessions 6-7) bit 15 lands on index
 * bit 3, so stack page i below the top and mmap page i ^ 8 still evicted each other (busybox gzip's
 * stack and its prev[] table: 2.5 M fills per MiB of input); folded by 4 it lands on bit 11, and
 * the two regions are 2048 entries apart. Same cost: one shift and one XOR.
 */
@inline export function tlbEntry(vpn: u64): usize {
  return TLB + (((<usize>vpn ^ <usize>(vpn >> TLB_FOLD)) & (TLB_ENTRIES - 1)) * TLB_ENTRY_SIZE);
}

/** Walks the page table; returns the leaf entry or 0. */
export function walk(va: u64): i32 {
  const root = load<i32>(STATE + PT_ROOT);
  if (root == 0) return 0;
  const mid = load<i32>(<usize>root + (<usize>((va >> 36) & 0xfff) << 2));
  if (mid == 0) return 0;
  const leaf = load<i32>(<usize>mid + (<usize>((va >> 24) & 0xfff) << 2));
  if (leaf == 0) return 0;
  return load<i32>(<usize>leaf + (<usize>((va >> 12) & 0xfff) << 2));
}

/**
 * Fills the TLB entry for `va` if the page allows `access`; returns the entry's address, or 0
 * after raising the fault the hardware would: #GP for a non-canonical address, #PF otherwise.
 */
export function tlbFill(va: u64, access: i32): usize {
  const code = access == ACCESS_WRITE ? FAULT_WRITE | FAULT_USER
    : access == ACCESS_EXEC ? FAULT_FETCH | FAULT_USER : FAULT_USER;
  if (va > 0x7fffffffffff) {
    // The upper canonical half is kernel space: a user access there is a protection #PF.
    // Anything between the halves is non-canonical and raises #GP (SIGSEGV, si_addr 0).
    if (va >= 0xffff800000000000) raisePageFault(va, code | FAULT_PRESENT);
    else raiseFault(EXIT_GP, 0);
    return 0;
  }
  const pte = walk(va);
  if (pte == 0) { raisePageFault(va, code); return 0; }
  const ok = access == ACCESS_READ ? (pte & PTE_R) != 0
    : access == ACCESS_WRITE ? (pte & (PTE_W | PTE_COW)) == PTE_W
    : (pte & PTE_X) != 0;
  if (!ok) { raisePageFault(va, code | FAULT_PRESENT); return 0; }
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  store<u64>(e, (pte & PTE_R) ? vpn : <u64>-1, TLBE_READ_TAG);
  store<u64>(e, (pte & (PTE_W | PTE_COW)) == PTE_W ? vpn : <u64>-1, TLBE_WRITE_TAG);
  store<u64>(e, (pte & PTE_X) ? vpn : <u64>-1, TLBE_EXEC_TAG);
  store<u32>(e, <u32>(pte & PTE_FRAME_MASK), TLBE_FRAME);
  return e;
}

/** Like tlbFill but never raises: for probes (page-crossing fetch). */
export function tlbProbe(va: u64, access: i32): usize {
  if (va > 0x7fffffffffff) return 0;
  const pte = walk(va);
  if (pte == 0) return 0;
  const ok = access == ACCESS_READ ? (pte & PTE_R) != 0
    : access == ACCESS_WRITE ? (pte & (PTE_W | PTE_COW)) == PTE_W
    : (pte & PTE_X) != 0;
  if (!ok) return 0;
  return tlbFill(va, access);
}

export function tlbFlushAll(): void {
  memory.fill(TLB, 0xff, TLB_END - TLB);
}

export function tlbFlushPage(va: u64): void {
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_READ_TAG) == vpn || load<u64>(e, TLBE_WRITE_TAG) == vpn ||
      load<u64>(e, TLBE_EXEC_TAG) == vpn) {
    store<u64>(e, <u64>-1, TLBE_READ_TAG);
    store<u64>(e, <u64>-1, TLBE_WRITE_TAG);
    store<u64>(e, <u64>-1, TLBE_EXEC_TAG);
  }
}
