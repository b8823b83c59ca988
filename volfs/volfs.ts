// volfs: the Linux-native filesystem of a distribution (WSL's VolFs). It keeps everything a Linux
// filesystem has — modes, owners, hard links, symlinks, FIFOs, sockets, device nodes, xattrs,
// nanosecond times — itself, behind lxcore/vfs/api.ts. This file is the semantics; where things
// live is a store's business (store.ts): memory for `--isolated`, a host directory for `--root`
// (diskstore.ts, crash-safe for what the guest fsync'd). Each mutation tells the store what
// changed (an inode, a directory entry, an inode freed); the memory store ignores it.

import {
  Filesystem, Inode, InodeAttrs, AttrChanges, CreateSpec, DirEntry, FsStats,
  RENAME_NOREPLACE, RENAME_EXCHANGE, XATTR_CREATE, XATTR_REPLACE,
} from '../lxcore/vfs/api.js';
import {
  fail, EEXIST, ENOENT, ENOTEMPTY, EISDIR, ENOTDIR, EINVAL, ENODATA, ENOSPC, E2BIG, ERANGE, EFBIG,
  EPERM, ENAMETOOLONG,
} from '../lxcore/abi/errno.js';
import { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK } from '../lxcore/abi/stat.js';
import { VolStore, MemoryStore, FileData, InodeRecord, StoredState } from './store.js';

const now = (): bigint => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);

/** Linux's limits for names and xattrs (XATTR_NAME_MAX 255, XATTR_SIZE_MAX 64 KiB). */
const NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;

export const VOLFS_MAGIC = 0x766f6c66; // "volf"

export interface VolfsOptions {
  /** Bytes of file data the filesystem may hold (ENOSPC beyond); default 1 GiB. */
  capacity?: number;
  /** Owner of the root directory. */
  rootUid?: number;
  rootGid?: number;
  /** Where inodes and contents live; default: memory. */
  store?: VolStore;
  /** Mode bits of a new root directory (default 0755). */
  rootMode?: number;
  /** Shown as tmpfs (type "tmpfs", TMPFS_MAGIC): a tmpfs is a volfs in memory. */
  tmpfs?: boolean;
}

export const TMPFS_MAGIC = 0x01021994;

export class Volfs extends Filesystem {
  readonly type: string;
  private nextIno = 2n;
  private rootInode: VolInode;
  used = 0;
  readonly capacity: number;
  inodes = 0;
  readonly store: VolStore;
  /** Whether the store held a filesystem already (false: this one was just made). */
  readonly existed: boolean;

  constructor(o: VolfsOptions = {}) {
    super();
    this.type = o.tmpfs ? 'tmpfs' : 'volfs';
    this.capacity = o.capacity ?? 1 << 30;
    this.store = o.store ?? new MemoryStore();
    const state = this.store.load();
    this.existed = state !== null;
    if (state) this.rootInode = this.restore(state);
    else {
      this.rootInode = new VolInode(this, 1n, { mode: S_IFDIR | (o.rootMode ?? 0o755), uid: o.rootUid ?? 0, gid: o.rootGid ?? 0 });
      this.rootInode.nlink = 2;
      this.rootInode.changed();
    }
    this.store.attach(() => this.snapshot());
  }

  root(): Inode { return this.rootInode; }
  allocIno(): bigint { return this.nextIno++; }

  /** Rebuilds the inode graph from a store's records (the store has checked it is whole). */
  private restore(state: StoredState): VolInode {
    const byIno = new Map<number, VolInode>();
    for (const r of state.inodes) byIno.set(r.ino, VolInode.fromRecord(this, r));
    for (const [dir, name, child] of state.entries) {
      const d = byIno.get(dir), c = byIno.get(child);
      if (!d?.children || !c) throw new Error(`volfs store: entry ${dir}/${name} -> ${child} dangles`);
      d.children.set(name, c);
    }
    const root = byIno.get(1);
    if (!root?.children) throw new Error('volfs store: no root directory');
    this.nextIno = BigInt(state.next);
    for (const i of byIno.values()) if ((i.mode & S_IFMT) === S_IFREG) this.used += i.size;
    return root;
  }

  /** Every live inode and entry, reachable from the root or held open (for a store's snapshot). */
  private snapshot(): StoredState {
    const inodes: InodeRecord[] = [];
    const entries: [number, string, number][] = [];
    const seen = new Set<VolInode>();
    const visit = (i: VolInode) => {
      if (seen.has(i)) return;
      seen.add(i);
      inodes.push(i.record());
      if (!i.children) return;
      for (const [name, c] of i.children) { entries.push([Number(i.ino), name, Number(c.ino)]); visit(c); }
    };
    visit(this.rootInode);
    // Unlinked files still open: their inodes stay (nlink 0) until closed; a store opened after
    // a crash frees them (an orphan list, as ext4 keeps one).
    for (const i of this.openOrphans) visit(i);
    return { next: Number(this.nextIno), inodes, entries };
  }

  /** Inodes with no name left but open descriptions, released at their last close. */
  readonly openOrphans = new Set<VolInode>();

  /** An inode lost its last name (or directory entry): free it now, or at its last close. */
  unlinked(i: VolInode): void {
    if (i.opens > 0) this.openOrphans.add(i);
    else this.store.free(Number(i.ino), (i.mode & S_IFMT) === S_IFREG);
  }

  override syncAll(): void { this.store.sync(null); }
  override release(): void { this.store.close(); }

  override statfs(): FsStats {
    const bsize = 4096;
    const blocks = Math.floor(this.capacity / bsize);
    const free = Math.max(0, blocks - Math.ceil(this.used / bsize));
    return { type: this.type === 'tmpfs' ? TMPFS_MAGIC : VOLFS_MAGIC, bsize, blocks, bfree: free, bavail: free, files: 1 << 20, ffree: (1 << 20) - this.inodes, namelen: NAME_MAX };
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
  /** File contents (regular files), from the store on first use; `size` bytes are valid. */
  private contents?: FileData;
  size = 0;
  target = '';
  xattrs = new Map<string, Uint8Array>();
  /** Open file descriptions referring to it (an unlinked file lives until the last closes). */
  opens = 0;

  constructor(readonly vfs: Volfs, ino: bigint, spec: CreateSpec, btimeNs?: bigint) {
    super(vfs, ino);
    this.mode = spec.mode;
    this.uid = spec.uid;
    this.gid = spec.gid;
    this.rdev = spec.rdev ?? 0;
    const t = now();
    this.atimeNs = this.mtimeNs = this.ctimeNs = t;
    this.btimeNs = btimeNs ?? t;
    if ((spec.mode & S_IFMT) === S_IFDIR) this.children = new Map();
    vfs.inodes++;
  }

  /** An inode as a store recorded it. */
  static fromRecord(vfs: Volfs, r: InodeRecord): VolInode {
    const i = new VolInode(vfs, BigInt(r.ino), { mode: r.mode, uid: r.uid, gid: r.gid, rdev: r.rdev }, BigInt(r.btime));
    i.nlink = r.nlink;
    i.size = r.size;
    i.atimeNs = BigInt(r.atime);
    i.mtimeNs = BigInt(r.mtime);
    i.ctimeNs = BigInt(r.ctime);
    i.target = r.target ?? '';
    for (const [k, v] of r.xattrs ?? []) i.xattrs.set(k, new Uint8Array(Buffer.from(v, 'base64')));
    return i;
  }

  record(): InodeRecord {
    const r: InodeRecord = {
      ino: Number(this.ino), mode: this.mode, uid: this.uid, gid: this.gid, nlink: this.nlink, rdev: this.rdev,
      size: this.size, atime: String(this.atimeNs), mtime: String(this.mtimeNs), ctime: String(this.ctimeNs),
      btime: String(this.btimeNs),
    };
    if (this.target) r.target = this.target;
    if (this.xattrs.size) r.xattrs = [...this.xattrs].map(([k, v]) => [k, Buffer.from(v).toString('base64')]);
    return r;
  }

  /** Tells the store this inode's metadata changed. */
  changed(): void { this.vfs.store.changed(Number(this.ino), this); }
  private get data(): FileData { return (this.contents ??= this.vfs.store.file(Number(this.ino))); }

  override opened(): void { this.opens++; }
  override closed(): void {
    if (--this.opens === 0 && this.vfs.openOrphans.delete(this)) this.vfs.store.free(Number(this.ino), (this.mode & S_IFMT) === S_IFREG);
  }
  override sync(_dataOnly: boolean): void { this.vfs.store.sync(Number(this.ino)); }

  private get isDir(): boolean { return (this.mode & S_IFMT) === S_IFDIR; }
  private dir(): Map<string, VolInode> {
    if (!this.children) fail(ENOTDIR);
    return this.children;
  }
  private touch(m = true): void {
    const t = now();
    if (m) this.mtimeNs = t;
    this.ctimeNs = t;
    this.changed();
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
    this.changed();
  }

  // ---- directories ----
  override lookup(name: string): Inode | null { return this.dir().get(name) ?? null; }

  override readdir(): DirEntry[] {
    return [...this.dir()].map(([name, i]) => ({ name, ino: i.ino, type: i.mode & S_IFMT }));
  }

  private add(name: string, spec: CreateSpec): VolInode {
    const d = this.dir();
    if (name.length > NAME_MAX || Buffer.byteLength(name) > NAME_MAX) fail(ENAMETOOLONG);
    // The VFS names the root "/" when a path has no last component (mkdir("/")): it exists.
    if (d.has(name) || name === '/') fail(EEXIST);
    const child = new VolInode(this.vfs, this.vfs.allocIno(), spec);
    d.set(name, child);
    child.changed();
    this.vfs.store.entry(Number(this.ino), name, Number(child.ino));
    this.touch();
    return child;
  }

  override create(name: string, spec: CreateSpec): Inode { return this.add(name, { ...spec, mode: S_IFREG | (spec.mode & 0o7777) }); }
  override mknod(name: string, spec: CreateSpec): Inode { return this.add(name, spec); }

  override mkdir(name: string, spec: CreateSpec): Inode {
    const child = this.add(name, { ...spec, mode: S_IFDIR | (spec.mode & 0o7777) });
    child.nlink = 2;
    this.nlink++; // the child's ".."
    return child; // both are recorded at the next commit, with these counts
  }

  override symlink(name: string, target: string, spec: CreateSpec): Inode {
    const child = this.add(name, { ...spec, mode: S_IFLNK | 0o777 });
    child.target = target;
    return child;
  }

  override link(name: string, target: Inode): void {
    const t = target as VolInode;
    const d = this.dir();
    if (d.has(name) || name === '/') fail(EEXIST); // Linux checks the new name before the target's type
    if (t.isDir) fail(EPERM); // no hard links to directories
    d.set(name, t);
    this.vfs.store.entry(Number(this.ino), name, Number(t.ino));
    if (t.nlink === 0) this.vfs.openOrphans.delete(t); // an O_TMPFILE file gets its first name
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
      this.vfs.unlinked(child);
    }
  }

  override unlink(name: string): void {
    const d = this.dir();
    const child = d.get(name);
    if (!child) fail(ENOENT);
    if (child.isDir) fail(EISDIR);
    d.delete(name);
    this.vfs.store.entry(Number(this.ino), name, null);
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
    this.vfs.store.entry(Number(this.ino), name, null);
    child.nlink = 0;
    child.changed();
    this.vfs.unlinked(child);
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
      this.vfs.store.entry(Number(this.ino), name, Number(dst.ino));
      this.vfs.store.entry(Number(newDir.ino), newName, Number(src.ino));
      if (src.isDir !== dst.isDir && this !== newDir) {
        // A directory moving to another parent takes its ".." link with it.
        const dirMoved = src.isDir ? src : dst;
        const [gain, lose] = dirMoved === src ? [newDir as VolInode, this as VolInode] : [this as VolInode, newDir as VolInode];
        gain.nlink++;
        lose.nlink--;
        gain.changed();
        lose.changed();
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
    this.vfs.store.entry(Number(this.ino), name, null);
    if (dst) {
      to.delete(newName);
      if (dst.isDir) {
        dst.nlink = 0;
        dst.changed();
        this.vfs.unlinked(dst);
        (newDir as VolInode).nlink--;
        this.vfs.inodes--;
      } else this.drop(dst);
    }
    to.set(newName, src);
    this.vfs.store.entry(Number(newDir.ino), newName, Number(src.ino));
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
    if (size > this.vfs.store.maxFileSize) fail(EFBIG);
    this.vfs.charge(size - this.size);
    this.data.resize(this.size, size);
    this.size = size;
    this.changed();
  }

  override read(buf: Uint8Array, offset: number): number {
    if (this.isDir) fail(EISDIR);
    const n = Math.max(0, Math.min(buf.length, this.size - offset));
    if (n > 0) this.data.read(buf.subarray(0, n), offset);
    this.atimeNs = now();
    this.changed();
    return n;
  }

  override write(buf: Uint8Array, offset: number): number {
    if (this.isDir) fail(EISDIR);
    const end = offset + buf.length;
    if (end > this.size) this.resize(end);
    this.data.write(buf, offset);
    this.touch();
    return buf.length;
  }

  override allocate(mode: number, offset: number, len: number): void {
    if (mode === 0) { if (offset + len > this.size) this.resize(offset + len); return; }
    const PUNCH = 0x02, KEEP = 0x01;
    if (mode === (PUNCH | KEEP)) {
      if (offset < this.size) this.data.zero(offset, Math.min(this.size, offset + len) - offset);
      this.touch();
      return;
    }
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
    this.changed();
  }
  override listxattr(): string[] { return [...this.xattrs.keys()]; }
  override removexattr(name: string): void {
    if (!this.xattrs.delete(name)) fail(ENODATA);
    this.ctimeNs = now();
    this.changed();
  }
}
