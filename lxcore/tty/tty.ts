// Terminals (tty(4), pty(7)): a Tty is one end of a pseudo-terminal pair with its own N_TTY line
// discipline; what one end's discipline writes out is received by the other end's (pty_write).
// The slave end carries what belongs to the terminal as a whole — the session it controls, its
// foreground process group, the window size — and the master end's ioctls act on it
// (tty_pair_get_tty). TtyFile is an open file description of either end.
//
// Bytes written towards an end wait in its flip buffer (up to 64 KiB, TTYB_DEFAULT_MEM_LIMIT)
// until its discipline has room; a writer blocks when that is full.

import { FileDescription, Maybe } from '../vfs/file.js';
import type { Stat } from '../abi/stat.js';
import { fail, EAGAIN, EIO } from '../abi/errno.js';
import { POLLIN, POLLRDNORM, POLLOUT, POLLWRNORM, POLLHUP, POLLERR, POLLPRI } from '../abi/poll.js';
import { SIGTTIN, SIGTTOU } from '../abi/signal.js';
import { TOSTOP, ICANON, IXON, EXTPROC, VSTART, VSTOP } from '../abi/termios.js';
import {
  TIOCPKT_DATA, TIOCPKT_FLUSHREAD, TIOCPKT_FLUSHWRITE, TIOCPKT_STOP, TIOCPKT_START, TIOCPKT_NOSTOP,
  TIOCPKT_DOSTOP, TIOCPKT_IOCTL,
} from '../abi/ioctl.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { interruptibleWait, hostTimer, ERESTARTSYS } from '../kernel/signals.js';
import { NTty, Termios } from './ldisc.js';
import { checkChange, killPgrp } from './jobctl.js';
import { ttyIoctl } from './ioctl.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/task.js';
import { monoNs } from '../kernel/fastsys.js';

/** TTYB_DEFAULT_MEM_LIMIT: what a flip buffer holds before writers to it must wait. */
export const FLIP_LIMIT = 65536;

/** A FIFO of bytes kept as the chunks that were written (a flip buffer's list of buffers). */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  length = 0;

  push(bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  /** The first `max` bytes (or all), as one array; nothing is removed. */
  peek(max: number): Uint8Array {
    const n = Math.min(max, this.length);
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(n);
    let off = 0;
    for (let i = 0; off < n; i++) {
      const c = i === 0 ? this.chunks[0].subarray(this.head) : this.chunks[i];
      const k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
    }
    return out;
  }
  drop(n: number): void {
    n = Math.min(n, this.length);
    this.length -= n;
    while (n > 0) {
      const left = this.chunks[0].length - this.head;
      if (n < left) { this.head += n; return; }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
  }
  clear(): void { this.chunks = []; this.head = 0; this.length = 0; }
}

export class Tty {
  readonly ldisc: NTty;
  readonly readWait = new WaitQueue();
  readonly writeWait = new WaitQueue();
  /** The other end of the pair. */
  link!: Tty;
  /** Bytes for this end that its discipline has no room for yet. */
  private readonly flip = new ByteQueue();
  /** Open files of this end. */
  count = 0;
  /** TTY_OTHER_CLOSED: the other end has gone (a master's reads then fail with EIO). */
  otherClosed = false;
  /** The slave after its master closed: reads give 0, writes and ioctls EIO. */
  hungUp = false;
  /** TTY_PTY_LOCK (slave): the slave cannot be opened until unlockpt(). */
  locked = true;
  /** The session it controls and its foreground process group (0: none); slave only. */
  session = 0;
  pgrp = 0;
  /** struct winsize (ws_row, ws_col, ws_xpixel, ws_ypixel), slave only. */
  winsize: Uint8Array = new Uint8Array(8);
  /** TIOCPKT (master): reads start with a status byte. */
  packet = false;
  /** ctrl.pktstatus (slave): TIOCPKT_* events a packet-mode master has not read yet. */
  pktstatus = 0;
  /** TTY_EXCLUSIVE (TIOCEXCL, slave): further opens need CAP_SYS_ADMIN. */
  exclusive = false;

  constructor(readonly kernel: Kernel, readonly index: number, readonly master: boolean, termios: Termios) {
    this.ldisc = new NTty(termios, {
      write: (bytes) => this.link.deliver(bytes),
      writeRoom: () => this.room(),
      signal: (sig) => killPgrp(this.kernel, this.pgrp, sig),
      flushOutput: () => this.flushBuffer(),
      wakeReaders: () => this.readWait.wake(),
      wakeWriters: () => this.writeWait.wake(),
      stopChanged: (stopped) => this.packetEvent(stopped ? TIOCPKT_STOP : TIOCPKT_START, stopped ? TIOCPKT_START : TIOCPKT_STOP),
      inputFlushed: () => this.packetEvent(TIOCPKT_FLUSHREAD),
    });
  }

  /**
   * A status change for a packet-mode master (pty_stop, pty_start, n_tty_packet_mode_flush,
   * pty_flush_buffer, pty_set_termios): recorded on this end, the master's reader woken.
   */
  packetEvent(set: number, clear = 0): void {
    if (!this.link.packet) return;
    this.pktstatus = ((this.pktstatus & ~clear) | set) >>> 0;
    this.link.readWait.wake();
  }

  /** pty_flush_buffer(): output for the other end is dropped (TIOCPKT_FLUSHWRITE for a master). */
  flushBuffer(): void {
    this.link.flushFlip();
    this.packetEvent(TIOCPKT_FLUSHWRITE);
  }

  /**
   * pty_set_termios(): a packet-mode master learns whether ^S/^Q flow control is now in force
   * (TIOCPKT_DOSTOP/NOSTOP) and, under EXTPROC, that the settings changed (TIOCPKT_IOCTL).
   */
  termiosChanged(old: Termios): void {
    if (!this.link.packet) return;
    const tio = this.ldisc.termios;
    const flow = (x: Termios) => (x.iflag & IXON) !== 0 && x.cc[VSTOP] === 0x13 && x.cc[VSTART] === 0x11;
    const extproc = ((old.lflag | tio.lflag) & EXTPROC) !== 0;
    const before = flow(old), after = flow(tio);
    if (before === after && !extproc) return;
    let set = extproc ? TIOCPKT_IOCTL : 0, clear = 0;
    if (before !== after) {
      clear = TIOCPKT_DOSTOP | TIOCPKT_NOSTOP;
      set |= after ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP;
    }
    this.packetEvent(set, clear);
  }

  /** pty_write_room(): what the other end's flip buffer takes now (nothing while stopped). */
  room(): number { return this.ldisc.stopped ? 0 : FLIP_LIMIT - this.link.flip.length; }

  /** tty_pair_get_tty(): the end that holds the terminal's state (the slave). */
  get real(): Tty { return this.master ? this.link : this; }

  /** Bytes arrive from the other end's driver write; returns how many were taken (all of them). */
  deliver(bytes: number[] | Uint8Array): number {
    this.flip.push(bytes instanceof Uint8Array ? bytes.slice() : Uint8Array.from(bytes));
    this.drain();
    return bytes.length;
  }

  /**
   * flush_to_ldisc(): hands the flip buffer to the discipline as far as it has room. Readers it
   * wakes run at once and may drain again from inside: the inner call leaves it to this one.
   */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.flip.length) {
        const room = this.ldisc.receiveRoom();
        if (room <= 0) break;
        const n = this.ldisc.receive(this.flip.peek(room));
        this.flip.drop(n);
        if (n > 0) this.link.writeWait.wake();
        if (n === 0) break;
      }
    } finally {
      this.draining = false;
    }
  }
  private draining = false;

  /** pty_flush_buffer(): bytes for this end that its discipline has not taken are dropped. */
  flushFlip(): void {
    this.flip.clear();
    this.link.writeWait.wake();
  }

  /** Wakes everyone waiting on this end (hangup, close of the other end, termios changes). */
  wakeAll(): void {
    this.readWait.wake();
    this.writeWait.wake();
  }

  /** tty_vhangup() of a slave whose master has closed. */
  hangup(): void {
    this.hungUp = true;
    this.flip.clear();
    this.wakeAll();
  }
}

/** An open file description of a terminal end (/dev/ptmx, /dev/pts/N, /dev/tty). */
export class TtyFile extends FileDescription {
  constructor(readonly tty: Tty, flags: number, path: string, private readonly statOf: () => Stat,
    private readonly onRelease: (f: TtyFile) => void) {
    super(flags, path);
  }

  override isatty(): boolean { return true; }
  override stat(): Stat { return this.statOf(); }

  /** n_tty_read(): canonical lines, or VMIN/VTIME in non-canonical mode; job control first. */
  override read(buf: Uint8Array, t: Task): Maybe<number> {
    const tty = this.tty;
    if (tty.hungUp) return 0;
    const jc = checkChange(t, tty, SIGTTIN);
    if (jc < 0) return jc;
    if (buf.length === 0) return 0;
    const ld = tty.ldisc;
    const rule = ld.readRule();
    const icanon = (ld.termios.lflag & ICANON) !== 0;
    const nowNs = monoNs;
    const ms = (n: number) => BigInt(n) * 1_000_000n;
    let deadline = rule.timeoutMs === Infinity ? undefined : nowNs() + ms(rule.timeoutMs);
    let off = 0;
    // What the read can do now: a result, or undefined when it must wait.
    // A packet-mode master (TIOCPKT): a pending status change is read alone, as one byte;
    // data comes after a TIOCPKT_DATA byte (n_tty_read).
    const packet = tty.master && tty.packet;
    const step = (): number | undefined => {
      for (;;) {
        if (packet && tty.link.pktstatus) {
          if (off > 0) return off;
          buf[0] = tty.link.pktstatus;
          tty.link.pktstatus = 0;
          return 1;
        }
        if (!ld.available(false)) {
          if (tty.otherClosed && tty.master) return off || -EIO;
          if (tty.hungUp) return off;
          if (deadline !== undefined && nowNs() >= deadline) return off;
          if (this.nonblocking) return off || -EAGAIN;
          return undefined;
        }
        if (packet && off === 0 && !icanon) {
          buf[0] = TIOCPKT_DATA;
          off = 1;
        }
        off = ld.copy(buf, off).off;
        tty.drain();
        tty.link.writeWait.wake();
        if (icanon || off >= rule.minimum || off === buf.length) return off;
        if (rule.interMs) deadline = nowNs() + ms(rule.interMs);
      }
    };
    const RETRY = -0x10000;
    const wait = (): Maybe<number> => {
      const r = interruptibleWait(t, (wake) => {
        const off1 = tty.readWait.subscribe(wake);
        const timer = deadline === undefined ? undefined : hostTimer(deadline - nowNs(), wake);
        return () => { off1(); timer?.(); };
      }, (interrupted) => {
        if (t.state === 'dead') return 0;
        const v = step();
        if (v !== undefined) return v;
        return interrupted ? (off || -ERESTARTSYS) : RETRY;
      });
      const again = (v: number): Maybe<number> => (v === RETRY ? wait() : v);
      return typeof r === 'number' ? again(r) : r.then(again);
    };
    const now = step();
    return now !== undefined ? now : wait();
  }

  /** n_tty_write(): output processing, waiting for room; TOSTOP stops background writers. */
  override write(buf: Uint8Array, t: Task): Maybe<number> {
    const tty = this.tty;
    if (tty.hungUp) return fail(EIO);
    if (tty.ldisc.termios.lflag & TOSTOP) {
      const jc = checkChange(t, tty, SIGTTOU);
      if (jc < 0) return jc;
    }
    let done = 0;
    const step = (): number | undefined => {
      if (tty.hungUp) return done || -EIO;
      done += tty.ldisc.writeOut(buf.subarray(done));
      if (done === buf.length) return done;
      if (this.nonblocking) return done || -EAGAIN;
      return undefined;
    };
    const r = step();
    if (r !== undefined) return r;
    return tty.writeWait.waitInterruptible(t, step, () => done || -ERESTARTSYS);
  }

  /** n_tty_poll(); a hung-up terminal is everything at once (hung_up_tty_poll). */
  override poll(): number {
    const tty = this.tty;
    if (tty.hungUp) return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
    let mask = 0;
    if (tty.ldisc.available(true)) mask |= POLLIN | POLLRDNORM;
    if (tty.master && tty.packet && tty.link.pktstatus) mask |= POLLPRI | POLLIN;
    if (tty.otherClosed && tty.master) mask |= POLLHUP;
    if (tty.room() > 0) mask |= POLLOUT | POLLWRNORM;
    return mask;
  }
  override onReady(cb: () => void): () => void {
    const offs = [this.tty.readWait.subscribe(cb), this.tty.writeWait.subscribe(cb)];
    return () => offs.forEach((o) => o());
  }
  override get pollable(): boolean { return true; }

  override ioctl(req: number, arg: number, t: Task): number {
    return ttyIoctl(this, req, arg, t);
  }

  protected override release(): void { this.onRelease(this); }
}
