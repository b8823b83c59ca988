// devpts (pts(4), Documentation/filesystems/devpts.rst): /dev/ptmx makes a pseudo-terminal pair
// and opens its master; /dev/pts/N names the slave while the master is open. A new slave is
// locked until unlockpt() (TIOCSPTLCK 0); the master's last close hangs the slave up, which
// takes the terminal from its session (SIGHUP to the leader) and removes /dev/pts/N.
//
// The numbers: each instance numbers its ptys from 0, skipping those the host's /dev/pts has,
// because names under /dev/pts that are not lxcore's still lead to the host (the guest's stdio
// may be a host terminal, and ttyname() must find it).

import { fs } from '../host.js';
import { Stat, S_IFCHR, makedev } from '../abi/stat.js';
import { fail, EIO, EBUSY } from '../abi/errno.js';
import { O_CLOEXEC, O_NOCTTY } from '../abi/fcntl.js';
import {
  ICRNL, IXON, OPOST, ONLCR, B38400, CS8, CREAD, ISIG, ICANON, ECHO, ECHOE, ECHOK, ECHOCTL, ECHOKE, IEXTEN,
} from '../abi/termios.js';
import { dir, inoOf, SynDev, SynDir, SynNode } from '../fs/synthetic.js';
import { initCc, Termios } from './ldisc.js';
import { Tty, TtyFile } from './tty.js';
import { hangupSession, isLeader, setCtty } from './jobctl.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/task.js';

/** devtmpfs's st_dev, which /dev/pts shares while it is part of lxcore's /dev tree. */
const DEV_DEV = 0x5;
export const PTMX_RDEV = makedev(5, 2), TTY_RDEV = makedev(5, 0);
/** UNIX98_PTY_SLAVE_MAJOR */
const PTS_MAJOR = 136;
/** The tty group that owns slaves (devpts mounted with gid=5, as Debian does). */
const TTY_GID = 5;
const PTMX_INO = inoOf('/dev/ptmx');

/** Each instance's slaves, by number. */
const instances = new WeakMap<Kernel, Map<number, Tty>>();
function ptys(k: Kernel): Map<number, Tty> {
  let m = instances.get(k);
  if (!m) instances.set(k, (m = new Map()));
  return m;
}

/** pts_driver's init_termios: tty_std_termios without HUPCL, 38400 baud. */
function slaveTermios(): Termios {
  return {
    iflag: ICRNL | IXON, oflag: OPOST | ONLCR, cflag: B38400 | CS8 | CREAD,
    lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    line: 0, cc: initCc(), ispeed: 38400, ospeed: 38400,
  };
}
/** ptm_driver's init_termios: raw. */
function masterTermios(): Termios {
  return { iflag: 0, oflag: 0, cflag: B38400 | CS8 | CREAD, lflag: 0, line: 0, cc: initCc(), ispeed: 38400, ospeed: 38400 };
}

function devStat(ino: number, rdev: number, mode: number, uid: number, gid: number, ns: bigint): Stat {
  return { dev: DEV_DEV, ino: BigInt(ino), nlink: 1, mode: S_IFCHR | mode, uid, gid, rdev, size: 0, blksize: 1024,
    blocks: 0, atimeNs: ns, mtimeNs: ns, ctimeNs: ns };
}

/** Per slave: who made it and when (its inode's owner and times). */
const owners = new WeakMap<Tty, { uid: number; ns: bigint }>();
function slaveStat(s: Tty): Stat {
  const o = owners.get(s) ?? { uid: 0, ns: 0n };
  return devStat(inoOf(`/dev/pts/${s.index}`), makedev(PTS_MAJOR, s.index), 0o620, o.uid, TTY_GID, o.ns);
}

/** A new pair with the lowest free number, its master counted open, its slave locked. */
export function createPair(k: Kernel, uid: number): Tty {
  const table = ptys(k);
  let index = 0;
  while (table.has(index) || fs.existsSync(`/dev/pts/${index}`)) index++;
  const slave = new Tty(k, index, false, slaveTermios());
  const master = new Tty(k, index, true, masterTermios());
  slave.link = master;
  master.link = slave;
  table.set(index, slave);
  owners.set(slave, { uid, ns: BigInt(Date.now()) * 1_000_000n });
  master.count = 1;
  return master;
}

/** open("/dev/ptmx"): a new pair, its slave locked; the master never becomes a controlling tty. */
export function openPtmx(t: Task, flags: number): TtyFile {
  const master = createPair(t.kernel, t.process.creds.euid);
  const ns = BigInt(Date.now()) * 1_000_000n;
  return new TtyFile(master, flags & ~O_CLOEXEC, '/dev/ptmx', () => devStat(PTMX_INO, PTMX_RDEV, 0o666, 0, TTY_GID, ns),
    (f) => closeMaster(f.tty));
}

/** pty_close() of the master: the slave hangs up and its name goes away. */
export function closeMaster(master: Tty): void {
  const slave = master.link;
  if (--master.count > 0) return;
  master.otherClosed = true;
  slave.otherClosed = true;
  if (ptys(master.kernel).get(slave.index) === slave) ptys(master.kernel).delete(slave.index);
  hangupSession(master.kernel, slave);
  slave.hangup();
}

/** The last slave file closing: the master's reads fail with EIO once its input is read. */
function closeSlave(f: TtyFile): void {
  const slave = f.tty;
  if (--slave.count > 0 || slave.hungUp) return;
  slave.link.otherClosed = true;
  slave.link.wakeAll();
}

/**
 * Opens a slave (pty_open, then tty_open_proc_set_tty): EIO while locked or once the master is
 * gone; a session leader without a terminal that opens it for reading without O_NOCTTY makes it
 * its controlling terminal.
 */
export function openSlave(t: Task, slave: Tty, flags: number, path: string, noctty = false, statOf?: () => Stat): TtyFile {
  // tty_reopen(): an exclusive terminal opens again only for CAP_SYS_ADMIN.
  if (slave.exclusive && t.process.creds.euid !== 0) fail(EBUSY);
  const f = slaveFile(slave, flags, path, statOf);
  const p = t.process;
  if (!noctty && !(flags & O_NOCTTY) && isLeader(p) && !p.ctty && !slave.session && f.readable) setCtty(p, slave);
  return f;
}

/** pty_open() of a slave: a new open file of it. */
export function slaveFile(slave: Tty, flags: number, path = `/dev/pts/${slave.index}`, statOf?: () => Stat): TtyFile {
  if (slave.hungUp || slave.link.count === 0 || slave.locked) fail(EIO);
  slave.count++;
  slave.link.otherClosed = false;
  return new TtyFile(slave, flags & ~O_CLOEXEC, path, statOf ?? (() => slaveStat(slave)), closeSlave);
}

/** TIOCGPTPEER: the master's own slave, opened with `flags`. */
export function openPeer(t: Task, master: Tty, flags: number): TtyFile {
  return openSlave(t, master.link, flags, `/dev/pts/${master.index}`);
}

/** /dev/tty when the caller's controlling terminal is one of lxcore's. */
export function openCurrentTty(t: Task, ctty: Tty, flags: number, ino: number): TtyFile {
  const ns = BigInt(Date.now()) * 1_000_000n;
  return openSlave(t, ctty, flags, '/dev/tty', true, () => devStat(ino, TTY_RDEV, 0o666, 0, TTY_GID, ns));
}

/** /dev/ptmx */
export const ptmxNode: SynDev = { kind: 'dev', rdev: PTMX_RDEV, ino: PTMX_INO, mode: 0o666, open: openPtmx };

/** /dev/pts: the instance's slaves (ptmx there is the same multiplexer, mode 000 as mounted). */
export const ptsDir: SynDir = dir((t) => {
  const m = new Map<string, SynNode>();
  m.set('ptmx', { ...ptmxNode, mode: 0 });
  for (const [i, s] of [...ptys(t.kernel)].sort((a, b) => a[0] - b[0])) {
    m.set(String(i), {
      kind: 'dev', rdev: makedev(PTS_MAJOR, i), ino: inoOf(`/dev/pts/${i}`), mode: 0o620,
      open: (t2, flags) => openSlave(t2, s, flags, `/dev/pts/${i}`),
    });
  }
  return m;
});

/** Whether a path under /dev/pts names something of lxcore's (else it is the host's). */
export function devptsOwns(t: Task, canon: string): boolean {
  if (canon === '/dev/pts' || canon === '/dev/pts/ptmx') return true;
  const m = /^\/dev\/pts\/(\d+)(\/.*)?$/.exec(canon);
  return !!m && ptys(t.kernel).has(Number(m[1]));
}
