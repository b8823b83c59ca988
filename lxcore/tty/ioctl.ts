// Terminal ioctls (ioctl_tty(2), tty_ioctl.c, n_tty_ioctl_helper, pty_unix98_ioctl): termios in
// its three layouts (struct termio, termios, termios2), window size, process groups and the
// controlling terminal, input/output queues and flushing, and the pty master's own requests.
// A master's terminal-wide requests act on its slave (tty_pair_get_tty).

import { fail, EINVAL, EIO, ENOTTY, EPERM, ESRCH } from '../abi/errno.js';
import {
  TCGETS, TCSETS, TCSETSW, TCSETSF, TCGETA, TCSETA, TCSETAW, TCSETAF, TCGETS2, TCSETS2, TCSETSW2,
  TCSETSF2, TCSBRK, TCSBRKP, TCXONC, TCFLSH, TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID,
  TIOCOUTQ, FIONREAD, TIOCGWINSZ, TIOCSWINSZ, TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, TIOCGPTPEER,
  TIOCSIG, TIOCSTI, TIOCGETD, TIOCSETD, TCIFLUSH, TCOFLUSH, TCIOFLUSH, TCOOFF, TCOON, TCIOFF, TCION,
  TIOCPKT, TIOCGPKT, TIOCSBRK, TIOCCBRK, TIOCGSOFTCAR, TIOCSSOFTCAR, TIOCEXCL, TIOCNXCL, TIOCGEXCL,
} from '../abi/ioctl.js';
import { CBAUD, CBAUDEX, BOTHER, IBSHIFT, CSIZE, CS8, CREAD, PARENB, NCCS, VSTART, VSTOP, CLOCAL } from '../abi/termios.js';
import { SIGINT, SIGQUIT, SIGTSTP, SIGTTOU, SIGWINCH } from '../abi/signal.js';
import { O_CLOEXEC } from '../abi/fcntl.js';
import { groupMembers } from '../kernel/proctree.js';
import { checkChange, disassociateCtty, isLeader, killPgrp, setCtty } from './jobctl.js';
import { openPeer } from './devpts.js';
import { copyTermios, Termios } from './ldisc.js';
import type { Tty, TtyFile } from './tty.js';
import type { Task } from '../kernel/task.js';

/** struct termio: four u16 flags, c_line, c_cc[NCC = 8]. */
const NCC = 8, TERMIO_SIZE = 18;
/** struct termios: four u32 flags, c_line, c_cc[19]; termios2 adds c_ispeed and c_ospeed. */
const TERMIOS_SIZE = 36, TERMIOS2_SIZE = 44;

const BAUD_TABLE = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
  57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000,
  3000000, 3500000, 4000000];

/** tty_termios_baud_rate(): the speed a CBAUD code stands for (BOTHER: the explicit speed). */
function baudOf(code: number, explicit: number): number {
  if (code === BOTHER) return explicit;
  const i = code & CBAUDEX ? (code & ~CBAUDEX) + 15 : code;
  return BAUD_TABLE[i] ?? 0;
}

function encodeTermios(tio: Termios, size: number): Uint8Array {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(tio.iflag >>> 0, 0);
  b.writeUInt32LE(tio.oflag >>> 0, 4);
  b.writeUInt32LE(tio.cflag >>> 0, 8);
  b.writeUInt32LE(tio.lflag >>> 0, 12);
  b[16] = tio.line;
  b.set(tio.cc.subarray(0, NCCS), 17);
  if (size === TERMIOS2_SIZE) { b.writeUInt32LE(tio.ispeed, 36); b.writeUInt32LE(tio.ospeed, 40); }
  return new Uint8Array(b.buffer, b.byteOffset, size);
}

function encodeTermio(tio: Termios): Uint8Array {
  const b = Buffer.alloc(TERMIO_SIZE);
  [tio.iflag, tio.oflag, tio.cflag, tio.lflag].forEach((v, i) => b.writeUInt16LE(v & 0xffff, i * 2));
  b[8] = tio.line;
  b.set(tio.cc.subarray(0, NCC), 9);
  return new Uint8Array(b.buffer, b.byteOffset, TERMIO_SIZE);
}

/** The new settings a TCSET* request carries, merged as the kernel merges each layout. */
function decodeSettings(req: number, data: Uint8Array, old: Termios): Termios {
  const b = Buffer.from(data.buffer, data.byteOffset, data.length);
  const tio = copyTermios(old);
  if (data.length === TERMIO_SIZE) {
    // user_termio_to_kernel_termios(): only the low 16 bits of each flag word are replaced.
    tio.iflag = (old.iflag & 0xffff0000) | b.readUInt16LE(0);
    tio.oflag = (old.oflag & 0xffff0000) | b.readUInt16LE(2);
    tio.cflag = (old.cflag & 0xffff0000) | b.readUInt16LE(4);
    tio.lflag = (old.lflag & 0xffff0000) | b.readUInt16LE(6);
    tio.line = b[8];
    tio.cc.set(data.subarray(9, 9 + NCC), 0);
  } else {
    tio.iflag = b.readUInt32LE(0);
    tio.oflag = b.readUInt32LE(4);
    tio.cflag = b.readUInt32LE(8);
    tio.lflag = b.readUInt32LE(12);
    tio.line = b[16];
    tio.cc.set(data.subarray(17, 17 + NCCS), 0);
  }
  const two = req === TCSETS2 || req === TCSETSW2 || req === TCSETSF2;
  const ispeedGiven = two ? b.readUInt32LE(36) : 0, ospeedGiven = two ? b.readUInt32LE(40) : 0;
  tio.ospeed = baudOf(tio.cflag & CBAUD, ospeedGiven);
  const icode = (tio.cflag >>> IBSHIFT) & CBAUD;
  tio.ispeed = icode ? baudOf(icode, ispeedGiven) : tio.ospeed;
  return tio;
}

function putInt(t: Task, addr: number, v: number): void {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  t.process.mm.write(addr, new Uint8Array(b.buffer, b.byteOffset, 4));
}
function getInt(t: Task, addr: number): number {
  return Buffer.from(t.process.mm.read(addr, 4)).readInt32LE(0);
}

/** set_termios(): the job-control check, an optional input flush, then the pty's own rule. */
function setTermios(f: TtyFile, real: Tty, req: number, arg: number, t: Task): number {
  const jc = checkChange(t, real, SIGTTOU);
  if (jc < 0) return jc;
  const size = req === TCSETA || req === TCSETAW || req === TCSETAF ? TERMIO_SIZE
    : req === TCSETS2 || req === TCSETSW2 || req === TCSETSF2 ? TERMIOS2_SIZE : TERMIOS_SIZE;
  const ld = real.ldisc;
  const old = ld.termios;
  const tio = decodeSettings(req, t.process.mm.read(arg, size), old);
  if (req === TCSETSF || req === TCSETAF || req === TCSETSF2) ld.flushInput();
  // pty_set_termios(): a pseudo-terminal is always 8 bits, no parity, receiving.
  tio.cflag = ((tio.cflag & ~(CSIZE | PARENB)) | CS8 | CREAD) >>> 0;
  ld.termios = tio;
  ld.setTermios(old);
  real.termiosChanged(old);
  real.wakeAll();
  return 0;
}

export function ttyIoctl(f: TtyFile, req: number, arg: number, t: Task): number {
  const tty = f.tty;
  const real = tty.real;
  const p = t.process;
  const mm = p.mm;
  const root = p.creds.euid === 0;
  if (tty.hungUp) return fail(req === TIOCSPGRP ? ENOTTY : EIO); // hung_up_tty_ioctl
  switch (req) {
    // ---- the pty master's own (pty_unix98_ioctl) ----
    case TIOCGPTN:
      if (!tty.master) fail(ENOTTY);
      putInt(t, arg, tty.index);
      return 0;
    case TIOCSPTLCK:
      if (!tty.master) fail(ENOTTY);
      real.locked = getInt(t, arg) !== 0;
      return 0;
    case TIOCGPTLCK:
      if (!tty.master) fail(ENOTTY);
      putInt(t, arg, real.locked ? 1 : 0);
      return 0;
    case TIOCGPTPEER:
      if (!tty.master) fail(ENOTTY);
      return p.fds.install(openPeer(t, tty, arg | 0), ((arg | 0) & O_CLOEXEC) !== 0);
    case TIOCPKT: {
      if (!tty.master) fail(ENOTTY);
      // pty_set_pktmode(): turning it on forgets status changes from before.
      const on = getInt(t, arg) !== 0;
      if (on && !tty.packet) real.pktstatus = 0;
      tty.packet = on;
      return 0;
    }
    case TIOCGPKT:
      if (!tty.master) fail(ENOTTY);
      putInt(t, arg, tty.packet ? 1 : 0);
      return 0;
    case TIOCSIG:
      if (!tty.master) fail(ENOTTY);
      // pty_signal(): only the signals a terminal itself generates.
      if ((arg | 0) !== SIGINT && (arg | 0) !== SIGQUIT && (arg | 0) !== SIGTSTP) fail(EINVAL);
      killPgrp(t.kernel, real.pgrp, arg | 0);
      return 0;

    // ---- termios (tty_mode_ioctl, on the slave for a master) ----
    case TCGETS: mm.write(arg, encodeTermios(real.ldisc.termios, TERMIOS_SIZE)); return 0;
    case TCGETS2: mm.write(arg, encodeTermios(real.ldisc.termios, TERMIOS2_SIZE)); return 0;
    case TCGETA: mm.write(arg, encodeTermio(real.ldisc.termios)); return 0;
    case TCSETS: case TCSETSW: case TCSETSF: case TCSETS2: case TCSETSW2: case TCSETSF2:
    case TCSETA: case TCSETAW: case TCSETAF:
      return setTermios(f, real, req, arg, t);
    case TIOCGSOFTCAR: putInt(t, arg, real.ldisc.termios.cflag & CLOCAL ? 1 : 0); return 0;
    case TIOCSSOFTCAR: {
      // tty_change_softcar(): CLOCAL follows the argument, through the driver's set_termios.
      const old = real.ldisc.termios;
      const cflag = getInt(t, arg) ? old.cflag | CLOCAL : old.cflag & ~CLOCAL;
      real.ldisc.termios = { ...old, cc: old.cc.slice(), cflag: cflag >>> 0 };
      real.ldisc.setTermios(old);
      return 0;
    }
    // TTY_EXCLUSIVE belongs to the end the descriptor is open on (tty_ioctl uses file_tty).
    case TIOCEXCL: tty.exclusive = true; return 0;
    case TIOCNXCL: tty.exclusive = false; return 0;
    case TIOCGEXCL: putInt(t, arg, tty.exclusive ? 1 : 0); return 0;
    case TIOCGETD: putInt(t, arg, 0); return 0; // N_TTY
    case TIOCSETD: if (getInt(t, arg) !== 0) fail(EINVAL); return 0;

    // ---- window size ----
    case TIOCGWINSZ: mm.write(arg, real.winsize); return 0;
    case TIOCSWINSZ: {
      const ws = mm.read(arg, 8);
      if (Buffer.compare(Buffer.from(ws), Buffer.from(real.winsize)) === 0) return 0;
      killPgrp(t.kernel, real.pgrp, SIGWINCH);
      real.winsize = ws;
      return 0;
    }

    // ---- controlling terminal and process groups (tty_jobctrl.c) ----
    case TIOCSCTTY: {
      if (isLeader(p) && p.sid === real.session) return 0;
      if (!isLeader(p) || p.ctty) fail(EPERM);
      if (real.session) {
        if (!((arg | 0) === 1 && root)) fail(EPERM);
        for (const q of t.kernel.processes.values()) if (q.sid === real.session) q.ctty = undefined; // stolen
      }
      if (!f.readable && !root) fail(EPERM);
      setCtty(p, real);
      return 0;
    }
    case TIOCNOTTY:
      if (p.ctty !== tty) fail(ENOTTY);
      if (isLeader(p)) disassociateCtty(p, false);
      p.ctty = undefined;
      return 0;
    case TIOCGPGRP:
      if (tty === real && p.ctty !== real) fail(ENOTTY);
      putInt(t, arg, real.pgrp);
      return 0;
    case TIOCGSID:
      if (tty === real && p.ctty !== real) fail(ENOTTY);
      if (!real.session) fail(ENOTTY);
      putInt(t, arg, real.session);
      return 0;
    case TIOCSPGRP: {
      const jc = checkChange(t, real, SIGTTOU);
      if (jc === -EIO) fail(ENOTTY);
      if (jc < 0) return jc;
      const pgid = getInt(t, arg);
      if (pgid < 0) fail(EINVAL);
      if (p.ctty !== real || real.session !== p.sid) fail(ENOTTY);
      // find_vpid() then session_of_pgrp(): a group, or failing that a process, by that number.
      const member = groupMembers(t.kernel, pgid)[0] ?? t.kernel.processes.get(pgid);
      if (!member || member.reaped) fail(ESRCH);
      if (member.sid !== p.sid) fail(EPERM);
      real.pgrp = pgid;
      return 0;
    }

    // ---- queues ----
    case FIONREAD: putInt(t, arg, tty.ldisc.inq()); return 0;
    case TIOCOUTQ: putInt(t, arg, 0); return 0; // a pty keeps no output queue of its own
    case TCFLSH: {
      const jc = checkChange(t, tty, SIGTTOU);
      if (jc < 0) return jc;
      const how = arg | 0;
      if (how !== TCIFLUSH && how !== TCOFLUSH && how !== TCIOFLUSH) fail(EINVAL);
      if (how !== TCOFLUSH) tty.ldisc.flushInput();
      if (how !== TCIFLUSH) tty.flushBuffer();
      return 0;
    }
    case TCXONC: {
      const jc = checkChange(t, tty, SIGTTOU);
      if (jc < 0) return jc;
      const ld = tty.ldisc;
      switch (arg | 0) {
        case TCOOFF: ld.stop(); return 0;
        case TCOON: ld.start(); tty.wakeAll(); return 0;
        case TCIOFF: if (ld.termios.cc[VSTOP]) tty.link.deliver([ld.termios.cc[VSTOP]]); return 0;
        case TCION: if (ld.termios.cc[VSTART]) tty.link.deliver([ld.termios.cc[VSTART]]); return 0;
        default: return fail(EINVAL);
      }
    }
    case TCSBRK: case TCSBRKP: case TIOCSBRK: case TIOCCBRK: {
      const jc = checkChange(t, tty, SIGTTOU);
      return jc < 0 ? jc : 0; // output is never pending on a pty: drained at once
    }
    case TIOCSTI:
      if (p.ctty !== tty && !root) fail(EPERM);
      tty.deliver([mm.read(arg, 1)[0]]);
      return 0;
    default:
      return fail(ENOTTY);
  }
}
