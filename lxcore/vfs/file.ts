// Open file descriptions (Linux's struct file): what a file descriptor points at, shared across
// dup() and fork(). Every method defaults to the answer Linux gives a file that doesn't support
// the operation, so a backend overrides only what it has (STYLE.md: Linux-correct defaults).

import { fail, EBADF, EFAULT, EINVAL, ENOTTY, ENOTDIR, ESPIPE, EMFILE } from '../abi/errno.js';
import { O_ACCMODE, O_RDONLY, O_WRONLY, O_APPEND, O_NONBLOCK } from '../abi/fcntl.js';
import { DEFAULT_POLLMASK } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import type { Task } from '../kernel/task.js';

/** A directory entry as getdents64 reports it. */
export interface Dirent {
  ino: bigint; type: number; name: string;
  /** The name in UTF-8, where a backend keeps it encoded (a cached host listing): getdents copies it. */
  bytes?: Uint8Array;
}
export const DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;

/** A result that is ready now, or later for calls that block (the task parks until then). */
export type Maybe<T> = T | Promise<T>;

const O_PATH_FLAG = 0o10000000;

export abstract class FileDescription {
  /** O_* status flags (access mode, O_APPEND, O_NONBLOCK …), as fcntl(F_GETFL) reports them. */
  flags: number;
  /** File position for read/write/lseek. */
  pos = 0;
  /** Whether `pos` is where read(2) reads (not so for a host file that shares the host's offset). */
  get posIsOwn(): boolean { return true; }
  /** The path it was opened by (for /proc/PID/fd and strace-style messages). */
  path: string;
  private refs = 1;
  /** Set once the last reference went (epoll drops its interest in it then: eventpoll_release). */
  released = false;
  /** The instance's own stdout/stderr (or terminal): writes count against limits.output. */
  instanceOutput = false;

  constructor(flags: number, path: string) {
    this.flags = flags;
    this.path = path;
  }

  /** O_PATH descriptors can neither read nor write (they have no FMODE_READ/FMODE_WRITE). */
  get readable(): boolean { return (this.flags & O_ACCMODE) !== O_WRONLY && !(this.flags & O_PATH_FLAG); }
  get writable(): boolean { return (this.flags & O_ACCMODE) !== O_RDONLY && !(this.flags & O_PATH_FLAG); }
  get append(): boolean { return (this.flags & O_APPEND) !== 0; }
  get nonblocking(): boolean { return (this.flags & O_NONBLOCK) !== 0; }

  /** read(2) into `buf`; returns the count (0 = end of file). */
  read(_buf: Uint8Array, _task: Task): Maybe<number> { return fail(EINVAL); }
  /** write(2) from `buf`; returns the count. */
  write(_buf: Uint8Array, _task: Task): Maybe<number> { return fail(EINVAL); }
  /**
   * For a device whose write(2) never looks at the bytes (drivers/char/mem.c's write_null and
   * write_full): what a write of `count` bytes returns, without the bytes being read — so a buffer
   * that is not mapped is no EFAULT, as on Linux, and nothing is copied. null: write(2) copies.
   */
  writeUnread: ((count: number) => number) | null = null;
  /**
   * A file whose Linux driver has .write but no .write_iter (/dev/full): pwritev2 with any flag
   * but RWF_HIPRI is EOPNOTSUPP there (do_loop_readv_writev).
   */
  noWriteIter = false;
  /**
   * A read's bytes from `copied` on could not be copied to the reader (a page the kernel cannot
   * write): the count the call returns, EFAULT if nothing arrived. Most files have given the
   * bytes up by then (docs/quirks.md); a pipe puts back what it keeps (lxcore/fs/pipe.ts).
   */
  undeliverable(copied: number, _data: Uint8Array): number { return copied === 0 ? fail(EFAULT) : copied; }
  /** pread/pwrite: only files that can seek have them. */
  pread(_buf: Uint8Array, _offset: number): number { return fail(ESPIPE); }
  pwrite(_buf: Uint8Array, _offset: number): number { return fail(ESPIPE); }
  /** lseek(2): pipes, sockets and terminals cannot seek. */
  lseek(_offset: number, _whence: number): number { return fail(ESPIPE); }
  /** pwritev2's RWF_NOAPPEND: pwrite at `offset` even when the description is O_APPEND. */
  pwriteNoAppend(buf: Uint8Array, offset: number): number {
    const saved = this.flags;
    this.flags &= ~0o2000; // O_APPEND
    try { return this.pwrite(buf, offset); } finally { this.flags = saved; }
  }
  /** The page cache writing a shared mapping's page back (a file's seals do not stop it). */
  writeBack(buf: Uint8Array, offset: number): number { return this.pwrite(buf, offset); }
  abstract stat(): Stat;
  /** ioctl(2): the default for anything that isn't a device is ENOTTY. */
  ioctl(_req: number, _arg: number, _task: Task): Maybe<number> { return fail(ENOTTY); }
  /** The next directory entries; an empty array at the end. */
  readdir(): Dirent[] { return fail(ENOTDIR); }
  /** Whether a terminal is behind it (isatty). */
  isatty(): boolean { return false; }
  /**
   * Readiness (f_op->poll): POLLIN/POLLOUT/POLLHUP/POLLERR/POLLRDHUP bits that hold now. A file
   * without a poll method is always readable and writable (DEFAULT_POLLMASK), as on Linux.
   */
  poll(_task: Task): number { return DEFAULT_POLLMASK; }
  /**
   * Calls `cb` whenever readiness may have changed (a wake-up of the file's wait queues, which
   * may be spurious); returns the unsubscriber. Files whose readiness never changes need nothing.
   */
  onReady(_cb: () => void, _task: Task): () => void { return () => {}; }
  /** Whether it has a poll method of its own: epoll_ctl refuses the others with EPERM. */
  get pollable(): boolean { return false; }
  /** Called when the last descriptor referring to it closes. */
  protected release(): void {}

  ref(): this { this.refs++; return this; }
  unref(): void {
    if (--this.refs === 0) {
      this.released = true;
      for (const hook of FileDescription.lastCloseHooks) hook(this);
      this.release();
    }
  }
  /** Told of every description's last close (inotify's IN_CLOSE_*, OFD and flock locks going). */
  static readonly lastCloseHooks: ((f: FileDescription) => void)[] = [];
}

/** A descriptor slot: the shared description plus the per-descriptor close-on-exec bit. */
export interface FdEntry { file: FileDescription; cloexec: boolean }

export const RLIMIT_NOFILE_DEFAULT = 1024;
/** NR_OPEN_DEFAULT: the slots of the table embedded in files_struct (BITS_PER_LONG). */
const NR_OPEN_DEFAULT = 64;

/**
 * alloc_fdtable's size for a table that must hold descriptor `fd`: a power of two of 128 slots
 * (1024 bytes of pointers), at least NR_OPEN_DEFAULT.
 */
function fdtableSizeFor(fd: number): number {
  if (fd < NR_OPEN_DEFAULT) return NR_OPEN_DEFAULT;
  return 128 * 2 ** Math.ceil(Math.log2(Math.floor(fd / 128) + 1));
}

/** A process's descriptor table (shared between threads created with CLONE_FILES). */
export class FdTable {
  private slots: (FdEntry | undefined)[] = [];
  limit = RLIMIT_NOFILE_DEFAULT;
  /**
   * The kernel's table size (fdt->max_fds): it grows when a descriptor past it is installed and
   * never shrinks, except that fork copies only what the open descriptors need. It is visible:
   * /proc/PID/status's FDSize, and select(2) ignores set bits at or above it.
   */
  size = NR_OPEN_DEFAULT;
  /** Processes sharing this table (clone with CLONE_FILES); the last one to go closes it. */
  users = 1;

  get(fd: number): FileDescription {
    const e = fd >= 0 ? this.slots[fd] : undefined;
    if (!e) fail(EBADF);
    return e.file;
  }
  entry(fd: number): FdEntry | undefined { return fd >= 0 ? this.slots[fd] : undefined; }

  /** Installs `file` at the lowest free descriptor ≥ `min` (the file's reference moves in). */
  install(file: FileDescription, cloexec = false, min = 0): number {
    let fd = min;
    while (this.slots[fd]) fd++;
    if (fd >= this.limit) { file.unref(); fail(EMFILE); }
    if (fd >= this.size) this.size = fdtableSizeFor(fd);
    this.slots[fd] = { file, cloexec };
    return fd;
  }

  /** dup2/dup3 semantics: closes whatever was at `fd` first. */
  installAt(fd: number, file: FileDescription, cloexec: boolean): void {
    if (fd < 0 || fd >= this.limit) { file.unref(); fail(EBADF); }
    const old = this.slots[fd];
    if (fd >= this.size) this.size = fdtableSizeFor(fd);
    this.slots[fd] = { file, cloexec };
    if (old) { FdTable.onClose?.(this, old.file); old.file.unref(); }
  }

  close(fd: number): void {
    const e = fd >= 0 ? this.slots[fd] : undefined;
    if (!e) fail(EBADF);
    this.slots[fd] = undefined;
    FdTable.onClose?.(this, e.file);
    e.file.unref();
  }

  /**
   * Told of every descriptor closed in a table (filp_close): the table's POSIX record locks on
   * the file go then (lxcore/fs/locks.ts), whichever descriptor of the file was closed.
   */
  static onClose: ((table: FdTable, file: FileDescription) => void) | null = null;

  /** close_range(2)'s work: the open descriptors in [first, last] closed, or marked close-on-exec. */
  closeRange(first: number, last: number, cloexec: boolean): void {
    const end = Math.min(last, this.slots.length - 1);
    for (let fd = first; fd <= end; fd++) {
      const e = this.slots[fd];
      if (!e) continue;
      if (cloexec) e.cloexec = true; else this.close(fd);
    }
  }

  /** fork(): a new table whose slots share the same descriptions. */
  clone(): FdTable {
    const t = new FdTable();
    t.limit = this.limit;
    t.slots = this.slots.map((e) => e && { file: e.file.ref(), cloexec: e.cloexec });
    const open = t.fds();
    t.size = fdtableSizeFor(open.length ? open[open.length - 1] : 0);  // dup_fd's sane_fdtable_size
    return t;
  }

  /** execve(): close the descriptors marked close-on-exec. */
  closeOnExec(): void {
    this.slots.forEach((e, fd) => { if (e?.cloexec) this.close(fd); });
  }

  closeAll(): void {
    this.slots.forEach((e, fd) => { if (e) this.close(fd); });
  }

  /** A process using the table ends: the last user closes every descriptor. */
  release(): void {
    if (--this.users === 0) this.closeAll();
  }

  /** Open descriptors, for /proc/PID/fd. */
  fds(): number[] { return this.slots.flatMap((e, fd) => (e ? [fd] : [])); }
}
