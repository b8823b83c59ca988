// copy_file_range(2), splice(2), tee(2): moving bytes between descriptors without a trip
// through guest memory (sendfile(2) is in sys_pipe.ts). wasl copies through a buffer of its own;
// what the guest sees — counts, offsets, errors, blocking — is Linux's.

import { fail, EAGAIN, EBADF, EINVAL, EISDIR, ESPIPE, EOVERFLOW } from '../abi/errno.js';
import { O_NONBLOCK } from '../abi/fcntl.js';
import { S_IFMT, S_IFREG, S_IFDIR } from '../abi/stat.js';
import { PipeEnd, PIPE_SIZE } from '../fs/pipe.js';
import type { FileDescription, Maybe } from '../vfs/file.js';
import type { Task } from '../kernel/task.js';

/** Linux's MAX_RW_COUNT: one call moves at most this much. */
const MAX_RW_COUNT = 0x7ffff000;
/** wasl moves at most this much per copy_file_range (a short count is legal, callers loop). */
const CHUNK = 1 << 20;
const SPLICE_F_MOVE = 1, SPLICE_F_NONBLOCK = 2, SPLICE_F_MORE = 4, SPLICE_F_GIFT = 8;
const SPLICE_F_ALL = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT;

/** An loff_t argument: null for a NULL pointer; a negative offset is `negative` (an errno). */
function readOff(t: Task, addr: number, negative = EINVAL): number | null {
  if (addr === 0) return null;
  const v = t.process.mm.readU64(addr);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(negative);
  return Number(v);
}
function writeOff(t: Task, addr: number, v: number): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  t.process.mm.write(addr, b);
}

/** A size_t count: at most MAX_RW_COUNT (a huge one arrives negative). */
const clamp = (len: number) => (len < 0 || len > MAX_RW_COUNT ? MAX_RW_COUNT : len);

const typeOf = (f: FileDescription) => f.stat().mode & S_IFMT;

/**
 * copy_file_range(fd_in, off_in, fd_out, off_out, len, flags): between regular files; EBADF for
 * a descriptor not open for the direction or an O_APPEND destination, EISDIR for a directory,
 * EINVAL for other types, flags, negative offsets and an overlapping range of one file.
 */
export function sysCopyFileRange(t: Task, fdIn: number, offInAddr: number, fdOut: number, offOutAddr: number, len: number, flags: number): number {
  if (flags !== 0) fail(EINVAL);
  const fds = t.process.fds;
  const src = fds.get(fdIn | 0), dst = fds.get(fdOut | 0);
  // A negative offset overflows the range check (generic_copy_file_checks: EOVERFLOW).
  const offIn = readOff(t, offInAddr, EOVERFLOW), offOut = readOff(t, offOutAddr, EOVERFLOW);
  if (!src.readable || !dst.writable || dst.append) fail(EBADF);
  const ts = typeOf(src), td = typeOf(dst);
  if (ts === S_IFDIR || td === S_IFDIR) fail(EISDIR);
  if (ts !== S_IFREG || td !== S_IFREG) fail(EINVAL);
  let pin = offIn ?? src.pos, pout = offOut ?? dst.pos;
  const a = src.stat(), b = dst.stat();
  const count = clamp(len);
  // One file, overlapping ranges (generic_copy_file_checks).
  if (a.dev === b.dev && a.ino === b.ino && pout + count > pin && pin + count > pout) fail(EINVAL);
  if (count === 0) return 0;
  let done = 0;
  const buf = new Uint8Array(Math.min(count, CHUNK));
  while (done < count) {
    const want = Math.min(buf.length, count - done);
    const got = src.pread(buf.subarray(0, want), pin);
    if (got === 0) break;
    // Without off_out the bytes go where write(2) would put them: for a descriptor inherited
    // from the host (stdout redirected to a file) that is the host's shared offset, which
    // dst.pos does not track, so a pwrite at dst.pos would overwrite what was written before.
    const put = offOut === null ? dst.write(buf.subarray(0, got), t) as number : dst.pwrite(buf.subarray(0, got), pout);
    pin += got; pout += put; done += put;
    if (put < got || done >= CHUNK) break;
  }
  if (offIn === null) src.pos = pin; else writeOff(t, offInAddr, pin);
  if (offOut !== null) writeOff(t, offOutAddr, pout); // else write() has moved the position
  return done;
}

/** Runs `fn` with the pipe end non-blocking if SPLICE_F_NONBLOCK asks it (it then never waits). */
function withFlags<T>(f: FileDescription, nonblock: boolean, fn: () => T): T {
  if (!nonblock || f.nonblocking) return fn();
  f.flags |= O_NONBLOCK;
  try { return fn(); } finally { f.flags &= ~O_NONBLOCK; }
}

/**
 * splice(fd_in, off_in, fd_out, off_out, len, flags): one side at least is a pipe (EINVAL
 * otherwise); a pipe side takes no offset (ESPIPE); the other side is a regular file read or
 * written at its position or at *off. Pipe to pipe moves the bytes.
 */
export function sysSplice(t: Task, fdIn: number, offInAddr: number, fdOut: number, offOutAddr: number, len: number, flags: number): Maybe<number> {
  if (len === 0) return 0;
  if (flags & ~SPLICE_F_ALL) fail(EINVAL);
  const fds = t.process.fds;
  const src = fds.get(fdIn | 0);
  const dst = fds.get(fdOut | 0);
  if (!src.readable || !dst.writable) fail(EBADF);
  const nonblock = (flags & SPLICE_F_NONBLOCK) !== 0;
  const inPipe = src instanceof PipeEnd, outPipe = dst instanceof PipeEnd;
  const count = clamp(len);
  if (inPipe && outPipe) {
    if (offInAddr || offOutAddr) fail(ESPIPE);
    if (src.pipe === dst.pipe) fail(EINVAL);
    // Bytes wait for room: only as many as the output has room for now, or it must wait.
    const buf = new Uint8Array(Math.min(count, PIPE_SIZE));
    if (dst.pipe.full && (nonblock || dst.nonblocking)) fail(EAGAIN);
    const got = withFlags(src, nonblock, () => src.read(buf, t));
    return then(got, (n) => (n === 0 ? 0 : withFlags(dst, nonblock, () => dst.write(buf.subarray(0, n), t))));
  }
  if (inPipe) {
    if (offInAddr) fail(ESPIPE);
    const t2 = typeOf(dst);
    if (t2 !== S_IFREG) fail(EINVAL); // wasl splices pipes to regular files only (quirks.md)
    if (dst.append) fail(EINVAL);
    const off = readOff(t, offOutAddr);
    const buf = new Uint8Array(Math.min(count, PIPE_SIZE));
    const got = withFlags(src, nonblock, () => src.read(buf, t));
    return then(got, (n) => {
      if (n === 0) return 0;
      const at = off ?? dst.pos;
      const w = dst.pwrite(buf.subarray(0, n), at);
      if (off === null) dst.pos = at + w; else writeOff(t, offOutAddr, at + w);
      return w;
    });
  }
  if (outPipe) {
    if (offOutAddr) fail(ESPIPE);
    const t1 = typeOf(src);
    if (t1 !== S_IFREG) fail(EINVAL);
    const off = readOff(t, offInAddr);
    if (dst.pipe.full && (nonblock || dst.nonblocking)) fail(EAGAIN);
    if (dst.pipe.readers === 0) return dst.write(new Uint8Array(1), t); // SIGPIPE and EPIPE, nothing read
    const buf = new Uint8Array(Math.min(count, dst.pipe.size - dst.pipe.bytes || dst.pipe.size));
    const at = off ?? src.pos;
    const n = src.pread(buf, at);
    if (n === 0) return 0;
    const done = (w: number) => {
      if (off === null) src.pos = at + w; else writeOff(t, offInAddr, at + w);
      return w;
    };
    return then(withFlags(dst, nonblock, () => dst.write(buf.subarray(0, n), t)), done);
  }
  return fail(EINVAL);
}

/**
 * tee(fd_in, fd_out, len, flags): copies up to len bytes from one pipe to another without
 * consuming them; both must be pipes, and not the same one (EINVAL). Waits for data in the
 * input (0 once it is empty with no writers) and for room in the output.
 */
export function sysTee(t: Task, fdIn: number, fdOut: number, len: number, flags: number): Maybe<number> {
  if (flags & ~SPLICE_F_ALL) fail(EINVAL);
  if (len === 0) return 0;
  const fds = t.process.fds;
  const src = fds.get(fdIn | 0), dst = fds.get(fdOut | 0);
  if (!src.readable || !dst.writable) fail(EBADF);
  if (!(src instanceof PipeEnd) || !(dst instanceof PipeEnd) || src.pipe === dst.pipe) fail(EINVAL);
  const nonblock = (flags & SPLICE_F_NONBLOCK) !== 0;
  const count = clamp(len);
  const copy = (): Maybe<number> => {
    const bytes = src.pipe.peek(Math.min(count, PIPE_SIZE));
    if (bytes.length === 0) return 0;
    if (dst.pipe.full && nonblock) fail(EAGAIN);
    return withFlags(dst, nonblock, () => dst.write(bytes, t));
  };
  if (src.pipe.bufs.length > 0) return copy();
  if (src.pipe.writers === 0) return 0;
  if (nonblock || src.nonblocking) fail(EAGAIN);
  const p = src.pipe;
  return then(p.readWait.waitInterruptible(t, () => (p.bufs.length > 0 ? 1 : p.writers === 0 ? 0 : undefined)), (ok) => (ok ? copy() : 0));
}

function then(v: Maybe<number>, f: (n: number) => Maybe<number>): Maybe<number> {
  return typeof v === 'number' ? f(v) : v.then(f);
}
