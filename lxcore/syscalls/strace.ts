// strace-style syscall lines for `wasl --strace`, printed the way strace(1) 6.x prints them so the
// two can be diffed. A line is split where strace splits it: formatCall prints the arguments known
// before the call runs, formatReturn the ones the call fills, then ") = result" (strace's
// "<unfinished ...>" / "resumed" halves). Argument kinds come from lxcore/abi/syscalls.ts.
import { errnoName, errnoText } from '../abi/errno.js';
import { accessModeNames, atFlagNames, faccessatFlagNames, fcntlCmdNames, flockOpNames,
  openFlagNames, whenceNames, O_CREAT, __O_TMPFILE } from '../abi/fcntl.js';
import { clockNames, itimerNames, timerFlagNames } from '../abi/time.js';
import { prioWhichNames, rlimitNames, rusageWhoNames } from '../abi/resource.js';
import { sigprocmaskHowNames } from '../abi/signal.js';
import { nsTypeNames, unshareFlagNames } from '../abi/sched.js';
import { idtypeNames, waitOptionNames } from '../abi/wait.js';
import { grndFlagNames } from '../abi/random.js';
import { archPrctlCodeNames, prctlOptionNames } from '../abi/prctl.js';
import type { ArgKind, SyscallAbi } from '../abi/syscalls.js';
import { syscallByNr } from '../abi/syscalls.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Process } from '../kernel/task.js';
import { type GuestReader, DEFAULT_STRSIZE, PATH_MAX, dirfd, fd, flags, hex, makedev, numericMode,
  octal, openFlags, printArgv, printBuffer, printCString, printDirents, printEnvp, printIovec,
  printRlimit, printRusage, printSigaction, printSigset, printStat, printTimespec, printUtsname,
  ptr, readS32, s32, s64, signal, u32, u64, value, waitStatusText } from './strace_values.js';
import { type Ctx, type Item, SPECIAL, SPECIAL_RET, cloneFlags, futexOp, ioctlRequest, madvise,
  mlock2Flags, mlockallFlags, mmapFlags, mremapFlags, msyncFlags, prot } from './strace_special.js';

export type { GuestReader } from './strace_values.js';

export interface TraceOptions {
  /** strace -s: bytes of strings and buffers shown (default 32). */
  strsize?: number;
  /**
   * strace -a: pad so that " = " starts at this column (strace's default is 40; 0, the default
   * here, pads nothing). Padding counts from `column`, what is already on the line.
   */
  align?: number;
  /** Characters already on the line before this text (a pid prefix, the formatCall part). */
  column?: number;
}

/** Kinds the call fills: they are printed after it returns, from then-current memory. */
const OUT_KINDS: ReadonlySet<ArgKind> = new Set<ArgKind>([
  'buf_out', 'path_out', 'rand_out', 'iovec_out', 'stat_out', 'utsname_out', 'rusage_out',
  'wait_status_out', 'timespec_out', 'timeval_out', 'sigaction_out', 'sigset_out', 'rlimit_out',
  'int_out', 'fd_pair_out', 'dirents_out',
]);

/** A name for numbers x86-64 does not define, as strace prints them. */
export function unknownSyscallAbi(nr: number): SyscallAbi {
  return { nr, name: `syscall_0x${nr.toString(16)}`, args: ['hex', 'hex', 'hex', 'hex', 'hex', 'hex'] };
}
export function abiForNr(nr: number): SyscallAbi {
  return syscallByNr[nr] ?? unknownSyscallAbi(nr);
}

/** The text printed before the call runs: `openat(AT_FDCWD, "/etc/passwd", O_RDONLY`. */
export function formatCall(abi: SyscallAbi, args: ReadonlyArray<bigint>, mem: GuestReader,
  opts: TraceOptions = {}): string {
  const items = itemsOf(abi, args);
  const split = splitIndex(items);
  const c = ctx(args, mem, opts, 0n);
  const before = items.slice(0, split).map((it) => it.print(c));
  // With out-arguments left, strace ends the first half with ", " ("read(0, <unfinished ...>").
  return `${abi.name}(${before.join(', ')}${split < items.length && split > 0 ? ', ' : ''}`;
}

/** The rest of the line: out-arguments, the arguments after them, `) = result`. */
export function formatReturn(abi: SyscallAbi, args: ReadonlyArray<bigint>, ret: bigint,
  mem: GuestReader, opts: TraceOptions = {}): string {
  const items = itemsOf(abi, args);
  const c = ctx(args, mem, opts, ret);
  const after = items.slice(splitIndex(items)).map((it) => it.print(c)).join(', ') + ')';
  const column = (opts.column ?? 0) + after.length;
  const pad = opts.align && column < opts.align - 1 ? ' '.repeat(opts.align - 1 - column) : '';
  return `${after}${pad} = ${retText(abi, args, ret)}`;
}

/** A whole line, for calls that did not block: `write(1, "hello\n", 6) = 6`. */
export function formatSyscall(abi: SyscallAbi, args: ReadonlyArray<bigint>, ret: bigint,
  mem: GuestReader, opts: TraceOptions = {}): string {
  const call = formatCall(abi, args, mem, opts);
  return call + formatReturn(abi, args, ret, mem, { ...opts, column: (opts.column ?? 0) + call.length });
}

// ---- arguments -----------------------------------------------------------------------------

/** The six argument registers; callers may pass fewer (missing ones read as 0). */
const regs = (args: ReadonlyArray<bigint>): bigint[] => Array.from({ length: 6 }, (_, i) => args[i] ?? 0n);

function ctx(args: ReadonlyArray<bigint>, mem: GuestReader, opts: TraceOptions, ret: bigint): Ctx {
  const r = s64(ret);
  return { mem, args: regs(args), strsize: opts.strsize ?? DEFAULT_STRSIZE, ret, failed: r < 0n && r >= -4095n };
}

function splitIndex(items: Item[]): number {
  const i = items.findIndex((it) => it.out);
  return i < 0 ? items.length : i;
}

function itemsOf(abi: SyscallAbi, rawArgs: ReadonlyArray<bigint>): Item[] {
  const args = regs(rawArgs);
  const special = SPECIAL[abi.name];
  if (special) return special(args, (v) => ({ out: false, print: (c) => printCString(c.mem, v, PATH_MAX) }));
  const items: Item[] = [];
  for (let i = 0; i < abi.args.length; i++) {
    const kind = abi.args[i];
    if (kind === 'off_hi') continue;
    // open/openat/mq_open: the mode (and mq_attr) only matter when a file may be created.
    if (kind === 'mode' && abi.args[i - 1] === 'open_flags' &&
      !(Number(u32(args[i - 1])) & (O_CREAT | __O_TMPFILE))) break;
    items.push({ out: OUT_KINDS.has(kind), print: (c) => printArg(abi, kind, i, c) });
  }
  return items;
}

/** The sigsetsize argument that sizes a sigset: the call's last 'size' argument. */
function sigsetSize(abi: SyscallAbi, args: readonly bigint[]): bigint | undefined {
  const i = abi.args.lastIndexOf('size');
  return i < 0 ? undefined : u64(args[i]);
}

function printArg(abi: SyscallAbi, kind: ArgKind, i: number, c: Ctx): string {
  const v = c.args[i], mem = c.mem;
  // An out-argument of a failed call was never filled: strace shows its address.
  if (c.failed && OUT_KINDS.has(kind)) return ptr(v);
  switch (kind) {
    case 'int': return s32(v).toString();
    case 'uint': return u32(v).toString();
    case 'long': return s64(v).toString();
    case 'hex': return hex(v);
    case 'fd': return fd(v);
    case 'dirfd': return dirfd(v);
    case 'ptr': return ptr(v);
    case 'str': return printCString(mem, v, c.strsize);
    case 'path': return printCString(mem, v, PATH_MAX);
    case 'buf_in': return printBuffer(mem, v, u64(c.args[i + 1]), c.strsize);
    case 'buf_out': return printBuffer(mem, v, s64(c.ret), c.strsize);
    case 'rand_out': return printBuffer(mem, v, s64(c.ret), c.strsize, true);
    case 'path_out': return printCString(mem, v, PATH_MAX);
    case 'size': return u64(v).toString();
    case 'off': return s64(v).toString();
    case 'off_hi': return '';
    case 'open_flags': return openFlags(v);
    case 'o_flags': return flags(u32(v), openFlagNames, 'O_???');
    case 'mode': return numericMode(v);
    case 'dev': return makedev(u32(v));
    case 'at_flags': return flags(u32(v), atFlagNames, 'AT_???');
    case 'faccessat_flags': return flags(u32(v), faccessatFlagNames, 'AT_???');
    case 'prot': return prot(v);
    case 'mmap_flags': return mmapFlags(v);
    case 'mremap_flags': return mremapFlags(v);
    case 'madvise_advice': return madvise(v);
    case 'msync_flags': return msyncFlags(v);
    case 'mlockall_flags': return mlockallFlags(v);
    case 'mlock2_flags': return mlock2Flags(v);
    case 'signal': return signal(v);
    case 'sigprocmask_how': return value(v, sigprocmaskHowNames, 'SIG_???');
    case 'clone_flags': return cloneFlags(v);
    case 'unshare_flags': return flags(u32(v), unshareFlagNames, 'CLONE_???');
    case 'ns_type': return flags(u32(v), nsTypeNames, 'CLONE_NEW???');
    case 'futex_op': return futexOp(v);
    case 'arch_prctl_code': return value(v, archPrctlCodeNames, 'ARCH_???');
    case 'ioctl_req': return ioctlRequest(v);
    case 'fcntl_cmd': return value(v, fcntlCmdNames, 'F_???');
    case 'flock_op': return flags(u32(v), flockOpNames, 'LOCK_???');
    case 'prctl_option': return value(v, prctlOptionNames, 'PR_???');
    case 'clockid': return value(v, clockNames, 'CLOCK_???');
    case 'timer_flags': return flags(u32(v), timerFlagNames, 'TIMER_???');
    case 'itimer_which': return value(v, itimerNames, 'ITIMER_???');
    case 'rlimit_resource': return value(v, rlimitNames, 'RLIMIT_???');
    case 'rusage_who': return value(v, rusageWhoNames, 'RUSAGE_???');
    case 'prio_which': return value(v, prioWhichNames, 'PRIO_???');
    case 'whence': return value(v, whenceNames, 'SEEK_???');
    case 'access_mode': return flags(u32(v), accessModeNames, '?_OK', 'F_OK');
    case 'wait_options': return flags(u32(v), waitOptionNames, 'W???');
    case 'idtype': return value(v, idtypeNames, 'P_???');
    case 'grnd_flags': return flags(u32(v), grndFlagNames, 'GRND_???');
    case 'iovec_in': return printIovec(mem, v, c.args[i + 1], c.strsize);
    case 'iovec_out': return printIovec(mem, v, c.args[i + 1], c.strsize, s64(c.ret));
    case 'stat_out': return printStat(mem, v);
    case 'utsname_out': return printUtsname(mem, v, c.strsize);
    case 'rusage_out': return printRusage(mem, v);
    case 'wait_status_out': {
      // wait4 returning 0 (WNOHANG, nothing changed) leaves the status untouched.
      const s = c.ret === 0n || u64(v) === 0n ? null : readS32(mem, v);
      return s === null ? ptr(v) : waitStatusText(s);
    }
    case 'timespec_in': case 'timespec_out': return printTimespec(mem, v);
    case 'timeval_in': case 'timeval_out': return printTimespec(mem, v, 'usec');
    case 'sigaction_in': case 'sigaction_out': return printSigaction(mem, v);
    case 'sigset_in': case 'sigset_out': return printSigset(mem, v, sigsetSize(abi, c.args));
    case 'rlimit_in': case 'rlimit_out': return printRlimit(mem, v);
    case 'int_out': {
      const n = u64(v) === 0n ? null : readS32(mem, v);
      return n === null ? ptr(v) : `[${n}]`;
    }
    case 'fd_pair_out': {
      const a = u64(v) === 0n ? null : readS32(mem, v), b = readS32(mem, v + 4n);
      return a === null || b === null ? ptr(v) : `[${a}, ${b}]`;
    }
    case 'dirents_out': return printDirents(mem, v, s64(c.ret));
    case 'argv': return printArgv(mem, v, c.strsize);
    case 'envp': return printEnvp(mem, v);
  }
}

// ---- return value --------------------------------------------------------------------------

/** Kernel-internal restart codes a traced task can show (include/linux/errno.h). */
const RESTART: Record<number, [string, string]> = {
  512: ['ERESTARTSYS', 'To be restarted if SA_RESTART is set'],
  513: ['ERESTARTNOINTR', 'To be restarted'],
  514: ['ERESTARTNOHAND', 'To be restarted if no handler'],
  516: ['ERESTART_RESTARTBLOCK', 'Interrupted by signal'],
};

function retText(abi: SyscallAbi, args: ReadonlyArray<bigint>, ret: bigint): string {
  const r = s64(ret);
  // exit/exit_group never return; an error means they were refused (seccomp, ptrace).
  if (abi.ret === 'none' && !(r < 0n && r >= -4095n)) return '?';
  if (r < 0n && r >= -4095n) {
    const e = Number(-r);
    const restart = RESTART[e];
    if (restart) return `? ${restart[0]} (${restart[1]})`;
    return `-1 ${errnoName[e] ?? `ERRNO_${e}`} (${errnoText[e] ?? `Unknown error ${e}`})`;
  }
  const special = SPECIAL_RET[abi.name]?.(regs(args), ret);
  if (special) return special;
  switch (abi.ret) {
    case 'hex': case 'ptr': return hex(ret);
    case 'mode': return octal(Number(ret & 0xffffn));
    default: return r.toString();
  }
}

/**
 * strace's line prefix when it writes to stderr: `[pid %5u] ` once more than one task is traced,
 * else nothing. Also used for the signal and exit lines (syscalls/dispatch.ts, kernel/signals.ts, kernel/proctree.ts).
 */
export function stracePid(k: Kernel, p: Process, tid: number): string {
  return p.threads.length > 1 || k.processes.size > 1 ? `[pid ${String(tid).padStart(5)}] ` : '';
}
