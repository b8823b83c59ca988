// Timers that send signals: alarm, setitimer, getitimer (kernel/time/itimer.c) and the POSIX
// timers timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete
// (kernel/time/posix-timers.c), and timerfd_create/settime/gettime (fs/timerfd.c; the file is fs/timerfd.ts). Host timers stand behind the real clocks; ITIMER_VIRTUAL and
// ITIMER_PROF run on wasl's process CPU clock, its instruction count at 1 ns per instruction
// (docs/quirks.md). The timer state lives with the process and dies with it.

import { fail, EINVAL, EFAULT, EPERM, EOPNOTSUPP } from '../abi/errno.js';
import { SIGALRM, SIGVTALRM, SIGPROF, NSIG } from '../abi/signal.js';
import { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, TIMER_ABSTIME, ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF } from '../abi/time.js';
import { siKill, siTimer, SI_KERNEL, SI_OVERRUN } from '../abi/siginfo.js';
import { sendSignalInfo, findTask, hostTimer, SignalSource } from '../kernel/signals.js';
import { clockNs } from './sys_time.js';
import { TimerFd, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET } from '../fs/timerfd.js';
import type { Task, Process } from '../kernel/task.js';
import { monoNs } from '../kernel/fastsys.js';

const NS = 1_000_000_000n;
const CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;
const SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;

/** hrtimer_forward(): moves `expires` past `now` by whole intervals; returns how many. */
function forward(expires: bigint, now: bigint, interval: bigint): [bigint, number] {
  if (now < expires || interval <= 0n) return [expires, 0];
  const n = (now - expires) / interval + 1n;
  return [expires + n * interval, Number(n)];
}

// ---- per-process state --------------------------------------------------------------------------
class CpuItimer { expires = 0; incr = 0; }

class Timers {
  /** ITIMER_REAL: absolute expiry on CLOCK_MONOTONIC (0 = disarmed), interval, host timer. */
  realExpires = 0n;
  realIncr = 0n;
  realCancel?: () => void;
  readonly cpu = [new CpuItimer(), new CpuItimer()]; // ITIMER_VIRTUAL, ITIMER_PROF
  readonly posix = new Map<number, PosixTimer>();
  nextId = 0;

  constructor(readonly p: Process) {
    p.signals.onSigalrm = () => this.realRearm();
    p.signals.onExec = () => { for (const id of [...this.posix.keys()]) this.deleteTimer(id); };
    void p.exited.then(() => {
      this.realCancel?.();
      for (const tm of this.posix.values()) tm.cancel?.();
    });
  }

  get realActive(): boolean { return !!this.realCancel; }

  armReal(expires: bigint): void {
    this.realCancel?.();
    this.realExpires = expires;
    this.realCancel = hostTimer(expires - monoNs(), () => {
      this.realCancel = undefined;
      // it_real_fn(): SIGALRM to the process as the kernel's (SI_KERNEL); the interval re-arms
      // when the signal is dequeued, so an ignored SIGALRM stops a periodic timer, as on Linux.
      sendSignalInfo(this.p.kernel, this.p, null, SIGALRM, siKill(SIGALRM, SI_KERNEL, 0, 0));
    });
  }

  realRearm(): void {
    if (this.realActive || !this.realIncr) return;
    this.armReal(forward(this.realExpires, monoNs(), this.realIncr)[0]);
  }

  /** CPU time advanced by `ns` (check_cpu_itimer): expire, re-arm by the interval, signal. */
  cpuTick(ns: number): void {
    for (let i = 0; i < 2; i++) {
      const it = this.cpu[i];
      if (!it.expires) continue;
      it.expires -= ns;
      if (it.expires > 0) continue;
      it.expires = it.incr ? Math.max(it.incr + it.expires, 1) : 0;
      const sig = i === 0 ? SIGVTALRM : SIGPROF;
      sendSignalInfo(this.p.kernel, this.p, null, sig, siKill(sig, SI_KERNEL, 0, 0));
    }
    this.updateCpuHook();
  }

  updateCpuHook(): void {
    this.p.signals.onCpu = this.cpu.some((c) => c.expires) ? (n) => this.cpuTick(n) : undefined;
  }

  deleteTimer(id: number): void {
    this.posix.get(id)?.cancel?.();
    this.posix.delete(id);
  }
}

const timersOf = new WeakMap<Process, Timers>();
function timers(p: Process): Timers {
  let tm = timersOf.get(p);
  if (!tm) timersOf.set(p, tm = new Timers(p));
  return tm;
}

// ---- timespec / timeval codecs ----------------------------------------------------------------
function readPair(t: Task, addr: number, usec: boolean): [bigint, bigint] {
  const v = new DataView(t.process.mm.read(addr, 32).buffer);
  const unit = usec ? 1000n : 1n, limit = usec ? 1_000_000n : NS;
  const one = (off: number): bigint => {
    const sec = v.getBigInt64(off, true), frac = v.getBigInt64(off + 8, true);
    if (sec < 0n || frac < 0n || frac >= limit) fail(EINVAL);
    return sec * NS + frac * unit;
  };
  return [one(0), one(16)]; // interval, value
}

function pairBytes(interval: bigint, value: bigint, usec: boolean): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  const put = (off: number, ns: bigint) => {
    v.setBigInt64(off, ns / NS, true);
    v.setBigInt64(off + 8, usec ? (ns % NS) / 1000n : ns % NS, true);
  };
  put(0, interval);
  put(16, value);
  return b;
}

// ---- setitimer, getitimer, alarm --------------------------------------------------------------
/** itimer_get_remtime(): an armed timer never reports 0 (at least 1 µs). */
function getItimer(p: Process, which: number): [bigint, bigint] {
  const tm = timers(p);
  if (which === ITIMER_REAL) {
    if (!tm.realActive) return [tm.realIncr, 0n];
    const rem = tm.realExpires - monoNs();
    return [tm.realIncr, rem > 0n ? rem : 1000n];
  }
  const it = tm.cpu[which - 1];
  return [BigInt(it.incr), it.expires > 0 ? BigInt(it.expires) : 0n];
}

function setItimer(p: Process, which: number, interval: bigint, value: bigint): [bigint, bigint] {
  const old = getItimer(p, which);
  const tm = timers(p);
  if (which === ITIMER_REAL) {
    tm.realCancel?.();
    tm.realCancel = undefined;
    tm.realIncr = value ? interval : 0n;
    if (value) tm.armReal(monoNs() + value);
  } else {
    const it = tm.cpu[which - 1];
    it.expires = value ? Number(value) : 0;
    it.incr = Number(interval);
    tm.updateCpuHook();
  }
  return old;
}

export function sysGetitimer(t: Task, which: number, value: number): number {
  which |= 0;
  if (which < ITIMER_REAL || which > ITIMER_PROF) fail(EINVAL);
  const [interval, v] = getItimer(t.process, which);
  t.process.mm.write(value, pairBytes(interval, v, true));
  return 0;
}

export function sysSetitimer(t: Task, which: number, value: number, ovalue: number): number {
  which |= 0;
  // A NULL new value is taken as zero (a misfeature Linux still supports).
  const [interval, v] = value ? readPair(t, value, true) : [0n, 0n];
  if (which < ITIMER_REAL || which > ITIMER_PROF) fail(EINVAL);
  const old = setItimer(t.process, which, interval, v);
  if (ovalue) t.process.mm.write(ovalue, pairBytes(old[0], old[1], true));
  return 0;
}

/** alarm(2): seconds left of the previous alarm, rounded to nearest but never 0 if one was set. */
export function sysAlarm(t: Task, seconds: number): number {
  const [, old] = setItimer(t.process, ITIMER_REAL, 0n, BigInt(seconds >>> 0) * NS);
  let sec = old / NS;
  const nsec = old % NS;
  if ((!sec && nsec) || nsec >= NS / 2n) sec++;
  return Number(sec);
}

// ---- POSIX timers --------------------------------------------------------------------------------
class PosixTimer implements SignalSource {
  expires = 0n;
  interval = 0n;
  cancel?: () => void;
  /** Fired, periodic, its signal not yet dequeued (it_requeue_pending). */
  requeuePending = false;
  /** The queued siginfo while its signal is pending, for overruns. */
  queued?: Uint8Array;
  overrun = 0;
  overrunLast = 0;
  /** Bumped by timer_settime, so a signal queued before it does not re-arm the new setting. */
  gen = 0;
  queuedGen = 0;

  constructor(readonly tm: Timers, readonly id: number, readonly clock: number, readonly notify: number,
    readonly signo: number, readonly value: bigint, readonly target: Task | null) {}

  now(): bigint { return clockNs(this.clock); }

  arm(expires: bigint): void {
    this.expires = expires;
    if (this.notify === SIGEV_NONE) return; // nothing to deliver: timer_gettime computes
    this.cancel = hostTimer(expires - this.now(), () => this.fire());
  }

  disarm(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** posix_timer_fn(): queue the signal, or count an overrun if it is still pending. */
  fire(): void {
    this.cancel = undefined;
    const p = this.tm.p;
    if (this.queued) {
      const v = new DataView(this.queued.buffer);
      v.setInt32(SI_OVERRUN, v.getInt32(SI_OVERRUN, true) + 1, true);
      return;
    }
    const info = siTimer(this.signo, this.id, this.value);
    // Recorded first: a waiting sigtimedwait or signalfd may dequeue it inside the send.
    this.queued = info;
    this.queuedGen = this.gen;
    this.requeuePending = this.interval > 0n;
    const r = sendSignalInfo(p.kernel, p, this.target, this.signo, info, { source: this });
    if (r === 'queued') return;
    if (this.queued === info) this.queued = undefined;
    this.requeuePending = false;
    if (this.interval) {
      // Ignored: no dequeue will re-arm it, so it re-arms now and counts what it skips.
      const [next, n] = forward(this.expires, this.now(), this.interval);
      this.overrun += n - 1;
      this.arm(next);
    }
  }

  /** posixtimer_rearm() at dequeue: the overrun count goes into si_overrun; periodic re-arms. */
  dequeued(info: Uint8Array): void {
    if (info !== this.queued) return;
    this.queued = undefined;
    if (!this.requeuePending || this.queuedGen !== this.gen || !this.tm.posix.has(this.id)) return;
    this.requeuePending = false;
    const [next, n] = forward(this.expires, this.now(), this.interval);
    this.overrunLast = this.overrun + Math.max(n - 1, 0);
    this.overrun = 0;
    const v = new DataView(info.buffer);
    v.setInt32(SI_OVERRUN, Math.min(v.getInt32(SI_OVERRUN, true) + this.overrunLast, 0x7fffffff), true);
    this.arm(next);
  }

  /** common_timer_get(): [interval, time to the next expiry]. */
  get(): [bigint, bigint] {
    const none = this.notify === SIGEV_NONE;
    if (!this.interval && !this.cancel && !none) return [0n, 0n];
    if (!this.expires) return [this.interval, 0n];
    const now = this.now();
    if (this.interval && (this.requeuePending || none)) {
      const [next, n] = forward(this.expires, now, this.interval);
      this.expires = next;
      this.overrun += n;
    }
    const rem = this.expires - now;
    return [this.interval, rem > 0n ? rem : none ? 0n : 1n];
  }
}

function timerClockValid(t: Task, clock: number): void {
  switch (clock) {
    case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
      return;
    case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
      if (t.process.creds.euid !== 0) fail(EPERM); // CAP_WAKE_ALARM
      return;
    case 4: case 5: case 6: return fail(EOPNOTSUPP); // MONOTONIC_RAW and the COARSE clocks have no timers
    default: return fail(EINVAL);
  }
}

export function sysTimerCreate(t: Task, clock: number, sevp: number, timerid: number): number {
  clock |= 0;
  const ev = sevp ? new DataView(t.process.mm.read(sevp, 64).buffer) : undefined;
  timerClockValid(t, clock);
  const tm = timers(t.process);
  const id = tm.nextId;
  tm.nextId = (id + 1) & 0x7fffffff; // posix_timer_add() hands out the id before the checks below
  let notify = SIGEV_SIGNAL, signo = SIGALRM, value = BigInt(id), target: Task | null = null;
  if (ev) {
    value = ev.getBigUint64(0, true);
    signo = ev.getInt32(8, true);
    notify = ev.getInt32(12, true);
    // good_sigevent(): a signal number for the signalling kinds, a thread of ours for THREAD_ID.
    if (notify === (SIGEV_SIGNAL | SIGEV_THREAD_ID)) {
      const th = findTask(t.kernel, ev.getInt32(16, true));
      if (!th || th.process !== t.process) fail(EINVAL);
      target = th;
    } else if (notify !== SIGEV_SIGNAL && notify !== SIGEV_THREAD && notify !== SIGEV_NONE) {
      fail(EINVAL);
    }
    if (notify !== SIGEV_NONE && (signo <= 0 || signo > NSIG)) fail(EINVAL);
  }
  const timer = new PosixTimer(tm, id, clock, notify, signo, value, target);
  tm.posix.set(id, timer);
  try {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, id, true);
    t.process.mm.write(timerid, b);
  } catch {
    tm.deleteTimer(id);
    fail(EFAULT);
  }
  return 0;
}

function timerOf(t: Task, id: number): PosixTimer {
  const timer = timers(t.process).posix.get(id | 0);
  if (!timer) fail(EINVAL);
  return timer;
}

export function sysTimerSettime(t: Task, id: number, flags: number, newValue: number, oldValue: number): number {
  const [interval, value] = readPair(t, newValue, false);
  const timer = timerOf(t, id);
  const old = timer.get();
  timer.disarm();
  timer.gen++;
  timer.requeuePending = false;
  timer.overrunLast = 0;
  timer.interval = value ? interval : 0n;
  timer.expires = 0n;
  if (value) timer.arm((flags & TIMER_ABSTIME) ? value : timer.now() + value);
  if (oldValue) t.process.mm.write(oldValue, pairBytes(old[0], old[1], false));
  return 0;
}

export function sysTimerGettime(t: Task, id: number, curValue: number): number {
  const [interval, value] = timerOf(t, id).get();
  t.process.mm.write(curValue, pairBytes(interval, value, false));
  return 0;
}

export function sysTimerGetoverrun(t: Task, id: number): number {
  return Math.min(timerOf(t, id).overrunLast, 0x7fffffff);
}

export function sysTimerDelete(t: Task, id: number): number {
  timerOf(t, id);
  timers(t.process).deleteTimer(id | 0);
  return 0;
}

// ---- timerfd -------------------------------------------------------------------------------------
const TFD_CLOEXEC = 0o2000000, TFD_NONBLOCK = 0o4000;

/** timerfd_create(clockid, flags): the real, monotonic and boot clocks (the alarm ones as root). */
export function sysTimerfdCreate(t: Task, clock: number, flags: number): number {
  clock |= 0;
  if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)) fail(EINVAL);
  if (clock !== CLOCK_REALTIME && clock !== CLOCK_MONOTONIC && clock !== CLOCK_BOOTTIME &&
    clock !== CLOCK_REALTIME_ALARM && clock !== CLOCK_BOOTTIME_ALARM) fail(EINVAL);
  if ((clock === CLOCK_REALTIME_ALARM || clock === CLOCK_BOOTTIME_ALARM) && t.process.creds.euid !== 0) fail(EPERM); // CAP_WAKE_ALARM
  return t.process.fds.install(new TimerFd(clock, (flags & TFD_NONBLOCK) !== 0), (flags & TFD_CLOEXEC) !== 0);
}

function timerFdOf(t: Task, fd: number): TimerFd {
  const f = t.process.fds.get(fd | 0);
  if (!(f instanceof TimerFd)) fail(EINVAL);
  return f;
}

export function sysTimerfdSettime(t: Task, fd: number, flags: number, newValue: number, oldValue: number): number {
  if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) fail(EINVAL);
  const [interval, value] = readPair(t, newValue, false);
  const f = timerFdOf(t, fd);
  const old = f.settime(flags, interval, value);
  if (oldValue) t.process.mm.write(oldValue, pairBytes(old[0], old[1], false));
  return 0;
}

export function sysTimerfdGettime(t: Task, fd: number, curValue: number): number {
  const [interval, left] = timerFdOf(t, fd).gettime();
  t.process.mm.write(curValue, pairBytes(interval, left, false));
  return 0;
}
