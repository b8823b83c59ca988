// The kernel of one wasl instance: the core, physical frames, the process table and the
// scheduler (DESIGN.md §4). All guest tasks run on this one JS thread in instruction-budget
// slices; a syscall that must wait returns a promise, its task parks, others run, and when none
// can, the loop awaits the host's event loop.

import { exitRobustList, exitPiStates, futexKey, futexWake } from './futex.js';
import { fs } from '../host.js';
import { PageCache } from '../mm/pagecache.js';
import * as L from '../../cpu/shared/layout.js';
import {
  EXIT_BUDGET, EXIT_SYSCALL, EXIT_PAGE_FAULT, EXIT_UD, EXIT_DE, EXIT_BP, EXIT_GP, EXIT_MF, EXIT_XM, EXIT_DB,
} from '../../cpu/shared/exit.js';
import { Core } from './core.js';
import { FrameAllocator, FrameRefs } from '../mm/pagetable.js';
import { AddressSpace } from '../mm/mm.js';
import { FdTable } from '../vfs/file.js';
import { Process, Task, Credentials, ExitStatus, signaledStatus } from './task.js';
import { loadProgram, initialRegs, killAfterExec, ExeIdentity } from './exec.js';
import { dispatchSyscall } from '../syscalls/dispatch.js';
import { publishFastsys, fastsysCount, hostMs } from './fastsys.js';
import { interpreterOpener, findProgram } from '../syscalls/sys_exec.js';
import { setTaskName } from '../syscalls/sys_process.js';
import { exitSem } from '../syscalls/sys_sem.js';
import { AT_FDCWD } from '../abi/fcntl.js';
import { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGKILL, SIGXCPU } from '../abi/signal.js';
import { LinuxError, ENOMEM, ENOENT } from '../abi/errno.js';
import { signalDefaultAction, returnToUserMode, sendSignalInfo } from './signals.js';
import { siKill, SI_KERNEL } from '../abi/siginfo.js';
import { InstanceLimits, resolveLimits } from './limits.js';
import { RLIMIT_CPU } from '../abi/resource.js';
import { Vfs, MountSpec } from '../vfs/vfs.js';
import type { Filesystem } from '../vfs/api.js';
import type { DiskStoreOptions } from '../../volfs/diskstore.js';
import type { Volfs } from '../../volfs/volfs.js';
import { forceFaultSignal } from './traps.js';
import { processEnded, hostStat } from './proctree.js';
import { disassociateCtty } from '../tty/jobctl.js';
import { SyscallStats } from '../syscalls/stats.js';

/** Instructions per slice: long enough for V8 to tier up, short enough to stay responsive. */
const SLICE = 1 << 20;
/** Early exits (syscalls, resolved page faults) a task may make before the next one runs. */
const QUANTUM_EXITS = 256;
/** Yield to the host event loop at least this often (ms) while guests compute. */
const YIELD_MS = 20;

export interface KernelOptions {
  /** Receives one strace-formatted line per syscall (`--strace`). */
  strace?: (line: string) => void;
  /** Count and time every syscall of every process (`--syscall-stats`; the report is `stats.report()`). */
  syscallStats?: boolean;
  /** Receives wasl's own diagnostics (unimplemented syscalls …); never mixed into guest output. */
  log?: (line: string) => void;
  /** No host filesystem: an empty in-memory volfs at /, plus `mounts` (`--isolated`). */
  isolated?: boolean;
  /** Host directories mounted into the guest (`--mount GUEST=HOST[:opts]`), drvfs. */
  mounts?: MountSpec[];
  /** What the instance may take from the host (limits.ts); unset fields mean no cap of ours. */
  limits?: InstanceLimits;
  /** `none`: no IP networking (socket(AF_INET*) fails with EACCES); default: the host's (docs/security.md). */
  network?: 'host' | 'none';
  /**
   * Where the DNS stub at 10.255.255.254:53 forwards (HOST or HOST:PORT); by default the host's
   * first nameserver in /etc/resolv.conf (lxcore/net/dnsstub.ts).
   */
  dnsUpstream?: string;
  /**
   * A persistent volfs at / kept in this host directory (`--root DIR`; created with the
   * `--isolated` skeleton if missing or empty). One instance at a time may hold it.
   */
  root?: string;
  /** Tuning of the root's store (journal compaction threshold). */
  rootOptions?: DiskStoreOptions;
  /**
   * A filesystem to put at / (an instance's distribution, opened by its caller; the browser
   * playground's volfs on its own store, which gets the `--isolated` skeleton if it is new).
   */
  rootFs?: Filesystem;
  /** The instance's hostname (uname, /proc/sys/kernel/hostname); default: the host's. */
  hostname?: string;
  /** The first pid handed out; default: the host's own pid (qemu-user style). An instance with
   *  its own init starts at 1, as a new PID namespace does. */
  firstPid?: number;
  /**
   * The compiler tier (cpu/jit): false keeps the interpreter alone (`--no-jit`); unset: WASL_JIT
   * when set, else the built-in default (lxcore/kernel/core.ts JIT_DEFAULT).
   */
  jit?: boolean;
}

/**
 * pid 1 of an instance when it is lxcore's own (lxcore/instance/init.ts): orphans are reparented
 * to `process`, and every child of it that ends is reaped at once and passed to `childExited`.
 */
export interface InitProcess {
  readonly process: Process;
  childExited(child: Process): void;
}

export interface SpawnOptions {
  /** The program's bytes (already read from wherever the caller found it), or `path`. */
  image?: Uint8Array;
  /** The executable's canonical path, as /proc/self/exe shows it. */
  exe: string;
  /** The path as the caller named it (AT_EXECFN); defaults to `exe`. */
  execfn?: string;
  argv: string[];
  env: string[];
  cwd: string;
  /** Open descriptions for fds 0, 1, 2 (the kernel takes over their references). */
  stdio: FdTable;
  creds?: Partial<Credentials>;
  /**
   * Instead of `image`: a path in the instance's namespace, opened as the new process itself
   * would open it (its cwd, credentials, mounts); a `#!` script runs its interpreter.
   */
  path?: string;
  /** Its parent (an instance's init); default: the host, as for the CLI's program. */
  parent?: Process;
  /** A session and process group of its own (setsid), instead of the host process's. */
  newSession?: boolean;
  /** The executable's file identity in the instance's own filesystem (else the host's is looked up). */
  identity?: { dev: number; ino: bigint };
}

/** The first program's file identity for /proc/PID/maps: the host's view of its path. */
function exeIdentity(path: string): ExeIdentity {
  try {
    const st = fs.statSync(path, { bigint: true });
    return { path, dev: Number(st.dev), ino: st.ino };
  } catch {
    return { path }; // an image given as bytes, or a path only the guest namespace has
  }
}

export class Kernel {
  readonly core = new Core();
  readonly frames = new FrameAllocator(this.core);
  readonly refs = new FrameRefs();
  /** The frames of MAP_SHARED file mappings, shared by all processes (lxcore/mm/pagecache.ts). */
  readonly pageCache = new PageCache(this.core, this.frames, this.refs);
  readonly processes = new Map<number, Process>();
  readonly unimplemented = new Set<string>();
  /** Per-syscall counts and latencies, when `options.syscallStats` asks for them (syscalls/stats.ts). */
  readonly stats?: SyscallStats;
  /** The file namespace, when the instance has one (isolated or with mounts); else the host's. */
  vfs?: Vfs;
  private runQueue: Task[] = [];
  private onCore: Task | null = null;
  private nextPid: number;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  readonly limits: Required<InstanceLimits>;
  /** Bytes the guest may still write to the instance's output (limits.output). */
  outputLeft = Infinity;
  /** CPU time the instance's tasks have had on the core, in ns (limits.cpuSeconds). */
  cpuNs = 0;
  /** When the task on the core got it (hostMs(), ms): the running stretch's CPU time. */
  stretchStart = 0;
  /** Guest instructions retired and syscalls made by all tasks so far (the playground's readout). */
  insnsRetired = 0;
  private syscallExits = 0;
  /** Syscalls made by every task: those dispatched here and those the core answered itself. */
  get syscallsMade(): number { return this.syscallExits + fastsysCount(this); }
  /** pid 1 when the instance has an init of lxcore's own (lxcore/instance/init.ts). */
  init?: InitProcess;
  /** uname's nodename; undefined: the host's (os.hostname() at each call). */
  hostname?: string;
  /** uname's domainname (setdomainname); undefined: the host's. */
  domainname?: string;

  constructor(readonly options: KernelOptions = {}) {
    if (options.jit !== undefined) this.core.setJit(options.jit);
    this.refs.pageCache = this.pageCache;
    this.limits = resolveLimits(options.limits);
    if (options.syscallStats) this.stats = new SyscallStats();
    this.outputLeft = this.limits.output;
    this.frames.limit = L.FRAMES + this.limits.memory;
    // The first guest pid is the host's own, as under qemu-user: programs that print or compare
    // pids see a plausible number, and none believes it is init.
    this.nextPid = options.firstPid ?? process.pid;
    this.hostname = options.hostname;
    if (options.isolated || options.root !== undefined || options.rootFs || options.mounts?.length) {
      this.vfs = new Vfs({
        isolated: !!options.isolated, root: options.root, rootFs: options.rootFs, rootOptions: options.rootOptions, mounts: options.mounts ?? [],
        uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
      });
    }
  }

  /**
   * The instance's namespace, made on first need over the host root when it had none (mount,
   * umount, chroot on the passthrough): from then on lxcore walks every path, so the mount
   * table and per-process roots apply; paths still lead to the same host files.
   */
  ensureVfs(): Vfs {
    this.vfs ??= new Vfs({ isolated: false, mounts: [], uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    return this.vfs;
  }

  /** Creates a process running `image`; throws LinuxError (ENOEXEC …) if it cannot be loaded. */
  spawn(o: SpawnOptions): Process {
    const uid = o.creds?.uid ?? process.getuid?.() ?? 0;
    const gid = o.creds?.gid ?? process.getgid?.() ?? 0;
    const creds: Credentials = { uid, gid, euid: uid, egid: gid, suid: uid, sgid: gid, fsuid: uid, fsgid: gid, groups: [], ...o.creds };
    const mm = new AddressSpace(this.core, this.frames, this.refs);
    const pid = this.allocPid();
    const proc = new Process(this, pid, o.parent ? o.parent.pid : process.ppid ?? 1, mm, o.stdio, o.cwd, o.exe, o.argv, creds);
    proc.parent = o.parent ?? null;
    o.stdio.limit = Math.min(o.stdio.limit, this.limits.files);
    proc.env = o.env;
    // Its process group and session are the host process's, as for a program the host started:
    // so setsid() and setpgid() succeed or fail as they would natively. An instance's process
    // gets its own (newSession), as WSL's init starts each one.
    if (!o.newSession) [proc.pgid, proc.sid] = hostGroupAndSession(pid);
    // The task exists before the image so that a PT_INTERP is looked up as the process would
    // (its cwd, credentials and namespace); it gets its registers once the image is loaded.
    const task = new Task(pid, proc, initialRegs(0, 0));
    let entry;
    try {
      let image = o.image, argv = o.argv;
      let ident: ExeIdentity = { path: o.exe };
      if (o.path === undefined) ident = o.identity ? { path: o.exe, ...o.identity } : exeIdentity(o.exe); // the CLI's first program: a guest file, or the host's
      else {
        const found = findProgram(task, AT_FDCWD, o.path, 0, o.argv, o.execfn ?? o.path);
        image = found.file.data;
        ident = { path: found.file.exe, dev: found.file.dev, ino: found.file.ino };
        argv = proc.argv = found.argv;
        proc.exe = found.file.exe;
      }
      if (!image) throw new LinuxError(ENOENT, 'spawn: neither an image nor a path');
      entry = loadProgram(mm, image, ident, argv, o.env, o.execfn ?? o.path ?? o.exe, creds, interpreterOpener(task));
      if (o.path !== undefined) setTaskName(task, o.execfn ?? o.path);
    } catch (e) {
      mm.destroy();
      this.freePid(pid);
      throw e;
    }
    task.regs = initialRegs(entry.entry, entry.sp);
    this.startProcess(proc, task);
    if (entry.fatal) killAfterExec(this, task, entry.fatal);
    return proc;
  }

  /** Tasks alive in the instance (limits.tasks; RLIMIT_NPROC counts them per user). */
  liveTasks(uid?: number): number {
    let n = 0;
    for (const p of this.processes.values()) {
      if (p.status || (uid !== undefined && p.creds.uid !== uid)) continue;
      for (const t of p.threads) if (t.state !== 'dead') n++;
    }
    return n;
  }

  /**
   * Accounts `ms` of core time to `t`, then enforces CPU limits: the process's RLIMIT_CPU
   * (SIGXCPU at the soft limit and every second after it, SIGKILL at the hard one, as Linux's
   * check_process_timers does) and the instance's cpuSeconds (every process is killed).
   */
  private accountOnly(t: Task, ms: number): void {
    const ns = Math.max(0, Math.round(ms * 1e6));
    t.cpuNs += ns;
    t.process.cpuNs += ns;
    this.cpuNs += ns;
  }

  private chargeCpu(t: Task, ms: number): void {
    this.accountOnly(t, ms);
    const p = t.process;
    if (this.cpuNs > this.limits.cpuSeconds * 1e9) {
      this.log(`the instance used its ${this.limits.cpuSeconds} s of CPU time: every process is killed by signal ${SIGKILL}`);
      for (const q of [...this.processes.values()]) if (!q.status) this.exitProcess(q, signaledStatus(SIGKILL, false));
      return;
    }
    const lim = p.rlimits.get(RLIMIT_CPU);
    if (!lim || p.status) return;
    const secs = p.cpuNs / 1e9;
    if (secs >= lim[1]) {
      this.log(`${p.exe}: pid ${p.pid}: RLIMIT_CPU hard limit (${lim[1]} s): killed by signal ${SIGKILL}`);
      this.exitProcess(p, signaledStatus(SIGKILL, false));
    } else if (secs >= lim[0] && secs >= p.nextXcpu) {
      p.nextXcpu = Math.floor(secs) + 1;
      sendSignalInfo(this, p, null, SIGXCPU, siKill(SIGXCPU, SI_KERNEL, 0, 0));
    }
  }

  /** The next free pid (never reused within an instance). */
  allocPid(): number {
    while (this.processes.has(this.nextPid)) this.nextPid++;
    return this.nextPid++;
  }

  /** A pid taken by a spawn that failed before the process existed goes back. */
  private freePid(pid: number): void {
    if (this.nextPid === pid + 1) this.nextPid = pid;
  }

  /** Enters a new process (spawn, fork) in the process table and makes its task runnable. */
  startProcess(p: Process, t: Task): void {
    p.threads.push(t);
    this.processes.set(p.pid, p);
    p.parent?.children.add(p);
    this.runQueue.push(t);
    this.kick();
  }

  /** Makes a new thread of an existing process runnable (clone with CLONE_THREAD). */
  startThread(t: Task): void {
    t.process.threads.push(t);
    this.runQueue.push(t);
    this.kick();
  }

  /**
   * Takes a task that has just died (thread.ts: exit, de_thread) off the core and the run
   * queue; its registers are not saved, nothing will run it again.
   */
  dropTask(t: Task): void {
    if (this.onCore === t) this.onCore = null;
    this.runQueue = this.runQueue.filter((x) => x !== t);
    this.kick();
  }

  /** Runs the scheduler until no task is left; safe to call repeatedly. */
  run(): Promise<void> {
    // No process left: whatever a persistent filesystem still holds is made durable.
    if (!this.running) this.running = this.loop().then(() => this.vfs?.syncAll()).finally(() => { this.running = null; this.release(); });
    return this.running;
  }

  /**
   * Ends the instance, as `wsl --terminate` or the death of a PID namespace's init does: every
   * process left is killed by SIGKILL, the scheduler drains, the filesystems are made durable
   * and released. Afterwards the instance holds no host descriptor, socket or timer.
   */
  async shutdown(): Promise<void> {
    for (const q of [...this.processes.values()]) if (!q.status) this.exitProcess(q, signaledStatus(SIGKILL, false));
    await this.run();
    this.close();
  }

  /** The instance ends: its filesystems are made durable and released (a --root store's lock). */
  close(): void {
    this.vfs?.close();
  }

  /** A timer that keeps the host's event loop alive while live tasks sleep (ref'd only then). */
  private holder: ReturnType<typeof setInterval> | undefined;
  private hold(): void {
    this.holder ??= setInterval(() => {}, 2 ** 30);
    (this.holder as { ref?: () => void }).ref?.();
  }
  private release(): void {
    if (this.holder !== undefined) clearInterval(this.holder);
    this.holder = undefined;
  }

  private kick(): void {
    const w = this.wake;
    if (w === null) return;
    this.wake = null;
    (this.holder as { unref?: () => void } | undefined)?.unref?.();
    w();
  }

  /** Makes a parked task runnable again with `result` in rax. */
  resume(t: Task, result: number): void {
    if (t.state !== 'blocked') return;
    t.waiting?.cancel(); // resumed by other means than its wait queue: it takes nothing from it
    t.waiting = undefined;
    const dv = new DataView(t.regs.buffer, t.regs.byteOffset);
    dv.setBigInt64(L.RAX, BigInt(result), true);
    t.state = 'runnable';
    this.runQueue.push(t);
    this.kick();
  }

  private async loop(): Promise<void> {
    let lastYield = hostMs();
    for (;;) {
      const t = this.runQueue.shift();
      if (!t) {
        if (![...this.processes.values()].some((p) => !p.status)) { this.release(); return; }
        // Every live task sleeps: on one another, a timer or the host. Linux leaves them asleep
        // for as long as it takes; Node would end the host process as soon as nothing else held
        // its event loop (status 0, as if the program had ended). The kernel holds it meanwhile.
        this.hold();
        await new Promise<void>((r) => { this.wake = r; });
        continue;
      }
      if (t.state !== 'runnable') continue;
      this.switchTo(t);
      publishFastsys(this, t, true);
      this.stretchStart = hostMs();
      // The state block's counter is the task's own (it travels with its registers).
      const insnsBefore = this.core.insnCount;
      // The task keeps the core across syscalls until it blocks, dies, uses a whole slice or
      // makes QUANTUM_EXITS exits: going round the queue (and the clock) per syscall would cost
      // more than the syscall.
      try {
        for (let exits = 0; ;) {
          // On its way back to user mode the task takes its pending signals (signals.ts).
          if (!returnToUserMode(this, t)) break;
          const reason = this.core.run(SLICE);
          this.handleExit(t, reason);
          if (t.state !== 'runnable' || this.onCore !== t || reason === EXIT_BUDGET || ++exits >= QUANTUM_EXITS) break;
        }
      } catch (e) {
        this.kernelFault(t, e);
      }
      // A task that blocked took its count off the core with its registers; a dead one's last
      // stretch is not counted; an execve started a new count (then only that part is counted).
      const insnsAfter = this.onCore === t ? this.core.insnCount
        : (t.state as string) === 'dead' ? insnsBefore : new DataView(t.regs.buffer, t.regs.byteOffset).getBigUint64(L.INSN_COUNT, true);
      this.insnsRetired += Number(insnsAfter >= insnsBefore ? insnsAfter - insnsBefore : insnsAfter);
      const now = hostMs();
      // Accounting per quantum, not per exit: the clock costs as much as a fast syscall.
      this.chargeCpu(t, now - this.stretchStart);
      if (t.state === 'runnable') { t.nivcsw++; this.runQueue.push(t); } else t.nvcsw++;
      if (now - lastYield > YIELD_MS) {
        lastYield = now;
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  /** Puts `t`'s registers on the core and its address space under the MMU. */
  private switchTo(t: Task): void {
    if (this.onCore === t) return;
    const prev = this.onCore;
    if (prev && prev.state !== 'dead') prev.regs = this.core.saveState();
    this.core.loadState(t.regs);
    if (!prev || prev.process.mm !== t.process.mm) t.process.mm.activate();
    this.onCore = t;
  }

  /** Takes `t` off the core (it blocks or dies), saving its registers. */
  offCore(t: Task): void {
    if (this.onCore !== t) return;
    if (t.state !== 'dead') t.regs = this.core.saveState();
    this.onCore = null;
  }

  private handleExit(t: Task, reason: number): void {
    switch (reason) {
      case EXIT_BUDGET: return;
      case EXIT_SYSCALL:
        this.syscallExits++;
        dispatchSyscall(this, t);
        if (this.onCore === t) publishFastsys(this, t, false); // ids may have changed (setuid, fork, ...)
        return;
      case EXIT_PAGE_FAULT: {
        const segv = t.process.mm.handleFault(this.core.faultAddr, this.core.faultCode);
        if (!segv) return;
        const bus = segv.code === 'BUS_ADRERR'; // a page past the end of a mapped file
        this.fatalSignal(t, bus ? SIGBUS : SIGSEGV, `${bus ? 'bus error' : 'segmentation fault'} at 0x${segv.addr.toString(16)} (${segv.code})`);
        return;
      }
      case EXIT_UD: this.fatalSignal(t, SIGILL, `illegal instruction ${this.describeInsn()}`); return;
      case EXIT_DE: this.fatalSignal(t, SIGFPE, 'divide error'); return;
      case EXIT_MF: case EXIT_XM: this.fatalSignal(t, SIGFPE, 'floating-point exception'); return;
      case EXIT_BP: case EXIT_DB: this.fatalSignal(t, SIGTRAP, 'trace/breakpoint trap'); return;
      case EXIT_GP: this.fatalSignal(t, SIGSEGV, 'general protection fault'); return;
      default: this.fatalSignal(t, SIGKILL, `core exit ${reason}`);
    }
  }

  private describeInsn(): string {
    const rip = this.core.reg(L.FAULT_RIP / 8);
    let bytes = '';
    try {
      const mm = this.onCore?.process.mm;
      if (mm) bytes = Buffer.from(mm.read(rip, 8)).toString('hex').replace(/(..)/g, '$1 ').trim();
    } catch { /* unreadable */ }
    return `at 0x${rip.toString(16)}${bytes ? ` (bytes ${bytes})` : ''}`;
  }

  /**
   * A synchronous fault (handleExit): force_sig_fault() with the siginfo the core's exit
   * describes (traps.ts). It takes a handler if the program has one; the log line comes if it
   * kills. SIGKILL stands for core exits wasl cannot map.
   */
  fatalSignal(t: Task, sig: number, why: string): void {
    if (sig !== SIGKILL) { forceFaultSignal(this, t, sig, why); return; }
    this.log(`${t.process.exe}: pid ${t.process.pid}: ${why}: killed by signal ${sig}`);
    this.exitProcess(t.process, signaledStatus(sig, false));
  }

  /**
   * An exception outside any syscall (a page fault, a signal frame, an exit): the guest must not
   * take the host down with it. No frame for a page (the instance's memory is exhausted) is
   * Linux's OOM kill, SIGKILL; anything else is a wasl bug, logged with its stack, and the
   * process is killed the same way rather than left half-run.
   */
  private kernelFault(t: Task, e: unknown): void {
    if (e instanceof LinuxError && e.errno === ENOMEM) {
      this.log(`${t.process.exe}: pid ${t.process.pid}: out of memory (${Math.round(this.frames.used / 256)} MiB in use): killed by signal ${SIGKILL}`);
    } else {
      this.log(`internal error running pid ${t.process.pid}: ${(e as Error)?.stack ?? e}: killed by signal ${SIGKILL}`);
    }
    if (this.onCore === t) this.offCore(t);
    this.exitProcess(t.process, signaledStatus(SIGKILL, false));
  }

  /**
   * Kills `p` by `sig` when its default action (signal(7)) is to terminate or dump core;
   * signals.ts calls it once it has decided that is what happens (stop and continue are its own).
   */
  defaultSignal(p: Process, sig: number): void {
    const action = signalDefaultAction(sig);
    if (action === 'ign' || action === 'cont' || action === 'stop') return;
    this.exitProcess(p, signaledStatus(sig, action === 'core'));
  }

  /**
   * Ends process `p` (exit_group, a fatal signal): its tasks die, its resources go, and it
   * becomes a zombie for its parent (proctree.ts), or is reaped at once when none will wait.
   */
  exitProcess(p: Process, status: ExitStatus): void {
    if (p.status) return;
    // Its last stretch on the core counts before a parent's wait can read its times.
    if (this.onCore?.process === p) {
      const now = hostMs();
      this.accountOnly(this.onCore, now - this.stretchStart);
      this.stretchStart = now;
    }
    for (const t of p.threads) {
      if (this.onCore === t) this.onCore = null;
      // mm_release: robust futexes and PI futexes it holds go to their waiters, which may be in
      // other processes sharing the memory (process-shared robust and PI mutexes).
      if (t.state !== 'dead') {
        exitRobustList(t);
        exitPiStates(t);
      }
      t.state = 'dead';
      // Whatever it waits on lets go of it now, without settling: a wait-queue entry, an
      // interruptible sleep's host timer (which would otherwise keep the host process alive).
      t.waiting?.cancel();
      t.waiting = undefined;
      // CLONE_CHILD_CLEARTID: only visible if the memory outlives us (a CLONE_VM child).
      if (t.clearChildTid && p.mm.users > 1) {
        try {
          p.mm.write(t.clearChildTid, new Uint8Array(4));
          futexWake(futexKey(p.mm, t.clearChildTid, false), 1);
        } catch { /* EFAULT: ignored, as Linux does */ }
      }
    }
    this.runQueue = this.runQueue.filter((t) => t.process !== p);
    disassociateCtty(p, true); // a session leader's exit: SIGHUP to its terminal's foreground
    exitSem(p); // System V semaphores' SEM_UNDO adjustments
    p.finish(status);
    processEnded(this, p);
    this.kick();
  }

  log(line: string): void { this.options.log?.(`wasl: ${line}`); }
}

/** The host process's own process group and session (/proc/self/stat), or `pid` for both. */
function hostGroupAndSession(pid: number): [number, number] {
  const st = hostStat('self');
  return st && st[0] > 0 && st[1] > 0 ? [st[0], st[1]] : [pid, pid];
}
