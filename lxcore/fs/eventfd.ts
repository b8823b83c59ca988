// eventfd(2) (fs/eventfd.c): a 64-bit counter behind a descriptor. write adds to it (waiting
// while the sum would pass 2^64−2), read takes it all — or one, with EFD_SEMAPHORE — and waits
// while it is zero. Readable while non-zero, writable while another 1 fits. Go's runtime wakes
// its netpoller through one.

import { fail, EAGAIN, EINVAL } from '../abi/errno.js';
import { O_RDWR, O_NONBLOCK } from '../abi/fcntl.js';
import { POLLIN, POLLOUT, POLLERR } from '../abi/poll.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { FileDescription, Maybe } from '../vfs/file.js';
import type { Stat } from '../abi/stat.js';
import type { Task } from '../kernel/task.js';

const ULLONG_MAX = 0xffffffffffffffffn;

export class EventFd extends FileDescription {
  count: bigint;
  private readonly wait = new WaitQueue();

  constructor(initval: number, readonly semaphore: boolean, nonblock: boolean) {
    super(O_RDWR | (nonblock ? O_NONBLOCK : 0), 'anon_inode:[eventfd]');
    this.count = BigInt(initval >>> 0);
  }

  override read(buf: Uint8Array, t: Task): Maybe<number> {
    if (buf.length < 8) fail(EINVAL);
    const take = (): number | undefined => {
      if (this.count === 0n) return undefined;
      const v = this.semaphore ? 1n : this.count;
      this.count -= v;
      new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, v, true);
      this.wait.wake();
      return 8;
    };
    const r = take();
    if (r !== undefined) return r;
    if (this.nonblocking) fail(EAGAIN);
    return this.wait.waitInterruptible(t, take);
  }

  override write(buf: Uint8Array, t: Task): Maybe<number> {
    if (buf.length < 8) fail(EINVAL);
    const v = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
    if (v === ULLONG_MAX) fail(EINVAL);
    const add = (): number | undefined => {
      if (ULLONG_MAX - this.count <= v) return undefined;
      this.count += v;
      if (v) this.wait.wake();
      return 8;
    };
    const r = add();
    if (r !== undefined) return r;
    if (this.nonblocking) fail(EAGAIN);
    return this.wait.waitInterruptible(t, add);
  }

  override poll(): number {
    let mask = 0;
    if (this.count > 0n) mask |= POLLIN;
    if (this.count === ULLONG_MAX) mask |= POLLERR;
    if (ULLONG_MAX - 1n > this.count) mask |= POLLOUT;
    return mask;
  }
  override onReady(cb: () => void): () => void { return this.wait.subscribe(cb); }
  override get pollable(): boolean { return true; }

  override stat(): Stat {
    return {
      dev: 14, ino: 1n, nlink: 1, mode: 0o600, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096,
      blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }
}
