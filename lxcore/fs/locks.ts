// Advisory file locks (fcntl(2) "Advisory record locking", "Open file description locks",
// flock(2); fs/locks.c): three kinds, kept per inode of the instance.
//
// - POSIX record locks (F_SETLK/F_SETLKW/F_GETLK) belong to the descriptor table (Linux's
//   fl_owner = current->files): every thread of a process shares them, fork's child does not
//   inherit them, and closing *any* descriptor of the file in that table drops them all — the
//   notorious POSIX rule, kept because programs (sqlite's tests, lockf users) meet it.
// - OFD locks (F_OFD_*) are the same byte ranges owned by the open file description: shared by
//   dup and fork, dropped when the description's last descriptor closes. They and POSIX locks
//   conflict with each other; F_GETLK reports an OFD lock's l_pid as -1.
// - flock(2) locks are whole-file, owned by the open file description, and independent of the
//   other two (on local filesystems Linux keeps them apart).
//
// Ranges are inclusive [start, end] in bigint, end = OFFSET_MAX for "to the end of the file and
// beyond". A task that must wait parks on the inode's wait queue and retries on every change, as
// Linux's waiters do after a wake-up; POSIX waiters are checked for deadlock (EDEADLK) by
// following the chain owner → lock it waits for → that lock's owner, as posix_locks_deadlock
// does. The locks are the instance's: host processes outside wasl do not see them (quirks.md).

import { fail, EAGAIN, EBADF, EDEADLK, EINVAL, EOVERFLOW } from '../abi/errno.js';
import { F_RDLCK, F_WRLCK, F_UNLCK, LOCK_SH, LOCK_EX, LOCK_UN, LOCK_NB, LOCK_MAND } from '../abi/fcntl.js';
import { FileDescription, FdTable } from '../vfs/file.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import type { Task } from '../kernel/task.js';

/** The largest file offset (OFFSET_MAX, loff_t's maximum). */
export const OFFSET_MAX = (1n << 63n) - 1n;
const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;

export type LockKind = 'posix' | 'ofd' | 'flock';

export interface FileLock {
  kind: LockKind;
  /** The descriptor table (POSIX) or the open file description (OFD, flock) that holds it. */
  owner: object;
  type: number; // F_RDLCK or F_WRLCK
  start: bigint;
  end: bigint;
  /** fl_pid: the thread group that set it (POSIX, flock); /proc/locks and F_GETLK show it. */
  pid: number;
  /** What /proc/locks prints for the file: "MAJ:MIN:INO". */
  where: { dev: number; ino: bigint };
  /** Order of creation: /proc/locks numbers locks in this order. */
  id: number;
  /** The description it was set through (fl_file): /proc/PID/fdinfo lists a lock under it. */
  file: FileDescription;
}

/** The locks on one inode: byte-range locks (POSIX and OFD together) and flock locks. */
class InodeLocks {
  ranges: FileLock[] = [];
  flocks: FileLock[] = [];
  readonly wait = new WaitQueue();
  get empty(): boolean { return this.ranges.length === 0 && this.flocks.length === 0; }
}

/** A request as fcntl's struct flock gives it, after flock_to_posix_lock. */
export interface RangeRequest { type: number; start: bigint; end: bigint }

let nextLockId = 1;

/**
 * Lets the inode's waiters re-check, after the current call: a change made by a waiter's own
 * retry (inside a wake-up) must not wake the queue again from within that wake-up.
 */
function wakeSoon(il: InodeLocks): void {
  if (il.wait.size) queueMicrotask(() => il.wait.wake());
}

/** The instance's lock table (fs/locks.c's per-inode file_lock_context, all inodes). */
export class LockTable {
  private readonly inodes = new Map<string, InodeLocks>();
  /** Owners that hold at least one lock, and where: closing a descriptor asks only these. */
  private readonly held = new Map<object, Set<string>>();
  /** What a blocked POSIX owner waits for (blocked_hash): the deadlock check walks it. */
  private readonly blockedOn = new Map<object, FileLock>();

  private keyOf(f: FileDescription): { key: string; where: { dev: number; ino: bigint } } {
    const st = f.stat();
    return { key: `${st.dev}:${st.ino}`, where: { dev: st.dev, ino: st.ino } };
  }

  private inode(key: string): InodeLocks {
    let il = this.inodes.get(key);
    if (!il) { il = new InodeLocks(); this.inodes.set(key, il); }
    return il;
  }

  private note(owner: object, key: string): void {
    let s = this.held.get(owner);
    if (!s) { s = new Set(); this.held.set(owner, s); }
    s.add(key);
  }

  private tidy(owner: object, key: string, il: InodeLocks): void {
    const still = il.ranges.some((l) => l.owner === owner) || il.flocks.some((l) => l.owner === owner);
    if (!still) {
      const s = this.held.get(owner);
      s?.delete(key);
      if (s && s.size === 0) this.held.delete(owner);
    }
    if (il.empty && il.wait.size === 0) this.inodes.delete(key);
  }

  // ---- byte ranges (POSIX and OFD) ----------------------------------------------------------

  /** The first lock of another owner that `req` conflicts with (posix_test_lock's answer). */
  private conflict(il: InodeLocks, owner: object, req: RangeRequest): FileLock | undefined {
    return il.ranges.find((l) => l.owner !== owner && l.start <= req.end && req.start <= l.end &&
      (l.type === F_WRLCK || req.type === F_WRLCK));
  }

  /** F_GETLK / F_OFD_GETLK: the lock that would block `req`, or undefined. */
  test(f: FileDescription, owner: object, req: RangeRequest): FileLock | undefined {
    const il = this.inodes.get(this.keyOf(f).key);
    return il && this.conflict(il, owner, req);
  }

  /**
   * F_SETLK(W) / F_OFD_SETLK(W): sets, changes or removes (F_UNLCK) the owner's lock on the
   * range. Conflicts give EAGAIN, or — with `wait` — park the task until the range is free.
   */
  set(t: Task, f: FileDescription, kind: 'posix' | 'ofd', owner: object, req: RangeRequest, wait: boolean): number | Promise<number> {
    const { key, where } = this.keyOf(f);
    const il = this.inode(key);
    const attempt = (): number | undefined => {
      if (req.type !== F_UNLCK) {
        const c = this.conflict(il, owner, req);
        if (c) {
          if (!wait) fail(EAGAIN);
          if (kind === 'posix' && this.deadlocks(owner, c)) { this.blockedOn.delete(owner); fail(EDEADLK); }
          if (kind === 'posix') this.blockedOn.set(owner, c);
          return undefined;
        }
      }
      this.blockedOn.delete(owner);
      this.replaceRange(il, kind, owner, req, t.process.pid, where, f);
      this.note(owner, key);
      this.tidy(owner, key, il);
      wakeSoon(il);
      return 0;
    };
    let r: number | undefined;
    try { r = attempt(); } catch (e) { this.tidy(owner, key, il); throw e; }
    if (r !== undefined) return r;
    const waited = il.wait.waitInterruptible(t, attempt);
    const done = () => { this.blockedOn.delete(owner); this.tidy(owner, key, il); };
    if (waited instanceof Promise) return waited.finally(done);
    done();
    return waited;
  }

  /**
   * Whether `owner` waiting for `blocker` closes a cycle: the blocker's owner waits for a lock
   * whose owner waits … for a lock of `owner` (posix_locks_deadlock, at most 10 steps there;
   * here until the chain ends or repeats).
   */
  private deadlocks(owner: object, blocker: FileLock): boolean {
    const seen = new Set<object>();
    let b: FileLock | undefined = blocker;
    while (b && b.kind === 'posix' && !seen.has(b.owner)) {
      if (b.owner === owner) return true;
      seen.add(b.owner);
      b = this.blockedOn.get(b.owner);
    }
    return false;
  }

  /**
   * Puts the owner's new range in place (posix_lock_inode): the owner's locks overlapping it are
   * cut away, and locks of the same type that touch or overlap it are merged into one.
   */
  private replaceRange(il: InodeLocks, kind: LockKind, owner: object, req: RangeRequest, pid: number,
    where: { dev: number; ino: bigint }, file: FileDescription): void {
    let start = req.start, end = req.end;
    const kept: FileLock[] = [];
    let firstMine = -1;
    for (const l of il.ranges) {
      if (l.owner !== owner) { kept.push(l); continue; }
      if (firstMine < 0) firstMine = kept.length;
      const touches = l.start <= (end === OFFSET_MAX ? end : end + 1n) && (l.end === OFFSET_MAX || l.end + 1n >= start);
      if (req.type !== F_UNLCK && l.type === req.type && touches) {
        // Same type, adjacent or overlapping: one lock covering both.
        if (l.start < start) start = l.start;
        if (l.end > end) end = l.end;
        continue;
      }
      if (l.end < req.start || l.start > req.end) { kept.push(l); continue; }
      // Overlapping with another type (or being unlocked): keep the parts outside the range.
      if (l.start < req.start) kept.push({ ...l, end: req.start - 1n, id: nextLockId++ });
      if (l.end > req.end) kept.push({ ...l, start: req.end + 1n, id: nextLockId++ });
    }
    if (req.type !== F_UNLCK) {
      const nl: FileLock = { kind, owner, type: req.type, start, end, pid, where, id: nextLockId++, file };
      // The owner's locks stay together and in order of start, as Linux's list keeps them.
      const mine = kept.filter((l) => l.owner === owner);
      mine.push(nl);
      mine.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      const others = kept.filter((l) => l.owner !== owner);
      const at = firstMine < 0 ? others.length : Math.min(firstMine, others.length);
      il.ranges = [...others.slice(0, at), ...mine, ...others.slice(at)];
    } else {
      il.ranges = kept;
    }
  }

  // ---- flock ----------------------------------------------------------------------------------

  /** flock(2) on the description `f` (its own owner). */
  flock(t: Task, f: FileDescription, op: number): number | Promise<number> {
    if (op & LOCK_MAND) return 0; // accepted and ignored since Linux 5.15 (a warning there)
    const nb = (op & LOCK_NB) !== 0;
    const cmd = op & ~LOCK_NB;
    let type: number;
    if (cmd === LOCK_SH) type = F_RDLCK;
    else if (cmd === LOCK_EX) type = F_WRLCK;
    else if (cmd === LOCK_UN) type = F_UNLCK;
    else return fail(EINVAL);
    const { key, where } = this.keyOf(f);
    const il = this.inode(key);
    const mine = il.flocks.find((l) => l.owner === f);
    if (mine && mine.type === type) return 0;
    if (mine) {
      // A conversion is not atomic: the old lock goes first and waiters may take the file
      // (flock_lock_inode), as flock(2) warns.
      il.flocks = il.flocks.filter((l) => l !== mine);
      wakeSoon(il);
    }
    if (type === F_UNLCK) { this.tidy(f, key, il); return 0; }
    const attempt = (): number | undefined => {
      if (il.flocks.some((l) => l.owner !== f && (l.type === F_WRLCK || type === F_WRLCK))) {
        if (nb) fail(EAGAIN);
        return undefined;
      }
      il.flocks.push({ kind: 'flock', owner: f, type, start: 0n, end: OFFSET_MAX, pid: t.process.pid, where, id: nextLockId++, file: f });
      this.note(f, key);
      return 0;
    };
    let r: number | undefined;
    try { r = attempt(); } catch (e) { this.tidy(f, key, il); throw e; }
    if (r !== undefined) return r;
    const waited = il.wait.waitInterruptible(t, attempt);
    if (waited instanceof Promise) return waited.finally(() => this.tidy(f, key, il));
    return waited;
  }

  // ---- releases -------------------------------------------------------------------------------

  /** close(2) of a descriptor of `f` in `table`: the table's POSIX locks on that file go (locks_remove_posix). */
  closed(table: FdTable, f: FileDescription): void {
    const keys = this.held.get(table);
    if (!keys) return;
    let key: string;
    try { key = this.keyOf(f).key; } catch { return; }
    if (!keys.has(key)) return;
    this.dropOwner(table, key);
  }

  /** The last close of a description: its OFD and flock locks go (locks_remove_file). */
  released(f: FileDescription): void {
    const keys = this.held.get(f);
    if (!keys) return;
    for (const key of [...keys]) this.dropOwner(f, key);
  }

  private dropOwner(owner: object, key: string): void {
    const il = this.inodes.get(key);
    if (!il) return;
    il.ranges = il.ranges.filter((l) => l.owner !== owner);
    il.flocks = il.flocks.filter((l) => l.owner !== owner);
    this.tidy(owner, key, il);
    wakeSoon(il);
  }

  /**
   * The locks /proc/PID/fdinfo/N lists for descriptor N of `table` (show_fd_locks): those set
   * through that description and owned by the table or the description, flock's first.
   */
  ofDescription(table: FdTable, f: FileDescription): FileLock[] {
    const keys = new Set([...(this.held.get(table) ?? []), ...(this.held.get(f) ?? [])]);
    const out: FileLock[] = [];
    for (const key of keys) {
      const il = this.inodes.get(key);
      if (!il) continue;
      for (const l of [...il.flocks, ...il.ranges]) if (l.file === f && (l.owner === table || l.owner === f)) out.push(l);
    }
    return out;
  }

  /** Every lock held, in /proc/locks's order (flock locks first per file, as Linux lists them). */
  all(): FileLock[] {
    const out: FileLock[] = [];
    for (const il of this.inodes.values()) out.push(...il.flocks, ...il.ranges);
    return out.sort((a, b) => a.id - b.id);
  }
}

/**
 * struct flock → an inclusive byte range (flock_to_posix_lock): l_whence relative to 0, the
 * file position or its size; a negative l_len reaches backwards; l_len 0 means to OFFSET_MAX.
 */
export function flockRange(f: FileDescription, type: number, whence: number, lStart: bigint, lLen: bigint): RangeRequest {
  let base: bigint;
  switch (whence) {
    case SEEK_SET: base = 0n; break;
    case SEEK_CUR: base = BigInt(f.pos); break;
    case SEEK_END: base = BigInt(f.stat().size); break;
    default: return fail(EINVAL);
  }
  if (lStart > OFFSET_MAX - base) fail(EOVERFLOW);
  let start = base + lStart;
  if (start < 0n) fail(EINVAL);
  let end: bigint;
  if (lLen > 0n) {
    if (lLen - 1n > OFFSET_MAX - start) fail(EOVERFLOW);
    end = start + lLen - 1n;
  } else if (lLen < 0n) {
    end = start - 1n;
    start += lLen;
    if (start < 0n) fail(EINVAL);
  } else {
    end = OFFSET_MAX;
  }
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) fail(EINVAL); // assign_type, checked last
  return { type, start, end };
}

/** The access a lock type needs of the description: a read lock reading, a write lock writing. */
export function checkLockAccess(f: FileDescription, type: number): void {
  if (type === F_RDLCK && !f.readable) fail(EBADF);
  if (type === F_WRLCK && !f.writable) fail(EBADF);
}

/** The instance's locks (one table for every kernel in the host process: device and inode
 * numbers are unique across them, and two instances on one host file then see each other's locks). */
export const locks = new LockTable();
FdTable.onClose = (table, f) => locks.closed(table, f);
FileDescription.lastCloseHooks.push((f) => locks.released(f));

/** One lock as /proc/locks and fdinfo print it after "N: " (lock_get_status). */
export function lockLine(l: FileLock): string {
  const kind = l.kind === 'flock' ? 'FLOCK  ADVISORY ' : `${l.kind === 'ofd' ? 'OFDLCK' : 'POSIX '} ADVISORY `;
  const type = l.type === F_WRLCK ? 'WRITE' : 'READ ';
  const dev = l.where.dev;
  const major = (dev >>> 8) & 0xfff, minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
  const hex2 = (n: number) => n.toString(16).padStart(2, '0');
  const range = l.kind === 'flock' ? '0 EOF' : `${l.start} ${l.end === OFFSET_MAX ? 'EOF' : l.end}`;
  return `${kind} ${type} ${l.kind === 'ofd' ? -1 : l.pid} ${hex2(major)}:${hex2(minor)}:${l.where.ino} ${range}`;
}
