// Discretionary access control (path_resolution(7) "Permissions", inode_permission in
// fs/namei.c): the owner's, the group's or the others' bits, with root's overrides
// (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER) and the sticky-directory rule.

import { fail, EACCES, EPERM } from '../abi/errno.js';
import { S_IFMT, S_IFDIR, S_ISVTX } from '../abi/stat.js';
import type { InodeAttrs } from './api.js';

/** The credentials a filesystem check uses (fsuid/fsgid, which follow euid/egid). */
export interface Creds { fsuid: number; fsgid: number; groups: readonly number[] }

export const MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;

/** What a permission check reads of an inode. */
type Owned = Pick<InodeAttrs, 'mode' | 'uid' | 'gid'>;

function inGroup(c: Creds, gid: number): boolean { return c.fsgid === gid || c.groups.includes(gid); }

/** Whether `c` may access a file with attributes `a` for `mask` (MAY_*). */
export function allowed(c: Creds, a: Owned, mask: number): boolean {
  if (c.fsuid === 0) {
    // Root reads and writes anything; executes a file only if some x bit is set; searches any dir.
    if (!(mask & MAY_EXEC)) return true;
    return (a.mode & S_IFMT) === S_IFDIR || (a.mode & 0o111) !== 0;
  }
  let bits: number;
  if (c.fsuid === a.uid) bits = (a.mode >> 6) & 7;
  else if (inGroup(c, a.gid)) bits = (a.mode >> 3) & 7;
  else bits = a.mode & 7;
  return (bits & mask) === mask;
}

export function permission(c: Creds, a: Owned, mask: number): void {
  if (!allowed(c, a, mask)) fail(EACCES);
}

/** Search permission on a directory (every component of a walk). */
export function mayExec(c: Creds, a: InodeAttrs): void { permission(c, a, MAY_EXEC); }

/** Creating or removing a name in `dir` needs write and search permission on it. */
export function mayModifyDir(c: Creds, dir: InodeAttrs): void { permission(c, dir, MAY_WRITE | MAY_EXEC); }

/**
 * Removing or renaming `victim` out of `dir`: in a sticky directory (/tmp) only the file's owner,
 * the directory's owner or root may (EPERM).
 */
export function mayDelete(c: Creds, dir: InodeAttrs, victim: InodeAttrs): void {
  mayModifyDir(c, dir);
  if ((dir.mode & S_ISVTX) && c.fsuid !== 0 && c.fsuid !== victim.uid && c.fsuid !== dir.uid) fail(EPERM);
}

/** chmod, utimes to arbitrary times, setting xattrs in trusted.* …: the owner or root (CAP_FOWNER). */
export function isOwner(c: Creds, a: InodeAttrs): void {
  if (c.fsuid !== 0 && c.fsuid !== a.uid) fail(EPERM);
}
