// Controlling terminals and job control (credentials(7), tty_jobctrl.c's behaviour): which
// session a terminal belongs to, its foreground process group, the SIGTTIN/SIGTTOU check for
// background readers and writers (tty_check_change), and what happens when a session leader
// lets go of its terminal or a terminal hangs up.

import { SIGHUP, SIGCONT, SIGTTIN, SIG_IGN } from '../abi/signal.js';
import { siKill, SI_KERNEL } from '../abi/siginfo.js';
import { EIO } from '../abi/errno.js';
import { sendSignalInfo, getAction, sigbit, ERESTARTSYS } from '../kernel/signals.js';
import { groupMembers, orphanedPgrp } from '../kernel/proctree.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Process, Task } from '../kernel/task.js';
import type { Tty } from './tty.js';

/** kill_pgrp(pgrp, sig, 1): from the kernel itself (SEND_SIG_PRIV: SI_KERNEL, no sender). */
export function killPgrp(k: Kernel, pgid: number, sig: number, except?: Process): void {
  if (!pgid) return;
  for (const p of groupMembers(k, pgid)) if (p !== except) sendSignalInfo(k, p, null, sig, siKill(sig, SI_KERNEL, 0, 0));
}

/** Whether a session leader: it alone may acquire a controlling terminal. */
export const isLeader = (p: Process): boolean => p.sid === p.pid;

/**
 * __tty_check_change(): a process of the terminal's session outside its foreground group that
 * reads (SIGTTIN), or writes under TOSTOP / changes settings (SIGTTOU), stops its whole group:
 * the call returns −ERESTARTSYS and runs again once the group is continued. Ignored or blocked,
 * SIGTTOU lets the call through and SIGTTIN fails it with EIO; an orphaned group gets EIO.
 * Returns 0 when the call may proceed.
 */
export function checkChange(t: Task, tty: Tty, sig: number): number {
  const p = t.process;
  if (p.ctty !== tty || !tty.pgrp || p.pgid === tty.pgrp) return 0;
  const ignored = (t.sigmask & sigbit(sig)) !== 0n || getAction(p, sig).handler === BigInt(SIG_IGN);
  if (ignored) return sig === SIGTTIN ? -EIO : 0;
  if (orphanedPgrp(t.kernel, p.pgid)) return -EIO;
  killPgrp(t.kernel, p.pgid, sig);
  return -ERESTARTSYS;
}

/** __proc_set_tty(): `p`'s session takes `tty` as its controlling terminal, `p`'s group in front. */
export function setCtty(p: Process, tty: Tty): void {
  tty.session = p.sid;
  tty.pgrp = p.pgid;
  p.ctty = tty;
}

/** session_clear_tty(): no process of session `sid` has a controlling terminal any more. */
function sessionClearTty(k: Kernel, sid: number): void {
  for (const q of k.processes.values()) if (q.sid === sid) q.ctty = undefined;
}

/**
 * disassociate_ctty(): a session leader gives up its terminal — by TIOCNOTTY (the foreground
 * group gets SIGHUP and SIGCONT) or by exiting (SIGHUP only). The terminal then belongs to no
 * session and every process of the session loses it.
 */
export function disassociateCtty(p: Process, onExit: boolean): void {
  if (!isLeader(p)) return;
  const tty = p.ctty;
  if (tty) {
    const pgrp = tty.pgrp;
    if (pgrp) {
      // An exiting leader is past signals itself (its threads are already dead).
      killPgrp(p.kernel, pgrp, SIGHUP, onExit ? p : undefined);
      if (!onExit) killPgrp(p.kernel, pgrp, SIGCONT);
    }
    tty.session = 0;
    tty.pgrp = 0;
  }
  sessionClearTty(p.kernel, p.sid);
}

/**
 * tty_signal_session_leader() on hangup: processes whose controlling terminal it was lose it,
 * and the session leader gets SIGHUP and SIGCONT.
 */
export function hangupSession(k: Kernel, tty: Tty): void {
  for (const q of k.processes.values()) {
    if (q.ctty !== tty) continue;
    q.ctty = undefined;
    if (!isLeader(q) || q.sid !== tty.session) continue;
    for (const sig of [SIGHUP, SIGCONT]) sendSignalInfo(k, q, null, sig, siKill(sig, SI_KERNEL, 0, 0));
  }
  tty.session = 0;
  tty.pgrp = 0;
}
