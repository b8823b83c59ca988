// Mounts and path walk (path_resolution(7), mount(2)): everything about paths lives here, so
// backends never see one. A Dentry is a position in the tree — an inode reached through a chain
// of parents inside one mount — built during a walk and not cached: backends (drvfs over a host
// directory in particular) may change underneath, and a stateless walk can't go stale. Mount
// points are identified by (mount, inode number).

import { Filesystem, Inode } from './api.js';
import { fail, ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EINVAL, EBUSY } from '../abi/errno.js';
import { S_IFMT, S_IFDIR, S_IFLNK } from '../abi/stat.js';
import { mayExec, Creds } from './perm.js';

export const PATH_MAX = 4096;
export const NAME_MAX = 255;
/** Symlinks followed in one resolution before ELOOP (Linux's MAXSYMLINKS). */
export const MAXSYMLINKS = 40;

// mount(2) flags (include/uapi/linux/mount.h). The per-mount ones wasl keeps on a Mount are
// MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC and the atime flags.
export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
  MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096,
  MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768, MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18,
  MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_NOUSER = 1 << 31;
/** The flags a mount (not its filesystem) carries. */
export const MNT_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;
// umount2(2) flags
export const MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

let nextMountId = 1;
/** A mount id for a mount lxcore serves outside the namespace's list (an instance's /proc, /sys, /dev). */
export function newMountId(): number { return nextMountId++; }

export class Mount {
  readonly id = nextMountId++;
  /** The filesystem's own options as /proc/mounts shows them after the flags ("mode=755"). */
  data = '';
  constructor(
    readonly fs: Filesystem,
    /** The directory inode of `fs` this mount shows (its root, or a subdirectory for a bind mount). */
    readonly rootInode: Inode,
    /** Where it is mounted; null for the namespace's root mount (MS_MOVE changes it). */
    public mountpoint: Dentry | null,
    public flags: number,
    readonly source: string,
    /** Filesystem options as /proc/mounts shows them after rw/ro ("size=1024k,mode=755"). */
    public fsOpts = '',
  ) {}
  /** The directory of its filesystem it shows, as mountinfo's root field ("/" but for bind mounts). */
  fsRoot = '/';
  /** Open file descriptions on it (umount answers EBUSY while any remain, as Linux's refcount). */
  users = 0;
  get readonly(): boolean { return (this.flags & MS_RDONLY) !== 0 || this.fs.readonly; }
  get noexec(): boolean { return (this.flags & MS_NOEXEC) !== 0; }
  get nodev(): boolean { return (this.flags & MS_NODEV) !== 0; }
  get nosuid(): boolean { return (this.flags & MS_NOSUID) !== 0; }
}

export class Dentry {
  constructor(readonly mount: Mount, readonly inode: Inode, readonly parent: Dentry | null, readonly name: string) {}
  get isDir(): boolean { return (this.inode.attrs().mode & S_IFMT) === S_IFDIR; }
  /** Whether `other` is the same place (same mount, same inode). */
  same(other: Dentry): boolean { return this.mount === other.mount && this.inode.ino === other.inode.ino; }
}

/** What a walk needs from the calling task. */
export interface WalkContext { root: Dentry; cwd: Dentry; creds: Creds }

export interface WalkOptions {
  /** Follow a symlink in the last component (stat vs lstat, O_NOFOLLOW). */
  follow?: boolean;
  /** The result must be a directory (O_DIRECTORY, or a trailing slash). */
  directory?: boolean;
}

/** The parent directory and last name of a path, for calls that create or remove a name. */
export interface ParentResult { parent: Dentry; name: string; trailingSlash: boolean }

export class Namespace {
  readonly mounts: Mount[] = [];
  private byPoint = new Map<string, Mount>();
  private top_: Dentry;
  /** The namespace's root: its root mount's root (pivot_root changes which mount that is). */
  get root(): Dentry { return this.top_; }

  constructor(rootFs: Filesystem, source = 'rootfs') {
    if (rootFs.dev === 0) rootFs.dev = 0x100 + nextMountId; // st_dev 0:0 is no device: df looks for /'s
    const m = new Mount(rootFs, rootFs.root(), null, MS_RELATIME, source);
    this.mounts.push(m);
    this.top_ = new Dentry(m, m.rootInode, null, '/');
  }

  private key(d: Dentry): string { return `${d.mount.id}:${d.inode.ino}`; }

  /** The mount whose root sits on `d`, if any (the topmost, when mounts are stacked). */
  mountedOn(d: Dentry): Mount | undefined { return this.byPoint.get(this.key(d)); }

  /**
   * Mounts `fs` (or a subtree of it, for bind mounts) on `at` (graft_tree: a directory on a
   * directory, a file on a file, else ENOTDIR).
   */
  mount(fs: Filesystem, at: Dentry, flags = 0, source = fs.type, rootInode: Inode = fs.root(), fsOpts = ''): Mount {
    const dir = (rootInode.attrs().mode & S_IFMT) === S_IFDIR;
    if (at.isDir !== dir) fail(ENOTDIR);
    if (fs.dev === 0) fs.dev = 0x100 + nextMountId; // st_dev: one per filesystem instance
    const m = new Mount(fs, rootInode, at, flags, source, fsOpts);
    this.mounts.push(m);
    this.byPoint.set(this.key(at), m);
    return m;
  }

  /** Whether `d` is the root of a mount (what umount, remount and propagation changes name). */
  isMountRoot(d: Dentry): boolean { return d.inode.ino === d.mount.rootInode.ino; }

  /** The mounts whose mount point lies on `m` (directly). */
  children(m: Mount): Mount[] { return this.mounts.filter((x) => x.mountpoint?.mount === m); }

  /**
   * umount2(2) on the mount whose root `d` is: EINVAL if `d` is not a mount root, EBUSY if
   * something is mounted inside it or it is in use (`busy`), unless `detach` (MNT_DETACH: the
   * mount and everything below it leave the tree at once; files already open keep working).
   */
  umount(d: Dentry, detach = false, busy: (m: Mount) => boolean = (m) => m.users > 0): void {
    const m = d.mount;
    if (!this.isMountRoot(d)) fail(EINVAL); // not the root of a mount
    if (!m.mountpoint) fail(EBUSY); // the namespace's root
    if (!detach && (this.children(m).length > 0 || busy(m))) fail(EBUSY);
    const gone: Mount[] = [];
    const collect = (x: Mount) => { gone.push(x); for (const c of this.children(x)) collect(c); };
    collect(m);
    for (const x of gone.reverse()) this.detach(x);
  }

  /** Takes `m` out of the table; its filesystem is released when no other mount shows it. */
  private detach(m: Mount): void {
    const key = this.key(m.mountpoint!);
    if (this.byPoint.get(key) === m) this.byPoint.delete(key);
    this.mounts.splice(this.mounts.indexOf(m), 1);
    if (!this.mounts.some((x) => x.fs === m.fs)) m.fs.release();
  }

  /** MS_MOVE: the mount whose root is `d` moves to `at` (the caller checked it is not inside it). */
  move(m: Mount, at: Dentry): void {
    const key = this.key(m.mountpoint!);
    if (this.byPoint.get(key) === m) this.byPoint.delete(key);
    m.mountpoint = at;
    this.byPoint.set(this.key(at), m);
  }

  /**
   * pivot_root's move (the caller checked Linux's rules): `newMnt` leaves its mount point and
   * takes `rootMnt`'s place (the namespace's root, or where `rootMnt` was mounted), and `rootMnt`
   * is mounted on `putOld`.
   */
  pivot(newMnt: Mount, rootMnt: Mount, putOld: Dentry): void {
    const unhook = (m: Mount) => {
      const key = this.key(m.mountpoint!);
      if (this.byPoint.get(key) === m) this.byPoint.delete(key);
    };
    const place = rootMnt.mountpoint;
    unhook(newMnt);
    if (place) unhook(rootMnt);
    newMnt.mountpoint = place;
    if (place) this.byPoint.set(this.key(place), newMnt);
    else this.top_ = new Dentry(newMnt, newMnt.rootInode, null, '/');
    rootMnt.mountpoint = putOld;
    this.byPoint.set(this.key(putOld), rootMnt);
  }

  /** Whether `d` is `top` or lies below it (is_path_reachable: names are not looked at). */
  below(d: Dentry, top: Dentry): boolean {
    for (let cur: Dentry | null = d; cur;) {
      if (cur.same(top)) return true;
      cur = cur.inode.ino === cur.mount.rootInode.ino && cur.mount.mountpoint ? cur.mount.mountpoint : cur.parent;
    }
    return false;
  }

  /** What is mounted on `d`, topmost, if anything (a lookup's LOOKUP_MOUNTPOINT, lock_mount). */
  top(d: Dentry): Dentry { return this.cross(d); }

  /** Whether `d` lies inside the tree of mount `m` (at or below its root, mounts crossed). */
  within(d: Dentry, m: Mount): boolean {
    for (let cur: Dentry | null = d; cur;) {
      if (cur.mount === m) return true;
      cur = cur.mount.mountpoint;
    }
    return false;
  }

  /** The dentry of a mount's root (its parent chain continues at the mount point's parent). */
  rootOf(m: Mount): Dentry {
    if (!m.mountpoint) return this.root;
    return new Dentry(m, m.rootInode, m.mountpoint.parent, m.mountpoint.name);
  }

  /** Steps into whatever is mounted on `d`, repeatedly (mounts can be stacked). */
  private cross(d: Dentry): Dentry {
    for (let m = this.mountedOn(d); m; m = this.mountedOn(d)) {
      d = new Dentry(m, m.rootInode, d.parent, d.name);
    }
    return d;
  }

  /** ".." of `d`, not leaving the walk's root (chroot) and climbing out of mounts. */
  private up(d: Dentry, root: Dentry): Dentry {
    for (;;) {
      if (d.same(root)) return d;
      if (d.inode.ino === d.mount.rootInode.ino && d.mount.mountpoint) {
        d = d.mount.mountpoint; // the mount's root: ".." is the mount point's parent
        continue;
      }
      return d.parent ?? d;
    }
  }

  /**
   * Resolves `path` from `start` (the cwd or a dirfd's directory) to a dentry.
   * Errors: ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES (search permission on a directory).
   */
  resolve(ctx: WalkContext, start: Dentry, path: string, o: WalkOptions = {}): Dentry {
    const r = this.walk(ctx, start, path, o.follow ?? true, false, { links: 0 });
    if ('parent' in r) throw new Error('unreachable');
    if ((o.directory || r.trailing) && !r.d.isDir) fail(ENOTDIR);
    return r.d;
  }

  /** Resolves all but the last component (for create, unlink, rename, link, symlink, mkdir). */
  resolveParent(ctx: WalkContext, start: Dentry, path: string): ParentResult {
    const r = this.walk(ctx, start, path, false, true, { links: 0 });
    if (!('parent' in r)) throw new Error('unreachable');
    return r.parent;
  }

  /** Looks `name` up in directory `dir` (search permission checked), crossing mounts. */
  child(ctx: WalkContext, dir: Dentry, name: string): Dentry | null {
    if (!dir.isDir) fail(ENOTDIR);
    mayExec(ctx.creds, dir.inode.attrs());
    if (name === '.') return dir;
    if (name === '..') return this.up(dir, ctx.root);
    // After the directory and permission checks, as Linux's filesystems check it in ->lookup.
    if (Buffer.byteLength(name) > NAME_MAX) fail(ENAMETOOLONG);
    const inode = dir.inode.lookup(name);
    return inode ? this.cross(new Dentry(dir.mount, inode, dir, name)) : null;
  }

  private walk(ctx: WalkContext, start: Dentry, path: string, followLast: boolean, wantParent: boolean,
    state: { links: number }): { d: Dentry; trailing: boolean } | { parent: ParentResult } {
    if (path.length === 0) fail(ENOENT);
    if (path.length >= PATH_MAX) fail(ENAMETOOLONG);
    let d = path.startsWith('/') ? ctx.root : start;
    const trailing = path.endsWith('/');
    const parts = path.split('/').filter((p) => p.length > 0);
    if (wantParent) {
      if (parts.length === 0) return { parent: { parent: d, name: '/', trailingSlash: trailing } };
    }
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i];
      const last = i === parts.length - 1;
      if (last && wantParent) {
        if (!d.isDir) fail(ENOTDIR);
        mayExec(ctx.creds, d.inode.attrs());
        return { parent: { parent: d, name, trailingSlash: trailing } };
      }
      const next = this.child(ctx, d, name);
      if (!next) fail(ENOENT);
      const type = next.inode.attrs().mode & S_IFMT;
      if (type === S_IFLNK && (!last || followLast || trailing)) {
        if (++state.links > MAXSYMLINKS) fail(ELOOP);
        const target = next.inode.readlink();
        const rest = parts.slice(i + 1).join('/');
        const through = rest ? `${target}/${rest}${trailing ? '/' : ''}` : target + (trailing ? '/' : '');
        if (target.length === 0) fail(ENOENT);
        return this.walk(ctx, target.startsWith('/') ? ctx.root : d, through, followLast, wantParent, state);
      }
      d = next;
    }
    return { d, trailing };
  }

  /** The path of `d` as seen from `root` (getcwd, /proc/PID/cwd): names re-read from the tree. */
  pathOf(d: Dentry, root: Dentry): string {
    return this.pathUnder(d, root) ?? this.pathUnder(d, this.root, false)!;
  }

  /**
   * The path of `d` from `root`, or null if `d` is not below it (outside a chroot, or in a
   * detached mount); with `strict` false, the path from the top of what `d` hangs from.
   */
  pathUnder(d: Dentry, root: Dentry, strict = true): string | null {
    const names: string[] = [];
    for (let cur = d; !cur.same(root);) {
      if (cur.inode.ino === cur.mount.rootInode.ino && cur.mount.mountpoint) { cur = cur.mount.mountpoint; continue; }
      const parent = cur.parent;
      if (!parent) { if (strict) return null; break; } // above the root the caller gave
      // Renames change names but not inodes: the name the walk came by, if it still leads to the
      // same inode (one lookup), else the entry of the parent with that inode number (a scan:
      // on drvfs a readdir and a stat per entry, so only when the fast answer fails).
      let name: string | undefined = cur.name;
      let same = false;
      try { same = parent.inode.lookup(name)?.ino === cur.inode.ino; } catch { /* not searchable now: scan */ }
      if (!same) name = parent.inode.readdir().find((e) => e.ino === cur.inode.ino)?.name;
      if (name === undefined) fail(ENOENT); // removed while we stood in it
      names.push(name);
      cur = parent;
    }
    return '/' + names.reverse().join('/');
  }
}

