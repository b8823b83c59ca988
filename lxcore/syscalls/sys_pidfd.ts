// pidfd_open(2), pidfd_send_signal(2), pidfd_getfd(2) (kernel/pid.c, kernel/signal.c): the
// descriptors of lxcore/fs/pidfd.ts. clone's CLONE_PIDFD (sys_fork.ts) and waitid's P_PIDFD
// (sys_wait.ts) use `pidfdOf` and `newPidfd` from here.

import { fail, EINVAL, EBADF, ESRCH, EPERM } from '../abi/errno.js';
import { O_NONBLOCK, O_EXCL } from '../abi/fcntl.js';
import { SIGINFO_SIZE, KERNEL_SIGINFO_SIZE, SI_USER, SI_TKILL, siCode } from '../abi/siginfo.js';
import { PidFd } from '../fs/pidfd.js';
import { findTask, senderInfo } from '../kernel/signals.js';
import { sendToProcess, sendToThread, sendToGroup } from './sys_signal.js';
import type { FileDescription } from '../vfs/file.js';
import type { Task, Process } from '../kernel/task.js';

const PIDFD_NONBLOCK = O_NONBLOCK, PIDFD_THREAD = O_EXCL;
const PIDFD_SIGNAL_THREAD = 1, PIDFD_SIGNAL_THREAD_GROUP = 2, PIDFD_SIGNAL_PROCESS_GROUP = 4;

/** A pidfd for `p` in `t`'s table, close-on-exec as every pidfd is. */
export function newPidfd(t: Task, p: Process, tid: number, flags: number): number {
  return t.process.fds.install(new PidFd(p, tid, (flags & PIDFD_NONBLOCK) !== 0, (flags & PIDFD_THREAD) !== 0), true);
}

/** The pidfd behind descriptor `fd` (EBADF if it is none: pidfd_get_pid). */
export function pidfdOf(t: Task, fd: number): PidFd {
  const f: FileDescription = t.process.fds.get(fd | 0);
  if (!(f instanceof PidFd)) fail(EBADF);
  return f;
}

/** pidfd_open(pid, flags): EINVAL for other flags or pid ≤ 0, ESRCH if no such pid, EINVAL for a non-leader thread without PIDFD_THREAD. */
export function sysPidfdOpen(t: Task, pid: number, flags: number): number {
  pid |= 0; flags >>>= 0;
  if (flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD)) fail(EINVAL);
  if (pid <= 0) fail(EINVAL);
  const task = findTask(t.kernel, pid);
  if (!task || task.process.reaped) fail(ESRCH);
  if (!(flags & PIDFD_THREAD) && task.tid !== task.process.pid) fail(EINVAL);
  return newPidfd(t, task.process, task.tid, flags);
}

/**
 * pidfd_send_signal(pidfd, sig, info, flags): kill(2) through a pidfd — the process (or, for a
 * thread pidfd or PIDFD_SIGNAL_THREAD, the thread; PIDFD_SIGNAL_PROCESS_GROUP, its group).
 * A caller-made siginfo must carry `sig`, and only to itself may one send one with si_code ≥ 0
 * or SI_TKILL (EPERM).
 */
export function sysPidfdSendSignal(t: Task, pidfd: number, sig: number, uinfo: number, flags: number): number {
  flags >>>= 0; sig |= 0;
  const scope = PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP;
  if (flags & ~scope) fail(EINVAL);
  if ((flags & (flags - 1)) !== 0) fail(EINVAL); // one scope at most
  const pf = pidfdOf(t, pidfd);
  const type = flags === PIDFD_SIGNAL_THREAD ? 'thread' : flags === PIDFD_SIGNAL_PROCESS_GROUP ? 'group'
    : flags === PIDFD_SIGNAL_THREAD_GROUP ? 'process' : pf.thread ? 'thread' : 'process';
  let info: Uint8Array;
  if (uinfo) {
    info = t.process.mm.read(uinfo, SIGINFO_SIZE);
    info.fill(0, KERNEL_SIGINFO_SIZE);
    if (new DataView(info.buffer, info.byteOffset).getInt32(0, true) !== sig) fail(EINVAL);
    const code = siCode(info);
    if ((pf.process !== t.process || type === 'group') && (code >= 0 || code === SI_TKILL)) fail(EPERM);
  } else {
    info = senderInfo(t, sig, type === 'thread' ? SI_TKILL : SI_USER);
  }
  if (pf.process.reaped) fail(ESRCH);
  if (type === 'group') return sendToGroup(t, pf.process.pgid, sig, info);
  if (type === 'thread') {
    const task = pf.process.threads.find((x) => x.tid === pf.tid && x.state !== 'dead');
    if (!task) fail(ESRCH);
    return sendToThread(t, 0, pf.tid, sig, info);
  }
  return sendToProcess(t, pf.process, sig, info);
}

/**
 * ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS) for pidfd_getfd: the caller's real ids match
 * the target's real, effective and saved ones and the target is dumpable — or the caller is root.
 */
function mayAttach(t: Task, p: Process): boolean {
  if (p === t.process) return true;
  const c = t.process.creds, tc = p.creds;
  if (c.euid === 0) return true;
  return c.uid === tc.uid && c.uid === tc.euid && c.uid === tc.suid && c.gid === tc.gid && c.gid === tc.egid && c.gid === tc.sgid &&
    p.dumpable === 1;
}

/** pidfd_getfd(pidfd, targetfd, flags): a duplicate of another process's descriptor, close-on-exec. */
export function sysPidfdGetfd(t: Task, pidfd: number, targetfd: number, flags: number): number {
  if (flags) fail(EINVAL);
  const pf = pidfdOf(t, pidfd);
  const p = pf.process;
  if (p.reaped) fail(ESRCH);
  if (!mayAttach(t, p)) fail(EPERM);
  if (p.status) fail(EBADF); // an exited process has no descriptor table any more
  const f = p.fds.get(targetfd | 0);
  return t.process.fds.install(f.ref(), true);
}
