// Signals: numbers and names (asm/signal.h for x86-64), sigaction flags and the kernel's struct
// sigaction layout (asm-generic/signal-defs.h, arch/x86/include/uapi/asm/signal.h), sigprocmask
// `how`. Real-time signals 32..64 have no fixed names; they print as strace does (SIGRT_n).
import { nameTable } from './xlat.js';

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGIOT = 6,
  SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13,
  SIGALRM = 14, SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19,
  SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25,
  SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPOLL = SIGIO, SIGPWR = 30,
  SIGSYS = 31, SIGRTMIN = 32;
/** _NSIG: signals are 1.._NSIG; a kernel sigset_t is _NSIG bits = 8 bytes. */
export const NSIG = 64, SIGRTMAX = NSIG;
export const SIGSET_SIZE = 8;

/** Classic signal names, 1..31 (aliases such as SIGIOT/SIGPOLL left out: one name per number). */
export const signalNames = nameTable({
  SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV,
  SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN,
  SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS,
});
const byNumber: string[] = [];
for (const [n, name] of signalNames) byNumber[n] = name;

/** "SIGINT", "SIGRTMIN", "SIGRT_3" … or undefined outside 1..64. */
export function signalName(sig: number): string | undefined {
  if (sig >= 1 && sig < SIGRTMIN) return byNumber[sig];
  if (sig === SIGRTMIN) return 'SIGRTMIN';
  if (sig > SIGRTMIN && sig <= SIGRTMAX) return `SIGRT_${sig - SIGRTMIN}`;
  return undefined;
}

export const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
export const sigprocmaskHowNames = nameTable({ SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK });

/** sa_handler special values. */
export const SIG_DFL = 0, SIG_IGN = 1, SIG_ERR = -1;

export const SA_NOCLDSTOP = 0x1, SA_NOCLDWAIT = 0x2, SA_SIGINFO = 0x4, SA_UNSUPPORTED = 0x400,
  SA_EXPOSE_TAGBITS = 0x800, SA_RESTORER = 0x04000000, SA_ONSTACK = 0x08000000,
  SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
export const SA_NOMASK = SA_NODEFER, SA_ONESHOT = SA_RESETHAND;
/**
 * glibc's name for the unused bit 0x20000000 (no Linux header defines it); listed because strace
 * prints it by name.
 */
export const SA_INTERRUPT = 0x20000000;
/** sa_flags in strace's print order. */
export const sigactionFlagNames = nameTable({
  SA_RESTORER, SA_ONSTACK, SA_RESTART, SA_INTERRUPT, SA_NODEFER, SA_RESETHAND, SA_SIGINFO,
  SA_NOCLDSTOP, SA_NOCLDWAIT,
});

/**
 * The kernel's struct sigaction on x86-64 (rt_sigaction(2) act/oact), not glibc's:
 *   0 sa_handler (8)  8 sa_flags (8)  16 sa_restorer (8)  24 sa_mask (8)   = 32 bytes
 */
export const SIGACTION_HANDLER = 0, SIGACTION_FLAGS = 8, SIGACTION_RESTORER = 16,
  SIGACTION_MASK = 24, SIGACTION_SIZE = 32;

/** sigaltstack(2) ss_flags and sizes. */
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 0x80000000;
export const MINSIGSTKSZ = 2048, SIGSTKSZ = 8192;
