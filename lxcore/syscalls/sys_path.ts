// Path-based calls: openat, newfstatat/fstat family, readlink(at), faccessat(2), getcwd,
// chdir/fchdir. Paths under /proc, /dev and /sys go to wasl's own synthetic filesystems;
// everything else to the host passthrough at / (qemu-user's default view). The VFS of issue #5
// (mount table, volfs, drvfs) replaces this two-way split; see docs/compat.md.

import { fs, realpathHost } from '../host.js';
import { fail, EACCES, EEXIST, EFAULT, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, ENXIO, EOPNOTSUPP, ERANGE, EROFS } from '../abi/errno.js';
import {
  AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, F_OK, O_ACCMODE, O_CLOEXEC, O_CREAT, O_EXCL, O_NOFOLLOW, O_TMPFILE,
  O_DIRECTORY, O_RDONLY, O_WRONLY, O_TRUNC, O_PATH, AT_NO_AUTOMOUNT, __O_TMPFILE,
} from '../abi/fcntl.js';
import { encodeStat, Stat, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFIFO, S_ISGID } from '../abi/stat.js';
import { openFifo, reopenPipe, FifoEnd } from '../fs/fifo.js';
import { PipeEnd } from '../fs/pipe.js';
import { LinuxError } from '../abi/errno.js';
import { HostFile } from '../fs/hostfile.js';
import { hostStat } from '../fs/hoststat.js';
import { SynMount, SynNode, walk, openNode, synStat } from '../fs/synthetic.js';
import { procfs } from '../fs/procfs.js';
import { devfs, openDeviceNumber } from '../fs/devfs.js';
import { sysfs } from '../fs/sysfs.js';
import { hostErrno } from '../fs/hosterr.js';
import { devptsOwns } from '../tty/devpts.js';
import type { Task } from '../kernel/task.js';
import type { Vfs } from '../vfs/vfs.js';
import { hostPathOf } from '../vfs/vfs.js';
import { Dentry, type Mount, NAME_MAX } from '../vfs/namespace.js';
import { InodeFile } from '../vfs/inodefile.js';
import { Creds, permission, allowed, mayExec, mayModifyDir, mayDelete, MAY_READ, MAY_WRITE } from '../vfs/perm.js';
import type { FileDescription } from '../vfs/file.js';
import type { Drvfs } from '../../drvfs/drvfs.js';

const PATH_MAX = 4096;

/** Reads a path argument: EFAULT if unreadable, ENAMETOOLONG past PATH_MAX, ENOENT if empty. */
export function pathArg(t: Task, addr: number, allowEmpty = false): string {
  if (addr <= 0) fail(EFAULT);
  const s = t.process.mm.readCString(addr, PATH_MAX);
  if (s === null) fail(ENAMETOOLONG);
  if (s === '' && !allowEmpty) fail(ENOENT);
  return s;
}

/** wasl's own filesystems, over the host passthrough. */
const MOUNTS: Array<[string, SynMount]> = [['/proc', procfs()], ['/dev', devfs()], ['/sys', sysfs()]];
/**
 * Host paths inside those that still go to the host: /dev/pts/N that is not one of lxcore's
 * ptys, since the guest's stdio may be a host terminal and ttyname() must find it.
 */
const HOST_INSIDE = ['/dev/pts'];
const hostInsideOf = (t: Task, canon: string): boolean =>
  HOST_INSIDE.some((at) => canon === at || canon.startsWith(at + '/')) && !devptsOwns(t, canon);
/**
 * Paths inside them served by the file namespace instead, in every mode: /dev/shm, where
 * shm_open(3) and sem_open(3) create files, is a real directory — the host's tmpfs on the
 * passthrough, a volfs directory in --isolated mode (vfs.ts creates it).
 */
const NAMESPACE_INSIDE = ['/dev/shm'];

/** The directory a relative path starts from. */
export function baseDir(t: Task, dirfd: number): string {
  if ((dirfd | 0) === AT_FDCWD) return t.process.cwd;
  const f = t.process.fds.get(dirfd | 0);
  if ((f.stat().mode & S_IFMT) !== S_IFDIR) fail(ENOTDIR);
  return f.path;
}

/** `.`, `..` and `//` removed textually: used only to decide which filesystem a path is on. */
function lexical(path: string): string {
  // Most paths are canonical already (absolute; no empty, "." or ".." component; no trailing
  // slash): those come back as they are, without the split and join (issue #11).
  if (path.charCodeAt(0) === 47 && !NOT_CANONICAL.test(path)) return path;
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (!c || c === '.') continue;
    if (c === '..') out.pop(); else out.push(c);
  }
  return '/' + out.join('/');
}

/** "//", a "." or ".." component, or a trailing slash after something. */
const NOT_CANONICAL = /\/\/|\/\.\.?(?:\/|$)|.\/$/;

/**
 * Where a guest path leads: a host path (the passthrough, or a drvfs mount), a node of one of
 * wasl's synthetic filesystems, or a dentry of the instance's VFS (volfs in --isolated mode).
 */
export type Resolved = { host: string; path?: string; mount?: Mount; vfsDentry?: Dentry } | { node: SynNode; path: string; dev: number } | { dentry: Dentry; path: string };

/** The instance's namespace, if it has one (--isolated, --mount); else paths are the host's. */
function vfsOf(t: Task): Vfs | undefined { return t.kernel.vfs; }

export function lookup(t: Task, dirfd: number, path: string, follow: boolean): Resolved {
  let abs = path.startsWith('/') ? path : `${baseDir(t, dirfd).replace(/\/$/, '')}/${path}`;
  const vfs = vfsOf(t);
  for (let hops = 0; hops < 40; hops++) {
    const canon = lexical(abs);
    const under = (at: string) => canon === at || canon.startsWith(at + '/');
    const bypass = ((!vfs || vfs.hostRoot) && hostInsideOf(t, canon)) || NAMESPACE_INSIDE.some(under);
    const hit = bypass ? undefined : MOUNTS.find(([at]) => under(at));
    if (!hit && !vfs) return { host: abs };
    if (!hit) {
      const ctx = vfs!.context(t);
      // A relative path walks from its start directory, not down from / through its ancestors.
      const start = hops === 0 && !path.startsWith('/') ? vfs!.startDir(baseDir(t, dirfd), ctx.root) : null;
      const d = start ? vfs!.ns.resolve(ctx, start, path, { follow }) : vfs!.ns.resolve(ctx, ctx.root, abs, { follow });
      const hp = hostPathOf(d);
      const guest = vfs!.ns.pathOf(d, ctx.root);
      // A drvfs file is served by its host path; the guest keeps seeing its own path for it.
      return hp !== null ? { host: hp, path: guest, mount: d.mount, vfsDentry: d } : { dentry: d, path: guest };
    }
    const [at, m] = hit;
    const r = walk(m, at, canon.slice(at.length).split('/').filter(Boolean), t, follow);
    if ('redirect' in r) { abs = r.redirect; continue; }
    return { node: r.node, path: r.path, dev: m.dev };
  }
  return fail(ELOOP);
}

/** Where a new name would go: its parent (a host directory path, or a VFS dentry) and the name. */
export type ParentOf = { hostParent: string; name: string; trailingSlash: boolean; mount?: Mount; dir?: Dentry } | { parent: Dentry; name: string; trailingSlash: boolean } | { synthetic: true };

export function lookupParent(t: Task, dirfd: number, path: string): ParentOf {
  const abs = path.startsWith('/') ? path : `${baseDir(t, dirfd).replace(/\/$/, '')}/${path}`;
  const vfs = vfsOf(t);
  const canon = lexical(abs);
  const under = (at: string) => canon === at || canon.startsWith(at + '/');
  const bypass = ((!vfs || vfs.hostRoot) && hostInsideOf(t, canon)) || NAMESPACE_INSIDE.some(under);
  if (MOUNTS.some(([at]) => under(at)) && !bypass) return { synthetic: true };
  const trailingSlash = abs.endsWith('/');
  if (!vfs) {
    const cut = abs.replace(/\/+$/, '');
    const i = cut.lastIndexOf('/');
    return { hostParent: cut.slice(0, i) || '/', name: cut.slice(i + 1), trailingSlash };
  }
  const ctx = vfs.context(t);
  const r = path.startsWith('/') ? vfs.ns.resolveParent(ctx, ctx.root, abs)
    : vfs.ns.resolveParent(ctx, vfs.startDir(baseDir(t, dirfd), ctx.root), path);
  const hp = hostPathOf(r.parent);
  return hp !== null ? { hostParent: hp, name: r.name, trailingSlash, mount: r.parent.mount, dir: r.parent } : { parent: r.parent, name: r.name, trailingSlash };
}

// Files of a drvfs mount are served by host calls, made with the wasl process's rights: when
// wasl runs as root the host would allow anything. So the guest's credentials are checked here
// first, against what the guest sees (the mount's view of modes and owners), as for volfs.

/** A new name in a drvfs directory: Linux's checks, in filename_create and may_create's order. */
export function hostCreateCheck(t: Task, p: { name: string; dir?: Dentry }, checkExists = true): void {
  if (!p.dir) return; // the plain passthrough: the host's own checks are the guest's
  if (p.name === '.' || p.name === '..' || p.name === '/') fail(EEXIST);
  if (Buffer.byteLength(p.name) > NAME_MAX) fail(ENAMETOOLONG);
  if (checkExists && p.dir.inode.lookup(p.name)) fail(EEXIST);
  if (p.dir.mount.readonly) fail(EROFS);
  mayModifyDir(credsOf(t), p.dir.inode.attrs());
}

/**
 * After the host made a new name in a drvfs directory for the guest: with the `metadata` mount
 * option the guest's view is the host's modes and owners, so the new file gets what Linux gives
 * it — the creator's fsuid and fsgid (the directory's group if it is setgid) and exactly the mode
 * asked for less the guest's umask (the host process's own umask must not apply). Best effort: a
 * host process that is not root cannot give files away, and its files stay its own.
 */
export function hostCreated(t: Task, p: { hostParent: string; name: string; dir?: Dentry }, mode?: number): void {
  if (!p.dir || !(p.dir.mount.fs as { opts?: { metadata?: boolean } }).opts?.metadata) return;
  const at = `${p.hostParent.replace(/\/$/, '')}/${p.name}`;
  const c = t.process.creds, pa = p.dir.inode.attrs();
  try {
    if (mode !== undefined) fs.chmodSync(at, mode);
    fs.lchownSync(at, c.fsuid, (pa.mode & S_ISGID) ? pa.gid : c.fsgid);
  } catch { /* not permitted to the host process: the file stays the host user's */ }
}

/** The name `p` names in a drvfs directory, about to be removed or renamed: ENOENT, EACCES, EBUSY. */
export function hostVictimCheck(t: Task, p: { name: string; dir?: Dentry }, checkRights = true): Dentry | undefined {
  if (!p.dir) return undefined;
  if (Buffer.byteLength(p.name) > NAME_MAX) fail(ENAMETOOLONG);
  const inode = p.dir.inode.lookup(p.name);
  if (!inode) fail(ENOENT);
  if (p.dir.mount.readonly) fail(EROFS);
  if (checkRights) mayDelete(credsOf(t), p.dir.inode.attrs(), inode.attrs());
  return new Dentry(p.dir.mount, inode, p.dir, p.name);
}

/** Whether something is mounted on `d` (rename and rmdir of a mount point: EBUSY). */
export function isMountPoint(t: Task, d: Dentry): boolean {
  return vfsOf(t)?.ns.mountedOn(d) !== undefined;
}

/** A VFS dentry's status, as stat(2) reports it. */
export function dentryStat(d: Dentry): Stat {
  const a = d.inode.attrs();
  return { dev: d.inode.fs.dev, ino: d.inode.ino, nlink: a.nlink, mode: a.mode, uid: a.uid, gid: a.gid, rdev: a.rdev,
    size: a.size, blksize: 4096, blocks: a.blocks, atimeNs: a.atimeNs, mtimeNs: a.mtimeNs, ctimeNs: a.ctimeNs };
}

/** stat(2) of a drvfs file by its host path: the mount's view (Drvfs.statOf). */
export function hostViewStat(d: Dentry, hostPath: string): Stat {
  const drv = d.inode.fs as Drvfs;
  if (drv.host === fs) return drv.statOfStat(host(() => hostStat(hostPath, false)));
  return drv.statOf(host(() => fs.lstatSync(hostPath, { bigint: true })));
}

/** The credentials a VFS permission check uses. */
export function credsOf(t: Task): Creds {
  const c = t.process.creds;
  return { fsuid: c.fsuid, fsgid: c.fsgid, groups: c.groups };
}

/**
 * What an open asks of the inode's permission bits (build_open_flags' acc_mode): read and/or
 * write by the access mode, and write for O_TRUNC whatever the access mode.
 */
function openMask(flags: number): number {
  const acc = flags & O_ACCMODE;
  return (acc !== O_WRONLY ? MAY_READ : 0) | (acc !== O_RDONLY || (flags & O_TRUNC) ? MAY_WRITE : 0);
}

/**
 * Opens an existing VFS inode (may_open: permissions, directories, O_TRUNC) and installs it; a
 * FIFO's open may wait for the other side (lxcore/fs/fifo.ts).
 */
function openDentry(t: Task, d: Dentry, path: string, flags: number, cloexec: boolean): number | Promise<number> {
  const a = d.inode.attrs();
  const type = a.mode & S_IFMT;
  const want = openMask(flags);
  if ((flags & O_DIRECTORY) && type !== S_IFDIR) fail(ENOTDIR);
  // O_PATH opens no file for I/O: no permission or device checks, and with O_NOFOLLOW the
  // symlink itself (do_o_path).
  if (flags & O_PATH) return t.process.fds.install(new InodeFile(d, flags & ~O_ACCMODE, path), cloexec);
  if (type === S_IFDIR && (want & MAY_WRITE)) fail(EISDIR);
  if (type === S_IFLNK) fail(ELOOP); // O_NOFOLLOW on a symlink
  if ((type === 0o020000 || type === 0o060000) && d.mount.nodev) fail(EACCES); // may_open_dev
  if (type === 0o020000) {
    // A character device node: the driver its number names, after may_open's permission check.
    permission(credsOf(t), a, want);
    return t.process.fds.install(openDeviceNumber(t, a.rdev, flags & ~O_CLOEXEC), cloexec);
  }
  if (type !== S_IFREG && type !== S_IFDIR && type !== S_IFIFO) fail(ENXIO); // devices, sockets: not yet
  const creds = credsOf(t);
  // inode_permission: EROFS for a write on a read-only mount comes before the permission bits
  // (files, directories, symlinks only: a FIFO on a read-only mount can be written).
  if ((want & MAY_WRITE) && d.mount.readonly && type !== S_IFIFO) fail(EROFS);
  permission(creds, a, want);
  const install = (f: FileDescription) => t.process.fds.install(f, cloexec);
  if (type === S_IFIFO && !(flags & O_PATH)) return openFifo(t, d, flags & ~O_TRUNC, path, install);
  // Truncated whatever the access mode (handle_truncate), as the write permission was asked.
  if ((flags & O_TRUNC) && type === S_IFREG) d.inode.setattr({ size: 0 });
  return install(new InodeFile(d, flags, path));
}

/**
 * A drvfs file: do_open's and may_open's checks in their order, with the guest's credentials
 * against the mount's view (see hostCreateCheck).
 */
function drvfsMayOpen(t: Task, d: Dentry, mount: Mount, flags: number): void {
  const a = d.inode.attrs(), type = a.mode & S_IFMT, want = openMask(flags);
  if ((flags & O_DIRECTORY) && type !== S_IFDIR) fail(ENOTDIR);
  if (type === S_IFREG && (flags & O_TRUNC) && mount.readonly) fail(EROFS); // mnt_want_write for O_TRUNC
  if (type === S_IFLNK) fail(ELOOP);
  if (type === S_IFDIR && (want & MAY_WRITE)) fail(EISDIR);
  if ((type === 0o020000 || type === 0o060000) && mount.nodev) fail(EACCES); // S_IFCHR, S_IFBLK on nodev
  // inode_permission: a read-only mount refuses writing before the permission bits are asked.
  if ((want & MAY_WRITE) && mount.readonly && (type === S_IFREG || type === S_IFDIR || type === S_IFLNK)) fail(EROFS);
  permission(credsOf(t), a, want);
}

/**
 * open() through a magic link (/proc/PID/fd/N): proc_fd_link hands the walk the file itself, and
 * what follows is a new open of it — a new description, with its own offset and the flags asked
 * for, after may_open's checks against the file (so an O_RDONLY descriptor of a writable file can
 * be reopened O_RDWR, and a deleted or unnamed file can be reopened) — not the descriptor's own
 * description. So for files and directories of lxcore's filesystems (volfs, tmpfs, memfd) and
 * of the host (the passthrough, drvfs), and for pipes and FIFOs. Sockets, terminals, devices and wasl's synthetic
 * files are still handed the description itself (docs/quirks.md). A pipe is reopened as fifo_open
 * opens any pipe inode: a new end for the access mode asked, waiting for the other side as a
 * FIFO's open does.
 */
function reopen(t: Task, f: FileDescription, flags: number, cloexec: boolean): number | Promise<number> {
  if (f instanceof InodeFile || f instanceof FifoEnd) return openDentry(t, f.dentry, f.path, flags, cloexec);
  if (f instanceof PipeEnd && !(flags & O_PATH)) {
    // An anonymous pipe's inode: S_IFIFO 0600, its creator's (may_open, then fifo_open).
    permission(credsOf(t), f.stat(), openMask(flags));
    return reopenPipe(t, f.pipe, flags & ~O_TRUNC, (e) => t.process.fds.install(e, cloexec));
  }
  if (f instanceof HostFile && !(flags & O_PATH)) {
    const type = f.stat().mode & S_IFMT;
    if (type === S_IFREG || type === S_IFDIR) {
      if ((flags & O_DIRECTORY) && type !== S_IFDIR) fail(ENOTDIR);
      if (f.dentry) drvfsMayOpen(t, f.dentry, f.dentry.mount, flags);
      // The host's own magic link for wasl's descriptor opens the same file anew.
      const fd = host(() => fs.openSync(`/proc/self/fd/${f.hostFd}`, flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)));
      return t.process.fds.install(new HostFile(fd, flags, f.path, true, f.hostPath, f.dentry), cloexec);
    }
  }
  if ((flags & O_DIRECTORY) && (f.stat().mode & S_IFMT) !== S_IFDIR) fail(ENOTDIR);
  return t.process.fds.install(f.ref(), cloexec);
}

/** Runs a host fs call, turning its error into the LinuxError it maps to. */
export function host<T>(fn: () => T): T {
  try { return fn(); } catch (e) { throw new LinuxError(hostErrno(e)); }
}

export function sysOpenat(t: Task, dirfd: number, pathAddr: number, flags: number, mode: number): number | Promise<number> {
  return openPath(t, dirfd, pathArg(t, pathAddr), flags, mode);
}

/** openat's work on a path already read from the guest (openat2 comes here too). */
export function openPath(t: Task, dirfd: number, path: string, flags: number, mode: number): number | Promise<number> {
  if ((flags & O_ACCMODE) === O_ACCMODE) fail(EINVAL);
  if (flags & __O_TMPFILE) return openTmpfile(t, dirfd, path, flags, mode);
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const creating = (flags & O_CREAT) !== 0;
  // O_CREAT|O_EXCL never follows a final symlink (it must fail with EEXIST on one).
  const follow = !(flags & O_NOFOLLOW) && !(creating && (flags & O_EXCL));
  let r: Resolved | undefined;
  let created: Extract<ParentOf, { hostParent: string }> | undefined;
  try {
    r = lookup(t, dirfd, path, follow);
  } catch (e) {
    if (!creating || !(e instanceof LinuxError) || e.errno !== ENOENT) throw e;
  }
  const mask = creating ? (mode & 0o7777) & ~t.process.umask : 0;
  if (r === undefined) {
    // The name does not exist: create it in its parent.
    const p = lookupParent(t, dirfd, path);
    if ('synthetic' in p) return fail(EACCES);
    if (p.trailingSlash) fail(EISDIR);
    // (A dangling symlink's name exists: the host open below answers for it, as before.)
    if ('hostParent' in p) { hostCreateCheck(t, p, false); created = p; }
    if ('hostParent' in p && p.mount?.readonly) fail(EROFS);
    if ('hostParent' in p) r = { host: `${p.hostParent.replace(/\/$/, '')}/${p.name}`, path: vfsOf(t) ? lexical(path.startsWith('/') ? path : `${baseDir(t, dirfd)}/${path}`) : undefined };
    else {
      mayModifyDir(credsOf(t), p.parent.inode.attrs());
      if (p.parent.mount.readonly) fail(EROFS);
      const c = t.process.creds;
      const pa = p.parent.inode.attrs();
      // A setgid directory gives new files its group (BSD semantics, as Linux).
      p.parent.inode.create(p.name, { mode: mask, uid: c.euid, gid: (pa.mode & S_ISGID) ? pa.gid : c.egid });
      const d = vfsOf(t)!.ns.child(vfsOf(t)!.context(t), p.parent, p.name)!;
      return t.process.fds.install(new InodeFile(d, flags & ~(O_CLOEXEC | O_CREAT | O_EXCL | O_TRUNC), path), cloexec);
    }
  }
  if ('dentry' in r) {
    if (creating && (flags & O_EXCL)) fail(EEXIST);
    return openDentry(t, r.dentry, path, flags & ~O_CLOEXEC, cloexec);
  }
  if (!('host' in r)) {
    if (creating && (flags & O_EXCL)) fail(EEXIST);
    if (r.node.kind === 'link' && r.node.magic) return reopen(t, r.node.magic(t), flags & ~O_CLOEXEC, cloexec);
    return t.process.fds.install(openNode(r.node, r.path, flags & ~O_CLOEXEC, t, r.dev), cloexec);
  }
  if (r.vfsDentry && r.mount && !(flags & O_PATH)) drvfsMayOpen(t, r.vfsDentry, r.mount, flags);
  // The guest's O_CLOEXEC belongs to the guest descriptor; the host one is always close-on-exec.
  // Inside a VFS namespace the walk already followed every symlink: the host must not follow one.
  const hostFlags = (flags & ~O_CLOEXEC) | (vfsOf(t) && follow ? O_NOFOLLOW : 0);
  const fd = host(() => fs.openSync(r!.host, hostFlags, mask));
  if (created) hostCreated(t, created, mask);
  // A drvfs file keeps where the namespace found it (its mount, its inode): its status and the
  // f* calls on it follow the mount's view (sys_fsops.ts), as the path forms do.
  let dentry = r.vfsDentry;
  if (created?.dir) {
    const inode = created.dir.inode.lookup(created.name);
    if (inode) dentry = new Dentry(created.dir.mount, inode, created.dir, created.name);
  }
  return t.process.fds.install(new HostFile(fd, flags & ~O_CLOEXEC, r.path ?? r.host, true, r.host, dentry), cloexec);
}

/**
 * Files made by O_TMPFILE that linkat may give a name (I_LINKABLE: not opened with O_EXCL). An
 * unnamed inode not in here answers ENOENT to linkat, as any file whose last name went.
 */
export const linkable = new WeakSet<object>();

/**
 * open(dir, O_TMPFILE | O_WRONLY or O_RDWR, mode): an unnamed regular file on dir's filesystem
 * (vfs_tmpfile). EINVAL without write access or with O_CREAT; ENOENT/ENOTDIR from the walk;
 * EACCES without write and search permission on dir; EROFS; EOPNOTSUPP where the filesystem
 * cannot (host files: Node has no linkat to name them later, so wasl offers none; quirks.md).
 */
function openTmpfile(t: Task, dirfd: number, path: string, flags: number, mode: number): number {
  if ((flags & O_TMPFILE) !== O_TMPFILE || (flags & O_CREAT)) fail(EINVAL);
  const acc = flags & O_ACCMODE;
  if (acc === O_RDONLY) fail(EINVAL);
  const r = lookup(t, dirfd, path, true);
  if (!('dentry' in r)) {
    const dir = 'host' in r ? host(() => fs.statSync(r.host)).isDirectory() : r.node.kind === 'dir';
    if (!dir) fail(ENOTDIR);
    return fail(EOPNOTSUPP);
  }
  const dir = r.dentry;
  if (!dir.isDir) fail(ENOTDIR);
  const da = dir.inode.attrs();
  permission(credsOf(t), da, MAY_WRITE | 1 /* MAY_EXEC */);
  if (dir.mount.readonly) fail(EROFS);
  const c = t.process.creds;
  // Made under a name no guest can have (a "/" in it) and unnamed at once: open, it lives on
  // as volfs keeps unlinked open files, until linkat names it or its last close frees it.
  const name = `tmpfile/${Date.now()}/${Math.random()}`;
  const inode = dir.inode.create(name, { mode: (mode & 0o7777) & ~t.process.umask, uid: c.euid, gid: (da.mode & S_ISGID) ? da.gid : c.egid });
  const d = new Dentry(dir.mount, inode, dir, `#${inode.ino}`);
  const file = new InodeFile(d, flags & ~(O_CLOEXEC | __O_TMPFILE | O_DIRECTORY | O_EXCL), `${r.path.replace(/\/$/, '')}/#${inode.ino} (deleted)`);
  dir.inode.unlink(name);
  if (!(flags & O_EXCL)) linkable.add(inode);
  return t.process.fds.install(file, (flags & O_CLOEXEC) !== 0);
}

export function sysOpen(t: Task, pathAddr: number, flags: number, mode: number): number | Promise<number> {
  return sysOpenat(t, AT_FDCWD, pathAddr, flags, mode);
}

export function sysCreat(t: Task, pathAddr: number, mode: number): number | Promise<number> {
  return sysOpenat(t, AT_FDCWD, pathAddr, 0o1101 /* O_CREAT|O_WRONLY|O_TRUNC */, mode);
}

/** The status of what (dirfd, path, flags) names: the common core of newfstatat and statx. */
function statAt(t: Task, dirfd: number, pathAddr: number, flags: number): Stat {
  const path = pathArg(t, pathAddr, (flags & AT_EMPTY_PATH) !== 0);
  if (path === '' && (dirfd | 0) !== AT_FDCWD) return t.process.fds.get(dirfd | 0).stat();
  const follow = (flags & AT_SYMLINK_NOFOLLOW) === 0;
  const r = lookup(t, dirfd, path === '' ? '.' : path, follow);
  // A drvfs file: the walk followed every symlink already (lstat, never the host's own
  // following), and the mount's view answers, as its descriptors' fstat does.
  if ('host' in r && r.vfsDentry) return hostViewStat(r.vfsDentry, r.host);
  if ('host' in r) return host(() => hostStat(r.host, follow));
  if ('dentry' in r) return dentryStat(r.dentry);
  if (r.node.kind === 'link' && r.node.magic && follow) return r.node.magic(t).stat();
  return synStat(r.node, r.dev);
}

export function sysNewfstatat(t: Task, dirfd: number, pathAddr: number, statbuf: number, flags: number): number {
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)) fail(EINVAL);
  t.process.mm.write(statbuf, encodeStat(statAt(t, dirfd, pathAddr, flags)));
  return 0;
}

// statx(2): struct statx is 256 bytes; wasl fills the basic fields (STATX_BASIC_STATS).
const STATX_BASIC_STATS = 0x7ff, AT_STATX_SYNC_TYPE = 0x6000, STATX__RESERVED = 0x80000000;

export function sysStatx(t: Task, dirfd: number, pathAddr: number, flags: number, mask: number, buf: number): number {
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) fail(EINVAL);
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED)) fail(EINVAL);
  const st = statAt(t, dirfd, pathAddr, flags);
  const b = Buffer.alloc(256);
  b.writeUInt32LE(STATX_BASIC_STATS, 0);               // stx_mask
  b.writeUInt32LE(st.blksize, 4);
  b.writeBigUInt64LE(0n, 8);                            // stx_attributes
  b.writeUInt32LE(st.nlink, 16);
  b.writeUInt32LE(st.uid >>> 0, 20);
  b.writeUInt32LE(st.gid >>> 0, 24);
  b.writeUInt16LE(st.mode & 0xffff, 28);
  b.writeBigUInt64LE(st.ino, 32);
  b.writeBigUInt64LE(BigInt(st.size), 40);
  b.writeBigUInt64LE(BigInt(st.blocks), 48);
  b.writeBigUInt64LE(0n, 56);                           // stx_attributes_mask
  const ts = (ns: bigint, at: number) => {
    let sec = ns / 1_000_000_000n, nsec = ns % 1_000_000_000n;
    if (nsec < 0n) { sec -= 1n; nsec += 1_000_000_000n; }
    b.writeBigInt64LE(sec, at);
    b.writeUInt32LE(Number(nsec), at + 8);
  };
  ts(st.atimeNs, 64);                                   // stx_atime; 80 stx_btime not reported
  ts(st.ctimeNs, 96);
  ts(st.mtimeNs, 112);
  // dev_t's split (glibc's gnu_dev_major/minor); BigInt because JS shifts count mod 32.
  const major = (d: number) => Number(((BigInt(d) >> 8n) & 0xfffn) | ((BigInt(d) >> 32n) & ~0xfffn));
  const minor = (d: number) => Number((BigInt(d) & 0xffn) | ((BigInt(d) >> 12n) & ~0xffn));
  b.writeUInt32LE(major(st.rdev) >>> 0, 128);
  b.writeUInt32LE(minor(st.rdev) >>> 0, 132);
  b.writeUInt32LE(major(st.dev) >>> 0, 136);
  b.writeUInt32LE(minor(st.dev) >>> 0, 140);
  t.process.mm.write(buf, new Uint8Array(b.buffer, b.byteOffset, 256));
  return 0;
}

export function sysStat(t: Task, pathAddr: number, statbuf: number): number {
  return sysNewfstatat(t, AT_FDCWD, pathAddr, statbuf, 0);
}
export function sysLstat(t: Task, pathAddr: number, statbuf: number): number {
  return sysNewfstatat(t, AT_FDCWD, pathAddr, statbuf, AT_SYMLINK_NOFOLLOW);
}
export function sysFstat(t: Task, fd: number, statbuf: number): number {
  t.process.mm.write(statbuf, encodeStat(t.process.fds.get(fd | 0).stat()));
  return 0;
}

export function sysReadlinkat(t: Task, dirfd: number, pathAddr: number, buf: number, size: number): number {
  const path = pathArg(t, pathAddr);
  if ((size | 0) <= 0) fail(EINVAL);
  const r = lookup(t, dirfd, path, false);
  let target: string;
  if ('host' in r) target = host(() => fs.readlinkSync(r.host));
  else if ('dentry' in r) target = r.dentry.inode.readlink();
  else if (r.node.kind === 'link') target = r.node.target(t);
  else return fail(EINVAL); // not a symlink
  const bytes = Buffer.from(target).subarray(0, size | 0); // truncated, no NUL (readlink(2))
  t.process.mm.write(buf, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  return bytes.length;
}
export function sysReadlink(t: Task, pathAddr: number, buf: number, size: number): number {
  return sysReadlinkat(t, AT_FDCWD, pathAddr, buf, size);
}

export function sysFaccessat2(t: Task, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if (mode & ~7) fail(EINVAL);
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) fail(EINVAL);
  const path = pathArg(t, pathAddr, (flags & AT_EMPTY_PATH) !== 0);
  const r = lookup(t, dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) === 0);
  // access(2) checks with the real uid and gid unless AT_EACCESS (do_faccessat's override creds).
  const c = t.process.creds;
  const who: Creds = flags & AT_EACCESS ? credsOf(t) : { fsuid: c.uid, fsgid: c.gid, groups: c.groups };
  // A drvfs file is checked against the mount's view, as stat shows it and as open checks it.
  const d = 'dentry' in r ? r.dentry : 'host' in r ? r.vfsDentry : undefined;
  if (d) {
    if (mode === F_OK) return 0;
    const a = d.inode.attrs(), type = a.mode & S_IFMT;
    // inode_permission: a read-only mount answers EROFS for files, directories and symlinks
    // before the permission bits are looked at.
    if ((mode & 2) && d.mount.readonly && (type === S_IFREG || type === S_IFDIR || type === S_IFLNK)) fail(EROFS);
    if (!allowed(who, a, mode)) fail(EACCES);
    return 0;
  }
  if ('host' in r) {
    host(() => fs.accessSync(r.host, mode === F_OK ? fs.constants.F_OK : mode));
    return 0;
  }
  if ('dentry' in r) return 0; // (handled above)
  // Synthetic nodes: files are read-only unless writable, directories read-only, none executable.
  if ((mode & 2) && !(r.node.kind === 'file' && r.node.write) && r.node.kind !== 'dev') fail(EACCES);
  if ((mode & 1) && r.node.kind !== 'dir') fail(EACCES);
  return 0;
}
export function sysFaccessat(t: Task, dirfd: number, pathAddr: number, mode: number): number {
  return sysFaccessat2(t, dirfd, pathAddr, mode, 0);
}
export function sysAccess(t: Task, pathAddr: number, mode: number): number {
  return sysFaccessat2(t, AT_FDCWD, pathAddr, mode, 0);
}

export function sysGetcwd(t: Task, buf: number, size: number): number {
  const b = Buffer.from(t.process.cwd + '\0');
  if (size < b.length) fail(ERANGE);
  t.process.mm.write(buf, new Uint8Array(b.buffer, b.byteOffset, b.length));
  return b.length;
}

export function sysChdir(t: Task, pathAddr: number): number {
  const r = lookup(t, AT_FDCWD, pathArg(t, pathAddr), true);
  if ('host' in r) {
    const st = host(() => fs.statSync(r.host));
    if (!st.isDirectory()) fail(ENOTDIR);
    if (r.vfsDentry) mayExec(credsOf(t), r.vfsDentry.inode.attrs()); // drvfs: the guest's rights
    // Inside a namespace the cwd is the guest's path; on the plain passthrough the host's.
    t.process.cwd = r.path ?? host(() => realpathHost(r.host));
  } else if ('dentry' in r) {
    if (!r.dentry.isDir) fail(ENOTDIR);
    mayExec(credsOf(t), r.dentry.inode.attrs());
    t.process.cwd = r.path;
  } else {
    if (r.node.kind !== 'dir') fail(ENOTDIR);
    t.process.cwd = r.path;
  }
  return 0;
}

export function sysFchdir(t: Task, fd: number): number {
  const f = t.process.fds.get(fd | 0);
  if ((f.stat().mode & S_IFMT) !== S_IFDIR) fail(ENOTDIR);
  t.process.cwd = f.path;
  return 0;
}
