// wasl's own /dev: the memory devices of mem(4), random(4), the controlling tty, devpts's ptmx
// and pts/ (/sys is sysfs.ts). /dev/tty is the caller's controlling terminal when that is one of
// lxcore's (lxcore/tty/), else the host's terminal.

import { fs, crypto } from '../host.js';
import { FileDescription } from '../vfs/file.js';
import { Stat, S_IFCHR, makedev } from '../abi/stat.js';
import { fail, ENOSPC, ENXIO } from '../abi/errno.js';
import { O_CLOEXEC } from '../abi/fcntl.js';
import { staticDir, link, ino, SynDev, SynMount } from './synthetic.js';
import { HostFile } from './hostfile.js';
import { hostErrno } from './hosterr.js';
import type { Task } from '../kernel/task.js';
import { ptmxNode, ptsDir, openCurrentTty } from '../tty/devpts.js';

export const DEV_DEV = 0x5; // devtmpfs's st_dev (0:5)

type Kind = 'null' | 'zero' | 'full' | 'random';

/** /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom. */
class MemDevice extends FileDescription {
  constructor(private readonly kind: Kind, private readonly rdev: number, private readonly inode: number, flags: number, path: string) {
    super(flags, path);
    // null and zero discard (write_null), full refuses (write_full): neither reads the buffer.
    if (kind !== 'random') this.writeUnread = kind === 'full' ? () => fail(ENOSPC) : (count) => count;
    this.noWriteIter = kind === 'full'; // mem.c gives full_fops .write only
  }
  override read(buf: Uint8Array): number {
    if (this.kind === 'null') return 0;
    if (this.kind === 'random') crypto.randomFillSync(buf); else buf.fill(0);
    return buf.length;
  }
  override write(buf: Uint8Array): number {
    if (this.kind === 'full') return fail(ENOSPC);
    return buf.length; // null and zero discard; random accepts entropy and ignores it
  }
  override pread(buf: Uint8Array): number { return this.read(buf); }
  override pwrite(buf: Uint8Array): number { return this.write(buf); }
  override lseek(): number { return (this.pos = 0); } // these devices seek to 0, always
  override stat(): Stat {
    return { dev: DEV_DEV, ino: BigInt(this.inode), nlink: 1, mode: S_IFCHR | 0o666, uid: 0, gid: 0, rdev: this.rdev,
      size: 0, blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n };
  }
}

function memdev(kind: Kind, minor: number): SynDev {
  const rdev = makedev(1, minor);
  const i = ino();
  return { kind: 'dev', rdev, ino: i, mode: 0o666, open: (_t, flags) => new MemDevice(kind, rdev, i, flags & ~O_CLOEXEC, `/dev/${kind}`) };
}

/** The host process's session (/proc/self/stat), which the first guest process starts in. */
let hostSid: number | undefined;
function hostSession(): number {
  if (hostSid === undefined) {
    try {
      const st = fs.readFileSync('/proc/self/stat', 'utf8');
      hostSid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[3]);
    } catch { hostSid = 0; }
  }
  return hostSid;
}

/**
 * /dev/tty: the caller's controlling terminal. One of lxcore's (a pty) if it has one; else, in
 * the host's session, the host's terminal; else none (ENXIO), as after setsid().
 */
const TTY_INO = ino();
const tty: SynDev = {
  kind: 'dev', rdev: makedev(5, 0), ino: TTY_INO, mode: 0o666,
  open: (t: Task, flags: number) => {
    const ctty = t.process.ctty;
    if (ctty) return openCurrentTty(t, ctty, flags, TTY_INO);
    if (t.process.sid !== hostSession()) fail(ENXIO);
    try {
      return new HostFile(fs.openSync('/dev/tty', flags & ~O_CLOEXEC), flags & ~O_CLOEXEC, '/dev/tty', true);
    } catch (e) {
      return fail(hostErrno(e) || ENXIO);
    }
  },
};

export function devfs(): SynMount {
  const root = staticDir({
    null: memdev('null', 3),
    zero: memdev('zero', 5),
    full: memdev('full', 7),
    random: memdev('random', 8),
    urandom: memdev('random', 9),
    tty,
    ptmx: ptmxNode,
    fd: link(() => '/proc/self/fd'),
    stdin: link(() => '/proc/self/fd/0'),
    stdout: link(() => '/proc/self/fd/1'),
    stderr: link(() => '/proc/self/fd/2'),
    console: { ...tty, ino: ino(), rdev: makedev(5, 1), mode: 0o600 },
    shm: staticDir({}), // listed here; lookups under /dev/shm go to a real directory (sys_path.ts)
    pts: ptsDir, // lxcore's ptys; other names under /dev/pts go to the host (sys_path.ts)
  });
  return { root, dev: DEV_DEV };
}

/**
 * Opening a character device node that lives on another filesystem (mknod on volfs or tmpfs,
 * a distribution's own /dev in a chroot): the driver is chosen by the device number, as
 * chrdev_open does — wasl's memory devices, tty, console, ptmx and its ptys. Any other number
 * has no driver here: ENXIO, as Linux answers for a major nobody registered.
 */
let devices: SynMount | undefined;
export function openDeviceNumber(t: Task, rdev: number, flags: number): FileDescription {
  devices ??= devfs();
  for (const node of devices.root.entries(t).values()) {
    if (node.kind === 'dev' && node.rdev === rdev) return node.open(t, flags);
  }
  for (const node of ptsDir.entries(t).values()) {
    if (node.kind === 'dev' && node.rdev === rdev) return node.open(t, flags);
  }
  return fail(ENXIO);
}
