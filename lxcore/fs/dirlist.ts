// A host directory's entries as getdents64 reports them: name, d_ino and d_type, in the
// directory's own order. Node's Dir gives names and types but no inode numbers, so d_ino costs an
// lstat per entry (d_ino must equal the entry's st_ino, as on Linux: `find`, `ls -i` and du's
// hard-link accounting compare them) — 100 lstats were ~95% of a 100-entry getdents (issue #11).
//
// So a listing is kept, per directory (its st_dev and st_ino), and given again while the
// directory's st_ctime, st_mtime and st_size are what they were when it was taken. The kernel sets
// a directory's ctime and mtime on every change of its entries (create, unlink, rename in or out,
// link, symlink, mkdir, rmdir: the only ways a name, its inode or its type change), and ctime
// cannot be set by a program (utimensat sets mtime and atime only; ctime becomes "now").
//
// The one way such a check goes wrong is timestamp granularity ("racy git"): a change within the
// same clock tick as the one before it leaves ctime as it was. So a listing is kept only if the
// directory's ctime lies GUARD_NS before the moment the listing began (read from the same
// realtime clock the kernel stamps with, before the directory is stat'ed): any later change is
// stamped at least one tick after that moment, hence differs from the ctime kept. And only on
// host filesystems known to stamp ctime at nanosecond resolution from the local clock (ext4,
// tmpfs, xfs, btrfs, overlayfs, f2fs): not vfat (2 s), not network filesystems (the server's
// clock), not the browser's memfs (milliseconds, no statfs). docs/quirks.md says what is left.

import { fs } from '../host.js';
import type { Dirent as NodeDirent } from 'node:fs';
import { Dirent, DT_UNKNOWN, DT_FIFO, DT_CHR, DT_DIR, DT_BLK, DT_REG, DT_LNK, DT_SOCK } from '../vfs/file.js';
import { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK } from '../abi/stat.js';
import type { BigIntStats } from 'node:fs';
import { hostStat } from './hoststat.js';

const DT_OF: Record<number, number> = {
  [S_IFDIR]: DT_DIR, [S_IFREG]: DT_REG, [S_IFLNK]: DT_LNK, [S_IFCHR]: DT_CHR,
  [S_IFBLK]: DT_BLK, [S_IFIFO]: DT_FIFO, [S_IFSOCK]: DT_SOCK,
};

const utf8 = new TextEncoder();

/** Longer than any kernel clock tick (HZ=100: 10 ms), so a change after a listing moves ctime. */
const GUARD_NS = 50_000_000n;
/** Directories whose listings are kept (the oldest go first), and the largest listing kept. */
const MAX_DIRS = 256, MAX_ENTRIES = 65536;

/** statfs f_type of the filesystems whose ctime is trusted (linux/magic.h). */
const FINE_CTIME = new Set([
  0xef53,     // EXT2/3/4_SUPER_MAGIC
  0x01021994, // TMPFS_MAGIC
  0x58465342, // XFS_SUPER_MAGIC
  0x9123683e, // BTRFS_SUPER_MAGIC
  0x794c7630, // OVERLAYFS_SUPER_MAGIC
  0xf2f52010, // F2FS_SUPER_MAGIC
]);

interface Listing { ctimeNs: bigint; mtimeNs: bigint; size: bigint; entries: Dirent[] }
const listings = new Map<string, Listing>();
/** st_dev → whether that host filesystem's ctime is trusted (one statfs per device). */
const trusted = new Map<bigint, boolean>();

function trustedDevice(dev: bigint, dir: string): boolean {
  let ok = trusted.get(dev);
  if (ok === undefined) {
    ok = false;
    try { ok = typeof fs.statfsSync === 'function' && FINE_CTIME.has(Number(fs.statfsSync(dir).type) >>> 0); } catch { /* no statfs: not trusted */ }
    trusted.set(dev, ok);
  }
  return ok;
}

function typeOf(e: NodeDirent): number {
  if (e.isFile()) return DT_REG;
  if (e.isDirectory()) return DT_DIR;
  if (e.isSymbolicLink()) return DT_LNK;
  if (e.isFIFO()) return DT_FIFO;
  if (e.isSocket()) return DT_SOCK;
  if (e.isCharacterDevice()) return DT_CHR;
  if (e.isBlockDevice()) return DT_BLK;
  return DT_UNKNOWN;
}

/** An entry's inode number (and its type, if the directory did not say): one lstat. */
function lstatEntry(path: string): { ino: bigint; type: number } {
  try {
    const s = hostStat(path, false);
    return { ino: s.ino, type: DT_OF[s.mode & S_IFMT] ?? DT_UNKNOWN };
  } catch { /* fall through */ }
  // vanished meanwhile (or unreadable): unknown, as a racing readdir would report it
  return { ino: 0n, type: DT_UNKNOWN };
}

/**
 * The entries of the directory open as host descriptor `st` (its fstat) under the host name `at`
 * (one that leads to that directory and nothing else: /proc/self/fd/N), with "." and "..".
 * `now` is the realtime clock in ns, read before `st` was taken.
 */
export function listHostDir(at: string, st: BigIntStats, now: bigint): Dirent[] {
  const key = `${st.dev}:${st.ino}`;
  const kept = listings.get(key);
  if (kept && kept.ctimeNs === st.ctimeNs && kept.mtimeNs === st.mtimeNs && kept.size === st.size) return kept.entries;
  if (kept) listings.delete(key);

  // In the directory's own order, as getdents gives it (ext4: hash order): readdirSync would
  // sort the names (libuv's scandir), and tar, find and `ls -U` would list differently.
  const dir = fs.opendirSync(at, { bufferSize: 128 });
  const found: NodeDirent[] = [];
  try {
    for (let e = dir.readSync(); e; e = dir.readSync()) found.push(e);
  } finally {
    dir.closeSync();
  }
  // "." is the directory itself (st_ino of the open directory); ".." is looked up.
  const entries: Dirent[] = [{ ino: st.ino, type: DT_DIR, name: '.' }, { ...lstatEntry(`${at}/..`), name: '..' }];
  for (const e of found) {
    const name = e.name;
    const s = lstatEntry(`${at}/${name}`);
    const type = typeOf(e);
    entries.push({ ino: s.ino, type: type !== DT_UNKNOWN ? type : s.type, name, bytes: utf8.encode(name) });
  }
  if (entries.length <= MAX_ENTRIES && st.ctimeNs < now - GUARD_NS && st.mtimeNs < now - GUARD_NS && trustedDevice(st.dev, at)) {
    if (listings.size >= MAX_DIRS) listings.delete(listings.keys().next().value!);
    listings.set(key, { ctimeNs: st.ctimeNs, mtimeNs: st.mtimeNs, size: st.size, entries });
  }
  return entries;
}

/** The realtime clock in ns, as the kernel stamps ctime (for listHostDir's `now`). */
export function realtimeNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
