// Time: clock_gettime, clock_getres, gettimeofday, time, nanosleep, clock_nanosleep, times,
// getrusage (man 2 of each). wasl provides no vDSO, so libcs make these as real syscalls; the
// common clocks, gettimeofday and time are answered in the core (cpu/ops/fastsys.ts) and reach
// these handlers only when that shortcut declines (another clock, a result not in the TLB, --strace).

import { fail, EINVAL, EFAULT } from '../abi/errno.js';
import {
  CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, TIMER_ABSTIME,
} from '../abi/time.js';
import { interruptibleWait, hostTimer, ERESTARTNOHAND, ERESTART_RESTARTBLOCK } from '../kernel/signals.js';
import { monoNs, realNs, hostMs } from '../kernel/fastsys.js';
import type { Task } from '../kernel/task.js';

const NS = 1_000_000_000n;
// CLOCK_MONOTONIC counts from an arbitrary point: the host's hrtime is the natural choice.
// CLOCK_REALTIME is derived from it as the in-core shortcut derives it (kernel/fastsys.ts).
const hostCpuNs = (): bigint => { const u = process.cpuUsage(); return BigInt(u.user + u.system) * 1000n; };

/**
 * CPU time of `t`'s process (or of `t` alone) in ns: what the kernel has accounted at the end of
 * each stretch on the core, plus the stretch now running when `t` is the caller on the core.
 */
export function taskCpuNs(t: Task, thread: boolean): number {
  const k = t.kernel;
  const running = Math.max(0, Math.round((hostMs() - k.stretchStart) * 1e6));
  return (thread ? t.cpuNs : t.process.cpuNs) + running;
}

/**
 * The clock's current value in ns; EINVAL for ids Linux doesn't have. The CPU-time clocks are
 * the calling task's (without one, a timer's, the host's CPU time stands in).
 */
export function clockNs(id: number, t?: Task): bigint {
  switch (id) {
    case CLOCK_REALTIME: case 5 /* REALTIME_COARSE */: case 8 /* REALTIME_ALARM */: case 11 /* TAI */:
      return realNs();
    case CLOCK_MONOTONIC: case 4 /* MONOTONIC_RAW */: case 6 /* MONOTONIC_COARSE */:
    case 7 /* BOOTTIME */: case 9 /* BOOTTIME_ALARM */:
      return monoNs();
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
      return t ? BigInt(taskCpuNs(t, id === CLOCK_THREAD_CPUTIME_ID)) : hostCpuNs();
    default:
      return fail(EINVAL); // includes dynamic (negative, per-process/fd) clock ids
  }
}

function putTimespec(t: Task, addr: number, ns: bigint): void {
  const b = Buffer.alloc(16);
  b.writeBigInt64LE(ns / NS, 0);
  b.writeBigInt64LE(ns % NS, 8);
  t.process.mm.write(addr, new Uint8Array(b.buffer, b.byteOffset, 16));
}

function getTimespec(t: Task, addr: number): bigint {
  const b = Buffer.from(t.process.mm.read(addr, 16));
  const sec = b.readBigInt64LE(0), nsec = b.readBigInt64LE(8);
  if (sec < 0n || nsec < 0n || nsec >= NS) fail(EINVAL);
  return sec * NS + nsec;
}

export function sysClockGettime(t: Task, id: number, tp: number): number {
  putTimespec(t, tp, clockNs(id | 0, t));
  return 0;
}

export function sysClockGetres(t: Task, id: number, res: number): number {
  clockNs(id | 0);
  if (res) putTimespec(t, res, (id | 0) === 5 || (id | 0) === 6 ? 4_000_000n : 1n);
  return 0;
}

export function sysGettimeofday(t: Task, tv: number, tz: number): number {
  const ns = realNs();
  if (tv) {
    const b = Buffer.alloc(16);
    b.writeBigInt64LE(ns / NS, 0);
    b.writeBigInt64LE((ns % NS) / 1000n, 8);
    t.process.mm.write(tv, new Uint8Array(b.buffer, b.byteOffset, 16));
  }
  if (tz) t.process.mm.write(tz, new Uint8Array(8)); // UTC, no DST
  return 0;
}

export function sysTime(t: Task, tloc: number): number {
  const s = Number(realNs() / NS);
  if (tloc) {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(s));
    t.process.mm.write(tloc, new Uint8Array(b.buffer, b.byteOffset, 8));
  }
  return s;
}

/**
 * Sleeps until `deadline` on clock `id` (hrtimer_nanosleep, do_nanosleep). A signal cuts it
 * short: a relative sleep writes the time left to `rem` and asks to go on through
 * restart_syscall towards the same deadline (EINTR if a handler ran); an absolute one restarts
 * as it was called (ERESTARTNOHAND).
 */
function sleepUntil(t: Task, id: number, deadline: bigint, rem: number, abs: boolean): number | Promise<number> {
  const left = (): bigint => deadline - clockNs(id);
  if (left() <= 0n) return 0;
  return interruptibleWait(t, (wake) => hostTimer(left(), wake), (interrupted) => {
    const r = left();
    if (!interrupted || r <= 0n) return 0;
    if (abs) return -ERESTARTNOHAND;
    if (rem) putTimespec(t, rem, r);
    t.signals.restart = () => sleepUntil(t, id, deadline, rem, false);
    return -ERESTART_RESTARTBLOCK;
  });
}

export function sysNanosleep(t: Task, req: number, rem: number): number | Promise<number> {
  if (!req) fail(EFAULT);
  const ns = getTimespec(t, req);
  return sleepUntil(t, CLOCK_MONOTONIC, clockNs(CLOCK_MONOTONIC) + ns, rem, false);
}

export function sysClockNanosleep(t: Task, id: number, flags: number, req: number, rem: number): number | Promise<number> {
  id |= 0;
  if (id === CLOCK_THREAD_CPUTIME_ID) fail(EINVAL);
  const now = clockNs(id, t);
  const v = getTimespec(t, req);
  const abs = (flags & TIMER_ABSTIME) !== 0;
  return sleepUntil(t, id, abs ? v : now + v, abs ? 0 : rem, abs);
}

/**
 * struct tms: four clock_t in USER_HZ (100) ticks. All of a task's time on the core counts as
 * user time: the syscalls it makes are not timed apart (docs/quirks.md).
 */
export function sysTimes(t: Task, buf: number): number {
  if (buf) {
    const b = Buffer.alloc(32);
    b.writeBigInt64LE(BigInt(Math.floor(taskCpuNs(t, false) / 1e7)), 0);
    b.writeBigInt64LE(BigInt(Math.floor(t.process.childCpuNs / 1e7)), 16);
    t.process.mm.write(buf, new Uint8Array(b.buffer, b.byteOffset, 32));
  }
  return Number(monoNs() / 10_000_000n);
}

/** struct rusage (144 bytes): ru_utime from the kernel's accounting, ru_maxrss; the rest zero. */
export function encodeRusage(userNs: number, maxrssKb: number): Uint8Array {
  const b = Buffer.alloc(144);
  const us = Math.floor(userNs / 1000);
  b.writeBigInt64LE(BigInt(Math.floor(us / 1e6)), 0);
  b.writeBigInt64LE(BigInt(us % 1e6), 8);
  b.writeBigInt64LE(BigInt(maxrssKb), 32);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function sysGetrusage(t: Task, who: number, usage: number): number {
  who |= 0;
  if (![0, -1, 1].includes(who)) fail(EINVAL);
  // ru_maxrss: the guest's resident pages, not the host's (the instance's frames in use).
  const rssKb = t.kernel.frames.used * 4;
  const ns = who === -1 ? t.process.childCpuNs : taskCpuNs(t, who === 1);
  t.process.mm.write(usage, encodeRusage(ns, who === -1 ? 0 : rssKb));
  return 0;
}
