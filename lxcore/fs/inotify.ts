// inotify(7): watches on inodes (by st_dev and st_ino) and the descriptor their events are read
// from. Events come from the syscalls that change files inside the instance
// (lxcore/syscalls/sys_inotify.ts wraps them); changes made by host processes are not seen.

import { fail, EAGAIN, EINVAL } from '../abi/errno.js';
import { O_RDONLY, O_NONBLOCK } from '../abi/fcntl.js';
import { POLLIN, POLLRDNORM } from '../abi/poll.js';
import { FIONREAD } from '../abi/ioctl.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { FileDescription, Maybe } from '../vfs/file.js';
import type { Stat } from '../abi/stat.js';
import type { Task } from '../kernel/task.js';

export const IN_ACCESS = 0x1, IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_CLOSE_WRITE = 0x8, IN_CLOSE_NOWRITE = 0x10,
  IN_OPEN = 0x20, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80, IN_CREATE = 0x100, IN_DELETE = 0x200,
  IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800, IN_UNMOUNT = 0x2000, IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000,
  IN_ONLYDIR = 0x01000000, IN_DONT_FOLLOW = 0x02000000, IN_EXCL_UNLINK = 0x04000000, IN_MASK_CREATE = 0x10000000,
  IN_MASK_ADD = 0x20000000, IN_ISDIR = 0x40000000, IN_ONESHOT = 0x80000000;
export const IN_ALL_EVENTS = 0xfff;
/** The bits inotify_add_watch accepts (ALL_INOTIFY_BITS). */
export const ALL_INOTIFY_BITS = IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW |
  IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT;
/** /proc/sys/fs/inotify/max_queued_events. */
export const MAX_QUEUED_EVENTS = 16384;

export interface Watch { ino: InotifyFile; wd: number; mask: number; key: string }

/** Watches by inode key ("dev:ino"), for every inotify instance. */
const byKey = new Map<string, Set<Watch>>();

/** Whether anything is watched (the syscalls' hooks cost nothing otherwise). */
export const watching = (): boolean => byKey.size > 0;
export const watched = (key: string): boolean => byKey.has(key);

let nextCookie = 1;
/** A fresh cookie tying IN_MOVED_FROM to its IN_MOVED_TO. */
export const newCookie = (): number => nextCookie++ >>> 0;

/**
 * Queues `mask` for the watches on `key`: with `name`, the event of a child of a watched
 * directory; without, of the watched inode itself.
 */
export function notify(key: string, mask: number, name = '', cookie = 0): void {
  const set = byKey.get(key);
  if (!set) return;
  for (const w of [...set]) {
    const m = mask & w.mask & IN_ALL_EVENTS;
    if (!m) continue;
    w.ino.queue(w.wd, (mask & IN_ISDIR) | m, cookie, name);
    if (w.mask & IN_ONESHOT) w.ino.remove(w);
  }
}

/** The inode behind `key` is gone (IN_DELETE_SELF was sent): its watches end with IN_IGNORED. */
export function gone(key: string): void {
  const set = byKey.get(key);
  if (!set) return;
  for (const w of [...set]) w.ino.remove(w);
}

export class InotifyFile extends FileDescription {
  private readonly events: Uint8Array[] = [];
  private bytes = 0;
  private readonly wait = new WaitQueue();
  private readonly watches = new Map<number, Watch>();
  private nextWd = 1;

  constructor(nonblock: boolean) {
    super(O_RDONLY | (nonblock ? O_NONBLOCK : 0), 'anon_inode:inotify');
  }

  /** inotify_add_watch on the inode `key`: the watch descriptor (the same one for the same inode). */
  addWatch(key: string, mask: number): number {
    for (const w of this.watches.values()) {
      if (w.key !== key) continue;
      if (mask & IN_MASK_CREATE) fail(17); // EEXIST
      w.mask = (mask & IN_MASK_ADD) ? w.mask | (mask & ~IN_MASK_ADD) : mask;
      return w.wd;
    }
    const w: Watch = { ino: this, wd: this.nextWd++, mask: mask & ~(IN_MASK_ADD | IN_MASK_CREATE), key };
    this.watches.set(w.wd, w);
    let set = byKey.get(key);
    if (!set) byKey.set(key, set = new Set());
    set.add(w);
    return w.wd;
  }

  rmWatch(wd: number): void {
    const w = this.watches.get(wd);
    if (!w) fail(EINVAL);
    this.remove(w);
  }

  /** Ends a watch: IN_IGNORED is queued for it. */
  remove(w: Watch): void {
    if (!this.watches.delete(w.wd)) return;
    const set = byKey.get(w.key);
    set?.delete(w);
    if (set?.size === 0) byKey.delete(w.key);
    this.queue(w.wd, IN_IGNORED, 0, '');
  }

  /** struct inotify_event, the name NUL-padded to a multiple of 16 bytes; merged with an identical last event. */
  queue(wd: number, mask: number, cookie: number, name: string): void {
    const nb = Buffer.from(name);
    const len = name ? Math.ceil((nb.length + 1) / 16) * 16 : 0;
    const ev = new Uint8Array(16 + len);
    const dv = new DataView(ev.buffer);
    dv.setInt32(0, wd, true);
    dv.setUint32(4, mask >>> 0, true);
    dv.setUint32(8, cookie >>> 0, true);
    dv.setUint32(12, len, true);
    ev.set(nb, 16);
    const last = this.events[this.events.length - 1];
    if (last && last.length === ev.length && last.every((b, i) => b === ev[i])) return; // inotify_merge
    if (this.events.length >= MAX_QUEUED_EVENTS) {
      if (last && new DataView(last.buffer).getUint32(4, true) === IN_Q_OVERFLOW) return;
      const o = new Uint8Array(16);
      new DataView(o.buffer).setInt32(0, -1, true);
      new DataView(o.buffer).setUint32(4, IN_Q_OVERFLOW, true);
      this.events.push(o);
      this.bytes += 16;
    } else {
      this.events.push(ev);
      this.bytes += ev.length;
    }
    this.wait.wake();
  }

  /** Whole events that fit; EINVAL if not even the first does. */
  override read(buf: Uint8Array, t: Task): Maybe<number> {
    const take = (): number | undefined => {
      if (this.events.length === 0) return undefined;
      if (this.events[0].length > buf.length) fail(EINVAL);
      let n = 0;
      while (this.events.length && n + this.events[0].length <= buf.length) {
        const e = this.events.shift()!;
        buf.set(e, n);
        n += e.length;
        this.bytes -= e.length;
      }
      return n;
    };
    const r = take();
    if (r !== undefined) return r;
    if (this.nonblocking) fail(EAGAIN);
    return this.wait.waitInterruptible(t, take);
  }

  override poll(): number { return this.events.length ? POLLIN | POLLRDNORM : 0; }
  override onReady(cb: () => void): () => void { return this.wait.subscribe(cb); }
  override get pollable(): boolean { return true; }

  override ioctl(req: number, arg: number, task: Task): number {
    if (req !== FIONREAD) return super.ioctl(req, arg, task) as number;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, this.bytes, true);
    task.process.mm.write(arg, b);
    return 0;
  }

  override stat(): Stat {
    return { dev: 14, ino: 1n, nlink: 1, mode: 0o600, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n };
  }

  protected override release(): void {
    for (const w of [...this.watches.values()]) {
      const set = byKey.get(w.key);
      set?.delete(w);
      if (set?.size === 0) byKey.delete(w.key);
    }
    this.watches.clear();
  }
}
