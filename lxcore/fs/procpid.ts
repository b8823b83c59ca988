// The per-process files of wasl's /proc (proc(5), fs/proc/array.c, task_mmu.c, base.c): stat,
// status, statm, maps, smaps, limits, fdinfo — every one of them a guest fact, computed from
// lxcore's own process, thread, address-space and descriptor state, in Linux's exact format.

import { locks, lockLine } from './locks.js';
import { hostText, allowedCpus, cpuListText, bootNs, USER_HZ } from './hostinfo.js';
import { taskComm, rlimitOf } from '../syscalls/sys_process.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC, MAP_SHARED, MAP_GROWSDOWN } from '../abi/mman.js';
import { devMajor, devMinor } from '../abi/stat.js';
import { O_CLOEXEC } from '../abi/fcntl.js';
import type { Task, Process } from '../kernel/task.js';
import type { Vma, AddressSpace } from '../mm/mm.js';

const P = 4096;
const RLIM_INFINITY = '18446744073709551615';
/** CAP_LAST_CAP of the kernels wasl models (CAP_CHECKPOINT_RESTORE = 40). */
export const CAP_LAST_CAP = 40;
const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');
const kB = (bytes: number) => `${String(Math.floor(bytes / 1024)).padStart(8)} kB`;

/** The thread whose state /proc/PID reports: the leader, or the first live thread. */
export function mainThread(p: Process): Task | undefined {
  return p.threads.find((th) => th.state !== 'dead') ?? p.threads[0];
}

export function comm(p: Process): string {
  const main = p.threads[0];
  return main ? taskComm(main) : (p.exe.split('/').pop() ?? '').slice(0, 15);
}

/** get_task_state(): the reader itself is running; a parked task sleeps interruptibly. */
function state(p: Process, th: Task | undefined, reader: Task): [string, string] {
  if (p.status) return ['Z', 'zombie'];
  if (!th || th.state === 'dead') return ['Z', 'zombie'];
  if (p.signals.stopped) return ['T', 'stopped'];
  if (th === reader || th.state === 'runnable') return ['R', 'running'];
  return ['S', 'sleeping'];
}

/** Signals whose disposition is SIG_IGN, and those with a handler (the sa_handler word). */
function dispositions(p: Process): [bigint, bigint] {
  let ign = 0n, cgt = 0n;
  for (const [sig, act] of p.sigactions) {
    const h = new DataView(act.buffer, act.byteOffset, 8).getBigUint64(0, true);
    if (h === 1n) ign |= 1n << BigInt(sig - 1);
    else if (h !== 0n) cgt |= 1n << BigInt(sig - 1);
  }
  return [ign, cgt];
}

/** What the address space adds up to, by Linux's accounting (task_mem, task_statm). */
interface MemFigures { size: number; rss: number; rssFile: number; data: number; stack: number; exe: number; lib: number }
function memFigures(p: Process): MemFigures {
  const mm = p.mm;
  const f: MemFigures = { size: 0, rss: 0, rssFile: 0, data: 0, stack: 0, exe: 0, lib: 0 };
  if (p.status) return f; // a zombie has no address space
  let execVm = 0;
  for (const v of mm.vmas) {
    const len = v.end - v.start;
    f.size += len;
    const res = resident(p, v) * P;
    f.rss += res;
    if (v.file) f.rssFile += res;
    if (v.flags & MAP_GROWSDOWN) f.stack += len;
    else if ((v.prot & PROT_WRITE) && !(v.flags & MAP_SHARED)) f.data += len;
    else if ((v.prot & PROT_EXEC) && !(v.prot & PROT_WRITE)) execVm += len;
  }
  const { startCode, endCode } = mm.layout;
  f.exe = endCode > startCode ? Math.ceil(endCode / P) * P - (startCode - (startCode % P)) : 0;
  f.lib = Math.max(0, execVm - f.exe);
  return f;
}

function resident(p: Process, v: Vma): number {
  let n = 0;
  p.mm.pt.forEach(v.start, v.end, () => { n++; });
  return n;
}

/** A CPU bitmap as %*pb prints it: hex, 32-bit groups separated by commas. */
function cpuBitmap(cpus: number[]): string {
  const words = new Array(Math.floor(Math.max(...cpus) / 32) + 1).fill(0);
  for (const c of cpus) words[c >> 5] |= 1 << (c & 31);
  return words.reverse().map((w, i) => (w >>> 0).toString(16).padStart(i ? 8 : 1, '0')).join(',');
}

/** A line of the host's own status file, for facts of the machine (NUMA nodes, CPU bugs). */
function hostStatusLine(name: string, fallback: string): string {
  const m = new RegExp(`^${name}:\\t(.*)$`, 'm').exec(hostText('/proc/self/status', () => ''));
  return m ? m[1] : fallback;
}

/** UNIX98_PTY_SLAVE_MAJOR: the device of /dev/pts/N. */
const PTS_MAJOR = 136;

/**
 * tty_nr (new_encode_dev of /dev/pts/N) and tpgid: of a lxcore controlling terminal when the
 * process has one (lxcore/tty/), else the host's, as the first process inherits them.
 */
function ttyOf(p: Process): [number, number] {
  const c = p.ctty;
  if (c) return [(c.index & 0xff) | (PTS_MAJOR << 8) | ((c.index & ~0xff) << 12), c.pgrp];
  return hostTty();
}

/** The controlling terminal and its foreground group: the host's, as the first process inherits them. */
function hostTty(): [number, number] {
  const st = hostText('/proc/self/stat', () => '');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return f.length > 6 ? [Number(f[4]), Number(f[5])] : [0, -1];
}

/**
 * /proc/PID/stat and /proc/PID/task/TID/stat (do_task_stat): 52 fields. `th` is the thread for
 * a task file; for the process file times and faults add up over its threads.
 */
export function stat(p: Process, reader: Task, th?: Task): string {
  const whole = th === undefined;
  const task = th ?? mainThread(p);
  const [st] = state(p, task, reader);
  const threads = whole ? p.threads : task ? [task] : [];
  const ticks = (ns: number) => Math.floor(ns / (1e9 / USER_HZ));
  // The process's own total includes threads that have exited (kernel.chargeCpu keeps it).
  const utime = ticks(whole ? p.cpuNs : threads.reduce((s, x) => s + x.cpuNs, 0));
  const m = memFigures(p);
  const L = p.status ? { startCode: 0, endCode: 0, startData: 0, endData: 0, startStack: 0, argStart: 0, argEnd: 0, envStart: 0, envEnd: 0 } : p.mm.layout;
  const [ttyNr, tpgid] = ttyOf(p);
  const [ign, cgt] = dispositions(p);
  const pending = (task?.signals.pending.set ?? 0n) | p.signals.shared.set;
  const rss = rlimitOf(p, 5 /* RLIMIT_RSS */)[0];
  const low31 = (v: bigint) => v & 0x7fffffffn; // the obsolete signal fields show 31 signals
  const f: Array<number | string | bigint> = [
    // 1-8: pid (comm) state ppid pgrp session tty_nr tpgid
    task && !whole ? task.tid : p.pid, `(${task && !whole ? taskComm(task) : comm(p)})`, st, p.ppid, p.pgid, p.sid,
    ttyNr, ttyNr ? tpgid : -1,
    // 9-17: flags (PF_RANDOMIZE, as a user process shows) minflt cminflt majflt cmajflt utime stime cutime cstime
    0x400000, p.status ? 0 : p.mm.minflt, 0, 0, 0, utime, 0, whole ? ticks(p.childCpuNs) : 0, 0,
    // 18-25: priority nice num_threads itrealvalue starttime vsize rss rsslim
    priorityField(task ?? p.threads[0]), task?.nice ?? p.threads[0]?.nice ?? 0, p.threads.filter((x) => x.state !== 'dead').length || 1, 0,
    Math.max(0, Math.floor((p.startNs - bootNs()) / (1e9 / USER_HZ))), m.size, m.rss / P, rss === Infinity ? RLIM_INFINITY : rss,
    // 26-30: startcode endcode startstack kstkesp kstkeip (the last two 0 unless dumping core)
    L.startCode, L.endCode, L.startStack, 0, 0,
    // 31-37: signal blocked sigignore sigcatch wchan nswap cnswap
    low31(pending), low31(task?.sigmask ?? 0n), low31(ign), low31(cgt), 0, 0, 0,
    // 38-44: exit_signal processor rt_priority policy delayacct_blkio_ticks guest_time cguest_time
    p.exitSignal, 0, (task ?? p.threads[0])?.rtPriority ?? 0, (task ?? p.threads[0])?.policy ?? 0, 0, 0, 0,
    // 45-52: start_data end_data start_brk arg_start arg_end env_start env_end exit_code
    L.startData, L.endData, p.status ? 0 : p.mm.brkStart, L.argStart, L.argEnd, L.envStart, L.envEnd,
    p.status ? p.status.wstatus : 0,
  ];
  return f.join(' ') + '\n';
}

/** /proc/PID/statm: sizes in pages (task_statm). */
export function statm(p: Process): string {
  const m = memFigures(p);
  return [m.size, m.rss, m.rssFile, m.exe, 0, m.data + m.stack, 0].map((b) => Math.floor(b / P)).join(' ') + '\n';
}

/** /proc/PID/status (proc_pid_status), the fields of a 6.x kernel in its order. */
export function status(p: Process, reader: Task, th?: Task): string {
  const task = th ?? mainThread(p);
  const [letter, word] = state(p, task, reader);
  const c = p.creds;
  const m = memFigures(p);
  const [ign, cgt] = dispositions(p);
  const caps = c.euid === 0 ? (1n << BigInt(CAP_LAST_CAP + 1)) - 1n : 0n;
  const fdSize = p.status ? 0 : p.fds.size;
  const tid = task && th ? task.tid : p.pid;
  const live = p.threads.filter((x) => x.state !== 'dead').length || 1;
  return [
    `Name:\t${th ? taskComm(th) : comm(p)}`,
    `Umask:\t${p.umask.toString(8).padStart(4, '0')}`,
    `State:\t${letter} (${word})`,
    `Tgid:\t${p.pid}`, 'Ngid:\t0', `Pid:\t${tid}`, `PPid:\t${p.ppid}`, 'TracerPid:\t0',
    `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.euid}`, `Gid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.egid}`,
    `FDSize:\t${fdSize}`, `Groups:\t${c.groups.join(' ')} `,
    `NStgid:\t${p.pid}`, `NSpid:\t${tid}`, `NSpgid:\t${p.pgid}`, `NSsid:\t${p.sid}`, 'Kthread:\t0',
    ...(p.status ? [] : [
      `VmPeak:\t${kB(m.size)}`, `VmSize:\t${kB(m.size)}`, `VmLck:\t${kB(p.mm.lockedBytes)}`, `VmPin:\t${kB(0)}`,
      `VmHWM:\t${kB(m.rss)}`, `VmRSS:\t${kB(m.rss)}`, `RssAnon:\t${kB(m.rss - m.rssFile)}`,
      `RssFile:\t${kB(m.rssFile)}`, `RssShmem:\t${kB(0)}`, `VmData:\t${kB(m.data)}`,
      `VmStk:\t${kB(m.stack)}`, `VmExe:\t${kB(m.exe)}`, `VmLib:\t${kB(m.lib)}`,
      `VmPTE:\t${kB(4096 * Math.max(1, Math.ceil(p.mm.vmas.length / 4)))}`, `VmSwap:\t${kB(0)}`,
      `HugetlbPages:\t${kB(0)}`,
      'CoreDumping:\t0', 'THP_enabled:\t1', 'untag_mask:\t0xffffffffffffffff',
    ]),
    `Threads:\t${live}`,
    `SigQ:\t${p.signals.queued}/${rlimitOf(p, 11 /* RLIMIT_SIGPENDING */)[0]}`,
    `SigPnd:\t${hex16(task?.signals.pending.set ?? 0n)}`, `ShdPnd:\t${hex16(p.signals.shared.set)}`,
    `SigBlk:\t${hex16(task?.sigmask ?? 0n)}`, `SigIgn:\t${hex16(ign)}`, `SigCgt:\t${hex16(cgt)}`,
    `CapInh:\t${hex16(0n)}`, `CapPrm:\t${hex16(caps)}`, `CapEff:\t${hex16(caps)}`,
    `CapBnd:\t${hex16((1n << BigInt(CAP_LAST_CAP + 1)) - 1n)}`, `CapAmb:\t${hex16(0n)}`,
    'NoNewPrivs:\t0', 'Seccomp:\t0', 'Seccomp_filters:\t0',
    `Speculation_Store_Bypass:\t${hostStatusLine('Speculation_Store_Bypass', 'unknown')}`,
    `SpeculationIndirectBranch:\t${hostStatusLine('SpeculationIndirectBranch', 'unknown')}`,
    // Where the host process may run, and the NUMA nodes: the host's own lines.
    `Cpus_allowed:\t${task?.affinity ? cpuBitmap(task.affinity) : hostStatusLine('Cpus_allowed', cpuBitmap(allowedCpus()))}`,
    `Cpus_allowed_list:\t${task?.affinity ? cpuListText(task.affinity) : hostStatusLine('Cpus_allowed_list', cpuListText(allowedCpus()))}`,
    `Mems_allowed:\t${hostStatusLine('Mems_allowed', '1')}`, 'Mems_allowed_list:\t0',
    `voluntary_ctxt_switches:\t${task?.nvcsw ?? 0}`, `nonvoluntary_ctxt_switches:\t${task?.nivcsw ?? 0}`,
    '',
  ].join('\n');
}

/**
 * One /proc/PID/maps line (show_map_vma): the name starts at column 73 when there is one. An
 * anonymous mapping is named by where it lies, not by how it was made: [heap] if it overlaps
 * the break's range (vma_is_initial_heap), [stack] if it holds the initial stack pointer. The
 * kernel's special mappings ([vdso], [vvar]) carry their own names.
 */
function mapLine(v: Vma, mm: AddressSpace): string {
  let name = v.file || v.special ? v.name : '';
  if (!v.file && v.start < mm.brkEnd && v.end > mm.brkStart) name = '[heap]';
  else if (!v.file && v.start <= mm.layout.startStack && v.end >= mm.layout.startStack) name = '[stack]';
  const perms = (v.prot & PROT_READ ? 'r' : '-') + (v.prot & PROT_WRITE ? 'w' : '-') + (v.prot & PROT_EXEC ? 'x' : '-') + (v.flags & MAP_SHARED ? 's' : 'p');
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  const dev = v.file ? `${hex(Number(devMajor(BigInt(v.file.dev))), 2)}:${hex(Number(devMinor(BigInt(v.file.dev))), 2)}` : '00:00';
  const head = `${hex(v.start, 8)}-${hex(v.end, 8)} ${perms} ${hex(v.file?.off ?? 0, 8)} ${dev} ${v.file?.ino ?? 0} `;
  return name ? head.padEnd(72) + ' ' + name : head;
}

export function maps(p: Process): string {
  if (p.status) return '';
  return p.mm.vmas.map((v) => mapLine(v, p.mm) + '\n').join('');
}

/** /proc/PID/smaps: each mapping's line, then its memory (all of it private, none swapped). */
export function smaps(p: Process): string {
  if (p.status) return '';
  const row = (name: string, kb: number) => `${(name + ':').padEnd(16)}${String(kb).padStart(8)} kB\n`;
  return p.mm.vmas.map((v) => {
    const size = (v.end - v.start) / 1024;
    const rss = resident(p, v) * 4;
    const anon = v.file ? 0 : rss;
    const flags = [v.prot & PROT_READ && 'rd', v.prot & PROT_WRITE && 'wr', v.prot & PROT_EXEC && 'ex',
      v.flags & MAP_SHARED && 'sh', 'mr', 'mw', 'me', v.flags & MAP_SHARED && 'ms', v.flags & MAP_GROWSDOWN && 'gd', v.locked && 'lo',
      (v.prot & PROT_WRITE) && !(v.flags & MAP_SHARED) && 'ac'].filter(Boolean).join(' ');
    return mapLine(v, p.mm) + '\n' + row('Size', size) + row('KernelPageSize', 4) + row('MMUPageSize', 4) + row('Rss', rss) +
      row('Pss', rss) + row('Pss_Dirty', anon) + row('Shared_Clean', 0) + row('Shared_Dirty', 0) +
      row('Private_Clean', rss - anon) + row('Private_Dirty', anon) + row('Referenced', rss) + row('Anonymous', anon) +
      row('KSM', 0) + row('LazyFree', 0) + row('AnonHugePages', 0) + row('ShmemPmdMapped', 0) + row('FilePmdMapped', 0) +
      row('Shared_Hugetlb', 0) + row('Private_Hugetlb', 0) + row('Swap', 0) + row('SwapPss', 0) + row('Locked', v.locked ? rss : 0) +
      'THPeligible:           0\n' + `VmFlags: ${flags} \n`;
  }).join('');
}

/** /proc/PID/limits (proc_pid_limits): the table's columns are padded to 25, 20, 20 and 10. */
const LIMIT_ROWS: Array<[string, string]> = [
  ['Max cpu time', 'seconds'], ['Max file size', 'bytes'], ['Max data size', 'bytes'], ['Max stack size', 'bytes'],
  ['Max core file size', 'bytes'], ['Max resident set', 'bytes'], ['Max processes', 'processes'],
  ['Max open files', 'files'], ['Max locked memory', 'bytes'], ['Max address space', 'bytes'],
  ['Max file locks', 'locks'], ['Max pending signals', 'signals'], ['Max msgqueue size', 'bytes'],
  ['Max nice priority', ''], ['Max realtime priority', ''], ['Max realtime timeout', 'us'],
];
export function limits(p: Process): string {
  const v = (n: number) => (n === Infinity ? 'unlimited' : String(n)).padEnd(20) + ' ';
  let s = `${'Limit'.padEnd(25)} ${'Soft Limit'.padEnd(20)} ${'Hard Limit'.padEnd(20)} ${'Units'.padEnd(10)}\n`;
  LIMIT_ROWS.forEach(([name, unit], res) => {
    const [soft, hard] = rlimitOf(p, res);
    s += `${name.padEnd(25)} ${v(soft)}${v(hard)}${unit ? unit.padEnd(10) : ''}\n`;
  });
  return s;
}

/** stat's priority field (task_prio): 20 + nice for the normal policies, −1 − rt priority for RT. */
function priorityField(t: Task | undefined): number {
  if (!t) return 20;
  return t.policy === 1 || t.policy === 2 ? -1 - t.rtPriority : 20 + t.nice;
}

/** /proc/PID/fdinfo/N (seq_show): position, flags in octal with close-on-exec, mount, inode. */
export function fdinfo(p: Process, fd: number, mntId: number): string {
  const f = p.fds.get(fd);
  const flags = f.flags | (p.fds.entry(fd)?.cloexec ? O_CLOEXEC : 0);
  const extra = (f as { fdinfo?: () => string }).fdinfo?.() ?? ''; // timerfd, pidfd
  // The locks set through this descriptor's description (show_fd_locks), numbered from 1.
  const held = locks.ofDescription(p.fds, f).map((l, i) => `lock:\t${i + 1}: ${lockLine(l)}\n`).join('');
  return `pos:\t${f.pos}\nflags:\t0${flags.toString(8)}\nmnt_id:\t${mntId}\nino:\t${f.stat().ino}\n${extra}${held}`;
}
