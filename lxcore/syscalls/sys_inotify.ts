// inotify_init1(2), inotify_add_watch(2), inotify_rm_watch(2), and the events: the syscalls that
// change files are wrapped (table.ts) so that, while anything is watched, they find the inodes
// involved before the call and queue fsnotify's events after it succeeds. With no watch, the
// wrappers cost one Map size test.

import { fs, path as hostPath } from '../host.js';
import { fail, EINVAL, ENOTDIR, LinuxError } from '../abi/errno.js';
import { hostErrno } from '../fs/hosterr.js';
import { AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CLOEXEC, O_NONBLOCK, O_CREAT, O_ACCMODE, O_RDONLY } from '../abi/fcntl.js';
import { S_IFMT, S_IFDIR } from '../abi/stat.js';
import {
  InotifyFile, ALL_INOTIFY_BITS, IN_MASK_ADD, IN_MASK_CREATE, IN_ONLYDIR, IN_DONT_FOLLOW, IN_ISDIR, IN_CREATE,
  IN_DELETE, IN_DELETE_SELF, IN_MODIFY, IN_ATTRIB, IN_OPEN, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE, IN_MOVED_FROM,
  IN_MOVED_TO, IN_MOVE_SELF, IN_ACCESS, notify, gone, watching, newCookie,
} from '../fs/inotify.js';
import { FileDescription } from '../vfs/file.js';
import { InodeFile } from '../vfs/inodefile.js';
import { HostFile } from '../fs/hostfile.js';
import { pathArg, lookup, Resolved } from './sys_path.js';
import type { Task } from '../kernel/task.js';
import type { Handler } from './table.js';

export function sysInotifyInit1(t: Task, flags: number): number {
  if (flags & ~(O_NONBLOCK | O_CLOEXEC)) fail(EINVAL);
  return t.process.fds.install(new InotifyFile((flags & O_NONBLOCK) !== 0), (flags & O_CLOEXEC) !== 0);
}
export function sysInotifyInit(t: Task): number { return sysInotifyInit1(t, 0); }

export function sysInotifyAddWatch(t: Task, fd: number, pathAddr: number, mask: number): number {
  mask >>>= 0;
  if (!(mask & ALL_INOTIFY_BITS)) fail(EINVAL);
  if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) fail(EINVAL);
  const f = t.process.fds.get(fd | 0);
  if (!(f instanceof InotifyFile)) fail(EINVAL);
  const path = pathArg(t, pathAddr);
  const n = nodeOf(lookup(t, AT_FDCWD, path, !(mask & IN_DONT_FOLLOW)), !(mask & IN_DONT_FOLLOW), true)!;
  if ((mask & IN_ONLYDIR) && !n.dir) fail(ENOTDIR);
  return f.addWatch(n.key, mask & ~(IN_ONLYDIR | IN_DONT_FOLLOW));
}

export function sysInotifyRmWatch(t: Task, fd: number, wd: number): number {
  const f = t.process.fds.get(fd | 0);
  if (!(f instanceof InotifyFile)) fail(EINVAL);
  f.rmWatch(wd | 0);
  return 0;
}

// ---- which inode an event is about ---------------------------------------------------------

interface Node { key: string; dir: boolean; nlink: number }
const keyOfStat = (dev: number | bigint, ino: bigint) => `${Number(dev)}:${ino}`;

/** The inode a resolved path names (null if it does not exist, unless `strict`). */
function nodeOf(r: Resolved, follow: boolean, strict = false): Node | null {
  try {
    if ('host' in r) {
      const st = follow ? fs.statSync(r.host, { bigint: true }) : fs.lstatSync(r.host, { bigint: true });
      return { key: keyOfStat(st.dev, st.ino), dir: st.isDirectory(), nlink: Number(st.nlink) };
    }
    if ('dentry' in r) {
      const a = r.dentry.inode.attrs();
      return { key: keyOfStat(r.dentry.inode.fs.dev, r.dentry.inode.ino), dir: (a.mode & S_IFMT) === S_IFDIR, nlink: a.nlink };
    }
    return { key: `syn:${r.dev}:${r.node.ino}`, dir: r.node.kind === 'dir', nlink: 1 };
  } catch (e) {
    if (strict) throw e instanceof LinuxError ? e : new LinuxError(hostErrno(e));
    return null;
  }
}

/** The inode (dirfd, path) names, or null. */
function nodeAt(t: Task, dirfd: number, path: string, follow: boolean): Node | null {
  try { return nodeOf(lookup(t, dirfd, path, follow), follow); } catch { return null; }
}

/** The directory a path's last name is in, and that name. */
function parentAt(t: Task, dirfd: number, path: string): { dir: Node | null; name: string } {
  const trimmed = path.replace(/\/+$/, '') || '/';
  const i = trimmed.lastIndexOf('/');
  const name = trimmed.slice(i + 1);
  const dirPath = i < 0 ? '.' : trimmed.slice(0, i) || '/';
  return { dir: nodeAt(t, dirfd, dirPath, true), name };
}

/** An open file's inode, and its directory and name (for the parent's watch). */
function nodeOfFile(f: FileDescription): { self: Node; dir: Node | null; name: string } | null {
  try {
    const st = f.stat();
    const self = { key: keyOfStat(st.dev, st.ino), dir: (st.mode & S_IFMT) === S_IFDIR, nlink: st.nlink };
    if (f instanceof InodeFile) {
      const p = f.dentry.parent;
      const dir = p ? { key: keyOfStat(p.inode.fs.dev, p.inode.ino), dir: true, nlink: 2 } : null;
      return { self, dir, name: f.dentry.name };
    }
    if (f instanceof HostFile) {
      const hp = f.hostPath;
      let dir: Node | null = null;
      try { const d = fs.statSync(hostPath.posix.dirname(hp), { bigint: true }); dir = { key: keyOfStat(d.dev, d.ino), dir: true, nlink: 2 }; } catch { /* gone */ }
      return { self, dir, name: hostPath.posix.basename(hp) };
    }
    return null;
  } catch { return null; }
}

/** An event of an inode, to its own watches and to its directory's (with its name). */
function both(self: Node | null, dir: Node | null, name: string, mask: number): void {
  const m = mask | (self?.dir ? IN_ISDIR : 0);
  if (self) notify(self.key, m);
  if (dir && name && name !== '/') notify(dir.key, m, name);
}

/** Runs `h` and, if it succeeded, `after` with its result. */
function then(r: number | Promise<number>, after: (n: number) => void): number | Promise<number> {
  const done = (n: number) => { if (n >= 0) { try { after(n); } catch { /* events are best effort */ } } return n; };
  return typeof r === 'number' ? done(r) : r.then(done);
}

const fileEvent = (t: Task, fd: number, mask: number) => {
  if (!watching()) return;
  let f: FileDescription;
  try { f = t.process.fds.get(fd | 0); } catch { return; }
  const n = nodeOfFile(f);
  if (n && (mask !== IN_ACCESS && mask !== IN_MODIFY || !n.self.dir)) both(n.self, n.dir, n.name, mask);
};

// The last close of a file: IN_CLOSE_WRITE or IN_CLOSE_NOWRITE.
FileDescription.lastCloseHooks.push((f) => {
  if (!watching() || !(f instanceof HostFile || f instanceof InodeFile)) return;
  const n = nodeOfFile(f);
  if (n) both(n.self, n.dir, n.name, (f.flags & O_ACCMODE) !== O_RDONLY ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
});

// ---- the wrappers ----------------------------------------------------------------------------

type A = number[];
const path = (t: Task, addr: number) => { try { return pathArg(t, addr); } catch { return null; } };

/** open family: IN_CREATE on the directory when it made the file, then IN_OPEN. */
function opening(h: Handler, at: (a: A) => [number, number, number]): Handler {
  return (t, ...a) => {
    if (!watching()) return h(t, ...a);
    const [dirfd, pathAddr, flags] = at(a);
    const p = path(t, pathAddr);
    const existed = p !== null && (flags & O_CREAT) ? nodeAt(t, dirfd, p, true) !== null : true;
    return then(h(t, ...a), (fd) => {
      const f = t.process.fds.get(fd);
      const n = nodeOfFile(f);
      if (!n) return;
      if (!existed) notify(n.dir?.key ?? '', IN_CREATE, n.name);
      both(n.self, n.dir, n.name, IN_OPEN);
    });
  };
}

/** A new name (mkdir, mknod, symlink): IN_CREATE on its directory. */
function creating(h: Handler, at: (a: A) => [number, number], dir = false): Handler {
  return (t, ...a) => {
    if (!watching()) return h(t, ...a);
    const [dirfd, pathAddr] = at(a);
    const p = path(t, pathAddr);
    const parent = p === null ? null : parentAt(t, dirfd, p);
    return then(h(t, ...a), () => { if (parent?.dir) notify(parent.dir.key, IN_CREATE | (dir ? IN_ISDIR : 0), parent.name); });
  };
}

/** link: IN_ATTRIB on the inode (one more link), IN_CREATE on the new name's directory. */
function linking(h: Handler, at: (a: A) => [number, number, number, number, boolean]): Handler {
  return (t, ...a) => {
    if (!watching()) return h(t, ...a);
    const [od, oa, nd, na, follow] = at(a);
    const op = path(t, oa), np = path(t, na);
    const self = op ? nodeAt(t, od, op, follow) : null;
    const parent = np ? parentAt(t, nd, np) : null;
    return then(h(t, ...a), () => {
      if (self) notify(self.key, IN_ATTRIB);
      if (parent?.dir) notify(parent.dir.key, IN_CREATE, parent.name);
    });
  };
}

/** unlink, rmdir: IN_ATTRIB (a file), IN_DELETE_SELF and IN_IGNORED at its last link, IN_DELETE on its directory. */
function removing(h: Handler, at: (a: A) => [number, number, boolean]): Handler {
  return (t, ...a) => {
    if (!watching()) return h(t, ...a);
    const [dirfd, pathAddr, rmdir] = at(a);
    const p = path(t, pathAddr);
    const self = p ? nodeAt(t, dirfd, p, false) : null;
    const parent = p ? parentAt(t, dirfd, p) : null;
    return then(h(t, ...a), () => {
      const isDir = rmdir || !!self?.dir;
      if (self) {
        if (!isDir) notify(self.key, IN_ATTRIB);
        if (isDir || self.nlink <= 1) { notify(self.key, IN_DELETE_SELF | (isDir ? IN_ISDIR : 0)); gone(self.key); }
      }
      if (parent?.dir) notify(parent.dir.key, IN_DELETE | (isDir ? IN_ISDIR : 0), parent.name);
    });
  };
}

/** rename: IN_MOVED_FROM and IN_MOVED_TO with one cookie, then IN_MOVE_SELF. */
function renaming(h: Handler, at: (a: A) => [number, number, number, number]): Handler {
  return (t, ...a) => {
    if (!watching()) return h(t, ...a);
    const [od, oa, nd, na] = at(a);
    const op = path(t, oa), np = path(t, na);
    const self = op ? nodeAt(t, od, op, false) : null;
    const from = op ? parentAt(t, od, op) : null, to = np ? parentAt(t, nd, np) : null;
    return then(h(t, ...a), () => {
      const cookie = newCookie();
      const d = self?.dir ? IN_ISDIR : 0;
      if (from?.dir) notify(from.dir.key, IN_MOVED_FROM | d, from.name, cookie);
      if (to?.dir) notify(to.dir.key, IN_MOVED_TO | d, to.name, cookie);
      if (self) notify(self.key, IN_MOVE_SELF | d);
    });
  };
}

/** chmod, chown, utimes, truncate by path: `mask` on the inode and its directory. */
function changingPath(h: Handler, mask: number, at: (a: A) => [number, number, boolean]): Handler {
  return (t, ...a) => {
    if (!watching()) return h(t, ...a);
    const [dirfd, pathAddr, follow] = at(a);
    if (pathAddr === 0) return changingFd(h, mask, () => dirfd)(t, ...a); // utimensat(fd, NULL)
    const p = path(t, pathAddr);
    const self = p ? nodeAt(t, dirfd, p, follow) : null;
    const parent = p ? parentAt(t, dirfd, p) : null;
    return then(h(t, ...a), () => both(self, parent?.dir ?? null, parent?.name ?? '', mask));
  };
}

/** The same by descriptor (fchmod, fchown, ftruncate, write, read). */
function changingFd(h: Handler, mask: number, at: (a: A) => number): Handler {
  return (t, ...a) => {
    if (!watching()) return h(t, ...a);
    // A read or write makes an event when it moved bytes; a change of attributes always.
    return then(h(t, ...a), (n) => { if (n > 0 || (mask !== IN_MODIFY && mask !== IN_ACCESS)) fileEvent(t, at(a), mask); });
  };
}

/** Wraps the handlers of the syscalls that make events (table.ts applies it). */
export function withEvents(name: string, h: Handler): Handler {
  const w = eventsOf(name, h);
  if (w === h) return h;
  // Without any watch in the instance (the common case) the handler is called directly: the
  // wrappers' rest arguments and closures cost more than a read of /dev/null (issue #11).
  return (t, a0, a1, a2, a3, a4, a5) => (watching() ? w(t, a0, a1, a2, a3, a4, a5) : h(t, a0, a1, a2, a3, a4, a5));
}

function eventsOf(name: string, h: Handler): Handler {
  switch (name) {
    case 'open': return opening(h, (a) => [AT_FDCWD, a[0], a[1]]);
    case 'creat': return opening(h, (a) => [AT_FDCWD, a[0], O_CREAT]);
    case 'openat': return opening(h, (a) => [a[0], a[1], a[2]]);
    case 'mkdir': return creating(h, (a) => [AT_FDCWD, a[0]], true);
    case 'mkdirat': return creating(h, (a) => [a[0], a[1]], true);
    case 'mknod': return creating(h, (a) => [AT_FDCWD, a[0]]);
    case 'mknodat': return creating(h, (a) => [a[0], a[1]]);
    case 'symlink': return creating(h, (a) => [AT_FDCWD, a[1]]);
    case 'symlinkat': return creating(h, (a) => [a[1], a[2]]);
    case 'link': return linking(h, (a) => [AT_FDCWD, a[0], AT_FDCWD, a[1], false]);
    case 'linkat': return linking(h, (a) => [a[0], a[1], a[2], a[3], (a[4] & 0x400) !== 0]);
    case 'unlink': return removing(h, (a) => [AT_FDCWD, a[0], false]);
    case 'rmdir': return removing(h, (a) => [AT_FDCWD, a[0], true]);
    case 'unlinkat': return removing(h, (a) => [a[0], a[1], (a[2] & AT_REMOVEDIR) !== 0]);
    case 'rename': return renaming(h, (a) => [AT_FDCWD, a[0], AT_FDCWD, a[1]]);
    case 'renameat': case 'renameat2': return renaming(h, (a) => [a[0], a[1], a[2], a[3]]);
    case 'chmod': return changingPath(h, IN_ATTRIB, (a) => [AT_FDCWD, a[0], true]);
    case 'fchmodat': return changingPath(h, IN_ATTRIB, (a) => [a[0], a[1], true]);
    case 'chown': return changingPath(h, IN_ATTRIB, (a) => [AT_FDCWD, a[0], true]);
    case 'lchown': return changingPath(h, IN_ATTRIB, (a) => [AT_FDCWD, a[0], false]);
    case 'fchownat': return changingPath(h, IN_ATTRIB, (a) => [a[0], a[1], (a[4] & AT_SYMLINK_NOFOLLOW) === 0]);
    case 'utimensat': return changingPath(h, IN_ATTRIB, (a) => [a[0], a[1], (a[3] & AT_SYMLINK_NOFOLLOW) === 0]);
    case 'truncate': return changingPath(h, IN_MODIFY, (a) => [AT_FDCWD, a[0], true]);
    case 'fchmod': case 'fchown': return changingFd(h, IN_ATTRIB, (a) => a[0]);
    case 'ftruncate': return changingFd(h, IN_MODIFY, (a) => a[0]);
    case 'write': case 'pwrite64': case 'writev': case 'pwritev': case 'pwritev2': return changingFd(h, IN_MODIFY, (a) => a[0]);
    case 'read': case 'pread64': case 'readv': case 'preadv': case 'preadv2': return changingFd(h, IN_ACCESS, (a) => a[0]);
    default: return h;
  }
}
