// Value printers for the strace formatter: numbers, strings quoted the way strace quotes them,
// flag and enum tables (strace's xlat style), and the structures syscalls read or fill (stat,
// timespec, sigaction, iovec …). Everything prints from raw register values and guest memory.
import type { NameTable } from '../abi/xlat.js';
import { nameOf } from '../abi/xlat.js';
import { AT_FDCWD, openAccessNames, openFlagNames, O_ACCMODE } from '../abi/fcntl.js';
import { signalName, sigactionFlagNames, SA_RESTORER, SIG_DFL, SIG_IGN, NSIG, SIGACTION_FLAGS,
  SIGACTION_HANDLER, SIGACTION_MASK, SIGACTION_RESTORER, SIGACTION_SIZE } from '../abi/signal.js';
import { fileTypeNames, modeSpecialNames, S_IFMT, S_IFCHR, S_IFBLK, STAT_MODE, STAT_RDEV,
  STAT_SIZE, STAT_SIZEOF, devMajor, devMinor } from '../abi/stat.js';
import { RLIM64_INFINITY } from '../abi/resource.js';
import { PAGE_SIZE } from '../abi/mman.js';

/** Guest memory as the formatter sees it; null means the range is not readable (EFAULT). */
export interface GuestReader {
  readBytes(addr: number, len: number): Uint8Array | null;
  /**
   * Not used: C strings are read through readBytes so every byte prints exactly as strace
   * escapes it (a string decoder would turn bytes into UTF-16 code units). Kept for callers.
   */
  readCString?(addr: number, max: number): string | null;
}

/** strace -s: how many bytes of a string or buffer are shown. */
export const DEFAULT_STRSIZE = 32;
/** Paths are shown whole, up to PATH_MAX, whatever -s says. */
export const PATH_MAX = 4096;

// ---- numbers -------------------------------------------------------------------------------

export const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
export const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
export const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
/** Guest addresses fit a JS number (user space is below 2^47). */
export const addr = (v: bigint): number => Number(u64(v));

/** %#lx: "0" for zero (no 0x prefix, as C prints it), 0x… otherwise. */
export function hex(v: bigint): string {
  const u = u64(v);
  return u === 0n ? '0' : '0x' + u.toString(16);
}
export function ptr(v: bigint): string {
  return u64(v) === 0n ? 'NULL' : '0x' + u64(v).toString(16);
}
export function fd(v: bigint): string {
  return s32(v).toString();
}
export function dirfd(v: bigint): string {
  return Number(s32(v)) === AT_FDCWD ? 'AT_FDCWD' : s32(v).toString();
}
/** %#03o: at least three digits, a leading 0 ("000", "022", "0644", "04755"). */
export function octal(v: number): string {
  const s = v === 0 ? '0' : '0' + v.toString(8);
  return s.padStart(3, '0');
}

// ---- strings -------------------------------------------------------------------------------

const SIMPLE_ESCAPES: Record<number, string> = {
  0x22: '\\"', 0x5c: '\\\\', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v',
};
const isOctalDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x37;

/**
 * Bytes as a quoted C string, strace style: printable ASCII as is, the usual backslash escapes,
 * anything else in octal with as few digits as are unambiguous (three when an octal digit
 * follows). `forceHex` prints every byte as \xNN (strace does that for getrandom).
 */
export function quote(bytes: Uint8Array, forceHex = false): string {
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (forceHex) { out += '\\x' + c.toString(16).padStart(2, '0'); continue; }
    const simple = SIMPLE_ESCAPES[c];
    if (simple) out += simple;
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else if (isOctalDigit(bytes[i + 1])) out += '\\' + c.toString(8).padStart(3, '0');
    else out += '\\' + c.toString(8);
  }
  return out + '"';
}

/**
 * The bytes of a C string before its NUL, at most `max` of them; null if memory ends before the
 * NUL (strace then shows the address). Reads up to page ends, then byte by byte where a
 * page-sized read fails, so a string that ends just before unmapped memory still reads.
 */
export function readCStringBytes(mem: GuestReader, address: number, max: number): Uint8Array | null {
  const out: number[] = [];
  for (let a = address; out.length < max;) {
    const n = Math.min(PAGE_SIZE - (a % PAGE_SIZE), max - out.length);
    const chunk = mem.readBytes(a, n);
    if (chunk) {
      const z = chunk.indexOf(0);
      if (z >= 0) { out.push(...chunk.subarray(0, z)); return Uint8Array.from(out); }
      out.push(...chunk);
      a += n;
      continue;
    }
    const byte = mem.readBytes(a, 1);
    if (!byte) return null;
    if (byte[0] === 0) break;
    out.push(byte[0]);
    a++;
  }
  return Uint8Array.from(out);
}

/** A buffer of known length: the first `strsize` bytes, then `...` if there were more. */
export function printBuffer(mem: GuestReader, p: bigint, len: bigint, strsize: number,
  forceHex = false): string {
  if (u64(p) === 0n) return 'NULL';
  if (len <= 0n) return '""';
  const n = len > BigInt(strsize) ? strsize : Number(len);
  const bytes = mem.readBytes(addr(p), n);
  if (!bytes) return ptr(p);
  return quote(bytes, forceHex) + (len > BigInt(n) ? '...' : '');
}

/** A NUL-terminated string, cut at `limit` bytes with `...` like strace -s. */
export function printCString(mem: GuestReader, p: bigint, limit: number): string {
  if (u64(p) === 0n) return 'NULL';
  const s = readCStringBytes(mem, addr(p), limit + 1);
  if (s === null) return ptr(p);
  if (s.length > limit) return quote(s.subarray(0, limit)) + '...';
  return quote(s);
}

// ---- flags and enums -----------------------------------------------------------------------

/**
 * Flag bits by name in table order, leftovers in hex: `A|B|0x40`. A value with no known bit
 * prints as `0x40 /* AT_??? *\/` (`unknown` is that comment's text); zero prints as `zero`.
 */
export function flags(v: bigint, table: NameTable, unknown: string, zero = '0'): string {
  if (v === 0n) return zero;
  const parts: string[] = [];
  let rest = v;
  for (const [value, name] of table) {
    const bit = BigInt(value);
    if (bit !== 0n && (rest & bit) === bit) { parts.push(name); rest &= ~bit; }
  }
  if (rest !== 0n) parts.push(parts.length ? hex(rest) : `${hex(rest)} /* ${unknown} */`);
  return parts.join('|');
}

/** Like flags() but zero and unknown-only values print bare, as strace prints termios fields. */
export function plainFlags(v: bigint, table: NameTable): string {
  const parts: string[] = [];
  let rest = v;
  for (const [value, name] of table) {
    const bit = BigInt(value);
    if (bit !== 0n && (rest & bit) === bit) { parts.push(name); rest &= ~bit; }
  }
  if (rest !== 0n) parts.push(hex(rest));
  return parts.join('|');
}

/** An enum value by name, else `0x9 /* SEEK_??? *\/` (32-bit hex, as strace prints C ints). */
export function value(v: bigint, table: NameTable, unknown: string): string {
  return nameOf(table, Number(s32(v))) ?? nameOf(table, Number(u32(v))) ??
    `${hex(u32(v))} /* ${unknown} */`;
}

/** O_* with the access mode first: `O_RDONLY|O_CLOEXEC`. */
export function openFlags(v: bigint): string {
  const f = u32(v);
  const mode = nameOf(openAccessNames, Number(f & BigInt(O_ACCMODE)))!;
  const rest = f & ~BigInt(O_ACCMODE);
  return rest === 0n ? mode : mode + '|' + plainFlags(rest, openFlagNames);
}

export function signal(v: bigint): string {
  const n = Number(s32(v));
  return signalName(n) ?? n.toString();
}

/** umode_t as a number (open, mkdir, chmod, umask): `0644`. */
export function numericMode(v: bigint): string {
  return octal(Number(v & 0xffffn));
}

/** A mode with its file type spelled out (stat st_mode, mknod): `S_IFREG|S_ISUID|0755`. */
export function symbolicMode(mode: number): string {
  const parts: string[] = [];
  const type = nameOf(fileTypeNames, mode & S_IFMT);
  if (type) parts.push(type);
  else if (mode & S_IFMT) parts.push(octal(mode & S_IFMT));
  for (const [bit, name] of modeSpecialNames) if (mode & bit) parts.push(name);
  parts.push(octal(mode & 0o777));
  return parts.join('|');
}

export function makedev(dev: bigint): string {
  return `makedev(${hex(devMajor(dev))}, ${hex(devMinor(dev))})`;
}

// ---- structures ----------------------------------------------------------------------------

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
export function readU64(mem: GuestReader, p: bigint): bigint | null {
  const b = mem.readBytes(addr(p), 8);
  return b ? view(b).getBigUint64(0, true) : null;
}
export function readS32(mem: GuestReader, p: bigint): number | null {
  const b = mem.readBytes(addr(p), 4);
  return b ? view(b).getInt32(0, true) : null;
}

/** Reads a fixed-size struct or prints the pointer when it cannot (NULL, EFAULT). */
export function withStruct(mem: GuestReader, p: bigint, size: number,
  print: (d: DataView, b: Uint8Array) => string): string {
  if (u64(p) === 0n) return 'NULL';
  const b = mem.readBytes(addr(p), size);
  return b ? print(view(b), b) : ptr(p);
}

/** struct stat, abbreviated as strace prints it without -v. */
export function printStat(mem: GuestReader, p: bigint): string {
  return withStruct(mem, p, STAT_SIZEOF, (d) => {
    const mode = d.getUint32(STAT_MODE, true);
    const type = mode & S_IFMT;
    const second = type === S_IFCHR || type === S_IFBLK
      ? `st_rdev=${makedev(d.getBigUint64(STAT_RDEV, true))}`
      : `st_size=${d.getBigInt64(STAT_SIZE, true)}`;
    return `{st_mode=${symbolicMode(mode)}, ${second}, ...}`;
  });
}

/** struct timespec / timeval: `{tv_sec=1, tv_nsec=2}`. */
export function printTimespec(mem: GuestReader, p: bigint, sub = 'nsec'): string {
  return withStruct(mem, p, 16, (d) =>
    `{tv_sec=${d.getBigInt64(0, true)}, tv_${sub}=${d.getBigInt64(8, true)}}`);
}

/**
 * A kernel sigset_t: `[INT TERM]`, or `~[…]` listing the signals *not* in the set when that is
 * shorter — strace switches once 42 or more of the 64 bits are set.
 */
export function sigsetText(set: bigint): string {
  const members: number[] = [];
  for (let sig = 1; sig <= NSIG; sig++) if ((set >> BigInt(sig - 1)) & 1n) members.push(sig);
  const complement = members.length >= 42;
  const names: string[] = [];
  for (let sig = 1; sig <= NSIG; sig++) {
    const inSet = ((set >> BigInt(sig - 1)) & 1n) === 1n;
    if (inSet !== complement) names.push(signalName(sig)!.slice(3));
  }
  return (complement ? '~[' : '[') + names.join(' ') + ']';
}

export function printSigset(mem: GuestReader, p: bigint, sigsetsize: bigint | undefined): string {
  if (u64(p) === 0n) return 'NULL';
  if (sigsetsize !== undefined && sigsetsize !== 8n) return ptr(p);
  const set = readU64(mem, p);
  return set === null ? ptr(p) : sigsetText(set);
}

/** The kernel's struct sigaction (not glibc's): handler, mask, flags, restorer if SA_RESTORER. */
export function printSigaction(mem: GuestReader, p: bigint): string {
  return withStruct(mem, p, SIGACTION_SIZE, (d) => {
    const handler = d.getBigUint64(SIGACTION_HANDLER, true);
    const fl = d.getBigUint64(SIGACTION_FLAGS, true);
    const h = handler === BigInt(SIG_DFL) ? 'SIG_DFL' : handler === BigInt(SIG_IGN) ? 'SIG_IGN'
      : handler === 0xffff_ffff_ffff_ffffn ? 'SIG_ERR' : hex(handler);
    let s = `{sa_handler=${h}, sa_mask=${sigsetText(d.getBigUint64(SIGACTION_MASK, true))}, ` +
      `sa_flags=${flags(fl, sigactionFlagNames, 'SA_???')}`;
    if (fl & BigInt(SA_RESTORER)) s += `, sa_restorer=${hex(d.getBigUint64(SIGACTION_RESTORER, true))}`;
    return s + '}';
  });
}

/** rlim_t: RLIM64_INFINITY, multiples of 1024 as `N*1024` (strace's way), else decimal. */
function rlimValue(v: bigint): string {
  if (v === RLIM64_INFINITY) return 'RLIM64_INFINITY';
  if (v !== 0n && v % 1024n === 0n) return `${v / 1024n}*1024`;
  return v.toString();
}
export function printRlimit(mem: GuestReader, p: bigint): string {
  return withStruct(mem, p, 16, (d) =>
    `{rlim_cur=${rlimValue(d.getBigUint64(0, true))}, rlim_max=${rlimValue(d.getBigUint64(8, true))}}`);
}

/** struct rusage, abbreviated: the two timevals, then `...`. */
export function printRusage(mem: GuestReader, p: bigint): string {
  return withStruct(mem, p, 32, (d) => {
    const tv = (o: number): string =>
      `{tv_sec=${d.getBigInt64(o, true)}, tv_usec=${d.getBigInt64(o + 8, true)}}`;
    return `{ru_utime=${tv(0)}, ru_stime=${tv(16)}, ...}`;
  });
}

/** struct utsname (6 fields of 65 bytes); strace shows the first two. */
const UTS_FIELD = 65;
export function printUtsname(mem: GuestReader, p: bigint, strsize: number): string {
  return withStruct(mem, p, UTS_FIELD * 2, (_d, b) => {
    const field = (i: number): string => {
      const f = b.subarray(i * UTS_FIELD, (i + 1) * UTS_FIELD);
      const end = f.indexOf(0);
      const s = f.subarray(0, end < 0 ? f.length : end);
      return s.length > strsize ? quote(s.subarray(0, strsize)) + '...' : quote(s);
    };
    return `{sysname=${field(0)}, nodename=${field(1)}, ...}`;
  });
}

/** wait status as strace spells it: `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`. */
export function waitStatusText(s: number): string {
  const low = s & 0x7f;
  let text: string;
  if ((s & 0xffff) === 0xffff) text = 'WIFCONTINUED(s)';
  else if ((s & 0xff) === 0x7f) text = `WIFSTOPPED(s) && WSTOPSIG(s) == ${signal(BigInt((s >> 8) & 0xff))}`;
  else if (low === 0) text = `WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}`;
  else text = `WIFSIGNALED(s) && WTERMSIG(s) == ${signal(BigInt(low))}` + (s & 0x80 ? ' && WCOREDUMP(s)' : '');
  return `[{${text}}]`;
}

/** A NULL-terminated array of string pointers (execve argv): at most `strsize` entries shown. */
export function printArgv(mem: GuestReader, p: bigint, strsize: number): string {
  if (u64(p) === 0n) return 'NULL';
  const items: string[] = [];
  for (let i = 0; ; i++) {
    const elem = readU64(mem, p + BigInt(i * 8));
    if (elem === null) return i === 0 ? ptr(p) : '[' + items.join(', ') + ', ...]';
    if (elem === 0n) break;
    if (i === strsize) { items.push('...'); break; }
    items.push(printCString(mem, elem, strsize));
  }
  return '[' + items.join(', ') + ']';
}

/** execve envp: only the pointer and a count, `0x7ffd… /* 35 vars *\/`. */
export function printEnvp(mem: GuestReader, p: bigint): string {
  if (u64(p) === 0n) return 'NULL';
  let n = 0;
  for (;; n++) {
    const elem = readU64(mem, p + BigInt(n * 8));
    if (elem === null) return ptr(p);
    if (elem === 0n) break;
  }
  return `${ptr(p)} /* ${n} var${n === 1 ? '' : 's'} */`;
}

/**
 * An iovec array: `[{iov_base="hi\n", iov_len=3}, …]`. `dataLimit` caps the bytes shown across
 * all elements (what readv actually read); each element is also cut at strsize, the array at
 * strsize elements.
 */
export function printIovec(mem: GuestReader, p: bigint, count: bigint, strsize: number,
  dataLimit?: bigint): string {
  if (u64(p) === 0n) return 'NULL';
  const n = Number(u64(count) > 1024n ? 1024n : u64(count));
  const items: string[] = [];
  let left = dataLimit;
  for (let i = 0; i < n; i++) {
    if (i === strsize) { items.push('...'); break; }
    const b = mem.readBytes(addr(p) + i * 16, 16);
    if (!b) return i === 0 ? ptr(p) : '[' + items.join(', ') + ', ...]';
    const base = view(b).getBigUint64(0, true), len = view(b).getBigUint64(8, true);
    let shown = len;
    if (left !== undefined) { shown = len < left ? len : left; left -= shown; }
    items.push(`{iov_base=${printBuffer(mem, base, shown, strsize)}, iov_len=${len}}`);
  }
  return '[' + items.join(', ') + ']';
}

/** A getdents/getdents64 buffer: the pointer and how many records the call returned. */
export function printDirents(mem: GuestReader, p: bigint, len: bigint): string {
  const b = mem.readBytes(addr(p), Number(len));
  if (!b) return ptr(p);
  let n = 0;
  // d_reclen sits at offset 16 in both struct linux_dirent and linux_dirent64.
  for (let off = 0; off + 18 <= b.length; n++) {
    const reclen = view(b).getUint16(off + 16, true);
    if (reclen === 0) break;
    off += reclen;
  }
  return `${ptr(p)} /* ${n} entries */`;
}
