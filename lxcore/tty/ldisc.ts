// The N_TTY line discipline (termios(3), drivers/tty/n_tty.c's behaviour): input processing
// (ICRNL/INLCR/IGNCR, ISTRIP), canonical line editing (VERASE, VKILL, VWERASE, VEOF, VEOL,
// VEOL2, VLNEXT, VREPRINT), echo (ECHO, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOCTL, ECHOPRT), ISIG
// characters, IXON's stop/start, and output processing (OPOST, ONLCR, OCRNL, ONOCR, ONLRET,
// OLCUC, XTABS). It is an object with no kernel in it: the terminal (tty.ts) gives it a Port to
// write to, to signal the foreground group through, and to wake readers with.
//
// Shapes that show and are kept: the read buffer holds 4095 characters (N_TTY_BUF_SIZE − 1; a
// canonical line may overflow it by one and further input is edited but not stored); echoes are
// queued and written at the end of each received batch, so an ISIG character in the same batch
// discards the echoes of what came before it (isig flushes the echo queue); VEOF ends a line
// with a marker that a read drops.

import {
  VINTR, VQUIT, VERASE, VKILL, VEOF, VTIME, VMIN, VSTART, VSTOP, VSUSP, VEOL, VREPRINT,
  VWERASE, VLNEXT, VEOL2, ISTRIP, INLCR, IGNCR, ICRNL, IUCLC, IXON, IXANY, IUTF8, PARMRK,
  OPOST, OLCUC, ONLCR, OCRNL, ONOCR, ONLRET, TABDLY, XTABS, ISIG, ICANON, ECHO, ECHOE, ECHOK,
  ECHONL, NOFLSH, ECHOCTL, ECHOPRT, ECHOKE, IEXTEN, EXTPROC,
} from '../abi/termios.js';
import { SIGINT, SIGQUIT, SIGTSTP } from '../abi/signal.js';

/** N_TTY_BUF_SIZE: the read buffer's size. */
export const N_TTY_BUF_SIZE = 4096;
/** What the discipline stores for VEOF: an end of line that a read does not return. */
const DISABLED_CHAR = 0;

/** The kernel's struct ktermios, as the discipline and the termios ioctls see it. */
export interface Termios {
  iflag: number; oflag: number; cflag: number; lflag: number; line: number;
  cc: Uint8Array; ispeed: number; ospeed: number;
}

/** INIT_C_CC: ^C ^\ DEL ^U ^D, TIME 0, MIN 1, SWTC 0, ^Q ^S ^Z, EOL 0, ^R ^O ^W ^V, EOL2 0. */
export function initCc(): Uint8Array {
  return Uint8Array.from([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0]);
}
export function copyTermios(t: Termios): Termios { return { ...t, cc: t.cc.slice() }; }

/** What the discipline needs from its terminal. */
export interface Port {
  /** The driver's write (pty_write): bytes go out; returns how many were taken. */
  write(bytes: number[]): number;
  /** How many bytes the driver takes now (tty_write_room). */
  writeRoom(): number;
  /** isig(): the signal for the foreground process group. */
  signal(sig: number): void;
  /** tty_driver_flush_buffer(): output not yet delivered is dropped. */
  flushOutput(): void;
  /** Readers (and pollers) may find input now. */
  wakeReaders(): void;
  /** Writers may find room now (start_tty). */
  wakeWriters(): void;
  /** Output was stopped or started (the driver's stop/start: a pty tells a packet-mode master). */
  stopChanged(stopped: boolean): void;
  /** Input was flushed (n_tty_packet_mode_flush: a pty tells a packet-mode master). */
  inputFlushed(): void;
}

type EchoOp = number | { ctl: number } | { tab: number } | 'canon-col' | 'back-col';

const iscntrl = (c: number): boolean => c < 0x20 || c === 0x7f;
const isalnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

export class NTty {
  termios: Termios;
  /** Characters received and not yet read (read_tail..read_head), and their end-of-line marks. */
  private buf: number[] = [];
  private eol: boolean[] = [];
  /** Characters at the front that form complete lines (canon_head − read_tail). */
  private canon = 0;
  /** In canonical mode, the line being typed starts at `canon`; echo state for erasing. */
  private icanon = false;
  private lnext = false;
  private erasing = false;
  private echoes: EchoOp[] = [];
  /** Output column, and the column where the current input line's echo started. */
  column = 0;
  private canonColumn = 0;
  /** Output stopped by VSTOP (IXON) until VSTART. */
  stopped = false;

  constructor(termios: Termios, private readonly port: Port) {
    this.termios = termios;
    this.setTermios(undefined);
  }

  private L(f: number): boolean { return (this.termios.lflag & f) !== 0; }
  private I(f: number): boolean { return (this.termios.iflag & f) !== 0; }
  private O(f: number): boolean { return (this.termios.oflag & f) !== 0; }
  private cc(i: number): number { return this.termios.cc[i]; }

  /** n_tty_set_termios(): a change of ICANON re-frames what is already buffered. */
  setTermios(old: Termios | undefined): void {
    if (!old || ((old.lflag ^ this.termios.lflag) & (ICANON | EXTPROC))) {
      this.eol.fill(false);
      if (!this.L(ICANON) || this.buf.length === 0) {
        this.canon = 0;
      } else {
        // Switched to canonical with input pending: it becomes one line at once (a "push").
        this.eol[this.buf.length - 1] = true;
        this.canon = this.buf.length;
      }
      this.erasing = false;
      this.lnext = false;
    }
    this.icanon = this.L(ICANON);
    if (old && (old.iflag & IXON) && !this.I(IXON) && this.stopped) this.start();
    this.port.wakeWriters();
    this.port.wakeReaders();
  }

  /** Whether `c` needs the slow path (n_tty's char_map); NUL (the disabled value) never does. */
  private special(c: number): boolean {
    if (c === DISABLED_CHAR) return false;
    if ((c === 0x0d && (this.I(IGNCR) || this.I(ICRNL))) || (c === 0x0a && this.I(INLCR))) return true;
    if (this.L(ICANON)) {
      if (c === this.cc(VERASE) || c === this.cc(VKILL) || c === this.cc(VEOF) || c === 0x0a || c === this.cc(VEOL)) return true;
      if (this.L(IEXTEN) && (c === this.cc(VWERASE) || c === this.cc(VLNEXT) || c === this.cc(VEOL2) ||
        (this.L(ECHO) && c === this.cc(VREPRINT)))) return true;
    }
    if (this.I(IXON) && (c === this.cc(VSTART) || c === this.cc(VSTOP))) return true;
    if (this.L(ISIG) && (c === this.cc(VINTR) || c === this.cc(VQUIT) || c === this.cc(VSUSP))) return true;
    return false;
  }

  /** Whether the discipline does anything to input at all (else it stores it raw). */
  private get raw(): boolean {
    return !(this.I(ISTRIP) || this.I(IUCLC) || this.I(IGNCR) || this.I(ICRNL) || this.I(INLCR) ||
      this.L(ICANON) || this.I(IXON) || this.L(ISIG) || this.L(ECHO) || this.I(PARMRK));
  }

  // ---- input -----------------------------------------------------------------------------------
  /** How many received characters the discipline takes now (a canonical line without an end: any). */
  receiveRoom(): number {
    const room = N_TTY_BUF_SIZE - this.buf.length - 1;
    if (room > 0) return room;
    return this.icanon && this.canon === 0 ? Infinity : 0;
  }

  /** Takes received characters, as many as there is room for; returns how many. */
  receive(bytes: Uint8Array): number {
    let n = 0;
    if (this.raw) {
      n = Math.min(bytes.length, Math.max(0, N_TTY_BUF_SIZE - 1 - this.buf.length));
      for (let i = 0; i < n; i++) this.put(bytes[i]);
    } else for (; n < bytes.length; n++) {
      const room = N_TTY_BUF_SIZE - this.buf.length - 1;
      if (room <= 0) {
        // A canonical line with no end yet keeps taking input, so that erase characters work:
        // past the last slot, each new character replaces the one before it.
        if (!(this.icanon && this.canon === 0)) break;
        if (room < 0) this.truncate(this.buf.length - 1);
      }
      this.receiveChar(bytes[n]);
    }
    if (!this.raw) this.flushEchoes();
    if (!this.icanon) this.canon = this.buf.length;
    if (this.available(false)) this.port.wakeReaders();
    return n;
  }

  private put(c: number): void { this.buf.push(c); this.eol.push(false); }

  private receiveChar(c: number): void {
    if (this.raw) { this.put(c); return; }
    if (this.lnext) {
      this.lnext = false;
      if (this.I(ISTRIP)) c &= 0x7f;
      this.normalChar(c);
      return;
    }
    if (this.I(ISTRIP)) c &= 0x7f;
    if (this.I(IUCLC) && this.L(IEXTEN) && c >= 0x41 && c <= 0x5a) c += 0x20;
    if (this.L(EXTPROC)) { this.put(c); return; }
    if (this.special(c)) this.specialChar(c); else this.normalChar(c);
  }

  /** n_tty_receive_char: an ordinary character, echoed and stored. */
  private normalChar(c: number): void {
    if (this.stopped && this.I(IXON) && this.I(IXANY)) this.start();
    if (this.L(ECHO)) {
      this.finishErasing();
      if (this.lineLength() === 0) this.echoes.push('canon-col');
      this.echoChar(c);
      this.commitEchoes();
    }
    if (c === 0xff && this.I(PARMRK)) this.put(c);
    this.put(c);
  }

  private specialChar(c: number): void {
    if (this.I(IXON)) {
      if (c === this.cc(VSTART)) { this.start(); return; }
      if (c === this.cc(VSTOP)) { this.stop(); return; }
    }
    if (this.L(ISIG)) {
      const sig = c === this.cc(VINTR) ? SIGINT : c === this.cc(VQUIT) ? SIGQUIT : c === this.cc(VSUSP) ? SIGTSTP : 0;
      if (sig) {
        this.isig(sig);
        if (this.I(IXON)) this.start();
        if (this.L(ECHO)) { this.echoChar(c); this.commitEchoes(); }
        return;
      }
    }
    if (this.stopped && this.I(IXON) && this.I(IXANY)) this.start();
    if (c === 0x0d) {
      if (this.I(IGNCR)) return;
      if (this.I(ICRNL)) c = 0x0a;
    } else if (c === 0x0a && this.I(INLCR)) c = 0x0d;
    if (this.icanon && this.canonChar(c)) return;
    if (this.L(ECHO)) {
      this.finishErasing();
      if (c === 0x0a) this.echoes.push(0x0a);
      else {
        if (this.lineLength() === 0) this.echoes.push('canon-col');
        this.echoChar(c);
      }
      this.commitEchoes();
    }
    if (c === 0xff && this.I(PARMRK)) this.put(c);
    this.put(c);
  }

  /** The canonical-mode editing characters; false if `c` is none of them. */
  private canonChar(c: number): boolean {
    const iexten = this.L(IEXTEN);
    if (c === this.cc(VERASE) || c === this.cc(VKILL) || (c === this.cc(VWERASE) && iexten)) {
      this.eraser(c);
      this.commitEchoes();
      return true;
    }
    if (c === this.cc(VLNEXT) && iexten) {
      this.lnext = true;
      if (this.L(ECHO)) {
        this.finishErasing();
        if (this.L(ECHOCTL)) { this.echoes.push(0x5e, 0x08); this.commitEchoes(); }
      }
      return true;
    }
    if (c === this.cc(VREPRINT) && this.L(ECHO) && iexten) {
      this.finishErasing();
      this.echoChar(c);
      this.echoes.push(0x0a);
      for (let i = this.canon; i < this.buf.length; i++) this.echoChar(this.buf[i]);
      this.commitEchoes();
      return true;
    }
    if (c === 0x0a) {
      if (this.L(ECHO) || this.L(ECHONL)) { this.echoes.push(0x0a); this.commitEchoes(); }
      this.newline(c);
      return true;
    }
    if (c === this.cc(VEOF)) { this.newline(DISABLED_CHAR); return true; }
    if (c === this.cc(VEOL) || (c === this.cc(VEOL2) && iexten)) {
      if (this.L(ECHO)) {
        if (this.lineLength() === 0) this.echoes.push('canon-col');
        this.echoChar(c);
        this.commitEchoes();
      }
      if (c === 0xff && this.I(PARMRK)) this.put(c);
      this.newline(c);
      return true;
    }
    return false;
  }

  /** Ends the current line with `c` (n_tty_receive_handle_newline). */
  private newline(c: number): void {
    this.put(c);
    this.eol[this.eol.length - 1] = true;
    this.canon = this.buf.length;
    this.port.wakeReaders();
  }

  private lineLength(): number { return this.buf.length - this.canon; }

  /** eraser(): VERASE, VWERASE (alternate word erase: a word and the blanks after it), VKILL. */
  private eraser(c: number): void {
    if (this.lineLength() === 0) return;
    let kind: 'erase' | 'werase' | 'kill';
    if (c === this.cc(VERASE)) kind = 'erase';
    else if (c === this.cc(VWERASE)) kind = 'werase';
    else {
      if (!this.L(ECHO)) { this.truncate(this.canon); return; }
      if (!this.L(ECHOK) || !this.L(ECHOKE) || !this.L(ECHOE)) {
        this.truncate(this.canon);
        this.finishErasing();
        this.echoChar(this.cc(VKILL));
        if (this.L(ECHOK)) this.echoes.push(0x0a);
        return;
      }
      kind = 'kill';
    }
    const utf8 = this.I(IUTF8);
    const cont = (b: number) => utf8 && (b & 0xc0) === 0x80;
    let seenAlnums = 0;
    while (this.buf.length > this.canon) {
      let head = this.buf.length;
      let ch: number;
      do { ch = this.buf[--head]; } while (cont(ch) && head > this.canon);
      if (cont(ch)) break; // never erase part of a character
      if (kind === 'werase') {
        if (isalnum(ch) || ch === 0x5f) seenAlnums++;
        else if (seenAlnums) break;
      }
      const cnt = this.buf.length - head;
      const erased = this.buf.slice(head);
      this.truncate(head);
      if (this.L(ECHO)) {
        if (this.L(ECHOPRT)) {
          if (!this.erasing) { this.echoes.push(0x5c); this.erasing = true; }
          this.echoChar(ch);
          for (let i = 1; i < cnt; i++) { this.echoes.push(erased[i], 'back-col'); }
        } else if (kind === 'erase' && !this.L(ECHOE)) {
          this.echoChar(this.cc(VERASE));
        } else if (ch === 0x09) {
          let cols = 0, afterTab = false;
          for (let i = this.buf.length - 1; i >= this.canon; i--) {
            const b = this.buf[i];
            if (b === 0x09) { afterTab = true; break; }
            if (iscntrl(b)) { if (this.L(ECHOCTL)) cols += 2; } else if (!cont(b)) cols++;
          }
          this.echoes.push({ tab: (cols & 7) | (afterTab ? 0x80 : 0) });
        } else {
          const ctl = iscntrl(ch), echoctl = this.L(ECHOCTL);
          if (ctl && echoctl) this.echoes.push(0x08, 0x20, 0x08);
          if (!ctl || echoctl) this.echoes.push(0x08, 0x20, 0x08);
        }
      }
      if (kind === 'erase') break;
    }
    if (this.buf.length === this.canon && this.L(ECHO)) this.finishErasing();
  }

  private truncate(len: number): void { this.buf.length = len; this.eol.length = len; }

  private finishErasing(): void {
    if (this.erasing) { this.echoes.push(0x2f); this.erasing = false; }
  }

  /** echo_char(): control characters (but tab) as ^X under ECHOCTL. */
  private echoChar(c: number): void {
    if (this.L(ECHOCTL) && iscntrl(c) && c !== 0x09) this.echoes.push({ ctl: c });
    else this.echoes.push(c);
  }

  /** isig(): the signal, then (unless NOFLSH) pending echoes, output and input are dropped. */
  private isig(sig: number): void {
    this.port.signal(sig);
    if (this.L(NOFLSH)) return;
    this.echoes = [];
    this.port.flushOutput();
    this.flushInput();
  }

  /** Echoes go out in blocks once 256 are queued, and all of them at the end of a batch. */
  private commitEchoes(): void { if (this.echoes.length >= 256) this.processEchoes(); }
  private flushEchoes(): void { if (this.L(ECHO) || this.L(ECHONL)) this.processEchoes(); }

  /** __process_echoes(): writes queued echoes through output processing, as room allows. */
  processEchoes(): void {
    if (this.echoes.length === 0) return;
    let space = this.port.writeRoom();
    const out: number[] = [];
    let i = 0;
    for (; i < this.echoes.length; i++) {
      const e = this.echoes[i];
      if (e === 'canon-col') { this.canonColumn = this.column; continue; }
      if (e === 'back-col') { if (this.column > 0) this.column--; continue; }
      if (typeof e === 'object' && 'tab' in e) {
        let n = e.tab;
        if (!(n & 0x80)) n += this.canonColumn;
        let bs = 8 - (n & 7);
        if (bs > space) break;
        space -= bs;
        while (bs--) { out.push(0x08); if (this.column > 0) this.column--; }
        continue;
      }
      if (typeof e === 'object') {
        if (space < 2) break;
        out.push(0x5e, e.ctl ^ 0x40);
        this.column += 2;
        space -= 2;
        continue;
      }
      if (this.O(OPOST)) {
        const r = this.outputChar(e, space, out);
        if (r < 0) break;
        space -= r;
      } else {
        if (!space) break;
        out.push(e);
        space--;
      }
    }
    this.echoes.splice(0, i);
    if (out.length) this.port.write(out);
  }

  // ---- reading ---------------------------------------------------------------------------------
  /**
   * input_available_p(): a complete line in canonical mode; otherwise a character (for poll,
   * VMIN of them when VTIME is 0).
   */
  available(poll: boolean): boolean {
    if (this.icanon && !this.L(EXTPROC)) return this.canon > 0;
    const amt = poll && !this.cc(VTIME) && this.cc(VMIN) ? this.cc(VMIN) : 1;
    return this.buf.length >= amt;
  }

  /** The VMIN/VTIME reading rule for a non-canonical read: [minimum, first wait, inter-byte wait] in ms. */
  readRule(): { minimum: number; timeoutMs: number; interMs: number } {
    if (this.icanon) return { minimum: 0, timeoutMs: Infinity, interMs: 0 };
    const min = this.cc(VMIN), time = this.cc(VTIME) * 100;
    if (min) return { minimum: min, timeoutMs: Infinity, interMs: time };
    return { minimum: 1, timeoutMs: time, interMs: 0 };
  }

  /**
   * Copies input into `dst` from `off`: in canonical mode at most one line (the VEOF marker
   * dropped), otherwise what is there. Returns the new offset and whether a line ended.
   */
  copy(dst: Uint8Array, off: number): { off: number; lineDone: boolean } {
    const nr = dst.length - off;
    if (nr <= 0) return { off, lineDone: false };
    if (!this.icanon || this.L(EXTPROC)) {
      const n = Math.min(nr, this.buf.length);
      for (let i = 0; i < n; i++) dst[off + i] = this.buf[i];
      this.consume(n);
      return { off: off + n, lineDone: false };
    }
    const avail = Math.min(nr, this.canon);
    let eolAt = -1;
    for (let i = 0; i < avail; i++) if (this.eol[i]) { eolAt = i; break; }
    if (eolAt < 0) {
      for (let i = 0; i < avail; i++) dst[off + i] = this.buf[i];
      this.consume(avail);
      // A read that filled its buffer right before a VEOF marker eats the marker (canon_skip_eof).
      if (off + avail === dst.length && this.canon > 0 && this.eol[0] && this.buf[0] === DISABLED_CHAR) this.consume(1);
      return { off: off + avail, lineDone: false };
    }
    const isEof = this.buf[eolAt] === DISABLED_CHAR;
    const n = isEof ? eolAt : eolAt + 1;
    for (let i = 0; i < n; i++) dst[off + i] = this.buf[i];
    this.consume(eolAt + 1);
    return { off: off + n, lineDone: true };
  }

  private consume(n: number): void {
    this.buf.splice(0, n);
    this.eol.splice(0, n);
    this.canon = Math.max(0, this.canon - n);
    if (!this.icanon) this.canon = this.buf.length;
  }

  /** FIONREAD: in canonical mode the bytes of complete lines, VEOF markers not counted. */
  inq(): number {
    if (!this.icanon || this.L(EXTPROC)) return this.buf.length;
    let n = this.canon;
    for (let i = 0; i < this.canon; i++) if (this.eol[i] && this.buf[i] === DISABLED_CHAR) n--;
    return n;
  }

  /** Characters stored (for the receive room of the other side's writes). */
  get stored(): number { return this.buf.length; }

  /** n_tty_flush_buffer / reset_buffer_flags: input is dropped. */
  flushInput(): void {
    this.truncate(0);
    this.canon = 0;
    this.erasing = false;
    this.lnext = false;
    this.port.wakeWriters();
    this.port.inputFlushed();
  }

  // ---- output ----------------------------------------------------------------------------------
  /**
   * do_output_char(): one character with output processing into `out`; returns the bytes it
   * took, or −1 if it needs more than `space`.
   */
  private outputChar(c: number, space: number, out: number[]): number {
    if (!space) return -1;
    switch (c) {
      case 0x0a:
        if (this.O(ONLRET)) this.column = 0;
        if (this.O(ONLCR)) {
          if (space < 2) return -1;
          this.canonColumn = this.column = 0;
          out.push(0x0d, 0x0a);
          return 2;
        }
        this.canonColumn = this.column;
        break;
      case 0x0d:
        if (this.O(ONOCR) && this.column === 0) return 0;
        if (this.O(OCRNL)) {
          c = 0x0a;
          if (this.O(ONLRET)) this.canonColumn = this.column = 0;
          break;
        }
        this.canonColumn = this.column = 0;
        break;
      case 0x09: {
        const spaces = 8 - (this.column & 7);
        if ((this.termios.oflag & TABDLY) === XTABS) {
          if (space < spaces) return -1;
          this.column += spaces;
          for (let i = 0; i < spaces; i++) out.push(0x20);
          return spaces;
        }
        this.column += spaces;
        break;
      }
      case 0x08:
        if (this.column > 0) this.column--;
        break;
      default:
        if (!iscntrl(c)) {
          if (this.O(OLCUC) && c >= 0x61 && c <= 0x7a) c -= 0x20;
          if (!(this.I(IUTF8) && (c & 0xc0) === 0x80)) this.column++;
        }
        break;
    }
    out.push(c);
    return 1;
  }

  /**
   * The output half of n_tty_write: `src` through output processing (or as is without OPOST)
   * to the driver, as far as its room goes; returns how many source bytes went.
   */
  writeOut(src: Uint8Array): number {
    this.processEchoes();
    if (this.stopped) return 0;
    let space = this.port.writeRoom();
    if (!this.O(OPOST)) {
      const n = Math.min(space, src.length);
      if (n > 0) this.port.write(Array.from(src.subarray(0, n)));
      return n;
    }
    const out: number[] = [];
    let i = 0;
    for (; i < src.length; i++) {
      const r = this.outputChar(src[i], space, out);
      if (r < 0) break;
      space -= r;
    }
    if (out.length) this.port.write(out);
    return i;
  }

  /** stop_tty(): output stops (VSTOP, TCOOFF). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.port.stopChanged(true);
  }

  /** start_tty(): output resumes after VSTOP. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.port.stopChanged(false);
    this.port.wakeWriters();
  }
}

