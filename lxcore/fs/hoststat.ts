// stat, lstat and fstat of host files, as lxcore's Stat, at the cost of the host call alone.
//
// fs.fstatSync(fd, { bigint: true }) builds a BigIntStats: 18 BigInts and four Date objects per
// call, ~1 µs of a host fstat's ~3.7 µs under wasl and most of its garbage (issue #11). Node's own
// fs binding, underneath, fills one shared Float64Array with the fields and the times as seconds
// and nanoseconds apart (exact: no field but ino, size, blocks and dev can pass 2^53, and those
// are checked). So where the host is Node and its fs.fstatSync calls the binding exactly as
// below (its source says so: the check is on that text), wasl calls the binding itself, reads
// the array at once (the next call overwrites it), and checks the layout once against
// fs.fstatSync. Anything else — another Node whose binding differs, the browser's memfs, a
// mismatch, `WASL_FS_BINDING=0` — takes the public API, with the same answers.

import { fs } from '../host.js';
import type { BigIntStats } from 'node:fs';
import { Stat, SplitStat } from '../abi/stat.js';

/** The part of Node's internal fs binding used here (Node 20.x and later). */
interface StatBinding {
  fstat(fd: number, bigint: boolean, req: undefined, shouldNotThrow: boolean): Float64Array;
  lstat(path: string, bigint: boolean, req: undefined, throwIfNoEntry: boolean): Float64Array | undefined;
  stat(path: string, bigint: boolean, req: undefined, throwIfNoEntry: boolean): Float64Array | undefined;
}

// The array's layout (node's src/node_file.h FsStatsOffset).
const DEV = 0, MODE = 1, NLINK = 2, UID = 3, GID = 4, RDEV = 5, BLKSIZE = 6, INO = 7, SIZE = 8,
  BLOCKS = 9, ATIME = 10, MTIME = 12, CTIME = 14;
const EXACT = 2 ** 53;

export function statFromHost(s: BigIntStats): Stat {
  return {
    dev: Number(s.dev), ino: s.ino, nlink: Number(s.nlink), mode: Number(s.mode), uid: Number(s.uid),
    gid: Number(s.gid), rdev: Number(s.rdev), size: Number(s.size), blksize: Number(s.blksize),
    blocks: Number(s.blocks), atimeNs: s.atimeNs, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs,
  };
}

let binding: StatBinding | null | undefined;

function statBinding(): StatBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    const p = globalThis.process as unknown as {
      binding?: (n: string) => unknown; env?: Record<string, string | undefined>; execArgv?: string[];
    };
    if (typeof p?.binding !== 'function' || p.env?.WASL_FS_BINDING === '0') return null;
    // process.binding warns (DEP0111) under --pending-deprecation: the guest's stderr is not ours.
    if (p.execArgv?.includes('--pending-deprecation') || /pending-deprecation/.test(p.env?.NODE_OPTIONS ?? '')) return null;
    const src = String(fs.fstatSync) + String(fs.lstatSync) + String(fs.statSync);
    if (!src.includes('binding.fstat(fd, options.bigint, undefined, false)')) return null;
    if (!/binding\.lstat\(\s*pathModule\.toNamespacedPath\(path\),\s*options\.bigint,\s*undefined,\s*options\.throwIfNoEntry,?\s*\)/.test(src)) return null;
    if (!/binding\.stat\(\s*pathModule\.toNamespacedPath\(path\),\s*options\.bigint,\s*undefined,\s*options\.throwIfNoEntry,?\s*\)/.test(src)) return null;
    const b = p.binding('fs') as StatBinding;
    if (typeof b?.fstat !== 'function' || typeof b.lstat !== 'function' || typeof b.stat !== 'function') return null;
    binding = b;
  } catch { binding = null; }
  return binding;
}

/** Whether the layout was compared with fs's own answer yet (once, on the first file stat'ed). */
let checked = false;

function fromArray(a: Float64Array): Stat | null {
  if (a[INO] >= EXACT || a[SIZE] >= EXACT || a[DEV] >= EXACT || a[BLOCKS] >= EXACT) return null;
  return new SplitStat(a[DEV], a[INO], a[NLINK], a[MODE], a[UID], a[GID], a[RDEV], a[SIZE], a[BLKSIZE], a[BLOCKS],
    a[ATIME], a[ATIME + 1], a[MTIME], a[MTIME + 1], a[CTIME], a[CTIME + 1]);
}

function same(a: Stat, b: Stat): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.mode === b.mode && a.nlink === b.nlink && a.uid === b.uid &&
    a.gid === b.gid && a.rdev === b.rdev && a.size === b.size && a.blksize === b.blksize && a.blocks === b.blocks &&
    a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** The first answer, compared with the public API's for the same file: the binding is kept only if they agree. */
function check(st: Stat | null, ref: () => BigIntStats): Stat {
  checked = true;
  const r = statFromHost(ref());
  if (!st || !same(st, r)) binding = null;
  return r;
}

/** fstat(2) of a host descriptor. Throws the host's error (hostErrno translates it). */
export function hostFstat(fd: number): Stat {
  const b = statBinding();
  if (b) {
    const st = fromArray(b.fstat(fd, false, undefined, false));
    if (!checked) return check(st, () => fs.fstatSync(fd, { bigint: true }));
    if (st) return st;
  }
  return statFromHost(fs.fstatSync(fd, { bigint: true }));
}

/** stat(2) (`follow`) or lstat(2) of a host path. Throws the host's error. */
export function hostStat(path: string, follow: boolean): Stat {
  const b = statBinding();
  const slow = () => follow ? fs.statSync(path, { bigint: true }) : fs.lstatSync(path, { bigint: true });
  if (b && !path.includes('\0')) {
    const st = fromArray((follow ? b.stat(path, false, undefined, true) : b.lstat(path, false, undefined, true))!);
    if (!checked) return check(st, slow);
    if (st) return st;
  }
  return statFromHost(slow());
}
