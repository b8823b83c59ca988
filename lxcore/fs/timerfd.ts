// timerfd(2) (fs/timerfd.c): a timer whose expirations are read from a descriptor. An expiry
// counts one tick and wakes readers; a periodic timer is moved past "now" when it is read or
// queried, counting the periods it skipped (hrtimer_forward_now), which is how Linux counts
// overruns. read takes the count (8 bytes) and zeroes it; readable while it is non-zero.

import { fail, EAGAIN, EINVAL } from '../abi/errno.js';
import { O_RDWR, O_NONBLOCK } from '../abi/fcntl.js';
import { POLLIN } from '../abi/poll.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { hostTimer } from '../kernel/signals.js';
import { clockNs } from '../syscalls/sys_time.js';
import { FileDescription, Maybe } from '../vfs/file.js';
import type { Stat } from '../abi/stat.js';
import type { Task } from '../kernel/task.js';

export const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

export class TimerFd extends FileDescription {
  /** Expirations not yet read. */
  ticks = 0n;
  /** Absolute expiry on `clock` (0: disarmed), the period (0: one-shot), the settime flags. */
  expires = 0n;
  interval = 0n;
  settimeFlags = 0;
  /** The last expiry fired and the timer is periodic: it is re-armed lazily (ctx->expired). */
  private expired = false;
  private cancel?: () => void;
  private readonly wait = new WaitQueue();

  constructor(readonly clock: number, nonblock: boolean) {
    super(O_RDWR | (nonblock ? O_NONBLOCK : 0), 'anon_inode:[timerfd]');
  }

  private now(): bigint { return clockNs(this.clock); }

  private arm(): void {
    this.cancel?.();
    this.cancel = hostTimer(this.expires - this.now(), () => {
      this.cancel = undefined;
      this.expired = true;
      this.ticks++;
      this.wait.wake();
    });
  }

  /** A periodic timer that fired: move it past now, counting the skipped periods, and re-arm. */
  private catchUp(): void {
    if (!this.expired || !this.interval) return;
    this.expired = false;
    const now = this.now();
    if (now >= this.expires) {
      const n = (now - this.expires) / this.interval + 1n;
      this.expires += n * this.interval;
      this.ticks += n - 1n;
    }
    this.arm();
  }

  /** timerfd_settime(): returns the old [interval, remaining]; `value` 0 disarms. */
  settime(flags: number, interval: bigint, value: bigint): [bigint, bigint] {
    const old = this.gettime();
    this.cancel?.();
    this.cancel = undefined;
    this.expired = false;
    this.ticks = 0n;
    this.settimeFlags = flags & TFD_TIMER_ABSTIME;
    this.interval = value ? interval : 0n;
    this.expires = 0n;
    if (value) {
      this.expires = flags & TFD_TIMER_ABSTIME ? value : this.now() + value;
      this.arm();
    }
    return old;
  }

  /** timerfd_gettime(): [interval, time left] (0 when disarmed or a one-shot that fired). */
  gettime(): [bigint, bigint] {
    this.catchUp();
    if (!this.expires || (!this.interval && this.expired)) return [this.interval, 0n];
    const left = this.expires - this.now();
    return [this.interval, left > 0n ? left : 0n];
  }

  override read(buf: Uint8Array, t: Task): Maybe<number> {
    if (buf.length < 8) fail(EINVAL);
    const take = (): number | undefined => {
      if (this.ticks === 0n) return undefined;
      this.catchUp();
      new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, this.ticks, true);
      this.ticks = 0n;
      this.expired = false;
      return 8;
    };
    const r = take();
    if (r !== undefined) return r;
    if (this.nonblocking) fail(EAGAIN);
    return this.wait.waitInterruptible(t, take);
  }

  override poll(): number { return this.ticks > 0n ? POLLIN : 0; }
  override onReady(cb: () => void): () => void { return this.wait.subscribe(cb); }
  override get pollable(): boolean { return true; }

  /** The lines /proc/PID/fdinfo adds for a timerfd (timerfd_show). */
  fdinfo(): string {
    const [interval, left] = this.gettime();
    const ts = (ns: bigint) => `(${ns / 1_000_000_000n}, ${ns % 1_000_000_000n})`;
    return `clockid: ${this.clock}\nticks: ${this.ticks}\nsettime flags: 0${this.settimeFlags.toString(8)}\n` +
      `it_value: ${ts(left)}\nit_interval: ${ts(interval)}\n`;
  }

  override stat(): Stat {
    return {
      dev: 14, ino: 1n, nlink: 1, mode: 0o600, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096,
      blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }

  protected override release(): void { this.cancel?.(); }
}
