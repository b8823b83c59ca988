// wasl's own /proc (proc(5)): the processes of this kernel, not the host's, and the system-wide
// files programs read. Guest facts (pids, states, memory maps, descriptors) come from lxcore
// (procpid.ts holds the per-process formats); host facts (memory, uptime, load, CPUs, boot
// time) are the host's own figures, so a guest comparing them with native sees the same.

import { os, crypto } from '../host.js';
import { dir, staticDir, file, link, inoOf, SynNode, SynDir, SynFile, SynMount } from './synthetic.js';
import { hostText, onlineCpus } from './hostinfo.js';
import { stat, statm, status, maps, smaps, limits, fdinfo, comm, CAP_LAST_CAP } from './procpid.js';
import { mounts, mountinfo, hostMountId, ownMountId } from './mounts.js';
import { netDir } from './procnet.js';
import { HostFile } from './hostfile.js';
import { locks, lockLine } from './locks.js';
import { procSysvipcShm } from '../syscalls/sys_shm.js';
import { procSysvipcSem } from '../syscalls/sys_sem.js';
import { procSysvipcMsg } from '../syscalls/sys_msg.js';
import { PIPE_MAX_SIZE } from './pipe.js';
import { InodeFile } from '../vfs/inodefile.js';
import { UNAME_RELEASE, taskComm, setTaskComm, domainName } from '../syscalls/sys_process.js';
import { fail, EINVAL } from '../abi/errno.js';
import { O_ACCMODE, O_RDONLY, O_WRONLY } from '../abi/fcntl.js';
import type { Task, Process } from '../kernel/task.js';
import type { FileDescription } from '../vfs/file.js';

export const PROC_DEV = 0x15; // what Linux's procfs reports as st_dev (0:21)

const cstrings = (list: string[]) => list.map((s) => s + '\0').join('');

/** A file the guest may write: `write` gets the bytes and returns how many it took. */
const wfile = (content: (t: Task) => string, write: (t: Task, data: Uint8Array) => number, i: number, mode = 0o644): SynFile =>
  ({ kind: 'file', content, write, ino: i, mode });

/** argv or environ as the process's memory holds them now (a program may rewrite them). */
function memStrings(p: Process, start: number, end: number, fallback: string[]): string | Uint8Array {
  if (p.status) return '';
  if (end > start) {
    try { return p.mm.read(start, end - start); } catch { /* unmapped since: what exec gave */ }
  }
  return cstrings(fallback);
}

/** The mount id an open file is on, as mountinfo numbers it. */
function mountIdOf(t: Task, f: FileDescription): number {
  if (f instanceof HostFile) return hostMountId(f.hostFd);
  if (f instanceof InodeFile) return 1000 + f.dentry.mount.id; // mounts.ts numbers VFS mounts so
  for (const at of ['/proc', '/sys', '/dev'] as const) if (f.path === at || f.path.startsWith(at + '/')) return ownMountId(t, at);
  return ownMountId(t, '/proc') - 1; // pipes, eventfds …: an internal mount, as pipefs is
}

function fdDir(p: Process, base: string): SynNode {
  return dir(() => new Map(p.status ? [] : p.fds.fds().map((fd) => {
    const f = p.fds.get(fd);
    const acc = f.flags & O_ACCMODE;
    // lr-x for a file open for reading, l-wx for writing, lrwx for both (proc_fd_link's modes).
    const mode = (acc !== O_WRONLY ? 0o500 : 0) | (acc !== O_RDONLY ? 0o300 : 0);
    // lstat's size is 64 for these links (proc_fd_link's inode), 0 for exe, cwd and root.
    return [String(fd), { ...link(() => f.path, inoOf(`${base}/fd/${fd}`)), mode, size: 64, magic: () => f }];
  })), inoOf(base + '/fd'));
}

function fdinfoDir(p: Process, base: string): SynNode {
  return dir((t) => new Map(p.status ? [] : p.fds.fds().map((fd) =>
    [String(fd), file(() => fdinfo(p, fd, mountIdOf(t, p.fds.get(fd))), inoOf(`${base}/fdinfo/${fd}`), 0o400)])), inoOf(base + '/fdinfo'));
}

/** /proc/PID/oom_score_adj: kept, not acted on (wasl kills nothing for memory). */
const oomScoreAdj = new WeakMap<Process, number>();

/** The files of /proc/PID and /proc/PID/task/TID (`th` set for the latter). */
function pidEntries(p: Process, base: string, th?: Task): Record<string, SynNode> {
  const i = (name: string) => inoOf(`${base}/${name}`);
  const L = () => p.mm.layout;
  const commOf = () => (th ? taskComm(th) : comm(p));
  return {
    exe: link(() => p.exe, i('exe')),
    cwd: link(() => p.cwd, i('cwd')),
    // Its root as the reader's root shows it: "/" unless it made a chroot.
    root: link((t) => {
      const ns = p.kernel.vfs?.ns;
      if (!ns || !p.root) return '/';
      return ns.pathUnder(p.root, t.process.root ?? ns.root) ?? ns.pathOf(p.root, ns.root);
    }, i('root')),
    cmdline: file(() => memStrings(p, L().argStart, L().argEnd, p.argv), i('cmdline')),
    environ: file(() => memStrings(p, L().envStart, L().envEnd, p.env), i('environ'), 0o400),
    auxv: file(() => (p.status ? '' : p.mm.savedAuxv), i('auxv'), 0o400),
    comm: wfile(() => commOf() + '\n', (t, data) => {
      // Only a thread of the same process may rename (comm_write's same_thread_group).
      if (t.process !== p) fail(EINVAL);
      setTaskComm(th ?? p.threads[0], data);
      return data.length;
    }, i('comm')),
    stat: file((t) => stat(p, t, th), i('stat')),
    statm: file(() => statm(p), i('statm')),
    status: file((t) => status(p, t, th), i('status')),
    maps: file(() => maps(p), i('maps')),
    smaps: file(() => smaps(p), i('smaps'), 0o444),
    limits: file(() => limits(p), i('limits')),
    mounts: file((t) => mounts(t), i('mounts')),
    mountinfo: file((t) => mountinfo(t), i('mountinfo')),
    fd: fdDir(p, base),
    fdinfo: fdinfoDir(p, base),
    oom_score: file(() => '0\n', i('oom_score')),
    oom_score_adj: wfile(() => `${oomScoreAdj.get(p) ?? 0}\n`, (_t, data) => {
      const text = Buffer.from(data).toString().trim();
      const v = Number(text);
      if (!/^-?\d+$/.test(text) || v < -1000 || v > 1000) fail(EINVAL);
      oomScoreAdj.set(p, v);
      return data.length;
    }, i('oom_score_adj')),
    // Audit identity and cgroup: the host's, which the guest inherits (no cgroups of its own).
    loginuid: file(() => hostText('/proc/self/loginuid', () => '4294967295'), i('loginuid')),
    sessionid: file(() => hostText('/proc/self/sessionid', () => '4294967295'), i('sessionid')),
    cgroup: file(() => '0::/\n', i('cgroup')),
    net: netDir(),
    wchan: file(() => '0', i('wchan')),
  };
}

/** Gives `nodes` the process's effective ids as owner (ps takes USER from /proc/PID's owner). */
function owned<T extends SynNode>(p: Process, node: T): T {
  node.owner = () => ({ uid: p.creds.euid, gid: p.creds.egid });
  return node;
}

function pidDir(p: Process, th?: Task): SynNode {
  const base = `/proc/${th?.tid ?? p.pid}`;
  const m = new Map(Object.entries(pidEntries(p, base, th)).map(([k, v]) => [k, owned(p, v)]));
  // task/TID: one directory per live thread (proc_tid_base_operations); a thread leader that
  // exited first is not listed.
  m.set('task', owned(p, dir(() => new Map(p.threads.filter((th) => th.state !== 'dead').map((th) => {
    const tb = `${base}/task/${th.tid}`;
    const tm = new Map(Object.entries(pidEntries(p, tb, th)).map(([k, v]) => [k, owned(p, v)]));
    return [String(th.tid), owned(p, dir(() => tm, inoOf(tb)))];
  })), inoOf(base + '/task'))));
  return owned(p, dir(() => m, inoOf(base)));
}

function cpuinfo(): string {
  // What CPUID reports (cpu/ops/cpuid.ts), once per online CPU of the host.
  const cpus = onlineCpus(), n = cpus.length;
  let s = '';
  for (const i of cpus) {
    s += [
      `processor\t: ${i}`, 'vendor_id\t: GenuineIntel', 'cpu family\t: 6', 'model\t\t: 85',
      'model name\t: wasl x86-64 interpreter', 'stepping\t: 7', 'cpu MHz\t\t: 1000.000',
      'cache size\t: 32768 KB', 'physical id\t: 0', `siblings\t: ${n}`, `core id\t\t: ${i}`, `cpu cores\t: ${n}`,
      `apicid\t\t: ${i}`, `initial apicid\t: ${i}`,
      'fpu\t\t: yes', 'fpu_exception\t: yes', 'cpuid level\t: 13', 'wp\t\t: yes',
      // Linux's names, in its order, for exactly the bits CPUID reports (tests/cpuid.test.ts).
      'flags\t\t: fpu tsc cx8 cmov mmx fxsr sse sse2 syscall nx lm pni ssse3 cx16 sse4_1 sse4_2 movbe popcnt xsave lahf_lm xsaveopt xsavec xgetbv1',
      'bugs\t\t:', 'bogomips\t: 2000.00', 'clflush size\t: 64', 'cache_alignment\t: 64',
      'address sizes\t: 39 bits physical, 48 bits virtual', 'power management:', '', '',
    ].join('\n');
  }
  return s;
}

function meminfo(): string {
  const kb = (n: number) => `${Math.floor(n / 1024)} kB`.padStart(11);
  return [`MemTotal:    ${kb(os.totalmem())}`, `MemFree:     ${kb(os.freemem())}`, `MemAvailable:${kb(os.freemem())}`,
    `Buffers:     ${kb(0)}`, `Cached:      ${kb(0)}`, `SwapCached:  ${kb(0)}`,
    `SwapTotal:   ${kb(0)}`, `SwapFree:    ${kb(0)}`, ''].join('\n');
}

/** Guest tasks by state: [runnable, blocked, all]. */
function taskCounts(t: Task): [number, number, number] {
  let run = 0, blocked = 0, all = 0;
  for (const p of t.kernel.processes.values()) {
    if (p.status) continue;
    for (const th of p.threads) {
      if (th.state === 'dead') continue;
      all++;
      if (th.state === 'runnable' || th === t) run++; else blocked++;
    }
  }
  return [run, blocked, all];
}

/** /proc/stat: the host's CPU times (top's CPU line), the guest's own process counts. */
function procStat(t: Task): string {
  const [run, blocked] = taskCounts(t);
  const host = hostText('/proc/stat', () => {
    const cpus = os.cpus().map((c, i) => {
      const j = (x: number) => Math.floor(x / 10);
      return `cpu${i} ${j(c.times.user)} ${j(c.times.nice)} ${j(c.times.sys)} ${j(c.times.idle)} 0 ${j(c.times.irq)} 0 0 0 0`;
    });
    return `cpu  0 0 0 0 0 0 0 0 0 0\n${cpus.join('\n')}\nintr 0\nctxt 0\nbtime ${Math.floor(Date.now() / 1000 - os.uptime())}\nprocesses 0\nprocs_running 0\nprocs_blocked 0\nsoftirq 0\n`;
  });
  return host.replace(/^procs_running \d+$/m, `procs_running ${run}`).replace(/^procs_blocked \d+$/m, `procs_blocked ${blocked}`);
}

function loadavg(t: Task): string {
  const avg = hostText('/proc/loadavg', () => os.loadavg().map((x) => x.toFixed(2)).join(' ') + ' 0/0 0').split(' ').slice(0, 3);
  const [run, , all] = taskCounts(t);
  const last = Math.max(...t.kernel.processes.keys(), ...[...t.kernel.processes.values()].flatMap((p) => p.threads.map((x) => x.tid)));
  return `${avg.join(' ')} ${run}/${all} ${last}\n`;
}

/** Host facts under /proc/sys, with the value a stock kernel has when there is no host /proc. */
const hostSys = (path: string, fallback: string) => file(() => hostText(`/proc/sys/${path}`, () => fallback + '\n'));

/** Filesystems wasl's kernel knows (mount(2) of others fails). */
const FILESYSTEMS = ['nodev\tsysfs', 'nodev\ttmpfs', 'nodev\tproc', 'nodev\tdevtmpfs', 'nodev\tdevpts', 'nodev\tvolfs', 'nodev\tdrvfs'];

export function procfs(): SynMount {
  let bootId: string | undefined; // read when first asked for: this tree is built at every start
  const fixed: Record<string, SynNode> = {
    self: link((t: Task) => String(t.process.pid)),
    'thread-self': link((t: Task) => `${t.process.pid}/task/${t.tid}`),
    cpuinfo: file(cpuinfo),
    meminfo: file(() => hostText('/proc/meminfo', meminfo)),
    uptime: file(() => hostText('/proc/uptime', () => `${os.uptime().toFixed(2)} ${(os.uptime() * onlineCpus().length).toFixed(2)}\n`)),
    loadavg: file(loadavg),
    stat: file(procStat),
    version: file(() => `Linux version ${UNAME_RELEASE} (wasl@wasl) (wasl x86-64 interpreter) #1 SMP wasl\n`),
    filesystems: file(() => FILESYSTEMS.join('\n') + '\n'),
    locks: file(procLocks),
    sysvipc: staticDir({
      shm: file(procSysvipcShm),
      sem: file(procSysvipcSem),
      msg: file(procSysvipcMsg),
    }),
    mounts: link(() => 'self/mounts'),
    net: link(() => 'self/net'),
    sys: staticDir({
      kernel: staticDir({
        ostype: file(() => 'Linux\n'),
        osrelease: file(() => UNAME_RELEASE + '\n'),
        hostname: file((t) => (t.kernel.hostname ?? os.hostname()) + '\n'),
        domainname: file((t) => domainName(t) + '\n'),
        pid_max: hostSys('kernel/pid_max', '4194304'),
        ngroups_max: file(() => '65536\n'),
        cap_last_cap: file(() => `${CAP_LAST_CAP}\n`),
        random: staticDir({
          uuid: file(() => crypto.randomUUID() + '\n'),
          boot_id: file(() => (bootId ??= hostText('/proc/sys/kernel/random/boot_id', () => crypto.randomUUID() + '\n'))),
        }),
      }),
      fs: staticDir({
        'file-max': hostSys('fs/file-max', '9223372036854775807'),
        nr_open: hostSys('fs/nr_open', '1048576'),
        'pipe-max-size': file(() => `${PIPE_MAX_SIZE}\n`),
      }),
      vm: staticDir({ overcommit_memory: hostSys('vm/overcommit_memory', '0') }),
    }),
  };
  const root: SynDir = dir((t: Task) => {
    const m = new Map<string, SynNode>(Object.entries(fixed));
    for (const p of t.kernel.processes.values()) m.set(String(p.pid), pidDir(p));
    return m;
  }, 1);
  // /proc/TID of a thread that is not a leader: there, though readdir does not show it.
  root.hidden = (t: Task, name: string) => {
    if (!/^[1-9]\d*$/.test(name)) return undefined;
    for (const p of t.kernel.processes.values()) {
      const th = p.threads.find((x) => x.tid === Number(name) && x.state !== 'dead');
      if (th) return pidDir(p, th);
    }
    return undefined;
  };
  return { root, dev: PROC_DEV };
}

/**
 * /proc/locks (fs/locks.c lock_get_status): one line per lock, newest first as Linux's list
 * gives them: "N: POSIX  ADVISORY  WRITE PID MAJ:MIN:INO START END|EOF". OFD locks show pid -1.
 */
function procLocks(): string {
  return locks.all().reverse().map((l, i) => `${i + 1}: ${lockLine(l)}\n`).join('');
}
