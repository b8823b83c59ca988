// Signal system calls (man 2 of each; kernel/signal.c, arch/x86/kernel/signal_64.c,
// fs/signalfd.c): rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, pause,
// rt_sigtimedwait, kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, sigaltstack,
// rt_sigreturn, restart_syscall, signalfd, signalfd4. Delivery is kernel/signals.ts; interval
// and POSIX timers are sys_timer.ts.

import * as L from '../../cpu/shared/layout.js';
import { fail, EINVAL, EPERM, ESRCH, EAGAIN, EINTR, ENOMEM } from '../abi/errno.js';
import {
  SIGKILL, SIGSTOP, SIGCONT, NSIG, SIGSET_SIZE, SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, SIGSEGV,
  SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND,
  SA_EXPOSE_TAGBITS, SA_RESTORER, SS_ONSTACK, SS_DISABLE, SS_AUTODISARM, MINSIGSTKSZ,
} from '../abi/signal.js';
import { SIGINFO_SIZE, KERNEL_SIGINFO_SIZE, SI_USER, SI_KERNEL, SI_TKILL, siCode, siKill } from '../abi/siginfo.js';
import { O_CLOEXEC, O_NONBLOCK } from '../abi/fcntl.js';
import {
  getAction, setAction, handlerIgnores, setBlocked, interruptibleWait, dequeueSignal, sendSignalInfo,
  forceSignal, findTask, senderInfo, sigbit, hostTimer, flushSignals, KILL_STOP, ERESTARTNOHAND, SendResult,
} from '../kernel/signals.js';
import { restoreSigcontext, sasSsFlags, onSigStack, UC_OFFSET, UC_SIZE, UC_SIGMASK, UC_STACK } from '../kernel/sigframe.js';
import { SignalFd } from '../fs/signalfd.js';
import type { Task, Process } from '../kernel/task.js';

const R_SP = L.RSP / 8, R_AX = L.RAX / 8;
/** The sa_flags bits Linux keeps (UAPI_SA_FLAGS); unknown ones read back as clear. */
const UAPI_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER |
  SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER;

const u64 = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
};
const readSigset = (t: Task, addr: number): bigint => t.process.mm.readU64(addr);

// ---- dispositions and masks -------------------------------------------------------------------
export function sysRtSigaction(t: Task, sig: number, act: number, oact: number, sigsetsize: number): number {
  sig |= 0;
  if (sigsetsize !== SIGSET_SIZE) fail(EINVAL);
  const p = t.process;
  let next;
  if (act) {
    const v = new DataView(p.mm.read(act, 32).buffer);
    next = {
      handler: v.getBigUint64(0, true), flags: Number(v.getBigUint64(8, true) & BigInt(UAPI_SA_FLAGS >>> 0)),
      restorer: v.getBigUint64(16, true), mask: v.getBigUint64(24, true) & ~KILL_STOP,
    };
  }
  if (sig < 1 || sig > NSIG || (next && (sig === SIGKILL || sig === SIGSTOP))) fail(EINVAL);
  const old = getAction(p, sig);
  if (next) {
    setAction(p, sig, next);
    // POSIX: setting SIG_IGN (or SIG_DFL where the default ignores) discards the pending signal.
    if (handlerIgnores(next, sig)) flushSignals(p, sigbit(sig));
  }
  if (oact) {
    const b = new Uint8Array(32);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, old.handler, true);
    v.setBigUint64(8, BigInt(old.flags >>> 0), true);
    v.setBigUint64(16, old.restorer, true);
    v.setBigUint64(24, old.mask, true);
    p.mm.write(oact, b);
  }
  return 0;
}

export function sysRtSigprocmask(t: Task, how: number, set: number, oset: number, sigsetsize: number): number {
  if (sigsetsize !== SIGSET_SIZE) fail(EINVAL);
  const old = t.sigmask;
  if (set) {
    const m = readSigset(t, set);
    switch (how | 0) {
      case SIG_BLOCK: setBlocked(t, old | m); break;
      case SIG_UNBLOCK: setBlocked(t, old & ~m); break;
      case SIG_SETMASK: setBlocked(t, m); break;
      default: fail(EINVAL);
    }
  }
  if (oset) t.process.mm.write(oset, u64(old));
  return 0;
}

/** rt_sigpending: the blocked ones among the pending signals; a shorter set is accepted. */
export function sysRtSigpending(t: Task, uset: number, sigsetsize: number): number {
  if (sigsetsize < 0 || sigsetsize > SIGSET_SIZE) fail(EINVAL);
  const pend = (t.signals.pending.set | t.process.signals.shared.set) & t.sigmask;
  t.process.mm.write(uset, u64(pend).subarray(0, sigsetsize));
  return 0;
}

/** rt_sigsuspend: waits with a temporary mask until a signal is handled; always "fails". */
export function sysRtSigsuspend(t: Task, unewset: number, sigsetsize: number): number | Promise<number> {
  if (sigsetsize !== SIGSET_SIZE) fail(EINVAL);
  const mask = readSigset(t, unewset);
  t.signals.savedMask = t.sigmask;
  setBlocked(t, mask);
  return interruptibleWait(t, () => undefined, () => {
    t.signals.restoreMask = true; // the handler's frame saves the old mask; sigreturn restores it
    return -ERESTARTNOHAND;
  });
}

export function sysPause(t: Task): number | Promise<number> {
  return interruptibleWait(t, () => undefined, () => -ERESTARTNOHAND);
}

/** rt_sigtimedwait: takes a signal of `these` without running its handler (do_sigtimedwait). */
export function sysRtSigtimedwait(t: Task, uthese: number, uinfo: number, uts: number, sigsetsize: number): number | Promise<number> {
  if (sigsetsize !== SIGSET_SIZE) fail(EINVAL);
  const these = readSigset(t, uthese) & ~KILL_STOP;
  const others = BigInt.asUintN(64, ~these);
  let timeout: bigint | undefined;
  if (uts) {
    const v = new DataView(t.process.mm.read(uts, 16).buffer);
    const sec = v.getBigInt64(0, true), nsec = v.getBigInt64(8, true);
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) fail(EINVAL);
    timeout = sec * 1_000_000_000n + nsec;
  }
  const take = (): number | undefined => {
    const q = dequeueSignal(t, others);
    if (!q) return undefined;
    if (uinfo) t.process.mm.write(uinfo, q.info);
    return q.sig;
  };
  const now = take();
  if (now !== undefined) return now;
  if (timeout === 0n) fail(EAGAIN);
  // Sleep with the awaited signals unblocked; real_blocked keeps them from counting as fatal.
  const s = t.signals;
  s.realBlocked = t.sigmask;
  t.sigmask &= others;
  return interruptibleWait(t, (wake) => (timeout === undefined ? undefined : hostTimer(timeout, wake)), (interrupted) => {
    t.sigmask = s.realBlocked;
    s.realBlocked = 0n;
    return take() ?? (interrupted ? -EINTR : -EAGAIN);
  });
}

// ---- sending ------------------------------------------------------------------------------------
/** check_kill_permission(): same user (real or effective vs real or saved), or root; SIGCONT in-session. */
function checkKill(sender: Task, target: Process, sig: number, info: Uint8Array): void {
  if (sig < 0 || sig > NSIG) fail(EINVAL);
  if (siCode(info) > 0) return; // from the kernel
  if (target === sender.process) return;
  const c = sender.process.creds, tc = target.creds;
  const ok = c.euid === tc.suid || c.euid === tc.uid || c.uid === tc.suid || c.uid === tc.uid || c.euid === 0;
  if (!ok && !(sig === SIGCONT && target.sid === sender.process.sid)) fail(EPERM);
}

function sent(r: SendResult): number {
  if (r === 'overflow') fail(EAGAIN);
  return 0;
}

/** group_send_sig_info() after the checks; signal 0 only checks. */
export function sendToProcess(sender: Task, p: Process, sig: number, info: Uint8Array): number {
  checkKill(sender, p, sig, info);
  if (!sig) return 0;
  return sent(sendSignalInfo(sender.kernel, p, null, sig, info));
}

/** The process `pid` names (kill_pid_info: any of its threads' ids), zombies included. */
function processOf(sender: Task, pid: number): Process {
  const t = pid > 0 ? findTask(sender.kernel, pid) : undefined;
  if (!t || t.process.reaped) fail(ESRCH);
  return t.process;
}

/** kill_pgrp_info(): success if any member could be signalled, else the last error. */
export function sendToGroup(sender: Task, pgid: number, sig: number, info: Uint8Array): number {
  let ok = false, err = ESRCH;
  for (const p of [...sender.kernel.processes.values()]) {
    if (p.reaped || p.pgid !== pgid) continue;
    try { sendToProcess(sender, p, sig, info); ok = true; } catch (e) { err = (e as { errno?: number }).errno ?? EPERM; }
  }
  return ok ? 0 : fail(err);
}

/** kill(2): pid > 0 a process, 0 the caller's group, −1 everyone else, < −1 group −pid. */
export function sysKill(t: Task, pid: number, sig: number): number {
  pid |= 0; sig |= 0;
  const info = senderInfo(t, sig, SI_USER);
  if (pid > 0) return sendToProcess(t, processOf(t, pid), sig, info);
  if (pid === -0x80000000) fail(ESRCH);
  if (pid === -1) {
    let count = 0, ret = 0;
    for (const p of [...t.kernel.processes.values()]) {
      if (p.reaped || p.pid <= 1 || p === t.process) continue;
      count++;
      try { sendToProcess(t, p, sig, info); } catch (e) {
        const errno = (e as { errno?: number }).errno;
        if (errno !== EPERM) ret = -(errno ?? EPERM);
      }
    }
    if (!count) fail(ESRCH);
    return ret;
  }
  return sendToGroup(t, pid === 0 ? t.process.pgid : -pid, sig, info);
}

/** do_send_specific(): a signal for one thread, checked to belong to `tgid` when given. */
export function sendToThread(sender: Task, tgid: number, tid: number, sig: number, info: Uint8Array): number {
  const target = findTask(sender.kernel, tid);
  if (!target || (tgid > 0 && target.process.pid !== tgid)) fail(ESRCH);
  checkKill(sender, target.process, sig, info);
  if (!sig) return 0;
  return sent(sendSignalInfo(sender.kernel, target.process, target, sig, info));
}

export function sysTkill(t: Task, tid: number, sig: number): number {
  if ((tid | 0) <= 0) fail(EINVAL);
  return sendToThread(t, 0, tid | 0, sig | 0, senderInfo(t, sig | 0, SI_TKILL));
}

export function sysTgkill(t: Task, tgid: number, tid: number, sig: number): number {
  if ((tgid | 0) <= 0 || (tid | 0) <= 0) fail(EINVAL);
  return sendToThread(t, tgid | 0, tid | 0, sig | 0, senderInfo(t, sig | 0, SI_TKILL));
}

/** A siginfo from user space: only the kernel_siginfo part survives (copy_siginfo_from_user). */
function userSiginfo(t: Task, uinfo: number, pid: number): Uint8Array {
  const info = t.process.mm.read(uinfo, SIGINFO_SIZE);
  info.fill(0, KERNEL_SIGINFO_SIZE);
  // Not even root can pretend to be the kernel or kill()/tgkill(), which add their own source.
  const code = siCode(info);
  if ((code >= 0 || code === SI_TKILL) && pid !== t.tid) fail(EPERM);
  return info;
}

export function sysRtSigqueueinfo(t: Task, pid: number, sig: number, uinfo: number): number {
  const info = userSiginfo(t, uinfo, pid | 0);
  return sendToProcess(t, processOf(t, pid | 0), sig | 0, info);
}

export function sysRtTgsigqueueinfo(t: Task, tgid: number, tid: number, sig: number, uinfo: number): number {
  if ((tgid | 0) <= 0 || (tid | 0) <= 0) fail(EINVAL);
  const info = userSiginfo(t, uinfo, tid | 0);
  return sendToThread(t, tgid | 0, tid | 0, sig | 0, info);
}

/**
 * The old entry point other kernel code used (proctree.ts's SIGCHLD): `sig` to process `pid`
 * as if `t` called kill(). New callers use sendSignalInfo with the right siginfo.
 */
export function sendSignal(t: Task, pid: number, sig: number): number {
  return sendToProcess(t, processOf(t, pid), sig, senderInfo(t, sig, SI_USER));
}

// ---- sigaltstack ----------------------------------------------------------------------------------
interface StackT { sp: number; flags: number; size: number }

/** do_sigaltstack(): not while on the stack, a known mode, and at least MINSIGSTKSZ bytes. */
function doSigaltstack(t: Task, ss: StackT, sp: number): void {
  if (onSigStack(t, sp)) fail(EPERM);
  const mode = (ss.flags & ~SS_AUTODISARM) >>> 0;
  if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) fail(EINVAL);
  const cur = t.altStack;
  if (cur && cur.sp === ss.sp && cur.size === ss.size && cur.flags === ss.flags) return;
  if (mode === SS_DISABLE) t.altStack = { sp: 0, size: 0, flags: ss.flags };
  else if (ss.size < MINSIGSTKSZ) fail(ENOMEM);
  else t.altStack = { ...ss };
}

function readStack(b: Uint8Array, off = 0): StackT {
  const v = new DataView(b.buffer, b.byteOffset + off, 24);
  return { sp: Number(v.getBigUint64(0, true)), flags: v.getUint32(8, true), size: Number(v.getBigUint64(16, true)) };
}

export function sysSigaltstack(t: Task, uss: number, uoss: number): number {
  const ss = uss ? readStack(t.process.mm.read(uss, 24)) : undefined;
  const sp = t.kernel.core.reg(R_SP);
  const cur = t.altStack;
  const old = new Uint8Array(24);
  const v = new DataView(old.buffer);
  v.setBigUint64(0, BigInt(cur?.sp ?? 0), true);
  v.setUint32(8, (sasSsFlags(t, sp) | ((cur?.flags ?? 0) & SS_AUTODISARM)) >>> 0, true);
  v.setBigUint64(16, BigInt(cur?.size ?? 0), true);
  if (ss) doSigaltstack(t, ss, sp);
  if (uoss) t.process.mm.write(uoss, old);
  return 0;
}

// ---- return from a handler ----------------------------------------------------------------------
/**
 * rt_sigreturn: the restorer calls it with rsp just past pretcode. Restores mask, registers,
 * flags and FPU state, then the sigaltstack, and returns the restored rax untouched. A frame
 * that cannot be read earns SIGSEGV.
 */
export function sysRtSigreturn(t: Task): number {
  const c = t.kernel.core, s = t.signals;
  s.syscallNr = -1;         // not a call to restart: rax is the interrupted code's
  s.restart = undefined;    // restart_block.fn = do_no_restart_syscall
  const frame = c.reg(R_SP) - 8;
  let uc: Uint8Array;
  try {
    uc = t.process.mm.read(frame + UC_OFFSET, UC_SIZE);
  } catch {
    return badFrame(t);
  }
  const v = new DataView(uc.buffer);
  setBlocked(t, v.getBigUint64(UC_SIGMASK, true));
  if (!restoreSigcontext(c, t, uc)) return badFrame(t);
  try { doSigaltstack(t, readStack(uc, UC_STACK), c.reg(R_SP)); } catch { /* squashed, as restore_altstack does */ }
  const rax = c.regBig(R_AX);
  s.sigreturnRax = rax;
  return Number(BigInt.asIntN(64, rax));
}

function badFrame(t: Task): number {
  forceSignal(t.kernel, t, siKill(SIGSEGV, SI_KERNEL, 0, 0));
  return 0;
}

/** restart_syscall: continues what a signal interrupted (nanosleep's remaining time). */
export function sysRestartSyscall(t: Task): number | Promise<number> {
  const fn = t.signals.restart;
  t.signals.restart = undefined;
  return fn ? fn() : -EINTR;
}

// ---- signalfd ---------------------------------------------------------------------------------------
const SFD_CLOEXEC = O_CLOEXEC, SFD_NONBLOCK = O_NONBLOCK;

export function sysSignalfd4(t: Task, ufd: number, umask: number, sizemask: number, flags: number): number {
  if (sizemask !== SIGSET_SIZE) fail(EINVAL);
  const mask = readSigset(t, umask) & ~KILL_STOP;
  if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) fail(EINVAL);
  if ((ufd | 0) === -1) {
    return t.process.fds.install(new SignalFd(mask, flags & SFD_NONBLOCK), (flags & SFD_CLOEXEC) !== 0);
  }
  const f = t.process.fds.get(ufd | 0);
  if (!(f instanceof SignalFd)) fail(EINVAL);
  f.mask = mask;
  return ufd | 0;
}

export function sysSignalfd(t: Task, ufd: number, umask: number, sizemask: number): number {
  return sysSignalfd4(t, ufd, umask, sizemask, 0);
}

