// Futex wait queues (kernel/futex/core.c, waitwake.c, requeue.c, pi.c), cooperative: a waiter
// is queued under its key and parked through interruptibleWait; a waker takes it off the queue
// and ends its wait, so the count a wake returns is exactly the waiters it took.
//
// Keys (get_futex_key): a private futex is keyed by (address space, address); a shared one in a
// MAP_SHARED mapping by the page's frame in wasl's one linear memory, which every process that
// maps the page shares (fork keeps such frames shared), so process-shared mutexes and condition
// variables work across fork; a shared futex in private memory by (address space, address) again,
// but apart from the private keys, as Linux's FUT_OFF_MMSHARED keeps them apart.
//
// PI futexes (pi.c): the word holds the owner's tid, FUTEX_WAITERS and FUTEX_OWNER_DIED as Linux
// defines them; a task that must block is queued on the futex's PiState (pi_state and its
// rt_mutex), and the owner's FUTEX_UNLOCK_PI hands the lock straight to the first waiter. wasl
// has one scheduling priority, so priority inheritance itself has nothing to boost: the order is
// FIFO, which is what an rt_mutex gives tasks of equal priority.

import { interruptibleWait, hostTimer, findTask, ERESTARTSYS, ERESTARTNOINTR, ERESTART_RESTARTBLOCK } from './signals.js';
import { FUTEX_WAITERS, FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_BITSET_MATCH_ANY } from '../abi/futex.js';
import { ETIMEDOUT, EDEADLK, ESRCH, EPERM, EAGAIN, EINVAL } from '../abi/errno.js';
import type { AddressSpace } from '../mm/mm.js';
import type { Task } from './task.js';

/** union futex_key: a space (an address space, or all shared memory) and an address in it. */
export interface FutexKey { readonly space: object; readonly addr: number }

/** The space of futexes in MAP_SHARED memory, keyed by linear-memory address. */
const SHARED_MEMORY = {};
/** Per address space, the space of its shared futexes in private memory. */
const sharedSpaces = new WeakMap<AddressSpace, object>();

/** get_futex_key(): `addr` must already have been read (mapped) for a shared key. */
export function futexKey(mm: AddressSpace, addr: number, priv: boolean): FutexKey {
  if (priv) return { space: mm, addr };
  const linear = mm.sharedFutexKey(addr);
  if (linear !== undefined) return { space: SHARED_MEMORY, addr: linear };
  let space = sharedSpaces.get(mm);
  if (!space) sharedSpaces.set(mm, space = {});
  return { space, addr };
}

const sameKey = (a: FutexKey, b: FutexKey): boolean => a.space === b.space && a.addr === b.addr;

interface Waiter {
  readonly task: Task;
  /** Where it waits: a requeue moves it (futex_requeue's requeue_futex). */
  key: FutexKey;
  /** The futex word's address in the waiter's own address space (moved by a requeue too). */
  uaddr: number;
  readonly bitset: number;
  /** FUTEX_WAIT_REQUEUE_PI: the PI futex it expects to be moved onto (q->requeue_pi_key). */
  readonly requeuePi?: FutexKey;
  /** Ends the wait: woken, or (requeue-PI, PI) given the lock. */
  readonly wake: () => void;
  /** Set when a requeue moved it onto a PiState: it now waits for the lock there. */
  pi?: PiState;
}

/** A PI futex with tasks blocked on it (struct futex_pi_state): the owner they wait for, FIFO. */
interface PiState { readonly key: FutexKey; owner: Task; readonly waiters: Waiter[] }

const queues = new WeakMap<object, Map<number, Waiter[]>>();
const piStates = new WeakMap<object, Map<number, PiState>>();
/** Every PiState with waiters, for exit_pi_state_list. */
const livePi = new Set<PiState>();

function bucket<T>(m: WeakMap<object, Map<number, T>>, key: FutexKey, create: boolean): Map<number, T> | undefined {
  let b = m.get(key.space);
  if (!b && create) m.set(key.space, b = new Map());
  return b;
}

function queueOf(key: FutexKey, create: boolean): Waiter[] | undefined {
  const b = bucket(queues, key, create);
  let q = b?.get(key.addr);
  if (!q && create) b!.set(key.addr, q = []);
  return q;
}

/** Takes `w` off whatever it waits on: a futex queue, or a PiState's waiters. */
function unqueue(w: Waiter): void {
  if (w.pi) {
    const ps = w.pi;
    const i = ps.waiters.indexOf(w);
    if (i >= 0) ps.waiters.splice(i, 1);
    if (!ps.waiters.length) dropPiState(ps);
    w.pi = undefined;
    return;
  }
  const b = queues.get(w.key.space);
  const q = b?.get(w.key.addr);
  if (!q) return;
  const i = q.indexOf(w);
  if (i >= 0) q.splice(i, 1);
  if (q.length === 0) b!.delete(w.key.addr);
}

function piStateOf(key: FutexKey): PiState | undefined {
  return bucket(piStates, key, false)?.get(key.addr);
}

function attachPiState(key: FutexKey, owner: Task): PiState {
  let ps = piStateOf(key);
  if (!ps) {
    ps = { key, owner, waiters: [] };
    bucket(piStates, key, true)!.set(key.addr, ps);
    livePi.add(ps);
  }
  return ps;
}

function dropPiState(ps: PiState): void {
  bucket(piStates, ps.key, false)?.delete(ps.key.addr);
  livePi.delete(ps);
}

function putU32(mm: AddressSpace, addr: number, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  mm.write(addr, b);
}

/** Parks `w` (already queued by `enqueue`) until woken, the deadline, or a signal. */
function park(t: Task, enqueue: (w: Waiter) => void, key: FutexKey, uaddr: number, bitset: number, requeuePi: FutexKey | undefined,
  left: (() => bigint) | undefined, settle: (woken: boolean, timedOut: boolean, interrupted: boolean, w: Waiter) => number): number | Promise<number> {
  let woken = false, timedOut = false;
  let waiter: Waiter;
  return interruptibleWait(t, (wake) => {
    waiter = { task: t, key, uaddr, bitset, requeuePi, wake: () => { woken = true; wake(); } };
    enqueue(waiter);
    const cancelTimer = left ? hostTimer(left(), () => { timedOut = true; wake(); }) : undefined;
    return () => { if (!woken) unqueue(waiter); cancelTimer?.(); };
  }, (interrupted) => settle(woken, timedOut, interrupted, waiter));
}

/**
 * futex_wait_setup + futex_wait_queue: the caller has checked the futex word; parks `t` until a
 * wake whose bitset meets `bitset`, the deadline (host-monotonic ns, via `left()`), or a signal.
 * A timed wait cut short by a signal goes on through restart_syscall (futex_wait_restart), an
 * untimed one is restarted or fails with EINTR (−ERESTARTSYS), as futex_wait returns.
 */
export function futexWait(t: Task, key: FutexKey, uaddr: number, bitset: number, left: (() => bigint) | undefined,
  restart: () => number | Promise<number>): number | Promise<number> {
  if (left && left() <= 0n) return -ETIMEDOUT;
  return park(t, (w) => queueOf(key, true)!.push(w), key, uaddr, bitset, undefined, left, (woken, timedOut, interrupted) => {
    if (woken) return 0;
    if (timedOut || !interrupted) return -ETIMEDOUT;
    if (!left) return -ERESTARTSYS;
    t.signals.restart = restart;
    return -ERESTART_RESTARTBLOCK;
  });
}

/**
 * futex_wake(): wakes up to `nr` waiters whose bitset meets `bitset` (at least one, as Linux's
 * loop does). A requeue-PI waiter found first makes it fail with EINVAL.
 */
export function futexWake(key: FutexKey, nr: number, bitset = FUTEX_BITSET_MATCH_ANY): number {
  const q = queueOf(key, false);
  if (!q) return 0;
  let n = 0;
  for (const w of [...q]) {
    if (w.requeuePi) return -EINVAL;
    if (!((w.bitset & bitset) >>> 0)) continue;
    unqueue(w);
    w.wake();
    if (++n >= nr) break;
  }
  return n;
}

/**
 * futex_requeue() without PI: wakes up to `nrWake` waiters of `key1`, then moves up to
 * `nrRequeue` more to `key2`; returns how many were woken plus requeued.
 */
export function futexRequeue(key1: FutexKey, key2: FutexKey, uaddr2: number, nrWake: number, nrRequeue: number): number {
  const q = queueOf(key1, false);
  if (!q) return 0;
  let woken = 0, moved = 0;
  for (const w of [...q]) {
    if (w.requeuePi) return -EINVAL;
    if (woken < nrWake) {
      unqueue(w);
      w.wake();
      woken++;
    } else if (moved < nrRequeue) {
      if (sameKey(key1, key2)) { moved++; continue; }
      unqueue(w);
      w.key = key2;
      w.uaddr = uaddr2; // the requeuer's address: the same in the waiter's space unless the memory is mapped apart
      queueOf(key2, true)!.push(w);
      moved++;
    } else break;
  }
  return woken + moved;
}

/**
 * futex_lock_pi_atomic(): tries to take the PI futex at `uaddr` for `task`. Returns 1 when taken,
 * 0 when it is owned by a live task (FUTEX_WAITERS is then set and the PiState exists, owned by
 * it), or a negative errno (EDEADLK for the owner itself, ESRCH for an owner that is gone).
 */
function lockPiAtomic(task: Task, mm: AddressSpace, uaddr: number, key: FutexKey, setWaiters: boolean): number {
  const uval = mm.readU32(uaddr) >>> 0;
  const tid = (uval & FUTEX_TID_MASK) >>> 0;
  if (tid === task.tid) return -EDEADLK;
  const ps = piStateOf(key);
  if (ps) {
    // attach_to_pi_state(): the word must name the state's owner (or carry OWNER_DIED).
    if (tid !== ps.owner.tid && !(uval & FUTEX_OWNER_DIED)) return -EINVAL;
    if (!(uval & FUTEX_WAITERS)) putU32(mm, uaddr, uval | FUTEX_WAITERS);
    return 0;
  }
  if (tid === 0) {
    putU32(mm, uaddr, (uval & FUTEX_OWNER_DIED) | task.tid | (setWaiters ? FUTEX_WAITERS : 0));
    return 1;
  }
  // attach_to_pi_owner(): the waiters bit goes in first, then the owner must exist.
  putU32(mm, uaddr, uval | FUTEX_WAITERS);
  const owner = findTask(task.kernel, tid);
  if (!owner || owner.state === 'dead') return -ESRCH; // handle_exit_race: the word is as we left it
  attachPiState(key, owner);
  return 0;
}

/**
 * FUTEX_LOCK_PI / LOCK_PI2 / TRYLOCK_PI (futex_lock_pi). A blocked locker is woken owning the
 * lock; a signal restarts it (−ERESTARTNOINTR), a deadline ends it with ETIMEDOUT.
 */
export function futexLockPi(t: Task, uaddr: number, key: FutexKey, left: (() => bigint) | undefined, trylock: boolean): number | Promise<number> {
  const mm = t.process.mm;
  const r = lockPiAtomic(t, mm, uaddr, key, false);
  if (r < 0) return r;
  if (r === 1) return 0;
  if (trylock) return -EAGAIN; // EWOULDBLOCK; the waiters bit stays, as Linux leaves it
  if (left && left() <= 0n) return -ETIMEDOUT;
  const ps = piStateOf(key)!;
  return park(t, (w) => { w.pi = ps; ps.waiters.push(w); }, key, uaddr, FUTEX_BITSET_MATCH_ANY, undefined, left, (woken, timedOut, interrupted) => {
    if (woken) return 0;
    if (timedOut || !interrupted) return -ETIMEDOUT;
    return -ERESTARTNOINTR;
  });
}

/** Hands the lock of `ps` to its first waiter (wake_futex_pi): word = tid | FUTEX_WAITERS (| extra). */
function handOver(mm: AddressSpace, uaddr: number, ps: PiState, extra: number): void {
  const next = ps.waiters.shift()!;
  next.pi = undefined;
  putU32(mm, uaddr, FUTEX_WAITERS | next.task.tid | extra);
  ps.owner = next.task;
  if (!ps.waiters.length) dropPiState(ps);
  next.wake();
}

/** FUTEX_UNLOCK_PI (futex_unlock_pi): only the owner may; the first waiter gets the lock. */
export function futexUnlockPi(t: Task, uaddr: number, key: FutexKey): number {
  const mm = t.process.mm;
  const uval = mm.readU32(uaddr) >>> 0;
  if (((uval & FUTEX_TID_MASK) >>> 0) !== t.tid) return -EPERM;
  const ps = piStateOf(key);
  if (ps?.waiters.length) handOver(mm, uaddr, ps, 0);
  else putU32(mm, uaddr, 0); // neither FUTEX_WAITERS nor FUTEX_OWNER_DIED is kept
  return 0;
}

/**
 * FUTEX_WAIT_REQUEUE_PI (futex_wait_requeue_pi): waits on `key` like FUTEX_WAIT, to be woken by
 * FUTEX_CMP_REQUEUE_PI owning the PI futex `key2`, or moved onto it and woken when it is handed
 * over. A signal before the requeue restarts the call; one after it gives EWOULDBLOCK.
 */
export function futexWaitRequeuePi(t: Task, key: FutexKey, uaddr: number, key2: FutexKey, left: (() => bigint) | undefined): number | Promise<number> {
  if (left && left() <= 0n) return -ETIMEDOUT;
  return park(t, (w) => queueOf(key, true)!.push(w), key, uaddr, FUTEX_BITSET_MATCH_ANY, key2, left, (woken, timedOut, interrupted, w) => {
    if (woken) return 0;
    const requeued = !sameKey(w.key, key);
    if (timedOut || !interrupted) return -ETIMEDOUT;
    return requeued ? -EAGAIN : -ERESTARTNOINTR;
  });
}

/**
 * FUTEX_CMP_REQUEUE_PI (futex_requeue with requeue_pi): takes the PI futex at `uaddr2` for the
 * first waiter of `key1` if it is free (waking it, owning it), then moves up to `nrRequeue`
 * waiters onto the PI futex's queue. Returns how many were woken plus moved.
 */
export function futexCmpRequeuePi(t: Task, key1: FutexKey, uaddr2: number, key2: FutexKey, nrRequeue: number): number {
  const mm = t.process.mm;
  const q = queueOf(key1, false);
  if (!q?.length) return 0;
  const top = q[0];
  if (!top.requeuePi || !sameKey(top.requeuePi, key2)) return -EINVAL;
  let count = 0;
  const r = lockPiAtomic(top.task, mm, uaddr2, key2, true);
  if (r < 0) return r;
  if (r === 1) {
    unqueue(top);
    top.wake();
    count = 1;
  }
  for (const w of [...(queueOf(key1, false) ?? [])]) {
    if (count - (r === 1 ? 1 : 0) >= nrRequeue) break;
    if (!w.requeuePi || !sameKey(w.requeuePi, key2)) return -EINVAL;
    // The lock's owner: whoever the word names now (the proxy-locked waiter, or its old owner).
    const owner = findTask(t.kernel, (mm.readU32(uaddr2) & FUTEX_TID_MASK) >>> 0);
    if (!owner) return -ESRCH;
    const ps = attachPiState(key2, owner);
    unqueue(w);
    w.key = key2;
    w.uaddr = uaddr2;
    w.pi = ps;
    ps.waiters.push(w);
    count++;
  }
  return count;
}

/**
 * exit_pi_state_list(): the PI futexes a dying task owns and others wait for go to their first
 * waiter, with FUTEX_OWNER_DIED, so a robust PI mutex reports EOWNERDEAD to it.
 */
export function exitPiStates(t: Task): void {
  for (const ps of [...livePi]) {
    if (ps.owner !== t || !ps.waiters.length) continue;
    const first = ps.waiters[0];
    const mm = first.task.process.mm, uaddr = first.uaddr;
    try {
      const uval = mm.readU32(uaddr) >>> 0;
      handOver(mm, uaddr, ps, FUTEX_OWNER_DIED | (uval & FUTEX_OWNER_DIED));
    } catch { /* the word is gone: the waiters stay until their deadline or a signal */ }
  }
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
    // handle_futex_death wakes with a shared key; a PI futex goes to its waiter in exitPiStates.
    if (!pi && (uval & FUTEX_WAITERS)) futexWake(futexKey(mm, addr, false), 1);
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
