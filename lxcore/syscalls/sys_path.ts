// Path-based calls through the host passthrough at / (qemu-user's default view): openat,
// newfstatat/fstat family, readlink(at), faccessat(2), getcwd, chdir/fchdir. wasl's own
// /proc/self/exe answers first. The full VFS (mounts, volfs, drvfs, procfs) replaces the
// passthrough resolution here with the filesystem work (issue #5); see docs/compat.md.

import * as fs from 'node:fs';
import { fail, EFAULT, EINVAL, ENOENT, ENAMETOOLONG, ERANGE, ENOTDIR } from '../abi/errno.js';
import {
  AT_FDCWD, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, AT_EACCESS, O_CLOEXEC, O_ACCMODE, O_CREAT,
  O_TMPFILE, F_OK,
} from '../abi/fcntl.js';
import { encodeStat, S_IFMT, S_IFDIR } from '../abi/stat.js';
import { LinuxError } from '../abi/errno.js';
import { HostFile, statFromHost } from '../fs/hostfile.js';
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

/** The host path a guest path names, relative to `dirfd` (passthrough: the same path). */
function resolve(t: Task, dirfd: number, path: string): string {
  if (path.startsWith('/')) return path;
  let base: string;
  if ((dirfd | 0) === AT_FDCWD) base = t.process.cwd;
  else {
    const f = t.process.fds.get(dirfd | 0);
    if ((f.stat().mode & S_IFMT) !== S_IFDIR) fail(ENOTDIR);
    base = f.path;
  }
  return path === '' ? base : `${base.replace(/\/$/, '')}/${path}`;
}

function host<T>(fn: () => T): T {
  try { return fn(); } catch (e) { throw new LinuxError(hostErrno(e)); }
}

/** wasl's own answers that take precedence over the host (a sliver of procfs until #5). */
function selfLink(t: Task, path: string): string | undefined {
  const pid = t.process.pid;
  if (path === '/proc/self/exe' || path === `/proc/${pid}/exe` || path === '/proc/thread-self/exe') return t.process.exe;
  return undefined;
}

export function sysOpenat(t: Task, dirfd: number, pathAddr: number, flags: number, mode: number): number {
  const path = pathArg(t, pathAddr);
  if ((flags & O_ACCMODE) === O_ACCMODE) fail(EINVAL);
  if ((flags & O_TMPFILE) === O_TMPFILE) fail(EINVAL); // needs the VFS (issue #5)
  const hostPath = selfLink(t, path) ?? resolve(t, dirfd, path);
  // The guest's O_CLOEXEC belongs to the guest descriptor; the host one is always close-on-exec.
  const hostFlags = flags & ~O_CLOEXEC;
  const mask = (flags & O_CREAT) ? (mode & 0o7777) & ~t.process.umask : 0;
  const fd = host(() => fs.openSync(hostPath, hostFlags, mask));
  return t.process.fds.install(new HostFile(fd, flags & ~O_CLOEXEC, hostPath, true), (flags & O_CLOEXEC) !== 0);
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
    const p = selfLink(t, path) ?? resolve(t, dirfd, path);
    const nofollow = (flags & AT_SYMLINK_NOFOLLOW) !== 0 && !selfLink(t, path);
    st = statFromHost(host(() => (nofollow ? fs.lstatSync(p, { bigint: true }) : fs.statSync(p, { bigint: true }))));
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
  const target = selfLink(t, path) ?? host(() => fs.readlinkSync(resolve(t, dirfd, path)));
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
  const p = selfLink(t, path) ?? resolve(t, dirfd, path);
  host(() => fs.accessSync(p, mode === F_OK ? fs.constants.F_OK : mode));
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
  const p = resolve(t, AT_FDCWD, pathArg(t, pathAddr));
  const st = host(() => fs.statSync(p));
  if (!st.isDirectory()) fail(ENOTDIR);
  t.process.cwd = host(() => fs.realpathSync(p));
  return 0;
}

export function sysFchdir(t: Task, fd: number): number {
  const f = t.process.fds.get(fd | 0);
  if ((f.stat().mode & S_IFMT) !== S_IFDIR) fail(ENOTDIR);
  t.process.cwd = f.path;
  return 0;
}
