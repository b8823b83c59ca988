// pidfds (pidfd_open(2), clone's CLONE_PIDFD; kernel/pid.c, fs/pidfs.c): a descriptor that names
// a process for as long as it is open, immune to pid reuse. It becomes readable (POLLIN) when the
// process has exited, and also hung up (POLLHUP) once it has been reaped; read and write are
// EINVAL; /proc/PID/fdinfo shows "Pid:" and "NSpid:" (-1 once the process is gone).

import { FileDescription } from '../vfs/file.js';
import { O_RDWR, O_NONBLOCK } from '../abi/fcntl.js';
import { POLLIN, POLLRDNORM, POLLHUP } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import type { Process } from '../kernel/task.js';

/** st_dev of pidfs (an anonymous device; the number is the host's business, as with pipefs). */
const PIDFS_DEV = 0xf;

export class PidFd extends FileDescription {
  /** `thread`: PIDFD_THREAD — it names one thread (`tid`), not the thread group. */
  constructor(readonly process: Process, readonly tid: number, nonblock: boolean, readonly thread = false) {
    super(O_RDWR | (nonblock ? O_NONBLOCK : 0), 'anon_inode:[pidfd]');
  }

  /** The pid it names while the process can still be named (alive or a zombie). */
  get pid(): number { return this.process.reaped ? -1 : this.process.pid; }

  override poll(): number {
    if (this.process.reaped) return POLLIN | POLLRDNORM | POLLHUP;
    return this.process.status ? POLLIN | POLLRDNORM : 0;
  }
  override onReady(cb: () => void): () => void { return this.process.pidfdWait.subscribe(cb); }
  override get pollable(): boolean { return true; }

  override stat(): Stat {
    // pidfs gives each pid its own inode; the thread group leader's pid stands for it here.
    return {
      dev: PIDFS_DEV, ino: BigInt(this.process.pid), nlink: 1, mode: 0o100600, uid: this.process.creds.uid, gid: this.process.creds.gid,
      rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }

  /** /proc/PID/fdinfo's extra lines (pidfd_show_fdinfo). */
  fdinfo(): string {
    return `Pid:\t${this.pid}\nNSpid:\t${this.pid}\n`;
  }
}
