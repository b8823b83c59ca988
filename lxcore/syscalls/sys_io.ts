// Descriptor I/O: read, write, readv, writev, pread64, pwrite64, lseek, close, dup family,
// fcntl, ioctl, getdents64 (man 2 of each). Path-based calls live in sys_path.ts.

import { fail, LinuxError, EBADF, EFAULT, EINVAL, EOPNOTSUPP, ESPIPE } from '../abi/errno.js';
import { TASK_SIZE } from '../abi/mman.js';
import { O_CLOEXEC, O_APPEND, O_NONBLOCK, FASYNC, O_DIRECT, O_NOATIME, O_PATH, F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC, FD_CLOEXEC,
  F_GETLK, F_SETLK, F_SETLKW, F_ADD_SEALS, F_GET_SEALS, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_RDLCK, F_WRLCK, F_UNLCK, F_SETPIPE_SZ, F_GETPIPE_SZ,
  LOCK_MAND, LOCK_NB, LOCK_SH, LOCK_EX, LOCK_UN } from '../abi/fcntl.js';
import { locks, flockRange, checkLockAccess, OFFSET_MAX } from '../fs/locks.js';
import { PipeEnd } from '../fs/pipe.js';
import { addSeals, getSeals } from '../fs/memfd.js';
import { writableSharedMaps } from './sys_mm.js';
import { hasCap, CAP_SYS_RESOURCE } from './sys_cred.js';
import { FIOCLEX, FIONCLEX, FIONBIO } from '../abi/ioctl.js';
import { HostFile } from '../fs/hostfile.js';
import type { Task } from '../kernel/task.js';
import { FileDescription as FileDescriptionBase, type FileDescription, type Dirent } from '../vfs/file.js';
import { sysFsync as fsyncFd } from './sys_fsops.js';
import { S_IFMT, S_IFIFO, S_IFREG } from '../abi/stat.js';
import { EFBIG } from '../abi/errno.js';
import { SIGXFSZ } from '../abi/signal.js';
import { siKill, SI_USER } from '../abi/siginfo.js';
import { sendSignalInfo } from '../kernel/signals.js';

/** Linux caps one read/write at MAX_RW_COUNT (INT_MAX rounded down to a page). */
const MAX_RW_COUNT = 0x7ffff000;
/** wasl additionally caps one transfer's staging buffer; short counts are legal for read/write. */
const MAX_CHUNK = 4 << 20;
const IOV_MAX = 1024;

// A file that shared mappings cache (lxcore/mm/pagecache.ts): its pages are written back before
// a read or write reaches the file, and read again after a write, so read(2), write(2) and the
// mappings see one another's bytes.
function readable(t: Task, fd: number): FileDescription {
  const f = t.process.fds.get(fd);
  if (!f.readable) fail(EBADF);
  t.kernel.pageCache.before(f);
  return f;
}
function writable(t: Task, fd: number): FileDescription {
  const f = t.process.fds.get(fd);
  if (!f.writable) fail(EBADF);
  t.kernel.pageCache.before(f);
  return f;
}
/** After a write to `f`: mappings of the file show what it wrote. */
function written(t: Task, f: FileDescription, r: number | Promise<number>): number | Promise<number> {
  if (t.kernel.pageCache.files.size === 0) return r;
  const refresh = (n: number) => { t.kernel.pageCache.before(f, true); return n; };
  return typeof r === 'number' ? refresh(r) : r.then(refresh);
}

function clampCount(count: number): number {
  if (count < 0) fail(EINVAL); // a size_t ≥ 2^63
  return Math.min(count, MAX_RW_COUNT, MAX_CHUNK);
}

/**
 * Finishes a read: copies what arrived into guest memory at `ranges` (a buffer, or readv's
 * iovecs). A copy that meets a page the kernel cannot write stops there, as copy_to_user does:
 * the call returns what was copied (EFAULT if nothing), and a regular file's position (`before`:
 * where read(2) started, when the description keeps it) ends past what the guest got, not past
 * what was read (tests/programs/readfault.c). A pipe, socket or device has given up the bytes by
 * then (docs/quirks.md). The common case, a buffer that takes it all, costs one copy.
 */
function deliver(t: Task, f: FileDescription, ranges: ReadonlyArray<readonly [number, number]>, data: Uint8Array,
  n: number, before?: number): number {
  if (n <= 0) return n;
  const mm = t.process.mm;
  let copied = 0;
  for (const [base, len] of ranges) {
    if (copied >= n) return n;
    const m = Math.min(len, n - copied);
    try {
      // The first range from the start of `data` by length: mm.write says why not subarray().
      if (copied === 0) mm.write(base, data, m); else mm.write(base, data.subarray(copied, copied + m));
      copied += m;
      continue;
    } catch (e) {
      if (!(e instanceof LinuxError) || e.errno !== EFAULT) throw e;
    }
    // The range has a page the kernel cannot write: copy up to it, and stop there.
    const room = mm.writableRoom(base, m);
    if (room > 0) mm.write(base, data.subarray(copied, copied + room));
    copied += room;
    if (before !== undefined && f.posIsOwn && positional(f) && (f.stat().mode & S_IFMT) === S_IFREG) f.pos = before + copied;
    return f.undeliverable(copied, data);
  }
  return n;
}

/**
 * A read or write of a regular host file straight between the file and guest memory, one host
 * call on views of the guest's pages (mm.views) instead of a fresh buffer and a copy: a 4 KiB
 * pread spent more on the buffer (allocated, zeroed, copied) than on the host's read (issue
 * #11). null when it does not apply — another kind of file, an appending write, the instance's
 * output, a range with a page the kernel cannot access (the copying path answers that, partial
 * counts and EFAULT as Linux gives them) — and the caller copies as before.
 */
function direct(t: Task, f: FileDescription, buf: number, n: number, offset: number | null, write: boolean): number | null {
  if (!(f instanceof HostFile) || !f.direct || (write && (f.append || f.instanceOutput))) return null;
  const views = t.process.mm.views(buf, n, !write);
  return views && f.transfer(views, offset, write);
}

export function sysRead(t: Task, fd: number, buf: number, count: number): number | Promise<number> {
  const f = readable(t, fd | 0);
  const n = clampCount(count);
  if (n === 0) return 0;
  if (buf < 0) fail(EFAULT);
  const d = direct(t, f, buf, n, null, false);
  if (d !== null) return d;
  const data = new Uint8Array(n);
  const before = f.pos, at: Array<[number, number]> = [[buf, n]];
  const r = f.read(data, t);
  if (typeof r === 'number') return deliver(t, f, at, data, r, before);
  return r.then((m) => deliver(t, f, at, data, m, before));
}

/**
 * A write to a device whose driver never reads the data (/dev/null, /dev/zero, /dev/full): only
 * vfs_write's access_ok, or import_iovec's for each iovec, looks at the ranges (each must lie in
 * user space; a count < 0 is a size_t ≥ 2^63), then the driver gets the total cut to MAX_RW_COUNT.
 */
function writeUnread(f: FileDescription, ranges: ReadonlyArray<readonly [number, number]>): number {
  let total = 0;
  for (const [base, len] of ranges) {
    if (len < 0 || base < 0 || base + len > TASK_SIZE) fail(EFAULT);
    total += len;
  }
  const n = Math.min(total, MAX_RW_COUNT);
  return n === 0 ? 0 : f.writeUnread!(n);
}

export function sysWrite(t: Task, fd: number, buf: number, count: number): number | Promise<number> {
  const f = writable(t, fd | 0);
  if (f.writeUnread) return writeUnread(f, [[buf, count]]);
  const n = clampCount(count);
  if (n === 0) return 0;
  const d = direct(t, f, buf, n, null, true);
  if (d !== null) return written(t, f, d);
  return written(t, f, writeOut(t, f, t.process.mm.read(buf, n)));
}

/**
 * f.write, with the instance's output cap (limits.output) on its stdout, stderr and terminal:
 * as generic_write_check_limits treats a file at RLIMIT_FSIZE, a write that would cross the cap
 * is cut to what fits, and one at the cap sends SIGXFSZ to the writing thread and fails EFBIG.
 */
function writeOut(t: Task, f: FileDescription, data: Uint8Array): number | Promise<number> {
  if (!f.instanceOutput) return f.write(data, t);
  const k = t.kernel;
  if (k.outputLeft <= 0) {
    sendSignalInfo(k, t.process, t, SIGXFSZ, siKill(SIGXFSZ, SI_USER, t.process.pid, t.process.creds.uid));
    return fail(EFBIG);
  }
  const r = f.write(data.length > k.outputLeft ? data.subarray(0, k.outputLeft) : data, t);
  if (typeof r === 'number') { k.outputLeft -= r; return r; }
  return r.then((n) => { k.outputLeft -= n; return n; });
}

export function sysPread64(t: Task, fd: number, buf: number, count: number, offset: number): number {
  const f = readable(t, fd | 0);
  if (offset < 0) fail(EINVAL);
  const n = clampCount(count);
  const d = direct(t, f, buf, n, offset, false);
  if (d !== null) return d;
  const data = new Uint8Array(n);
  return deliver(t, f, [[buf, n]], data, f.pread(data, offset));
}

export function sysPwrite64(t: Task, fd: number, buf: number, count: number, offset: number): number {
  if (offset < 0) fail(EINVAL); // ksys_pwrite64 checks it before it looks at the descriptor
  const f = writable(t, fd | 0);
  if (f.writeUnread) return writeUnread(f, [[buf, count]]);
  const d = direct(t, f, buf, clampCount(count), offset, true);
  if (d !== null) return written(t, f, d) as number;
  return written(t, f, f.pwrite(t.process.mm.read(buf, clampCount(count)), offset)) as number;
}

/** struct iovec { void *iov_base; size_t iov_len; } ×cnt */
export function iovecs(t: Task, iov: number, cnt: number): Array<[number, number]> {
  cnt |= 0;
  if (cnt < 0 || cnt > IOV_MAX) fail(EINVAL);
  if (cnt === 0) return [];
  const raw = t.process.mm.read(iov, cnt * 16);
  // 64-bit fields as two 32-bit halves: Buffer's BigInt readers cost a hello's first writev
  // ~0.1 ms of cold code, and the numbers round the same way.
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Array<[number, number]> = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = dv.getUint32(i * 16 + 4, true) * 2 ** 32 + dv.getUint32(i * 16, true);
    const len = dv.getInt32(i * 16 + 12, true) * 2 ** 32 + dv.getUint32(i * 16 + 8, true);
    if (len < 0) fail(EINVAL);
    total += len;
    if (total > MAX_RW_COUNT * 2) fail(EINVAL); // the sum must fit ssize_t
    out.push([base, len]);
  }
  return out;
}

export function sysWritev(t: Task, fd: number, iov: number, cnt: number): number | Promise<number> {
  const f = writable(t, fd | 0);
  const parts = iovecs(t, iov, cnt).filter(([, len]) => len > 0);
  if (f.writeUnread) return writeUnread(f, parts);
  const data = gather(t, parts);
  if (data.length === 0) return 0;
  return written(t, f, writeOut(t, f, data));
}

export function sysReadv(t: Task, fd: number, iov: number, cnt: number): number | Promise<number> {
  const f = readable(t, fd | 0);
  const parts = iovecs(t, iov, cnt).filter(([, len]) => len > 0);
  const total = Math.min(parts.reduce((s, [, l]) => s + l, 0), MAX_CHUNK);
  if (total === 0) return 0;
  const data = new Uint8Array(total);
  const before = f.pos;
  const r = f.read(data, t);
  return typeof r === 'number' ? deliver(t, f, parts, data, r, before) : r.then((n) => deliver(t, f, parts, data, n, before));
}

// ---- preadv, pwritev, preadv2, pwritev2 -------------------------------------------------------

const RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_NOWAIT = 8, RWF_APPEND = 16, RWF_NOAPPEND = 32;
const RWF_SUPPORTED = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND;

/** Whether a description can pread/pwrite (FMODE_PREAD): pipes, sockets and terminals cannot. */
function positional(f: FileDescription): boolean {
  return f.pread !== FileDescriptionBase.prototype.pread;
}

/** The iovecs' bytes, gathered (at most MAX_CHUNK; a short write is legal). */
function gather(t: Task, parts: Array<[number, number]>): Uint8Array {
  const total = Math.min(parts.reduce((s, [, l]) => s + l, 0), MAX_CHUNK);
  const data = new Uint8Array(total);
  let off = 0;
  for (const [base, len] of parts) {
    if (off >= total) break;
    const n = Math.min(len, total - off);
    data.set(t.process.mm.read(base, n), off);
    off += n;
  }
  return data;
}

/** preadv(fd, iov, iovcnt, pos): readv at an offset, the file position untouched. */
export function sysPreadv(t: Task, fd: number, iov: number, cnt: number, pos: number): number {
  if (pos < 0) fail(EINVAL);
  const f = t.process.fds.get(fd | 0);
  if (!positional(f)) fail(ESPIPE);
  readable(t, fd | 0);
  const parts = iovecs(t, iov, cnt).filter(([, len]) => len > 0);
  const total = Math.min(parts.reduce((s, [, l]) => s + l, 0), MAX_CHUNK);
  if (total === 0) return 0;
  const data = new Uint8Array(total);
  return deliver(t, f, parts, data, f.pread(data, pos));
}

/** pwritev(fd, iov, iovcnt, pos): writev at an offset (an O_APPEND file appends, as pwrite). */
export function sysPwritev(t: Task, fd: number, iov: number, cnt: number, pos: number): number {
  if (pos < 0) fail(EINVAL);
  const f = t.process.fds.get(fd | 0);
  if (!positional(f)) fail(ESPIPE);
  writable(t, fd | 0);
  const parts = iovecs(t, iov, cnt).filter(([, len]) => len > 0);
  if (f.writeUnread) return writeUnread(f, parts);
  const data = gather(t, parts);
  if (data.length === 0) return 0;
  return written(t, f, f.pwrite(data, pos)) as number;
}

/** RWF_NOWAIT: for this one call, a read or write that would wait fails with EAGAIN (as O_NONBLOCK). */
function nowaitIf<T>(f: FileDescription, on: boolean, fn: () => T): T {
  if (!on || f.nonblocking) return fn();
  f.flags |= O_NONBLOCK;
  const restore = () => { f.flags &= ~O_NONBLOCK; };
  try {
    const r = fn();
    if (r instanceof Promise) return r.finally(restore) as T;
    restore();
    return r;
  } catch (e) {
    restore();
    throw e;
  }
}

/** preadv2(fd, iov, iovcnt, pos, pos_h, flags): pos -1 reads at (and moves) the file position. */
export function sysPreadv2(t: Task, fd: number, iov: number, cnt: number, pos: number, _posH: number, flags: number): number | Promise<number> {
  if (pos < -1) fail(EINVAL);
  const f = t.process.fds.get(fd | 0);
  if ((flags >>> 0) & ~RWF_SUPPORTED) fail(EOPNOTSUPP);
  return nowaitIf(f, (flags & RWF_NOWAIT) !== 0, () => (pos === -1 ? sysReadv(t, fd, iov, cnt) : sysPreadv(t, fd, iov, cnt, pos)));
}

/**
 * pwritev2(fd, iov, iovcnt, pos, pos_h, flags): pos -1 writes at the file position; RWF_APPEND
 * appends whatever pos says, RWF_NOAPPEND writes at pos even on an O_APPEND file, and
 * RWF_DSYNC/RWF_SYNC make the write durable before returning, as fsync would.
 */
export function sysPwritev2(t: Task, fd: number, iov: number, cnt: number, pos: number, _posH: number, flags: number): number | Promise<number> {
  if (pos < -1) fail(EINVAL);
  const f = t.process.fds.get(fd | 0);
  if ((flags >>> 0) & ~RWF_SUPPORTED) fail(EOPNOTSUPP);
  const sync = (n: number) => { if ((flags & (RWF_DSYNC | RWF_SYNC)) && n > 0) durable(t, fd); return n; };
  if (f.noWriteIter && (flags & ~RWF_HIPRI)) {
    // A device with only .write (/dev/full): do_loop_readv_writev refuses every flag but
    // RWF_HIPRI, once the iovec array has been read.
    writable(t, fd | 0);
    iovecs(t, iov, cnt);
    fail(EOPNOTSUPP);
  }
  // The memory devices (writeUnread) take the bytes unread and move no position, appending or
  // not (write_iter_null): the plain vectored paths below.
  if (positional(f) && (flags & RWF_APPEND) && !f.writeUnread) {
    // At the end, whatever pos says; pos -1 also moves the file position there (Linux).
    writable(t, fd | 0);
    const data = gather(t, iovecs(t, iov, cnt).filter(([, len]) => len > 0));
    if (data.length === 0) return 0;
    const end = f.stat().size;
    const n = written(t, f, f.pwrite(data, end)) as number;
    if (pos === -1) f.pos = end + n;
    return sync(n);
  }
  if (positional(f) && (flags & RWF_NOAPPEND) && f.append && pos >= 0 && !f.writeUnread) {
    writable(t, fd | 0);
    const data = gather(t, iovecs(t, iov, cnt).filter(([, len]) => len > 0));
    if (data.length === 0) return 0;
    return sync(written(t, f, f.pwriteNoAppend(data, pos)) as number);
  }
  const r = nowaitIf(f, (flags & RWF_NOWAIT) !== 0, () => (pos === -1 ? sysWritev(t, fd, iov, cnt) : sysPwritev(t, fd, iov, cnt, pos)));
  return typeof r === 'number' ? sync(r) : r.then(sync);
}

/** fsync's work for RWF_SYNC/RWF_DSYNC: host files through the host, lxcore's inodes through their store. */
function durable(t: Task, fd: number): void {
  try { fsyncFd(t, fd); } catch { /* a file with no fsync (a pipe): nothing to make durable */ }
}

export function sysLseek(t: Task, fd: number, offset: number, whence: number): number {
  return t.process.fds.get(fd | 0).lseek(offset, whence | 0);
}

export function sysClose(t: Task, fd: number): number {
  t.process.fds.close(fd | 0);
  return 0;
}

export function sysDup(t: Task, fd: number): number {
  const f = t.process.fds.get(fd | 0);
  return t.process.fds.install(f.ref());
}

export function sysDup3(t: Task, oldfd: number, newfd: number, flags: number): number {
  oldfd |= 0; newfd |= 0;
  if (flags & ~O_CLOEXEC || oldfd === newfd) fail(EINVAL);
  const f = t.process.fds.get(oldfd);
  t.process.fds.installAt(newfd, f.ref(), (flags & O_CLOEXEC) !== 0);
  return newfd;
}

export function sysDup2(t: Task, oldfd: number, newfd: number): number {
  oldfd |= 0; newfd |= 0;
  const f = t.process.fds.get(oldfd);
  if (oldfd === newfd) return newfd;
  t.process.fds.installAt(newfd, f.ref(), false);
  return newfd;
}

/** Status flags F_SETFL may change (fs/fcntl.c SETFL_MASK). */
const SETFL_MASK = O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME;

/** The commands fcntl allows on an O_PATH descriptor (check_fcntl_cmd); the rest are EBADF. */
const O_PATH_CMDS = new Set([F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL]);

export function sysFcntl(t: Task, fd: number, cmd: number, arg: number): number | Promise<number> {
  fd |= 0;
  const fds = t.process.fds;
  const f = fds.get(fd);
  if ((f.flags & O_PATH) && !O_PATH_CMDS.has(cmd | 0)) fail(EBADF);
  switch (cmd | 0) {
    case F_GETLK: case F_OFD_GETLK: return getLock(t, f, (cmd | 0) === F_OFD_GETLK, arg);
    case F_SETLK: case F_SETLKW: return setLock(t, f, 'posix', arg, (cmd | 0) === F_SETLKW);
    case F_OFD_SETLK: case F_OFD_SETLKW: return setLock(t, f, 'ofd', arg, (cmd | 0) === F_OFD_SETLKW);
    case F_GET_SEALS: return getSeals(f);
    case F_ADD_SEALS: return addSeals(f, arg, () => { const st = f.stat(); return writableSharedMaps(t, st.dev, st.ino); });
    case F_GETPIPE_SZ: if (!(f instanceof PipeEnd)) fail(EBADF); return (f as PipeEnd).pipe.size;
    case F_SETPIPE_SZ: if (!(f instanceof PipeEnd)) fail(EBADF); return (f as PipeEnd).pipe.resize(arg, hasCap(t.process.creds, CAP_SYS_RESOURCE));
    case F_DUPFD: case F_DUPFD_CLOEXEC:
      if ((arg | 0) < 0) fail(EINVAL);
      return fds.install(f.ref(), (cmd | 0) === F_DUPFD_CLOEXEC, arg | 0);
    case F_GETFD: return fds.entry(fd)!.cloexec ? FD_CLOEXEC : 0;
    case F_SETFD: fds.entry(fd)!.cloexec = (arg & FD_CLOEXEC) !== 0; return 0;
    case F_GETFL: return f.flags & ~O_CLOEXEC;
    case F_SETFL: f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK); return 0;
    default: return fail(EINVAL); // locks, leases, pipe sizes: the filesystem work
  }
}

/** struct flock (x86-64): short l_type, l_whence; off_t l_start, l_len; pid_t l_pid — 32 bytes. */
function readFlock(t: Task, arg: number) {
  const b = Buffer.from(t.process.mm.read(arg, 32));
  return { b, type: b.readInt16LE(0), whence: b.readInt16LE(2), start: b.readBigInt64LE(8), len: b.readBigInt64LE(16), pid: b.readInt32LE(24) };
}

/** F_GETLK / F_OFD_GETLK (fcntl_getlk): the first lock that would conflict, or l_type = F_UNLCK. */
function getLock(t: Task, f: FileDescription, ofd: boolean, arg: number): number {
  const l = readFlock(t, arg);
  if (l.type !== F_RDLCK && l.type !== F_WRLCK) fail(EINVAL);
  const req = flockRange(f, l.type, l.whence, l.start, l.len);
  if (ofd && l.pid !== 0) fail(EINVAL);
  const c = locks.test(f, ofd ? f : t.process.fds, req);
  const b = l.b;
  if (!c) {
    b.writeInt16LE(F_UNLCK, 0);
  } else {
    b.writeInt16LE(c.type, 0);
    b.writeInt16LE(0, 2); // SEEK_SET
    b.writeBigInt64LE(c.start, 8);
    b.writeBigInt64LE(c.end === OFFSET_MAX ? 0n : c.end - c.start + 1n, 16);
    b.writeInt32LE(c.kind === 'ofd' ? -1 : c.pid, 24);
  }
  t.process.mm.write(arg, new Uint8Array(b.buffer, b.byteOffset, 32));
  return 0;
}

/** F_SETLK(W) / F_OFD_SETLK(W) (fcntl_setlk). */
function setLock(t: Task, f: FileDescription, kind: 'posix' | 'ofd', arg: number, wait: boolean): number | Promise<number> {
  const l = readFlock(t, arg);
  const req = flockRange(f, l.type, l.whence, l.start, l.len);
  checkLockAccess(f, req.type);
  if (kind === 'ofd' && l.pid !== 0) fail(EINVAL);
  return locks.set(t, f, kind, kind === 'ofd' ? f : t.process.fds, req, wait);
}

/** flock(2): whole-file locks of the open file description. */
export function sysFlock(t: Task, fd: number, op: number): number | Promise<number> {
  op >>>= 0;
  if (op & LOCK_MAND) return 0; // ignored since Linux 5.15, before even the descriptor is looked at
  const cmd = op & ~LOCK_NB;
  if (cmd !== LOCK_SH && cmd !== LOCK_EX && cmd !== LOCK_UN) fail(EINVAL);
  const f = t.process.fds.get(fd | 0);
  if (f.flags & O_PATH) fail(EBADF); // fdget() does not see O_PATH descriptors
  return locks.flock(t, f, op);
}

/**
 * fadvise64(fd, offset, len, advice) (generic_fadvise): advice about a file's page cache, which
 * wasl keeps only for shared mappings — so it is checked and taken, and changes nothing. EBADF,
 * ESPIPE for a pipe or FIFO, EINVAL for an unknown advice. (The length is a size_t here: the
 * host kernel takes "-1" without complaint, and so does wasl.)
 */
export function sysFadvise64(t: Task, fd: number, _offset: number, _len: number, advice: number): number {
  const f = t.process.fds.get(fd | 0);
  if (f.flags & O_PATH) fail(EBADF);
  if ((f.stat().mode & S_IFMT) === S_IFIFO) fail(ESPIPE);
  if ((advice | 0) < 0 || (advice | 0) > 5) fail(EINVAL); // NORMAL RANDOM SEQUENTIAL WILLNEED DONTNEED NOREUSE
  return 0;
}

/** readahead(fd, offset, count): a regular file open for reading (EBADF, EINVAL otherwise); nothing to do. */
export function sysReadahead(t: Task, fd: number): number {
  const f = t.process.fds.get(fd | 0);
  if (!f.readable || (f.flags & O_PATH)) fail(EBADF);
  if ((f.stat().mode & S_IFMT) !== S_IFREG) fail(EINVAL);
  return 0;
}

export function sysIoctl(t: Task, fd: number, req: number, arg: number): number | Promise<number> {
  fd |= 0;
  const fds = t.process.fds;
  const f = fds.get(fd);
  switch (req >>> 0) {
    case FIOCLEX: fds.entry(fd)!.cloexec = true; return 0;
    case FIONCLEX: fds.entry(fd)!.cloexec = false; return 0;
    case FIONBIO: {
      const on = t.process.mm.readU32(arg) !== 0;
      f.flags = on ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
      return 0;
    }
  }
  return f.ioctl(req >>> 0, arg, t);
}

/** struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; } */
export function sysGetdents64(t: Task, fd: number, dirp: number, count: number): number {
  const f = t.process.fds.get(fd | 0);
  const entries: Dirent[] = f.readdir();
  if (count < 0) fail(EINVAL);
  const cap = Math.min(count, 1 << 20);
  // One scratch buffer, encoded in place (a Buffer per call and per name, and BigInt writes,
  // were a fifth of a cached 100-entry getdents: issue #11).
  if (direntScratch.length < cap) direntScratch = new Uint8Array(Math.max(cap, direntScratch.length * 2));
  const out = direntScratch, v = new DataView(out.buffer);
  let off = 0, used = 0;
  for (const e of entries) {
    if (off + 24 > cap) break;
    let written: number;
    if (e.bytes) {
      written = e.bytes.length;
      if (off + 19 + written > cap) break;
      out.set(e.bytes, off + 19);
    } else {
      const r = utf8.encodeInto(e.name, out.subarray(off + 19, cap));
      if (r.read < e.name.length) break;
      written = r.written;
    }
    const reclen = (19 + written + 1 + 7) & ~7;
    if (off + reclen > cap) break;
    v.setBigUint64(off, BigInt.asUintN(64, e.ino), true);
    const doff = f.pos + used + 1; // d_off: the position after this entry (telldir, seekdir)
    v.setUint32(off + 8, doff >>> 0, true);
    v.setUint32(off + 12, Math.floor(doff / 0x1_0000_0000) >>> 0, true);
    v.setUint16(off + 16, reclen, true);
    out[off + 18] = e.type;
    out.fill(0, off + 19 + written, off + reclen); // the name's NUL and the padding
    off += reclen;
    used++;
  }
  if (used === 0 && entries.length > 0) fail(EINVAL); // buffer too small for one entry
  t.process.mm.write(dirp, out.subarray(0, off));
  f.pos += used;
  return off;
}
let direntScratch = new Uint8Array(1 << 15);
const utf8 = new TextEncoder();
