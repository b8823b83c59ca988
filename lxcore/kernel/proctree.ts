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

import { fs } from '../host.js';
import { SIGCHLD, SIGCONT, SIGHUP, SA_NOCLDWAIT, SA_NOCLDSTOP, SIGACTION_FLAGS, signalName } from '../abi/signal.js';
import { stracePid } from '../syscalls/strace.js';
import { siChld, siKill, SI_KERNEL, SI_USER, CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_STOPPED, CLD_CONTINUED } from '../abi/siginfo.js';
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
  p.pidfdWait.wake();
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

/** --strace: strace's last line of a process, `+++ exited with 0 +++` or `+++ killed by SIGSEGV (core dumped) +++`. */
function traceExit(k: Kernel, p: Process): void {
  const out = k.options.strace;
  if (!out || !p.status) return;
  const st = p.status;
  const what = st.signal === null ? `exited with ${st.code ?? 0}` : `killed by ${signalName(st.signal) ?? st.signal}${st.wstatus & 0x80 ? ' (core dumped)' : ''}`;
  out(`${stracePid(k, p, p.pid)}+++ ${what} +++`);
}

/**
 * Called by Kernel.exitProcess once `p` has finished: wakes a vfork parent, hands the children
 * to init, and makes `p` a zombie its parent is told about — or reaps it at once when nobody
 * will wait (no guest parent; the parent ignores SIGCHLD or set SA_NOCLDWAIT).
 */
export function processEnded(k: Kernel, p: Process): void {
  traceExit(k, p);
  const vfork = p.vforkDone;
  p.vforkDone = undefined;
  vfork?.();
  const orphaned = [...p.children];
  p.children.clear();
  // The new parent: the nearest child subreaper, else the instance's own init (pid 1), else
  // the init stand-in (nobody: getppid() says 1 and the zombie is reaped at once).
  const init = k.init && !k.init.process.status && k.init.process !== p ? k.init : undefined;
  const reaper = findNewReaper(p);
  for (const c of orphaned) {
    c.exitSignal = SIGCHLD; // reparenting resets it (kernel/exit.c reparent_leader)
    const to = reaper ?? init?.process ?? null;
    c.parent = to;
    c.ppid = to ? to.pid : INIT_PID;
    to?.children.add(c);
    // PR_SET_PDEATHSIG: each of its threads that asked is told, as from the exiting parent.
    for (const th of c.threads) {
      if (th.pdeathSignal && th.state !== 'dead' && !c.status) {
        sendSignalInfo(k, c, null, th.pdeathSignal, siKill(th.pdeathSignal, SI_USER, p.pid, p.creds.uid));
      }
    }
    if (c.status) {
      if (reaper) notifyAdopted(reaper, c); // a subreaper is told of an adopted zombie, as its parent would be
      else { reap(k, c); init?.childExited(c); } // init reaps the zombies it inherits
    }
  }
  // exit_notify(): a group this exit leaves orphaned with stopped members gets SIGHUP and
  // SIGCONT, whether it is a child's group (reparent_leader) or `p`'s own.
  for (const c of orphaned) if (!c.status) killOrphanedPgrp(k, c, p, null);
  killOrphanedPgrp(k, p, null, p);
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
 * find_new_reaper(): the nearest live ancestor of `p` that is a child subreaper
 * (PR_SET_CHILD_SUBREAPER), or null for init.
 */
function findNewReaper(p: Process): Process | null {
  for (let a = p.parent; a; a = a.parent) if (a.childSubreaper && !a.status) return a;
  return null;
}

/** reparent_leader() of a zombie: its new parent gets SIGCHLD, or reaps it at once if it ignores it. */
function notifyAdopted(parent: Process, c: Process): void {
  const [handler, flags] = chldAction(parent);
  const [code, status] = exitCodeOf(c);
  if (handler === 1n /* SIG_IGN */ || (flags & BigInt(SA_NOCLDWAIT))) reap(parent.kernel, c);
  signalParent(parent, c, handler === 1n ? 0 : SIGCHLD, code, status);
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
/**
 * will_become_orphaned_pgrp(): whether no member of group `pgid` (but `ignored`, and zombies)
 * has a parent in another group of the same session — nobody outside could resume a stop. A
 * member reparented to init counts for nothing, as is_global_init(real_parent) does not. The
 * first process's parent is the host's: the host's /proc answers for it, and for the host
 * processes that share the host's own process group with it.
 */
export function orphanedPgrp(k: Kernel, pgid: number, ignored: Process | null = null): boolean {
  for (const m of groupMembers(k, pgid)) {
    if (m === ignored || m.status) continue;
    if (m.parent === k.init?.process) continue; // a child of init counts for nothing (is_global_init)
    if (m.parent) {
      if (m.parent.pgid !== pgid && m.parent.sid === m.sid) return false;
    } else if (m.ppid !== INIT_PID && hostConnects(m, pgid)) {
      return false;
    }
  }
  return true;
}

/** A host process's [pgrp, session, ppid, state] from /proc/PID/stat ('self': wasl's own). */
export function hostStat(pid: number | 'self'): [number, number, number, string] | undefined {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' '); // state ppid pgrp session …
    return [Number(f[2]), Number(f[3]), Number(f[1]), f[0]];
  } catch { return undefined; }
}

/**
 * Whether a guest process whose parent is outside the instance keeps group `pgid` connected:
 * its host parent is in another group of its session, or (when `pgid` is a host group) some
 * other host member's parent is. Where the host cannot tell (no /proc), it is taken as
 * connected, so that stop signals are never dropped by mistake.
 */
function hostConnects(m: Process, pgid: number): boolean {
  const parent = hostStat(m.ppid);
  if (!parent) return true;
  if (parent[0] !== pgid && parent[1] === m.sid) return true;
  let pids: string[];
  try { pids = fs.readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d)); } catch { return true; }
  for (const d of pids) {
    const pid = Number(d);
    if (pid === process.pid) continue; // the first guest process itself, judged above
    const st = hostStat(pid);
    if (!st || st[0] !== pgid || st[3] === 'Z' || st[2] <= 1) continue;
    const pp = hostStat(st[2]);
    if (pp && pp[0] !== pgid && pp[1] === st[1]) return true;
  }
  return false;
}

/**
 * kill_orphaned_pgrp(): `p`'s group, left orphaned by the exit of `p` itself (`ignored` = p,
 * the parent being p's own) or of its parent `exiting` (reparenting), has stopped members: the
 * group gets SIGHUP then SIGCONT, from the kernel.
 */
function killOrphanedPgrp(k: Kernel, p: Process, exiting: Process | null, ignored: Process | null): void {
  const parentPgid = exiting ? exiting.pgid : p.parent?.pgid;
  const parentSid = exiting ? exiting.sid : p.parent?.sid;
  if (parentPgid === undefined || parentPgid === p.pgid || parentSid !== p.sid) return;
  const members = groupMembers(k, p.pgid);
  if (!members.some((m) => !m.status && m.signals.stopped)) return;
  if (!orphanedPgrp(k, p.pgid, ignored)) return;
  for (const sig of [SIGHUP, SIGCONT]) {
    for (const m of members) if (!m.status) sendSignalInfo(k, m, null, sig, siKill(sig, SI_KERNEL, 0, 0));
  }
}

export function groupMembers(k: Kernel, pgid: number): Process[] {
  return [...k.processes.values()].filter((p) => !p.reaped && p.pgid === pgid);
}

/** Whether process group `pgid` exists in session `sid` (setpgid may only join such a group). */
export function groupInSession(k: Kernel, pgid: number, sid: number): boolean {
  return groupMembers(k, pgid).some((p) => p.sid === sid);
}
