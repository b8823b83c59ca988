// Tasks and processes (Linux's task_struct split the way lxcore needs it): a Task is a thread of
// execution with its own saved CPU state; a Process holds what threads share — address space,
// descriptor table, cwd, credentials — and the exit status its parent waits for.

import { AddressSpace } from '../mm/mm.js';
import { FdTable } from '../vfs/file.js';
import type { Kernel } from './kernel.js';

export interface Credentials { uid: number; gid: number; euid: number; egid: number; suid: number; sgid: number; groups: number[] }

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

export class Process {
  readonly threads: Task[] = [];
  pgid: number;
  sid: number;
  status?: ExitStatus;
  /** Resolves when the last thread has exited. */
  readonly exited: Promise<ExitStatus>;
  private resolveExit!: (s: ExitStatus) => void;
  /** Resource limits by RLIMIT_* number: [soft, hard]; Infinity = RLIM_INFINITY. */
  rlimits = new Map<number, [number, number]>();
  umask = 0o022;
  /** rt_sigaction records by signal number (struct kernel_sigaction, 32 bytes as given). */
  sigactions = new Map<number, Uint8Array>();
  /** The environment it was started with (/proc/PID/environ). */
  env: string[] = [];
  /** Start time, ns since the epoch (/proc/PID/stat). */
  readonly startNs = Date.now() * 1e6;
  /** Signals sent while blocked (bit n-1 for signal n), delivered when unblocked. */
  pending = 0n;

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

  /** Ends the process: every thread stops, resources are released, waiters are told. */
  finish(status: ExitStatus): void {
    if (this.status) return;
    this.status = status;
    for (const t of this.threads) t.state = 'dead';
    this.fds.closeAll();
    this.mm.destroy();
    this.resolveExit(status);
  }
}

export type TaskState = 'runnable' | 'blocked' | 'dead';

export class Task {
  state: TaskState = 'runnable';
  /** Saved CPU state block while the task is not on the core (cpu/shared/layout.ts). */
  regs: Uint8Array;
  /** set_tid_address / CLONE_CHILD_CLEARTID: zeroed and futex-woken when the thread exits. */
  clearChildTid = 0;
  robustList = 0;
  robustListLen = 0;
  /** Blocked signals (rt_sigprocmask), 64 bits as a bigint. */
  sigmask = 0n;
  /** sigaltstack(2) state, or undefined when disabled. */
  altStack?: { sp: number; flags: number; size: number };

  constructor(readonly tid: number, readonly process: Process, regs: Uint8Array) {
    this.regs = regs;
  }

  get kernel(): Kernel { return this.process.kernel; }
}
