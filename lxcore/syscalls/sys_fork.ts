// Process and thread creation: clone(2), clone3(2), fork(2), vfork(2) — kernel/fork.c's
// copy_process. What libcs and Go use is supported: fork (SIGCHLD, CLONE_CHILD_SETTID|
// CLONE_CHILD_CLEARTID|SIGCHLD), vfork and posix_spawn (CLONE_VM|CLONE_VFORK, with or without a
// child stack), threads (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, with or
// without CLONE_SYSVSEM, CLONE_SETTLS and the tid options), plus CLONE_FILES, CLONE_PARENT and
// the tid/TLS options for processes. A thread is a new Task in the caller's Process, which
// holds what threads share (mm, fds, cwd, dispositions): so a thread that would have its own
// descriptor table or cwd (CLONE_THREAD without CLONE_FILES or CLONE_FS), sharing cwd or signal
// handlers without threads (CLONE_FS, CLONE_SIGHAND), namespaces, pidfds and cgroups fail with
// EINVAL. Each refusal is logged once.

import * as L from '../../cpu/shared/layout.js';
import { newPidfd } from './sys_pidfd.js';
import { fail, EINVAL, EAGAIN, E2BIG } from '../abi/errno.js';
import {
  CSIGNAL, CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_PIDFD, CLONE_PTRACE, CLONE_VFORK,
  CLONE_PARENT, CLONE_THREAD, CLONE_NEWNS, CLONE_SYSVSEM, CLONE_SETTLS, CLONE_PARENT_SETTID,
  CLONE_CHILD_CLEARTID, CLONE_DETACHED, CLONE_UNTRACED, CLONE_CHILD_SETTID, CLONE_NEWUSER,
  CLONE_NEWPID, CLONE_IO, CLONE_NEWTIME, CLONE_ARGS_SIZE_VER0,
} from '../abi/sched.js';
import { SIGCHLD, NSIG, SIG_IGN, SS_DISABLE } from '../abi/signal.js';
import { copySignalState, getAction } from '../kernel/signals.js';
import { Process, Task } from '../kernel/task.js';
import { RLIMIT_NPROC } from '../abi/resource.js';
import { inheritTaskName } from './sys_process.js';

/** Flags a new process may carry here (the rest of the low 32 bits are refused below). */
const SUPPORTED = CLONE_VM | CLONE_FILES | CLONE_VFORK | CLONE_PARENT | CLONE_SETTLS |
  CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |
  CLONE_UNTRACED | CLONE_PTRACE | CLONE_SYSVSEM | CLONE_IO | CLONE_PIDFD;

interface CloneArgs {
  /** clone flags without the exit signal (clone3's bits above 31 are handled before). */
  flags: number;
  exitSignal: number;
  /** The child's initial rsp, or 0 to continue on the parent's stack pointer. */
  sp: number;
  parentTid: number;
  childTid: number;
  tls: number;
  /** clone3's pidfd field: where CLONE_PIDFD stores the descriptor (clone(2) uses parentTid). */
  pidfd?: number;
}

const refused = new Set<string>();
function refuse(t: Task, errno: number, why: string): never {
  if (!refused.has(why)) {
    refused.add(why);
    t.kernel.log(`clone: ${why} not supported yet: fails with ${errno === EAGAIN ? 'EAGAIN' : 'EINVAL'}`);
  }
  return fail(errno);
}

function putU32(mm: Process['mm'], addr: number, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  try { mm.write(addr, b); } catch { /* EFAULT: ignored, as copy_process/schedule_tail do */ }
}

/** The checks copy_process makes before anything is copied, then wasl's own limits. */
function validate(t: Task, f: number): void {
  if ((f & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) fail(EINVAL);
  if ((f & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) fail(EINVAL);
  if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND)) fail(EINVAL);
  if ((f & CLONE_SIGHAND) && !(f & CLONE_VM)) fail(EINVAL);
  if ((f & CLONE_THREAD) && (f & (CLONE_NEWUSER | CLONE_NEWPID))) fail(EINVAL);
  if ((f & CLONE_PIDFD) && (f & (CLONE_DETACHED | CLONE_THREAD))) fail(EINVAL);
  if (f & CLONE_THREAD) {
    if ((f & (CLONE_FS | CLONE_FILES)) !== (CLONE_FS | CLONE_FILES)) refuse(t, EINVAL, 'a thread with its own cwd or descriptor table');
    if (f & CLONE_VFORK) refuse(t, EINVAL, 'CLONE_VFORK with CLONE_THREAD');
  } else {
    if (f & CLONE_FS) refuse(t, EINVAL, 'CLONE_FS without threads');
    if (f & CLONE_SIGHAND) refuse(t, EINVAL, 'CLONE_SIGHAND without threads');
  }
  if ((f & CLONE_PIDFD) && (f & CLONE_THREAD)) refuse(t, EINVAL, 'CLONE_PIDFD for a thread');
  const ok = SUPPORTED | ((f & CLONE_THREAD) ? CLONE_THREAD | CLONE_FS | CLONE_SIGHAND : 0);
  if (f & ~ok) refuse(t, EINVAL, `clone flags 0x${((f & ~ok) >>> 0).toString(16)} (namespaces)`);
}

/** The new task's registers: the caller's at the call, rax = 0, the given stack and FS base. */
function childRegs(t: Task, a: CloneArgs): Uint8Array {
  const regs = t.kernel.core.saveState();
  const dv = new DataView(regs.buffer);
  dv.setBigUint64(L.RAX, 0n, true);
  const u64 = (v: number) => BigInt.asUintN(64, BigInt(v));
  if (a.sp) dv.setBigUint64(L.RSP, u64(a.sp), true);
  if (a.flags & CLONE_SETTLS) dv.setBigUint64(L.FS_BASE, u64(a.tls), true);
  return regs;
}

/**
 * copy_process for CLONE_THREAD: a Task in the caller's Process with its own tid; it shares
 * everything the Process holds. exit_signal is ignored (threads notify nobody, Linux sets −1);
 * the mask is inherited, pending signals are not, and the alternate signal stack is cleared
 * (CLONE_VM without CLONE_VFORK: sas_ss_reset). Returns the new tid.
 */
/** copy_process's per-task part: the timer slack is inherited (and becomes the child's default); PDEATHSIG is not. */
function inheritTaskState(t: Task, ct: Task): void {
  ct.timerSlackNs = ct.defaultTimerSlackNs = t.timerSlackNs;
  ct.pdeathSignal = 0;
  // sched_fork(): the policy, priority, nice and CPUs are inherited, unless SCHED_RESET_ON_FORK
  // asks for a normal policy and a nice of at least 0 in the child.
  ct.affinity = t.affinity;
  ct.nice = t.nice;
  ct.policy = t.policy;
  ct.rtPriority = t.rtPriority;
  if (t.resetOnFork) {
    if (ct.policy === 1 || ct.policy === 2) { ct.policy = 0; ct.rtPriority = 0; ct.nice = 0; }
    else if (ct.nice < 0) ct.nice = 0;
  }
}

function copyThread(t: Task, a: CloneArgs): number {
  const k = t.kernel, p = t.process, f = a.flags;
  const tid = k.allocPid();
  const ct = new Task(tid, p, childRegs(t, a));
  inheritTaskState(t, ct);
  copySignalState(t, ct, true);
  ct.altStack = { sp: 0, size: 0, flags: SS_DISABLE };
  if (f & CLONE_CHILD_CLEARTID) ct.clearChildTid = a.childTid;
  inheritTaskName(t, ct);
  // The child's tid is written before either runs (CLONE_CHILD_SETTID in the shared memory).
  if (f & CLONE_CHILD_SETTID) putU32(p.mm, a.childTid, tid);
  if (f & CLONE_PARENT_SETTID) putU32(p.mm, a.parentTid, tid);
  k.startThread(ct);
  return tid;
}

/**
 * The checks copy_process makes before anything is copied: the instance's task cap (like a
 * cgroup's pids.max) and RLIMIT_NPROC for the caller's user (root is exempt, as with Linux's
 * CAP_SYS_RESOURCE/CAP_SYS_ADMIN). Both are EAGAIN.
 */
function admitTask(t: Task): void {
  const k = t.kernel, p = t.process;
  if (k.liveTasks() >= k.limits.tasks) fail(EAGAIN);
  const nproc = p.rlimits.get(RLIMIT_NPROC)?.[0];
  if (nproc !== undefined && p.creds.uid !== 0 && p.creds.euid !== 0 && k.liveTasks(p.creds.uid) >= nproc) fail(EAGAIN);
}

/** copy_process + wake_up_new_task: returns the child's pid (for vfork, once it execs or exits). */
function copyProcess(t: Task, a: CloneArgs, clearSighand = false): number | Promise<number> {
  const k = t.kernel;
  const p = t.process;
  const f = a.flags;
  validate(t, f);
  admitTask(t);
  if (f & CLONE_THREAD) return copyThread(t, a);
  // CLONE_PIDFD stores the descriptor's number where clone's parent_tid (clone3's pidfd) points;
  // an address that cannot be written fails the call before anything is made (EFAULT).
  const pidfdAt = a.pidfd ?? a.parentTid;
  if (f & CLONE_PIDFD) p.mm.write(pidfdAt, new Uint8Array(4));

  // The address space: shared (CLONE_VM: vfork, posix_spawn) or copied on write.
  const mm = (f & CLONE_VM) ? p.mm : p.mm.fork();
  if (f & CLONE_VM) mm.users++;
  const fds = (f & CLONE_FILES) ? p.fds : p.fds.clone();
  if (f & CLONE_FILES) fds.users++;

  const pid = k.allocPid();
  // CLONE_PARENT: a sibling, whose parent is ours (none for the first process: the host's).
  const parent = (f & CLONE_PARENT) ? p.parent : p;
  const c = new Process(k, pid, parent ? parent.pid : p.ppid, mm, fds, p.cwd, p.exe, [...p.argv],
    { ...p.creds, groups: [...p.creds.groups] });
  c.parent = parent;
  c.exitSignal = (f & CLONE_PARENT) ? p.exitSignal : a.exitSignal;
  c.env = [...p.env];
  c.pgid = p.pgid;
  c.sid = p.sid;
  c.ctty = p.ctty;
  c.umask = p.umask;
  c.root = p.root;
  c.personality = p.personality;
  c.dumpable = p.dumpable;
  c.noNewPrivs = p.noNewPrivs;
  c.securebits = p.securebits;
  c.capBset = p.capBset;
  c.thpDisable = p.thpDisable;
  c.rlimits = new Map([...p.rlimits].map(([r, v]) => [r, [v[0], v[1]] as [number, number]]));

  // The child resumes where the parent made the call, with rax = 0.
  const ct = new Task(pid, c, childRegs(t, a));
  inheritTaskState(t, ct);
  // Mask, sigaltstack and dispositions are inherited; pending signals are not (fork(2)).
  copySignalState(t, ct, false);
  if (clearSighand) { // CLONE_CLEAR_SIGHAND: handled signals go back to SIG_DFL, SIG_IGN stays
    for (const sig of [...c.sigactions.keys()]) if (getAction(c, sig).handler !== BigInt(SIG_IGN)) c.sigactions.delete(sig);
  }
  // A child sharing memory without stopping its parent must not share its signal stack either.
  if ((f & (CLONE_VM | CLONE_VFORK)) === CLONE_VM) ct.altStack = { sp: 0, size: 0, flags: SS_DISABLE };
  if (f & CLONE_CHILD_CLEARTID) ct.clearChildTid = a.childTid;
  inheritTaskName(t, ct);

  if (f & CLONE_CHILD_SETTID) putU32(mm, a.childTid, pid);
  if (f & CLONE_PARENT_SETTID) putU32(p.mm, a.parentTid, pid);
  // CLONE_PIDFD: a pidfd for the child in the parent's table (close-on-exec).
  if (f & CLONE_PIDFD) putU32(p.mm, pidfdAt, newPidfd(t, c, pid, 0));

  k.startProcess(c, ct);
  if (f & CLONE_VFORK) {
    // The parent sleeps until the child has let go of the shared memory: exec or exit.
    return new Promise<number>((resolve) => { c.vforkDone = () => resolve(pid); });
  }
  return pid;
}

/** clone(flags, newsp, parent_tid, child_tid, tls) — x86-64 argument order. */
export function sysClone(t: Task, flags: number, newsp: number, ptid: number, ctid: number, tls: number): number | Promise<number> {
  const low = flags >>> 0; // clone(2) takes the low 32 bits (kernel/fork.c: lower_32_bits)
  // The low byte is the exit signal, CLONE_NEWTIME (0x80) included: clone(2) cannot ask for it.
  // clone(2) stores the pidfd where parent_tid points: asking for both is EINVAL.
  if ((low & CLONE_PIDFD) && (low & CLONE_PARENT_SETTID)) fail(EINVAL);
  return copyProcess(t, {
    flags: low & ~CSIGNAL, exitSignal: low & CSIGNAL, sp: newsp, parentTid: ptid, childTid: ctid, tls,
  });
}

export function sysFork(t: Task): number | Promise<number> {
  return copyProcess(t, { flags: 0, exitSignal: SIGCHLD, sp: 0, parentTid: 0, childTid: 0, tls: 0 });
}

export function sysVfork(t: Task): number | Promise<number> {
  return copyProcess(t, { flags: CLONE_VM | CLONE_VFORK, exitSignal: SIGCHLD, sp: 0, parentTid: 0, childTid: 0, tls: 0 });
}

/**
 * clone3(struct clone_args *args, size_t size):
 *   0 flags  8 pidfd  16 child_tid  24 parent_tid  32 exit_signal  40 stack  48 stack_size
 *   56 tls  64 set_tid  72 set_tid_size  80 cgroup          (VER0 = 64, VER1 = 80, VER2 = 88)
 */
export function sysClone3(t: Task, uargs: number, size: number): number | Promise<number> {
  if (size < CLONE_ARGS_SIZE_VER0) fail(EINVAL);
  if (size > L.PAGE_SIZE) fail(E2BIG);
  const raw = t.process.mm.read(uargs, size);
  // A newer caller's larger struct is accepted only if what we don't know is zero.
  if (raw.subarray(88).some((b) => b !== 0)) fail(E2BIG);
  const buf = new Uint8Array(88);
  buf.set(raw.subarray(0, 88));
  const dv = new DataView(buf.buffer);
  const u64 = (o: number) => dv.getBigUint64(o, true);
  const flags = u64(0), exitSignal = u64(32), stack = u64(40), stackSize = u64(48);
  const CLEAR_SIGHAND = 0x100000000n, INTO_CGROUP = 0x200000000n;
  if (exitSignal & ~BigInt(CSIGNAL) || exitSignal > BigInt(NSIG)) fail(EINVAL);
  if (flags & ~(0xffffffffn | CLEAR_SIGHAND | INTO_CGROUP)) fail(EINVAL);
  // clone3 reuses the exit-signal byte (but CLONE_NEWTIME) and CLONE_DETACHED: both invalid here.
  if (flags & BigInt(CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME))) fail(EINVAL);
  if ((flags & CLEAR_SIGHAND) && (flags & BigInt(CLONE_SIGHAND))) fail(EINVAL);
  if ((flags & BigInt(CLONE_THREAD | CLONE_PARENT)) && exitSignal) fail(EINVAL);
  if (stack === 0n ? stackSize !== 0n : stackSize === 0n) fail(EINVAL);
  if (u64(64) || u64(72)) refuse(t, EINVAL, 'clone3 set_tid');
  if (flags & INTO_CGROUP) refuse(t, EINVAL, 'CLONE_INTO_CGROUP');
  if (flags & BigInt(CLONE_NEWTIME)) refuse(t, EINVAL, 'CLONE_NEWTIME');
  return copyProcess(t, {
    flags: Number(flags & 0xffffffffn), exitSignal: Number(exitSignal),
    sp: Number(stack + stackSize), parentTid: Number(u64(24)), childTid: Number(u64(16)), tls: Number(u64(56)), pidfd: Number(u64(8)),
  }, (flags & CLEAR_SIGHAND) !== 0n);
}
