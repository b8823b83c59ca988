// epoll(7) (fs/eventpoll.c): an interest list of (fd, open file description) pairs and the
// events each wants. Level-triggered items are reported while their file is ready; an EPOLLET
// item only after a wake-up of its file since it was last reported (wasl's wake-ups can be
// spurious where Linux's carry an event key, so an edge may be reported that Linux would not
// report, never the reverse); EPOLLONESHOT disables an item once reported, until EPOLL_CTL_MOD.
// The epoll description is pollable itself (readable while an item is ready), so epolls nest.

import { fail, EEXIST, ENOENT, EINVAL, ELOOP } from '../abi/errno.js';
import { O_RDWR } from '../abi/fcntl.js';
import {
  POLLIN, POLLRDNORM, EPOLLERR, EPOLLHUP, EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE, EPOLLWAKEUP,
  EPOLLIN, EPOLLOUT,
} from '../abi/poll.js';
import { FileDescription } from '../vfs/file.js';
import type { Stat } from '../abi/stat.js';
import type { Task } from '../kernel/task.js';

/** The bits that only steer epoll itself (EP_PRIVATE_BITS): a disabled ONESHOT item keeps them. */
const EP_PRIVATE_BITS = (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE) >>> 0;
/** What EPOLLEXCLUSIVE may be combined with (EPOLLEXCLUSIVE_OK_BITS). */
const EXCLUSIVE_OK = (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE) >>> 0;
/** Nesting depth limit (EP_MAX_NESTS). */
const MAX_NESTS = 4;

interface Item {
  fd: number;
  file: FileDescription;
  events: number;
  data: bigint;
  /** A wake-up of the file since the item was last reported (EPOLLET). */
  edge: boolean;
  unsubscribe: () => void;
}

export interface EpollEvent { events: number; data: bigint }

export class Epoll extends FileDescription {
  /** In insertion order; keyed by (description, fd) as epitem's ffd is. */
  private readonly items: Item[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(flags = 0) {
    super(O_RDWR | flags, 'anon_inode:[eventpoll]');
  }

  private find(fd: number, file: FileDescription): Item | undefined {
    return this.items.find((i) => i.fd === fd && i.file === file);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Whether `target` (an epoll) reaches this one through its interest lists, or nests too deep. */
  private static loops(target: Epoll, self: Epoll, depth: number): boolean {
    if (target === self || depth > MAX_NESTS) return true;
    return target.items.some((i) => i.file instanceof Epoll && Epoll.loops(i.file, self, depth + 1));
  }

  add(t: Task, fd: number, file: FileDescription, events: number, data: bigint): void {
    if (file === this) fail(EINVAL);
    if (events & EPOLLEXCLUSIVE && (file instanceof Epoll || (events & ~EXCLUSIVE_OK))) fail(EINVAL);
    if (this.find(fd, file)) fail(EEXIST);
    if (file instanceof Epoll && Epoll.loops(file, this, 1)) fail(ELOOP);
    const item: Item = { fd, file, events: (events | EPOLLERR | EPOLLHUP) >>> 0, data, edge: true, unsubscribe: () => {} };
    item.unsubscribe = file.onReady(() => { item.edge = true; this.notify(); }, t);
    this.items.push(item);
    this.notify();
  }

  modify(fd: number, file: FileDescription, events: number, data: bigint): void {
    const item = this.find(fd, file);
    if (!item) fail(ENOENT);
    if (events & EPOLLEXCLUSIVE || item.events & EPOLLEXCLUSIVE) fail(EINVAL);
    item.events = (events | EPOLLERR | EPOLLHUP) >>> 0;
    item.data = data;
    item.edge = true; // ep_modify re-polls: a ready file is queued again
    this.notify();
  }

  remove(fd: number, file: FileDescription): void {
    const item = this.find(fd, file);
    if (!item) fail(ENOENT);
    item.unsubscribe();
    this.items.splice(this.items.indexOf(item), 1);
  }

  /** What item `i` would report now (0 if nothing), without consuming its edge. */
  private revents(i: Item, t: Task): number {
    if (!(i.events & ~EP_PRIVATE_BITS)) return 0; // a disabled ONESHOT item
    if (i.events & EPOLLET && !i.edge) return 0;
    return (i.file.poll(t) & i.events & ~EP_PRIVATE_BITS) >>> 0;
  }

  /** Drops items whose file has been closed everywhere (eventpoll_release). */
  private prune(): void {
    for (let k = this.items.length - 1; k >= 0; k--) {
      const i = this.items[k];
      if (i.file.released) { i.unsubscribe(); this.items.splice(k, 1); }
    }
  }

  /** ep_send_events: up to `max` ready events, consuming edges and disabling ONESHOT items. */
  collect(t: Task, max: number): EpollEvent[] {
    this.prune();
    const out: EpollEvent[] = [];
    for (const i of this.items) {
      if (out.length >= max) break;
      const ev = this.revents(i, t);
      if (i.events & EPOLLET) i.edge = false;
      if (!ev) continue;
      out.push({ events: ev, data: i.data });
      if (i.events & EPOLLONESHOT) i.events = (i.events & EP_PRIVATE_BITS) >>> 0;
    }
    return out;
  }

  /** Whether epoll_wait would report something now. */
  hasReady(t: Task): boolean {
    this.prune();
    return this.items.some((i) => this.revents(i, t) !== 0);
  }

  override poll(t: Task): number { return this.hasReady(t) ? POLLIN | POLLRDNORM : 0; }
  override onReady(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => { this.listeners.delete(cb); };
  }
  override get pollable(): boolean { return true; }

  override stat(): Stat {
    return {
      dev: 14, ino: 1n, nlink: 1, mode: 0o600, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096,
      blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }

  protected override release(): void {
    for (const i of this.items) i.unsubscribe();
    this.items.length = 0;
  }
}

