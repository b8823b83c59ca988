// Futex wait queues (kernel/futex/core.c, waitwake.c, requeue.c), cooperative: a waiter is
// queued under its key and parked through interruptibleWait; a waker takes it off the queue and
// ends its wait, so the count a wake returns is exactly the waiters it took.
//
// Keys: Linux keys a private futex by (mm, address) and a shared one by the page's inode or
// physical page. wasl keys both by (address space, address): threads share their Process's
// AddressSpace, so every futex pthreads use works; a futex in MAP_SHARED memory shared with
// another *process* is not woken across processes (docs/quirks.md).

import { interruptibleWait, hostTimer, ERESTARTSYS, ERESTART_RESTARTBLOCK } from './signals.js';
import { FUTEX_WAITERS, FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_BITSET_MATCH_ANY } from '../abi/futex.js';
import { ETIMEDOUT } from '../abi/errno.js';
import type { AddressSpace } from '../mm/mm.js';
import type { Task } from './task.js';

interface Waiter {
  readonly task: Task;
  /** The address it waits on: a requeue moves it (futex_requeue's requeue_futex). */
  addr: number;
  readonly bitset: number;
  /** Ends the wait as woken (futex_wake_mark). */
  readonly wake: () => void;
}

/** Per address space: address → waiters in arrival order (one priority: plist order is FIFO). */
const queues = new WeakMap<AddressSpace, Map<number, Waiter[]>>();

function queueOf(mm: AddressSpace, addr: number, create: boolean): Waiter[] | undefined {
  let m = queues.get(mm);
  if (!m) {
    if (!create) return undefined;
    queues.set(mm, m = new Map());
  }
  let q = m.get(addr);
  if (!q && create) m.set(addr, q = []);
  return q;
}

function unqueue(mm: AddressSpace, w: Waiter): void {
  const m = queues.get(mm);
  const q = m?.get(w.addr);
  if (!q) return;
  const i = q.indexOf(w);
  if (i >= 0) q.splice(i, 1);
  if (q.length === 0) m!.delete(w.addr);
}

/**
 * futex_wait_setup + futex_wait_queue: the caller has checked the futex word; parks `t` until a
 * wake whose bitset meets `bitset`, the deadline (host-monotonic ns, via `left()`), or a signal.
 * A timed wait cut short by a signal goes on through restart_syscall (futex_wait_restart), an
 * untimed one is restarted or fails with EINTR (−ERESTARTSYS), as futex_wait returns.
 */
export function futexWait(t: Task, addr: number, bitset: number, left: (() => bigint) | undefined,
  restart: () => number | Promise<number>): number | Promise<number> {
  if (left && left() <= 0n) return -ETIMEDOUT;
  const mm = t.process.mm;
  let woken = false, timedOut = false;
  return interruptibleWait(t, (wake) => {
    const w: Waiter = { task: t, addr, bitset, wake: () => { woken = true; wake(); } };
    queueOf(mm, addr, true)!.push(w);
    const cancelTimer = left ? hostTimer(left(), () => { timedOut = true; wake(); }) : undefined;
    return () => { unqueue(mm, w); cancelTimer?.(); };
  }, (interrupted) => {
    if (woken) return 0;
    if (timedOut || !interrupted) return -ETIMEDOUT;
    if (!left) return -ERESTARTSYS;
    t.signals.restart = restart;
    return -ERESTART_RESTARTBLOCK;
  });
}

/** futex_wake(): wakes up to `nr` waiters whose bitset meets `bitset` (at least one, as Linux's loop does). */
export function futexWake(mm: AddressSpace, addr: number, nr: number, bitset = FUTEX_BITSET_MATCH_ANY): number {
  const q = queueOf(mm, addr, false);
  if (!q) return 0;
  let n = 0;
  for (const w of [...q]) {
    if (!((w.bitset & bitset) >>> 0)) continue;
    unqueue(mm, w);
    w.wake();
    if (++n >= nr) break;
  }
  return n;
}

/**
 * futex_requeue() without PI: wakes up to `nrWake` waiters of `addr1`, then moves up to
 * `nrRequeue` more to `addr2`; returns how many were woken plus requeued.
 */
export function futexRequeue(mm: AddressSpace, addr1: number, addr2: number, nrWake: number, nrRequeue: number): number {
  const q = queueOf(mm, addr1, false);
  if (!q) return 0;
  let woken = 0, moved = 0;
  for (const w of [...q]) {
    if (woken < nrWake) {
      unqueue(mm, w);
      w.wake();
      woken++;
    } else if (moved < nrRequeue) {
      if (addr1 === addr2) { moved++; continue; }
      unqueue(mm, w);
      w.addr = addr2;
      queueOf(mm, addr2, true)!.push(w);
      moved++;
    } else break;
  }
  return woken + moved;
}

const ROBUST_LIST_LIMIT = 2048;

/**
 * exit_robust_list(): for each robust mutex the dying thread `t` still holds (its word carries
 * the thread's tid), sets FUTEX_OWNER_DIED, keeps FUTEX_WAITERS, and wakes one waiter
 * (handle_futex_death). The list is struct robust_list_head { list, futex_offset,
 * list_op_pending }; bit 0 of an entry pointer marks a PI futex, woken by nobody here.
 */
export function exitRobustList(t: Task): void {
  if (!t.robustList) return;
  const mm = t.process.mm;
  const death = (entry: bigint, offset: bigint): void => {
    const pi = (entry & 1n) !== 0n;
    const addr = Number(BigInt.asUintN(64, (entry & ~1n) + offset));
    if (addr % 4) return;
    let uval: number;
    try { uval = mm.readU32(addr); } catch { return; }
    if (((uval & FUTEX_TID_MASK) >>> 0) !== t.tid) return;
    const next = ((uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, next, true);
    try { mm.write(addr, b); } catch { return; }
    if (!pi && (uval & FUTEX_WAITERS)) futexWake(mm, addr, 1);
  };
  try {
    const head = BigInt(t.robustList);
    let entry = mm.readU64(t.robustList);
    const offset = BigInt.asIntN(64, mm.readU64(t.robustList + 8));
    const pending = mm.readU64(t.robustList + 16);
    for (let n = 0; (entry & ~1n) !== head && n < ROBUST_LIST_LIMIT; n++) {
      // The next pointer is read first: handling the death may let a waiter free this entry.
      const next = mm.readU64(Number(entry & ~1n));
      if (entry !== pending) death(entry, offset);
      entry = next;
    }
    if (pending) death(pending, offset);
  } catch { /* an unreadable list ends the walk, as fetch_robust_entry's -EFAULT does */ }
  t.robustList = 0;
}
