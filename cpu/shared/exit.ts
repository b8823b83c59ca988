// Why run(budget) returned: the one seam between the core and lxcore (DESIGN.md §1).
// Faults leave registers, flags and rip as they were before the faulting instruction; traps
// (syscall, int3, into) complete the instruction first, as the hardware does.

export const EXIT_BUDGET = 0;     // the instruction budget ran out; call run() again
export const EXIT_SYSCALL = 1;    // `syscall` executed: rip is past it, rcx/r11 set as hardware does
export const EXIT_PAGE_FAULT = 2; // #PF: FAULT_ADDR, FAULT_CODE (FAULT_* bits)
export const EXIT_UD = 3;         // #UD invalid or unimplemented opcode → SIGILL (ILL_ILLOPN)
export const EXIT_DE = 4;         // #DE divide error → SIGFPE (FPE_INTDIV / FPE_INTOVF)
export const EXIT_BP = 5;         // int3 (trap: rip past it) → SIGTRAP (SI_KERNEL)
export const EXIT_GP = 6;         // #GP: privileged instruction, non-canonical address → SIGSEGV (SI_KERNEL)
export const EXIT_MF = 7;         // x87 floating-point error → SIGFPE
export const EXIT_XM = 8;         // SIMD floating-point exception → SIGFPE
export const EXIT_DB = 9;         // single-step trap (TF) → SIGTRAP (TRAP_TRACE)
export const EXIT_HLT = 10;       // unused in user mode (hlt is privileged: #GP); kept for tools
export const EXIT_OF = 11;        // into (not valid in 64-bit mode) kept for completeness
export const EXIT_AC = 12;        // alignment check (movaps on unaligned data is #GP; this is AC) 

export const EXIT_NAMES = ['budget', 'syscall', 'page fault', '#UD', '#DE', 'int3', '#GP', '#MF', '#XM', '#DB', 'hlt', 'into', '#AC'];
