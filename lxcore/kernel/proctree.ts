// The process tree (the parts of kernel/exit.c and kernel/signal.c that concern parents): who
// waits for whom, zombies, reaping, orphans, the events wait4/waitid collect, and process-group
// and session lookups.
//
// Orphans are reparented to init. In an instance booted with lxcore's own init
// (lxcore/instance/init.ts) that is a real process, pid 1, whose children are reaped the moment
// they end (init's wait loop) and reported to the host; otherwise (the CLI's single program) it
// is a stand-in: getppid() reports INIT_PID (1), as for a real orphan on a host without
// subreapers, and their zombies are reaped at once. The first process's parent is the host: it
// is reaped as soon as it ends, and its status goes to Process.exited (what the CLI exits with).

import { SIGCHLD, SIGCONT, SA_NOCLDWAIT, SA_NOCLDSTOP, SIGACTION_FLAGS } from '../abi/signal.js';
import { siChld, CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_STOPPED, CLD_CONTINUED } from '../abi/siginfo.js';
import { sendSignalInfo } from './signals.js';
import { INIT_PID } from './task.js';
import type { Process } from './task.js';
import type { Kernel } from './kernel.js';

/** A process the guest can name by pid: alive, or a zombie nobody has reaped yet. */
export function findProcess(k: Kernel, pid: number): Process | undefined {
  const p = k.processes.get(pid);
  return p && !p.reaped ? p : undefined;
}

/** Removes a zombie from the tree and the process table: its pid is gone. */
export function reap(k: Kernel, p: Process): void {
  if (p.reaped) return;
  p.reaped = true;
  // A waited-for child's CPU time joins its parent's children's times (times(2), RUSAGE_CHILDREN).
  if (p.parent && !p.parent.status) p.parent.childCpuNs += p.cpuNs + p.childCpuNs;
  p.parent?.children.delete(p);
  k.processes.delete(p.pid);
}

/** The parent's SIGCHLD disposition: [handler, sa_flags] (the kernel sigaction record). */
function chldAction(parent: Process): [bigint, bigint] {
  const act = parent.sigactions.get(SIGCHLD);
  if (!act) return [0n, 0n];
  const b = Buffer.from(act.buffer, act.byteOffset, act.length);
  return [b.readBigUInt64LE(0), b.readBigUInt64LE(SIGACTION_FLAGS)];
}

/**
 * Sends the parent `sig` with the child's SIGCHLD siginfo (do_notify_parent,
 * do_notify_parent_cldstop): what happened (si_code), and the exit code or the signal.
 * Times are 0: wasl does not account CPU time per process yet.
 */
function signalParent(parent: Process, child: Process, sig: number, code: number, status: number): void {
  if (!sig || parent.status) return;
  sendSignalInfo(parent.kernel, parent, null, sig, siChld(sig, code, child.pid, child.creds.uid, status));
}

/** si_code and si_status for an exit status (wait_task_zombie's view of it). */
function exitCodeOf(p: Process): [number, number] {
  const st = p.status!;
  if (st.signal === null) return [CLD_EXITED, st.code ?? 0];
  return [(st.wstatus & 0x80) ? CLD_DUMPED : CLD_KILLED, st.signal];
}

/**
 * Called by Kernel.exitProcess once `p` has finished: wakes a vfork parent, hands the children
 * to init, and makes `p` a zombie its parent is told about — or reaps it at once when nobody
 * will wait (no guest parent; the parent ignores SIGCHLD or set SA_NOCLDWAIT).
 */
export function processEnded(k: Kernel, p: Process): void {
  const vfork = p.vforkDone;
  p.vforkDone = undefined;
  vfork?.();
  const init = k.init && !k.init.process.status && k.init.process !== p ? k.init : undefined;
  for (const c of p.children) {
    c.parent = init?.process ?? null;
    c.ppid = init?.process.pid ?? INIT_PID;
    c.exitSignal = SIGCHLD; // reparenting resets it (kernel/exit.c reparent_leader)
    init?.process.children.add(c);
    if (c.status) { // init reaps the zombies it inherits
      reap(k, c);
      init?.childExited(c);
    }
  }
  p.children.clear();
  const parent = p.parent;
  if (!parent) { reap(k, p); return; }
  if (parent === init?.process) { reap(k, p); init.childExited(p); return; }
  let sig = p.exitSignal;
  let autoreap = false;
  if (sig === SIGCHLD) {
    const [handler, flags] = chldAction(parent);
    if (handler === 1n /* SIG_IGN */ || (flags & BigInt(SA_NOCLDWAIT))) autoreap = true;
    if (handler === 1n) sig = 0;
  }
  if (autoreap) reap(k, p);
  const [code, status] = exitCodeOf(p);
  signalParent(parent, p, sig, code, status);
  // Woken even after an autoreap: a parent blocked in wait may now have no children (ECHILD).
  parent.childEvents.wake();
}

/**
 * For the signals work: a stop of `p` took effect. Its parent may collect it with WUNTRACED
 * and is sent SIGCHLD unless it set SA_NOCLDSTOP.
 */
export function processStopped(p: Process, sig: number): void {
  p.stopReport = sig;
  p.continueReport = false;
  notifyStopOrContinue(p, CLD_STOPPED, sig);
}

/** For the signals work: SIGCONT resumed a stopped `p` (collected with WCONTINUED). */
export function processContinued(p: Process): void {
  p.stopReport = 0;
  p.continueReport = true;
  notifyStopOrContinue(p, CLD_CONTINUED, SIGCONT);
}

function notifyStopOrContinue(p: Process, code: number, status: number): void {
  const parent = p.parent;
  if (!parent) return;
  const [, flags] = chldAction(parent);
  if (!(flags & BigInt(SA_NOCLDSTOP))) signalParent(parent, p, SIGCHLD, code, status);
  parent.childEvents.wake();
}

// ---- process groups and sessions ------------------------------------------------------------
/** Processes (zombies included: they keep their group until reaped) of process group `pgid`. */
export function groupMembers(k: Kernel, pgid: number): Process[] {
  return [...k.processes.values()].filter((p) => !p.reaped && p.pgid === pgid);
}

/** Whether process group `pgid` exists in session `sid` (setpgid may only join such a group). */
export function groupInSession(k: Kernel, pgid: number, sid: number): boolean {
  return groupMembers(k, pgid).some((p) => p.sid === sid);
}
