// futex(2), enough for single-threaded processes: WAKE finds no waiters, WAIT returns EAGAIN
// when the word changed and otherwise sleeps until its timeout (with no other thread to wake
// it, that is what Linux does too). Waiter queues across threads arrive with issue #4.

import { fail, EAGAIN, EINVAL, ETIMEDOUT, ENOSYS } from '../abi/errno.js';
import { FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME } from '../abi/futex.js';
import type { Task } from '../kernel/task.js';

export function sysFutex(t: Task, uaddr: number, op: number, val: number, timeout: number): number | Promise<number> {
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  if (uaddr % 4) fail(EINVAL);
  switch (cmd) {
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
      t.process.mm.readU32(uaddr); // EFAULT for a bad address, as Linux checks it
      return 0;
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      if (t.process.mm.readU32(uaddr) !== (val >>> 0)) fail(EAGAIN);
      if (!timeout) {
        t.kernel.log(`pid ${t.process.pid}: futex wait with no other thread to wake it: blocks forever`);
        return new Promise(() => { /* never: as on Linux */ });
      }
      const b = Buffer.from(t.process.mm.read(timeout, 16));
      const ns = b.readBigInt64LE(0) * 1_000_000_000n + b.readBigInt64LE(8);
      // FUTEX_WAIT takes a relative timeout; WAIT_BITSET an absolute one on the chosen clock.
      const rel = cmd === FUTEX_WAIT ? ns
        : ns - ((op & FUTEX_CLOCK_REALTIME) ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint());
      return new Promise((r) => setTimeout(() => r(-ETIMEDOUT), Math.max(0, Number(rel / 1_000_000n))));
    }
    default:
      return fail(ENOSYS); // REQUEUE, WAKE_OP, PI futexes: issue #4
  }
}
