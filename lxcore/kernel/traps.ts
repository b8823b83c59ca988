// CPU exceptions in user mode become signals (arch/x86/kernel/traps.c, arch/x86/mm/fault.c,
// arch/x86/kernel/fpu/core.c): each exit reason of the core maps to the signal, si_code and
// si_addr Linux gives it, and to the trapno, error code and cr2 the signal frame reports.

import * as L from '../../cpu/shared/layout.js';
import {
  EXIT_PAGE_FAULT, EXIT_UD, EXIT_DE, EXIT_BP, EXIT_GP, EXIT_MF, EXIT_XM, EXIT_DB,
} from '../../cpu/shared/exit.js';
import { SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP } from '../abi/signal.js';
import {
  siKill, siFault, SI_KERNEL, ILL_ILLOPN, FPE_INTDIV, FPE_FLTINV, FPE_FLTDIV, FPE_FLTOVF, FPE_FLTUND,
  FPE_FLTRES, SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR, TRAP_TRACE,
} from '../abi/siginfo.js';
import { forceSignal } from './signals.js';
import type { Task } from './task.js';
import type { Kernel } from './kernel.js';

/** The top of user space (TASK_SIZE_MAX): one guard page below 2^47. */
const TASK_SIZE_MAX = 0x7ffffffff000;
const X86_PF_PROT = 1, X86_PF_USER = 4;
const X86_TRAP_DE = 0, X86_TRAP_DB = 1, X86_TRAP_BP = 3, X86_TRAP_UD = 6, X86_TRAP_GP = 13,
  X86_TRAP_PF = 14, X86_TRAP_MF = 16, X86_TRAP_XF = 19;

/**
 * Forces the signal for the exception the core just exited with (the reason and fault details
 * are in the state block), after recording trapno, error code and cr2 for the frame. `why`
 * is logged if the signal kills.
 */
export function forceFaultSignal(k: Kernel, t: Task, sig: number, why: string): void {
  const c = k.core, s = t.signals;
  const reason = c.i32[(L.STATE + L.EXIT_REASON) >> 2];
  const rip = c.rip;
  let info: Uint8Array;
  const trap = (nr: number, err: number) => { s.trapNr = nr; s.errorCode = err; };
  switch (reason) {
    case EXIT_PAGE_FAULT: {
      // set_signal_archinfo(): user faults carry X86_PF_USER; kernel addresses look like PROT.
      const addr = c.faultAddr;
      const kernelAddr = addr >= TASK_SIZE_MAX;
      // A page past the end of a mapped file is SIGBUS/BUS_ADRERR (mm.handleFault decided).
      const code = sig === SIGBUS ? BUS_ADRERR : !kernelAddr && t.process.mm.findVma(addr) ? SEGV_ACCERR : SEGV_MAPERR;
      trap(X86_TRAP_PF, c.faultCode | X86_PF_USER | (kernelAddr ? X86_PF_PROT : 0));
      s.cr2 = addr;
      info = siFault(sig, code, addr);
      break;
    }
    case EXIT_UD: trap(X86_TRAP_UD, 0); info = siFault(SIGILL, ILL_ILLOPN, rip); break;
    case EXIT_DE: trap(X86_TRAP_DE, 0); info = siFault(SIGFPE, FPE_INTDIV, rip); break;
    case EXIT_BP: trap(X86_TRAP_BP, 0); info = siKill(SIGTRAP, SI_KERNEL, 0, 0); break;
    case EXIT_DB: trap(X86_TRAP_DB, 0); info = siFault(SIGTRAP, TRAP_TRACE, rip); break;
    case EXIT_GP: trap(X86_TRAP_GP, c.faultCode); info = siKill(SIGSEGV, SI_KERNEL, 0, 0); break;
    case EXIT_XM: case EXIT_MF: {
      // math_error() → fpu__exception_code(): the unmasked exception that is flagged.
      let err: number;
      if (reason === EXIT_XM) {
        const mxcsr = c.i32[(L.STATE + L.MXCSR) >> 2];
        err = ~(mxcsr >> 7) & mxcsr;
        trap(X86_TRAP_XF, 0);
      } else {
        err = c.i32[(L.STATE + L.FPU_SW) >> 2] & ~c.i32[(L.STATE + L.FPU_CW) >> 2];
        trap(X86_TRAP_MF, 0);
      }
      // With no unmasked flag Linux drops the trap as spurious; the core only raises it with
      // one set, and re-running the instruction would only fault again, so report FLTINV.
      const code = err & 1 ? FPE_FLTINV : err & 4 ? FPE_FLTDIV : err & 8 ? FPE_FLTOVF
        : err & 0x12 ? FPE_FLTUND : err & 0x20 ? FPE_FLTRES : FPE_FLTINV;
      info = siFault(SIGFPE, code, rip);
      break;
    }
    default:
      info = siKill(sig, SI_KERNEL, 0, 0);
  }
  forceSignal(k, t, info, { why });
}
