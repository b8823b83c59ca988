// volfs: the Linux-native filesystem of a distribution (WSL's VolFs). It keeps everything a Linux
// filesystem has — modes, owners, hard links, symlinks, FIFOs, sockets, device nodes, xattrs,
// nanosecond times — itself, behind lxcore/vfs/api.ts. This file is the in-memory store; the
// on-disk store (crash-safe for what the guest fsync'd) and tar import/export come with issue #6.

import {
  Filesystem, Inode, InodeAttrs, AttrChanges, CreateSpec, DirEntry, FsStats,
  RENAME_NOREPLACE, RENAME_EXCHANGE, XATTR_CREATE, XATTR_REPLACE,
} from '../lxcore/vfs/api.js';
import {
  fail, EEXIST, ENOENT, ENOTEMPTY, EISDIR, ENOTDIR, EINVAL, ENODATA, ENOSPC, E2BIG, ERANGE, EFBIG,
  EPERM, ENAMETOOLONG,
} from '../lxcore/abi/errno.js';
import { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK } from '../lxcore/abi/stat.js';

const now = (): bigint => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);

/** Linux's limits for names and xattrs (XATTR_NAME_MAX 255, XATTR_SIZE_MAX 64 KiB). */
const NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;
/** The largest file volfs accepts (a wasm32 host can't hold more in memory anyway). */
const MAX_FILE = 2 ** 31;

export const VOLFS_MAGIC = 0x766f6c66; // "volf"

export interface VolfsOptions {
  /** Bytes of file data the filesystem may hold (ENOSPC beyond); default 1 GiB. */
  capacity?: number;
  /** Owner of the root directory. */
  rootUid?: number;
  rootGid?: number;
}

export class Volfs extends Filesystem {
  readonly type = 'volfs';
  private nextIno = 2n;
  private rootInode: VolInode;
  used = 0;
  readonly capacity: number;
  inodes = 0;

  constructor(o: VolfsOptions = {}) {
    super();
    this.capacity = o.capacity ?? 1 << 30;
    this.rootInode = new VolInode(this, 1n, { mode: S_IFDIR | 0o755, uid: o.rootUid ?? 0, gid: o.rootGid ?? 0 });
    this.rootInode.nlink = 2;
  }

  root(): Inode { return this.rootInode; }
  allocIno(): bigint { return this.nextIno++; }

  override statfs(): FsStats {
    const bsize = 4096;
    const blocks = Math.floor(this.capacity / bsize);
    const free = Math.max(0, blocks - Math.ceil(this.used / bsize));
    return { type: VOLFS_MAGIC, bsize, blocks, bfree: free, bavail: free, files: 1 << 20, ffree: (1 << 20) - this.inodes, namelen: NAME_MAX };
  }

  /** Accounts for `delta` bytes of file data; ENOSPC past the capacity. */
  charge(delta: number): void {
    if (delta > 0 && this.used + delta > this.capacity) fail(ENOSPC);
    this.used += delta;
  }
}

export class VolInode extends Inode {
  mode: number;
  uid: number;
  gid: number;
  nlink = 1;
  rdev = 0;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  readonly btimeNs: bigint;
  /** Directory entries (directories only), in insertion order. */
  children?: Map<string, VolInode>;
  /** File contents (regular files); `size` bytes of it are valid. */
  data = new Uint8Array(0);
  size = 0;
  target = '';
  xattrs = new Map<string, Uint8Array>();

  constructor(readonly vfs: Volfs, ino: bigint, spec: CreateSpec) {
    super(vfs, ino);
    this.mode = spec.mode;
    this.uid = spec.uid;
    this.gid = spec.gid;
    this.rdev = spec.rdev ?? 0;
    const t = now();
    this.atimeNs = this.mtimeNs = this.ctimeNs = this.btimeNs = t;
    if ((spec.mode & S_IFMT) === S_IFDIR) this.children = new Map();
    vfs.inodes++;
  }

  private get isDir(): boolean { return (this.mode & S_IFMT) === S_IFDIR; }
  private dir(): Map<string, VolInode> {
    if (!this.children) fail(ENOTDIR);
    return this.children;
  }
  private touch(m = true): void {
    const t = now();
    if (m) this.mtimeNs = t;
    this.ctimeNs = t;
  }

  attrs(): InodeAttrs {
    const type = this.mode & S_IFMT;
    const size = type === S_IFREG ? this.size : type === S_IFLNK ? Buffer.byteLength(this.target) : type === S_IFDIR ? 4096 : 0;
    return {
      mode: this.mode, uid: this.uid, gid: this.gid, nlink: this.nlink, size,
      blocks: type === S_IFREG ? Math.ceil(this.size / 4096) * 8 : type === S_IFDIR ? 8 : 0,
      rdev: this.rdev, atimeNs: this.atimeNs, mtimeNs: this.mtimeNs, ctimeNs: this.ctimeNs, btimeNs: this.btimeNs,
    };
  }

  override setattr(c: AttrChanges): void {
    if (c.size !== undefined) {
      if ((this.mode & S_IFMT) === S_IFDIR) fail(EISDIR);
      if ((this.mode & S_IFMT) !== S_IFREG) fail(EINVAL);
      this.resize(c.size);
      this.mtimeNs = now();
    }
    if (c.mode !== undefined) this.mode = (this.mode & S_IFMT) | (c.mode & 0o7777);
    if (c.uid !== undefined) this.uid = c.uid;
    if (c.gid !== undefined) this.gid = c.gid;
    if (c.atimeNs !== undefined) this.atimeNs = c.atimeNs;
    if (c.mtimeNs !== undefined) this.mtimeNs = c.mtimeNs;
    this.ctimeNs = now();
  }

  // ---- directories ----
  override lookup(name: string): Inode | null { return this.dir().get(name) ?? null; }

  override readdir(): DirEntry[] {
    return [...this.dir()].map(([name, i]) => ({ name, ino: i.ino, type: i.mode & S_IFMT }));
  }

  private add(name: string, spec: CreateSpec): VolInode {
    const d = this.dir();
    if (name.length > NAME_MAX || Buffer.byteLength(name) > NAME_MAX) fail(ENAMETOOLONG);
    if (d.has(name)) fail(EEXIST);
    const child = new VolInode(this.vfs, this.vfs.allocIno(), spec);
    d.set(name, child);
    this.touch();
    return child;
  }

  override create(name: string, spec: CreateSpec): Inode { return this.add(name, { ...spec, mode: S_IFREG | (spec.mode & 0o7777) }); }
  override mknod(name: string, spec: CreateSpec): Inode { return this.add(name, spec); }

  override mkdir(name: string, spec: CreateSpec): Inode {
    const child = this.add(name, { ...spec, mode: S_IFDIR | (spec.mode & 0o7777) });
    child.nlink = 2;
    this.nlink++; // the child's ".."
    return child;
  }

  override symlink(name: string, target: string, spec: CreateSpec): Inode {
    const child = this.add(name, { ...spec, mode: S_IFLNK | 0o777 });
    child.target = target;
    return child;
  }

  override link(name: string, target: Inode): void {
    const t = target as VolInode;
    const d = this.dir();
    if (d.has(name)) fail(EEXIST); // Linux checks the new name before the target's type
    if (t.isDir) fail(EPERM); // no hard links to directories
    d.set(name, t);
    t.nlink++;
    t.touch(false);
    this.touch();
  }

  /** A name of a non-directory went away. */
  private drop(child: VolInode): void {
    child.nlink--;
    child.touch(false);
    if (child.nlink === 0) {
      // The last name is gone. Open files keep the object alive through their own references;
      // its space is returned now rather than at the last close (docs/quirks.md).
      this.vfs.inodes--;
      this.vfs.charge(-child.size);
    }
  }

  override unlink(name: string): void {
    const d = this.dir();
    const child = d.get(name);
    if (!child) fail(ENOENT);
    if (child.isDir) fail(EISDIR);
    d.delete(name);
    this.drop(child);
    this.touch();
  }

  override rmdir(name: string): void {
    const d = this.dir();
    const child = d.get(name);
    if (!child) fail(ENOENT);
    if (!child.isDir) fail(ENOTDIR);
    if (child.children!.size > 0) fail(ENOTEMPTY);
    d.delete(name);
    child.nlink = 0;
    this.nlink--;
    this.vfs.inodes--;
    this.touch();
  }

  override rename(name: string, newDir: Inode, newName: string, flags: number): void {
    const from = this.dir();
    const to = (newDir as VolInode).dir();
    const src = from.get(name);
    if (!src) fail(ENOENT);
    const dst = to.get(newName);
    if (flags & RENAME_EXCHANGE) {
      if (!dst) fail(ENOENT);
      from.set(name, dst);
      to.set(newName, src);
      if (src.isDir !== dst.isDir && this !== newDir) {
        // A directory moving to another parent takes its ".." link with it.
        const dirMoved = src.isDir ? src : dst;
        const [gain, lose] = dirMoved === src ? [newDir as VolInode, this as VolInode] : [this as VolInode, newDir as VolInode];
        gain.nlink++;
        lose.nlink--;
      }
      src.touch(false); dst.touch(false); this.touch(); (newDir as VolInode).touch();
      return;
    }
    if (dst) {
      if (flags & RENAME_NOREPLACE) fail(EEXIST);
      if (dst === src) return; // two names of one inode: rename does nothing (rename(2))
      if (src.isDir && !dst.isDir) fail(ENOTDIR);
      if (!src.isDir && dst.isDir) fail(EISDIR);
      if (dst.isDir && dst.children!.size > 0) fail(ENOTEMPTY);
    }
    from.delete(name);
    if (dst) {
      to.delete(newName);
      if (dst.isDir) { dst.nlink = 0; (newDir as VolInode).nlink--; this.vfs.inodes--; } else this.drop(dst);
    }
    to.set(newName, src);
    if (src.isDir && this !== newDir) { this.nlink--; (newDir as VolInode).nlink++; }
    src.touch(false);
    this.touch();
    (newDir as VolInode).touch();
  }

  override readlink(): string {
    if ((this.mode & S_IFMT) !== S_IFLNK) fail(EINVAL);
    return this.target;
  }

  // ---- file data ----
  private resize(size: number): void {
    if (size < 0) fail(EINVAL);
    if (size > MAX_FILE) fail(EFBIG);
    this.vfs.charge(size - this.size);
    if (size > this.data.length) {
      const grown = new Uint8Array(Math.max(size, Math.min(this.data.length * 2 || 4096, MAX_FILE)));
      grown.set(this.data.subarray(0, this.size));
      this.data = grown;
    } else if (size < this.size) {
      this.data.fill(0, size, this.size); // bytes past a truncation read back as zeros if regrown
    }
    this.size = size;
  }

  override read(buf: Uint8Array, offset: number): number {
    if (this.isDir) fail(EISDIR);
    const n = Math.max(0, Math.min(buf.length, this.size - offset));
    if (n > 0) buf.set(this.data.subarray(offset, offset + n));
    this.atimeNs = now();
    return n;
  }

  override write(buf: Uint8Array, offset: number): number {
    if (this.isDir) fail(EISDIR);
    const end = offset + buf.length;
    if (end > this.size) this.resize(end);
    this.data.set(buf, offset);
    this.touch();
    return buf.length;
  }

  override allocate(mode: number, offset: number, len: number): void {
    if (mode === 0) { if (offset + len > this.size) this.resize(offset + len); return; }
    const PUNCH = 0x02, KEEP = 0x01;
    if (mode === (PUNCH | KEEP)) { this.data.fill(0, offset, Math.min(this.size, offset + len)); this.touch(); return; }
    if (mode === KEEP) return; // space is not preallocated in memory
    super.allocate(mode, offset, len);
  }

  // ---- extended attributes ----
  override getxattr(name: string): Uint8Array {
    const v = this.xattrs.get(name);
    if (!v) fail(ENODATA);
    return v;
  }
  override setxattr(name: string, value: Uint8Array, flags: number): void {
    if (!name || name.length > NAME_MAX) fail(ERANGE);
    if (value.length > XATTR_SIZE_MAX) fail(E2BIG);
    const has = this.xattrs.has(name);
    if ((flags & XATTR_CREATE) && has) fail(EEXIST);
    if ((flags & XATTR_REPLACE) && !has) fail(ENODATA);
    this.xattrs.set(name, value.slice());
    this.ctimeNs = now();
  }
  override listxattr(): string[] { return [...this.xattrs.keys()]; }
  override removexattr(name: string): void {
    if (!this.xattrs.delete(name)) fail(ENODATA);
    this.ctimeNs = now();
  }
}
