// Syscalls whose arguments strace prints by another argument's value (clone, fcntl, ioctl, futex,
// arch_prctl, prctl, mremap, mknod) and the memory-mapping value printers. Each decoder turns
// the raw registers into the items of the printed argument list.
import { nameOf, nameTable, type NameTable } from '../abi/xlat.js';
import { MAP_32BIT, MAP_ANONYMOUS, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_FIXED, MAP_FIXED_NOREPLACE,
  MAP_GROWSDOWN, MAP_HUGETLB, MAP_LOCKED, MAP_NONBLOCK, MAP_NORESERVE, MAP_POPULATE, MAP_PRIVATE,
  MAP_SHARED, MAP_SHARED_VALIDATE, MAP_STACK, MAP_SYNC, MAP_TYPE, MREMAP_DONTUNMAP, MREMAP_FIXED,
  MREMAP_MAYMOVE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_READ, PROT_WRITE } from '../abi/mman.js';
import * as mman from '../abi/mman.js';
import { F_ADD_SEALS, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLEASE, F_GETLK, F_GETOWN,
  F_GETOWN_EX, F_GETPIPE_SZ, F_GETSIG, F_GET_SEALS, F_NOTIFY, F_OFD_GETLK, F_OFD_SETLK,
  F_OFD_SETLKW, F_SETFD, F_SETFL, F_SETLEASE, F_SETLK, F_SETLKW, F_SETOWN, F_SETOWN_EX,
  F_SETPIPE_SZ, F_SETSIG, dnotifyNames, fcntlCmdNames, fdFlagNames, lockTypeNames, sealNames,
  whenceNames } from '../abi/fcntl.js';
import { cloneFlagNames, CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_PARENT_SETTID,
  CLONE_PIDFD, CLONE_SETTLS, CSIGNAL } from '../abi/sched.js';
import { FUTEX_CLOCK_REALTIME, FUTEX_CMP_REQUEUE, FUTEX_CMP_REQUEUE_PI, FUTEX_FD, FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2, FUTEX_PRIVATE_FLAG, FUTEX_REQUEUE, FUTEX_TRYLOCK_PI, FUTEX_UNLOCK_PI, FUTEX_WAIT,
  FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_WAKE_OP,
  FUTEX_BITSET_MATCH_ANY, futexCmdNames, futexWakeCmpNames, futexWakeOpNames } from '../abi/futex.js';
import * as ioc from '../abi/ioctl.js';
import { ARCH_GET_CPUID, ARCH_GET_FS, ARCH_GET_GS, ARCH_GET_XCOMP_GUEST_PERM, ARCH_GET_XCOMP_PERM,
  ARCH_GET_XCOMP_SUPP, ARCH_GET_UNTAG_MASK, ARCH_GET_MAX_TAG_BITS, ARCH_SHSTK_STATUS,
  archPrctlCodeNames, prctlOptionNames, suidDumpNames } from '../abi/prctl.js';
import * as pr from '../abi/prctl.js';
import * as tio from '../abi/termios.js';
import { S_IFBLK, S_IFCHR, S_IFMT } from '../abi/stat.js';
import { type GuestReader, dirfd, flags, fd, hex, makedev, openFlags, plainFlags, printCString, printTimespec, ptr,
  readS32, readU64, s32, signal, symbolicMode, u32, u64, value, withStruct } from './strace_values.js';

/** What one printed argument needs; `ret`/`failed` are only meaningful for `out` items. */
export interface Ctx {
  mem: GuestReader;
  args: readonly bigint[];
  strsize: number;
  ret: bigint;
  failed: boolean;
}
/** One printed argument: `out` ones are filled by the call and printed after it returns. */
export interface Item { out: boolean; print(c: Ctx): string }
export const inItem = (text: string): Item => ({ out: false, print: () => text });
const inWith = (print: (c: Ctx) => string): Item => ({ out: false, print });
/** An argument the call fills: decoded on success, its address printed on failure. */
const outItem = (p: bigint, print: (c: Ctx) => string): Item =>
  ({ out: true, print: (c) => (c.failed ? ptr(p) : print(c)) });

// ---- memory mapping ------------------------------------------------------------------------

/** PROT_SEM and MAP_FILE/MAP_HUGE_SHIFT are not in abi/mman.ts; strace names them. */
const PROT_SEM = 0x8, MAP_FILE = 0, MAP_HUGE_SHIFT = 26, MAP_HUGE_MASK = 0x3f;
const protNames = nameTable({ PROT_READ, PROT_WRITE, PROT_EXEC, PROT_SEM, PROT_GROWSDOWN, PROT_GROWSUP });
const mapTypeNames = nameTable({ MAP_FILE, MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE });
const mapFlagNames = nameTable({
  MAP_FIXED, MAP_ANONYMOUS, MAP_32BIT, MAP_NORESERVE, MAP_POPULATE, MAP_NONBLOCK, MAP_GROWSDOWN,
  MAP_DENYWRITE, MAP_EXECUTABLE, MAP_LOCKED, MAP_STACK, MAP_HUGETLB, MAP_SYNC, MAP_FIXED_NOREPLACE,
});
const mremapFlagNames = nameTable({ MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP });
/** msync/mlockall/mlock2 flags (asm-generic/mman-common.h, mman.h): not in abi/mman.ts either. */
const MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4, MCL_CURRENT = 1, MCL_FUTURE = 2,
  MCL_ONFAULT = 4, MLOCK_ONFAULT = 1;
const msyncNames = nameTable({ MS_ASYNC, MS_INVALIDATE, MS_SYNC });
const mlockallNames = nameTable({ MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT });
const mlock2Names = nameTable({ MLOCK_ONFAULT });
/**
 * Every MADV_* abi/mman.ts defines, found at the first use: enumerating the module's namespace
 * calls one bundled getter per export, which every start-up paid for (issue #11).
 */
let madvisePairs: NameTable | undefined;
const madviseNames: NameTable = {
  [Symbol.iterator]: () => (madvisePairs ??= nameTable(Object.fromEntries(
    Object.entries(mman).filter(([k, v]) => k.startsWith('MADV_') && typeof v === 'number')) as Record<string, number>))[Symbol.iterator](),
};

export const prot = (v: bigint): string => flags(u32(v), protNames, 'PROT_???', 'PROT_NONE');
export const mremapFlags = (v: bigint): string => flags(u32(v), mremapFlagNames, 'MREMAP_???');
export const madvise = (v: bigint): string => value(v, madviseNames, 'MADV_???');
export const msyncFlags = (v: bigint): string => flags(u32(v), msyncNames, 'MS_???');
export const mlockallFlags = (v: bigint): string => flags(u32(v), mlockallNames, 'MCL_???');
export const mlock2Flags = (v: bigint): string => flags(u32(v), mlock2Names, 'MLOCK_???');

/** `MAP_PRIVATE|MAP_ANONYMOUS`: the type field first, then flags, unknown bits, huge-page size. */
export function mmapFlags(v: bigint): string {
  const f = Number(u32(v));
  const type = f & MAP_TYPE;
  const parts = [nameOf(mapTypeNames, type) ?? `${hex(BigInt(type))} /* MAP_??? */`];
  const huge = (f >>> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
  const rest = BigInt(f & ~MAP_TYPE & ~(MAP_HUGE_MASK << MAP_HUGE_SHIFT));
  const named = plainFlags(rest, mapFlagNames);
  if (named) parts.push(named);
  if (huge) parts.push(`${huge}<<MAP_HUGE_SHIFT`);
  return parts.join('|');
}

// ---- per-syscall decoders ------------------------------------------------------------------

/** clone(2) flags: named bits, unknown bits in hex, then the exit signal (`…|SIGCHLD`). */
export function cloneFlags(v: bigint): string {
  const sig = Number(v & BigInt(CSIGNAL));
  const parts: string[] = [];
  const named = plainFlags(u64(v) & ~BigInt(CSIGNAL), cloneFlagNames);
  if (named) parts.push(named);
  if (sig) parts.push(signal(BigInt(sig)));
  return parts.length ? parts.join('|') : '0';
}

/** struct flock (x86-64): l_type(2) l_whence(2) pad l_start(8) l_len(8) l_pid(4) = 32 bytes. */
function printFlock(mem: GuestReader, p: bigint, withPid: boolean): string {
  return withStruct(mem, p, 32, (d) =>
    `{l_type=${value(BigInt(d.getInt16(0, true)), lockTypeNames, 'F_???')}, ` +
    `l_whence=${value(BigInt(d.getInt16(2, true)), whenceNames, 'SEEK_???')}, ` +
    `l_start=${d.getBigInt64(8, true)}, l_len=${d.getBigInt64(16, true)}` +
    (withPid ? `, l_pid=${d.getInt32(24, true)}` : '') + '}');
}

function fcntlArg(a: readonly bigint[]): Item[] {
  const cmd = Number(s32(a[1])), arg = a[2];
  switch (cmd) {
    case F_GETFD: case F_GETFL: case F_GETOWN: case F_GETSIG: case F_GETLEASE: case F_GETPIPE_SZ:
    case F_GET_SEALS: return [];
    case F_DUPFD: case F_DUPFD_CLOEXEC: return [inItem(u32(arg).toString())];
    case F_SETFD: return [inItem(flags(u32(arg), fdFlagNames, 'FD_???'))];
    case F_SETFL: return [inItem(openFlags(arg))];
    case F_SETOWN: case F_SETPIPE_SZ: return [inItem(s32(arg).toString())];
    case F_SETSIG: return [inItem(signal(arg))];
    case F_SETLEASE: return [inItem(value(arg, lockTypeNames, 'F_???'))];
    case F_NOTIFY: return [inItem(flags(u32(arg), dnotifyNames, 'DN_???'))];
    case F_ADD_SEALS: return [inItem(flags(u32(arg), sealNames, 'F_SEAL_???'))];
    case F_SETLK: case F_SETLKW: case F_OFD_SETLK: case F_OFD_SETLKW:
      return [inWith((c) => printFlock(c.mem, arg, false))];
    case F_GETLK: case F_OFD_GETLK: return [outItem(arg, (c) => printFlock(c.mem, arg, true))];
    case F_SETOWN_EX: case F_GETOWN_EX: return [inItem(ptr(arg))];
    default: return [inItem(hex(arg))];
  }
}
function fcntlRet(a: readonly bigint[], ret: bigint): string | undefined {
  const cmd = Number(s32(a[1]));
  if (cmd === F_GETFL) return `${hex(ret)} (flags ${openFlags(ret)})`;
  if (cmd === F_GETFD && ret !== 0n) return `${hex(ret)} (flags ${flags(ret, fdFlagNames, 'FD_???')})`;
  if (cmd === F_GET_SEALS && ret !== 0n) return `${hex(ret)} (seals ${flags(ret, sealNames, 'F_SEAL_???')})`;
  if (cmd === F_GETLEASE) return `${hex(ret)} (${value(ret, lockTypeNames, 'F_???')})`;
  return undefined;
}

/** How an ioctl's third argument prints, by request (requests not listed: in hex). */
type IoctlArg = 'none' | 'int' | 'ptr' | 'int_in' | 'int_out' | 'winsize_in' | 'winsize_out'
  | 'termios_in' | 'termios_out' | 'tcxonc' | 'tcflsh';
const IOCTL_ARG = new Map<number, IoctlArg>([
  ...[ioc.TIOCEXCL, ioc.TIOCNXCL, ioc.TIOCCONS, ioc.TIOCSSERIAL, ioc.TIOCNOTTY, ioc.TIOCSBRK,
    ioc.TIOCCBRK, ioc.TIOCVHANGUP, ioc.FIONCLEX, ioc.FIOCLEX].map((r) => [r, 'none'] as const),
  ...[ioc.TCSBRK, ioc.TIOCSCTTY, ioc.TCSBRKP].map((r) => [r, 'int'] as const),
  ...[ioc.TCGETA, ioc.TCSETA, ioc.TCSETAW, ioc.TCSETAF, ioc.TIOCSTI, ioc.TIOCMGET, ioc.TIOCMBIS,
    ioc.TIOCMBIC, ioc.TIOCMSET, ioc.TIOCGSOFTCAR, ioc.TIOCSSOFTCAR, ioc.FIOASYNC,
    ioc.TIOCGLCKTRMIOS, ioc.TIOCSLCKTRMIOS, ioc.TCGETS2, ioc.TCSETS2, ioc.TCSETSW2, ioc.TCSETSF2,
  ].map((r) => [r, 'ptr'] as const),
  ...[ioc.TIOCSPGRP, ioc.FIONBIO, ioc.TIOCSETD, ioc.TIOCPKT, ioc.TIOCSPTLCK]
    .map((r) => [r, 'int_in'] as const),
  ...[ioc.TIOCGPGRP, ioc.TIOCOUTQ, ioc.FIONREAD, ioc.TIOCGETD, ioc.TIOCGSID, ioc.TIOCGPTN,
    ioc.TIOCGDEV, ioc.TIOCGEXCL, ioc.TIOCGPKT, ioc.TIOCGPTLCK].map((r) => [r, 'int_out'] as const),
  [ioc.TIOCGWINSZ, 'winsize_out'], [ioc.TIOCSWINSZ, 'winsize_in'],
  [ioc.TCGETS, 'termios_out'], [ioc.TCSETS, 'termios_in'], [ioc.TCSETSW, 'termios_in'],
  [ioc.TCSETSF, 'termios_in'], [ioc.TCXONC, 'tcxonc'], [ioc.TCFLSH, 'tcflsh'],
]);
/** OSS sound ioctls share numbers with these on x86; strace prints both names. */
const IOCTL_ALIASES = new Map<number, string>([
  [ioc.TCSETS, 'SNDCTL_TMR_START or TCSETS'], [ioc.TCSETSW, 'SNDCTL_TMR_STOP or TCSETSW'],
  [ioc.TCSETSF, 'SNDCTL_TMR_CONTINUE or TCSETSF'],
]);
const IOC_DIR = ['_IOC_NONE', '_IOC_WRITE', '_IOC_READ', '_IOC_READ|_IOC_WRITE'];

export function ioctlRequest(v: bigint): string {
  const r = Number(u32(v));
  return IOCTL_ALIASES.get(r) ?? nameOf(ioc.ioctlNames, r) ??
    `_IOC(${IOC_DIR[ioc._IOC_DIR(r)]}, ${hex(BigInt(ioc._IOC_TYPE(r)))}, ` +
    `${hex(BigInt(ioc._IOC_NR(r)))}, ${hex(BigInt(ioc._IOC_SIZE(r)))})`;
}

function printWinsize(mem: GuestReader, p: bigint): string {
  return withStruct(mem, p, ioc.WINSIZE_SIZE, (d) => `{ws_row=${d.getUint16(0, true)}, ` +
    `ws_col=${d.getUint16(2, true)}, ws_xpixel=${d.getUint16(4, true)}, ws_ypixel=${d.getUint16(6, true)}}`);
}

/** struct termios, each flag word spelled out (strace 6.1's style, stray `|` included). */
function printTermios(mem: GuestReader, p: bigint): string {
  return withStruct(mem, p, tio.TERMIOS_SIZE, (d) => {
    const iflag = d.getUint32(tio.TERMIOS_IFLAG, true), oflag = d.getUint32(tio.TERMIOS_OFLAG, true);
    const cflag = d.getUint32(tio.TERMIOS_CFLAG, true), lflag = d.getUint32(tio.TERMIOS_LFLAG, true);
    let delays = 0;
    const o = tio.oflagDelayFields.map(([mask, names]) => {
      delays |= mask;
      return nameOf(names, oflag & mask) ?? hex(BigInt(oflag & mask));
    });
    const baud = (b: number): string => nameOf(tio.baudNames, b) ?? hex(BigInt(b));
    const ibaud = (cflag & tio.CIBAUD) >>> tio.IBSHIFT;
    const c = [baud(cflag & tio.CBAUD)];
    if (ibaud) c.push(`${baud(ibaud)}<<IBSHIFT`);
    c.push(nameOf(tio.csizeNames, cflag & tio.CSIZE)!);
    const cRest = BigInt((cflag & ~(tio.CBAUD | tio.CIBAUD | tio.CSIZE)) >>> 0);
    return `{c_iflag=${plainFlags(BigInt(iflag), tio.iflagNames)}, ` +
      `c_oflag=${o.join('|')}|${plainFlags(BigInt((oflag & ~delays) >>> 0), tio.oflagNames)}, ` +
      `c_cflag=${c.join('|')}|${plainFlags(cRest, tio.cflagNames)}, ` +
      `c_lflag=${plainFlags(BigInt(lflag), tio.lflagNames)}, ...}`;
  });
}

const bracketInt = (mem: GuestReader, p: bigint): string => {
  if (u64(p) === 0n) return 'NULL';
  const n = readS32(mem, p);
  return n === null ? ptr(p) : `[${n}]`;
};
const bracketHex64 = (mem: GuestReader, p: bigint): string => {
  if (u64(p) === 0n) return 'NULL';
  const n = readU64(mem, p);
  return n === null ? ptr(p) : `[${hex(n)}]`;
};

function ioctlArg(a: readonly bigint[]): Item[] {
  const arg = a[2];
  switch (IOCTL_ARG.get(Number(u32(a[1])))) {
    case 'none': return [];
    case 'int': return [inItem(s32(arg).toString())];
    case 'ptr': return [inItem(ptr(arg))];
    case 'int_in': return [inWith((c) => bracketInt(c.mem, arg))];
    case 'int_out': return [outItem(arg, (c) => bracketInt(c.mem, arg))];
    case 'winsize_in': return [inWith((c) => printWinsize(c.mem, arg))];
    case 'winsize_out': return [outItem(arg, (c) => printWinsize(c.mem, arg))];
    case 'termios_in': return [inWith((c) => printTermios(c.mem, arg))];
    case 'termios_out': return [outItem(arg, (c) => printTermios(c.mem, arg))];
    case 'tcxonc': return [inItem(value(arg, ioc.tcxoncNames, 'TC???'))];
    case 'tcflsh': return [inItem(value(arg, ioc.tcflshNames, 'TC???'))];
    default: return [inItem(hex(arg))];
  }
}

export function futexOp(v: bigint): string {
  const op = Number(u32(v));
  const cmd = op & 0x7f, clock = (op & FUTEX_CLOCK_REALTIME) !== 0;
  const name = nameOf(futexCmdNames, cmd);
  // The kernel accepts FUTEX_CLOCK_REALTIME only on the waits; anything else is not a valid op.
  const clockOk = cmd === FUTEX_WAIT || cmd === FUTEX_WAIT_BITSET || cmd === FUTEX_WAIT_REQUEUE_PI ||
    cmd === FUTEX_LOCK_PI2;
  if (!name || (op & ~0x1ff) || (clock && !clockOk)) return `${hex(BigInt(op))} /* FUTEX_??? */`;
  return name + (op & FUTEX_PRIVATE_FLAG ? '_PRIVATE' : '') + (clock ? '|FUTEX_CLOCK_REALTIME' : '');
}
/** FUTEX_WAKE_OP's val3: `FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_EQ<<24|0`. */
function futexWakeOp(v3: number): string {
  const op = (v3 >>> 28) & 0xf, cmp = (v3 >>> 24) & 0xf;
  const opName = nameOf(futexWakeOpNames, op & 7);
  const cmpName = nameOf(futexWakeCmpNames, cmp);
  return (op & 8 ? 'FUTEX_OP_OPARG_SHIFT<<28|' : '') +
    (opName ? `${opName}<<28` : `${hex(BigInt(op & 7))}<<28 /* FUTEX_OP_??? */`) +
    `|${hex(BigInt((v3 >>> 12) & 0xfff))}<<12|` +
    (cmpName ? `${cmpName}<<24` : `${hex(BigInt(cmp))}<<24 /* FUTEX_OP_CMP_??? */`) +
    `|${hex(BigInt(v3 & 0xfff))}`;
}
function futexItems(a: readonly bigint[]): Item[] {
  const head = [inItem(ptr(a[0])), inItem(futexOp(a[1]))];
  const val = inItem(u32(a[2]).toString()), val2 = inItem(u32(a[3]).toString());
  const timeout = inWith((c) => printTimespec(c.mem, a[3]));
  const uaddr2 = inItem(ptr(a[4])), val3 = inItem(u32(a[5]).toString());
  const bitset = inItem(u32(a[5]) === BigInt(FUTEX_BITSET_MATCH_ANY) ? 'FUTEX_BITSET_MATCH_ANY' : hex(u32(a[5])));
  switch (Number(u32(a[1])) & 0x7f) {
    case FUTEX_WAIT: return [...head, val, timeout];
    case FUTEX_WAKE: case FUTEX_FD: return [...head, val];
    case FUTEX_REQUEUE: return [...head, val, val2, uaddr2];
    case FUTEX_CMP_REQUEUE: case FUTEX_CMP_REQUEUE_PI: return [...head, val, val2, uaddr2, val3];
    case FUTEX_WAKE_OP: return [...head, val, val2, uaddr2, inItem(futexWakeOp(Number(u32(a[5]))))];
    case FUTEX_LOCK_PI: case FUTEX_LOCK_PI2: return [...head, timeout];
    case FUTEX_UNLOCK_PI: case FUTEX_TRYLOCK_PI: return head;
    case FUTEX_WAIT_BITSET: return [...head, val, timeout, bitset];
    case FUTEX_WAKE_BITSET: return [...head, val, bitset];
    case FUTEX_WAIT_REQUEUE_PI: return [...head, val, timeout, uaddr2];
    default: return [...head, val, inItem(ptr(a[3])), uaddr2, inItem(hex(u32(a[5])))];
  }
}

function archPrctlItems(a: readonly bigint[]): Item[] {
  const code = Number(s32(a[0]));
  const head = inItem(value(a[0], archPrctlCodeNames, 'ARCH_???'));
  switch (code) {
    case ARCH_GET_CPUID: return [head];
    case ARCH_GET_FS: case ARCH_GET_GS: case ARCH_GET_XCOMP_SUPP: case ARCH_GET_XCOMP_PERM:
    case ARCH_GET_XCOMP_GUEST_PERM: case ARCH_GET_UNTAG_MASK: case ARCH_GET_MAX_TAG_BITS:
    case ARCH_SHSTK_STATUS:
      return [head, outItem(a[1], (c) => bracketHex64(c.mem, a[1]))];
    default: return [head, inItem(hex(a[1]))];
  }
}

/** prctl options whose extra arguments strace leaves out, prints as 4 decimals, or reads back. */
const PRCTL_NO_ARGS = new Set([pr.PR_GET_DUMPABLE, pr.PR_GET_KEEPCAPS, pr.PR_GET_TIMING,
  pr.PR_GET_SECCOMP, pr.PR_GET_SECUREBITS, pr.PR_GET_TIMERSLACK, pr.PR_TASK_PERF_EVENTS_DISABLE,
  pr.PR_TASK_PERF_EVENTS_ENABLE, pr.PR_GET_FP_MODE, pr.PR_SVE_GET_VL, pr.PR_SME_GET_VL]);
const PRCTL_FOUR_DECIMALS = new Set([pr.PR_MCE_KILL_GET, pr.PR_GET_NO_NEW_PRIVS,
  pr.PR_SET_NO_NEW_PRIVS, pr.PR_GET_THP_DISABLE, pr.PR_SET_THP_DISABLE, pr.PR_GET_TAGGED_ADDR_CTRL,
  pr.PR_GET_IO_FLUSHER, pr.PR_PAC_GET_ENABLED_KEYS]);
const PRCTL_INT_OUT = new Set([pr.PR_GET_UNALIGN, pr.PR_GET_FPEMU, pr.PR_GET_FPEXC,
  pr.PR_GET_ENDIAN, pr.PR_GET_TSC, pr.PR_GET_CHILD_SUBREAPER]);
const PRCTL_ONE_DECIMAL = new Set([pr.PR_SET_KEEPCAPS, pr.PR_SET_CHILD_SUBREAPER,
  pr.PR_SET_TIMERSLACK, pr.PR_SET_PTRACER, pr.PR_CAPBSET_READ, pr.PR_CAPBSET_DROP]);
/** TASK_COMM_LEN - 1: the longest thread name. */
const COMM_MAX = 15;

function prctlItems(a: readonly bigint[]): Item[] {
  const option = Number(s32(a[0]));
  const head = inItem(value(a[0], prctlOptionNames, 'PR_???'));
  const rest = (print: (v: bigint) => string): Item[] => a.slice(1, 5).map((v) => inItem(print(v)));
  if (PRCTL_NO_ARGS.has(option)) return [head];
  if (PRCTL_FOUR_DECIMALS.has(option)) return [head, ...rest((v) => u64(v).toString())];
  if (PRCTL_INT_OUT.has(option)) return [head, outItem(a[1], (c) => bracketInt(c.mem, a[1]))];
  if (PRCTL_ONE_DECIMAL.has(option)) return [head, inItem(u64(a[1]).toString())];
  switch (option) {
    case pr.PR_SET_PDEATHSIG: return [head, inItem(signal(a[1]))];
    case pr.PR_GET_PDEATHSIG: return [head, outItem(a[1], (c) => {
      const n = readS32(c.mem, a[1]);
      return n === null ? ptr(a[1]) : `[${signal(BigInt(n))}]`;
    })];
    case pr.PR_SET_DUMPABLE: return [head, inItem(value(a[1], suidDumpNames, 'SUID_DUMP_???'))];
    case pr.PR_SET_NAME: return [head, inWith((c) => printCString(c.mem, a[1], COMM_MAX))];
    case pr.PR_GET_NAME: return [head, outItem(a[1], (c) => printCString(c.mem, a[1], COMM_MAX))];
    case pr.PR_GET_TID_ADDRESS: return [head, outItem(a[1], (c) => bracketHex64(c.mem, a[1]))];
    default: return [head, ...rest(hex)];
  }
}
function prctlRet(a: readonly bigint[], ret: bigint): string | undefined {
  if (Number(s32(a[0])) === pr.PR_GET_DUMPABLE) {
    const name = nameOf(suidDumpNames, Number(ret));
    return name ? `${ret} (${name})` : undefined;
  }
  return undefined;
}

/** mknod(at): the mode shows its file type; the device only matters for device nodes. */
function mknodItems(mode: bigint, dev: bigint): Item[] {
  const m = Number(u32(mode));
  const items = [inItem(symbolicMode(m))];
  const type = m & S_IFMT;
  if (type === S_IFCHR || type === S_IFBLK) items.push(inItem(makedev(u32(dev))));
  return items;
}

type Decoder = (a: readonly bigint[], path: (v: bigint) => Item) => Item[];
/** Decoders for syscalls whose printed arguments depend on other arguments' values. */
export const SPECIAL: Record<string, Decoder> = {
  clone: (a) => {
    const f = Number(u32(a[0]));
    const items = [inItem(`child_stack=${ptr(a[1])}`), inItem(`flags=${cloneFlags(a[0])}`)];
    if (f & (CLONE_PARENT_SETTID | CLONE_PIDFD)) items.push(inItem(`parent_tid=${ptr(a[2])}`));
    if (f & CLONE_SETTLS) items.push(inItem(`tls=${ptr(a[4])}`));
    if (f & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) items.push(inItem(`child_tidptr=${ptr(a[3])}`));
    return items;
  },
  fcntl: (a) => [inItem(fd(a[0])), inItem(value(a[1], fcntlCmdNames, 'F_???')), ...fcntlArg(a)],
  ioctl: (a) => [inItem(fd(a[0])), inItem(ioctlRequest(a[1])), ...ioctlArg(a)],
  futex: futexItems,
  arch_prctl: archPrctlItems,
  prctl: prctlItems,
  mremap: (a) => {
    const items = [inItem(ptr(a[0])), inItem(u64(a[1]).toString()), inItem(u64(a[2]).toString()),
      inItem(mremapFlags(a[3]))];
    // strace shows the new address only with MREMAP_FIXED (the kernel also reads it for DONTUNMAP).
    if (Number(u32(a[3])) & MREMAP_FIXED) items.push(inItem(ptr(a[4])));
    return items;
  },
  mknod: (a, path) => [path(a[0]), ...mknodItems(a[1], a[2])],
  mknodat: (a, path) => [inItem(dirfd(a[0])), path(a[1]), ...mknodItems(a[2], a[3])],
};

/** Return values strace annotates: `= 0x1 (flags FD_CLOEXEC)`. */
export const SPECIAL_RET: Record<string, (a: readonly bigint[], ret: bigint) => string | undefined> = {
  fcntl: fcntlRet,
  prctl: prctlRet,
};
