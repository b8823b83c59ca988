// Wait queues (Linux's wait_queue_head_t, cooperative): how a syscall that must wait parks its
// task until some state changes — a pipe gets data or room, a child exits. The handler returns
// the promise from `waitInterruptible`; dispatch parks the task until it settles (DESIGN.md §4).
//
// A waiter does not receive a value from whoever wakes the queue: it re-checks the state with its
// own `poll` and takes (consumes) what it finds, then and only then. So a wake-up nobody needed
// costs one poll, and a waiter that stopped waiting — interrupted by a signal, or its task died —
// consumes nothing: signals.ts's interruptibleWait unhooks it (Task.waiting.cancel() on exit).

import { interruptibleWait, ERESTARTSYS } from './signals.js';
import type { Task } from './task.js';

export class WaitQueue {
  private readonly waiters = new Set<() => void>();

  /**
   * Parks `t` (TASK_INTERRUPTIBLE, signals.ts) until `poll()` returns a number (the result) or
   * throws (the call fails with it); `poll` runs on every `wake()`, not now — the caller has just
   * found that it must wait. A signal for `t` ends the wait with `interrupted()`: by default
   * −ERESTARTSYS, which the signal code turns into a restart or EINTR; a call that already did
   * part of its work returns that instead (a pipe write reports the bytes it got through).
   * A signal already pending means no sleep at all.
   */
  waitInterruptible(t: Task, poll: () => number | undefined,
    interrupted: () => number = () => -ERESTARTSYS): number | Promise<number> {
    let result: number | undefined;
    let error: unknown;
    return interruptibleWait(t, (wake) => {
      const check = () => {
        if (t.state === 'dead') { this.waiters.delete(check); return; }
        try {
          result = poll();
        } catch (e) {
          error = e;
        }
        if (result !== undefined || error !== undefined) wake();
      };
      this.waiters.add(check);
      return () => this.waiters.delete(check);
    }, (isInterrupted) => {
      if (error !== undefined) throw error;
      if (result !== undefined) return result;
      return isInterrupted ? interrupted() : -ERESTARTSYS;
    });
  }

  /** Calls `cb` on every wake-up until the returned function is called (poll tables, epoll). */
  subscribe(cb: () => void): () => void {
    this.waiters.add(cb);
    return () => { this.waiters.delete(cb); };
  }

  /** Lets every waiter re-check its condition (wake_up_all). */
  wake(): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) w();
  }

  get size(): number { return this.waiters.size; }
}
