// What every socket is (net/socket.c, struct sock's common part): an open file description whose
// read/write are recv/send with no flags, S_IFSOCK in fstat, readiness through one wait queue
// (sk_wq) that every state change wakes, and the options common to all families (sockopt.ts).
// The families extend it: unix.ts (AF_UNIX), inet.ts (TCP on Node's net), udp.ts (Node's dgram).

import { fail, EAGAIN, EINTR, EOPNOTSUPP, ENOTCONN, EPIPE } from '../abi/errno.js';
import { O_RDWR, O_NONBLOCK } from '../abi/fcntl.js';
import { Stat, S_IFSOCK } from '../abi/stat.js';
import { MSG_DONTWAIT, MSG_NOSIGNAL, SOCK_STREAM, SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD } from '../abi/socket.js';
import { SIGPIPE } from '../abi/signal.js';
import { FIONREAD } from '../abi/ioctl.js';
import { siKill, SI_USER } from '../abi/siginfo.js';
import { sendSignalInfo, hostTimer, ERESTARTSYS } from '../kernel/signals.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { FileDescription, Maybe } from '../vfs/file.js';
import { hostSysctl } from './sysctl.js';
import { ifIoctl, isIfIoctl } from './ifioctl.js';
import { hostErrno } from '../fs/hosterr.js';
import type { SockAddr } from './sockaddr.js';
import type { Task } from '../kernel/task.js';

/** struct ucred: who is at the other end (SO_PEERCRED, SCM_CREDENTIALS). */
export interface Ucred { pid: number; uid: number; gid: number }
/** What cred_to_ucred gives for "nobody known": overflowuid/overflowgid. */
export const NO_CRED: Ucred = { pid: 0, uid: 65534, gid: 65534 };

/** One sendmsg: the bytes, MSG_* flags, a destination, descriptors to pass (SCM_RIGHTS). */
export interface SendMsg { data: Uint8Array; flags: number; to?: SockAddr; rights?: FileDescription[]; cred?: Ucred }
/** One recvmsg: `n` bytes were put in the buffer of a message `size` long (MSG_TRUNC). */
export interface RecvMsg { n: number; size: number; flags: number; from?: SockAddr; rights?: FileDescription[]; cred?: Ucred }

/** How a blocking call waits: which timeout applies, what a signal leaves, on whose queue. */
export interface BlockOptions<T> {
  timeo: 'rcv' | 'snd';
  /** A result for a call that did part of its work before a signal or the timeout. */
  interrupted?: () => T | undefined;
  queue?: WaitQueue;
}

/** A struct timeval option as a timeout in ns; undefined for none (zero means wait forever). */
function timeoutNs(tv: Uint8Array | undefined): bigint | undefined {
  if (!tv) return undefined;
  const dv = new DataView(tv.buffer, tv.byteOffset, 16);
  const sec = dv.getBigInt64(0, true), usec = dv.getBigInt64(8, true);
  if (sec < 0n) return 0n;
  const ns = sec * 1_000_000_000n + usec * 1000n;
  return ns === 0n ? undefined : ns;
}

/** sk_shutdown bits. */
export const RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;

/** st_dev of sockfs (an anonymous device, as /proc/PID/fd shows socket:[ino]). */
const SOCKFS_DEV = 0x8;
let nextIno = 0x20000;

export abstract class Socket extends FileDescription {
  readonly ino = nextIno++;
  /** sk_wq: woken on every change of state, data or room; readers and writers re-check. */
  readonly wait = new WaitQueue();
  /** sk_shutdown: RCV_SHUTDOWN, SEND_SHUTDOWN. */
  shut = 0;
  /** sk_err: a pending error, reported once (SO_ERROR, or the next call). */
  err = 0;
  /** Options Linux only stores (or wasl cannot apply): "level:name" → int value. */
  readonly stored = new Map<string, number>();
  sndbuf: number;
  rcvbuf: number;
  /** Set once setsockopt chose a buffer size (SOCK_SNDBUF_LOCK): no autotuning after. */
  sndbufLocked = false;
  rcvbufLocked = false;
  linger = { on: false, secs: 0 };
  /** SO_RCVTIMEO / SO_SNDTIMEO as given (struct timeval): how long block() waits. */
  readonly timeouts = new Map<number, Uint8Array>();
  readonly createdNs = BigInt(Date.now()) * 1_000_000n;

  constructor(readonly domain: number, readonly type: number, readonly protocol: number, flags: number,
    readonly owner: { uid: number; gid: number }) {
    super(O_RDWR | (flags & O_NONBLOCK), '');
    this.path = `socket:[${this.ino}]`;
    const tcp = type === SOCK_STREAM && domain !== 1;
    this.sndbuf = tcp ? hostSysctl('net/ipv4/tcp_wmem', 16384, 1) : hostSysctl('net/core/wmem_default', 212992);
    this.rcvbuf = tcp ? hostSysctl('net/ipv4/tcp_rmem', 131072, 1) : hostSysctl('net/core/rmem_default', 212992);
  }

  // ---- what the families provide -------------------------------------------------------------
  abstract bind(t: Task, addr: SockAddr): Maybe<number>;
  abstract connect(t: Task, addr: SockAddr): Maybe<number>;
  abstract sendmsg(t: Task, m: SendMsg): Maybe<number>;
  /** Receives into `buf`; `flags` are the MSG_* of the call. */
  abstract recvmsg(t: Task, buf: Uint8Array, flags: number): Maybe<RecvMsg>;
  abstract sockname(): SockAddr;
  peername(): SockAddr { return fail(ENOTCONN); }
  listen(_t: Task, _backlog: number): Maybe<number> { return fail(EOPNOTSUPP); }
  accept(_t: Task, _flags: number): Maybe<Socket> { return fail(EOPNOTSUPP); }
  shutdown(_t: Task, _how: number): number { return fail(ENOTCONN); }
  /** Whether it has a local address (IPV6_V6ONLY can no longer change). */
  get bound(): boolean { return false; }
  /** SO_ACCEPTCONN. */
  get listening(): boolean { return false; }
  /** SO_PEERCRED. */
  peerCred(): Ucred { return NO_CRED; }
  /** Bytes a read would find (SIOCINQ = FIONREAD): a datagram socket's next datagram. */
  inq(): number { return 0; }
  /** A family's own reaction to an option being set (TCP_NODELAY onto Node …). */
  applyOption(_level: number, _name: number, _value: number): void {}

  // ---- the file side ---------------------------------------------------------------------------
  override read(buf: Uint8Array, t: Task): Maybe<number> {
    const r = this.recvmsg(t, buf, 0);
    return r instanceof Promise ? r.then((m) => m.n) : r.n;
  }
  override write(buf: Uint8Array, t: Task): Maybe<number> { return this.sendmsg(t, { data: buf, flags: 0 }); }
  override onReady(cb: () => void): () => void { return this.wait.subscribe(cb); }
  /** FIONREAD (SIOCINQ) and the interface requests (ifioctl.ts); others are the default ENOTTY. */
  override ioctl(req: number, arg: number, t: Task): Maybe<number> {
    if (isIfIoctl(req)) return ifIoctl(t, this.domain, req, arg);
    if (req !== FIONREAD) return super.ioctl(req, arg, t);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, this.inq(), true);
    t.process.mm.write(arg, b);
    return 0;
  }
  override get pollable(): boolean { return true; }
  override stat(): Stat {
    return {
      dev: SOCKFS_DEV, ino: BigInt(this.ino), nlink: 1, mode: S_IFSOCK | 0o777, uid: this.owner.uid, gid: this.owner.gid,
      rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: this.createdNs, mtimeNs: this.createdNs, ctimeNs: this.createdNs,
    };
  }

  // ---- helpers for the families ----------------------------------------------------------------
  /** Takes the pending error (sock_error). */
  takeError(): number { const e = this.err; this.err = 0; return e; }

  /**
   * The blocking pattern of every socket call: `attempt` returns a result or undefined (must
   * wait); a non-blocking socket or MSG_DONTWAIT then fails with EAGAIN, a blocking one parks on
   * the wait queue (`queue`, by default its own). `interrupted` is what a signal makes of it
   * (default −ERESTARTSYS).
   */
  block<T>(t: Task, flags: number, attempt: () => T | undefined, o: BlockOptions<T>): Maybe<T> {
    const r = attempt();
    if (r !== undefined) return r;
    if (this.nonblocking || (flags & MSG_DONTWAIT)) fail(EAGAIN);
    const queue = o.queue ?? this.wait;
    const timeo = timeoutNs(this.timeouts.get(o.timeo === 'rcv' ? SO_RCVTIMEO_OLD : SO_SNDTIMEO_OLD));
    let value: T | undefined;
    let timedOut = false;
    // SO_RCVTIMEO / SO_SNDTIMEO: the wait ends with what was done, or EAGAIN (sock_rcvtimeo).
    const cancelTimer = timeo === undefined ? undefined : hostTimer(timeo, () => { timedOut = true; queue.wake(); });
    // An attempt may wake this very queue (a datagram sent to itself): no re-entry meanwhile.
    let busy = false;
    const p = queue.waitInterruptible(t, () => {
      if (busy) return undefined;
      busy = true;
      try { value = attempt(); } finally { busy = false; }
      if (value === undefined && timedOut) {
        value = o.interrupted?.();
        if (value === undefined) fail(EAGAIN);
      }
      return value === undefined ? undefined : 0;
    }, () => {
      value = o.interrupted?.();
      // With a timeout a signal gives EINTR, never a restart (sock_intr_errno).
      return value === undefined ? (timeo === undefined ? -ERESTARTSYS : -EINTR) : 0;
    });
    const done = (code: number): T => {
      cancelTimer?.();
      // −ERESTARTSYS travels as a LinuxError: dispatch turns it into the result the signal
      // code expects.
      if (code < 0) fail(-code);
      return value as T;
    };
    return typeof p === 'number' ? done(p) : p.then(done, (e) => { cancelTimer?.(); throw e; });
  }

  /** A send on a broken connection: SIGPIPE unless MSG_NOSIGNAL, and EPIPE. */
  brokenPipe(t: Task, flags: number): never {
    if (!(flags & MSG_NOSIGNAL) && t.state !== 'dead') {
      const p = t.process;
      sendSignalInfo(p.kernel, p, t, SIGPIPE, siKill(SIGPIPE, SI_USER, p.pid, p.creds.uid));
    }
    return fail(EPIPE);
  }
}

/** A host error (Node's, libuv's) as the LinuxError a syscall fails with. */
export function linuxError(e: unknown): Error {
  const errno = hostErrno(e);
  try { fail(errno); } catch (x) { return x as Error; }
  return new Error(String(e));
}
