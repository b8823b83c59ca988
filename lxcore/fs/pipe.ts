// Pipes (pipe(7), fs/pipe.c): a ring of 16 one-page buffers between a read end and a write end,
// each an open file description. Reads block while the pipe is empty and has writers, and return
// 0 (EOF) once the last writer has gone; writes block while the ring is full, are atomic up to
// PIPE_BUF bytes, and raise SIGPIPE + EPIPE when the last reader has gone. A blocked end parks
// its task on the pipe's wait queue and the other end wakes it (DESIGN.md §4).
//
// The ring is Linux's, page for page, because its shape shows: a write shorter than a page
// merges into the last page only if it fits there whole, so 1000-byte writes fill a pipe at
// 64000 bytes, not 65536, and a partly read page frees no room. O_DIRECT makes packets: each
// write of up to a page is one, and a read returns at most one (pipe(2)).

import { FileDescription, Maybe } from '../vfs/file.js';
import { Stat, S_IFIFO } from '../abi/stat.js';
import { fail, EAGAIN, EPIPE, EINVAL, EPERM, EBUSY, EFAULT } from '../abi/errno.js';
import { O_RDONLY, O_WRONLY, O_DIRECT } from '../abi/fcntl.js';
import { POLLIN, POLLRDNORM, POLLOUT, POLLWRNORM, POLLHUP, POLLERR } from '../abi/poll.js';
import { FIONREAD } from '../abi/ioctl.js';
import { SIGPIPE } from '../abi/signal.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { ERESTARTSYS } from '../kernel/signals.js';
import { sendSignalInfo } from '../kernel/signals.js';
import { siKill, SI_USER } from '../abi/siginfo.js';
import type { Task } from '../kernel/task.js';

/** Writes of at most this many bytes are never interleaved with other writers' (limits.h). */
export const PIPE_BUF = 4096;
const PAGE = 4096;
/** The default ring: 16 pages (PIPE_DEF_BUFFERS), 64 KiB. */
export const PIPE_DEF_BUFFERS = 16;
export const PIPE_SIZE = PIPE_DEF_BUFFERS * PAGE;
/** /proc/sys/fs/pipe-max-size: the most an unprivileged F_SETPIPE_SZ may ask for. */
export const PIPE_MAX_SIZE = 1048576;
/** st_dev of pipefs, where every pipe's inode lives (anonymous device 0:12 on Linux 6.1). */
export const PIPEFS_DEV = 0xc;

let nextIno = 0x10000;
/** What a pipe write's step returns when the last reader has gone (never a byte count). */
const BROKEN = -EPIPE;

/** One page of the ring (struct pipe_buffer): bytes [offset, offset+len) are unread. */
interface PipeBuffer { page: Uint8Array; offset: number; len: number; packet: boolean }

/** The pipe itself (Linux's pipe_inode_info): the ring and who holds which end. */
export class Pipe {
  /** The inode number /proc/PID/fd shows as `pipe:[ino]`. */
  readonly ino = nextIno++;
  /** Occupied buffers, oldest (the read side) first. */
  readonly bufs: PipeBuffer[] = [];
  private spare: Uint8Array[] = [];
  readers = 0;
  writers = 0;
  /** Opens of each end so far (r_counter, w_counter): what a FIFO's open waits to see change. */
  rCounter = 0;
  wCounter = 0;
  /** Readers waiting for data or EOF; writers waiting for room or for the readers to go. */
  readonly readWait = new WaitQueue();
  readonly writeWait = new WaitQueue();
  readonly createdNs = BigInt(Date.now()) * 1_000_000n;

  constructor(readonly uid: number, readonly gid: number) {}

  /** Ring slots (pipe->max_usage): 16 until F_SETPIPE_SZ changes it. */
  slots = PIPE_DEF_BUFFERS;
  get full(): boolean { return this.bufs.length >= this.slots; }
  /** The capacity F_GETPIPE_SZ reports, in bytes. */
  get size(): number { return this.slots * PAGE; }

  /**
   * F_SETPIPE_SZ (pipe_set_size): the size is rounded up to a power of two pages (at least one;
   * more than 2^31 bytes is EINVAL); past /proc/sys/fs/pipe-max-size only with CAP_SYS_RESOURCE
   * (EPERM); smaller than the data it holds, EBUSY. Returns the new size.
   */
  resize(arg: number, privileged: boolean): number {
    const want = arg >>> 0; // fcntl's argument is an unsigned int here
    if (want > 2 ** 31) fail(EINVAL);
    let pages = 1;
    while (pages * PAGE < want) pages *= 2;
    if (pages > this.slots && pages * PAGE > PIPE_MAX_SIZE && !privileged) fail(EPERM);
    if (pages < this.bufs.length) fail(EBUSY);
    this.slots = pages;
    this.writeWait.wake();
    return this.size;
  }
  /** Unread bytes (FIONREAD). */
  get bytes(): number { return this.bufs.reduce((n, b) => n + b.len, 0); }

  /** Takes a fresh buffer at the head of the ring (the caller checked `full`). */
  newBuffer(packet: boolean): PipeBuffer {
    const b = { page: this.spare.pop() ?? new Uint8Array(PAGE), offset: 0, len: 0, packet };
    this.bufs.push(b);
    return b;
  }

  /** Up to `n` unread bytes, oldest first, left in the pipe (tee). */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.bytes));
    let got = 0;
    for (const b of this.bufs) {
      if (got === out.length) break;
      const k = Math.min(b.len, out.length - got);
      out.set(b.page.subarray(b.offset, b.offset + k), got);
      got += k;
    }
    return out;
  }

  /** Releases the oldest buffer once it has been read to the end. */
  dropFirst(): void {
    this.spare.push(this.bufs.shift()!.page);
  }

  /**
   * Puts a buffer a read took back at the front of the ring, as it was: its page if no writer
   * has taken that page again since (a packet keeps its unread rest), else a new one holding
   * `bytes`, what the read got of it.
   */
  restore(page: Uint8Array, offset: number, len: number, packet: boolean, bytes: Uint8Array): void {
    const i = this.spare.lastIndexOf(page);
    if (i >= 0) {
      this.spare.splice(i, 1);
      this.bufs.unshift({ page, offset, len, packet });
      return;
    }
    const fresh = this.spare.pop() ?? new Uint8Array(PAGE);
    fresh.set(bytes);
    this.bufs.unshift({ page: fresh, offset: 0, len: bytes.length, packet });
  }
}

/** What one read took from one pipe buffer (for a read whose bytes cannot all be delivered). */
interface Taken { buf: PipeBuffer; page: Uint8Array; offset: number; len: number; n: number; dropped: boolean }

/** One end of a pipe: O_RDONLY for the read end, O_WRONLY for the write end (O_RDWR: a FIFO's both). */
export class PipeEnd extends FileDescription {
  constructor(readonly pipe: Pipe, flags: number) {
    super(flags, `pipe:[${pipe.ino}]`);
    if (this.readable) { pipe.readers++; pipe.rCounter++; }
    if (this.writable) { pipe.writers++; pipe.wCounter++; }
  }

  /** A new pipe's two ends, with `extra` status flags (O_NONBLOCK, O_DIRECT) on both. */
  static create(t: Task, extra: number): [PipeEnd, PipeEnd] {
    const p = new Pipe(t.process.creds.euid, t.process.creds.egid);
    return [new PipeEnd(p, O_RDONLY | extra), new PipeEnd(p, O_WRONLY | extra)];
  }

  /**
   * The buffers the last read took from, in order (records reused from read to read): what
   * `undeliverable` puts back. `takenCount` of them are the last read's, which read into
   * `takenInto` (another reader of this description may have read since: then its records are
   * not this read's, and the bytes are given up as other files give them up).
   */
  private readonly taken: Taken[] = [];
  private takenCount = 0;
  private takenInto: Uint8Array | null = null;

  /** pipe_read: what a read can take now — a count, 0 at EOF, or undefined if it must wait. */
  private tryRead(dst: Uint8Array): number | undefined {
    const p = this.pipe;
    let got = 0, freed = false;
    this.takenCount = 0;
    this.takenInto = dst;
    while (p.bufs.length > 0 && got < dst.length) {
      const b = p.bufs[0];
      const n = Math.min(b.len, dst.length - got);
      const rec = this.taken[this.takenCount] ??= { buf: b, page: b.page, offset: 0, len: 0, n: 0, dropped: false };
      rec.buf = b; rec.page = b.page; rec.offset = b.offset; rec.len = b.len; rec.n = n; rec.dropped = false;
      this.takenCount++;
      dst.set(b.page.subarray(b.offset, b.offset + n), got);
      got += n;
      b.offset += n;
      b.len -= n;
      const packet = b.packet;
      if (packet) b.len = 0; // the rest of a packet the reader had no room for is dropped
      if (b.len === 0) {
        p.dropFirst();
        rec.dropped = true;
        freed = true;
      }
      if (packet) break;
    }
    if (freed) p.writeWait.wake(); // after the read, so that a woken writer cannot refill it
    if (got > 0) return got;
    return p.writers === 0 ? 0 : undefined;
  }

  /**
   * The last read's bytes from `copied` on did not reach the reader (a bad page). pipe_read
   * consumes a buffer only once the whole of what it copies from it has arrived: the buffers the
   * copy did not get through are put back as they were, and the read returns the bytes of those
   * before them (EFAULT if none).
   */
  override undeliverable(copied: number, data: Uint8Array): number {
    if (this.takenInto !== data) return super.undeliverable(copied, data);
    const p = this.pipe, taken = this.taken, count = this.takenCount;
    this.takenCount = 0;
    this.takenInto = null;
    let keep = 0, j = 0;
    while (j < count && keep + taken[j].n <= copied) keep += taken[j++].n;
    // The rest go back, the last first, each in front of those after it.
    let end = keep;
    for (let k = j; k < count; k++) end += taken[k].n;
    for (let k = count - 1; k >= j; k--) {
      const t = taken[k];
      end -= t.n;
      if (!t.dropped && p.bufs[0] === t.buf) { t.buf.offset = t.offset; t.buf.len = t.len; }
      else p.restore(t.page, t.offset, t.len, t.buf.packet, data.subarray(end, end + t.n));
    }
    if (j < count) p.readWait.wake(); // there for other readers again
    return keep === 0 ? fail(EFAULT) : keep;
  }

  override read(buf: Uint8Array, task: Task): Maybe<number> {
    const r = this.tryRead(buf);
    if (r !== undefined) return r;
    if (this.nonblocking) fail(EAGAIN);
    return this.pipe.readWait.waitInterruptible(task, () => this.tryRead(buf));
  }

  override write(buf: Uint8Array, task: Task): Maybe<number> {
    const p = this.pipe;
    const total = buf.length;
    if (total === 0) return 0;
    if (p.readers === 0) return this.brokenPipe(task, 0);
    const packets = (this.flags & O_DIRECT) !== 0;
    let done = 0;
    // A tail shorter than a page goes into the last buffer if it fits there whole: small
    // writes merge, and the rest of a large write stays page-aligned. Only at the start.
    const chars = total % PAGE;
    const last = p.bufs[p.bufs.length - 1];
    if (chars && last && !last.packet && last.offset + last.len + chars <= PAGE) {
      // (the whole buffer as it is when it fits: subarray() of a small array costs ~0.4 µs in V8)
      last.page.set(chars === buf.length ? buf : buf.subarray(0, chars), last.offset + last.len);
      last.len += chars;
      done = chars;
      p.readWait.wake();
      if (done === total) return total;
    }
    // Then whole pages into free buffers: BROKEN once no reader is left, the count when done.
    const step = (): number | undefined => {
      if (p.readers === 0) return BROKEN;
      let moved = false;
      while (!p.full && done < total) {
        const b = p.newBuffer(packets);
        const n = Math.min(PAGE, total - done);
        b.page.set(done === 0 && n === buf.length ? buf : buf.subarray(done, done + n));
        b.len = n;
        done += n;
        moved = true;
      }
      if (moved) p.readWait.wake();
      return done === total ? done : undefined;
    };
    const r = step();
    if (r === BROKEN) return this.brokenPipe(task, done);
    if (r !== undefined) return r;
    if (this.nonblocking) return done > 0 ? done : fail(EAGAIN);
    // Interrupted by a signal, a write reports what it got through (pipe_write). SIGPIPE is
    // raised when the writer resumes, not from inside whoever closed the last read end (which
    // may be another process's exit).
    const w = p.writeWait.waitInterruptible(task, step, () => (done > 0 ? done : -ERESTARTSYS));
    return typeof w === 'number' ? w : w.then((v) => (v === BROKEN ? this.brokenPipe(task, done) : v));
  }

  /**
   * No reader is left: SIGPIPE to the writing thread (send_sig: SI_USER from itself), and EPIPE
   * unless part of the data went through.
   */
  private brokenPipe(task: Task, done: number): number {
    const p = task.process;
    if (task.state !== 'dead') sendSignalInfo(p.kernel, p, task, SIGPIPE, siKill(SIGPIPE, SI_USER, p.pid, p.creds.uid));
    return done > 0 ? done : fail(EPIPE);
  }

  /** pipe_poll: the read end is readable with data and hung up without writers; the write end
   * writable with a free buffer and in error without readers. */
  override poll(): number {
    const p = this.pipe;
    let mask = 0;
    if (this.readable) {
      if (p.bufs.length > 0) mask |= POLLIN | POLLRDNORM;
      if (p.writers === 0) mask |= POLLHUP;
    }
    if (this.writable) {
      if (!p.full) mask |= POLLOUT | POLLWRNORM;
      if (p.readers === 0) mask |= POLLERR;
    }
    return mask;
  }
  override onReady(cb: () => void): () => void {
    if (this.readable && this.writable) { // a FIFO opened O_RDWR: either side may change
      const a = this.pipe.readWait.subscribe(cb), b = this.pipe.writeWait.subscribe(cb);
      return () => { a(); b(); };
    }
    const q = this.readable ? this.pipe.readWait : this.pipe.writeWait;
    return q.subscribe(cb);
  }
  override get pollable(): boolean { return true; }

  override ioctl(req: number, arg: number, task: Task): number {
    if (req !== FIONREAD) return super.ioctl(req, arg, task) as number;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, this.pipe.bytes, true);
    task.process.mm.write(arg, b);
    return 0;
  }

  override stat(): Stat {
    const p = this.pipe;
    return {
      dev: PIPEFS_DEV, ino: BigInt(p.ino), nlink: 1, mode: S_IFIFO | 0o600, uid: p.uid, gid: p.gid,
      rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: p.createdNs, mtimeNs: p.createdNs, ctimeNs: p.createdNs,
    };
  }

  protected override release(): void {
    const p = this.pipe;
    if (this.readable) {
      p.readers--;
      p.writeWait.wake(); // blocked writers now get EPIPE
    }
    if (this.writable) {
      p.writers--;
      p.readWait.wake(); // blocked readers now see EOF
    }
  }
}
