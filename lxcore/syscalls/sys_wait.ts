// wait4(2) and waitid(2) (kernel/exit.c do_wait): find a child in a waitable state — exited
// (a zombie), stopped, continued — report it, and reap it unless WNOWAIT; block on the caller's
// childEvents queue until one turns up, or fail with ECHILD when no child can ever match.
// The resource usage returned is all zeros: wasl does not account CPU time per process yet.

import { fail, LinuxError, EINVAL, ECHILD, ESRCH, EAGAIN } from '../abi/errno.js';
import { pidfdOf } from './sys_pidfd.js';
import {
  WNOHANG, WUNTRACED, WSTOPPED, WEXITED, WCONTINUED, WNOWAIT, __WNOTHREAD, __WALL, __WCLONE,
  P_ALL, P_PID, P_PGID, P_PIDFD, W_STOPCODE, W_CONTINUED,
} from '../abi/wait.js';
import { SIGCHLD, SIGCONT } from '../abi/signal.js';
import { reap } from '../kernel/proctree.js';
import { encodeRusage } from './sys_time.js';
import type { Task, Process } from '../kernel/task.js';

/** struct rusage on x86-64: two timevals and 14 longs. */
const RUSAGE_SIZE = 144;
/** si_code values for SIGCHLD (asm-generic/siginfo.h). */
const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_STOPPED = 5, CLD_CONTINUED = 6;

type Kind = 'exited' | 'stopped' | 'continued';
interface Found { child: Process; kind: Kind; pid: number; uid: number; wstatus: number }

/** Which children a wait is about. */
type Match = (c: Process) => boolean;

/**
 * One pass over the caller's children (wait_consider_task): the first in a state the options
 * ask for, consumed unless WNOWAIT; undefined if some child matches but none is ready; ECHILD
 * if none matches at all.
 */
function scan(t: Task, match: Match, options: number): Found | undefined {
  let any = false;
  for (const c of t.process.children) {
    if (!match(c)) continue;
    // A "clone child" (exit signal other than SIGCHLD) is waited for only with __WCLONE; __WALL
    // waits for both kinds.
    if (!(options & __WALL) && (c.exitSignal === SIGCHLD) === ((options & __WCLONE) !== 0)) continue;
    any = true;
    let kind: Kind | undefined;
    if (c.status && (options & WEXITED)) kind = 'exited';
    else if (c.stopReport && (options & WSTOPPED)) kind = 'stopped';
    else if (c.continueReport && (options & WCONTINUED)) kind = 'continued';
    if (!kind) continue;
    const found: Found = { child: c, kind, pid: c.pid, uid: c.creds.uid, wstatus: statusWord(c, kind) };
    if (!(options & WNOWAIT)) {
      if (kind === 'exited') reap(t.kernel, c);
      else if (kind === 'stopped') c.stopReport = 0;
      else c.continueReport = false;
    }
    return found;
  }
  if (!any) fail(ECHILD);
  return undefined;
}

/** The wait(2) status word (abi/wait.ts has the encodings). */
function statusWord(c: Process, kind: Kind): number {
  if (kind === 'stopped') return (c.stopReport << 8) | W_STOPCODE;
  if (kind === 'continued') return W_CONTINUED;
  return c.status!.wstatus;
}

/**
 * Finds a ready child now, or parks the task (interruptibly: −ERESTARTSYS) until one is, or
 * none can be; then `report` turns what was found (null: nothing, WNOHANG) into the result.
 */
function waitFor(t: Task, match: Match, options: number, report: (f: Found | null) => number): number | Promise<number> {
  const now = scan(t, match, options);
  if (now || (options & WNOHANG)) return report(now ?? null);
  let found: Found | undefined;
  // The child is taken (reaped) when the wait ends; the user-memory writes follow.
  const r = t.process.childEvents.waitInterruptible(t, () => {
    found = scan(t, match, options);
    return found ? 0 : undefined;
  });
  if (typeof r === 'number') return found ? report(found) : r;
  return r.then((v) => (found ? report(found) : v));
}

/** The rusage of a child a wait found: its CPU time and its own children's (wait4(2)). */
function putRusage(t: Task, addr: number, c?: Process): void {
  if (addr) t.process.mm.write(addr, c ? encodeRusage(c.cpuNs + c.childCpuNs, 0) : new Uint8Array(RUSAGE_SIZE));
}

/** wait4(pid, wstatus, options, rusage): pid > 0 one child, 0 our group, -1 any, < -1 group -pid. */
export function sysWait4(t: Task, pid: number, wstatus: number, options: number, rusage: number): number | Promise<number> {
  pid |= 0;
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) fail(EINVAL);
  if (pid === -0x80000000) fail(ESRCH); // -INT_MIN would overflow
  options |= WEXITED;
  const pgid = pid === 0 ? t.process.pgid : -pid;
  const match: Match = pid > 0 ? (c) => c.pid === pid
    : pid === -1 ? () => true
    : (c) => c.pgid === pgid;
  return waitFor(t, match, options, (f) => {
    if (!f) return 0;
    if (wstatus) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, f.wstatus, true);
      t.process.mm.write(wstatus, b);
    }
    putRusage(t, rusage, f.child);
    return f.pid;
  });
}

/**
 * waitid(idtype, id, infop, options, rusage). As Linux does, the SIGCHLD fields of *infop
 * (si_signo, si_errno, si_code, si_pid, si_uid, si_status) are written whatever the outcome —
 * zeros when nothing was found or the call failed — and nothing else of it.
 */
export function sysWaitid(t: Task, idtype: number, id: number, infop: number, options: number, rusage: number): number | Promise<number> {
  const report = (f: Found | null, err: number): number => {
    if (f) putRusage(t, rusage, f.child);
    if (infop) {
      const b = new Uint8Array(28);
      const dv = new DataView(b.buffer);
      if (f) {
        const st = f.child.status;
        let code = CLD_EXITED, status = 0;
        if (f.kind === 'stopped') { code = CLD_STOPPED; status = f.wstatus >> 8; }
        else if (f.kind === 'continued') { code = CLD_CONTINUED; status = SIGCONT; }
        else if (st?.signal != null) { code = (st.wstatus & 0x80) ? CLD_DUMPED : CLD_KILLED; status = st.signal; }
        else status = st?.code ?? 0;
        dv.setInt32(0, SIGCHLD, true);
        dv.setInt32(8, code, true);
        dv.setInt32(16, f.pid, true);
        dv.setUint32(20, f.uid, true);
        dv.setInt32(24, status, true);
      }
      t.process.mm.write(infop, b.subarray(0, 12));   // si_signo, si_errno, si_code
      t.process.mm.write(infop + 16, b.subarray(16, 28)); // si_pid, si_uid, si_status
    }
    if (err) fail(err);
    return 0;
  };
  let match: Match;
  try {
    idtype |= 0; id |= 0;
    if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) fail(EINVAL);
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) fail(EINVAL);
    switch (idtype) {
      case P_ALL: match = () => true; break;
      case P_PID:
        if (id <= 0) fail(EINVAL);
        match = (c) => c.pid === id;
        break;
      case P_PGID: {
        if (id < 0) fail(EINVAL);
        const pgid = id === 0 ? t.process.pgid : id;
        match = (c) => c.pgid === pgid;
        break;
      }
      case P_PIDFD: {
        if (id < 0) fail(EINVAL);
        const pf = pidfdOf(t, id); // EBADF for a descriptor that is no pidfd
        match = (c) => c === pf.process;
        // A PIDFD_NONBLOCK pidfd waits as with WNOHANG, and says EAGAIN when nothing is ready.
        if (pf.nonblocking && !(options & WNOHANG)) {
          const r = waitFor(t, match, options | WNOHANG, (f) => report(f, f ? 0 : EAGAIN));
          return r;
        }
        break;
      }
      default:
        return fail(EINVAL);
    }
    const r = waitFor(t, match, options, (f) => report(f, 0));
    if (typeof r === 'number') return r;
    // Interrupted (−ERESTARTSYS): *infop is zeroed as for any other failure.
    return r.then((v) => (v < 0 ? report(null, -v) : v), (e) => {
      if (e instanceof LinuxError) return report(null, e.errno);
      throw e;
    });
  } catch (e) {
    if (e instanceof LinuxError) return report(null, e.errno);
    throw e;
  }
}
