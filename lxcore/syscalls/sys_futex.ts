// futex(2) (kernel/futex/syscalls.c do_futex, waitwake.c, requeue.c, pi.c): WAIT, WAKE, their
// _BITSET forms, REQUEUE, CMP_REQUEUE, WAKE_OP, and the PI futexes (LOCK_PI, LOCK_PI2,
// TRYLOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI) that glibc's PTHREAD_PRIO_INHERIT
// mutexes use. The queues and keys are kernel/futex.ts.

import { fail, EAGAIN, EINVAL, ENOSYS, EFAULT } from '../abi/errno.js';
import {
  FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP, FUTEX_WAIT_BITSET,
  FUTEX_WAKE_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2, FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME,
  FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_CMP_REQUEUE_PI,
  FUTEX_BITSET_MATCH_ANY, FUTEX_OP_SET, FUTEX_OP_ADD, FUTEX_OP_OR, FUTEX_OP_ANDN, FUTEX_OP_XOR,
  FUTEX_OP_OPARG_SHIFT, FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_NE, FUTEX_OP_CMP_LT, FUTEX_OP_CMP_LE,
  FUTEX_OP_CMP_GT, FUTEX_OP_CMP_GE,
} from '../abi/futex.js';
import { CLOCK_REALTIME, CLOCK_MONOTONIC } from '../abi/time.js';
import {
  futexKey, futexWait, futexWake, futexRequeue, futexLockPi, futexUnlockPi, futexWaitRequeuePi,
  futexCmpRequeuePi, FutexKey,
} from '../kernel/futex.js';
import { clockNs } from './sys_time.js';
import type { Task } from '../kernel/task.js';

/** TASK_SIZE_MAX: futex_get_value's access_ok bound for user addresses. */
const TASK_SIZE = 0x7ffffffff000;

/** get_futex_key(): a 4-byte aligned user address; a shared futex must also be mapped. */
function checkKey(t: Task, uaddr: number, priv: boolean): FutexKey {
  if (uaddr % 4 || uaddr < 0) fail(EINVAL);
  if (uaddr > TASK_SIZE - 4) fail(EFAULT);
  if (!priv) t.process.mm.readU32(uaddr); // EFAULT, as get_user_pages_fast fails
  return futexKey(t.process.mm, uaddr, priv);
}

function readTimespec(t: Task, addr: number): bigint {
  const v = new DataView(t.process.mm.read(addr, 16).buffer);
  const sec = v.getBigInt64(0, true), nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) fail(EINVAL); // timespec64_valid
  return sec * 1_000_000_000n + nsec;
}

/**
 * futex_wait(): fails with EAGAIN unless the word still holds `val`, then sleeps. The deadline
 * is absolute on `clock`; the restart after a signal (futex_wait_restart) keeps it.
 */
function doWait(t: Task, key: FutexKey, uaddr: number, val: number, bitset: number, clock: number, deadline: bigint | undefined): number | Promise<number> {
  if ((t.process.mm.readU32(uaddr) >>> 0) !== (val >>> 0)) fail(EAGAIN);
  return futexWait(t, key, uaddr, bitset, leftOf(clock, deadline), () => doWait(t, key, uaddr, val, bitset, clock, deadline));
}

const leftOf = (clock: number, deadline: bigint | undefined): (() => bigint) | undefined =>
  deadline === undefined ? undefined : () => deadline - clockNs(clock);

/** A PI call's result: negative errnos become failures, as the other commands' are. */
function result(r: number | Promise<number>): number | Promise<number> {
  return typeof r === 'number' && r < 0 ? fail(-r) : r;
}

/** futex_atomic_op_inuser() on x86: applies the op to *uaddr2, returns the old value (signed). */
function atomicOp(t: Task, uaddr2: number, encoded: number): { old: number; cmp: number; cmparg: number } {
  let op = (encoded >>> 28) & 0xf;
  const cmp = (encoded >>> 24) & 0xf;
  let oparg = (encoded << 8) >> 20;  // sign_extend32(encoded >> 12, 11)
  const cmparg = (encoded << 20) >> 20;
  if (op & FUTEX_OP_OPARG_SHIFT) {
    // Linux warns once about a shift outside 0..31 and masks it.
    oparg = 1 << (oparg & 31);
    op &= ~FUTEX_OP_OPARG_SHIFT;
  }
  const mm = t.process.mm;
  const old = mm.readU32(uaddr2) | 0;
  let v: number;
  switch (op) {
    case FUTEX_OP_SET: v = oparg; break;
    case FUTEX_OP_ADD: v = old + oparg; break;
    case FUTEX_OP_OR: v = old | oparg; break;
    case FUTEX_OP_ANDN: v = old & ~oparg; break;
    case FUTEX_OP_XOR: v = old ^ oparg; break;
    default: return fail(ENOSYS);
  }
  if (cmp > FUTEX_OP_CMP_GE) fail(ENOSYS); // checked after the op on x86, before any write here
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  mm.write(uaddr2, b); // EFAULT if not writable
  return { old, cmp, cmparg };
}

function compare(cmp: number, a: number, b: number): boolean {
  switch (cmp) {
    case FUTEX_OP_CMP_EQ: return a === b;
    case FUTEX_OP_CMP_NE: return a !== b;
    case FUTEX_OP_CMP_LT: return a < b;
    case FUTEX_OP_CMP_LE: return a <= b;
    case FUTEX_OP_CMP_GT: return a > b;
    default: return a >= b; // FUTEX_OP_CMP_GE
  }
}

/** futex(uaddr, op, val, timeout | val2, uaddr2, val3). */
export function sysFutex(t: Task, uaddr: number, op: number, val: number, timeout: number, uaddr2: number, val3: number): number | Promise<number> {
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const priv = (op & FUTEX_PRIVATE_FLAG) !== 0;
  const realtime = (op & FUTEX_CLOCK_REALTIME) !== 0;
  // FUTEX_CLOCK_REALTIME is accepted only by the waits that take a timeout (do_futex).
  if (realtime && cmd !== FUTEX_WAIT && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT_REQUEUE_PI && cmd !== FUTEX_LOCK_PI2) fail(ENOSYS);
  const mm = t.process.mm;
  // For the requeues and WAKE_OP the timeout slot carries a count (val2).
  const val2 = timeout | 0;
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      const bitset = cmd === FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3 >>> 0;
      if (!bitset) fail(EINVAL);
      const clock = realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
      let deadline: bigint | undefined;
      if (timeout) {
        const ns = readTimespec(t, timeout);
        // FUTEX_WAIT's timeout is relative, WAIT_BITSET's absolute (futex_init_timeout).
        deadline = cmd === FUTEX_WAIT ? clockNs(clock) + ns : ns;
      }
      const key = checkKey(t, uaddr, priv);
      return doWait(t, key, uaddr, val, bitset, clock, deadline);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      const bitset = cmd === FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3 >>> 0;
      if (!bitset) fail(EINVAL);
      return result(futexWake(checkKey(t, uaddr, priv), val | 0, bitset));
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      if ((val | 0) < 0 || val2 < 0) fail(EINVAL);
      const key1 = checkKey(t, uaddr, priv);
      const key2 = checkKey(t, uaddr2, priv);
      if (cmd === FUTEX_CMP_REQUEUE && (mm.readU32(uaddr) >>> 0) !== (val3 >>> 0)) fail(EAGAIN);
      return result(futexRequeue(key1, key2, uaddr2, val | 0, val2));
    }
    case FUTEX_WAKE_OP: {
      const key1 = checkKey(t, uaddr, priv);
      const key2 = checkKey(t, uaddr2, priv);
      const r = atomicOp(t, uaddr2, val3 | 0);
      let n = futexWake(key1, val | 0);
      if (n < 0) fail(-n);
      if (compare(r.cmp, r.old, r.cmparg)) {
        const m = futexWake(key2, val2);
        if (m < 0) fail(-m);
        n += m;
      }
      return n;
    }
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_TRYLOCK_PI: {
      // LOCK_PI's deadline is absolute on CLOCK_REALTIME; LOCK_PI2's on CLOCK_MONOTONIC unless
      // FUTEX_CLOCK_REALTIME says otherwise; TRYLOCK_PI has none.
      const clock = cmd === FUTEX_LOCK_PI || realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
      const deadline = timeout && cmd !== FUTEX_TRYLOCK_PI ? readTimespec(t, timeout) : undefined;
      const key = checkKey(t, uaddr, priv);
      return result(futexLockPi(t, uaddr, key, leftOf(clock, deadline), cmd === FUTEX_TRYLOCK_PI));
    }
    case FUTEX_UNLOCK_PI:
      return result(futexUnlockPi(t, uaddr, checkKey(t, uaddr, priv)));
    case FUTEX_WAIT_REQUEUE_PI: {
      const clock = realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
      const deadline = timeout ? readTimespec(t, timeout) : undefined;
      const key1 = checkKey(t, uaddr, priv);
      const key2 = checkKey(t, uaddr2, priv);
      if (key1.space === key2.space && key1.addr === key2.addr) fail(EINVAL);
      if ((mm.readU32(uaddr) >>> 0) !== (val >>> 0)) fail(EAGAIN);
      return result(futexWaitRequeuePi(t, key1, uaddr, key2, leftOf(clock, deadline)));
    }
    case FUTEX_CMP_REQUEUE_PI: {
      // futex_requeue(requeue_pi): exactly one to wake, and two different futexes.
      if ((val | 0) !== 1 || val2 < 0) fail(EINVAL);
      const key1 = checkKey(t, uaddr, priv);
      const key2 = checkKey(t, uaddr2, priv);
      if (key1.space === key2.space && key1.addr === key2.addr) fail(EINVAL);
      if ((mm.readU32(uaddr) >>> 0) !== (val3 >>> 0)) fail(EAGAIN);
      return result(futexCmpRequeuePi(t, key1, uaddr2, key2, val2));
    }
    default:
      return fail(ENOSYS); // FUTEX_FD (gone since 2.6.26), unknown commands
  }
}
