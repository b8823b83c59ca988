// signalfd(2) (fs/signalfd.c): a descriptor that reads the reader's pending signals of a mask
// as struct signalfd_siginfo records instead of running their handlers. It has no inode of its
// own ("anon_inode:[signalfd]"); the mask is changed by signalfd4 on the same descriptor.

import { fail, EINVAL, EAGAIN } from '../abi/errno.js';
import { O_RDWR, O_NONBLOCK } from '../abi/fcntl.js';
import { toSignalfdSiginfo } from '../abi/siginfo.js';
import { dequeueSignal, interruptibleWait, ERESTARTSYS } from '../kernel/signals.js';
import { FileDescription } from '../vfs/file.js';
import { POLLIN } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import type { Task } from '../kernel/task.js';

const RECORD = 128; // sizeof(struct signalfd_siginfo)

export class SignalFd extends FileDescription {
  /** The signals it reads (SIGKILL and SIGSTOP never). */
  mask: bigint;

  constructor(mask: bigint, nonblock: number) {
    super(O_RDWR | (nonblock ? O_NONBLOCK : 0), 'anon_inode:[signalfd]');
    this.mask = mask;
  }

  /** Whether a signal of the mask is pending for `t` (its own or its process's). */
  private ready(t: Task): boolean {
    return ((t.signals.pending.set | t.process.signals.shared.set) & this.mask) !== 0n;
  }

  /** signalfd_poll: readable while a signal of the mask is pending for the polling task. */
  override poll(t: Task): number { return this.ready(t) ? POLLIN : 0; }
  override onReady(cb: () => void, t: Task): () => void {
    const listeners = t.process.signals.listeners;
    listeners.add(cb);
    return () => { listeners.delete(cb); };
  }
  override get pollable(): boolean { return true; }

  /** Dequeues up to buf.length / 128 signals; the first one may wait (signalfd_read). */
  override read(buf: Uint8Array, t: Task): number | Promise<number> {
    const count = Math.floor(buf.length / RECORD);
    if (!count) fail(EINVAL);
    const others = BigInt.asUintN(64, ~this.mask);
    const drain = (): number => {
      let n = 0;
      for (; n < count; n++) {
        const q = dequeueSignal(t, others);
        if (!q) break;
        buf.set(toSignalfdSiginfo(q.info), n * RECORD);
      }
      return n * RECORD;
    };
    const got = drain();
    if (got) return got;
    if (this.nonblocking) fail(EAGAIN);
    const listeners = t.process.signals.listeners;
    return interruptibleWait(t, (wake) => {
      // signalfd_notify(): any signal queued for the process may be one of ours, blocked or not.
      const l = () => { if (this.ready(t)) wake(); };
      listeners.add(l);
      return () => listeners.delete(l);
    }, () => drain() || -ERESTARTSYS);
  }

  override stat(): Stat {
    // The anonymous inode all such descriptors share: mode 0600 without a file type.
    return {
      dev: 14, ino: 1n, nlink: 1, mode: 0o600, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096,
      blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }
}
