// TCP sockets (tcp(7), ip(7), ipv6(7)) carried onto Node's `net`, as WSL1 carried them onto
// Windows' stack. Node's sockets are asynchronous and wasl's guest calls are not: received bytes
// are buffered here and every Node event (data, end, drain, connect, error, a new connection)
// wakes the socket's wait queue, so blocking calls park and poll/select/epoll see readiness
// exactly as they do for pipes.
//
// Node has no bind without listen: bind() starts a host listener at once (so port 0 reports its
// real port, and EADDRINUSE comes from the host); listen() then only opens the accept queue. A
// bound socket that connects instead gives its listener up and connects from that address.

import { net } from '../host.js';
import type * as NodeNet from 'node:net';
import { fail, EINVAL, EISCONN, EALREADY, EINPROGRESS, ENOTCONN, ECONNABORTED, EAFNOSUPPORT, ECONNREFUSED, EPIPE } from '../abi/errno.js';
import { AF_INET, AF_INET6, AF_UNSPEC, SOCK_STREAM, SOL_SOCKET, SO_KEEPALIVE, IPPROTO_TCP, TCP_NODELAY, IPPROTO_IPV6, IPV6_V6ONLY, MSG_PEEK, MSG_WAITALL, SOMAXCONN } from '../abi/socket.js';
import { POLLIN, POLLRDNORM, POLLOUT, POLLWRNORM, POLLHUP, POLLERR, POLLRDHUP } from '../abi/poll.js';
import { Socket, SendMsg, RecvMsg, RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK, linuxError } from './socket.js';
import { UdpSocket } from './udp.js';
import { hostErrno } from '../fs/hosterr.js';
import { InetAddr, SockAddr, inetAddr } from './sockaddr.js';
import type { Maybe } from '../vfs/file.js';
import type { Task } from '../kernel/task.js';
import type { Kernel } from '../kernel/kernel.js';

/** socket(AF_INET|AF_INET6, SOCK_STREAM|SOCK_DGRAM): the family's two protocols. */
export function createInetSocket(t: Task, domain: number, type: number, flags: number): Socket {
  const owner = { uid: t.process.creds.euid, gid: t.process.creds.egid };
  return type === SOCK_STREAM ? new TcpSocket(t.kernel, domain, flags, owner) : new UdpSocket(t.kernel, domain, flags, owner);
}

/** The address Node should use for a guest address (IPv4-mapped stays IPv6 on an AF_INET6 socket). */
const hostOf = (a: InetAddr): string => a.addr;

/** How much unread data a connection buffers before it stops reading from the host (backpressure). */
const RX_LIMIT = 1 << 20;
/** How much unsent data Node may hold for a connection before send waits (the send buffer). */
const TX_LIMIT = 1 << 20;

type State = 'closed' | 'bound' | 'listening' | 'connecting' | 'connected' | 'failed';

export class TcpSocket extends Socket {
  state: State = 'closed';
  private server?: NodeNet.Server;
  private local?: InetAddr;
  private readonly pending: NodeNet.Socket[] = [];
  private conn?: NodeNet.Socket;
  private remote?: InetAddr;
  private connLocal?: InetAddr;
  private rx: Buffer[] = [];
  private rxBytes = 0;
  /** The peer's FIN arrived (RCV_SHUTDOWN from the other side). */
  private eof = false;
  /** The host socket is gone (reset, error, or closed after both FINs). */
  private gone = false;
  private backlog = 0;
  /** connect() returned EINPROGRESS and no later connect has reported the outcome. */
  private connectPending = false;

  constructor(readonly kernel: Kernel, domain: number, flags: number, owner: { uid: number; gid: number }) {
    super(domain, SOCK_STREAM, 0, flags, owner);
  }

  override get listening(): boolean { return this.state === 'listening'; }
  override get bound(): boolean { return this.local !== undefined || this.conn !== undefined; }

  override sockname(): SockAddr {
    if (this.conn && this.connLocal) return this.connLocal;
    return this.local ?? inetAddr(this.domain, undefined, 0);
  }
  override peername(): SockAddr {
    if (this.state !== 'connected' || !this.remote) fail(ENOTCONN);
    return this.remote;
  }

  private checkFamily(a: SockAddr): InetAddr {
    if (a.family !== this.domain) fail(EAFNOSUPPORT);
    return a as InetAddr;
  }

  private v6only(): boolean {
    return this.domain === AF_INET6 && this.stored.get(`${IPPROTO_IPV6}:${IPV6_V6ONLY}`) === 1;
  }

  /** Starts the host listener at `a`; resolves when it is listening (or fails as the host did). */
  private startListener(a: InetAddr): Promise<number> {
    // Connections wait paused until the guest accepts them, so no byte is read before then.
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    this.server = server;
    server.on('connection', (c) => {
      if (this.released) { c.destroy(); return; }
      c.on('error', () => { /* seen by the accepted socket (gone) */ });
      this.pending.push(c);
      this.wait.wake();
    });
    return new Promise<number>((resolve, reject) => {
      server.once('error', (e) => { this.server = undefined; reject(linuxError(e)); });
      server.listen({ host: hostOf(a), port: a.port, backlog: SOMAXCONN, exclusive: true, ipv6Only: this.v6only() }, () => {
        server.on('error', () => { /* a listener's later errors have no guest call to go to */ });
        const ad = server.address() as NodeNet.AddressInfo;
        this.local = inetAddr(this.domain, ad.address, ad.port);
        resolve(0);
      });
    });
  }

  override bind(_t: Task, a: SockAddr): Maybe<number> {
    const addr = this.checkFamily(a);
    if (this.state !== 'closed' || this.local) fail(EINVAL);
    this.state = 'bound';
    return this.startListener(addr).catch((e) => { this.state = 'closed'; throw e; });
  }

  override listen(_t: Task, backlog: number): Maybe<number> {
    this.backlog = Math.min(Math.max(backlog, 0), SOMAXCONN);
    if (this.state === 'listening') return 0;
    if (this.state === 'bound') { this.state = 'listening'; this.wait.wake(); return 0; }
    if (this.state !== 'closed') fail(EINVAL);
    // listen without bind: the kernel picks a port on the wildcard address (inet_autobind).
    this.state = 'listening';
    return this.startListener(inetAddr(this.domain, undefined, 0)).catch((e) => { this.state = 'closed'; throw e; });
  }

  override accept(t: Task, flags: number): Maybe<Socket> {
    if (this.state !== 'listening') fail(EINVAL);
    return this.block(t, flags, () => {
      const c = this.pending.shift();
      if (!c) return undefined;
      const s = new TcpSocket(this.kernel, this.domain, 0, this.owner);
      // Options a listener passes on to its connections (sk_clone_lock copies them).
      for (const [k, v] of this.stored) s.stored.set(k, v);
      s.wire(c);
      s.adopt(c);
      if (c.destroyed) s.gone = true;
      c.resume();
      return s;
    }, { timeo: 'rcv' });
  }

  /** Takes over a connected host socket. */
  private adopt(c: NodeNet.Socket): void {
    this.conn = c;
    this.state = 'connected';
    this.remote = inetAddr(this.domain, c.remoteAddress, c.remotePort);
    this.connLocal = inetAddr(this.domain, c.localAddress, c.localPort);
    this.applyAll();
  }

  private wire(c: NodeNet.Socket): void {
    c.on('data', (b: Buffer) => {
      this.rx.push(b);
      this.rxBytes += b.length;
      if (this.rxBytes >= RX_LIMIT) c.pause();
      this.wait.wake();
    });
    c.on('end', () => { this.eof = true; this.wait.wake(); });
    c.on('drain', () => this.wait.wake());
    c.on('error', (e) => {
      const errno = hostErrno(e);
      if (this.state === 'connecting') this.state = 'failed';
      // EPIPE from the host is our own send after a reset: the guest learns it from its send.
      if (errno !== EPIPE) this.err = errno;
      this.gone = true;
      this.wait.wake();
    });
    c.on('close', () => { this.gone = true; this.wait.wake(); });
  }

  private applyAll(): void {
    const c = this.conn;
    if (!c) return;
    c.setNoDelay(this.stored.get(`${IPPROTO_TCP}:${TCP_NODELAY}`) === 1);
    if (this.stored.get(`${SOL_SOCKET}:${SO_KEEPALIVE}`) === 1) c.setKeepAlive(true);
  }

  override applyOption(level: number, name: number, value: number): void {
    const c = this.conn;
    if (!c) return;
    if (level === IPPROTO_TCP && name === TCP_NODELAY) c.setNoDelay(value === 1);
    if (level === SOL_SOCKET && name === SO_KEEPALIVE) c.setKeepAlive(value === 1);
  }

  override connect(t: Task, a: SockAddr): Maybe<number> {
    if (a.family === AF_UNSPEC) return 0;
    const addr = this.checkFamily(a);
    // A non-blocking connect that reported EINPROGRESS: the next connect tells how it went
    // (SS_CONNECTING in __inet_stream_connect).
    if (this.connectPending) {
      if (this.state === 'connected') { this.connectPending = false; return 0; }
      if (this.state === 'failed') this.connectPending = false;
    }
    if (this.state === 'connected' || this.state === 'listening') fail(EISCONN);
    if (this.state === 'connecting') fail(EALREADY);
    if (this.state === 'failed') {
      this.state = 'closed';
      fail(this.takeError() || ECONNABORTED);
    }
    if (addr.port === 0) fail(ECONNREFUSED);
    const from = this.local;
    if (this.server) { this.server.close(); this.server = undefined; }
    const c = new net.Socket({ allowHalfOpen: true });
    this.conn = c;
    this.state = 'connecting';
    this.wire(c);
    c.once('connect', () => {
      if (this.state !== 'connecting') return;
      this.adopt(c);
      this.wait.wake();
    });
    c.connect({
      host: hostOf(addr), port: addr.port, family: this.domain === AF_INET ? 4 : 6,
      ...(from ? { localAddress: from.addr, localPort: from.port } : {}),
    } as NodeNet.TcpSocketConnectOpts);
    if (this.nonblocking) { this.connectPending = true; fail(EINPROGRESS); }
    return this.block(t, 0, () => {
      if (this.state === 'connected') return 0;
      if (this.state === 'failed') { this.state = 'closed'; fail(this.takeError() || ECONNREFUSED); }
      return undefined;
    }, { timeo: 'snd' });
  }

  override shutdown(_t: Task, how: number): number {
    if (how < 0 || how > 2) fail(EINVAL);
    if (this.state !== 'connected' && this.state !== 'listening') fail(ENOTCONN);
    const mode = how + 1;
    this.shut |= mode;
    if ((mode & SEND_SHUTDOWN) && this.conn && !this.conn.writableEnded) this.conn.end();
    this.wait.wake();
    return 0;
  }

  override sendmsg(t: Task, m: SendMsg): Maybe<number> {
    if (m.to && this.state === 'connected') fail(EISCONN);
    const data = m.data;
    let done = 0;
    const step = (): number | undefined => {
      if (this.state === 'connecting') return undefined; // sk_stream_wait_connect
      if (this.err) { if (done > 0) return done; fail(this.takeError()); }
      if (this.state !== 'connected' || (this.shut & SEND_SHUTDOWN) || this.gone || !this.conn) {
        if (done > 0) return done;
        this.brokenPipe(t, m.flags);
      }
      const c = this.conn;
      while (done < data.length && c.writableLength < TX_LIMIT) {
        const n = Math.min(data.length - done, TX_LIMIT - c.writableLength);
        c.write(Buffer.from(data.subarray(done, done + n)));
        done += n;
      }
      if (data.length === 0) return 0;
      if (done === data.length) return done;
      return done > 0 && (this.nonblocking || (m.flags & 0x40)) ? done : undefined;
    };
    return this.block(t, m.flags, step, { timeo: 'snd', interrupted: () => (done > 0 ? done : undefined) });
  }

  override recvmsg(t: Task, buf: Uint8Array, flags: number): Maybe<RecvMsg> {
    if (this.state === 'listening' || this.state === 'closed' || this.state === 'bound' || this.state === 'failed') {
      if (this.state === 'failed' || this.err) fail(this.takeError() || ENOTCONN);
      fail(ENOTCONN);
    }
    let got = 0;
    const peek = (flags & MSG_PEEK) !== 0;
    const attempt = (): RecvMsg | undefined => {
      if (this.state === 'connecting') return undefined;
      let i = 0, off = 0;
      while (got < buf.length && i < this.rx.length) {
        const b = this.rx[i];
        const n = Math.min(b.length - off, buf.length - got);
        buf.set(b.subarray(off, off + n), got);
        got += n;
        if (peek) { i++; continue; }
        if (n === b.length) this.rx.shift();
        else { this.rx[0] = b.subarray(n); }
        this.rxBytes -= n;
      }
      if (!peek && got > 0 && this.conn?.isPaused() && this.rxBytes < RX_LIMIT / 2) this.conn.resume();
      const done = { n: got, size: got, flags: 0 };
      if (got > 0 && (!(flags & MSG_WAITALL) || got === buf.length || peek)) return done;
      if (buf.length === 0) return done;
      if (this.rx.length === 0) {
        if (this.err) { if (got > 0) return done; fail(this.takeError()); }
        if (this.eof || (this.shut & RCV_SHUTDOWN) || this.gone) return done;
      }
      return undefined;
    };
    return this.block(t, flags, attempt, { timeo: 'rcv', interrupted: () => (got > 0 ? { n: got, size: got, flags: 0 } : undefined) });
  }

  override inq(): number { return this.rxBytes; }

  override poll(): number {
    let mask = 0;
    if (this.err) mask |= POLLERR;
    switch (this.state) {
      case 'listening': return mask | (this.pending.length ? POLLIN | POLLRDNORM : 0);
      case 'connecting': return mask;
      case 'closed': case 'bound': return mask | POLLOUT | POLLWRNORM | POLLHUP;
      case 'failed': return mask | POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM | POLLHUP;
    }
    const rcvShut = this.eof || (this.shut & RCV_SHUTDOWN) !== 0 || this.gone;
    const sendShut = (this.shut & SEND_SHUTDOWN) !== 0 || this.gone;
    if (this.rx.length) mask |= POLLIN | POLLRDNORM;
    if (rcvShut) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
    if ((rcvShut && sendShut) || this.shut === SHUTDOWN_MASK) mask |= POLLHUP;
    if (sendShut || (this.conn && this.conn.writableLength < TX_LIMIT)) mask |= POLLOUT | POLLWRNORM;
    return mask;
  }

  protected override release(): void {
    this.server?.close();
    this.server = undefined;
    for (const c of this.pending.splice(0)) c.resetAndDestroy();
    const c = this.conn;
    if (!c) return;
    if (this.state !== 'connected') { c.destroy(); return; }
    // Unread data, or SO_LINGER with a zero timeout, makes close a reset (tcp_close).
    if (this.rx.length || (this.linger.on && this.linger.secs === 0)) { c.resetAndDestroy(); return; }
    c.removeAllListeners('data');
    c.on('data', () => {});
    if (c.writableEnded) c.destroySoon(); else c.end(() => c.destroy());
  }
}
