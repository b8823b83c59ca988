// Scanning page-table nodes for lxcore (lxcore/mm/pagetable.ts). The tables live in this module's
// memory, in the layout of cpu/shared/layout.ts; lxcore walks them to tear an address space down,
// copy it at fork or drop a range, and most of their entries are zero. A JavaScript loop over a
// node's 4096 entries costs tens of microseconds while its code is still cold, which is exactly
// when the teardown at a short program's exit runs (~1-2 ms of a static hello, issue #11); here
// a node is scanned 16 bytes at a time.

import { PT_NODE_ENTRIES } from '../shared/layout';

/**
 * The index of the first non-zero entry of the node at `node` in [from, to), or `to` if none
 * (indices are clamped to the node's PT_NODE_ENTRIES).
 */
export function ptNext(node: u32, from: i32, to: i32): i32 {
  if (to > PT_NODE_ENTRIES) to = PT_NODE_ENTRIES;
  let i = from < 0 ? 0 : from;
  while (i < to && (i & 3) != 0) {
    if (load<u32>(node + (<u32>i << 2)) != 0) return i;
    i++;
  }
  while (i + 4 <= to && !v128.any_true(v128.load(node + (<u32>i << 2)))) i += 4;
  while (i < to) {
    if (load<u32>(node + (<u32>i << 2)) != 0) return i;
    i++;
  }
  return to;
}
