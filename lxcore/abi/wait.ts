// wait4(2)/waitid(2) options and id types (linux/wait.h), and the wait status word encoding.
import { nameTable } from './xlat.js';

export const WNOHANG = 0x1, WUNTRACED = 0x2, WSTOPPED = WUNTRACED, WEXITED = 0x4,
  WCONTINUED = 0x8, WNOWAIT = 0x01000000, __WNOTHREAD = 0x20000000, __WALL = 0x40000000,
  __WCLONE = 0x80000000;
/** In strace's print order (WSTOPPED is printed for WUNTRACED). */
export const waitOptionNames = nameTable({
  WNOHANG, WEXITED, WSTOPPED, WCONTINUED, WNOWAIT, __WCLONE, __WALL, __WNOTHREAD,
});

export const P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;
export const idtypeNames = nameTable({ P_ALL, P_PID, P_PGID, P_PIDFD });

/**
 * The status word wait4 stores (the kernel builds it, glibc's W* macros read it):
 *   exited:    (code & 0xff) << 8                 signaled: sig | (core ? 0x80 : 0)
 *   stopped:   (sig << 8) | 0x7f                   continued: 0xffff
 */
export const WCOREFLAG = 0x80, W_STOPCODE = 0x7f, W_CONTINUED = 0xffff;
