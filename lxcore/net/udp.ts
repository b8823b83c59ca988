// UDP sockets (udp(7)) carried onto Node's `dgram`. Datagrams that arrive are queued here (up to
// the receive buffer, then dropped, as Linux drops them); sends go straight to Node. A socket
// that sends or connects before binding is bound to the wildcard address and port 0 first, as
// Linux autobinds it. connect() only records the peer: sends default to it and datagrams from
// anyone else are dropped, which is what a connected UDP socket does.

import { dgram } from '../host.js';
import type * as NodeDgram from 'node:dgram';
import { fail, EINVAL, EAFNOSUPPORT, EDESTADDRREQ, EMSGSIZE, ENOTCONN } from '../abi/errno.js';
import { AF_INET, AF_INET6, AF_UNSPEC, SOCK_DGRAM, IPPROTO_IPV6, IPV6_V6ONLY, SOL_SOCKET, SO_REUSEADDR, SO_BROADCAST, MSG_PEEK, MSG_TRUNC } from '../abi/socket.js';
import { POLLIN, POLLRDNORM, POLLOUT, POLLWRNORM, POLLWRBAND, POLLHUP, POLLERR, POLLRDHUP } from '../abi/poll.js';
import { Socket, SendMsg, RecvMsg, RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK, linuxError } from './socket.js';
import { InetAddr, SockAddr, ipv4Bytes, ipv6Bytes, inetAddr } from './sockaddr.js';
import { isDnsStub, dnsUpstream, DNS_STUB_ADDR, DNS_PORT } from './dnsstub.js';
import type { Maybe } from '../vfs/file.js';
import type { Task } from '../kernel/task.js';
import type { Kernel } from '../kernel/kernel.js';

/** The largest UDP payload over IPv4 (65535 − 20 − 8); IPv6 allows 65527 with jumbograms off. */
const UDP_MAX = { [AF_INET]: 65507, [AF_INET6]: 65527 } as Record<number, number>;

interface Datagram { data: Buffer; from: InetAddr }

/** Whether two addresses are the same host address (any spelling). */
function sameHost(a: string, b: string): boolean {
  const bytes = (s: string) => (s.includes(':') ? ipv6Bytes(s) : ipv4Bytes(s));
  return Buffer.from(bytes(a)).equals(Buffer.from(bytes(b)));
}

export class UdpSocket extends Socket {
  private sock?: NodeDgram.Socket;
  private local?: InetAddr;
  private peer?: InetAddr;
  private binding?: Promise<number>;
  private readonly rx: Datagram[] = [];
  /** The host resolver behind the DNS stub, once this socket has written to the stub. */
  private upstream?: { addr: string; port: number };
  private rxBytes = 0;

  constructor(readonly kernel: Kernel, domain: number, flags: number, owner: { uid: number; gid: number }) {
    super(domain, SOCK_DGRAM, 0, flags, owner);
  }

  override get bound(): boolean { return this.local !== undefined || this.binding !== undefined; }
  override sockname(): SockAddr { return this.local ?? inetAddr(this.domain, undefined, 0); }
  override peername(): SockAddr {
    if (!this.peer) fail(ENOTCONN);
    return this.peer;
  }

  private checkFamily(a: SockAddr): InetAddr {
    if (a.family !== this.domain) fail(EAFNOSUPPORT);
    return a as InetAddr;
  }

  /** Binds the host socket; resolves once Node reports it listening. */
  private hostBind(a: InetAddr): Promise<number> {
    const s = dgram.createSocket({
      type: this.domain === AF_INET ? 'udp4' : 'udp6',
      ipv6Only: this.domain === AF_INET6 && this.stored.get(`${IPPROTO_IPV6}:${IPV6_V6ONLY}`) === 1,
      reuseAddr: this.stored.get(`${SOL_SOCKET}:${SO_REUSEADDR}`) === 1,
    });
    this.sock = s;
    s.on('message', (data, rinfo) => {
      let from = inetAddr(this.domain, rinfo.address, rinfo.port);
      // A reply from the resolver behind the DNS stub comes from the stub (dnsstub.ts).
      const up = this.upstream;
      if (up && rinfo.port === up.port && sameHost(rinfo.address, up.addr)) from = inetAddr(this.domain, DNS_STUB_ADDR, DNS_PORT);
      if (this.peer && (from.port !== this.peer.port || !sameHost(from.addr, this.peer.addr))) return;
      if (this.rxBytes + data.length > this.rcvbuf) return; // the receive buffer is full: dropped
      this.rx.push({ data, from });
      this.rxBytes += data.length;
      this.wait.wake();
    });
    this.binding = new Promise<number>((resolve, reject) => {
      s.once('error', (e) => { this.sock = undefined; this.binding = undefined; reject(linuxError(e)); });
      s.bind({ address: a.addr, port: a.port, exclusive: true }, () => {
        s.on('error', () => { /* ICMP errors and the like: no guest call is waiting for them */ });
        if (this.stored.get(`${SOL_SOCKET}:${SO_BROADCAST}`) === 1) s.setBroadcast(true);
        const ad = s.address();
        this.local = inetAddr(this.domain, ad.address, ad.port);
        resolve(0);
      });
    });
    return this.binding;
  }

  /** inet_autobind: the wildcard address and an ephemeral port, before a first send or connect. */
  private ensureBound(): Maybe<number> {
    if (this.local) return 0;
    return this.binding ?? this.hostBind(inetAddr(this.domain, undefined, 0));
  }

  override bind(_t: Task, a: SockAddr): Maybe<number> {
    const addr = this.checkFamily(a);
    if (this.bound) fail(EINVAL);
    return this.hostBind(addr);
  }

  override connect(_t: Task, a: SockAddr): Maybe<number> {
    if (a.family === AF_UNSPEC) { this.peer = undefined; this.wait.wake(); return 0; }
    const addr = this.checkFamily(a);
    const done = () => { this.peer = addr; this.wait.wake(); return 0; };
    const b = this.ensureBound();
    return b instanceof Promise ? b.then(done) : done();
  }

  override shutdown(_t: Task, how: number): number {
    if (how < 0 || how > 2) fail(EINVAL);
    if (!this.peer) fail(ENOTCONN);
    this.shut |= how + 1;
    this.wait.wake();
    return 0;
  }

  override sendmsg(t: Task, m: SendMsg): Maybe<number> {
    if (this.shut & SEND_SHUTDOWN) this.brokenPipe(t, m.flags);
    const to = m.to && m.to.family !== AF_UNSPEC ? this.checkFamily(m.to) : this.peer;
    if (!to) fail(EDESTADDRREQ);
    if (m.data.length > UDP_MAX[this.domain]) fail(EMSGSIZE);
    const data = Buffer.from(m.data);
    let dest: { addr: string; port: number } = to;
    if (isDnsStub(to)) {
      this.upstream ??= dnsUpstream(this.kernel);
      if (!this.upstream) return data.length; // no resolver on the host: lost, as on an empty network
      dest = this.upstream;
    }
    const go = () => {
      this.sock!.send(data, dest.port, dest.addr, () => { /* errors: as for a lost datagram */ });
      return data.length;
    };
    const b = this.ensureBound();
    return b instanceof Promise ? b.then(go) : go();
  }

  override recvmsg(t: Task, buf: Uint8Array, flags: number): Maybe<RecvMsg> {
    return this.block(t, flags, () => {
      const d = this.rx[0];
      if (!d) {
        if (this.err) fail(this.takeError());
        if (this.shut & RCV_SHUTDOWN) return { n: 0, size: 0, flags: 0 };
        return undefined;
      }
      const n = Math.min(buf.length, d.data.length);
      buf.set(d.data.subarray(0, n));
      if (!(flags & MSG_PEEK)) {
        this.rx.shift();
        this.rxBytes -= d.data.length;
      }
      return { n, size: d.data.length, flags: n < d.data.length ? MSG_TRUNC : 0, from: d.from };
    }, { timeo: 'rcv' });
  }

  override inq(): number { return this.rx[0]?.data.length ?? 0; }

  override poll(): number {
    let mask = POLLOUT | POLLWRNORM | POLLWRBAND;
    if (this.err) mask |= POLLERR;
    if (this.rx.length) mask |= POLLIN | POLLRDNORM;
    if (this.shut & RCV_SHUTDOWN) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (this.shut === SHUTDOWN_MASK) mask |= POLLHUP;
    return mask;
  }

  protected override release(): void {
    try { this.sock?.close(); } catch { /* not yet bound */ }
    this.sock = undefined;
  }
}
