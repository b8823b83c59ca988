// siginfo builders, the strace rendering (expected strings are what strace 6.1 printed for the
// same signals natively) and the signalfd_siginfo conversion.
import { describe, it, expect } from 'vitest';
import {
  siKill, siFault, siTimer, siChld, formatSiginfo, toSignalfdSiginfo, siginfoLayout,
  SI_USER, SI_KERNEL, SI_TKILL, SI_QUEUE, SEGV_MAPERR, FPE_FLTDIV, CLD_EXITED, CLD_KILLED,
} from './siginfo.js';
import { SIGSEGV, SIGFPE, SIGUSR1, SIGALRM, SIGTRAP, SIGCHLD, SIGKILL } from './signal.js';

describe('siginfo', () => {
  it('renders as strace does', () => {
    expect(formatSiginfo(siFault(SIGSEGV, SEGV_MAPERR, 0x10))).toBe('{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10}');
    expect(formatSiginfo(siKill(SIGSEGV, SI_KERNEL, 0, 0))).toBe('{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL}');
    expect(formatSiginfo(siKill(SIGTRAP, SI_KERNEL, 0, 0))).toBe('{si_signo=SIGTRAP, si_code=SI_KERNEL, si_addr=NULL}');
    expect(formatSiginfo(siFault(SIGFPE, FPE_FLTDIV, 0x401985))).toBe('{si_signo=SIGFPE, si_code=FPE_FLTDIV, si_addr=0x401985}');
    expect(formatSiginfo(siKill(SIGUSR1, SI_TKILL, 26717, 0))).toBe('{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=26717, si_uid=0}');
    expect(formatSiginfo(siKill(SIGUSR1, SI_USER, 26717, 0))).toBe('{si_signo=SIGUSR1, si_code=SI_USER, si_pid=26717, si_uid=0}');
    expect(formatSiginfo(siKill(SIGALRM, SI_KERNEL, 0, 0))).toBe('{si_signo=SIGALRM, si_code=SI_KERNEL}');
    expect(formatSiginfo(siTimer(SIGALRM, 2, 0n))).toBe('{si_signo=SIGALRM, si_code=SI_TIMER, si_timerid=0x2, si_overrun=0, si_int=0, si_ptr=NULL}');
    const q = siKill(36, SI_QUEUE, 26717, 0);
    new DataView(q.buffer).setBigUint64(24, 2n, true);
    expect(formatSiginfo(q)).toBe('{si_signo=SIGRT_4, si_code=SI_QUEUE, si_pid=26717, si_uid=0, si_int=2, si_ptr=0x2}');
    expect(formatSiginfo(siChld(SIGCHLD, CLD_EXITED, 7, 0, 3))).toBe('{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=3, si_utime=0, si_stime=0}');
    expect(formatSiginfo(siChld(SIGCHLD, CLD_KILLED, 7, 0, SIGKILL))).toBe('{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=7, si_uid=0, si_status=SIGKILL, si_utime=0, si_stime=0}');
  });

  it('picks the union member as the kernel does', () => {
    expect(siginfoLayout(SIGSEGV, SEGV_MAPERR)).toBe('fault');
    expect(siginfoLayout(SIGSEGV, SI_KERNEL)).toBe('kill');
    expect(siginfoLayout(SIGUSR1, SI_QUEUE)).toBe('rt');
    expect(siginfoLayout(SIGALRM, -2)).toBe('timer');
    expect(siginfoLayout(SIGCHLD, CLD_EXITED)).toBe('chld');
  });

  it('converts to struct signalfd_siginfo', () => {
    const q = siKill(36, SI_QUEUE, 1234, 1000);
    new DataView(q.buffer).setBigUint64(24, 0x1_0000_0063n, true);
    const v = new DataView(toSignalfdSiginfo(q).buffer);
    expect([v.getUint32(0, true), v.getInt32(8, true), v.getUint32(12, true), v.getUint32(16, true)]).toEqual([36, SI_QUEUE, 1234, 1000]);
    expect([v.getInt32(44, true), v.getBigUint64(48, true)]).toEqual([0x63, 0x1_0000_0063n]);
    const f = new DataView(toSignalfdSiginfo(siFault(SIGSEGV, SEGV_MAPERR, 0x10)).buffer);
    expect([f.getBigUint64(72, true), f.getUint32(12, true)]).toEqual([0x10n, 0]);
  });
});
