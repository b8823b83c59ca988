// Tasks and processes (Linux's task_struct split the way lxcore needs it): a Task is a thread of
// execution with its own saved CPU state; a Process holds what threads share — address space,
// descriptor table, cwd, credentials — and the exit status its parent waits for.

import type { Dentry } from '../vfs/namespace.js';
import { AddressSpace } from '../mm/mm.js';
import { FdTable } from '../vfs/file.js';
import { WaitQueue } from './waitqueue.js';
import { SIGCHLD } from '../abi/signal.js';
import { hostTimerSlackNs } from '../fs/hostinfo.js';
import { ProcessSignals, TaskSignals } from './signals.js';
import type { Kernel } from './kernel.js';
import type { Tty } from '../tty/tty.js';

/** A process's identity (credentials(7)); fsuid/fsgid follow euid/egid unless setfsuid/setfsgid. */
export interface Credentials {
  uid: number; gid: number; euid: number; egid: number; suid: number; sgid: number;
  fsuid: number; fsgid: number; groups: number[];
}

/** How a process ended, as wait(2) encodes it and as the CLI reports it. */
export interface ExitStatus {
  /** exit code (0..255) when it exited, else null */
  code: number | null;
  /** the signal that killed it, else null */
  signal: number | null;
  /** wait(2) status word */
  wstatus: number;
}

export function exitedStatus(code: number): ExitStatus {
  return { code: code & 0xff, signal: null, wstatus: (code & 0xff) << 8 };
}
export function signaledStatus(sig: number, core: boolean): ExitStatus {
  return { code: null, signal: sig, wstatus: sig | (core ? 0x80 : 0) };
}

/** What getppid returns once a process's parent has gone: wasl's init stand-in (proctree.ts). */
export const INIT_PID = 1;

export class Process {
  readonly threads: Task[] = [];
  pgid: number;
  sid: number;
  /** Its session's controlling terminal, if one of lxcore's (signal->tty); fork inherits it. */
  ctty?: Tty;
  status?: ExitStatus;
  /**
   * The guest process that waits for this one, or null: the first process (its parent is the
   * host) and orphans, whose parent is the init stand-in. `ppid` is what getppid reports.
   */
  parent: Process | null = null;
  /** Children not yet reaped, oldest first (the order wait scans them, as Linux does). */
  readonly children = new Set<Process>();
  /** Signal sent to the parent when this process ends (clone's CSIGNAL byte; 0 = none). */
  exitSignal = SIGCHLD;
  /** Woken whenever a child exits, stops or continues: wait4/waitid park here. */
  readonly childEvents = new WaitQueue();
  /** Removed from the process table by a wait (or by the init stand-in). */
  reaped = false;
  /** Woken when it exits and when it is reaped: pidfds polling it (lxcore/fs/pidfd.ts). */
  readonly pidfdWait = new WaitQueue();
  /** Has called execve since fork (setpgid by its parent then fails with EACCES). */
  execed = false;
  /** Set while a vfork parent sleeps: called when this child execs or exits. */
  vforkDone?: () => void;
  /** A stop (its signal) or a continue the parent has not collected with WUNTRACED/WCONTINUED. */
  stopReport = 0;
  continueReport = false;
  /** Resolves when the last thread has exited. */
  readonly exited: Promise<ExitStatus>;
  private resolveExit!: (s: ExitStatus) => void;
  /** Resource limits by RLIMIT_* number: [soft, hard]; Infinity = RLIM_INFINITY. */
  rlimits = new Map<number, [number, number]>();
  /** CPU time of all its tasks so far, in ns (kernel.chargeCpu), and of its reaped children. */
  cpuNs = 0;
  childCpuNs = 0;
  /** personality(2): PER_LINUX (0) and its flags; inherited by fork, kept across exec. */
  personality = 0;
  /** RLIMIT_CPU: the CPU second at which the next SIGXCPU is due. */
  nextXcpu = 0;
  umask = 0o022;
  /** get_dumpable(mm): 1 (SUID_DUMP_USER) or 0/2 after a change of identity; fork inherits it. */
  dumpable = 1;
  /** PR_SET_NO_NEW_PRIVS: exec no longer grants set-user-ID privileges; fork and exec keep it. */
  noNewPrivs = false;
  /** PR_SET_CHILD_SUBREAPER: orphans among its descendants come to it, not to init. */
  childSubreaper = false;
  /** securebits (SECBIT_KEEP_CAPS and the others, as set): fork keeps them, exec clears KEEP_CAPS. */
  securebits = 0;
  /** The capability bounding set (PR_CAPBSET_DROP): fork and exec keep it. */
  capBset: bigint | undefined;
  /** PR_SET_THP_DISABLE (MMF_DISABLE_THP): fork and exec keep it. */
  thpDisable = false;
  /** rt_sigaction records by signal number (struct kernel_sigaction, 32 bytes as given). */
  sigactions = new Map<number, Uint8Array>();
  /** Its root directory after chroot(2)/pivot_root(2); null: the namespace's root. */
  root: Dentry | null = null;
  /** The environment it was started with (/proc/PID/environ). */
  env: string[] = [];
  /** Start time, ns since the epoch (/proc/PID/stat). */
  readonly startNs = Date.now() * 1e6;
  /** Shared pending signals, group stop, signal-related hooks (signals.ts). */
  readonly signals = new ProcessSignals();

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    public ppid: number,
    public mm: AddressSpace,
    public fds: FdTable,
    public cwd: string,
    public exe: string,
    public argv: string[],
    public creds: Credentials,
  ) {
    this.pgid = pid;
    this.sid = pid;
    this.exited = new Promise((r) => { this.resolveExit = r; });
  }

  /**
   * Ends the process: every thread stops, resources are released (an address space or
   * descriptor table shared with another process stays for it), waiters are told.
   */
  finish(status: ExitStatus): void {
    if (this.status) return;
    this.status = status;
    for (const t of this.threads) t.state = 'dead';
    this.fds.release();
    this.mm.release();
    this.resolveExit(status);
    this.pidfdWait.wake();
  }
}

export type TaskState = 'runnable' | 'blocked' | 'dead';

export class Task {
  state: TaskState = 'runnable';
  /** Saved CPU state block while the task is not on the core (cpu/shared/layout.ts). */
  regs: Uint8Array;
  /** set_tid_address / CLONE_CHILD_CLEARTID: zeroed and futex-woken when the thread exits. */
  clearChildTid = 0;
  /** PR_SET_PDEATHSIG: the signal this thread gets when its parent exits (0: none). */
  pdeathSignal = 0;
  /** Scheduling (sched(7)): nice, policy and real-time priority, the CPUs it may run on
   *  (undefined: the host process's own), SCHED_RESET_ON_FORK. The scheduler itself ignores them. */
  nice = 0;
  policy = 0;
  rtPriority = 0;
  resetOnFork = false;
  affinity?: number[];
  /** PR_SET_TIMERSLACK: the slack in ns, and what PR_SET_TIMERSLACK 0 goes back to. Until set
   *  (fork sets both from the parent), both are the host process's, read at first use: a file
   *  read at every start cost a static hello ~0.5 ms (issue #11). */
  private slackNs?: number;
  private defaultSlackNs?: number;
  get timerSlackNs(): number { return this.slackNs ??= hostTimerSlackNs(); }
  set timerSlackNs(ns: number) { this.slackNs = ns; }
  get defaultTimerSlackNs(): number { return this.defaultSlackNs ??= hostTimerSlackNs(); }
  set defaultTimerSlackNs(ns: number) { this.defaultSlackNs = ns; }
  robustList = 0;
  robustListLen = 0;
  /** Blocked signals (rt_sigprocmask), 64 bits as a bigint. */
  sigmask = 0n;
  /** sigaltstack(2) state, or undefined when disabled. */
  altStack?: { sp: number; flags: number; size: number };
  /** Pending signals, restart and wait state of this thread (signals.ts). */
  readonly signals = new TaskSignals();
  /**
   * While parked in an interruptible wait (signals.ts, wait queues): drops the wait without
   * settling it. Kernel.resume and exitProcess call it, so nothing is consumed (pipe bytes, a
   * zombie) or armed (a host timer) for a task that no longer waits.
   */
  waiting?: { cancel(): void };

  /** exit()'s code, kept for the leader: the process's status if no exit_group ends it. */
  exitCode = 0;

  /** Time on the core, ns (kernel.chargeCpu; /proc's utime, the CPU clocks, getrusage), and
   *  context switches: gave the core up / lost it. */
  cpuNs = 0;
  nvcsw = 0;
  nivcsw = 0;

  /** `tid` changes only when execve from another thread makes it the leader (de_thread). */
  constructor(public tid: number, readonly process: Process, regs: Uint8Array) {
    this.regs = regs;
  }

  get kernel(): Kernel { return this.process.kernel; }
}
