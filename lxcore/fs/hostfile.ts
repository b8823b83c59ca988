// Files backed by a host file descriptor: the guest's inherited stdio, and files opened through
// the host passthrough at / (qemu-user's and Blink's default view). Terminal ioctls answer from
// the host terminal where Node can tell (isatty, window size); termios is a default cooked
// setting the guest may change but which does not reach the host terminal (docs/quirks.md).

import { fs, tty, isTerminal } from '../host.js';
import { FileDescription, Dirent, Maybe } from '../vfs/file.js';
import { Stat, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK } from '../abi/stat.js';
import { LinuxError, fail, EAGAIN, EINVAL, ENOTTY, EIO, ESPIPE, ENXIO } from '../abi/errno.js';
import { hostErrno } from './hosterr.js';
import { listHostDir, realtimeNs } from './dirlist.js';
import { hostFstat, statFromHost } from './hoststat.js';
export { statFromHost };
import { interruptibleWait, ERESTARTSYS } from '../kernel/signals.js';
import { DEFAULT_POLLMASK, POLLIN, POLLRDNORM, POLLOUT, POLLWRNORM, POLLERR, POLLHUP, POLLRDHUP } from '../abi/poll.js';
import type { Task } from '../kernel/task.js';
import type { Dentry } from '../vfs/namespace.js';
import type { Drvfs } from '../../drvfs/drvfs.js';

import { TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGPGRP, TIOCSPGRP, TIOCGWINSZ, TIOCSWINSZ } from '../abi/ioctl.js';

/** struct termios (kernel layout, 36 bytes): a cooked terminal as `stty sane` leaves it. */
function defaultTermios(): Uint8Array {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(0x500, 0);    // c_iflag: ICRNL | IXON
  b.writeUInt32LE(0x5, 4);      // c_oflag: OPOST | ONLCR
  b.writeUInt32LE(0xbf, 8);     // c_cflag: B38400 | CS8 | CREAD
  b.writeUInt32LE(0x8a3b, 12);  // c_lflag: ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
  b[16] = 0;                    // c_line
  // c_cc: VINTR ^C, VQUIT ^\, VERASE DEL, VKILL ^U, VEOF ^D, VTIME 0, VMIN 1, VSWTC 0, VSTART ^Q,
  // VSTOP ^S, VSUSP ^Z, VEOL 0, VREPRINT ^R, VDISCARD ^O, VWERASE ^W, VLNEXT ^V, VEOL2 0
  const cc = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0];
  cc.forEach((v, i) => { b[17 + i] = v; });
  return new Uint8Array(b.buffer, b.byteOffset, 36);
}

/** Whether the host has /proc/self/fd (HostFile.dirName), asked once. */
let hostProcFds: boolean | undefined;

export class HostFile extends FileDescription {
  private termios?: Uint8Array;
  private dirEntries?: Dirent[];
  /**
   * The host file's type (its S_IFMT bits), asked at first need rather than at open: an open and
   * a close alone need no fstat (a fifth of openclose's cost, issue #11). A type never changes.
   */
  private kindOf?: number;
  private get kind(): number {
    if (this.kindOf === undefined) {
      let mode = 0;
      try { mode = hostFstat(this.hostFd).mode; } catch { /* a closed fd: stat will say */ }
      this.kindOf = mode & S_IFMT;
    }
    return this.kindOf;
  }
  private get regular(): boolean { return this.kind === S_IFREG; }
  /** A pipe, terminal or socket: reads may block, readiness changes (the probe below). */
  private get stream(): boolean { const k = this.kind; return k === S_IFIFO || k === S_IFCHR || k === S_IFSOCK; }
  private ttyOf?: boolean;
  private get tty(): boolean { return this.ttyOf ??= this.kind === S_IFCHR && isTerminal(this.hostFd); }

  /** `own` = close the host fd when the last guest reference goes (not for inherited stdio). */
  /**
   * `path` is the name the guest opened it by (what /proc/PID/fd shows, what a dirfd is relative
   * to); `hostPath` the host's name for it, when that differs (a drvfs mount). `dentry`: where
   * the namespace found it, for a file of a drvfs mount: its status is the mount's view, and the
   * f* calls check the mount (read-only) and that view (owner) as the path forms do.
   */
  constructor(readonly hostFd: number, flags: number, path: string, private readonly own: boolean,
    readonly hostPath: string = path, readonly dentry?: Dentry) {
    super(flags, path);
  }

  override isatty(): boolean { return this.tty; }
  /** An inherited regular file reads at the host's offset, shared with the process that gave it. */
  override get posIsOwn(): boolean { return !(this.regular && !this.own); }

  override read(buf: Uint8Array, _task: Task): Maybe<number> {
    if (this.regular && !this.own) {
      // An inherited file shares its offset with the host process that gave it to us.
      return this.sync(() => fs.readSync(this.hostFd, buf, 0, buf.length, null));
    }
    if (this.regular) {
      const n = this.sync(() => fs.readSync(this.hostFd, buf, 0, buf.length, this.pos));
      this.pos += n;
      return n;
    }
    // Pipes and terminals may block: the read happens on the thread pool (the readiness probe)
    // and the task waits for it, interruptibly; whatever the probe got stays buffered here.
    if (!this.stream) return this.sync(() => fs.readSync(this.hostFd, buf, 0, buf.length, null));
    this.lastReadSize = buf.length;
    if (this.probe?.done) return this.takeProbe(buf);
    this.startProbe(buf.length);
    if (this.nonblocking) return fail(EAGAIN);
    const RETRY = -0x10000; // another reader of this description took the probe's bytes first
    const wait = (): Maybe<number> => {
      const r = interruptibleWait(_task, (wake) => this.onReady(wake), (interrupted) => {
        if (this.probe?.done) return this.takeProbe(buf);
        return interrupted ? -ERESTARTSYS : RETRY;
      });
      const again = (v: number): Maybe<number> => { if (v !== RETRY) return v; this.startProbe(buf.length); return wait(); };
      return typeof r === 'number' ? again(r) : r.then(again);
    };
    return wait();
  }

  /**
   * The readiness probe of a host pipe or terminal: one pending fs.read on the thread pool. Its
   * result (bytes, EOF or an error) is kept until a guest read takes it, so a byte read to learn
   * readiness is neither lost nor read twice. Its size is the guest's last read size (1 before
   * any read, so a shell that polls and then reads a byte at a time takes no more than it would);
   * a socket's is 64 KiB, since nothing can top a short probe up there (docs/quirks.md).
   */
  private probe?: { buf: Buffer; done: boolean; n: number; off: number; err?: NodeJS.ErrnoException };
  private lastReadSize = 0;
  private readonly readyListeners = new Set<() => void>();

  private startProbe(size: number): void {
    if (this.probe) return;
    // A socket cannot be reopened non-blocking to top a short probe up (topUp): read it in full.
    if (this.kind === S_IFSOCK) size = 1 << 16;
    const pr = { buf: Buffer.alloc(Math.max(1, Math.min(size || 1, 1 << 16))), done: false, n: 0, off: 0 } as
      { buf: Buffer; done: boolean; n: number; off: number; err?: NodeJS.ErrnoException };
    this.probe = pr;
    const attempt = () => fs.read(this.hostFd, pr.buf, 0, pr.buf.length, null, (err, n) => {
      if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') { setTimeout(attempt, 5); return; }
      pr.done = true;
      pr.n = err ? 0 : n;
      pr.err = err ?? undefined;
      for (const l of [...this.readyListeners]) l();
    });
    attempt();
  }

  /** Hands the probe's result to a read: bytes (the rest stays), EOF, or its error. */
  private takeProbe(buf: Uint8Array): number {
    const pr = this.probe!;
    if (pr.err) { this.probe = undefined; throw new LinuxError(hostErrno(pr.err) || EIO); }
    const n = Math.min(buf.length, pr.n - pr.off);
    buf.set(pr.buf.subarray(pr.off, pr.off + n));
    pr.off += n;
    if (pr.off >= pr.n) this.probe = undefined;
    if (n > 0 && n < buf.length && !this.probe) return n + this.topUp(buf.subarray(n));
    return n;
  }

  /**
   * After a probe's bytes, what else a read could take now without waiting: through a second,
   * non-blocking description of the same pipe or terminal (/proc/self/fd/N reopened), so that a
   * short probe does not shorten the read that follows it. Nothing if that cannot be opened.
   */
  private twin?: number;
  private topUp(buf: Uint8Array): number {
    if (this.twin === undefined) {
      if (this.kind !== S_IFIFO && this.kind !== S_IFCHR) return 0;
      try { this.twin = fs.openSync(`/proc/self/fd/${this.hostFd}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK); } catch { this.twin = -1; }
    }
    if (this.twin < 0) return 0;
    try { return fs.readSync(this.twin, buf, 0, buf.length, null); } catch { return 0; }
  }

  /** Host pipes and terminals: readable once the probe has something; writes never wait long. */
  override poll(_task: Task): number {
    if (!this.stream || !this.readable) return DEFAULT_POLLMASK;
    let mask = this.writable ? POLLOUT | POLLWRNORM : 0;
    const pr = this.probe;
    if (pr?.done) {
      if (pr.err) mask |= POLLERR | POLLIN | POLLRDNORM;
      else if (pr.n > 0 || this.kind === S_IFCHR) mask |= POLLIN | POLLRDNORM;
      else if (this.kind === S_IFIFO) mask |= POLLHUP; // pipe_poll at EOF: hung up, nothing to read
      else mask |= POLLIN | POLLRDNORM | POLLRDHUP; // a socket whose peer shut its writing side
    }
    else this.startProbe(this.lastReadSize);
    return mask;
  }
  override onReady(cb: () => void): () => void {
    this.readyListeners.add(cb);
    return () => { this.readyListeners.delete(cb); };
  }
  override get pollable(): boolean { return this.stream; }

  override write(buf: Uint8Array, _task: Task): Maybe<number> {
    if (this.regular && !this.own) {
      return this.sync(() => fs.writeSync(this.hostFd, buf, 0, buf.length, null));
    }
    if (this.regular) {
      const at = this.append ? null : this.pos;
      const n = this.sync(() => fs.writeSync(this.hostFd, buf, 0, buf.length, at));
      this.pos = this.append ? Number(fs.fstatSync(this.hostFd).size) : this.pos + n;
      return n;
    }
    // A host pipe or terminal may be non-blocking (set so by our parent): retry on EAGAIN
    // rather than fail a guest that expects a blocking descriptor.
    let off = 0;
    for (let spins = 0; off < buf.length;) {
      try {
        off += fs.writeSync(this.hostFd, buf, off, buf.length - off);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EAGAIN' && !this.nonblocking && spins++ < 100000) continue;
        if (off > 0) return off;
        throw new LinuxError(hostErrno(err));
      }
    }
    return off;
  }

  /**
   * A regular file opened by wasl itself (not inherited: that one shares the host's offset):
   * read and write may move bytes straight between the host file and guest memory (sys_io.ts's
   * direct path, through `transfer`). Not when appending (write then moves pos to the end).
   */
  get direct(): boolean { return this.regular && this.own; }

  /**
   * preadv/pwritev of guest memory's own views (mm.views): at `offset`, or at and after the
   * file position when offset is null (read/write), one host call for all of them.
   */
  transfer(views: Uint8Array[], offset: number | null, write: boolean): number {
    const at = offset ?? this.pos;
    const fd = this.hostFd, v = views[0];
    const n = this.sync(() => views.length === 1
      ? (write ? fs.writeSync(fd, v, 0, v.length, at) : fs.readSync(fd, v, 0, v.length, at))
      : (write ? fs.writevSync(fd, views, at) : fs.readvSync(fd, views, at)));
    if (offset === null) this.pos += n;
    return n;
  }

  override pread(buf: Uint8Array, offset: number): number {
    if (!this.regular) return super.pread(buf, offset);
    return this.sync(() => fs.readSync(this.hostFd, buf, 0, buf.length, offset));
  }
  override pwrite(buf: Uint8Array, offset: number): number {
    if (!this.regular) return super.pwrite(buf, offset);
    return this.sync(() => fs.writeSync(this.hostFd, buf, 0, buf.length, offset));
  }

  /**
   * RWF_NOAPPEND on a host file opened O_APPEND: the host descriptor appends whatever offset a
   * pwrite names (Linux's pwrite quirk), so the write goes through a second, non-appending open
   * of the same file (/proc/self/fd/N reopens the open file itself, renamed or not).
   */
  override pwriteNoAppend(buf: Uint8Array, offset: number): number {
    if (!this.regular || !this.append) return this.pwrite(buf, offset);
    const fd = this.sync(() => fs.openSync(`/proc/self/fd/${this.hostFd}`, fs.constants.O_WRONLY));
    try { return this.sync(() => fs.writeSync(fd, buf, 0, buf.length, offset)); } finally { fs.closeSync(fd); }
  }

  override lseek(offset: number, whence: number): number {
    const st = this.stat();
    const type = st.mode & S_IFMT;
    if (type === S_IFIFO || type === S_IFSOCK || this.tty) return fail(ESPIPE);
    if (!this.own) {
      // Node cannot move an inherited descriptor's shared offset; it can read it on Linux.
      // So the position is reported but not changed (docs/quirks.md).
      if (whence === 1 && offset === 0) return this.hostOffset();
      return fail(ESPIPE);
    }
    let base: number;
    if (whence === 0) base = 0;
    else if (whence === 1) base = this.pos;
    else if (whence === 2) base = st.size;
    else if (whence === 3 || whence === 4) {
      // SEEK_DATA/SEEK_HOLE: Node cannot ask the host where its holes are, so a host file is
      // answered as one without holes (generic_file_llseek_size's model): data from any offset
      // before the end, the one hole at the end, ENXIO at or past it (docs/quirks.md).
      if (type !== S_IFREG && type !== S_IFDIR) return fail(EINVAL);
      if (offset < 0 || offset >= st.size) return fail(ENXIO);
      this.pos = whence === 3 ? offset : st.size;
      return this.pos;
    } else return fail(EINVAL);
    const at = base + offset;
    if (at < 0) return fail(EINVAL);
    if (type === S_IFDIR && at === 0) this.dirEntries = undefined; // rewinddir
    this.pos = at;
    return at;
  }

  /** The host descriptor's current offset (Linux: /proc/self/fdinfo), or 0 if unknown. */
  private hostOffset(): number {
    try {
      const m = /^pos:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${this.hostFd}`, 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch { return 0; }
  }

  override stat(): Stat {
    if (!this.dentry) return this.sync(() => hostFstat(this.hostFd));
    const drv = this.dentry.inode.fs as Drvfs;
    if (drv.host === fs) return drv.statOfStat(this.sync(() => hostFstat(this.hostFd)));
    return drv.statOf(this.sync(() => fs.fstatSync(this.hostFd, { bigint: true })));
  }

  /**
   * A name the host resolves to the directory this descriptor has open, and to nothing else: its
   * /proc/self/fd entry. The path it was opened by may since lead elsewhere — renamed, or (a
   * drvfs directory) swapped for a symlink out of the mount by a host process — and the guest's
   * getdents must list the directory it opened, as Linux's does. Its path where the host has no
   * /proc.
   */
  private dirName(): string {
    hostProcFds ??= fs.existsSync('/proc/self/fd');
    return hostProcFds ? `/proc/self/fd/${this.hostFd}` : this.hostPath;
  }

  override readdir(): Dirent[] {
    if (!this.dirEntries) {
      const now = realtimeNs(); // before the stat: listHostDir keeps a listing only if older
      const st = this.sync(() => fs.fstatSync(this.hostFd, { bigint: true }));
      if ((Number(st.mode) & S_IFMT) !== S_IFDIR) return super.readdir();
      this.dirEntries = this.sync(() => listHostDir(this.dirName(), st, now));
    }
    const out = this.dirEntries.slice(this.pos);
    return out;
  }

  override ioctl(req: number, arg: number, task: Task): number {
    if (!this.tty) return fail(ENOTTY);
    const mm = task.process.mm;
    switch (req) {
      case TCGETS:
        mm.write(arg, this.termios ?? (this.termios = defaultTermios()));
        return 0;
      case TCSETS: case TCSETSW: case TCSETSF:
        this.termios = mm.read(arg, 36);
        return 0;
      case TIOCGWINSZ: {
        const ws = Buffer.alloc(8);
        let cols = 80, rows = 24;
        try {
          const s = new tty.WriteStream(this.hostFd);
          [cols, rows] = s.getWindowSize();
        } catch { /* not a writable terminal: keep the classic 80×24 */ }
        ws.writeUInt16LE(rows, 0);
        ws.writeUInt16LE(cols, 2);
        mm.write(arg, new Uint8Array(ws.buffer, ws.byteOffset, 8));
        return 0;
      }
      case TIOCSWINSZ:
        return 0;
      case TIOCGPGRP: {
        const b = Buffer.alloc(4);
        b.writeInt32LE(task.process.pgid, 0);
        mm.write(arg, new Uint8Array(b.buffer, b.byteOffset, 4));
        return 0;
      }
      case TIOCSPGRP:
        return 0;
      default:
        return fail(ENOTTY);
    }
  }

  protected override release(): void {
    if (this.twin !== undefined && this.twin >= 0) { try { fs.closeSync(this.twin); } catch { /* gone */ } }
    if (this.own) { try { fs.closeSync(this.hostFd); } catch { /* already gone */ } }
  }

  private sync<T>(fn: () => T): T {
    try { return fn(); } catch (e) {
      if (e instanceof LinuxError) throw e;
      const code = hostErrno(e);
      if (code === EAGAIN || code) throw new LinuxError(code);
      throw new LinuxError(EIO);
    }
  }
}
