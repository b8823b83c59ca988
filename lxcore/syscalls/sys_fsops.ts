// Calls that change the filesystem tree or an inode's attributes: mkdir(at), unlink(at),
// rmdir, rename(at, at2), link(at), symlink(at), chmod family, chown family, utimensat,
// truncate/ftruncate, umask, fsync/fdatasync/sync/syncfs (man 2 of each). Each works on the
// three kinds of place a path can lead (sys_path.ts): the host passthrough (the host kernel
// checks), a VFS dentry (volfs: lxcore checks with lxcore/vfs/perm.ts), or wasl's synthetic
// /proc, /dev, /sys (read-only: EACCES/EPERM as Linux answers for those).

import { fs, path as hostPath } from '../host.js';
import { fail, EINVAL, EEXIST, ENOENT, EPERM, EACCES, EROFS, EXDEV, EISDIR, ENOTDIR, ENOTEMPTY, EBUSY, ENAMETOOLONG, EBADF, ESPIPE, ENODEV, EOPNOTSUPP, EFBIG } from '../abi/errno.js';
import { AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_SYMLINK_FOLLOW, O_ACCMODE, O_RDONLY, O_PATH } from '../abi/fcntl.js';
import { S_IFMT, S_IFDIR, S_IFLNK, S_ISGID, S_ISUID, S_IFREG, S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK } from '../abi/stat.js';
import { RENAME_NOREPLACE, RENAME_EXCHANGE, type InodeAttrs, type AttrChanges } from '../vfs/api.js';
import { DrvInode } from '../../drvfs/drvfs.js';
import { mayModifyDir, mayDelete, isOwner, permission, allowed, MAY_READ, MAY_WRITE } from '../vfs/perm.js';
import { InodeFile } from '../vfs/inodefile.js';
import { HostFile } from '../fs/hostfile.js';
import { SynFileDescription, SynDirDescription } from '../fs/synthetic.js';

import { PROC_DEV } from '../fs/procfs.js';
import { SYS_DEV } from '../fs/sysfs.js';
import { DEV_DEV } from '../fs/devfs.js';
import { pathArg, lookup, lookupParent, host, credsOf, ParentOf, hostCreateCheck, hostCreated, hostVictimCheck, isMountPoint, linkable } from './sys_path.js';
import type { FileDescription } from '../vfs/file.js';
import type { Task } from '../kernel/task.js';
import { Dentry } from '../vfs/namespace.js';

const hostJoin = (dir: string, name: string) => `${dir.replace(/\/$/, '')}/${name}`;

/** The parent of a new or removed name; EACCES in wasl's read-only synthetic trees. */
function parentOf(t: Task, dirfd: number, path: string): Exclude<ParentOf, { synthetic: true }> {
  const p = lookupParent(t, dirfd, path);
  if ('synthetic' in p) fail(EACCES);
  if ('hostParent' in p && p.mount?.readonly) fail(EROFS); // a host directory on a read-only mount
  return p;
}

function child(t: Task, parent: Dentry, name: string): Dentry | null {
  const v = t.kernel.vfs!;
  return v.ns.child(v.context(t), parent, name);
}

function writableDir(t: Task, d: Dentry): void {
  if (d.mount.readonly) fail(EROFS);
  mayModifyDir(credsOf(t), d.inode.attrs());
}

function newOwner(t: Task, parent: Dentry): { uid: number; gid: number } {
  const pa = parent.inode.attrs();
  return { uid: t.process.creds.euid, gid: (pa.mode & S_ISGID) ? pa.gid : t.process.creds.egid };
}

// ---- mkdir, mknod, symlink, link ---------------------------------------------

export function sysMkdirat(t: Task, dirfd: number, pathAddr: number, mode: number): number {
  const p = parentOf(t, dirfd, pathArg(t, pathAddr));
  const m = (mode & 0o7777) & ~t.process.umask;
  if ('hostParent' in p) { hostCreateCheck(t, p); host(() => fs.mkdirSync(hostJoin(p.hostParent, p.name), m)); hostCreated(t, p, m); return 0; }
  if (child(t, p.parent, p.name)) fail(EEXIST);
  writableDir(t, p.parent);
  const pa = p.parent.inode.attrs();
  // A directory made in a setgid directory is setgid too.
  p.parent.inode.mkdir(p.name, { mode: m | (pa.mode & S_ISGID), ...newOwner(t, p.parent) });
  return 0;
}
export function sysMkdir(t: Task, pathAddr: number, mode: number): number { return sysMkdirat(t, AT_FDCWD, pathAddr, mode); }

/**
 * mknod(2): FIFOs, sockets and (for root, CAP_MKNOD) device nodes on volfs; a regular file
 * anywhere. Host paths get regular files only: Node has no mknod (docs/compat.md).
 */
export function sysMknodat(t: Task, dirfd: number, pathAddr: number, mode: number, dev: number): number {
  const type = (mode & S_IFMT) || S_IFREG;
  if (type === S_IFDIR) fail(EPERM);
  if (type !== S_IFREG && type !== S_IFIFO && type !== S_IFSOCK && type !== S_IFCHR && type !== S_IFBLK) fail(EINVAL);
  if ((type === S_IFCHR || type === S_IFBLK) && t.process.creds.euid !== 0) fail(EPERM);
  const p = parentOf(t, dirfd, pathArg(t, pathAddr));
  const m = (mode & 0o7777) & ~t.process.umask;
  if ('hostParent' in p) {
    hostCreateCheck(t, p);
    if (type !== S_IFREG) fail(EPERM);
    host(() => fs.closeSync(fs.openSync(hostJoin(p.hostParent, p.name), fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, m)));
    hostCreated(t, p, m);
    return 0;
  }
  if (child(t, p.parent, p.name)) fail(EEXIST);
  writableDir(t, p.parent);
  const owner = newOwner(t, p.parent);
  // The kernel takes dev as a 32-bit new_encode_dev value, which is also st_rdev's encoding.
  if (type === S_IFREG) p.parent.inode.create(p.name, { mode: m, ...owner });
  else p.parent.inode.mknod(p.name, { mode: type | m, rdev: (type === S_IFCHR || type === S_IFBLK) ? dev >>> 0 : 0, ...owner });
  return 0;
}
export function sysMknod(t: Task, pathAddr: number, mode: number, dev: number): number { return sysMknodat(t, AT_FDCWD, pathAddr, mode, dev); }

export function sysSymlinkat(t: Task, targetAddr: number, dirfd: number, pathAddr: number): number {
  const target = pathArg(t, targetAddr);
  const p = parentOf(t, dirfd, pathArg(t, pathAddr));
  if ('hostParent' in p) { hostCreateCheck(t, p); host(() => fs.symlinkSync(target, hostJoin(p.hostParent, p.name))); hostCreated(t, p); return 0; }
  if (child(t, p.parent, p.name)) fail(EEXIST);
  writableDir(t, p.parent);
  p.parent.inode.symlink(p.name, target, { mode: 0o777, ...newOwner(t, p.parent) });
  return 0;
}
export function sysSymlink(t: Task, targetAddr: number, pathAddr: number): number { return sysSymlinkat(t, targetAddr, AT_FDCWD, pathAddr); }

export function sysLinkat(t: Task, olddirfd: number, oldAddr: number, newdirfd: number, newAddr: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) fail(EINVAL);
  const oldPath = pathArg(t, oldAddr, (flags & AT_EMPTY_PATH) !== 0);
  let from: ReturnType<typeof lookup>;
  if (oldPath === '') {
    // AT_EMPTY_PATH: the file olddirfd is open on (CAP_DAC_READ_SEARCH: root's).
    if (t.process.creds.euid !== 0) fail(ENOENT);
    from = linkSource(t.process.fds.get(olddirfd | 0));
  } else {
    from = lookup(t, olddirfd, oldPath, (flags & AT_SYMLINK_FOLLOW) !== 0);
    // /proc/self/fd/N followed: the open file itself, named or not.
    if ('node' in from && from.node.kind === 'link' && from.node.magic) from = linkSource(from.node.magic(t));
  }
  const p = parentOf(t, newdirfd, pathArg(t, newAddr));
  // A file whose last name is gone stays unnamed, unless O_TMPFILE made it linkable.
  if ('dentry' in from && from.dentry.inode.attrs().nlink === 0 && !linkable.has(from.dentry.inode)) fail(ENOENT);
  // do_linkat's order: the new name (filename_create: EEXIST, ENAMETOOLONG), then EXDEV, then
  // may_linkat (EPERM), then may_create (EACCES), then EPERM for a directory.
  const inNamespace = !('hostParent' in p) || p.dir !== undefined;
  if (inNamespace) {
    if (p.name === '.' || p.name === '..' || p.name === '/') fail(EEXIST);
    if (Buffer.byteLength(p.name) > 255) fail(ENAMETOOLONG);
    if ('hostParent' in p ? p.dir!.inode.lookup(p.name) : child(t, p.parent, p.name)) fail(EEXIST);
  }
  if ('host' in from && 'hostParent' in p) {
    // Two drvfs mounts are two filesystems to the guest, even over one host filesystem.
    if (from.mount !== p.mount) fail(EXDEV);
    if (from.vfsDentry) mayLinkat(t, from.vfsDentry.inode.attrs());
    hostCreateCheck(t, p);
    if (from.vfsDentry?.isDir) fail(EPERM);
    host(() => fs.linkSync(from.host, hostJoin(p.hostParent, p.name)));
    return 0;
  }
  if (!('dentry' in from) || !('parent' in p)) return fail(EXDEV);
  if (from.dentry.mount !== p.parent.mount) fail(EXDEV);
  mayLinkat(t, from.dentry.inode.attrs());
  writableDir(t, p.parent);
  if (from.dentry.isDir) fail(EPERM);
  p.parent.inode.link(p.name, from.dentry.inode);
  return 0;
}

/**
 * may_linkat with fs.protected_hardlinks = 1, the default of Debian and most distributions: a
 * caller that does not own the source (and is not root) may link only a regular file that is not
 * setuid, not setgid-executable, and that it may both read and write.
 */
function mayLinkat(t: Task, a: InodeAttrs): void {
  const c = credsOf(t);
  if (c.fsuid === 0 || c.fsuid === a.uid) return;
  const safe = (a.mode & S_IFMT) === S_IFREG && !(a.mode & S_ISUID) && (a.mode & (S_ISGID | 0o010)) !== (S_ISGID | 0o010) &&
    allowed(c, a, MAY_READ | MAY_WRITE);
  if (!safe) fail(EPERM);
}
/** What linkat names when given an open file: its dentry, or its host path. */
function linkSource(f: FileDescription): ReturnType<typeof lookup> {
  if (f instanceof InodeFile) return { dentry: f.dentry, path: f.path };
  if (f instanceof HostFile && f.hostPath) {
    // Node links by name only. The name must still lead to the open file: renamed away, or a
    // directory on the way swapped for a symlink out of a drvfs mount, it is not linked (ENOENT,
    // as for a file whose name is gone) rather than whatever the name now reaches.
    const open = host(() => fs.fstatSync(f.hostFd, { bigint: true }));
    let named: ReturnType<typeof fs.lstatSync> | undefined;
    try { named = fs.lstatSync(f.hostPath, { bigint: true }); } catch { /* gone */ }
    if (!named || named.ino !== open.ino || named.dev !== open.dev) fail(ENOENT);
    return { host: f.hostPath, path: f.path, mount: f.dentry?.mount, vfsDentry: f.dentry };
  }
  return fail(ENOENT);
}

export function sysLink(t: Task, oldAddr: number, newAddr: number): number { return sysLinkat(t, AT_FDCWD, oldAddr, AT_FDCWD, newAddr, 0); }

// ---- unlink, rmdir --------------------------------------------------------------------------

export function sysUnlinkat(t: Task, dirfd: number, pathAddr: number, flags: number): number {
  if (flags & ~AT_REMOVEDIR) fail(EINVAL);
  const rmdir = (flags & AT_REMOVEDIR) !== 0;
  const path = pathArg(t, pathAddr);
  const p = parentOf(t, dirfd, path);
  if ('hostParent' in p) {
    const victim = hostVictimCheck(t, p);
    if (victim && rmdir && isMountPoint(t, victim)) fail(EBUSY);
    const at = hostJoin(p.hostParent, p.name);
    if (rmdir) host(() => fs.rmdirSync(at)); else host(() => fs.unlinkSync(at));
    return 0;
  }
  if (p.name === '.' ) fail(EINVAL);
  if (p.name === '..') fail(ENOTEMPTY);
  const victim = child(t, p.parent, p.name);
  if (!victim) fail(ENOENT);
  if (p.parent.mount.readonly) fail(EROFS);
  mayDelete(credsOf(t), p.parent.inode.attrs(), victim.inode.attrs());
  if (rmdir) {
    if (victim.mount !== p.parent.mount) fail(EBUSY) // a mount point;
    p.parent.inode.rmdir(p.name);
  } else {
    if (p.trailingSlash) fail(victim.isDir ? EISDIR : ENOTDIR);
    p.parent.inode.unlink(p.name);
  }
  return 0;
}
export function sysUnlink(t: Task, pathAddr: number): number { return sysUnlinkat(t, AT_FDCWD, pathAddr, 0); }
export function sysRmdir(t: Task, pathAddr: number): number { return sysUnlinkat(t, AT_FDCWD, pathAddr, AT_REMOVEDIR); }

// ---- rename ---------------------------------------------------------------------------------

export function sysRenameat2(t: Task, olddirfd: number, oldAddr: number, newdirfd: number, newAddr: number, flags: number): number {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) fail(EINVAL);
  if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) fail(EINVAL);
  // The old path is walked before the new one is read: Linux reports its errors first.
  const a = parentOf(t, olddirfd, pathArg(t, oldAddr)), b = parentOf(t, newdirfd, pathArg(t, newAddr));
  if ('hostParent' in a && 'hostParent' in b) {
    if (a.mount !== b.mount) fail(EXDEV); // two drvfs mounts: two filesystems to the guest
    const dot = (n: string) => n === '.' || n === '..' || n === '/';
    if (a.dir && (dot(a.name) || dot(b.name))) fail(EBUSY);
    const src = hostVictimCheck(t, a, false);
    if (src && b.dir) {
      if (Buffer.byteLength(b.name) > 255) fail(ENAMETOOLONG);
      const dst = b.dir.inode.lookup(b.name);
      // A directory cannot move into its own subtree (EINVAL comes before any permission check).
      if (src.isDir && (b.hostParent === hostJoin(a.hostParent, a.name) || b.hostParent.startsWith(hostJoin(a.hostParent, a.name) + '/'))) fail(EINVAL);
      mayDelete(credsOf(t), a.dir!.inode.attrs(), src.inode.attrs());
      if (dst) mayDelete(credsOf(t), b.dir.inode.attrs(), dst.attrs());
      else mayModifyDir(credsOf(t), b.dir.inode.attrs());
      // A directory moving to another parent has its ".." rewritten: it must be writable.
      if (src.isDir && !b.dir.same(a.dir!)) permission(credsOf(t), src.inode.attrs(), MAY_WRITE);
      if (isMountPoint(t, src) || (dst && isMountPoint(t, new Dentry(b.dir.mount, dst, b.dir, b.name)))) fail(EBUSY);
    }
    const from = hostJoin(a.hostParent, a.name), to = hostJoin(b.hostParent, b.name);
    if (flags & RENAME_EXCHANGE) fail(EINVAL); // Node has no renameat2 (docs/quirks.md)
    if (flags & RENAME_NOREPLACE) {
      host(() => fs.lstatSync(from));
      let exists = true;
      try { fs.lstatSync(to); } catch { exists = false; }
      if (exists) fail(EEXIST);
    }
    host(() => fs.renameSync(from, to));
    return 0;
  }
  if (!('parent' in a) || !('parent' in b)) return fail(EXDEV);
  if (a.parent.mount !== b.parent.mount) fail(EXDEV);
  if (['.', '..', '/'].includes(a.name) || ['.', '..', '/'].includes(b.name)) fail(EBUSY);
  if (a.parent.mount.readonly) fail(EROFS);
  // do_renameat2's order: both lookups, the subtree trap, then vfs_rename's permission checks.
  const src = child(t, a.parent, a.name);
  if (!src) fail(ENOENT);
  const dst = child(t, b.parent, b.name);
  // A directory cannot move into its own subtree (the walk from the new parent meets it).
  if (src.isDir) {
    for (let d: Dentry | null = b.parent; d; d = d.parent) if (d.same(src)) fail(EINVAL);
  }
  const creds = credsOf(t);
  mayDelete(creds, a.parent.inode.attrs(), src.inode.attrs());
  if (dst) mayDelete(creds, b.parent.inode.attrs(), dst.inode.attrs());
  else mayModifyDir(creds, b.parent.inode.attrs());
  // A directory moving to another parent has its ".." rewritten: it must be writable.
  if (src.isDir && !a.parent.same(b.parent)) permission(creds, src.inode.attrs(), MAY_WRITE);
  if (src.mount !== a.parent.mount || (dst && dst.mount !== b.parent.mount)) fail(EBUSY); // mount points
  a.parent.inode.rename(a.name, b.parent.inode, b.name, flags);
  return 0;
}
export function sysRenameat(t: Task, od: number, oa: number, nd: number, na: number): number { return sysRenameat2(t, od, oa, nd, na, 0); }
export function sysRename(t: Task, oa: number, na: number): number { return sysRenameat2(t, AT_FDCWD, oa, AT_FDCWD, na, 0); }

// ---- attributes -----------------------------------------------------------------------------

/**
 * The object a chmod/chown/utimensat/truncate names: a plain passthrough host file (by path or
 * by descriptor; the host kernel checks), or a VFS dentry (lxcore checks) — a volfs inode, or a
 * drvfs file, then with the host descriptor it was named by when it came from an fd (the f*
 * forms act on that open file, even after a rename).
 */
type Target = { host: string } | { hostFd: number } | { dentry: Dentry; hostFd?: number };

function targetOfPath(t: Task, dirfd: number, pathAddr: number, follow: boolean, allowEmpty: boolean): Target {
  const path = pathArg(t, pathAddr, allowEmpty);
  if (path === '') return targetOfFd(t, dirfd);
  const r = lookup(t, dirfd, path, follow);
  if ('host' in r) return r.vfsDentry ? { dentry: r.vfsDentry } : r;
  if ('dentry' in r) return r;
  // /proc/PID/fd/N followed: the open file it names (musl's fchmod of an O_PATH descriptor).
  if (follow && r.node.kind === 'link' && r.node.magic) return targetOfFile(r.node.magic(t));
  return fail(EPERM); // wasl's synthetic files: owned by root, attributes fixed
}

/**
 * A descriptor the f* calls act on (fdget): EBADF for an O_PATH one, which only the calls that
 * take a path with AT_EMPTY_PATH, fstat and fstatfs accept (fdget_raw).
 */
function fdget(t: Task, fd: number): FileDescription {
  const f = t.process.fds.get(fd | 0);
  if (f.flags & O_PATH) fail(EBADF);
  return f;
}

function targetOfFd(t: Task, fd: number, raw = true): Target {
  return targetOfFile(raw ? t.process.fds.get(fd | 0) : fdget(t, fd));
}

function targetOfFile(f: FileDescription): Target {
  if (f instanceof HostFile) return f.dentry ? { dentry: f.dentry, hostFd: f.hostFd } : { hostFd: f.hostFd };
  if (f instanceof InodeFile) return { dentry: f.dentry };
  return fail(EPERM);
}

/** mnt_want_write: the first check of chmod, chown and utimensat (EROFS on a read-only mount). */
function mountWritable(tg: Target): void {
  if ('dentry' in tg && tg.dentry.mount.readonly) fail(EROFS);
}

/** Applies attribute changes to a dentry target: a drvfs file named by a descriptor through it. */
function setattr(tg: { dentry: Dentry; hostFd?: number }, c: AttrChanges): void {
  const inode = tg.dentry.inode;
  if (tg.hostFd !== undefined && inode instanceof DrvInode) inode.setattrFd(tg.hostFd, c);
  else inode.setattr(c);
}

function chmod(t: Task, tg: Target, mode: number): number {
  mode &= 0o7777;
  mountWritable(tg);
  if ('host' in tg) host(() => fs.chmodSync(tg.host, mode));
  else if (!('dentry' in tg)) host(() => fs.fchmodSync(tg.hostFd, mode));
  else {
    const a = tg.dentry.inode.attrs();
    isOwner(credsOf(t), a);
    // A non-member of the file's group cannot set setgid (it is silently dropped).
    const c = t.process.creds;
    if (c.euid !== 0 && a.gid !== c.egid && !c.groups.includes(a.gid)) mode &= ~S_ISGID;
    setattr(tg, { mode });
  }
  return 0;
}
export function sysFchmodat(t: Task, dirfd: number, pathAddr: number, mode: number): number { return chmod(t, targetOfPath(t, dirfd, pathAddr, true, false), mode); }
export function sysChmod(t: Task, pathAddr: number, mode: number): number { return sysFchmodat(t, AT_FDCWD, pathAddr, mode); }
export function sysFchmod(t: Task, fd: number, mode: number): number { return chmod(t, targetOfFd(t, fd, false), mode); }

function chown(t: Task, tg: Target, uid: number, gid: number, follow: boolean): number {
  const u = uid | 0, g = gid | 0; // -1 leaves it as it is
  mountWritable(tg);
  if (!('dentry' in tg)) {
    const st = 'host' in tg ? host(() => (follow ? fs.statSync(tg.host) : fs.lstatSync(tg.host))) : host(() => fs.fstatSync(tg.hostFd));
    const nu = u === -1 ? st.uid : u, ng = g === -1 ? st.gid : g;
    if ('hostFd' in tg) host(() => fs.fchownSync(tg.hostFd, nu, ng));
    else host(() => (follow ? fs.chownSync(tg.host, nu, ng) : fs.lchownSync(tg.host, nu, ng)));
    return 0;
  }
  const a = tg.dentry.inode.attrs();
  const c = t.process.creds;
  // Only root changes the owner; the owner may change the group to one of its own groups.
  if (c.euid !== 0) {
    if (u !== -1 && u !== a.uid) fail(EPERM);
    if (g !== -1 && (c.euid !== a.uid || (g !== c.egid && !c.groups.includes(g)))) fail(EPERM);
  }
  const changes: { uid?: number; gid?: number; mode?: number } = {};
  if (u !== -1) changes.uid = u;
  if (g !== -1) changes.gid = g;
  // chown clears setuid, and setgid on group-executable files (not on directories).
  if ((a.mode & S_IFMT) !== S_IFDIR && (u !== -1 || g !== -1)) {
    let m = a.mode & 0o7777 & ~0o4000;
    if (a.mode & 0o010) m &= ~S_ISGID;
    if (m !== (a.mode & 0o7777)) changes.mode = m;
  }
  setattr(tg, changes);
  return 0;
}
export function sysFchownat(t: Task, dirfd: number, pathAddr: number, uid: number, gid: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) fail(EINVAL);
  const follow = (flags & AT_SYMLINK_NOFOLLOW) === 0;
  return chown(t, targetOfPath(t, dirfd, pathAddr, follow, (flags & AT_EMPTY_PATH) !== 0), uid, gid, follow);
}
export function sysChown(t: Task, pathAddr: number, uid: number, gid: number): number { return sysFchownat(t, AT_FDCWD, pathAddr, uid, gid, 0); }
export function sysLchown(t: Task, pathAddr: number, uid: number, gid: number): number { return sysFchownat(t, AT_FDCWD, pathAddr, uid, gid, AT_SYMLINK_NOFOLLOW); }
export function sysFchown(t: Task, fd: number, uid: number, gid: number): number { return chown(t, targetOfFd(t, fd, false), uid, gid, true); }

const UTIME_NOW = (1 << 30) - 1, UTIME_OMIT = (1 << 30) - 2;

export function sysUtimensat(t: Task, dirfd: number, pathAddr: number, timesAddr: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) fail(EINVAL);
  const now = BigInt(Date.now()) * 1_000_000n;
  let atime: bigint | undefined = now, mtime: bigint | undefined = now;
  if (timesAddr) {
    const b = Buffer.from(t.process.mm.read(timesAddr, 32));
    const one = (at: number): bigint | undefined => {
      const ns = b.readBigInt64LE(at + 8);
      if (ns === BigInt(UTIME_OMIT)) return undefined;
      if (ns === BigInt(UTIME_NOW)) return now;
      if (ns < 0n || ns >= 1_000_000_000n) fail(EINVAL);
      return b.readBigInt64LE(at) * 1_000_000_000n + ns;
    };
    atime = one(0);
    mtime = one(16);
  }
  // Both UTIME_OMIT: nothing to do, and the path is not even looked up (sys_utimensat).
  if (atime === undefined && mtime === undefined) return 0;
  // utimensat(dirfd, NULL, …) is futimens(dirfd) (the glibc and musl futimens path).
  const tg = pathAddr === 0 ? targetOfFd(t, dirfd, false) : targetOfPath(t, dirfd, pathAddr, (flags & AT_SYMLINK_NOFOLLOW) === 0, (flags & AT_EMPTY_PATH) !== 0);
  mountWritable(tg);
  if ('dentry' in tg) {
    const a = tg.dentry.inode.attrs();
    if (timesAddr && (atime !== now || mtime !== now)) isOwner(credsOf(t), a);
    setattr(tg, { atimeNs: atime, mtimeNs: mtime });
    return 0;
  }
  const st = 'host' in tg ? host(() => fs.lstatSync(tg.host, { bigint: true })) : host(() => fs.fstatSync(tg.hostFd, { bigint: true }));
  const sec = (v: bigint | undefined, keep: bigint) => Number(v ?? keep) / 1e9;
  if ('hostFd' in tg) host(() => fs.futimesSync(tg.hostFd, sec(atime, st.atimeNs), sec(mtime, st.mtimeNs)));
  else if ((flags & AT_SYMLINK_NOFOLLOW) && (Number(st.mode) & S_IFMT) === S_IFLNK) host(() => fs.lutimesSync(tg.host, sec(atime, st.atimeNs), sec(mtime, st.mtimeNs)));
  else host(() => fs.utimesSync(tg.host, sec(atime, st.atimeNs), sec(mtime, st.mtimeNs)));
  return 0;
}

function truncate(t: Task, tg: Target, length: number): number {
  if (length < 0) fail(EINVAL);
  if ('host' in tg) host(() => fs.truncateSync(tg.host, length));
  else if (!('dentry' in tg)) host(() => fs.ftruncateSync(tg.hostFd, length));
  else {
    // vfs_truncate's order: EISDIR, EROFS (mnt_want_write), then write permission (by path only:
    // ftruncate's descriptor was checked when it was opened for writing).
    if (tg.dentry.isDir) fail(EISDIR);
    if (tg.dentry.mount.readonly) fail(EROFS);
    if (tg.hostFd === undefined && tg.dentry.inode instanceof DrvInode) permission(credsOf(t), tg.dentry.inode.attrs(), MAY_WRITE);
    setattr(tg, { size: length });
  }
  return 0;
}
export function sysTruncate(t: Task, pathAddr: number, length: number): number {
  return truncate(t, targetOfPath(t, AT_FDCWD, pathAddr, true, false), length);
}
export function sysFtruncate(t: Task, fd: number, length: number): number {
  const f = fdget(t, fd);
  if ((f.flags & O_ACCMODE) === O_RDONLY) fail(EINVAL); // ftruncate needs a file open for writing
  return truncate(t, targetOfFd(t, fd), length);
}

// fallocate(2)'s modes (linux/falloc.h).
const FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02,
  FALLOC_FL_COLLAPSE_RANGE = 0x08, FALLOC_FL_ZERO_RANGE = 0x10, FALLOC_FL_INSERT_RANGE = 0x20, FALLOC_FL_UNSHARE_RANGE = 0x40;

/**
 * fallocate(2) with vfs_fallocate's checks in its order (EINVAL, EOPNOTSUPP for bad mode
 * combinations, EBADF without write access, ESPIPE/EISDIR/ENODEV by type, EFBIG). Modes: 0 and
 * KEEP_SIZE (allocate; space is not reserved ahead, only the size grows), PUNCH_HOLE|KEEP_SIZE
 * and ZERO_RANGE (the range reads as zeros); collapse, insert and unshare: EOPNOTSUPP, as a
 * filesystem without them answers.
 */
export function sysFallocate(t: Task, fd: number, mode: number, offset: number, len: number): number {
  const f = fdget(t, fd);
  if (offset < 0 || len <= 0) fail(EINVAL);
  // The mode switch of Linux 6.x's vfs_fallocate: one operation, KEEP_SIZE where it fits.
  const known = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE |
    FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE;
  if (mode & ~known) fail(EOPNOTSUPP);
  switch (mode & ~FALLOC_FL_KEEP_SIZE) {
    case 0: case FALLOC_FL_UNSHARE_RANGE: case FALLOC_FL_ZERO_RANGE: break;
    case FALLOC_FL_PUNCH_HOLE: if (!(mode & FALLOC_FL_KEEP_SIZE)) fail(EOPNOTSUPP); break;
    case FALLOC_FL_COLLAPSE_RANGE: case FALLOC_FL_INSERT_RANGE: if (mode & FALLOC_FL_KEEP_SIZE) fail(EOPNOTSUPP); break;
    default: fail(EOPNOTSUPP);
  }
  if (!f.writable) fail(EBADF);
  const type = f.stat().mode & S_IFMT;
  if (type === S_IFIFO) fail(ESPIPE);
  if (type === S_IFDIR) fail(EISDIR);
  if (type !== S_IFREG && type !== S_IFBLK) fail(ENODEV);
  if (offset + len > Number.MAX_SAFE_INTEGER) fail(EFBIG);
  const m = mode;
  if (m !== 0 && m !== FALLOC_FL_KEEP_SIZE && m !== (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) &&
    m !== FALLOC_FL_ZERO_RANGE && m !== (FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE)) fail(EOPNOTSUPP);
  t.kernel.pageCache.before(f);
  const zero = (m & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) !== 0;
  const grow = !(m & FALLOC_FL_KEEP_SIZE);
  if (f instanceof InodeFile) {
    const inode = f.dentry.inode;
    if (zero) inode.allocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
    if (grow || !zero) inode.allocate(grow ? 0 : FALLOC_FL_KEEP_SIZE, offset, len);
  } else if (f instanceof HostFile) {
    // Node has no fallocate: the same visible result through writes and ftruncate.
    const size = Number(host(() => fs.fstatSync(f.hostFd)).size);
    if (zero && offset < size) {
      const end = Math.min(size, offset + len), chunk = Buffer.alloc(Math.min(end - offset, 1 << 20));
      for (let at = offset; at < end; at += chunk.length) host(() => fs.writeSync(f.hostFd, chunk, 0, Math.min(chunk.length, end - at), at));
    }
    if (grow && offset + len > size) host(() => fs.ftruncateSync(f.hostFd, offset + len));
  } else fail(EOPNOTSUPP);
  t.kernel.pageCache.before(f, true);
  return 0;
}

const CLOSE_RANGE_UNSHARE = 1 << 1, CLOSE_RANGE_CLOEXEC = 1 << 2;

/**
 * close_range(2): EINVAL for unknown flags or first > last (both unsigned); CLOSE_RANGE_UNSHARE
 * gives the caller a table of its own first if it shares one (CLONE_FILES), CLOSE_RANGE_CLOEXEC
 * marks the descriptors instead of closing them. Descriptors not open are skipped.
 */
export function sysCloseRange(t: Task, first: number, last: number, flags: number): number {
  const lo = first >>> 0, hi = last >>> 0;
  if ((flags >>> 0) & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) fail(EINVAL);
  if (lo > hi) fail(EINVAL);
  const p = t.process;
  if ((flags & CLOSE_RANGE_UNSHARE) && p.fds.users > 1) {
    const own = p.fds.clone();
    p.fds.users--;
    p.fds = own;
  }
  p.fds.closeRange(lo, hi, (flags & CLOSE_RANGE_CLOEXEC) !== 0);
  return 0;
}

export function sysUmask(t: Task, mask: number): number {
  const old = t.process.umask;
  t.process.umask = mask & 0o777;
  return old;
}

export function sysFsync(t: Task, fd: number): number {
  const f = fdget(t, fd);
  t.kernel.pageCache.before(f); // what shared mappings stored reaches the file first
  if (f instanceof HostFile) host(() => fs.fsyncSync(f.hostFd));
  else if (f instanceof InodeFile) f.dentry.inode.sync(false);
  // Pipes, sockets, eventfds, ttys and wasl's own device and /proc files have no fsync
  // operation: EINVAL, as vfs_fsync_range answers for a file without ->fsync.
  else fail(EINVAL);
  return 0;
}
export function sysFdatasync(t: Task, fd: number): number { return sysFsync(t, fd); }
/** sync: volfs commits and fsyncs (a --root store); host files are the host kernel's to write back. */
export function sysSync(t: Task): number { t.kernel.vfs?.syncAll(); return 0; }
export function sysSyncfs(t: Task, fd: number): number {
  const f = t.process.fds.get(fd | 0); // any open file will do (a pipe's filesystem has nothing to sync)
  if (f instanceof InodeFile) f.dentry.mount.fs.syncAll();
  return 0;
}


// ---- statfs ---------------------------------------------------------------------------------
/** struct statfs (x86-64, 120 bytes): type, bsize, blocks, bfree, bavail, files, ffree, fsid, namelen, frsize, flags. */
function putStatfs(t: Task, buf: number, s: { type: number; bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number; namelen: number }, ro: boolean): number {
  const b = Buffer.alloc(120);
  b.writeBigInt64LE(BigInt(s.type), 0);
  b.writeBigInt64LE(BigInt(s.bsize), 8);
  b.writeBigUInt64LE(BigInt(s.blocks), 16);
  b.writeBigUInt64LE(BigInt(s.bfree), 24);
  b.writeBigUInt64LE(BigInt(s.bavail), 32);
  b.writeBigUInt64LE(BigInt(s.files), 40);
  b.writeBigUInt64LE(BigInt(s.ffree), 48);
  b.writeBigInt64LE(BigInt(s.namelen), 64);
  b.writeBigInt64LE(BigInt(s.bsize), 72);            // f_frsize
  b.writeBigInt64LE(BigInt(ro ? 1 : 0) | 0x20n, 80);  // f_flags: ST_RDONLY?, ST_VALID
  t.process.mm.write(buf, new Uint8Array(b.buffer, b.byteOffset, 120));
  return 0;
}

function statfsOf(t: Task, tg: Target, buf: number): number {
  // A drvfs file reports its host filesystem's figures (as before it carried its dentry).
  if ('dentry' in tg && !(tg.dentry.inode instanceof DrvInode)) return putStatfs(t, buf, tg.dentry.inode.fs.statfs(), tg.dentry.mount.readonly);
  const path = 'dentry' in tg ? (tg.hostFd !== undefined ? `/proc/self/fd/${tg.hostFd}` : (tg.dentry.inode as DrvInode).hostPath)
    : 'host' in tg ? tg.host : `/proc/self/fd/${tg.hostFd}`;
  const s = host(() => fs.statfsSync(path, { bigint: true }));
  return putStatfs(t, buf, {
    type: Number(s.type), bsize: Number(s.bsize), blocks: Number(s.blocks), bfree: Number(s.bfree),
    bavail: Number(s.bavail), files: Number(s.files), ffree: Number(s.ffree), namelen: 255,
  }, 'dentry' in tg && tg.dentry.mount.readonly);
}

/**
 * statfs of wasl's own trees (the magic numbers of statfs(2)): proc and sysfs have no blocks,
 * so df leaves them out as it does natively; /dev reports the host's devtmpfs figures.
 */
function syntheticStatfs(t: Task, buf: number, dev: number, path = ''): number {
  // lxcore's devpts (lxcore/tty/devpts.ts) lives in the /dev tree but is its own filesystem:
  // DEVPTS_SUPER_MAGIC without blocks, so df leaves it out as it does natively.
  const pts = path === '/dev/pts' || path.startsWith('/dev/pts/');
  const type = pts ? 0x1cd1 /* DEVPTS_SUPER_MAGIC */ : dev === PROC_DEV ? 0x9fa0 /* PROC_SUPER_MAGIC */ : dev === SYS_DEV ? 0x62656572 /* SYSFS_MAGIC */ : 0x01021994 /* TMPFS_MAGIC */;
  const s = { type, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255 };
  if (dev === DEV_DEV && !pts) {
    try {
      const h = fs.statfsSync('/dev');
      Object.assign(s, { bsize: h.bsize, blocks: h.blocks, bfree: h.bfree, bavail: h.bavail, files: h.files, ffree: h.ffree });
    } catch { /* no host /dev: an empty one */ }
  }
  return putStatfs(t, buf, s, false);
}

export function sysStatfs(t: Task, pathAddr: number, buf: number): number {
  const path = pathArg(t, pathAddr);
  const r = lookup(t, AT_FDCWD, path, true);
  if ('node' in r) return syntheticStatfs(t, buf, r.node.kind === 'link' && r.node.magic ? r.node.magic(t).stat().dev : r.dev, hostPath.posix.normalize(path).replace(/\/$/, ''));
  return statfsOf(t, targetOfPath(t, AT_FDCWD, pathAddr, true, false), buf);
}
export function sysFstatfs(t: Task, fd: number, buf: number): number {
  const f = t.process.fds.get(fd | 0);
  if (f instanceof SynFileDescription || f instanceof SynDirDescription) return syntheticStatfs(t, buf, f.stat().dev, f.path);
  return statfsOf(t, targetOfFd(t, fd), buf);
}
