// siginfo_t as the x86-64 kernel writes it (include/uapi/asm-generic/siginfo.h), the si_code
// values (SI_*, ILL_*, FPE_*, SEGV_*, TRAP_*, CLD_*), struct signalfd_siginfo
// (include/uapi/linux/signalfd.h) and strace's "--- SIGSEGV {…} ---" rendering of a siginfo.
//
// A siginfo travels through lxcore as the 128 bytes the receiver will see. The kernel keeps only
// the first 48 (struct kernel_siginfo) and copy_siginfo_to_user() zero-fills the rest, so every
// builder here returns a zeroed 128-byte array:
//
//    0 si_signo  4 si_errno  8 si_code  12 (pad)  16 union _sifields:
//      kill/rt:   16 si_pid   20 si_uid   24 si_value (sigval, 8)
//      timer:     16 si_tid   20 si_overrun  24 si_value  32 (sys_private, always 0 for users)
//      chld:      16 si_pid   20 si_uid   24 si_status  32 si_utime  40 si_stime
//      fault:     16 si_addr (8)  24 si_addr_lsb …
//      poll:      16 si_band (8)  24 si_fd
//      sys:       16 si_call_addr  24 si_syscall  28 si_arch

import { signalName, SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP, SIGCHLD, SIGPOLL, SIGSYS } from './signal.js';

export const SIGINFO_SIZE = 128;
/** sizeof(struct kernel_siginfo): what the kernel stores; copies to users zero the rest. */
export const KERNEL_SIGINFO_SIZE = 48;
export const SI_SIGNO = 0, SI_ERRNO = 4, SI_CODE = 8, SI_PID = 16, SI_UID = 20, SI_VALUE = 24,
  SI_TIMERID = 16, SI_OVERRUN = 20, SI_STATUS = 24, SI_UTIME = 32, SI_STIME = 40, SI_ADDR = 16,
  SI_BAND = 16, SI_FD = 24, SI_CALL_ADDR = 16, SI_SYSCALL = 24, SI_ARCH = 28;

export const SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_MESGQ = -3,
  SI_ASYNCIO = -4, SI_SIGIO = -5, SI_TKILL = -6, SI_DETHREAD = -7, SI_ASYNCNL = -60;
export const ILL_ILLOPC = 1, ILL_ILLOPN = 2, ILL_ILLADR = 3, ILL_ILLTRP = 4, ILL_PRVOPC = 5,
  ILL_PRVREG = 6, ILL_COPROC = 7, ILL_BADSTK = 8, ILL_BADIADDR = 9, NSIGILL = 11;
export const FPE_INTDIV = 1, FPE_INTOVF = 2, FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5,
  FPE_FLTRES = 6, FPE_FLTINV = 7, FPE_FLTSUB = 8, FPE_FLTUNK = 14, FPE_CONDTRAP = 15, NSIGFPE = 15;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2, SEGV_BNDERR = 3, SEGV_PKUERR = 4, NSIGSEGV = 9;
export const BUS_ADRALN = 1, BUS_ADRERR = 2, BUS_OBJERR = 3, BUS_MCEERR_AR = 4, BUS_MCEERR_AO = 5,
  NSIGBUS = 5;
export const TRAP_BRKPT = 1, TRAP_TRACE = 2, TRAP_BRANCH = 3, TRAP_HWBKPT = 4, TRAP_UNK = 5,
  TRAP_PERF = 6, NSIGTRAP = 6;
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5,
  CLD_CONTINUED = 6, NSIGCHLD = 6;
export const NSIGPOLL = 6, NSIGSYS = 2;

function blank(signo: number, code: number): [Uint8Array, DataView] {
  const b = new Uint8Array(SIGINFO_SIZE);
  const v = new DataView(b.buffer);
  v.setInt32(SI_SIGNO, signo, true);
  v.setInt32(SI_CODE, code, true);
  return [b, v];
}

/** kill(), tkill(), SIGPIPE … (SIL_KILL): the sender's tgid and real uid. */
export function siKill(signo: number, code: number, pid: number, uid: number): Uint8Array {
  const [b, v] = blank(signo, code);
  v.setInt32(SI_PID, pid, true);
  v.setUint32(SI_UID, uid >>> 0, true);
  return b;
}

/** A fault (force_sig_fault): si_addr is the faulting address or instruction. */
export function siFault(signo: number, code: number, addr: number): Uint8Array {
  const [b, v] = blank(signo, code);
  v.setBigUint64(SI_ADDR, BigInt.asUintN(64, BigInt(addr)), true);
  return b;
}

/** A POSIX timer's signal (SIL_TIMER); the overrun is filled in when it is dequeued. */
export function siTimer(signo: number, timerId: number, value: bigint): Uint8Array {
  const [b, v] = blank(signo, SI_TIMER);
  v.setInt32(SI_TIMERID, timerId, true);
  v.setBigUint64(SI_VALUE, BigInt.asUintN(64, value), true);
  return b;
}

/** SIGCHLD as do_notify_parent() fills it; times in clock ticks (USER_HZ). */
export function siChld(signo: number, code: number, pid: number, uid: number, status: number,
  utime = 0, stime = 0): Uint8Array {
  const [b, v] = blank(signo, code);
  v.setInt32(SI_PID, pid, true);
  v.setUint32(SI_UID, uid >>> 0, true);
  v.setInt32(SI_STATUS, status, true);
  v.setBigInt64(SI_UTIME, BigInt(utime), true);
  v.setBigInt64(SI_STIME, BigInt(stime), true);
  return b;
}

export function siSigno(info: Uint8Array): number { return new DataView(info.buffer, info.byteOffset).getInt32(SI_SIGNO, true); }
export function siCode(info: Uint8Array): number { return new DataView(info.buffer, info.byteOffset).getInt32(SI_CODE, true); }

export type SiginfoLayout = 'kill' | 'timer' | 'poll' | 'fault' | 'chld' | 'rt' | 'sys';

/** Which union member a siginfo uses (kernel/signal.c siginfo_layout). */
export function siginfoLayout(sig: number, code: number): SiginfoLayout {
  if (code > SI_USER && code < SI_KERNEL) {
    const limits: Record<number, [number, SiginfoLayout]> = {
      [SIGILL]: [NSIGILL, 'fault'], [SIGFPE]: [NSIGFPE, 'fault'], [SIGSEGV]: [NSIGSEGV, 'fault'],
      [SIGBUS]: [NSIGBUS, 'fault'], [SIGTRAP]: [NSIGTRAP, 'fault'], [SIGCHLD]: [NSIGCHLD, 'chld'],
      [SIGPOLL]: [NSIGPOLL, 'poll'], [SIGSYS]: [NSIGSYS, 'sys'],
    };
    const l = limits[sig];
    if (l && code <= l[0]) return l[1];
    if (code <= NSIGPOLL) return 'poll';
    return 'kill';
  }
  if (code === SI_TIMER) return 'timer';
  if (code === SI_SIGIO) return 'poll';
  return code < 0 ? 'rt' : 'kill';
}

/**
 * struct signalfd_siginfo (128 bytes) from a siginfo, field by field as signalfd_copyinfo()
 * picks them by layout:
 *   0 ssi_signo 4 ssi_errno 8 ssi_code 12 ssi_pid 16 ssi_uid 20 ssi_fd 24 ssi_tid 28 ssi_band
 *   32 ssi_overrun 36 ssi_trapno 40 ssi_status 44 ssi_int 48 ssi_ptr 56 ssi_utime 64 ssi_stime
 *   72 ssi_addr 80 ssi_addr_lsb 84 ssi_syscall 88 ssi_call_addr 96 ssi_arch
 */
export function toSignalfdSiginfo(info: Uint8Array): Uint8Array {
  const i = new DataView(info.buffer, info.byteOffset, SIGINFO_SIZE);
  const out = new Uint8Array(128);
  const o = new DataView(out.buffer);
  const signo = i.getInt32(SI_SIGNO, true), code = i.getInt32(SI_CODE, true);
  o.setUint32(0, signo, true);
  o.setInt32(4, i.getInt32(SI_ERRNO, true), true);
  o.setInt32(8, code, true);
  const pidUid = () => { o.setUint32(12, i.getInt32(SI_PID, true), true); o.setUint32(16, i.getUint32(SI_UID, true), true); };
  const value = () => { o.setBigUint64(48, i.getBigUint64(SI_VALUE, true), true); o.setInt32(44, i.getInt32(SI_VALUE, true), true); };
  switch (siginfoLayout(signo, code)) {
    case 'kill': pidUid(); break;
    case 'timer':
      o.setUint32(24, i.getInt32(SI_TIMERID, true), true);
      o.setUint32(32, i.getInt32(SI_OVERRUN, true), true);
      value();
      break;
    case 'poll':
      o.setUint32(28, Number(i.getBigInt64(SI_BAND, true) & 0xffffffffn), true);
      o.setInt32(20, i.getInt32(SI_FD, true), true);
      break;
    case 'fault': o.setBigUint64(72, i.getBigUint64(SI_ADDR, true), true); break;
    case 'chld':
      pidUid();
      o.setInt32(40, i.getInt32(SI_STATUS, true), true);
      o.setBigUint64(56, i.getBigUint64(SI_UTIME, true), true);
      o.setBigUint64(64, i.getBigUint64(SI_STIME, true), true);
      break;
    case 'rt': pidUid(); value(); break;
    case 'sys':
      o.setBigUint64(88, i.getBigUint64(SI_CALL_ADDR, true), true);
      o.setInt32(84, i.getInt32(SI_SYSCALL, true), true);
      o.setUint32(96, i.getUint32(SI_ARCH, true), true);
      break;
  }
  return out;
}

// ---- strace rendering --------------------------------------------------------------------------
const SI_NAMES: Record<number, string> = {
  [SI_USER]: 'SI_USER', [SI_KERNEL]: 'SI_KERNEL', [SI_QUEUE]: 'SI_QUEUE', [SI_TIMER]: 'SI_TIMER',
  [SI_MESGQ]: 'SI_MESGQ', [SI_ASYNCIO]: 'SI_ASYNCIO', [SI_SIGIO]: 'SI_SIGIO', [SI_TKILL]: 'SI_TKILL',
  [SI_DETHREAD]: 'SI_DETHREAD', [SI_ASYNCNL]: 'SI_ASYNCNL',
};
const CODE_NAMES: Record<number, string[]> = {
  [SIGILL]: ['', 'ILL_ILLOPC', 'ILL_ILLOPN', 'ILL_ILLADR', 'ILL_ILLTRP', 'ILL_PRVOPC', 'ILL_PRVREG', 'ILL_COPROC', 'ILL_BADSTK', 'ILL_BADIADDR'],
  [SIGFPE]: ['', 'FPE_INTDIV', 'FPE_INTOVF', 'FPE_FLTDIV', 'FPE_FLTOVF', 'FPE_FLTUND', 'FPE_FLTRES', 'FPE_FLTINV', 'FPE_FLTSUB'],
  [SIGSEGV]: ['', 'SEGV_MAPERR', 'SEGV_ACCERR', 'SEGV_BNDERR', 'SEGV_PKUERR'],
  [SIGBUS]: ['', 'BUS_ADRALN', 'BUS_ADRERR', 'BUS_OBJERR', 'BUS_MCEERR_AR', 'BUS_MCEERR_AO'],
  [SIGTRAP]: ['', 'TRAP_BRKPT', 'TRAP_TRACE', 'TRAP_BRANCH', 'TRAP_HWBKPT', 'TRAP_UNK'],
  [SIGCHLD]: ['', 'CLD_EXITED', 'CLD_KILLED', 'CLD_DUMPED', 'CLD_TRAPPED', 'CLD_STOPPED', 'CLD_CONTINUED'],
};

const hex = (v: bigint): string => (v === 0n ? 'NULL' : `0x${v.toString(16)}`);

/**
 * strace's `{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10}` (print_si_info): strace
 * picks the fields by who sent the signal and which signal it is, not by the kernel's layout.
 */
export function formatSiginfo(info: Uint8Array): string {
  const i = new DataView(info.buffer, info.byteOffset, SIGINFO_SIZE);
  const signo = i.getInt32(SI_SIGNO, true), code = i.getInt32(SI_CODE, true);
  const codeName = (code > 0 && code < SI_KERNEL ? CODE_NAMES[signo]?.[code] : undefined) ?? SI_NAMES[code] ?? String(code);
  const f = [`si_signo=${signalName(signo) ?? signo}`, `si_code=${codeName}`];
  const errno = i.getInt32(SI_ERRNO, true);
  if (errno) f.push(`si_errno=${errno}`);
  const pid = i.getInt32(SI_PID, true), uid = i.getUint32(SI_UID, true), ptr = i.getBigUint64(SI_VALUE, true);
  const source = () => f.push(`si_pid=${pid}`, `si_uid=${uid}`);
  const value = () => f.push(`si_int=${i.getInt32(SI_VALUE, true)}`, `si_ptr=${hex(ptr)}`);
  if (code <= 0) {
    if (code === SI_TIMER) {
      const id = i.getUint32(SI_TIMERID, true);
      f.push(`si_timerid=${id ? `0x${id.toString(16)}` : '0'}`, `si_overrun=${i.getInt32(SI_OVERRUN, true)}`);
      value();
    } else {
      source();
      if (code !== SI_USER && code !== SI_TKILL && ptr) value();
    }
    return `{${f.join(', ')}}`;
  }
  switch (signo) {
    case SIGCHLD: {
      source();
      const st = i.getInt32(SI_STATUS, true);
      f.push(`si_status=${code === CLD_EXITED ? st : signalName(st) ?? st}`,
        `si_utime=${i.getBigInt64(SI_UTIME, true)}`, `si_stime=${i.getBigInt64(SI_STIME, true)}`);
      break;
    }
    case SIGILL: case SIGFPE: case SIGSEGV: case SIGBUS: case SIGTRAP:
      f.push(`si_addr=${hex(i.getBigUint64(SI_ADDR, true))}`);
      break;
    case SIGPOLL:
      if (code >= 1 && code <= 3) f.push(`si_band=${i.getBigInt64(SI_BAND, true)}`);
      break;
    case SIGSYS:
      f.push(`si_call_addr=${hex(i.getBigUint64(SI_CALL_ADDR, true))}`, `si_syscall=${i.getInt32(SI_SYSCALL, true)}`);
      break;
    default:
      if (pid || uid) source();
      if (ptr) value();
  }
  return `{${f.join(', ')}}`;
}
