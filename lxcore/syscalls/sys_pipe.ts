// pipe(2), pipe2(2), and sendfile(2) — the call that moves a file's bytes to another descriptor
// without a trip through user memory (busybox cat uses it, and falls back to read/write when it
// fails). Pipes themselves live in lxcore/fs/pipe.ts.

import { fail, EBADF, EINVAL } from '../abi/errno.js';
import { O_CLOEXEC, O_NONBLOCK, O_DIRECT } from '../abi/fcntl.js';
import { S_IFMT, S_IFREG } from '../abi/stat.js';
import { PipeEnd, PIPE_SIZE } from '../fs/pipe.js';
import type { Task } from '../kernel/task.js';
import type { Maybe } from '../vfs/file.js';

/** O_NOTIFICATION_PIPE (= O_EXCL): watch-queue pipes, which need CONFIG_WATCH_QUEUE. */
const O_NOTIFICATION_PIPE = 0o200;

/** pipe2(pipefd, flags): fds[0] reads, fds[1] writes. */
export function sysPipe2(t: Task, fdsAddr: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE)) fail(EINVAL);
  // Watch queues are not implemented: refused rather than silently ignored.
  if (flags & O_NOTIFICATION_PIPE) fail(EINVAL);
  const [r, w] = PipeEnd.create(t, flags & (O_NONBLOCK | O_DIRECT));
  const fds = t.process.fds;
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const rfd = fds.install(r, cloexec);
  let wfd: number;
  try {
    wfd = fds.install(w, cloexec);
  } catch (e) {
    fds.close(rfd);
    throw e;
  }
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, rfd, true);
  dv.setInt32(4, wfd, true);
  try {
    t.process.mm.write(fdsAddr, out);
  } catch (e) {
    fds.close(rfd); // do_pipe2 undoes both on EFAULT
    fds.close(wfd);
    throw e;
  }
  return 0;
}

export function sysPipe(t: Task, fdsAddr: number): number {
  return sysPipe2(t, fdsAddr, 0);
}

/** Linux's MAX_RW_COUNT; one sendfile moves at most this much. */
const MAX_RW_COUNT = 0x7ffff000;
/** wasl moves at most this much per call (a short count is legal, and callers loop). */
const CHUNK = 1 << 20;

/**
 * sendfile(out_fd, in_fd, offset, count): in_fd must be a regular file (Linux needs
 * splice_read: pipes and terminals fail with EINVAL); out_fd anything writable, but not
 * O_APPEND unless it is a pipe. With `offset`, reading starts there and *offset is advanced
 * instead of in_fd's own position.
 */
export function sysSendfile(t: Task, outFd: number, inFd: number, offPtr: number, count: number): Maybe<number> {
  const fds = t.process.fds;
  const src = fds.get(inFd | 0);
  if (!src.readable) fail(EBADF);
  let pos = -1;
  if (offPtr) {
    pos = Number(t.process.mm.readU64(offPtr));
    if (pos < 0 || pos > Number.MAX_SAFE_INTEGER) fail(EINVAL);
  }
  const dst = fds.get(outFd | 0);
  if (!dst.writable) fail(EBADF);
  if (count < 0) fail(EINVAL);
  if (!(dst instanceof PipeEnd) && dst.append) fail(EINVAL);
  if ((src.stat().mode & S_IFMT) !== S_IFREG) fail(EINVAL);
  const n = Math.min(count, MAX_RW_COUNT, dst instanceof PipeEnd ? PIPE_SIZE : CHUNK);
  if (n === 0) return 0;
  const data = new Uint8Array(n);
  // Regular files read synchronously; a promise here would be a description's own choice.
  const got = offPtr ? src.pread(data, pos) : src.read(data, t);
  const send = (m: number): Maybe<number> => {
    if (m === 0) return 0;
    let w: Maybe<number>;
    try {
      w = dst.write(data.subarray(0, m), t);
    } catch (e) {
      unread(m);
      throw e;
    }
    return typeof w === 'number' ? finish(m, w) : w.then((x) => finish(m, x), (e) => { unread(m); throw e; });
  };
  // What was read but not written goes back to the file (only its own position can).
  const unread = (m: number) => {
    if (!offPtr) { try { src.lseek(-m, 1 /* SEEK_CUR */); } catch { /* cannot seek: lost, as with read+write */ } }
  };
  const finish = (m: number, w: number): number => {
    if (w < m) unread(m - w);
    if (offPtr) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(pos + w), true);
      t.process.mm.write(offPtr, b);
    }
    return w;
  };
  return typeof got === 'number' ? send(got) : got.then(send);
}

