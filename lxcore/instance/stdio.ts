// A process's stdio as Node streams (child_process's 'pipe'): each is an lxcore pipe whose other
// end the host holds. The guest sees an ordinary pipe (fstat says S_IFIFO, EOF and SIGPIPE as
// usual); the host end is drained into a Readable, or filled from a Writable, outside any task.

import { Readable, Writable } from 'node:stream';
import { Pipe, PipeEnd } from '../fs/pipe.js';
import { O_RDONLY, O_WRONLY } from '../abi/fcntl.js';

const PAGE = 4096;

/** A pipe the guest writes (its fd 1 or 2) and `stream` reads; the stream ends at the pipe's EOF. */
export function guestOutput(uid: number, gid: number): { end: PipeEnd; stream: Readable } {
  const pipe = new Pipe(uid, gid);
  const hostEnd = new PipeEnd(pipe, O_RDONLY);
  const end = new PipeEnd(pipe, O_WRONLY);
  let scheduled = false, paused = false, ended = false;
  const drain = () => {
    scheduled = false;
    if (ended) return;
    let freed = false;
    while (pipe.bufs.length > 0 && !paused) {
      const b = pipe.bufs[0];
      const chunk = Buffer.from(b.page.subarray(b.offset, b.offset + b.len));
      pipe.dropFirst();
      freed = true;
      if (!stream.push(chunk)) paused = true;
    }
    if (freed) pipe.writeWait.wake();
    if (pipe.bufs.length === 0 && pipe.writers === 0) {
      ended = true;
      unsubscribe();
      hostEnd.unref();
      stream.push(null);
    }
  };
  // Woken from inside the guest's write: the bytes are taken afterwards, not in the middle of it.
  const schedule = () => { if (!scheduled) { scheduled = true; queueMicrotask(drain); } };
  const stream = new Readable({ read() { paused = false; schedule(); } });
  const unsubscribe = pipe.readWait.subscribe(schedule);
  return { end, stream };
}

/**
 * A pipe the guest reads (its fd 0) and `stream` writes. Writes wait while the pipe is full;
 * once no reader is left, what is written is dropped (the guest closed its stdin: a host-side
 * EPIPE would be an 'error' event nobody may be listening for). end() is EOF for the guest.
 */
export function guestInput(uid: number, gid: number): { end: PipeEnd; stream: Writable } {
  const pipe = new Pipe(uid, gid);
  const end = new PipeEnd(pipe, O_RDONLY);
  const hostEnd = new PipeEnd(pipe, O_WRONLY);
  const put = (data: Buffer, done: () => void) => {
    let off = 0;
    const step = (): boolean => {
      if (pipe.readers === 0) return true;
      let moved = false;
      while (off < data.length && pipe.bufs.length < pipe.slots) {
        const b = pipe.newBuffer(false);
        const n = Math.min(PAGE, data.length - off);
        b.page.set(data.subarray(off, off + n));
        b.len = n;
        off += n;
        moved = true;
      }
      if (moved) pipe.readWait.wake();
      return off === data.length;
    };
    if (step()) { done(); return; }
    let finished = false;
    const unsubscribe = pipe.writeWait.subscribe(() => {
      queueMicrotask(() => {
        if (finished || !step()) return;
        finished = true;
        unsubscribe();
        done();
      });
    });
  };
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) { put(chunk, () => cb()); },
    final(cb) { hostEnd.unref(); cb(); },
    destroy(err, cb) { if (!hostEnd.released) hostEnd.unref(); cb(err); },
  });
  return { end, stream };
}
