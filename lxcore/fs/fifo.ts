// FIFOs (fifo(7), fs/pipe.c fifo_open) of lxcore's own filesystems (volfs, tmpfs): a named inode
// whose opens share one pipe while any is open. Opening for reading waits for a writer and
// opening for writing waits for a reader (each until the other side's open counter moves, as
// wait_for_partner); O_NONBLOCK: a reader opens at once, a writer without a reader gets ENXIO;
// O_RDWR never waits. When the last end closes, the pipe and anything left in it go.

import { Pipe, PipeEnd } from './pipe.js';
import { fail, ENXIO } from '../abi/errno.js';
import { O_ACCMODE, O_RDONLY, O_WRONLY, O_NONBLOCK } from '../abi/fcntl.js';
import { POLLHUP } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import type { Inode } from '../vfs/api.js';
import type { Dentry } from '../vfs/namespace.js';
import type { FileDescription, Maybe } from '../vfs/file.js';
import type { Task } from '../kernel/task.js';

/** The pipe of each FIFO inode that is open somewhere (Linux's inode->i_pipe). */
const pipes = new WeakMap<Inode, Pipe>();

/** An open end of a FIFO: a pipe end whose status is the inode's. */
export class FifoEnd extends PipeEnd {
  /** A non-blocking reader opened with no writer: no POLLHUP until a writer has come (f_version). */
  private quietUntil = -1;

  constructor(readonly dentry: Dentry, pipe: Pipe, flags: number, path: string) {
    super(pipe, flags);
    this.path = path;
    dentry.inode.opened();
    dentry.mount.users++;
  }

  override stat(): Stat {
    const i = this.dentry.inode, a = i.attrs();
    return {
      dev: i.fs.dev, ino: i.ino, nlink: a.nlink, mode: a.mode, uid: a.uid, gid: a.gid, rdev: a.rdev,
      size: 0, blksize: 4096, blocks: 0, atimeNs: a.atimeNs, mtimeNs: a.mtimeNs, ctimeNs: a.ctimeNs,
    };
  }

  override poll(): number {
    const mask = super.poll();
    return this.quietUntil === this.pipe.wCounter ? mask & ~POLLHUP : mask;
  }

  /** fifo_open's non-blocking reader case. */
  quiet(): void { this.quietUntil = this.pipe.wCounter; }

  protected override release(): void {
    super.release();
    this.dentry.inode.closed();
    this.dentry.mount.users--;
    if (this.pipe.readers === 0 && this.pipe.writers === 0 && pipes.get(this.dentry.inode) === this.pipe) pipes.delete(this.dentry.inode);
  }
}

/**
 * Opens FIFO `d` (permissions already checked) and gives the description to `install`: its
 * descriptor number now, or later while the open waits for the other side (interrupted by a
 * signal: the end is released and the call answers −ERESTARTSYS, as wait_for_partner's caller).
 */
export function openFifo(t: Task, d: Dentry, flags: number, path: string, install: (f: FileDescription) => number): Maybe<number> {
  let p = pipes.get(d.inode);
  if ((flags & O_ACCMODE) === O_WRONLY && (flags & O_NONBLOCK) && (!p || p.readers === 0)) fail(ENXIO);
  if (!p) {
    const a = d.inode.attrs();
    p = new Pipe(a.uid, a.gid);
    pipes.set(d.inode, p);
  }
  const pipe = p;
  return openEnd(t, pipe, flags, () => new FifoEnd(d, pipe, flags, path), install);
}

/**
 * A new open of an anonymous pipe through /proc/PID/fd/N (its inode, as fifo_open opens any
 * pipe inode): a new end for the access mode asked, with a FIFO's waits and ENXIO.
 */
export function reopenPipe(t: Task, pipe: Pipe, flags: number, install: (f: FileDescription) => number): Maybe<number> {
  if ((flags & O_ACCMODE) === O_WRONLY && (flags & O_NONBLOCK) && pipe.readers === 0) fail(ENXIO);
  return openEnd(t, pipe, flags, () => new PipeEnd(pipe, flags), install);
}

/** fifo_open's part after the pipe is found: the new end, then the wait for the other side. */
function openEnd(t: Task, pipe: Pipe, flags: number, make: () => PipeEnd, install: (f: FileDescription) => number): Maybe<number> {
  const acc = flags & O_ACCMODE;
  const before = acc === O_RDONLY ? pipe.wCounter : pipe.rCounter;
  const end = make();
  // wake_up_partner: whoever waits for this side's counter to move.
  pipe.readWait.wake();
  pipe.writeWait.wake();
  const waits = (acc === O_RDONLY && pipe.writers === 0 && !(flags & O_NONBLOCK)) || (acc === O_WRONLY && pipe.readers === 0);
  if (acc === O_RDONLY && pipe.writers === 0 && (flags & O_NONBLOCK) && end instanceof FifoEnd) end.quiet();
  if (!waits) return install(end);
  const q = acc === O_RDONLY ? pipe.readWait : pipe.writeWait;
  const r = q.waitInterruptible(t, () => ((acc === O_RDONLY ? pipe.wCounter : pipe.rCounter) !== before ? 1 : undefined));
  const settle = (v: number): number => {
    if (v === 1) return install(end);
    end.unref();
    return v; // −ERESTARTSYS
  };
  return typeof r === 'number' ? settle(r) : r.then(settle);
}
