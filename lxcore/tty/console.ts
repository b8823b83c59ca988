// A terminal outside the instance behind one of lxcore's ptys (the way WSL's console sits behind
// lxcore's own tty): the host feeds what the user types into the pty's master side and shows
// what comes out of it; the guest sees the slave as its stdio and controlling terminal, with
// lxcore's line discipline and job control. The CLI drives it from the host terminal in raw
// mode; the browser playground can drive it from a terminal widget the same way.

import type { Tty, TtyFile } from './tty.js';
import { createPair, closeMaster, slaveFile } from './devpts.js';
import { killPgrp } from './jobctl.js';
import { O_RDWR } from '../abi/fcntl.js';
import { SIGCONT, SIGWINCH } from '../abi/signal.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Process } from '../kernel/task.js';

export class Console {
  readonly master: Tty;
  readonly slave: Tty;
  private scheduled = false;
  private closed = false;

  /** `output` receives what the guest's terminal shows, in order. */
  constructor(kernel: Kernel, uid: number, private readonly output: (bytes: Uint8Array) => void, cols = 80, rows = 24) {
    this.master = createPair(kernel, uid);
    this.slave = this.master.link;
    this.slave.locked = false;
    this.setWinsize(cols, rows);
    this.master.readWait.subscribe(() => this.schedule());
  }

  /** A description of the slave for one of the guest's descriptors. */
  open(): TtyFile { return slaveFile(this.slave, O_RDWR); }

  /**
   * Makes the slave `p`'s controlling terminal with `p`'s group in front. `p` keeps the session
   * it has (the host's, for the first process), which the terminal now belongs to.
   */
  attach(p: Process): void {
    this.slave.session = p.sid;
    this.slave.pgrp = p.pgid;
    p.ctty = this.slave;
  }

  /** What the user typed: the slave's input (line discipline, echo, ^C …). */
  input(bytes: Uint8Array): void {
    if (this.closed) return;
    this.slave.deliver(bytes);
  }

  /** SIGCONT to process group `pgid` (the host's shell continued wasl after a ^Z). */
  continueGroup(pgid: number): void {
    killPgrp(this.slave.kernel, pgid, SIGCONT);
  }

  /** The host terminal's size changed: TIOCSWINSZ, with SIGWINCH to the foreground group. */
  resize(cols: number, rows: number): void {
    if (this.setWinsize(cols, rows)) killPgrp(this.slave.kernel, this.slave.pgrp, SIGWINCH);
  }

  private setWinsize(cols: number, rows: number): boolean {
    const ws = new Uint8Array(8);
    const v = new DataView(ws.buffer);
    v.setUint16(0, rows, true);
    v.setUint16(2, cols, true);
    const old = this.slave.winsize;
    if (ws.every((b, i) => b === old[i])) return false;
    this.slave.winsize = ws;
    return true;
  }

  /** Output is collected after the write that produced it, not from inside it. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => { this.scheduled = false; this.flush(); });
  }

  /** Hands everything the guest has written to the terminal to `output` now. */
  flush(): void {
    const ld = this.master.ldisc;
    while (ld.available(false)) {
      const buf = new Uint8Array(Math.max(ld.stored, 1));
      const n = ld.copy(buf, 0).off;
      if (n === 0) break;
      this.master.drain();
      this.slave.writeWait.wake();
      this.output(buf.subarray(0, n));
    }
  }

  /** The host side goes away: the slave hangs up (SIGHUP to a guest session leader). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeMaster(this.master);
  }
}
