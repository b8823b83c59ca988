// File types and permission bits (linux/stat.h), the x86-64 struct stat layout (asm/stat.h) and
// device-number encoding (the kernel's new_encode_dev: 12-bit major, 20-bit minor).
import { nameTable } from './xlat.js';

export const S_IFMT = 0o170000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000, S_IFREG = 0o100000,
  S_IFBLK = 0o60000, S_IFDIR = 0o40000, S_IFCHR = 0o20000, S_IFIFO = 0o10000;
export const S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000;
export const S_IRWXU = 0o700, S_IRUSR = 0o400, S_IWUSR = 0o200, S_IXUSR = 0o100,
  S_IRWXG = 0o70, S_IRGRP = 0o40, S_IWGRP = 0o20, S_IXGRP = 0o10,
  S_IRWXO = 0o7, S_IROTH = 0o4, S_IWOTH = 0o2, S_IXOTH = 0o1;
export const fileTypeNames = nameTable({
  S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK, S_IFDIR, S_IFCHR, S_IFIFO,
});
export const modeSpecialNames = nameTable({ S_ISUID, S_ISGID, S_ISVTX });

/**
 * struct stat (x86-64, what stat/fstat/lstat/newfstatat fill), 144 bytes:
 *   0 st_dev  8 st_ino  16 st_nlink  24 st_mode(4) 28 st_uid(4) 32 st_gid(4) 36 pad
 *   40 st_rdev  48 st_size  56 st_blksize  64 st_blocks  72 st_atime 80 st_atime_nsec
 *   88 st_mtime 96 st_mtime_nsec  104 st_ctime 112 st_ctime_nsec  120 unused[3]
 */
export const STAT_DEV = 0, STAT_INO = 8, STAT_NLINK = 16, STAT_MODE = 24, STAT_UID = 28,
  STAT_GID = 32, STAT_RDEV = 40, STAT_SIZE = 48, STAT_BLKSIZE = 56, STAT_BLOCKS = 64,
  STAT_ATIME = 72, STAT_ATIME_NSEC = 80, STAT_MTIME = 88, STAT_MTIME_NSEC = 96, STAT_CTIME = 104,
  STAT_CTIME_NSEC = 112, STAT_SIZEOF = 144;

/** major()/minor() of a 64-bit dev_t (glibc's layout, a superset of the kernel's 32-bit one). */
export function devMajor(dev: bigint): bigint {
  return ((dev & 0xfff00n) >> 8n) | ((dev & 0xffff_f000_0000_0000n) >> 32n);
}
export function devMinor(dev: bigint): bigint {
  return (dev & 0xffn) | ((dev & 0xfff_fff0_0000n) >> 12n);
}

/** What lxcore knows of a file's status; times are nanoseconds since the epoch (exact in bigint). */
export interface Stat {
  dev: number; ino: bigint; nlink: number; mode: number; uid: number; gid: number; rdev: number;
  size: number; blksize: number; blocks: number; atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint;
}

/**
 * A Stat as a host stat gives it: inode number and times as plain numbers (seconds and
 * nanoseconds apart, exact), the BigInts of the Stat interface made only when read. encodeStat
 * writes the numbers directly: making three nanosecond BigInts and dividing them again was a
 * third of what a host fstat cost beyond the host call (issue #11).
 */
export class SplitStat implements Stat {
  constructor(
    readonly dev: number, readonly inoNum: number, readonly nlink: number, readonly mode: number,
    readonly uid: number, readonly gid: number, readonly rdev: number, readonly size: number,
    readonly blksize: number, readonly blocks: number,
    readonly atimeSec: number, readonly atimeNsec: number, readonly mtimeSec: number,
    readonly mtimeNsec: number, readonly ctimeSec: number, readonly ctimeNsec: number,
  ) {}
  get ino(): bigint { return BigInt(this.inoNum); }
  get atimeNs(): bigint { return BigInt(this.atimeSec) * NS_PER_SEC + BigInt(this.atimeNsec); }
  get mtimeNs(): bigint { return BigInt(this.mtimeSec) * NS_PER_SEC + BigInt(this.mtimeNsec); }
  get ctimeNs(): bigint { return BigInt(this.ctimeSec) * NS_PER_SEC + BigInt(this.ctimeNsec); }
}

/** The kernel's new_encode_dev: major in bits 8..19, minor split around it. */
export function makedev(major: number, minor: number): number {
  return (((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12)) >>> 0;
}

const NS_PER_SEC = 1_000_000_000n;

/** A 64-bit field from a safe integer, as two 32-bit halves (two's complement for negatives). */
function put64(v: DataView, at: number, n: number): void {
  v.setUint32(at, n >>> 0, true);
  v.setUint32(at + 4, Math.floor(n / 0x1_0000_0000) >>> 0, true);
}

/** A timespec from nanoseconds since the epoch (tv_nsec in [0, 1e9) also before 1970). */
function putTime(v: DataView, at: number, ns: bigint): void {
  let sec = ns / NS_PER_SEC, nsec = Number(ns % NS_PER_SEC);
  if (nsec < 0) { sec -= 1n; nsec += 1e9; }
  v.setBigInt64(at, sec, true);
  put64(v, at + 8, nsec);
}

/**
 * Encodes a Stat as the guest's struct stat. Numbers go in as 32-bit halves and the rest through
 * a DataView: Buffer's writeBigUInt64LE (a BigInt and a range check per field) and Buffer.alloc
 * were a third of a host fstat's cost (issue #11). The answer is one buffer reused by every call
 * (valid until the next: the callers copy it into guest memory at once): a fresh 144-byte array
 * lives on V8's heap, and `.buffer` for its DataView moved it off the heap, ~0.4 µs a call.
 */
export function encodeStat(s: Stat): Uint8Array {
  const b = statScratch, v = statView;
  put64(v, STAT_DEV, s.dev);
  if (s instanceof SplitStat) {
    put64(v, STAT_INO, s.inoNum);
    put64(v, STAT_ATIME, s.atimeSec);
    put64(v, STAT_ATIME_NSEC, s.atimeNsec);
    put64(v, STAT_MTIME, s.mtimeSec);
    put64(v, STAT_MTIME_NSEC, s.mtimeNsec);
    put64(v, STAT_CTIME, s.ctimeSec);
    put64(v, STAT_CTIME_NSEC, s.ctimeNsec);
  } else {
    v.setBigUint64(STAT_INO, BigInt.asUintN(64, s.ino), true);
    putTime(v, STAT_ATIME, s.atimeNs);
    putTime(v, STAT_MTIME, s.mtimeNs);
    putTime(v, STAT_CTIME, s.ctimeNs);
  }
  put64(v, STAT_NLINK, s.nlink);
  v.setUint32(STAT_MODE, s.mode >>> 0, true);
  v.setUint32(STAT_UID, s.uid >>> 0, true);
  v.setUint32(STAT_GID, s.gid >>> 0, true);
  put64(v, STAT_RDEV, s.rdev);
  put64(v, STAT_SIZE, s.size);
  put64(v, STAT_BLKSIZE, s.blksize);
  put64(v, STAT_BLOCKS, s.blocks);
  return b;
}
const statScratch = new Uint8Array(new ArrayBuffer(STAT_SIZEOF));
const statView = new DataView(statScratch.buffer);
