// AF_UNIX sockets inside one wasl instance (unix(7), net/unix/af_unix.c): stream, seqpacket and
// datagram; socketpair; abstract names and filesystem names; descriptors passed with
// SCM_RIGHTS; SO_PEERCRED; shutdown. Both ends live in this kernel, so a send moves the bytes
// straight into the receiver's queue and wakes it — no host object is involved.
//
// Names are kept in a per-kernel table: abstract names by their bytes, filesystem names by the
// (st_dev, st_ino) of the node bind created, which sys_socket.ts makes and finds through the
// VFS (so rename, unlink and rebinding behave as on Linux: the node is the name).

import { fail, EINVAL, EADDRINUSE, ECONNREFUSED, EISCONN, ENOTCONN, EOPNOTSUPP, EPROTOTYPE, EMSGSIZE, EPERM, ECONNRESET, ENOENT } from '../abi/errno.js';
import { AF_UNIX, AF_UNSPEC, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, MSG_PEEK, MSG_TRUNC, MSG_WAITALL, SOMAXCONN, SOL_SOCKET, SO_PASSCRED } from '../abi/socket.js';
import { POLLIN, POLLRDNORM, POLLOUT, POLLWRNORM, POLLWRBAND, POLLHUP, POLLERR, POLLRDHUP } from '../abi/poll.js';
import { Socket, SendMsg, RecvMsg, Ucred, RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK, NO_CRED } from './socket.js';
import { hostSysctl } from './sysctl.js';
import type { SockAddr, UnixAddr } from './sockaddr.js';
import type { FileDescription, Maybe } from '../vfs/file.js';
import type { Task } from '../kernel/task.js';
import type { Kernel } from '../kernel/kernel.js';

/** One queued skb: bytes (partly read for streams), who sent it, what it carries. */
interface Packet { data: Uint8Array; off: number; sender: UnixSocket; from?: UnixAddr; rights?: FileDescription[]; cred: Ucred }

/** Where filesystem names live: sys_socket.ts resolves paths through the VFS for us. */
export interface UnixFsNames {
  /** Creates the socket node (EADDRINUSE if the name exists); returns its key. */
  create(t: Task, path: string): string;
  /** The key of the node at `path` (ENOENT … as a lookup fails). */
  find(t: Task, path: string): string;
  /** Removes a node bind made, when bind fails after making it. */
  remove?(t: Task, path: string): void;
}
let fsNames: UnixFsNames | undefined;
export function setUnixFsNames(n: UnixFsNames): void { fsNames = n; }

const tables = new WeakMap<Kernel, Map<string, UnixSocket>>();
function table(k: Kernel): Map<string, UnixSocket> {
  let m = tables.get(k);
  if (!m) tables.set(k, (m = new Map()));
  return m;
}
const isAbstract = (a: UnixAddr) => a.name.length > 0 && a.name[0] === 0;
const abstractKey = (name: Uint8Array) => `@${Buffer.from(name).toString('hex')}`;
const pathOf = (a: UnixAddr) => Buffer.from(a.name).toString();
const credOf = (t: Task): Ucred => ({ pid: t.process.pid, uid: t.process.creds.euid, gid: t.process.creds.egid });
/** What SCM_CREDENTIALS carries by default: the sender's tgid and real ids (scm_send). */
const scmCredOf = (t: Task): Ucred => ({ pid: t.process.pid, uid: t.process.creds.uid, gid: t.process.creds.gid });

export class UnixSocket extends Socket {
  state: 'unconnected' | 'listening' | 'connected' = 'unconnected';
  /** The other end (streams), or the default destination (datagrams). */
  peer: UnixSocket | null = null;
  addr: UnixAddr | null = null;
  private key: string | null = null;
  readonly rx: Packet[] = [];
  /** Bytes this socket has queued at receivers and not yet read (sk_wmem_alloc). */
  wmem = 0;
  /** Connections waiting for accept (each is the server-side socket, already connected). */
  private readonly backlog: UnixSocket[] = [];
  private maxBacklog = 0;
  /** Who created it, or last listened/connected (sk_peer_cred of the other side). */
  private cred: Ucred;
  private peerCredV: Ucred | null = null;
  dead = false;

  constructor(readonly kernel: Kernel, type: number, flags: number, owner: { uid: number; gid: number }, cred: Ucred) {
    super(AF_UNIX, type, 0, flags, owner);
    this.cred = cred;
  }

  static create(t: Task, type: number, flags: number): UnixSocket {
    return new UnixSocket(t.kernel, type, flags, { uid: t.process.creds.euid, gid: t.process.creds.egid }, credOf(t));
  }

  /** socketpair(2): two connected sockets, each the other's peer, with the caller's credentials. */
  static pair(t: Task, type: number, flags: number): [UnixSocket, UnixSocket] {
    const a = UnixSocket.create(t, type, flags), b = UnixSocket.create(t, type, flags);
    a.peer = b; b.peer = a;
    a.state = b.state = 'connected';
    a.peerCredV = b.peerCredV = credOf(t);
    return [a, b];
  }

  private get connectionBased(): boolean { return this.type !== SOCK_DGRAM; }
  /** SO_PASSCRED: received messages carry SCM_CREDENTIALS. */
  private get passcred(): boolean { return this.stored.get(`${SOL_SOCKET}:${SO_PASSCRED}`) === 1; }
  override get listening(): boolean { return this.state === 'listening'; }
  override peerCred(): Ucred { return this.peerCredV ?? super.peerCred(); }
  override sockname(): SockAddr { return this.addr ?? { family: AF_UNIX, name: new Uint8Array(0) }; }
  override peername(): SockAddr {
    if (!this.peer || (this.connectionBased && this.state !== 'connected')) fail(ENOTCONN);
    return this.peer.addr ?? { family: AF_UNIX, name: new Uint8Array(0) };
  }

  // ---- names -------------------------------------------------------------------------------------
  override bind(t: Task, a: SockAddr): number {
    if (a.family !== AF_UNIX) fail(EINVAL);
    if (this.addr) fail(EINVAL);
    if (a.name.length === 0) { this.autobind(); return 0; }
    const names = table(this.kernel);
    if (isAbstract(a)) {
      const key = abstractKey(a.name);
      if (names.has(key)) fail(EADDRINUSE);
      this.register(key, a);
      return 0;
    }
    if (!fsNames) fail(EOPNOTSUPP);
    this.register(fsNames.create(t, pathOf(a)), a);
    return 0;
  }

  /** unix_autobind: an abstract name of five hex digits. */
  private autobind(): void {
    const names = table(this.kernel);
    for (let n = (Math.random() * 0xfffff) | 0, i = 0; i <= 0xfffff; i++, n = (n + 1) & 0xfffff) {
      const name = Buffer.from('\0' + n.toString(16).padStart(5, '0'));
      const key = abstractKey(name);
      if (!names.has(key)) { this.register(key, { family: AF_UNIX, name }); return; }
    }
    fail(EADDRINUSE);
  }

  private register(key: string, a: UnixAddr): void {
    table(this.kernel).set(key, this);
    this.key = key;
    this.addr = a;
  }

  /** The socket bound to `a` (ECONNREFUSED when nobody is, ENOENT … when the path is missing). */
  private static lookup(t: Task, a: UnixAddr, type: number): UnixSocket {
    const names = table(t.kernel);
    let key: string;
    if (isAbstract(a)) key = abstractKey(a.name);
    else if (a.name.length === 0) return fail(EINVAL);
    else {
      if (!fsNames) fail(ENOENT);
      key = fsNames.find(t, pathOf(a));
    }
    const s = names.get(key);
    if (!s || s.dead) fail(ECONNREFUSED);
    // A socket of another type: an abstract name does not match it at all, a path names it.
    if (s.type !== type) fail(isAbstract(a) ? ECONNREFUSED : EPROTOTYPE);
    return s;
  }

  // ---- connections ---------------------------------------------------------------------------------
  override listen(t: Task, backlog: number): number {
    if (!this.connectionBased) fail(EOPNOTSUPP);
    if (!this.addr || this.state === 'connected') fail(EINVAL);
    this.maxBacklog = Math.min(Math.max(backlog | 0, 0), SOMAXCONN);
    this.cred = credOf(t);
    this.state = 'listening';
    this.wait.wake();
    return 0;
  }

  override connect(t: Task, a: SockAddr): Maybe<number> {
    if (this.passcred && !this.addr && a.family === AF_UNIX) this.autobind();
    if (!this.connectionBased) {
      if (a.family === AF_UNSPEC) { this.peer = null; return 0; }
      if (a.family !== AF_UNIX) fail(EINVAL);
      const target = UnixSocket.lookup(t, a, this.type);
      this.peer = target;
      this.wait.wake();
      return 0;
    }
    if (a.family !== AF_UNIX) fail(EINVAL);
    if (this.state === 'connected') fail(EISCONN);
    if (this.state === 'listening') fail(EINVAL);
    const target = UnixSocket.lookup(t, a, this.type);
    if (target.state !== 'listening') fail(ECONNREFUSED);
    return this.block(t, 0, () => {
      if (this.state === 'connected') return 0;
      if (target.dead || target.state !== 'listening') fail(ECONNREFUSED);
      if (target.backlog.length > target.maxBacklog) return undefined; // unix_recvq_full
      const srv = new UnixSocket(this.kernel, this.type, 0, target.owner, target.cred);
      srv.addr = target.addr;
      srv.peer = this; this.peer = srv;
      srv.state = this.state = 'connected';
      srv.peerCredV = credOf(t);
      this.peerCredV = target.cred;
      target.backlog.push(srv);
      target.wait.wake();
      this.wait.wake();
      return 0;
    }, { timeo: 'snd', queue: target.wait }); // a full backlog gets room when the listener accepts
  }

  /** accept(2): the oldest connection in the backlog, already connected to its client. */
  override accept(t: Task, flags: number): Maybe<Socket> {
    if (this.state !== 'listening') fail(EINVAL);
    return this.block(t, flags, () => {
      const s = this.backlog.shift();
      if (s) this.wait.wake(); // connects waiting for room in the backlog
      return s;
    }, { timeo: 'rcv' });
  }

  override shutdown(_t: Task, how: number): number {
    if (how < 0 || how > 2) fail(EINVAL);
    const mode = how + 1; // SHUT_RD → RCV_SHUTDOWN, SHUT_WR → SEND_SHUTDOWN
    this.shut |= mode;
    const p = this.peer;
    if (p && this.connectionBased) {
      p.shut |= ((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) | ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0);
      p.wait.wake();
    }
    this.wait.wake();
    return 0;
  }

  // ---- data ------------------------------------------------------------------------------------------
  override sendmsg(t: Task, m: SendMsg): Maybe<number> {
    if (this.type === SOCK_DGRAM) return this.sendDgram(t, m);
    if (m.to) fail(this.state === 'connected' ? EISCONN : EOPNOTSUPP);
    if (this.state !== 'connected' || !this.peer) fail(ENOTCONN);
    if (this.shut & SEND_SHUTDOWN) this.brokenPipe(t, m.flags);
    const peer = this.peer;
    const data = m.data;
    if (this.type === SOCK_SEQPACKET && data.length > this.sndbuf - 32) fail(EMSGSIZE);
    if (this.type === SOCK_STREAM && data.length === 0) return 0;
    let done = 0, first = true;
    const step = (): number | undefined => {
      if (peer.dead || (peer.shut & RCV_SHUTDOWN)) {
        if (done > 0) return done;
        this.brokenPipe(t, m.flags);
      }
      while ((done < data.length || first) && this.wmem < this.sndbuf) {
        // A seqpacket message is one skb; a stream send is cut into skbs of at most 64 KiB.
        const n = this.type === SOCK_SEQPACKET ? data.length : Math.min(data.length - done, 65536);
        this.queueAt(peer, data.subarray(done, done + n), m.cred ?? scmCredOf(t), first ? m.rights : undefined);
        done += n;
        first = false;
      }
      return done === data.length && !first ? done : undefined;
    };
    return this.block(t, m.flags, step, { timeo: 'snd', interrupted: () => (done > 0 ? done : undefined) });
  }

  private sendDgram(t: Task, m: SendMsg): Maybe<number> {
    // With SO_PASSCRED the sender gets a name first, so the receiver can tell who it was (even
    // if the send then fails: Linux 6.18 binds before looking for the peer).
    if (this.passcred && !this.addr) this.autobind();
    let target: UnixSocket;
    if (m.to) {
      if (m.to.family !== AF_UNIX) fail(EINVAL);
      target = UnixSocket.lookup(t, m.to, this.type);
    } else {
      if (!this.peer) fail(ENOTCONN);
      target = this.peer;
    }
    if (this.shut & SEND_SHUTDOWN) this.brokenPipe(t, m.flags);
    if (m.data.length > this.sndbuf - 32) fail(EMSGSIZE);
    const qlen = hostSysctl('net/unix/max_dgram_qlen', 512);
    return this.block(t, m.flags, () => {
      if (target.dead) {
        if (target === this.peer) this.peer = null;
        fail(ECONNREFUSED);
      }
      if (target.peer && target.peer !== this) fail(EPERM); // unix_may_send: it talks to another
      if (target !== this && target.rx.length > qlen) return undefined;
      this.queueAt(target, m.data, m.cred ?? scmCredOf(t), m.rights);
      return m.data.length;
    }, { timeo: 'snd' });
  }

  /** Puts a packet in `to`'s queue, accounted to this socket until read. */
  private queueAt(to: UnixSocket, data: Uint8Array, cred: Ucred, rights?: FileDescription[]): void {
    to.rx.push({ data: data.slice(), off: 0, sender: this, from: this.addr ?? undefined, rights, cred });
    this.wmem += data.length;
    to.wait.wake();
  }

  /** A packet read to its end or dropped: its bytes no longer count against the sender. */
  private consumed(p: Packet): void {
    p.sender.wmem -= p.data.length;
    p.sender.wait.wake();
  }

  override recvmsg(t: Task, buf: Uint8Array, flags: number): Maybe<RecvMsg> {
    if (this.type === SOCK_STREAM) {
      if (this.state !== 'connected' && !(this.shut & RCV_SHUTDOWN)) fail(EINVAL);
      return this.recvStream(t, buf, flags);
    }
    if (this.type === SOCK_SEQPACKET && this.state !== 'connected') fail(ENOTCONN);
    return this.block(t, flags, () => {
      const p = this.rx[0];
      if (!p) {
        if (this.err) fail(this.takeError());
        if (this.shut & RCV_SHUTDOWN) return { n: 0, size: 0, flags: 0 };
        return undefined;
      }
      const n = Math.min(buf.length, p.data.length);
      buf.set(p.data.subarray(0, n));
      const r: RecvMsg = { n, size: p.data.length, flags: n < p.data.length ? MSG_TRUNC : 0, from: p.from, rights: p.rights, cred: this.passcred ? p.cred : undefined };
      if (flags & MSG_PEEK) r.rights = p.rights?.map((f) => f.ref());
      else { this.rx.shift(); this.consumed(p); }
      return r;
    }, { timeo: 'rcv' });
  }

  /** unix_stream_read_generic: bytes across skbs, stopping after one that carried descriptors. */
  private recvStream(t: Task, buf: Uint8Array, flags: number): Maybe<RecvMsg> {
    let got = 0;
    let rights: FileDescription[] | undefined;
    let from: UnixAddr | undefined;
    let cred: Ucred | undefined;
    const peek = (flags & MSG_PEEK) !== 0;
    const attempt = (): RecvMsg | undefined => {
      let i = 0;
      while (got < buf.length && i < this.rx.length) {
        const p = this.rx[i];
        if (got > 0 && p.rights) break; // descriptors start a new read
        from ??= p.from;
        cred ??= p.cred;
        const avail = p.data.length - p.off;
        const n = Math.min(avail, buf.length - got);
        buf.set(p.data.subarray(p.off, p.off + n), got);
        got += n;
        if (p.rights) {
          rights = peek ? p.rights.map((f) => f.ref()) : p.rights;
          if (!peek) p.rights = undefined;
        }
        if (peek) {
          if (n < avail) break;
          i++;
        } else {
          p.off += n;
          if (p.off < p.data.length) break;
          this.rx.shift();
          this.consumed(p);
        }
        if (rights) break;
      }
      const ready = got > 0 && (!(flags & MSG_WAITALL) || got === buf.length || rights);
      const result = (): RecvMsg => ({ n: got, size: got, flags: 0, from, rights, cred: this.passcred ? cred ?? NO_CRED : undefined });
      if (ready || buf.length === 0) return result();
      if (this.rx.length === 0) {
        if (got === 0 && this.err) fail(this.takeError());
        if (this.shut & RCV_SHUTDOWN) return result();
      }
      return undefined;
    };
    return this.block(t, flags, attempt, { timeo: 'rcv', interrupted: () => (got > 0 ? { n: got, size: got, flags: 0, from, rights, cred: this.passcred ? cred : undefined } : undefined) });
  }

  override inq(): number {
    if (this.state === 'listening') return 0;
    if (this.type === SOCK_DGRAM) return this.rx[0]?.data.length ?? 0;
    return this.rx.reduce((n, p) => n + p.data.length - p.off, 0);
  }

  // ---- readiness and release -----------------------------------------------------------------------
  override poll(): number {
    let mask = 0;
    if (this.err) mask |= POLLERR;
    if (this.shut === SHUTDOWN_MASK) mask |= POLLHUP;
    if (this.shut & RCV_SHUTDOWN) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.rx.length || this.backlog.length) mask |= POLLIN | POLLRDNORM;
    if (this.connectionBased && this.state === 'unconnected') mask |= POLLHUP;
    let writable = this.state !== 'listening' && this.wmem * 4 <= this.sndbuf;
    // A datagram socket connected to a peer whose queue is full waits for room there.
    if (!this.connectionBased && this.peer && !this.peer.dead && this.peer.peer !== this
      && this.peer.rx.length > hostSysctl('net/unix/max_dgram_qlen', 512)) writable = false;
    if (writable) mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return mask;
  }

  override onReady(cb: () => void): () => void {
    // A datagram sender waits for room in its peer's queue: listen there too.
    const offs = [this.wait.subscribe(cb)];
    if (!this.connectionBased && this.peer && this.peer !== this) offs.push(this.peer.wait.subscribe(cb));
    return () => offs.forEach((o) => o());
  }

  protected override release(): void {
    this.dead = true;
    if (this.key && table(this.kernel).get(this.key) === this) table(this.kernel).delete(this.key);
    // Connections nobody accepted are reset.
    for (const s of this.backlog.splice(0)) s.unref();
    const p = this.peer;
    if (p && this.connectionBased) {
      p.shut = SHUTDOWN_MASK;
      if (this.rx.length) p.err = ECONNRESET;
      p.wait.wake();
    }
    for (const pk of this.rx.splice(0)) {
      pk.rights?.forEach((f) => f.unref());
      this.consumed(pk);
    }
    this.wait.wake();
  }
}
