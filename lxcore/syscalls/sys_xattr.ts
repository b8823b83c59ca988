// Extended attributes: setxattr, getxattr, listxattr, removexattr and their l* (no follow) and
// f* (descriptor) forms (xattr(7), fs/xattr.c). The VFS checks what Linux checks before a
// filesystem sees the call: the namespace (user., trusted., security.; system. needs ACL
// support, which no wasl filesystem has), name and value limits, permissions, read-only mounts.
// volfs keeps attributes itself. Node has no xattr calls, so a host file (passthrough, drvfs)
// shows none: reading one is ENODATA and its list is empty, as for a file that has none
// (dynamically linked `ls -l` asks every file for security.selinux and system.posix_acl_access);
// setting or removing one is EOPNOTSUPP, as on a filesystem without xattr support.

import { fail, EBADF, EFAULT, EINVAL, ERANGE, E2BIG, EOPNOTSUPP, ENODATA, EPERM, EROFS } from '../abi/errno.js';
import { AT_FDCWD, O_PATH } from '../abi/fcntl.js';
import { S_IFMT, S_IFREG, S_IFDIR, S_ISVTX } from '../abi/stat.js';
import { XATTR_CREATE, XATTR_REPLACE } from '../vfs/api.js';
import { permission, MAY_READ, MAY_WRITE } from '../vfs/perm.js';
import { HostFile } from '../fs/hostfile.js';
import { InodeFile } from '../vfs/inodefile.js';
import { fs } from '../host.js';
import { pathArg, lookup, credsOf, host } from './sys_path.js';
import type { Task } from '../kernel/task.js';
import type { Dentry } from '../vfs/namespace.js';

const XATTR_NAME_MAX = 255;
const XATTR_SIZE_MAX = 65536;
const XATTR_LIST_MAX = 65536;

/** The dentry a call acts on, or null for a host file or one of wasl's own (no attributes). */
function ofPath(t: Task, pathAddr: number, follow: boolean): Dentry | null {
  const r = lookup(t, AT_FDCWD, pathArg(t, pathAddr), follow);
  if ('dentry' in r) return r.dentry;
  // The lookup only resolves names; the file must exist (ENOENT, ENOTDIR, ELOOP as stat).
  if ('host' in r) host(() => (follow ? fs.statSync(r.host) : fs.lstatSync(r.host)));
  // A drvfs file: the checks (EROFS, permissions) apply, then the backend has no attributes.
  if ('host' in r && r.vfsDentry) return r.vfsDentry;
  return null;
}
function ofFd(t: Task, fd: number): Dentry | null {
  const f = t.process.fds.get(fd | 0); // EBADF
  if (f.flags & O_PATH) fail(EBADF); // fdget, not fdget_raw
  if (f instanceof HostFile && f.dentry) return f.dentry;
  return f instanceof InodeFile ? f.dentry : null;
}
const NAMESPACES = ['user.', 'trusted.', 'security.', 'system.'];

/** The attribute name: ERANGE if empty or longer than XATTR_NAME_MAX (strncpy_from_user). */
function nameArg(t: Task, addr: number): string {
  if (addr <= 0) fail(EFAULT);
  const s = t.process.mm.readCString(addr, XATTR_NAME_MAX + 1);
  if (s === null || s === '' || Buffer.byteLength(s) > XATTR_NAME_MAX) fail(ERANGE);
  return s;
}

const isRoot = (t: Task) => t.process.creds.euid === 0;

/**
 * xattr_permission: may the caller read (MAY_READ) or write (MAY_WRITE) attribute `name`?
 * Reading an attribute the caller must not see is ENODATA, as if it were not there.
 */
function check(t: Task, d: Dentry, name: string, mask: number): void {
  const a = d.inode.attrs();
  if (mask === MAY_WRITE && d.mount.readonly) fail(EROFS);
  if (name.startsWith('trusted.')) {
    if (!isRoot(t)) fail(mask === MAY_WRITE ? EPERM : ENODATA); // CAP_SYS_ADMIN
    return;
  }
  if (name.startsWith('security.')) {
    if (mask === MAY_WRITE && !isRoot(t) && credsOf(t).fsuid !== a.uid) fail(EPERM);
    return;
  }
  // POSIX ACLs: volfs has none to show, as an ACL-capable filesystem answers for a file without
  // one (ENODATA); setting one needs ACL semantics wasl does not have. Other prefixes: EOPNOTSUPP.
  if (mask === MAY_READ && (name === 'system.posix_acl_access' || name === 'system.posix_acl_default')) fail(ENODATA);
  if (!name.startsWith('user.')) fail(EOPNOTSUPP); // the rest of system.* and unknown prefixes
  // user.* lives only on regular files and directories (not sticky ones the caller doesn't own).
  const type = a.mode & S_IFMT;
  if (type !== S_IFREG && type !== S_IFDIR) fail(mask === MAY_WRITE ? EPERM : ENODATA);
  if (type === S_IFDIR && (a.mode & S_ISVTX) && mask === MAY_WRITE && credsOf(t).fsuid !== a.uid && !isRoot(t)) fail(EPERM);
  permission(credsOf(t), a, mask);
}

function set(t: Task, d: Dentry | null, nameAddr: number, value: number, size: number, flags: number): number {
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) fail(EINVAL);
  const name = nameArg(t, nameAddr);
  if (size < 0 || size > XATTR_SIZE_MAX) fail(E2BIG);
  const bytes = size > 0 ? t.process.mm.read(value, size) : new Uint8Array(0);
  if (!d) fail(EOPNOTSUPP);
  check(t, d, name, MAY_WRITE);
  d.inode.setxattr(name, bytes, flags);
  return 0;
}

function get(t: Task, d: Dentry | null, nameAddr: number, value: number, size: number): number {
  const name = nameArg(t, nameAddr);
  if (!d) return fail(NAMESPACES.some((p) => name.startsWith(p)) ? ENODATA : EOPNOTSUPP);
  check(t, d, name, MAY_READ);
  const v = d.inode.getxattr(name);
  if (size === 0) return v.length; // the size a buffer needs
  if (v.length > size) fail(ERANGE);
  if (v.length) t.process.mm.write(value, v);
  return v.length;
}

function list(t: Task, d: Dentry | null, buf: number, size: number): number {
  if (!d) return 0;
  // Names the caller could not read are left out (trusted.* for all but root).
  const names = d.inode.listxattr().filter((n) => isRoot(t) || !n.startsWith('trusted.'));
  const bytes = Buffer.from(names.map((n) => n + '\0').join(''));
  if (bytes.length > XATTR_LIST_MAX) fail(E2BIG);
  if (size === 0) return bytes.length;
  if (bytes.length > size) fail(ERANGE);
  if (bytes.length) t.process.mm.write(buf, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  return bytes.length;
}

function remove(t: Task, d: Dentry | null, nameAddr: number): number {
  const name = nameArg(t, nameAddr);
  if (!d) fail(EOPNOTSUPP);
  check(t, d, name, MAY_WRITE);
  d.inode.removexattr(name);
  return 0;
}

export const sysSetxattr = (t: Task, p: number, n: number, v: number, s: number, f: number) => set(t, ofPath(t, p, true), n, v, s, f);
export const sysLsetxattr = (t: Task, p: number, n: number, v: number, s: number, f: number) => set(t, ofPath(t, p, false), n, v, s, f);
export const sysFsetxattr = (t: Task, fd: number, n: number, v: number, s: number, f: number) => set(t, ofFd(t, fd), n, v, s, f);
export const sysGetxattr = (t: Task, p: number, n: number, v: number, s: number) => get(t, ofPath(t, p, true), n, v, s);
export const sysLgetxattr = (t: Task, p: number, n: number, v: number, s: number) => get(t, ofPath(t, p, false), n, v, s);
export const sysFgetxattr = (t: Task, fd: number, n: number, v: number, s: number) => get(t, ofFd(t, fd), n, v, s);
export const sysListxattr = (t: Task, p: number, b: number, s: number) => list(t, ofPath(t, p, true), b, s);
export const sysLlistxattr = (t: Task, p: number, b: number, s: number) => list(t, ofPath(t, p, false), b, s);
export const sysFlistxattr = (t: Task, fd: number, b: number, s: number) => list(t, ofFd(t, fd), b, s);
export const sysRemovexattr = (t: Task, p: number, n: number) => remove(t, ofPath(t, p, true), n);
export const sysLremovexattr = (t: Task, p: number, n: number) => remove(t, ofPath(t, p, false), n);
export const sysFremovexattr = (t: Task, fd: number, n: number) => remove(t, ofFd(t, fd), n);
