// openat2(2) (fs/open.c build_open_flags, fs/namei.c): openat with a struct open_how
// {u64 flags, u64 mode, u64 resolve}, strict about what it is given, and RESOLVE_* flags that
// restrict the path walk:
//   RESOLVE_BENEATH     every step stays under dirfd (absolute paths, ".." above it, and
//                       symlinks leading out give EXDEV);
//   RESOLVE_IN_ROOT     dirfd is the root: "/" and ".." stop there, as in a chroot;
//   RESOLVE_NO_SYMLINKS no symlink anywhere (ELOOP);
//   RESOLVE_NO_MAGICLINKS no /proc/PID/fd-style link (ELOOP; scoped lookups give EXDEV);
//   RESOLVE_NO_XDEV     no mount crossing (EXDEV);
//   RESOLVE_CACHED      answered as a lookup that found everything cached (EAGAIN for
//                       O_CREAT, O_TRUNC, O_TMPFILE, as Linux).
// With a restricting flag the walk is done here, one component at a time over lxcore's own
// lookups (lstat-like, no following), into an absolute path with no symlink left in it, which
// openat then opens without following again.

import { fail, EINVAL, E2BIG, EAGAIN, EXDEV, ELOOP, ENOENT, ENOTDIR } from '../abi/errno.js';
import {
  O_ACCMODE, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK, O_DSYNC, FASYNC, O_DIRECT,
  O_LARGEFILE, O_DIRECTORY, O_NOFOLLOW, O_NOATIME, O_CLOEXEC, __O_SYNC, O_PATH, __O_TMPFILE, AT_FDCWD,
} from '../abi/fcntl.js';
import { S_IFMT, S_IFLNK, S_IFDIR } from '../abi/stat.js';
import { fs } from '../host.js';
import { pathArg, lookup, openPath, host, baseDir } from './sys_path.js';
import type { Task } from '../kernel/task.js';

const RESOLVE_NO_XDEV = 1, RESOLVE_NO_MAGICLINKS = 2, RESOLVE_NO_SYMLINKS = 4, RESOLVE_BENEATH = 8,
  RESOLVE_IN_ROOT = 0x10, RESOLVE_CACHED = 0x20;
const VALID_RESOLVE = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED;
const VALID_OPEN_FLAGS = O_WRONLY | O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | __O_SYNC |
  O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | __O_TMPFILE;
const O_PATH_FLAGS = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
const OPEN_HOW_SIZE_VER0 = 24;

export function sysOpenat2(t: Task, dirfd: number, pathAddr: number, howAddr: number, size: number): number | Promise<number> {
  if (size < OPEN_HOW_SIZE_VER0) fail(EINVAL);
  if (size > 4096) fail(E2BIG);
  const raw = t.process.mm.read(howAddr, size);
  if (raw.subarray(OPEN_HOW_SIZE_VER0).some((b) => b !== 0)) fail(E2BIG); // copy_struct_from_user
  const dv = new DataView(raw.buffer, raw.byteOffset, OPEN_HOW_SIZE_VER0);
  const flags = dv.getBigUint64(0, true), mode = dv.getBigUint64(8, true), resolve = dv.getBigUint64(16, true);
  // build_open_flags, in its order: unknown flags and resolve bits, the two scopes together,
  // a mode without O_CREAT/O_TMPFILE or with more than 07777, O_DIRECTORY|O_CREAT, O_PATH's
  // companions, then RESOLVE_CACHED's refusals.
  if (flags & ~BigInt(VALID_OPEN_FLAGS)) fail(EINVAL);
  if (resolve & ~BigInt(VALID_RESOLVE)) fail(EINVAL);
  const f = Number(flags), r = Number(resolve);
  if ((r & RESOLVE_BENEATH) && (r & RESOLVE_IN_ROOT)) fail(EINVAL);
  const creating = (f & O_CREAT) !== 0 || (f & __O_TMPFILE) === __O_TMPFILE;
  if (creating ? mode & ~0o7777n : mode !== 0n) fail(EINVAL);
  if ((f & O_DIRECTORY) && (f & O_CREAT)) fail(EINVAL);
  if ((f & O_PATH) && (f & ~O_PATH_FLAGS)) fail(EINVAL);
  if ((f & O_ACCMODE) === O_ACCMODE) fail(EINVAL);
  if ((r & RESOLVE_CACHED) && (f & (O_TRUNC | O_CREAT | __O_TMPFILE))) fail(EAGAIN);
  const path = pathArg(t, pathAddr);
  const scoped = r & (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT);
  if (!scoped) return openPath(t, dirfd, path, f, Number(mode));
  // Every symlink on the way was resolved here; what is left for openat has none, but for a last
  // name that O_NOFOLLOW (or O_CREAT|O_EXCL) did not follow, where openat answers as it would.
  const resolved = walk(t, dirfd, path, r, !(f & O_NOFOLLOW) && !((f & O_CREAT) && (f & O_EXCL)), (f & O_CREAT) !== 0);
  return openPath(t, AT_FDCWD, resolved.path + (resolved.trailingSlash ? '/' : ''), f, Number(mode));
}

/** What one step of the walk finds: a directory, a symlink's target, or nothing. */
interface Step { kind: 'dir' | 'file' | 'link' | 'magic' | 'none'; dev: number; target?: string }

function probe(t: Task, abs: string): Step {
  let res;
  try { res = lookup(t, AT_FDCWD, abs, false); } catch (e) {
    if ((e as { errno?: number }).errno === ENOENT) return { kind: 'none', dev: 0 };
    throw e;
  }
  if ('dentry' in res) {
    const a = res.dentry.inode.attrs();
    const type = a.mode & S_IFMT;
    return { kind: type === S_IFLNK ? 'link' : type === S_IFDIR ? 'dir' : 'file', dev: res.dentry.inode.fs.dev, target: type === S_IFLNK ? res.dentry.inode.readlink() : undefined };
  }
  if ('node' in res) {
    const n = res.node;
    if (n.kind === 'link') return n.magic ? { kind: 'magic', dev: res.dev } : { kind: 'link', dev: res.dev, target: n.target(t) };
    return { kind: n.kind === 'dir' ? 'dir' : 'file', dev: res.dev };
  }
  let st;
  try { st = host(() => fs.lstatSync(res.host)); } catch (e) {
    if ((e as { errno?: number }).errno === ENOENT) return { kind: 'none', dev: 0 };
    throw e;
  }
  if (st.isSymbolicLink()) return { kind: 'link', dev: st.dev, target: host(() => fs.readlinkSync(res.host)) };
  return { kind: st.isDirectory() ? 'dir' : 'file', dev: st.dev };
}

const parts = (p: string) => p.split('/').filter((c) => c !== '');

/**
 * The component walk of a scoped openat2 (path_lookupat with LOOKUP_BENEATH, LOOKUP_IN_ROOT,
 * LOOKUP_NO_SYMLINKS, LOOKUP_NO_MAGICLINKS, LOOKUP_NO_XDEV). Returns the absolute path reached.
 */
function walk(t: Task, dirfd: number, path: string, r: number, followLast: boolean, creating: boolean):
  { path: string; trailingSlash: boolean } {
  const base = parts(baseDir(t, dirfd));
  const beneath = (r & RESOLVE_BENEATH) !== 0, inRoot = (r & RESOLVE_IN_ROOT) !== 0;
  const root = inRoot ? base : [];
  let stack: string[] = path.startsWith('/') ? (beneath ? fail(EXDEV) : [...root]) : [...base];
  const queue = parts(path);
  const trailingSlash = path.endsWith('/') && queue.length > 0;
  const baseDev = probe(t, '/' + base.join('/')).dev;
  let hops = 0;
  const scope = beneath ? base : inRoot ? root : [];
  const atScope = () => stack.length === scope.length;
  while (queue.length) {
    const c = queue.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      if (beneath && atScope()) fail(EXDEV);
      if (inRoot && atScope()) continue; // ".." at the root stays there, as in a chroot
      const from = probe(t, '/' + stack.join('/')).dev;
      stack = stack.slice(0, -1);
      if ((r & RESOLVE_NO_XDEV) && probe(t, '/' + stack.join('/')).dev !== from) fail(EXDEV);
      continue;
    }
    const isLast = queue.length === 0;
    const here = '/' + [...stack, c].join('/');
    const step = probe(t, here);
    if (step.kind === 'none') {
      if (isLast && creating) { stack.push(c); break; }
      fail(ENOENT);
    }
    if ((step.kind === 'link' || step.kind === 'magic') && (!isLast || followLast || trailingSlash)) {
      if (r & RESOLVE_NO_SYMLINKS) fail(ELOOP);
      if (step.kind === 'magic') {
        if (r & RESOLVE_NO_MAGICLINKS) fail(ELOOP);
        fail(EXDEV); // scoped lookups never jump through a magic link (nd_jump_link)
      }
      if (++hops > 40) fail(ELOOP);
      const target = step.target!;
      if (target.startsWith('/')) {
        if (beneath) fail(EXDEV);
        stack = [...root];
      }
      queue.unshift(...parts(target));
      continue;
    }
    if ((r & RESOLVE_NO_XDEV) && step.dev !== baseDev) fail(EXDEV);
    if (!isLast && step.kind !== 'dir') fail(ENOTDIR);
    stack.push(c);
  }
  return { path: '/' + stack.join('/'), trailingSlash };
}
