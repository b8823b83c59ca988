// Scheduling attributes (kernel/sched/core.c, kernel/sys.c): nice values (getpriority,
// setpriority), policies and real-time priorities (sched_setscheduler and friends), CPU affinity
// (sched_setaffinity, sched_getaffinity), getcpu and sched_yield. wasl runs every guest thread
// on one JavaScript thread, so these are attributes the guest sets and reads back with Linux's
// rules — permissions, ranges, inheritance — while its scheduler stays round-robin
// (docs/quirks.md).

import { fail, EINVAL, EPERM, ESRCH, EACCES } from '../abi/errno.js';
import { RLIMIT_NICE, RLIMIT_RTPRIO } from '../abi/resource.js';
import { findTask } from '../kernel/signals.js';
import { groupMembers } from '../kernel/proctree.js';
import { allowedCpus, onlineCpus, possibleCpus } from '../fs/hostinfo.js';
import { hasCap } from './sys_cred.js';
import { rlimitOf } from './sys_process.js';
import type { Task } from '../kernel/task.js';

export const SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_DEADLINE = 6;
const SCHED_RESET_ON_FORK = 0x40000000;
const PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;
const CAP_SYS_NICE = 23;
const MAX_RT_PRIO = 100;
/** sched_rr_timeslice: RR_TIMESLICE, 100 ms. */
const RR_TIMESLICE_NS = 100_000_000n;

const isRt = (policy: number): boolean => policy === SCHED_FIFO || policy === SCHED_RR;

/** The task a pid argument names: 0 is the caller; negative is EINVAL; none is ESRCH. */
function taskArg(t: Task, pid: number): Task {
  if ((pid | 0) < 0) fail(EINVAL);
  if ((pid | 0) === 0) return t;
  const o = findTask(t.kernel, pid | 0);
  if (!o) fail(ESRCH);
  return o;
}

/** check_same_owner(): the caller's euid is the target's real or effective uid, or CAP_SYS_NICE. */
function mayChange(t: Task, o: Task): boolean {
  const c = t.process.creds, oc = o.process.creds;
  return c.euid === oc.uid || c.euid === oc.euid || hasCap(c, CAP_SYS_NICE);
}

// ---- nice ---------------------------------------------------------------------------------------
/** The tasks getpriority/setpriority address (PRIO_PROCESS names one thread, as Linux does). */
function prioTargets(t: Task, which: number, who: number): Task[] {
  const k = t.kernel;
  switch (which | 0) {
    case PRIO_PROCESS: {
      const o = (who | 0) === 0 ? t : findTask(k, who | 0);
      return o ? [o] : [];
    }
    case PRIO_PGRP: {
      const pgid = (who | 0) === 0 ? t.process.pgid : who | 0;
      return groupMembers(k, pgid).filter((p) => !p.status).flatMap((p) => p.threads.filter((x) => x.state !== 'dead'));
    }
    case PRIO_USER: {
      const uid = (who | 0) === 0 ? t.process.creds.uid : who >>> 0;
      return [...k.processes.values()].filter((p) => !p.status && p.creds.uid === uid)
        .flatMap((p) => p.threads.filter((x) => x.state !== 'dead'));
    }
    default:
      return fail(EINVAL);
  }
}

/** getpriority(2): the highest priority among the targets, as the raw call gives it (20 − nice). */
export function sysGetpriority(t: Task, which: number, who: number): number {
  const ts = prioTargets(t, which, who);
  if (!ts.length) fail(ESRCH);
  return Math.max(...ts.map((o) => 20 - o.nice));
}

/** can_nice(): raising priority needs RLIMIT_NICE (20 − nice ≤ its soft limit) or CAP_SYS_NICE. */
function canNice(t: Task, nice: number): boolean {
  return 20 - nice <= rlimitOf(t.process, RLIMIT_NICE)[0] || hasCap(t.process.creds, CAP_SYS_NICE);
}

/** setpriority(2): nice clamped to [−20, 19] for every target the caller may change. */
export function sysSetpriority(t: Task, which: number, who: number, niceval: number): number {
  const ts = prioTargets(t, which, who);
  const nice = Math.min(19, Math.max(-20, niceval | 0));
  if (!ts.length) fail(ESRCH);
  let err = 0;
  for (const o of ts) {
    // set_one_prio(): ownership first, then the right to raise priority.
    if (!mayChange(t, o)) { err = EPERM; continue; }
    if (nice < o.nice && !canNice(t, nice)) { err = EACCES; continue; }
    o.nice = nice;
  }
  return err ? fail(err) : 0;
}

// ---- policies ---------------------------------------------------------------------------------------
export function sysSchedGetscheduler(t: Task, pid: number): number {
  const o = taskArg(t, pid);
  return o.policy | (o.resetOnFork ? SCHED_RESET_ON_FORK : 0);
}

/**
 * __sched_setscheduler(): validates the policy and priority (1–99 for FIFO/RR, 0 otherwise),
 * then the permissions: another user's task needs CAP_SYS_NICE, and a real-time policy or
 * priority needs RLIMIT_RTPRIO or CAP_SYS_NICE; leaving SCHED_RESET_ON_FORK too.
 */
function setScheduler(t: Task, pid: number, policyArg: number | undefined, param: number): number {
  if ((pid | 0) < 0 || !param) fail(EINVAL);
  const prio = t.process.mm.read(param, 4);
  const priority = new DataView(prio.buffer).getInt32(0, true);
  const o = taskArg(t, pid);
  let policy = policyArg === undefined ? o.policy : policyArg;
  let reset = o.resetOnFork;
  if (policyArg !== undefined) {
    reset = (policy & SCHED_RESET_ON_FORK) !== 0;
    policy &= ~SCHED_RESET_ON_FORK;
    if (![SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE].includes(policy)) fail(EINVAL);
  }
  if (priority < 0 || priority > MAX_RT_PRIO - 1) fail(EINVAL);
  if (isRt(policy) !== (priority !== 0)) fail(EINVAL);
  if (!hasCap(t.process.creds, CAP_SYS_NICE)) {
    if (isRt(policy)) {
      const rlim = rlimitOf(o.process, RLIMIT_RTPRIO)[0];
      if (policy !== o.policy && !rlim) fail(EPERM);
      if (priority > o.rtPriority && priority > rlim) fail(EPERM);
    }
    // Leaving SCHED_IDLE needs the nice rights; so does clearing reset-on-fork.
    if (o.policy === SCHED_IDLE && policy !== SCHED_IDLE && !canNice(t, o.nice)) fail(EPERM);
    if (o.resetOnFork && !reset) fail(EPERM);
    if (!mayChange(t, o)) fail(EPERM);
  }
  o.policy = policy;
  o.rtPriority = priority;
  o.resetOnFork = reset;
  return 0;
}

export function sysSchedSetscheduler(t: Task, pid: number, policy: number, param: number): number {
  if ((policy | 0) < 0) fail(EINVAL);
  return setScheduler(t, pid, policy | 0, param);
}

export function sysSchedSetparam(t: Task, pid: number, param: number): number {
  return setScheduler(t, pid, undefined, param);
}

export function sysSchedGetparam(t: Task, pid: number, param: number): number {
  if ((pid | 0) < 0 || !param) fail(EINVAL);
  const o = taskArg(t, pid);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, o.rtPriority, true);
  t.process.mm.write(param, b);
  return 0;
}

export function sysSchedGetPriorityMax(_t: Task, policy: number): number {
  switch (policy | 0) {
    case SCHED_FIFO: case SCHED_RR: return MAX_RT_PRIO - 1;
    case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: case SCHED_DEADLINE: return 0;
    default: return fail(EINVAL);
  }
}

export function sysSchedGetPriorityMin(_t: Task, policy: number): number {
  switch (policy | 0) {
    case SCHED_FIFO: case SCHED_RR: return 1;
    case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: case SCHED_DEADLINE: return 0;
    default: return fail(EINVAL);
  }
}

/**
 * sched_rr_get_interval(2): RR's time slice (100 ms), 0 for FIFO. For the normal policies Linux
 * reports the CFS slice of the moment in jiffies; wasl reports the base slice rounded down to
 * the 4 ms jiffy of a HZ=250 kernel, which is 0 on a two-CPU host (docs/quirks.md).
 */
export function sysSchedRrGetInterval(t: Task, pid: number, interval: number): number {
  const o = taskArg(t, pid);
  const ns = o.policy === SCHED_RR ? RR_TIMESLICE_NS : 0n;
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, ns / 1_000_000_000n, true);
  v.setBigInt64(8, ns % 1_000_000_000n, true);
  t.process.mm.write(interval, b);
  return 0;
}

// ---- affinity --------------------------------------------------------------------------------------
/** nr_cpu_ids in bytes, rounded to longs (cpumask_size()). */
function maskBytes(): number {
  return Math.ceil((Math.max(...possibleCpus(), ...allowedCpus()) + 1) / 64) * 8;
}

/** The CPUs `o` may run on: what it set, else the host process's own. */
export function taskCpus(o: Task): number[] { return o.affinity ?? allowedCpus(); }

/** The affinity calls' target: 0 is the caller; anything else not found (negative too) is ESRCH. */
function affinityTask(t: Task, pid: number): Task {
  const o = (pid | 0) === 0 ? t : findTask(t.kernel, pid | 0);
  if (!o) fail(ESRCH);
  return o;
}

export function sysSchedGetaffinity(t: Task, pid: number, size: number, mask: number): number {
  const bytes = maskBytes();
  if ((size | 0) < bytes || (size & 7)) fail(EINVAL);
  const o = affinityTask(t, pid);
  const b = new Uint8Array(bytes);
  const online = new Set(onlineCpus());
  for (const i of taskCpus(o)) if (online.has(i)) b[i >> 3] |= 1 << (i & 7);
  t.process.mm.write(mask, b);
  return bytes;
}

/**
 * sched_setaffinity(2): the new mask, cut to the CPUs the host lets this process use (its
 * cpuset); empty → EINVAL. Another user's task needs CAP_SYS_NICE.
 */
export function sysSchedSetaffinity(t: Task, pid: number, size: number, mask: number): number {
  const bytes = maskBytes();
  const data = t.process.mm.read(mask, Math.min(Math.max(size | 0, 0), bytes));
  const o = affinityTask(t, pid);
  if (!mayChange(t, o)) fail(EPERM);
  const allowed = allowedCpus();
  const want = allowed.filter((i) => (i >> 3) < data.length && (data[i >> 3] >> (i & 7)) & 1);
  if (!want.length) fail(EINVAL);
  o.affinity = want;
  return 0;
}

/** getcpu(2): the CPU the thread "runs" on — the first it may use — and node 0. */
export function sysGetcpu(t: Task, cpu: number, node: number): number {
  const put = (addr: number, v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    t.process.mm.write(addr, b);
  };
  if (cpu) put(cpu, taskCpus(t)[0] ?? 0);
  if (node) put(node, 0);
  return 0;
}
