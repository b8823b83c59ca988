// Process-level calls: exit, exit_group, the id calls, set_tid_address, set_robust_list, rseq,
// prlimit64/getrlimit/setrlimit, uname, arch_prctl, sched_yield,
// getrandom, sysinfo. The signal calls are in sys_signal.ts.

import { crypto, os } from '../host.js';
import { fail, EINVAL, EPERM, ENOSYS, EFAULT, ESRCH, EACCES } from '../abi/errno.js';
import { RLIMIT_STACK, RLIMIT_NOFILE, RLIMIT_NPROC, RLIM64_INFINITY } from '../abi/resource.js';
import { exitedStatus } from '../kernel/task.js';
import { exitThread } from '../kernel/thread.js';
import { findTask } from '../kernel/signals.js';
import { findProcess, groupInSession, groupMembers } from '../kernel/proctree.js';
import { STACK_SIZE } from '../kernel/exec.js';
import { RLIMIT_NOFILE_DEFAULT } from '../vfs/file.js';
import { hasCap, CAP_SYS_RESOURCE } from './sys_cred.js';
import type { Task, Process } from '../kernel/task.js';
import { allowedCpus, possibleCpus, hostText } from '../fs/hostinfo.js';

export function sysExitGroup(t: Task, code: number): number {
  t.kernel.exitProcess(t.process, exitedStatus(code & 0xff));
  return 0;
}

/** exit(2) ends the calling thread; the last one's exit ends the process (kernel/thread.ts). */
export function sysExit(t: Task, code: number): number {
  exitThread(t, code & 0xff);
  return 0;
}

export function sysGetpid(t: Task): number { return t.process.pid; }
export function sysGettid(t: Task): number { return t.tid; }
export function sysGetppid(t: Task): number { return t.process.ppid; }
export function sysGetuid(t: Task): number { return t.process.creds.uid; }
export function sysGeteuid(t: Task): number { return t.process.creds.euid; }
export function sysGetgid(t: Task): number { return t.process.creds.gid; }
export function sysGetegid(t: Task): number { return t.process.creds.egid; }

// ---- process groups and sessions (kernel/sys.c) ---------------------------------------------
/** The process `pid` names (0 = the caller), zombies included; ESRCH if none. */
function processByPid(t: Task, pid: number): Process {
  if (pid === 0) return t.process;
  const p = pid > 0 ? findProcess(t.kernel, pid) : undefined;
  if (!p) fail(ESRCH);
  return p;
}

export function sysGetpgrp(t: Task): number { return t.process.pgid; }
export function sysGetpgid(t: Task, pid: number): number { return processByPid(t, pid | 0).pgid; }
export function sysGetsid(t: Task, pid: number): number { return processByPid(t, pid | 0).sid; }

/** setpgid(2), with Linux's checks in Linux's order. */
export function sysSetpgid(t: Task, pid: number, pgid: number): number {
  pid |= 0; pgid |= 0;
  const self = t.process;
  if (pid === 0) pid = self.pid;
  if (pgid === 0) pgid = pid;
  if (pgid < 0) fail(EINVAL);
  const p = pid > 0 ? findProcess(t.kernel, pid) : undefined;
  if (!p) fail(ESRCH);
  if (p.parent === self) {
    if (p.sid !== self.sid) fail(EPERM);
    if (p.execed) fail(EACCES);
  } else if (p !== self) {
    fail(ESRCH);
  }
  if (p.sid === p.pid) fail(EPERM); // a session leader cannot move
  if (pgid !== pid && !groupInSession(t.kernel, pgid, self.sid)) fail(EPERM);
  p.pgid = pgid;
  return 0;
}

/** setsid(2): a new session and group led by the caller, unless it already leads a group. */
export function sysSetsid(t: Task): number {
  const p = t.process;
  if (groupMembers(t.kernel, p.pid).length > 0) fail(EPERM);
  p.sid = p.pgid = p.pid;
  p.ctty = undefined; // a new session starts without a controlling terminal
  return p.pid;
}

function putU32s(t: Task, vals: Array<[number, number]>): void {
  for (const [addr, v] of vals) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    t.process.mm.write(addr, new Uint8Array(b.buffer, b.byteOffset, 4));
  }
}
export function sysGetresuid(t: Task, r: number, e: number, s: number): number {
  const c = t.process.creds;
  putU32s(t, [[r, c.uid], [e, c.euid], [s, c.suid]]);
  return 0;
}
export function sysGetresgid(t: Task, r: number, e: number, s: number): number {
  const c = t.process.creds;
  putU32s(t, [[r, c.gid], [e, c.egid], [s, c.sgid]]);
  return 0;
}
export function sysGetgroups(t: Task, size: number, list: number): number {
  const g = t.process.creds.groups;
  if ((size | 0) === 0) return g.length;
  if ((size | 0) < g.length) fail(EINVAL);
  const b = Buffer.alloc(g.length * 4);
  g.forEach((v, i) => b.writeUInt32LE(v, i * 4));
  if (g.length) t.process.mm.write(list, new Uint8Array(b.buffer, b.byteOffset, b.length));
  return g.length;
}

export function sysSetTidAddress(t: Task, addr: number): number {
  t.clearChildTid = addr;
  return t.tid;
}

export function sysSetRobustList(t: Task, head: number, len: number): number {
  if (len !== 24) fail(EINVAL); // sizeof(struct robust_list_head)
  t.robustList = head;
  t.robustListLen = len;
  return 0;
}

/** get_robust_list(pid, head_ptr, len_ptr): any thread's list head (0 = the caller). */
export function sysGetRobustList(t: Task, pid: number, headPtr: number, lenPtr: number): number {
  const th = (pid | 0) === 0 ? t : findTask(t.kernel, pid | 0);
  if (!th || th.state === 'dead') fail(ESRCH);
  // ptrace_may_access: another user's threads are refused (no ptrace capabilities here).
  if (th.process !== t.process && th.process.creds.uid !== t.process.creds.euid && t.process.creds.euid !== 0) fail(EPERM);
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(th.robustList));
  t.process.mm.write(headPtr, new Uint8Array(b.buffer, b.byteOffset, 8));
  b.writeBigUInt64LE(24n); // sizeof(struct robust_list_head), whatever was registered
  t.process.mm.write(lenPtr, new Uint8Array(b.buffer, b.byteOffset, 8));
  return 0;
}

/** rseq: ENOSYS, which glibc and tcmalloc treat as "no restartable sequences" (issue #2). */
export function sysRseq(): number { return fail(ENOSYS); }

// ---- resource limits -----------------------------------------------------------------------
const INF = Infinity;
function defaultLimit(res: number, p: Process): [number, number] {
  switch (res) {
    case RLIMIT_STACK: return [STACK_SIZE, INF];
    case RLIMIT_NOFILE: return [Math.min(RLIMIT_NOFILE_DEFAULT, p.kernel.limits.files), p.kernel.limits.files];
    case RLIMIT_NPROC: return [63704, 63704];
    case 4 /* RLIMIT_CORE */: return [0, INF];
    case 8 /* RLIMIT_MEMLOCK */: return [8 << 20, 8 << 20];
    case 10 /* RLIMIT_LOCKS */: return [INF, INF];
    case 11 /* RLIMIT_SIGPENDING */: return [63704, 63704];
    case 12 /* RLIMIT_MSGQUEUE */: return [819200, 819200];
    case 13 /* RLIMIT_NICE */: case 14 /* RLIMIT_RTPRIO */: return [0, 0];
    default: return [INF, INF]; // CPU, FSIZE, DATA, RSS, AS, RTTIME
  }
}
/** A process's [soft, hard] limit of resource `res` (Infinity = RLIM_INFINITY). */
export function rlimitOf(p: Process, res: number): [number, number] {
  return p.rlimits.get(res) ?? defaultLimit(res, p);
}

const RLIMIT_NLIMITS = 16;

function encodeLimit(v: number): bigint { return v === INF ? RLIM64_INFINITY : BigInt(v); }
function decodeLimit(v: bigint): number { return v >= 0x7fffffffffffffffn ? INF : Number(v); }

export function sysPrlimit64(t: Task, pid: number, res: number, newp: number, oldp: number): number {
  if ((pid | 0) !== 0 && (pid | 0) !== t.process.pid) fail(ESRCH); // other processes: issue #4
  res |= 0;
  if (res < 0 || res >= RLIMIT_NLIMITS) fail(EINVAL);
  const p = t.process;
  const cur = p.rlimits.get(res) ?? defaultLimit(res, p);
  let next: [number, number] | undefined;
  if (newp) {
    const b = Buffer.from(p.mm.read(newp, 16));
    next = [decodeLimit(b.readBigUInt64LE(0)), decodeLimit(b.readBigUInt64LE(8))];
    if (next[0] > next[1]) fail(EINVAL);
    if (next[1] > cur[1] && !hasCap(p.creds, CAP_SYS_RESOURCE)) fail(EPERM);
    // The instance's open-file cap is a ceiling even root cannot raise (Linux's is fs.nr_open).
    if (res === RLIMIT_NOFILE && next[1] > t.kernel.limits.files) fail(EPERM);
  }
  if (oldp) {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(encodeLimit(cur[0]), 0);
    b.writeBigUInt64LE(encodeLimit(cur[1]), 8);
    p.mm.write(oldp, new Uint8Array(b.buffer, b.byteOffset, 16));
  }
  if (next) {
    p.rlimits.set(res, next);
    if (res === RLIMIT_NOFILE) p.fds.limit = Math.min(next[0], 1 << 20);
  }
  return 0;
}
export function sysGetrlimit(t: Task, res: number, old: number): number { return sysPrlimit64(t, 0, res, 0, old); }
export function sysSetrlimit(t: Task, res: number, nw: number): number { return sysPrlimit64(t, 0, res, nw, 0); }

// ---- uname, personality, arch_prctl, prctl -------------------------------------------------
/**
 * personality(2): 0xffffffff only asks; anything else becomes the persona (Linux accepts every
 * value since exec domains went away), and the old one is returned. wasl stores it and reports
 * it; the flags' effects (ADDR_NO_RANDOMIZE is wasl's layout anyway, READ_IMPLIES_EXEC, UNAME26,
 * ADDR_LIMIT_32BIT) are not applied (docs/compat.md).
 */
export function sysPersonality(t: Task, persona: number): number {
  const p = t.process, old = p.personality;
  if ((persona >>> 0) !== 0xffffffff) p.personality = persona >>> 0;
  return old;
}

/** The kernel release wasl reports: a 6.1 LTS kernel, whose syscall set lxcore follows. */
export const UNAME_RELEASE = '6.1.0-wasl';

/** The domain name uname reports: the instance's (setdomainname), else the host's. */
export function domainName(t: Task): string {
  return t.kernel.domainname ?? (hostText('/proc/sys/kernel/domainname', () => '(none)').trim() || '(none)');
}

export function sysUname(t: Task, buf: number): number {
  // struct utsname: six 65-byte fields.
  const b = Buffer.alloc(65 * 6);
  const fields = ['Linux', t.kernel.hostname ?? os.hostname(), UNAME_RELEASE, '#1 SMP wasl', 'x86_64', domainName(t)];
  fields.forEach((s, i) => b.write(s.slice(0, 64), i * 65, 'latin1'));
  t.process.mm.write(buf, new Uint8Array(b.buffer, b.byteOffset, b.length));
  return 0;
}

const CAP_SYS_ADMIN = 21, NEW_UTS_LEN = 64;

/**
 * sethostname(2) / setdomainname(2): the instance's UTS names (one UTS namespace per instance,
 * never the host's). CAP_SYS_ADMIN first, then the length (at most 64 bytes), then the copy.
 */
function utsName(t: Task, addr: number, len: number): string {
  if (!hasCap(t.process.creds, CAP_SYS_ADMIN)) fail(EPERM);
  if (len < 0 || len > NEW_UTS_LEN) fail(EINVAL);
  const bytes = len ? t.process.mm.read(addr, len) : new Uint8Array(0);
  const z = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, z < 0 ? bytes.length : z)).toString('latin1');
}
export function sysSethostname(t: Task, name: number, len: number): number {
  t.kernel.hostname = utsName(t, name, len);
  return 0;
}
export function sysSetdomainname(t: Task, name: number, len: number): number {
  t.kernel.domainname = utsName(t, name, len);
  return 0;
}

const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;

export function sysArchPrctl(t: Task, code: number, addr: number): number {
  const c = t.kernel.core;
  switch (code | 0) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
      if (addr < 0 || addr >= 0x800000000000) fail(EPERM); // must be a canonical user address
      if ((code | 0) === ARCH_SET_FS) c.fsBase = addr; else c.gsBase = addr;
      return 0;
    case ARCH_GET_FS:
    case ARCH_GET_GS: {
      const v = (code | 0) === ARCH_GET_FS ? c.fsBase : c.gsBase;
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(v));
      t.process.mm.write(addr, new Uint8Array(b.buffer, b.byteOffset, 8));
      return 0;
    }
    default:
      return fail(EINVAL); // ARCH_GET_CPUID/SET_CPUID, CET and AMX controls are not offered
  }
}

const taskNames = new WeakMap<Task, Uint8Array>();

/** fork: the child inherits the name (comm). */
export function inheritTaskName(from: Task, to: Task): void {
  const n = taskNames.get(from);
  if (n) taskNames.set(to, n.slice());
}
/**
 * execve: the name becomes the last component of the path the program was executed by, cut to
 * 15 bytes (begin_new_exec) — "exe" for busybox's re-exec of /proc/self/exe, as on Linux.
 */
export function setTaskName(t: Task, filename: string): void {
  const out = new Uint8Array(16);
  out.set(Buffer.from(filename.slice(filename.lastIndexOf('/') + 1)).subarray(0, 15));
  taskNames.set(t, out);
}
/** Writing /proc/PID/comm (comm_write): at most 15 bytes, up to a NUL, newline and all. */
export function setTaskComm(t: Task, bytes: Uint8Array): void {
  const z = bytes.indexOf(0);
  const out = new Uint8Array(16);
  out.set(bytes.subarray(0, Math.min(z < 0 ? bytes.length : z, 15)));
  taskNames.set(t, out);
}
/** The thread's name as /proc/PID/comm shows it: set by exec or PR_SET_NAME, else the exe's. */
export function taskComm(t: Task): string {
  const n = taskNames.get(t);
  if (!n) return (t.process.exe.split('/').pop() ?? '').slice(0, 15);
  const z = n.indexOf(0);
  return Buffer.from(n.subarray(0, z < 0 ? 15 : z)).toString('utf8');
}



export function sysSchedYield(): number { return 0; }

const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;
export function sysGetrandom(t: Task, buf: number, len: number, flags: number): number {
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) fail(EINVAL);
  if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE)) fail(EINVAL);
  if (len < 0) fail(EFAULT);
  const n = Math.min(len, 33554431); // Linux returns at most 32 MiB − 1 per call
  const data = new Uint8Array(n);
  crypto.randomFillSync(data);
  t.process.mm.write(buf, data);
  return n;
}

export function sysSysinfo(t: Task, info: number): number {
  // struct sysinfo (x86-64): 112 bytes.
  const b = Buffer.alloc(112);
  b.writeBigInt64LE(BigInt(Math.floor(os.uptime())), 0);
  const [l1, l5, l15] = os.loadavg();
  b.writeBigUInt64LE(BigInt(Math.round(l1 * 65536)), 8);
  b.writeBigUInt64LE(BigInt(Math.round(l5 * 65536)), 16);
  b.writeBigUInt64LE(BigInt(Math.round(l15 * 65536)), 24);
  // Memory figures as the host's kernel has them (/proc/meminfo, which free(1) reads beside this
  // call: they must agree). os.freemem() is MemAvailable, not freeram.
  const mem = (name: string, fallback: number) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(hostText('/proc/meminfo', () => ''));
    return m ? BigInt(m[1]) * 1024n : BigInt(fallback);
  };
  b.writeBigUInt64LE(mem('MemTotal', os.totalmem()), 32);
  b.writeBigUInt64LE(mem('MemFree', os.freemem()), 40);
  b.writeBigUInt64LE(mem('Shmem', 0), 48);
  b.writeBigUInt64LE(mem('Buffers', 0), 56);
  b.writeBigUInt64LE(mem('SwapTotal', 0), 64);
  b.writeBigUInt64LE(mem('SwapFree', 0), 72);
  b.writeUInt16LE(Math.min(t.kernel.processes.size, 65535), 80);
  b.writeUInt32LE(1, 104); // mem_unit
  t.process.mm.write(info, new Uint8Array(b.buffer, b.byteOffset, b.length));
  return 0;
}

// ---- signals ------------------------------------------------------------------------------------
// The signal calls live in sys_signal.ts; sendSignal is re-exported for the callers it had here.
export { sendSignal } from './sys_signal.js';
