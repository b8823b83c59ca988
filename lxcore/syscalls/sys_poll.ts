// Readiness: poll, ppoll, select, pselect6 (fs/select.c), epoll_create/epoll_create1/epoll_ctl/
// epoll_wait/epoll_pwait (fs/eventpoll.c), eventfd/eventfd2 (fs/eventfd.c). Each file reports
// its readiness through FileDescription.poll and announces changes through onReady; a call that
// must wait subscribes to every file it watches and parks in interruptibleWait with a host
// timer for its timeout.

import { fail, EBADF, EINVAL, EFAULT, EPERM, EINTR } from '../abi/errno.js';
import { SIGSET_SIZE } from '../abi/signal.js';
import {
  POLLNVAL, POLLERR, POLLHUP, POLLIN_SET, POLLOUT_SET, POLLEX_SET, EPOLL_CTL_ADD, EPOLL_CTL_DEL,
  EPOLL_CTL_MOD, EPOLL_CLOEXEC, EPOLL_EVENT_SIZE, EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE,
} from '../abi/poll.js';
import { O_NONBLOCK } from '../abi/fcntl.js';
import { interruptibleWait, hostTimer, setBlocked, ERESTARTNOHAND, ERESTART_RESTARTBLOCK } from '../kernel/signals.js';
import { Epoll } from '../fs/epoll.js';
import { EventFd } from '../fs/eventfd.js';
import type { FileDescription } from '../vfs/file.js';
import type { Task } from '../kernel/task.js';
import { monoNs } from '../kernel/fastsys.js';

const now = monoNs;
/** EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event). */
const EP_MAX_EVENTS = Math.floor(0x7fffffff / EPOLL_EVENT_SIZE);

/**
 * Waits until `ready()` holds, a signal arrives or `deadline` (host ns) passes, watching `files`
 * for changes; then `settle(interrupted)` gives the result, as in interruptibleWait.
 */
function waitReady(t: Task, files: FileDescription[], ready: () => boolean, deadline: bigint | undefined,
  settle: (interrupted: boolean) => number): number | Promise<number> {
  return interruptibleWait(t, (wake) => {
    const check = () => { if (ready()) wake(); };
    const offs = [...new Set(files)].map((f) => f.onReady(check, t));
    const timer = deadline === undefined ? undefined : hostTimer(deadline - now(), wake);
    return () => { offs.forEach((o) => o()); timer?.(); };
  }, settle);
}

/** A temporary signal mask for ppoll/pselect6/epoll_pwait (set_user_sigmask). */
function applySigmask(t: Task, addr: number, size: number): boolean {
  if (!addr) return false;
  if (size !== SIGSET_SIZE) fail(EINVAL);
  const mask = t.process.mm.readU64(addr);
  t.signals.savedMask = t.sigmask;
  setBlocked(t, mask);
  return true;
}

/** restore_saved_sigmask_unless(interrupted): an interrupted call keeps the mask until the handler ran. */
function finishSigmask(t: Task, used: boolean, interrupted: boolean): void {
  if (!used) return;
  if (interrupted) t.signals.restoreMask = true;
  else setBlocked(t, t.signals.savedMask);
}

/**
 * Runs `call` under the temporary mask `applySigmask` installed (`used`), restoring it when the
 * call settles — or, if `interrupted(result)`, only after the handler has run — then `after`.
 */
function underSigmask(t: Task, used: boolean, call: () => number | Promise<number>,
  interrupted: (r: number) => boolean, after?: () => void): number | Promise<number> {
  const finish = (r: number): number => {
    finishSigmask(t, used, interrupted(r));
    after?.();
    return r;
  };
  const abort = (e: unknown): never => {
    finishSigmask(t, used, false);
    throw e;
  };
  let r: number | Promise<number>;
  try { r = call(); } catch (e) { return abort(e); }
  return typeof r === 'number' ? finish(r) : r.then(finish, abort);
}

function readTimespec(t: Task, addr: number): bigint {
  const v = new DataView(t.process.mm.read(addr, 16).buffer);
  const sec = v.getBigInt64(0, true), nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) fail(EINVAL);
  return sec * 1_000_000_000n + nsec;
}

/** poll_select_finish: the time left goes back to the caller (not for a zero timeout). */
function writeLeft(t: Task, addr: number, deadline: bigint | undefined, timeval: boolean): void {
  if (!addr || deadline === undefined) return;
  let left = deadline - now();
  if (left < 0n) left = 0n;
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, left / 1_000_000_000n, true);
  v.setBigInt64(8, timeval ? (left % 1_000_000_000n) / 1000n : left % 1_000_000_000n, true);
  try { t.process.mm.write(addr, b); } catch { /* Linux turns ERESTARTNOHAND into EINTR then */ }
}

// ---- poll, ppoll ------------------------------------------------------------------------------
interface PollFd { fd: number; events: number; revents: number }

function doPoll(t: Task, ufds: number, fds: PollFd[], deadline: bigint | undefined, zero: boolean,
  onInterrupt: () => number): number | Promise<number> {
  const table = t.process.fds;
  const files = (): FileDescription[] => fds.flatMap((p) => { const e = table.entry(p.fd); return e ? [e.file] : []; });
  const scan = (): number => {
    let n = 0;
    for (const p of fds) {
      p.revents = 0;
      if (p.fd < 0) continue;
      const e = table.entry(p.fd);
      p.revents = e ? e.file.poll(t) & (p.events | POLLERR | POLLHUP) : POLLNVAL;
      if (p.revents) n++;
    }
    return n;
  };
  const writeBack = (n: number): number => {
    if (fds.length) {
      const b = new Uint8Array(fds.length * 8);
      const v = new DataView(b.buffer);
      fds.forEach((p, i) => { v.setInt32(i * 8, p.fd, true); v.setInt16(i * 8 + 4, p.events, true); v.setInt16(i * 8 + 6, p.revents, true); });
      t.process.mm.write(ufds, b);
    }
    return n;
  };
  const n = scan();
  if (n || zero || (deadline !== undefined && deadline <= now())) return writeBack(n);
  return waitReady(t, files(), () => scan() > 0, deadline, (interrupted) => {
    const m = scan();
    if (m) return writeBack(m);
    if (interrupted) return onInterrupt();
    return writeBack(0);
  });
}

function readPollFds(t: Task, ufds: number, nfds: number): PollFd[] {
  if (nfds < 0 || nfds > t.process.fds.limit) fail(EINVAL);
  if (!nfds) return [];
  const v = new DataView(t.process.mm.read(ufds, nfds * 8).buffer);
  const out: PollFd[] = [];
  for (let i = 0; i < nfds; i++) out.push({ fd: v.getInt32(i * 8, true), events: v.getUint16(i * 8 + 4, true), revents: 0 });
  return out;
}

export function sysPoll(t: Task, ufds: number, nfds: number, timeoutMs: number): number | Promise<number> {
  const fds = readPollFds(t, ufds, nfds >>> 0 === nfds ? nfds : -1);
  const ms = timeoutMs | 0;
  const deadline = ms >= 0 ? now() + BigInt(ms) * 1_000_000n : undefined;
  const again = (): number | Promise<number> => doPoll(t, ufds, fds, deadline, ms === 0, () => {
    if (deadline === undefined) return -ERESTARTNOHAND;
    t.signals.restart = again; // restart_syscall goes on towards the same deadline
    return -ERESTART_RESTARTBLOCK;
  });
  return again();
}

export function sysPpoll(t: Task, ufds: number, nfds: number, tsp: number, sigmask: number, sigsetsize: number): number | Promise<number> {
  const fds = readPollFds(t, ufds, nfds >>> 0 === nfds ? nfds : -1);
  const ns = tsp ? readTimespec(t, tsp) : undefined;
  const deadline = ns === undefined ? undefined : now() + ns;
  const used = applySigmask(t, sigmask, sigsetsize);
  return underSigmask(t, used, () => doPoll(t, ufds, fds, deadline, ns === 0n, () => -ERESTARTNOHAND),
    (r) => r === -ERESTARTNOHAND, () => { if (ns !== 0n) writeLeft(t, tsp, deadline, false); });
}

// ---- select, pselect6 -----------------------------------------------------------------------------
function doSelect(t: Task, n: number, inp: number, outp: number, exp: number, deadline: bigint | undefined,
  zero: boolean): number | Promise<number> {
  if (n < 0) fail(EINVAL);
  const table = t.process.fds;
  // core_sys_select: bits at or above the table's size (not RLIMIT_NOFILE) are never looked at.
  if (n > table.size) n = table.size;
  const words = Math.ceil(n / 64);
  const mm = t.process.mm;
  const readSet = (a: number): bigint[] => {
    if (!a || !words) return new Array(words).fill(0n);
    const v = new DataView(mm.read(a, words * 8).buffer);
    return Array.from({ length: words }, (_, i) => v.getBigUint64(i * 8, true));
  };
  const sets = [readSet(inp), readSet(outp), readSet(exp)];
  const isSet = (s: bigint[], fd: number) => ((s[fd >> 6] >> BigInt(fd & 63)) & 1n) !== 0n;
  const watched: number[] = [];
  for (let fd = 0; fd < n; fd++) {
    if (!sets.some((s) => isSet(s, fd))) continue;
    if (!table.entry(fd)) fail(EBADF);
    watched.push(fd);
  }
  const masks = [POLLIN_SET, POLLOUT_SET, POLLEX_SET];
  let res: bigint[][] = [];
  const scan = (): number => {
    let count = 0;
    res = [new Array(words).fill(0n), new Array(words).fill(0n), new Array(words).fill(0n)];
    for (const fd of watched) {
      const e = table.entry(fd);
      if (!e) continue; // closed meanwhile; Linux would hold its reference
      const mask = e.file.poll(t);
      for (let k = 0; k < 3; k++) {
        if (isSet(sets[k], fd) && (mask & masks[k])) { res[k][fd >> 6] |= 1n << BigInt(fd & 63); count++; }
      }
    }
    return count;
  };
  const writeBack = (count: number): number => {
    [inp, outp, exp].forEach((a, k) => {
      if (!a || !words) return;
      const b = new Uint8Array(words * 8);
      const v = new DataView(b.buffer);
      res[k].forEach((w, i) => v.setBigUint64(i * 8, w, true));
      mm.write(a, b);
    });
    return count;
  };
  const c = scan();
  if (c || zero || (deadline !== undefined && deadline <= now())) return writeBack(c);
  const files = watched.flatMap((fd) => { const e = table.entry(fd); return e ? [e.file] : []; });
  return waitReady(t, files, () => scan() > 0, deadline, (interrupted) => {
    const m = scan();
    if (m) return writeBack(m);
    if (interrupted) return -ERESTARTNOHAND;
    return writeBack(0);
  });
}

export function sysSelect(t: Task, n: number, inp: number, outp: number, exp: number, tvp: number): number | Promise<number> {
  let deadline: bigint | undefined, zero = false;
  if (tvp) {
    const v = new DataView(t.process.mm.read(tvp, 16).buffer);
    const sec = v.getBigInt64(0, true), usec = v.getBigInt64(8, true);
    if (sec < 0n || usec < 0n) fail(EINVAL);
    // poll_select_set_timeout: microseconds past a second carry into seconds
    const ns = sec * 1_000_000_000n + (usec % 1_000_000n) * 1000n + (usec / 1_000_000n) * 1_000_000_000n;
    zero = ns === 0n;
    deadline = now() + ns;
  }
  const finish = (r: number): number => { if (!zero) writeLeft(t, tvp, deadline, true); return r; };
  const r = doSelect(t, n | 0, inp, outp, exp, deadline, zero);
  return typeof r === 'number' ? finish(r) : r.then(finish);
}

export function sysPselect6(t: Task, n: number, inp: number, outp: number, exp: number, tsp: number, sig: number): number | Promise<number> {
  const ns = tsp ? readTimespec(t, tsp) : undefined;
  const deadline = ns === undefined ? undefined : now() + ns;
  let used = false;
  if (sig) {
    const v = new DataView(t.process.mm.read(sig, 16).buffer);
    used = applySigmask(t, Number(v.getBigUint64(0, true)), Number(v.getBigUint64(8, true)));
  }
  return underSigmask(t, used, () => doSelect(t, n | 0, inp, outp, exp, deadline, ns === 0n),
    (r) => r === -ERESTARTNOHAND, () => { if (ns !== 0n) writeLeft(t, tsp, deadline, false); });
}

// ---- epoll -----------------------------------------------------------------------------------------
export function sysEpollCreate1(t: Task, flags: number): number {
  if (flags & ~EPOLL_CLOEXEC) fail(EINVAL);
  return t.process.fds.install(new Epoll(), (flags & EPOLL_CLOEXEC) !== 0);
}

export function sysEpollCreate(t: Task, size: number): number {
  if ((size | 0) <= 0) fail(EINVAL);
  return sysEpollCreate1(t, 0);
}

function epollOf(t: Task, epfd: number): Epoll {
  const ep = t.process.fds.get(epfd | 0);
  if (!(ep instanceof Epoll)) fail(EINVAL);
  return ep;
}

export function sysEpollCtl(t: Task, epfd: number, op: number, fd: number, event: number): number {
  let events = 0, data = 0n;
  op |= 0;
  if (op === EPOLL_CTL_ADD || op === EPOLL_CTL_MOD) {
    if (!event) fail(EFAULT);
    const v = new DataView(t.process.mm.read(event, EPOLL_EVENT_SIZE).buffer);
    events = v.getUint32(0, true);
    data = v.getBigUint64(4, true);
  }
  const epFile = t.process.fds.get(epfd | 0);
  const file = t.process.fds.get(fd | 0);
  if (!file.pollable) fail(EPERM);
  if (!(epFile instanceof Epoll) || file === epFile) fail(EINVAL);
  switch (op) {
    case EPOLL_CTL_ADD: epFile.add(t, fd | 0, file, events, data); return 0;
    case EPOLL_CTL_MOD: epFile.modify(fd | 0, file, events, data); return 0;
    case EPOLL_CTL_DEL: epFile.remove(fd | 0, file); return 0;
    default: return fail(EINVAL);
  }
}

function doEpollWait(t: Task, ep: Epoll, uevents: number, max: number, deadline: bigint | undefined, zero: boolean): number | Promise<number> {
  const deliver = (): number => {
    const evs = ep.collect(t, max);
    if (!evs.length) return 0;
    const b = new Uint8Array(evs.length * EPOLL_EVENT_SIZE);
    const v = new DataView(b.buffer);
    evs.forEach((e, i) => { v.setUint32(i * EPOLL_EVENT_SIZE, e.events, true); v.setBigUint64(i * EPOLL_EVENT_SIZE + 4, e.data, true); });
    t.process.mm.write(uevents, b);
    return evs.length;
  };
  const n = deliver();
  if (n || zero || (deadline !== undefined && deadline <= now())) return n;
  return waitReady(t, [ep], () => ep.hasReady(t), deadline, (interrupted) => {
    const m = deliver();
    if (m) return m;
    return interrupted ? -EINTR : 0;
  });
}

function epollArgs(t: Task, epfd: number, maxevents: number, timeout: number): [Epoll, bigint | undefined, boolean] {
  maxevents |= 0;
  if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) fail(EINVAL);
  const ep = epollOf(t, epfd);
  const ms = timeout | 0;
  return [ep, ms >= 0 ? now() + BigInt(ms) * 1_000_000n : undefined, ms === 0];
}

export function sysEpollWait(t: Task, epfd: number, events: number, maxevents: number, timeout: number): number | Promise<number> {
  const [ep, deadline, zero] = epollArgs(t, epfd, maxevents, timeout);
  return doEpollWait(t, ep, events, maxevents | 0, deadline, zero);
}

export function sysEpollPwait(t: Task, epfd: number, events: number, maxevents: number, timeout: number,
  sigmask: number, sigsetsize: number): number | Promise<number> {
  const [ep, deadline, zero] = epollArgs(t, epfd, maxevents, timeout);
  const used = applySigmask(t, sigmask, sigsetsize);
  return underSigmask(t, used, () => doEpollWait(t, ep, events, maxevents | 0, deadline, zero), (r) => r === -EINTR);
}

// ---- eventfd ---------------------------------------------------------------------------------------
export function sysEventfd2(t: Task, initval: number, flags: number): number {
  if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE)) fail(EINVAL);
  const f = new EventFd(initval, (flags & EFD_SEMAPHORE) !== 0, (flags & O_NONBLOCK) !== 0);
  return t.process.fds.install(f, (flags & EFD_CLOEXEC) !== 0);
}

export function sysEventfd(t: Task, initval: number): number {
  return sysEventfd2(t, initval, 0);
}
