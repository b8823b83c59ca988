// futex(2) (kernel/futex/syscalls.c do_futex, waitwake.c, requeue.c): WAIT, WAKE, their
// _BITSET forms, REQUEUE, CMP_REQUEUE and WAKE_OP. The queues are kernel/futex.ts. PI futexes
// (LOCK_PI, UNLOCK_PI, TRYLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI, LOCK_PI2) fail with ENOSYS,
// as on a kernel built without CONFIG_FUTEX_PI: glibc uses them only for PTHREAD_PRIO_INHERIT
// mutexes.

import { fail, EAGAIN, EINVAL, ENOSYS, EFAULT } from '../abi/errno.js';
import {
  FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP, FUTEX_WAIT_BITSET,
  FUTEX_WAKE_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2, FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME,
  FUTEX_BITSET_MATCH_ANY, FUTEX_OP_SET, FUTEX_OP_ADD, FUTEX_OP_OR, FUTEX_OP_ANDN, FUTEX_OP_XOR,
  FUTEX_OP_OPARG_SHIFT, FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_NE, FUTEX_OP_CMP_LT, FUTEX_OP_CMP_LE,
  FUTEX_OP_CMP_GT, FUTEX_OP_CMP_GE,
} from '../abi/futex.js';
import { CLOCK_REALTIME, CLOCK_MONOTONIC } from '../abi/time.js';
import { futexWait, futexWake, futexRequeue } from '../kernel/futex.js';
import { clockNs } from './sys_time.js';
import type { Task } from '../kernel/task.js';

/** TASK_SIZE_MAX: futex_get_value's access_ok bound for user addresses. */
const TASK_SIZE = 0x7ffffffff000;

/** get_futex_key(): a 4-byte aligned user address; a shared futex must also be mapped. */
function checkKey(t: Task, uaddr: number, priv: boolean): void {
  if (uaddr % 4 || uaddr < 0) fail(EINVAL);
  if (uaddr > TASK_SIZE - 4) fail(EFAULT);
  if (!priv) t.process.mm.readU32(uaddr); // EFAULT, as get_user_pages_fast fails
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
function doWait(t: Task, uaddr: number, val: number, bitset: number, clock: number, deadline: bigint | undefined): number | Promise<number> {
  if ((t.process.mm.readU32(uaddr) >>> 0) !== (val >>> 0)) fail(EAGAIN);
  const left = deadline === undefined ? undefined : () => deadline - clockNs(clock);
  return futexWait(t, uaddr, bitset, left, () => doWait(t, uaddr, val, bitset, clock, deadline));
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
      checkKey(t, uaddr, priv);
      return doWait(t, uaddr, val, bitset, clock, deadline);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      const bitset = cmd === FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3 >>> 0;
      if (!bitset) fail(EINVAL);
      checkKey(t, uaddr, priv);
      return futexWake(mm, uaddr, val | 0, bitset);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      if ((val | 0) < 0 || val2 < 0) fail(EINVAL);
      checkKey(t, uaddr, priv);
      checkKey(t, uaddr2, priv);
      if (cmd === FUTEX_CMP_REQUEUE && (mm.readU32(uaddr) >>> 0) !== (val3 >>> 0)) fail(EAGAIN);
      return futexRequeue(mm, uaddr, uaddr2, val | 0, val2);
    }
    case FUTEX_WAKE_OP: {
      checkKey(t, uaddr, priv);
      checkKey(t, uaddr2, priv);
      const r = atomicOp(t, uaddr2, val3 | 0);
      let n = futexWake(mm, uaddr, val | 0);
      if (compare(r.cmp, r.old, r.cmparg)) n += futexWake(mm, uaddr2, val2);
      return n;
    }
    default:
      return fail(ENOSYS); // PI futexes, FUTEX_FD (gone since 2.6.26), unknown commands
  }
}
