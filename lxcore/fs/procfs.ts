// wasl's own /proc (proc(5)): the processes of this kernel, not the host's. The first slice:
// self, thread-self, PID/{exe,cwd,root,cmdline,environ,comm,stat,status,maps,fd/,task/TID/}, cpuinfo,
// meminfo, uptime, loadavg, version. The filesystem work (issue #5) grows it.

import * as os from 'node:os';
import { dir, staticDir, file, link, inoOf, SynNode, SynMount } from './synthetic.js';
import { UNAME_RELEASE, taskComm } from '../syscalls/sys_process.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC, MAP_SHARED } from '../abi/mman.js';
import type { Task, Process } from '../kernel/task.js';

export const PROC_DEV = 0x15; // what Linux's procfs reports as st_dev (0:21)

/** When the host booted, in ns since the epoch: /proc/PID/stat's starttime counts from it. */
const BOOT_NS = Date.now() * 1e6 - os.uptime() * 1e9;

const cstrings = (list: string[]) => list.map((s) => s + '\0').join('');

function comm(p: Process): string {
  const main = p.threads[0];
  return main ? taskComm(main) : (p.exe.split('/').pop() ?? '').slice(0, 15);
}

/** UNIX98_PTY_SLAVE_MAJOR: the device of /dev/pts/N. */
const PTS_MAJOR = 136;

/** /proc/PID/stat: the 52 fields of proc(5), those wasl knows filled in, the rest 0. */
function stat(p: Process): string {
  const state = p.status ? 'Z' : 'R';
  const vsize = p.mm.vmas.reduce((s, v) => s + (v.end - v.start), 0);
  const rss = Math.ceil(vsize / 4096); // an upper bound: frames are not counted per process yet
  const startTicks = Math.floor((p.startNs - BOOT_NS) / 10_000_000);
  // tty_nr (new_encode_dev of /dev/pts/N) and tpgid: of a lxcore controlling terminal only.
  const c = p.ctty;
  const ttyNr = c ? (c.index & 0xff) | (PTS_MAJOR << 8) | ((c.index & ~0xff) << 12) : 0;
  const tpgid = c ? c.pgrp : -1;
  const f = [p.pid, `(${comm(p)})`, state, p.ppid, p.pgid, p.sid, ttyNr, tpgid, 0x400000, 0, 0, 0, 0, 0, 0, 0, 0,
    20, 0, p.threads.length, 0, startTicks, vsize, rss, 'RLIM_INFINITY'];
  const tail = new Array(52 - f.length).fill(0);
  return [...f, ...tail].join(' ').replace('RLIM_INFINITY', '18446744073709551615') + '\n';
}

function status(p: Process): string {
  const c = p.creds;
  return [
    `Name:\t${comm(p)}`, 'Umask:\t' + p.umask.toString(8).padStart(4, '0'), `State:\t${p.status ? 'Z (zombie)' : 'R (running)'}`,
    `Tgid:\t${p.pid}`, 'Ngid:\t0', `Pid:\t${p.pid}`, `PPid:\t${p.ppid}`, 'TracerPid:\t0',
    `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.euid}`, `Gid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.egid}`,
    `FDSize:\t${Math.max(64, p.fds.limit)}`, `Groups:\t${c.groups.join(' ')}`, `Threads:\t${p.threads.length}`,
    '',
  ].join('\n');
}

/** /proc/PID/maps, in the kernel's format (show_map_vma). */
function maps(p: Process): string {
  return p.mm.vmas.map((v) => {
    const perms = (v.prot & PROT_READ ? 'r' : '-') + (v.prot & PROT_WRITE ? 'w' : '-') + (v.prot & PROT_EXEC ? 'x' : '-') + (v.flags & MAP_SHARED ? 's' : 'p');
    const head = `${v.start.toString(16).padStart(8, '0')}-${v.end.toString(16).padStart(8, '0')} ${perms} 00000000 00:00 0`;
    return v.name ? head.padEnd(73) + v.name : head + ' ';
  }).join('\n') + '\n';
}

function fdDir(p: Process): SynNode {
  return dir(() => new Map(p.fds.fds().map((fd) => {
    const f = p.fds.get(fd);
    return [String(fd), { ...link(() => f.path, inoOf(`/proc/${p.pid}/fd/${fd}`)), mode: 0o700, magic: () => f }];
  })), inoOf(`/proc/${p.pid}/fd`));
}

function pidDir(p: Process): SynNode {
  const base = `/proc/${p.pid}`;
  const entries: Record<string, SynNode> = {
    exe: link(() => p.exe, inoOf(base + '/exe')),
    cwd: link(() => p.cwd, inoOf(base + '/cwd')),
    root: link(() => '/', inoOf(base + '/root')),
    cmdline: file(() => cstrings(p.argv), inoOf(base + '/cmdline')),
    environ: file(() => cstrings(p.env), inoOf(base + '/environ'), 0o400),
    comm: file(() => comm(p) + '\n', inoOf(base + '/comm'), 0o644),
    stat: file(() => stat(p), inoOf(base + '/stat')),
    status: file(() => status(p), inoOf(base + '/status')),
    maps: file(() => maps(p), inoOf(base + '/maps')),
    fd: fdDir(p),
  };
  const m = new Map(Object.entries(entries));
  // task/TID: one directory per live thread, the process's files with the thread's own comm
  // (proc_tid_base_operations, a subset); a thread leader that exited first is not listed.
  m.set('task', dir(() => new Map(p.threads.filter((th) => th.state !== 'dead').map((th) => {
    const tb = `${base}/task/${th.tid}`;
    const tm = new Map(Object.entries({ ...entries, comm: file(() => taskComm(th) + '\n', inoOf(tb + '/comm'), 0o644) }));
    return [String(th.tid), dir(() => tm, inoOf(tb))];
  })), inoOf(base + '/task')));
  return dir(() => m, inoOf(base));
}

function cpuinfo(): string {
  // Matches what CPUID reports (cpu/ops/cpuid.ts): one logical CPU.
  return [
    'processor\t: 0', 'vendor_id\t: GenuineIntel', 'cpu family\t: 6', 'model\t\t: 85',
    'model name\t: wasl x86-64 interpreter', 'stepping\t: 7', 'cpu MHz\t\t: 1000.000',
    'cache size\t: 32768 KB', 'physical id\t: 0', 'siblings\t: 1', 'core id\t\t: 0', 'cpu cores\t: 1',
    'fpu\t\t: yes', 'fpu_exception\t: yes', 'cpuid level\t: 13', 'wp\t\t: yes',
    // Linux's names, in its order, for exactly the bits CPUID reports (tests/cpuid.test.ts).
    'flags\t\t: fpu tsc cx8 cmov mmx fxsr sse sse2 syscall nx lm pni ssse3 cx16 sse4_1 sse4_2 movbe popcnt lahf_lm',
    'clflush size\t: 64', 'cache_alignment\t: 64',
    'address sizes\t: 39 bits physical, 48 bits virtual', '', '',
  ].join('\n');
}

function meminfo(): string {
  const kb = (n: number) => `${Math.floor(n / 1024)} kB`.padStart(11);
  return [`MemTotal:    ${kb(os.totalmem())}`, `MemFree:     ${kb(os.freemem())}`, `MemAvailable:${kb(os.freemem())}`,
    `SwapTotal:   ${kb(0)}`, `SwapFree:    ${kb(0)}`, ''].join('\n');
}

export function procfs(): SynMount {
  const fixed: Record<string, SynNode> = {
    self: link((t: Task) => String(t.process.pid)),
    'thread-self': link((t: Task) => `${t.process.pid}/task/${t.tid}`),
    cpuinfo: file(cpuinfo),
    meminfo: file(meminfo),
    uptime: file(() => `${os.uptime().toFixed(2)} ${(os.uptime() * 0.9).toFixed(2)}\n`),
    loadavg: file((t: Task) => `${os.loadavg().map((x) => x.toFixed(2)).join(' ')} 1/${t.kernel.processes.size} ${t.process.pid}\n`),
    version: file(() => `Linux version ${UNAME_RELEASE} (wasl) #1 SMP wasl\n`),
    filesystems: file(() => 'nodev\tproc\nnodev\tdevtmpfs\nnodev\tsysfs\n'),
    sys: staticDir({ kernel: staticDir({
      ostype: file(() => 'Linux\n'),
      osrelease: file(() => UNAME_RELEASE + '\n'),
      hostname: file(() => os.hostname() + '\n'),
      pid_max: file(() => '4194304\n'),
    }) }),
  };
  const root = dir((t: Task) => {
    const m = new Map<string, SynNode>(Object.entries(fixed));
    for (const p of t.kernel.processes.values()) m.set(String(p.pid), pidDir(p));
    return m;
  }, 1);
  return { root, dev: PROC_DEV };
}
