// The contract between lxcore's VFS and filesystem backends (DESIGN.md §5) — the only lxcore
// module a backend (volfs/, drvfs/, lxcore/fs/*) imports. Backends see inodes and names, never
// paths, tasks or guest memory; every method is synchronous; every default is the answer Linux
// gives for an operation the filesystem does not support, so a backend overrides only what it has.
//
// What the VFS (lxcore/vfs/*.ts) keeps, not the backends: the mount table, the dentry tree and
// path walk (".", "..", symlinks with ELOOP after 40, trailing slashes, mount crossing, chroot),
// permission checks against the caller's credentials (DAC, sticky directories, root's overrides),
// umask, setuid/setgid clearing on write, open file descriptions and their offsets, O_APPEND,
// locks, inotify. A backend checks only what only it can know (EEXIST, ENOTEMPTY, ENOSPC, EROFS).

import { fail, EINVAL, ENOTDIR, EISDIR, EPERM, EOPNOTSUPP, ENODATA, EXDEV, EROFS } from '../abi/errno.js';

// ---- attributes -----------------------------------------------------------------------------

/** An inode's attributes, as stat(2)/statx(2) report them. Times in ns since the epoch. */
export interface InodeAttrs {
  mode: number;        // S_IF* type | permission bits (incl. setuid/setgid/sticky)
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  /** 512-byte blocks allocated. */
  blocks: number;
  rdev: number;        // device number for character/block device nodes (makedev)
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  btimeNs?: bigint;    // birth time, when the backend keeps one (statx STATX_BTIME)
}

/** What setattr may change; absent fields stay. ctime is the backend's to update. */
export interface AttrChanges {
  mode?: number;       // permission bits only (the type never changes)
  uid?: number;
  gid?: number;
  size?: number;       // truncate / extend with zeros
  atimeNs?: bigint;
  mtimeNs?: bigint;
}

/** Creation parameters: the VFS has already applied umask and chosen owner and group. */
export interface CreateSpec { mode: number; uid: number; gid: number; rdev?: number }

/** statfs(2) numbers, in the backend's block size. */
export interface FsStats {
  type: number;        // f_type magic (TMPFS_MAGIC, EXT4_SUPER_MAGIC …)
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  namelen: number;
}

/** A directory entry (the VFS adds "." and ".."). */
export interface DirEntry { name: string; ino: bigint; /** S_IF* type bits, or 0 if unknown */ type: number }

/** renameat2 flags the VFS passes through. */
export const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
/** setxattr flags. */
export const XATTR_CREATE = 1, XATTR_REPLACE = 2;

// ---- inodes ---------------------------------------------------------------------------------

export abstract class Inode {
  constructor(readonly fs: Filesystem, readonly ino: bigint) {}

  abstract attrs(): InodeAttrs;
  /** chmod/chown/truncate/utimens. Default: a read-only filesystem. */
  setattr(_c: AttrChanges): void { fail(EROFS); }

  // -- directories (defaults: not a directory) --
  /** The child named `name`, or null if there is none (the VFS turns that into ENOENT). */
  lookup(_name: string): Inode | null { return fail(ENOTDIR); }
  /** Entries other than "." and "..", in a stable order (the VFS keeps the position). */
  readdir(): DirEntry[] { return fail(ENOTDIR); }
  /** Creates a regular file, directory, symlink or special file named `name` (EEXIST if taken). */
  create(_name: string, _spec: CreateSpec): Inode { return fail(ENOTDIR); }
  mkdir(_name: string, _spec: CreateSpec): Inode { return fail(ENOTDIR); }
  symlink(_name: string, _target: string, _spec: CreateSpec): Inode { return fail(ENOTDIR); }
  /** mknod: FIFOs, sockets, character and block devices (rdev in spec). */
  mknod(_name: string, _spec: CreateSpec): Inode { return fail(EPERM); }
  /** A new name for an existing inode of the same filesystem. */
  link(_name: string, _target: Inode): void { fail(EPERM); }
  /** Removes a non-directory entry. */
  unlink(_name: string): void { fail(ENOTDIR); }
  /** Removes an empty directory entry (ENOTEMPTY otherwise). */
  rmdir(_name: string): void { fail(ENOTDIR); }
  /**
   * Moves `name` to `newDir`/`newName` on the same filesystem. The VFS has checked EXDEV, and
   * that a directory is not moved into its own subtree (EINVAL) or onto an ancestor (ENOTEMPTY).
   */
  rename(_name: string, _newDir: Inode, _newName: string, _flags: number): void { fail(EXDEV); }

  // -- symlinks --
  readlink(): string { return fail(EINVAL); }

  // -- file data (regular files; defaults: a directory or special file has none) --
  /** Reads at `offset`; returns the byte count (0 at or past the end). */
  read(_buf: Uint8Array, _offset: number): number { return fail(EISDIR); }
  /** Writes at `offset`, extending the file; returns the byte count. */
  write(_buf: Uint8Array, _offset: number): number { return fail(EISDIR); }
  /** The whole contents as read() gives them (exec, the library API reading a guest's file). */
  readAll(): Uint8Array {
    const size = this.attrs().size;
    const data = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const n = this.read(data.subarray(off), off);
      if (n === 0) break;
      off += n;
    }
    return data.subarray(0, off);
  }
  /** The page cache writing back what a shared mapping stored: as write(), but file seals do not stop it. */
  writeBack(buf: Uint8Array, offset: number): number { return this.write(buf, offset); }
  /**
   * An open file description now refers to it / no longer does (Linux's inode reference count):
   * a backend that frees an inode's storage when its last name goes waits for the last close.
   */
  opened(): void {}
  closed(): void {}
  /** Makes written data durable (fsync: data and metadata; fdatasync: data). */
  sync(_dataOnly: boolean): void { /* nothing to do for volatile storage */ }
  /** fallocate mode 0 (allocate, extend) and FALLOC_FL_PUNCH_HOLE|KEEP_SIZE. */
  allocate(_mode: number, _offset: number, _len: number): void { fail(EOPNOTSUPP); }
  /** SEEK_DATA/SEEK_HOLE: the next data (or hole) offset at or after `offset`, or -1 for ENXIO. */
  seekData(offset: number, hole: boolean): number {
    // A file with no holes: data everywhere before the end, one hole at the end.
    const size = this.attrs().size;
    if (offset < 0 || offset >= size) return -1; // a negative offset too (compared unsigned)
    return hole ? size : offset;
  }

  // -- extended attributes (user.*, trusted.*, security.*; the VFS checks namespaces) --
  getxattr(_name: string): Uint8Array { return fail(ENODATA); }
  setxattr(_name: string, _value: Uint8Array, _flags: number): void { fail(EOPNOTSUPP); }
  listxattr(): string[] { return []; }
  removexattr(_name: string): void { fail(ENODATA); }

  /**
   * Special files the backend implements itself (a device node of a synthetic filesystem) return
   * an object the VFS wraps as the open file; ordinary inodes return null and the VFS serves
   * reads and writes through read()/write() above.
   */
  openSpecial(_flags: number): unknown { return null; }
}

// ---- filesystems ----------------------------------------------------------------------------

export abstract class Filesystem {
  /** The type name /proc/mounts shows ("volfs", "drvfs", "tmpfs", "proc" …). */
  abstract readonly type: string;
  /** st_dev of its inodes: the VFS assigns one per mounted instance. */
  dev = 0;
  /** Mounted read-only (EROFS from the VFS before any backend call that would write). */
  readonly = false;
  abstract root(): Inode;
  statfs(): FsStats {
    return { type: 0, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255 };
  }
  /** syncfs(2)/sync(2): make everything written so far durable. */
  syncAll(): void { /* volatile storage: nothing to do */ }
  /** Called once when unmounted (release host resources). */
  release(): void {}
}
