// Signals (signal(7); kernel/signal.c, arch/x86/kernel/signal.c, kernel/entry/common.c):
// pending sets and queues, generation (send_signal), dequeueing, dispositions and default
// actions, delivery to handlers on the way back to user mode with system-call restarting,
// interruptible waits and group stop/continue. The frame itself is sigframe.ts, CPU faults
// become signals in traps.ts, and the system calls are syscalls/sys_signal.ts, sys_timer.ts.
//
// Pending signals live in two places, as in Linux: a thread's own set (tkill, faults) and the
// process's shared set (kill, timers), each a bitmask plus a queue of siginfos. Standard signals
// coalesce (one queued instance), real-time ones queue every instance in order.

import * as L from '../../cpu/shared/layout.js';
import {
  SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV,
  SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN,
  SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS, SIGRTMIN,
  SIG_DFL, SIG_IGN, SA_RESTART, SA_NODEFER, SA_RESETHAND, SIGACTION_SIZE, SS_DISABLE, SS_AUTODISARM,
  signalName,
} from '../abi/signal.js';
import { siKill, formatSiginfo, SI_USER, SI_KERNEL, siCode } from '../abi/siginfo.js';
import { EINTR } from '../abi/errno.js';
import { setupRtFrame } from './sigframe.js';
import { stracePid } from '../syscalls/strace.js';
import { processStopped, processContinued, orphanedPgrp } from './proctree.js';
import type { Task, Process } from './task.js';
import type { Kernel } from './kernel.js';
import { monoNs } from './fastsys.js';

export type DefaultAction = 'term' | 'core' | 'ign' | 'stop' | 'cont';

const CORE = new Set([SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS]);
const IGNORE = new Set([SIGCHLD, SIGURG, SIGWINCH]);
const STOP = new Set([SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]);
const TERM = new Set([SIGHUP, SIGINT, SIGKILL, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT,
  SIGVTALRM, SIGPROF, SIGIO, SIGPWR]);

/** The action signal(7) lists for `sig`; real-time signals terminate. */
export function signalDefaultAction(sig: number): DefaultAction {
  if (CORE.has(sig)) return 'core';
  if (IGNORE.has(sig)) return 'ign';
  if (STOP.has(sig)) return 'stop';
  if (sig === SIGCONT) return 'cont';
  if (TERM.has(sig)) return 'term';
  return 'term';
}

/** The kernel-internal restart codes (include/linux/errno.h); never seen by user space. */
export const ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516;
const NR_restart_syscall = 219;
const R_AX = L.RAX / 8;

export const sigbit = (sig: number): bigint => 1n << BigInt(sig - 1);
export const KILL_STOP = sigbit(SIGKILL) | sigbit(SIGSTOP);
const STOP_MASK = sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) | sigbit(SIGTTOU);
/** Fault signals, dequeued before any other (SYNCHRONOUS_MASK). */
const SYNCHRONOUS_MASK = sigbit(SIGSEGV) | sigbit(SIGBUS) | sigbit(SIGILL) | sigbit(SIGTRAP) | sigbit(SIGFPE) | sigbit(SIGSYS);
/** RLIMIT_SIGPENDING's default soft limit (what sys_process.ts reports). */
const SIGPENDING_DEFAULT = 63704;

// ---- state --------------------------------------------------------------------------------------
/** What queued a signal and wants to hear when it is dequeued: a POSIX timer (overruns, re-arm). */
export interface SignalSource { dequeued(info: Uint8Array): void }

export interface QueuedSignal {
  sig: number;
  /** The 128-byte siginfo the receiver sees (abi/siginfo.ts). */
  info: Uint8Array;
  source?: SignalSource;
  /** A fault's description, logged if the signal kills the process. */
  why?: string;
}

/** struct sigpending: a bitmask and the queued siginfos in arrival order. */
export class SigPending {
  set = 0n;
  readonly queue: QueuedSignal[] = [];

  /** Drops every pending signal in `mask` (flush_sigqueue_mask); returns how many were queued. */
  flush(mask: bigint): number {
    if (!(this.set & mask)) return 0;
    this.set &= ~mask;
    const n = this.queue.length;
    for (let i = n - 1; i >= 0; i--) if (mask & sigbit(this.queue[i].sig)) this.queue.splice(i, 1);
    return n - this.queue.length;
  }
}

/** The signal state a process's threads share (struct signal_struct's signal parts). */
export class ProcessSignals {
  readonly shared = new SigPending();
  /** Siginfos queued for the process and its threads, for RLIMIT_SIGPENDING. */
  queued = 0;
  /** A group stop is in effect: its tasks park on their way to user mode until SIGCONT. */
  stopped = false;
  readonly stoppedTasks = new Set<Task>();
  /** Told whenever a signal is queued for the process or one of its threads (signalfd). */
  readonly listeners = new Set<() => void>();
  /** ITIMER_REAL re-arms when its SIGALRM is dequeued (dequeue_signal); sys_timer.ts sets this. */
  onSigalrm?: () => void;
  /** Instructions run so far: wasl's process CPU clock for ITIMER_VIRTUAL/ITIMER_PROF. */
  insns = 0;
  /** Called with the instructions of each slice while a CPU-time interval timer is armed. */
  onCpu?: (insns: number) => void;
  /** execve(): POSIX timers are deleted (sys_timer.ts sets this). */
  onExec?: () => void;
}

/** A thread's own signal state (the signal parts of task_struct). */
export class TaskSignals {
  readonly pending = new SigPending();
  /** The mask before rt_sigtimedwait widened it (real_blocked): a waited-for signal is not fatal. */
  realBlocked = 0n;
  /** sigsuspend's mask to put back once a signal was handled (saved_sigmask, TIF_RESTORE_SIGMASK). */
  savedMask = 0n;
  restoreMask = false;
  /** Set while parked in an interruptible wait (interruptibleWait): ends it now. */
  interrupt?: () => void;
  /** The system call being returned from (orig_ax), or −1. dispatch.ts sets it. */
  syscallNr = -1;
  /** restart_syscall's continuation (restart_block.fn); undefined = do_no_restart_syscall. */
  restart?: () => number | Promise<number>;
  /** rt_sigreturn's exact 64-bit rax, put back before the task runs (dispatch returns numbers). */
  sigreturnRax?: bigint;
  /** thread.trap_nr, error_code and cr2 of the last fault: sigcontext's trapno, err, cr2. */
  trapNr = 0;
  errorCode = 0;
  cr2 = 0;
}

// ---- dispositions (struct k_sigaction, kept as the guest's 32-byte record) -------------------------
export interface SigAction { handler: bigint; flags: number; restorer: bigint; mask: bigint }
const DEFAULT_ACTION: SigAction = { handler: BigInt(SIG_DFL), flags: 0, restorer: 0n, mask: 0n };

export function getAction(p: Process, sig: number): SigAction {
  const r = p.sigactions.get(sig);
  if (!r) return DEFAULT_ACTION;
  const v = new DataView(r.buffer, r.byteOffset, SIGACTION_SIZE);
  return {
    handler: v.getBigUint64(0, true), flags: Number(v.getBigUint64(8, true) & 0xffffffffn),
    restorer: v.getBigUint64(16, true), mask: v.getBigUint64(24, true),
  };
}

export function setAction(p: Process, sig: number, a: SigAction): void {
  const r = new Uint8Array(SIGACTION_SIZE);
  const v = new DataView(r.buffer);
  v.setBigUint64(0, a.handler, true);
  v.setBigUint64(8, BigInt(a.flags >>> 0), true);
  v.setBigUint64(16, a.restorer, true);
  v.setBigUint64(24, a.mask, true);
  p.sigactions.set(sig, r);
}

/** sig_handler_ignored(): SIG_IGN, or SIG_DFL for a signal whose default is to ignore it. */
export function handlerIgnores(a: SigAction, sig: number): boolean {
  if (a.handler === BigInt(SIG_IGN)) return true;
  const d = signalDefaultAction(sig);
  return a.handler === BigInt(SIG_DFL) && (d === 'ign' || d === 'cont');
}

/** sig_fatal(): the default action, and that action kills. */
function sigFatal(p: Process, sig: number): boolean {
  const d = signalDefaultAction(sig);
  return getAction(p, sig).handler === BigInt(SIG_DFL) && (d === 'term' || d === 'core');
}

// ---- masks ----------------------------------------------------------------------------------------
/** Signals pending for `t` that it does not block (signal_pending()). */
export function signalPending(t: Task): boolean {
  const a = t.signals.pending.set, b = t.process.signals.shared.set;
  if (a === 0n && b === 0n) return false;
  return ((a | b) & ~t.sigmask) !== 0n;
}

/**
 * set_current_blocked(): SIGKILL and SIGSTOP cannot be blocked; shared signals `t` now blocks
 * are offered to another thread that doesn't (retarget_shared_pending).
 */
export function setBlocked(t: Task, mask: bigint): void {
  const old = t.sigmask;
  t.sigmask = BigInt.asUintN(64, mask) & ~KILL_STOP;
  const moved = t.sigmask & ~old & t.process.signals.shared.set;
  if (!moved) return;
  for (const other of t.process.threads) {
    if (other !== t && other.state !== 'dead' && (moved & ~other.sigmask)) signalWakeUp(t.kernel, other);
  }
}

// ---- waiting ----------------------------------------------------------------------------------------
/**
 * Parks `t` in an interruptible sleep (TASK_INTERRUPTIBLE). `arm(wake)` starts whatever ends
 * the wait normally and may return a disarm function; when the wait ends — normally, or because
 * a signal arrived for `t` — `settle(interrupted)` computes the call's result (often −ERESTART*).
 * A signal already pending means no sleep at all, as in Linux's wait loops.
 */
export function interruptibleWait(t: Task, arm: (wake: () => void) => (() => void) | void,
  settle: (interrupted: boolean) => number): number | Promise<number> {
  if (signalPending(t)) return settle(true);
  return new Promise<number>((resolve, reject) => {
    let done = false;
    let disarm: (() => void) | void;
    const stop = () => {
      done = true;
      if (t.signals.interrupt === onSignal) t.signals.interrupt = undefined;
      if (t.waiting === entry) t.waiting = undefined;
      disarm?.();
    };
    const finish = (interrupted: boolean) => {
      if (done) return;
      stop();
      try { resolve(settle(interrupted)); } catch (e) { reject(e); }
    };
    const onSignal = () => finish(true);
    // Kernel.exitProcess cancels t.waiting: the wait is dropped (host timers too), nothing
    // settles into the memory of a process that is gone.
    const entry = { cancel: () => { if (!done) stop(); } };
    t.signals.interrupt = onSignal;
    t.waiting = entry;
    disarm = arm(() => finish(false));
    if (done) disarm?.();
  });
}

/**
 * signal_wake_up(): a parked task with a signal to handle leaves its wait. Waits on a WaitQueue
 * (waitqueue.ts: pipes, wait4) end with −ERESTARTSYS, as pipe_read and do_wait do.
 */
export function signalWakeUp(k: Kernel, t: Task): void {
  if (t.state !== 'blocked') return;
  if (t.signals.interrupt) t.signals.interrupt();
  else if (t.waiting) k.resume(t, -ERESTARTSYS);
}

/** Whether a signal can get `t` out of the wait it is parked in. */
function canInterrupt(t: Task): boolean {
  return t.state !== 'blocked' || !!t.signals.interrupt || !!t.waiting;
}

/** Makes a parked task runnable without touching its registers (Kernel.resume sets rax). */
function resumeAsIs(k: Kernel, t: Task): void {
  const rax = t.regs.slice(L.RAX, L.RAX + 8);
  k.resume(t, 0);
  t.regs.set(rax, L.RAX);
}

const MAX_TIMEOUT_MS = 0x7fffffff;
const hostNow = monoNs;

/**
 * Calls `fn` once `ns` nanoseconds have passed on the host's monotonic clock — never early
 * (libuv rounds to milliseconds) and for any length (one setTimeout is capped at 2^31−1 ms).
 * Returns the function that cancels it.
 */
export function hostTimer(ns: bigint, fn: () => void): () => void {
  const deadline = hostNow() + (ns > 0n ? ns : 0n);
  const delay = (left: bigint) => Math.min(Number((left + 999_999n) / 1_000_000n), MAX_TIMEOUT_MS);
  const arm = (): void => {
    const left = deadline - hostNow();
    if (left <= 0n) fn();
    else h = setTimeout(arm, delay(left));
  };
  let h = setTimeout(arm, delay(ns > 0n ? ns : 0n));
  return () => clearTimeout(h);
}

// ---- generation ---------------------------------------------------------------------------------
/** The live thread `tid` of this kernel, if any (find_task_by_vpid). */
export function findTask(k: Kernel, tid: number): Task | undefined {
  const p = k.processes.get(tid);
  const leader = p?.threads.find((t) => t.tid === tid);
  if (leader) return leader;
  for (const q of k.processes.values()) for (const t of q.threads) if (t.tid === tid) return t;
  return undefined;
}

/** siginfo for kill()/tkill() from `sender` (SI_USER, SI_TKILL): its tgid and real uid. */
export function senderInfo(sender: Task, sig: number, code = SI_USER): Uint8Array {
  return siKill(sig, code, sender.process.pid, sender.process.creds.uid);
}

/** Drops the pending signals of `mask` from the process and every thread of it. */
export function flushSignals(p: Process, mask: bigint): void {
  let n = p.signals.shared.flush(mask);
  for (const th of p.threads) n += th.signals.pending.flush(mask);
  p.signals.queued -= n;
}

/**
 * prepare_signal(): stop signals cancel a pending SIGCONT and SIGCONT cancels pending stops
 * and ends a group stop, whatever the dispositions; then an ignored signal is dropped unless
 * blocked (it may be unignored before it is unblocked).
 */
function prepareSignal(k: Kernel, p: Process, t: Task | null, sig: number): boolean {
  if (STOP_MASK & sigbit(sig)) {
    flushSignals(p, sigbit(SIGCONT));
  } else if (sig === SIGCONT) {
    flushSignals(p, STOP_MASK);
    if (p.signals.stopped) {
      p.signals.stopped = false;
      for (const th of p.signals.stoppedTasks) if (th.state === 'blocked') resumeAsIs(k, th);
      p.signals.stoppedTasks.clear();
      processContinued(p);
    }
  }
  const th = t ?? p.threads[0];
  if (th && ((th.sigmask | th.signals.realBlocked) & sigbit(sig))) return true;
  return !handlerIgnores(getAction(p, sig), sig);
}

export interface SendOptions { source?: SignalSource; why?: string }
/** queued: pending now (or the process died of it); dropped: ignored or already pending. */
export type SendResult = 'queued' | 'dropped' | 'overflow';

/**
 * send_signal_locked(): generates `sig` for thread `t`, or for the whole process `p` when `t`
 * is null. 'overflow' means a real-time signal from sigqueue() could not be queued (EAGAIN:
 * RLIMIT_SIGPENDING). A timer's own signal (o.source) is queued even when the same standard
 * signal is pending, as send_sigqueue() does.
 */
export function sendSignalInfo(k: Kernel, p: Process, t: Task | null, sig: number, info: Uint8Array,
  o: SendOptions = {}): SendResult {
  if (p.status) return 'dropped'; // exiting or a zombie: nothing more happens to it
  // lxcore's init installs no handlers, and an init ignores every signal it has no handler for,
  // SIGKILL included (SIGNAL_UNKILLABLE); Instance.terminate ends it from the host.
  if (p === k.init?.process) return 'dropped';
  if (!prepareSignal(k, p, t, sig)) return 'dropped';
  const pending = t ? t.signals.pending : p.signals.shared;
  if (sig < SIGRTMIN && !o.source && (pending.set & sigbit(sig))) return 'dropped'; // legacy_queue
  if (sig !== SIGKILL) {
    const limit = p.rlimits.get(11 /* RLIMIT_SIGPENDING */)?.[0] ?? SIGPENDING_DEFAULT;
    const code = siCode(info);
    if (p.signals.queued < limit || code >= 0 || o.source) {
      pending.queue.push({ sig, info, source: o.source, why: o.why });
      p.signals.queued++;
    } else if (sig >= SIGRTMIN && code !== SI_USER) {
      return 'overflow';
    } // else: sent without its siginfo, as Linux does past the limit
  }
  pending.set |= sigbit(sig);
  for (const l of [...p.signals.listeners]) l();
  completeSignal(k, p, t, sig);
  return 'queued';
}

/** wants_signal(): not blocked (SIGKILL always), and the thread is alive. */
function wants(t: Task, sig: number): boolean {
  return t.state !== 'dead' && (sig === SIGKILL || !(t.sigmask & sigbit(sig)));
}

/**
 * complete_signal(): picks a thread to take the signal and wakes it. A signal that will kill
 * takes the whole process down at once (Linux does so for non-core signals; wasl also for core
 * ones when the chosen thread sleeps where no signal can reach it).
 */
function completeSignal(k: Kernel, p: Process, t: Task | null, sig: number): void {
  const target = t ? (wants(t, sig) ? t : undefined) : p.threads.find((th) => wants(th, sig));
  if (!target) return;
  const fatal = sig === SIGKILL ||
    (sigFatal(p, sig) && !(target.signals.realBlocked & sigbit(sig)) && !p.signals.stopped);
  if (fatal && (sig === SIGKILL || signalDefaultAction(sig) === 'term' || !canInterrupt(target))) {
    k.defaultSignal(p, sig);
    return;
  }
  signalWakeUp(k, target);
}

/**
 * force_sig_info_to_task(): a fault the task cannot ignore or block — if it does, the handler
 * is reset to SIG_DFL and the signal unblocked. `resetHandler` is force_fatal_sig's variant.
 */
export function forceSignal(k: Kernel, t: Task, info: Uint8Array, o: SendOptions & { resetHandler?: boolean } = {}): void {
  const sig = new DataView(info.buffer, info.byteOffset).getInt32(0, true);
  const p = t.process;
  const a = getAction(p, sig);
  const blocked = (t.sigmask & sigbit(sig)) !== 0n;
  if (blocked || a.handler === BigInt(SIG_IGN) || o.resetHandler) {
    setAction(p, sig, { ...a, handler: BigInt(SIG_DFL) });
    if (blocked) t.sigmask &= ~sigbit(sig);
  }
  sendSignalInfo(k, p, t, sig, info, o);
}

// ---- delivery -------------------------------------------------------------------------------------
/** Takes signal `sig` off `pending` (collect_signal); a missing siginfo is made up as SI_USER. */
function take(p: Process, pending: SigPending, sig: number): QueuedSignal {
  const i = pending.queue.findIndex((q) => q.sig === sig);
  if (i >= 0) p.signals.queued--;
  const q = i >= 0 ? pending.queue.splice(i, 1)[0] : { sig, info: siKill(sig, SI_USER, 0, 0) };
  if (!pending.queue.some((x) => x.sig === sig)) pending.set &= ~sigbit(sig);
  return q;
}

/** next_signal(): fault signals first, then the lowest number (standard before real-time). */
function nextSignal(pending: SigPending, blocked: bigint): number {
  let x = pending.set & ~blocked;
  if (!x) return 0;
  if (x & SYNCHRONOUS_MASK) x &= SYNCHRONOUS_MASK;
  let sig = 1;
  while (!(x & 1n)) { x >>= 1n; sig++; }
  return sig;
}

/**
 * dequeue_signal(): the next signal outside `blocked`, the thread's own before the process's.
 * Dequeueing SIGALRM re-arms ITIMER_REAL; a timer's signal gets its overrun count.
 */
export function dequeueSignal(t: Task, blocked: bigint): QueuedSignal | undefined {
  const p = t.process;
  let sig = nextSignal(t.signals.pending, blocked);
  let q: QueuedSignal;
  if (sig) q = take(p, t.signals.pending, sig);
  else {
    sig = nextSignal(p.signals.shared, blocked);
    if (!sig) return undefined;
    q = take(p, p.signals.shared, sig);
  }
  if (sig === SIGALRM) p.signals.onSigalrm?.();
  q.source?.dequeued(q.info);
  return q;
}

/** dequeue_synchronous_signal(): a fault the thread raised goes before anything queued earlier. */
function dequeueSynchronous(t: Task): QueuedSignal | undefined {
  const pend = t.signals.pending;
  if (!(pend.set & ~t.sigmask & SYNCHRONOUS_MASK)) return undefined;
  const q = pend.queue.find((x) => siCode(x.info) > SI_USER && (sigbit(x.sig) & SYNCHRONOUS_MASK) && !(t.sigmask & sigbit(x.sig)));
  return q ? take(t.process, pend, q.sig) : undefined;
}

function trace(k: Kernel, t: Task, q: QueuedSignal): void {
  const out = k.options.strace;
  if (!out) return;
  out(`${stracePid(k, t.process, t.tid)}--- ${signalName(q.sig) ?? q.sig} ${formatSiginfo(q.info)} ---`);
}

/** group stop: every thread of `p` stops on its way to user mode; the parent hears of it. */
function doSignalStop(k: Kernel, p: Process, sig: number): void {
  if (p.signals.stopped) return;
  p.signals.stopped = true;
  for (const th of p.threads) signalWakeUp(k, th);
  processStopped(p, sig);
}

/**
 * get_signal(): dequeues until a signal has a handler to run. SIG_IGN and ignore-by-default
 * signals are dropped, stop signals start a group stop, and the rest kill the process.
 */
function getSignal(k: Kernel, t: Task): { q: QueuedSignal; act: SigAction } | undefined {
  const p = t.process;
  while (!p.signals.stopped && t.state !== 'dead') {
    const q = dequeueSynchronous(t) ?? dequeueSignal(t, t.sigmask);
    if (!q) return undefined;
    trace(k, t, q);
    const act = getAction(p, q.sig);
    if (act.handler === BigInt(SIG_IGN)) continue;
    if (act.handler !== BigInt(SIG_DFL)) {
      if (act.flags & SA_RESETHAND) setAction(p, q.sig, { ...act, handler: BigInt(SIG_DFL) });
      return { q, act };
    }
    const d = signalDefaultAction(q.sig);
    if (d === 'ign' || d === 'cont') continue;
    if (d === 'stop') {
      // The job-control stops do nothing in an orphaned group (nobody could continue it);
      // SIGSTOP always stops.
      if (q.sig !== SIGSTOP && orphanedPgrp(k, p.pgid)) continue;
      doSignalStop(k, p, q.sig);
      continue;
    }
    if (q.why) k.log(`${p.exe}: pid ${p.pid}: ${q.why}: killed by signal ${q.sig}`);
    k.defaultSignal(p, q.sig);
  }
  return undefined;
}

/**
 * handle_signal(): settles an interrupted system call for the handler (EINTR, or restarted
 * under SA_RESTART), builds the frame, and blocks sa_mask and the signal itself. A frame that
 * cannot be written becomes SIGSEGV (force_sigsegv).
 */
function handleSignal(k: Kernel, t: Task, q: QueuedSignal, act: SigAction): void {
  const c = k.core, s = t.signals;
  if (s.syscallNr >= 0) {
    const err = -c.regSigned(R_AX);
    if (err === ERESTART_RESTARTBLOCK || err === ERESTARTNOHAND || (err === ERESTARTSYS && !(act.flags & SA_RESTART))) {
      c.setReg(R_AX, -EINTR);
    } else if (err === ERESTARTSYS || err === ERESTARTNOINTR) {
      c.setReg(R_AX, s.syscallNr);
      c.rip = c.rip - 2;
    }
    s.syscallNr = -1;
  }
  const saved = s.restoreMask ? s.savedMask : t.sigmask;
  if (!setupRtFrame(c, t, q.sig, q.info, act, saved)) {
    const segv = siKill(SIGSEGV, SI_KERNEL, 0, 0);
    forceSignal(k, t, segv, { resetHandler: q.sig === SIGSEGV });
    return;
  }
  // signal_delivered()
  s.restoreMask = false;
  setBlocked(t, t.sigmask | act.mask | (act.flags & SA_NODEFER ? 0n : sigbit(q.sig)));
  if (t.altStack && (t.altStack.flags & SS_AUTODISARM)) t.altStack = { sp: 0, size: 0, flags: SS_DISABLE };
}

/** Without a handler, an interrupted call restarts (arch_do_signal_or_restart). */
function restartSyscall(k: Kernel, t: Task): void {
  const c = k.core, s = t.signals;
  const err = -c.regSigned(R_AX);
  if (err === ERESTARTNOHAND || err === ERESTARTSYS || err === ERESTARTNOINTR) {
    c.setReg(R_AX, s.syscallNr);
    c.rip = c.rip - 2;
  } else if (err === ERESTART_RESTARTBLOCK) {
    c.setReg(R_AX, NR_restart_syscall);
    c.rip = c.rip - 2;
  }
  s.syscallNr = -1;
}

/** Instructions since the previous slice belong to the task that ran it (CPU-time itimers). */
const lastSlice = new WeakMap<Kernel, { task: Task; insns: bigint }>();

function chargeCpu(k: Kernel, t: Task): void {
  const last = lastSlice.get(k);
  if (!last && !t.process.signals.onCpu) return;
  const now = k.core.insnCount;
  if (last) {
    const ps = last.task.process.signals;
    const n = Number(now - last.insns);
    ps.insns += n;
    ps.onCpu?.(n);
  }
  if (t.process.signals.onCpu) lastSlice.set(k, { task: t, insns: now });
  else lastSlice.delete(k);
}

/**
 * The way back to user mode (exit_to_user_mode_loop), called by the scheduler before `t` runs
 * — after a system call, after a fault, when a parked task resumes: delivers every pending
 * unblocked signal (each handler's frame on top of the previous one), restarts an interrupted
 * call, puts sigsuspend's mask back, and parks the task during a group stop. Returns whether
 * `t` may run now.
 */
export function returnToUserMode(k: Kernel, t: Task): boolean {
  const s = t.signals, p = t.process;
  if (s.sigreturnRax !== undefined) {
    k.core.setRegBig(R_AX, s.sigreturnRax);
    s.sigreturnRax = undefined;
  }
  if (!p.signals.stopped && !s.restoreMask && !signalPending(t)) {
    if (s.syscallNr >= 0) restartSyscall(k, t);
    chargeCpu(k, t);
    return true;
  }
  for (;;) {
    for (;;) {
      if (t.state !== 'runnable') return false;
      if (p.signals.stopped) {
        k.offCore(t);
        t.state = 'blocked';
        p.signals.stoppedTasks.add(t);
        return false;
      }
      const got = getSignal(k, t);
      if (!got) break;
      handleSignal(k, t, got.q, got.act);
    }
    if (t.state !== 'runnable' || p.signals.stopped) continue;
    if (s.syscallNr >= 0) restartSyscall(k, t);
    if (!s.restoreMask) break;
    s.restoreMask = false;
    setBlocked(t, s.savedMask);
    if (!signalPending(t)) break;
  }
  chargeCpu(k, t);
  return true;
}

// ---- fork and exec ------------------------------------------------------------------------------
/**
 * fork()/clone(): the child gets the parent's mask and sigaltstack; handlers are copied
 * (shared with CLONE_SIGHAND: pass the same map); pending signals and timers are not inherited.
 */
export function copySignalState(from: Task, to: Task, shareHandlers: boolean): void {
  to.sigmask = from.sigmask;
  to.altStack = from.altStack && { ...from.altStack };
  if (!shareHandlers && to.process !== from.process) {
    for (const [sig, r] of from.process.sigactions) to.process.sigactions.set(sig, r.slice());
  }
}

/**
 * execve(): handlers go back to SIG_DFL (SIG_IGN stays ignored, flush_signal_handlers), the
 * alternate stack is forgotten but its flags kept (begin_new_exec), POSIX timers are deleted;
 * the mask, pending signals and interval timers carry over.
 */
export function signalsOnExec(t: Task): void {
  const p = t.process;
  for (const [sig, r] of [...p.sigactions]) {
    const ign = new DataView(r.buffer, r.byteOffset).getBigUint64(0, true) === BigInt(SIG_IGN);
    if (ign) setAction(p, sig, { handler: BigInt(SIG_IGN), flags: 0, restorer: 0n, mask: 0n });
    else p.sigactions.delete(sig);
  }
  if (t.altStack) t.altStack = { sp: 0, size: 0, flags: t.altStack.flags };
  t.signals.restart = undefined;
  p.signals.onExec?.();
}
