// Signal dispositions and default actions (signal(7)). Delivery to handlers, frames and masks
// grow here with the signals work (issue #4).

import {
  SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV,
  SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN,
  SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS,
} from '../abi/signal.js';

export type DefaultAction = 'term' | 'core' | 'ign' | 'stop' | 'cont';

const CORE = new Set([SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS]);
const IGNORE = new Set([SIGCHLD, SIGURG, SIGWINCH]);
const STOP = new Set([SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]);
const TERM = new Set([SIGHUP, SIGINT, SIGKILL, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT,
  SIGVTALRM, SIGPROF, SIGIO, SIGPWR]);

/** The action signal(7) lists for `sig`; real-time signals terminate. */
export function signalDefaultAction(sig: number): DefaultAction {
  if (CORE.has(sig)) return 'core';
  if (IGNORE.has(sig)) return 'ign';
  if (STOP.has(sig)) return 'stop';
  if (sig === SIGCONT) return 'cont';
  if (TERM.has(sig)) return 'term';
  return 'term';
}
