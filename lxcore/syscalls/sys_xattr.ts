// Reading extended attributes: getxattr, lgetxattr, fgetxattr, listxattr, llistxattr,
// flistxattr (getxattr(2), listxattr(2), fs/xattr.c). Dynamically linked coreutils ask for them
// (`ls -l` reads security.selinux and system.posix_acl_access of every file). volfs inodes have
// real xattrs; Node has no xattr API, so a host file (passthrough, drvfs) reports none: ENODATA
// for every name and an empty list (docs/quirks.md). Setting and removing are not here yet.

import * as fs from 'node:fs';
import { fail, ENODATA, EOPNOTSUPP, ERANGE } from '../abi/errno.js';
import { AT_FDCWD } from '../abi/fcntl.js';
import { InodeFile } from '../vfs/inodefile.js';
import type { Inode } from '../vfs/api.js';
import { pathArg, lookup, host } from './sys_path.js';
import type { Task } from '../kernel/task.js';

/** XATTR_NAME_MAX and XATTR_SIZE_MAX (include/uapi/linux/limits.h). */
const XATTR_NAME_MAX = 255, XATTR_SIZE_MAX = 65536;
/** The namespaces Linux knows (xattr_resolve_name); any other prefix is EOPNOTSUPP. */
const NAMESPACES = ['user.', 'trusted.', 'security.', 'system.'];

/** What an xattr call acts on: a volfs inode, or something whose attributes wasl cannot see. */
type Target = { inode: Inode } | { none: true };

function targetOfPath(t: Task, pathAddr: number, follow: boolean): Target {
  const r = lookup(t, AT_FDCWD, pathArg(t, pathAddr), follow);
  if ('dentry' in r) return { inode: r.dentry.inode };
  if ('host' in r) {
    // The lookup only resolves names; the file must exist (ENOENT, ENOTDIR, ELOOP as stat).
    statHost(r.host, follow);
  }
  return { none: true };
}

function targetOfFd(t: Task, fd: number): Target {
  const f = t.process.fds.get(fd | 0);   // EBADF
  return f instanceof InodeFile ? { inode: f.dentry.inode } : { none: true };
}

function statHost(path: string, follow: boolean): void {
  host(() => (follow ? fs.statSync(path) : fs.lstatSync(path)));
}

/** A size_t buffer length, capped as Linux caps it (a larger buffer is fine). */
const cap = (size: number) => (size < 0 || size > XATTR_SIZE_MAX ? XATTR_SIZE_MAX : size);

/** The attribute name argument: 1–255 bytes (ERANGE otherwise, as import_xattr_name). */
function nameArg(t: Task, addr: number): string {
  const name = t.process.mm.readCString(addr, XATTR_NAME_MAX + 1);
  if (name === null || name === '') fail(ERANGE);
  return name;
}

function getxattr(t: Task, target: Target, name: string, value: number, size: number): number {
  if (!NAMESPACES.some((p) => name.startsWith(p))) fail(EOPNOTSUPP);
  if (!('inode' in target)) fail(ENODATA);
  const v = target.inode.getxattr(name);
  if (size === 0) return v.length;          // asks for the size only
  if (v.length > cap(size)) fail(ERANGE);
  t.process.mm.write(value, v);
  return v.length;
}

function listxattr(t: Task, target: Target, list: number, size: number): number {
  const names = 'inode' in target ? target.inode.listxattr() : [];
  const bytes = Buffer.from(names.map((n) => n + '\0').join(''));
  if (size === 0) return bytes.length;
  if (bytes.length > cap(size)) fail(ERANGE);
  t.process.mm.write(list, bytes);
  return bytes.length;
}

export function sysGetxattr(t: Task, path: number, name: number, value: number, size: number): number {
  const n = nameArg(t, name);
  return getxattr(t, targetOfPath(t, path, true), n, value, size);
}

export function sysLgetxattr(t: Task, path: number, name: number, value: number, size: number): number {
  const n = nameArg(t, name);
  return getxattr(t, targetOfPath(t, path, false), n, value, size);
}

export function sysFgetxattr(t: Task, fd: number, name: number, value: number, size: number): number {
  const target = targetOfFd(t, fd);
  return getxattr(t, target, nameArg(t, name), value, size);
}

export function sysListxattr(t: Task, path: number, list: number, size: number): number {
  return listxattr(t, targetOfPath(t, path, true), list, size);
}

export function sysLlistxattr(t: Task, path: number, list: number, size: number): number {
  return listxattr(t, targetOfPath(t, path, false), list, size);
}

export function sysFlistxattr(t: Task, fd: number, list: number, size: number): number {
  return listxattr(t, targetOfFd(t, fd), list, size);
}
