// Path-based calls: openat, newfstatat/fstat family, readlink(at), faccessat(2), getcwd,
// chdir/fchdir. Paths under /proc, /dev and /sys go to wasl's own synthetic filesystems;
// everything else to the host passthrough at / (qemu-user's default view). The VFS of issue #5
// (mount table, volfs, drvfs) replaces this two-way split; see docs/compat.md.

import * as fs from 'node:fs';
import { fail, EACCES, EEXIST, EFAULT, EINVAL, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, ERANGE } from '../abi/errno.js';
import {
  AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, F_OK, O_ACCMODE, O_CLOEXEC, O_CREAT, O_EXCL, O_NOFOLLOW, O_TMPFILE,
} from '../abi/fcntl.js';
import { encodeStat, S_IFMT, S_IFDIR } from '../abi/stat.js';
import { LinuxError } from '../abi/errno.js';
import { HostFile, statFromHost } from '../fs/hostfile.js';
import { SynMount, SynNode, walk, openNode, synStat } from '../fs/synthetic.js';
import { procfs } from '../fs/procfs.js';
import { devfs, sysfs } from '../fs/devfs.js';
import { hostErrno } from '../fs/hosterr.js';
import type { Task } from '../kernel/task.js';

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
 * Host paths inside those that still go to the host: the guest's terminal is the host's
 * (/dev/pts/N) until lxcore has terminals of its own (issue #4), and ttyname() must find it.
 */
const HOST_INSIDE = ['/dev/pts'];

/** The directory a relative path starts from. */
function baseDir(t: Task, dirfd: number): string {
  if ((dirfd | 0) === AT_FDCWD) return t.process.cwd;
  const f = t.process.fds.get(dirfd | 0);
  if ((f.stat().mode & S_IFMT) !== S_IFDIR) fail(ENOTDIR);
  return f.path;
}

/** `.`, `..` and `//` removed textually: used only to decide which filesystem a path is on. */
function lexical(path: string): string {
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (!c || c === '.') continue;
    if (c === '..') out.pop(); else out.push(c);
  }
  return '/' + out.join('/');
}

export type Resolved = { host: string } | { node: SynNode; path: string; dev: number };

/** Where a guest path leads: a host path, or a node of one of wasl's own filesystems. */
export function lookup(t: Task, dirfd: number, path: string, follow: boolean): Resolved {
  let abs = path.startsWith('/') ? path : `${baseDir(t, dirfd).replace(/\/$/, '')}/${path}`;
  for (let hops = 0; hops < 40; hops++) {
    const canon = lexical(abs);
    const under = (at: string) => canon === at || canon.startsWith(at + '/');
    const hit = HOST_INSIDE.some(under) ? undefined : MOUNTS.find(([at]) => under(at));
    if (!hit) return { host: abs };
    const [at, m] = hit;
    const r = walk(m, at, canon.slice(at.length).split('/').filter(Boolean), t, follow);
    if ('redirect' in r) { abs = r.redirect; continue; }
    return { node: r.node, path: r.path, dev: m.dev };
  }
  return fail(ELOOP);
}

/** Runs a host fs call, turning its error into the LinuxError it maps to. */
export function host<T>(fn: () => T): T {
  try { return fn(); } catch (e) { throw new LinuxError(hostErrno(e)); }
}

export function sysOpenat(t: Task, dirfd: number, pathAddr: number, flags: number, mode: number): number {
  const path = pathArg(t, pathAddr);
  if ((flags & O_ACCMODE) === O_ACCMODE) fail(EINVAL);
  if ((flags & O_TMPFILE) === O_TMPFILE) fail(EINVAL); // needs the VFS (issue #5)
  const r = lookup(t, dirfd, path, !(flags & O_NOFOLLOW));
  const cloexec = (flags & O_CLOEXEC) !== 0;
  if (!('host' in r)) {
    if ((flags & O_CREAT) && (flags & O_EXCL)) fail(EEXIST);
    return t.process.fds.install(openNode(r.node, r.path, flags & ~O_CLOEXEC, t, r.dev), cloexec);
  }
  // The guest's O_CLOEXEC belongs to the guest descriptor; the host one is always close-on-exec.
  const hostFlags = flags & ~O_CLOEXEC;
  const mask = (flags & O_CREAT) ? (mode & 0o7777) & ~t.process.umask : 0;
  const fd = host(() => fs.openSync(r.host, hostFlags, mask));
  return t.process.fds.install(new HostFile(fd, flags & ~O_CLOEXEC, r.host, true), cloexec);
}

export function sysOpen(t: Task, pathAddr: number, flags: number, mode: number): number {
  return sysOpenat(t, AT_FDCWD, pathAddr, flags, mode);
}

export function sysCreat(t: Task, pathAddr: number, mode: number): number {
  return sysOpenat(t, AT_FDCWD, pathAddr, 0o1101 /* O_CREAT|O_WRONLY|O_TRUNC */, mode);
}

export function sysNewfstatat(t: Task, dirfd: number, pathAddr: number, statbuf: number, flags: number): number {
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | 0x800 /* AT_NO_AUTOMOUNT */)) fail(EINVAL);
  const path = pathArg(t, pathAddr, (flags & AT_EMPTY_PATH) !== 0);
  let st;
  if (path === '' && (dirfd | 0) !== AT_FDCWD) st = t.process.fds.get(dirfd | 0).stat();
  else {
    const follow = (flags & AT_SYMLINK_NOFOLLOW) === 0;
    const r = lookup(t, dirfd, path, follow);
    if ('host' in r) st = statFromHost(host(() => (follow ? fs.statSync(r.host, { bigint: true }) : fs.lstatSync(r.host, { bigint: true }))));
    else if (r.node.kind === 'link' && r.node.magic && follow) st = r.node.magic(t).stat();
    else st = synStat(r.node, r.dev);
  }
  t.process.mm.write(statbuf, encodeStat(st));
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
  if ('host' in r) {
    host(() => fs.accessSync(r.host, mode === F_OK ? fs.constants.F_OK : mode));
    return 0;
  }
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
    t.process.cwd = host(() => fs.realpathSync(r.host));
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
