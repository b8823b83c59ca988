// The x86-64 signal frame (arch/x86/kernel/signal.c, signal_64.c, fpu/signal.c; uapi
// asm/sigcontext.h, asm-generic/ucontext.h): what the kernel pushes on the user stack to run a
// handler, and what rt_sigreturn takes back.
//
//   frame+0    pretcode: sa_restorer, the handler's return address
//   frame+8    struct ucontext (304 bytes)
//                +0 uc_flags  +8 uc_link  +16 uc_stack {ss_sp, ss_flags (int), ss_size}
//                +40 uc_mcontext (struct sigcontext, 256)  +296 uc_sigmask (8)
//   frame+312  siginfo_t (128; written only with SA_SIGINFO, as x64_setup_rt_frame does)
//              … padding …
//   fpstate    the 512-byte fxsave image, 64-byte aligned, above the frame
//
// struct sigcontext (offsets inside uc_mcontext):
//     0 r8  8 r9  16 r10  24 r11  32 r12  40 r13  48 r14  56 r15  64 rdi  72 rsi  80 rbp  88 rbx
//    96 rdx 104 rax 112 rcx 120 rsp 128 rip 136 eflags 144 cs 146 gs 148 fs 150 ss 152 err
//   160 trapno 168 oldmask 176 cr2 184 fpstate 192 reserved1[8] (not written)
//
// wasl's CPUID has no XSAVE, so the frame is what Linux builds on an FXSR-only CPU: uc_flags
// lacks UC_FP_XSTATE, the FPU area is the bare 512-byte fxsave layout and no FP_XSTATE_MAGIC2
// follows it. Its software-reserved tail (bytes 464..511) is struct _fpx_sw_bytes as
// save_xstate_epilog() writes it since Linux 5.16 even without XSAVE: magic1 = FP_XSTATE_MAGIC1,
// extended_size = 512 + 4, xfeatures = 0 (no user xfeatures were enabled), xstate_size = 512.
// Bytes the kernel leaves alone (the uc_stack padding, reserved1, the gap before fpstate, the
// siginfo without SA_SIGINFO) keep whatever the stack held.

import * as L from '../../cpu/shared/layout.js';
import type { Core } from './core.js';
import type { Task } from './task.js';

// Register numbers for Core.reg (the layout's byte offsets / 8).
const R_AX = L.RAX / 8, R_CX = L.RCX / 8, R_DX = L.RDX / 8, R_BX = L.RBX / 8, R_SP = L.RSP / 8,
  R_BP = L.RBP / 8, R_SI = L.RSI / 8, R_DI = L.RDI / 8;

export const FRAME_SIZE = 8 + 304 + 128;   // sizeof(struct rt_sigframe)
export const UC_OFFSET = 8, SIGINFO_OFFSET = 312;
export const UC_STACK = 16, UC_MCONTEXT = 40, UC_SIGMASK = 296, UC_SIZE = 304;
const SC_RIP = 128, SC_EFLAGS = 136, SC_CS = 144, SC_ERR = 152, SC_TRAPNO = 160, SC_OLDMASK = 168,
  SC_CR2 = 176, SC_FPSTATE = 184;
/** sigcontext's first sixteen words, by register number (rax = 0 … r15 = 15). */
const SC_GPRS = [8, 9, 10, 11, 12, 13, 14, 15, R_DI, R_SI, R_BP, R_BX, R_DX, R_AX, R_CX, R_SP];

export const UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
/** __USER_CS and __USER_DS: the selectors a 64-bit task runs with. */
const USER_CS = 0x33, USER_DS = 0x2b;
export const FXSAVE_SIZE = 512;
const FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2_SIZE = 4;
/** MXCSR bits FXRSTOR accepts (docs/quirks.md: Intel's 0xFFFF); others make sigreturn fail. */
export const MXCSR_MASK = 0xffff;
export const MXCSR_DEFAULT = 0x1f80, FCW_DEFAULT = 0x37f;
/** The RFLAGS bits rt_sigreturn takes from the frame (FIX_EFLAGS: AC OF DF TF SF ZF AF PF CF NT RF). */
const FIX_EFLAGS = 0x40000n | 0x800n | 0x400n | 0x100n | 0x80n | 0x40n | 0x10n | 0x4n | 0x1n | 0x4000n | 0x10000n;
/** What handle_signal clears for the handler: DF (the ABI), RF and TF. */
const HANDLER_CLEARS = 0x400n | 0x10000n | 0x100n;

export interface FrameAction { handler: bigint; flags: number; restorer: bigint }
export interface AltStack { sp: number; size: number; flags: number }

export const SA_ONSTACK_BIT = 0x08000000, SA_SIGINFO_BIT = 0x4;
const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 0x80000000;

const stateView = (c: Core): DataView => new DataView(c.u8.buffer, L.STATE, L.STATE_SIZE);

/** RFLAGS with the lazily-owed flags computed (and the lazy record cleared) by the core. */
export function readRflags(c: Core): bigint {
  return BigInt.asUintN(64, BigInt((c.exports as unknown as { rflags(): bigint | number }).rflags()));
}
/** Sets RFLAGS outright: the lazy record is cleared so it cannot override the new bits. */
export function writeRflags(c: Core, f: bigint): void {
  const v = stateView(c);
  v.setBigUint64(L.RFLAGS, f, true);
  v.setInt32(L.LAZY_OP, 0, true);
}

// ---- sigaltstack(2) predicates (include/linux/sched/signal.h) ---------------------------------
/** __on_sig_stack: sp inside (ss_sp, ss_sp + ss_size]. */
export function inAltStack(alt: AltStack | undefined, sp: number): boolean {
  return !!alt && sp > alt.sp && sp - alt.sp <= alt.size;
}
/** on_sig_stack: an SS_AUTODISARM stack never counts as "on" it (the kernel disarmed it). */
export function onSigStack(t: Task, sp: number): boolean {
  const alt = t.altStack;
  if (alt && (alt.flags & SS_AUTODISARM)) return false;
  return inAltStack(alt, sp);
}
/** sas_ss_flags: SS_DISABLE without a stack, SS_ONSTACK while on it, else 0. */
export function sasSsFlags(t: Task, sp: number): number {
  if (!t.altStack || t.altStack.size === 0) return SS_DISABLE;
  return onSigStack(t, sp) ? SS_ONSTACK : 0;
}

// ---- FPU state (SDM vol. 1 §10.5.1, FXSAVE/FXRSTOR) ---------------------------------------------
// The state block keeps x87 registers by physical number (R0..R7: u64 significand, u16
// sign/exponent in 16-byte slots), FSW without TOP, and TOP apart (cpu/ops/x87.ts); the fxsave
// image holds them in stack order ST(i) = R((TOP + i) & 7) with TOP inside FSW, and the
// abridged tag byte by physical register. Same image as the core's FXSAVE64/FXRSTOR64.

/** fxsave64 of the task on the core, with Linux's software-reserved bytes. */
export function fxsaveImage(c: Core): Uint8Array {
  const s = stateView(c);
  const b = new Uint8Array(FXSAVE_SIZE);
  const v = new DataView(b.buffer);
  const top = s.getInt32(L.FPU_TOP, true) & 7;
  v.setUint16(0, s.getInt32(L.FPU_CW, true) & 0xffff, true);
  v.setUint16(2, ((s.getInt32(L.FPU_SW, true) & ~0x3800) | (top << 11)) & 0xffff, true);
  b[4] = s.getInt32(L.FPU_TW, true) & 0xff;
  v.setUint16(6, s.getInt32(L.FPU_FOP, true) & 0x7ff, true);
  v.setBigUint64(8, s.getBigUint64(L.FPU_IP, true), true);
  v.setBigUint64(16, s.getBigUint64(L.FPU_DP, true), true);
  v.setUint32(24, s.getInt32(L.MXCSR, true) >>> 0, true);
  v.setUint32(28, MXCSR_MASK, true);
  for (let i = 0; i < 8; i++) {
    const phys = L.STATE + L.ST0 + ((top + i) & 7) * 16;
    b.set(c.u8.subarray(phys, phys + 10), 32 + i * 16);
  }
  b.set(c.u8.subarray(L.STATE + L.XMM0, L.STATE + L.XMM0 + 256), 160);
  v.setUint32(464, FP_XSTATE_MAGIC1, true);
  v.setUint32(468, FXSAVE_SIZE + FP_XSTATE_MAGIC2_SIZE, true);
  v.setBigUint64(472, 0n, true);
  v.setUint32(480, FXSAVE_SIZE, true);
  return b;
}

/** fxrstor64 from a 512-byte image; false if MXCSR has reserved bits set (FXRSTOR's #GP). */
export function fxrstorImage(c: Core, b: Uint8Array): boolean {
  const v = new DataView(b.buffer, b.byteOffset, FXSAVE_SIZE);
  const mxcsr = v.getUint32(24, true);
  if (mxcsr & ~MXCSR_MASK) return false;
  const s = stateView(c);
  const fcw = v.getUint16(0, true), fsw = v.getUint16(2, true), top = (fsw >> 11) & 7;
  // As the core's FXRSTOR: ES and B follow the loaded exception flags and masks.
  let sw = fsw & ~0x3800 & ~0x8080;
  if (sw & ~fcw & 0x3f) sw |= 0x8080;
  s.setInt32(L.FPU_CW, fcw, true);
  s.setInt32(L.FPU_SW, sw, true);
  s.setInt32(L.FPU_TOP, top, true);
  s.setInt32(L.FPU_TW, b[4], true);
  s.setInt32(L.FPU_FOP, v.getUint16(6, true) & 0x7ff, true);
  s.setBigUint64(L.FPU_IP, v.getBigUint64(8, true), true);
  s.setBigUint64(L.FPU_DP, v.getBigUint64(16, true), true);
  s.setInt32(L.MXCSR, mxcsr, true);
  for (let i = 0; i < 8; i++) {
    const phys = L.STATE + L.ST0 + ((top + i) & 7) * 16;
    c.u8.set(b.subarray(32 + i * 16, 32 + i * 16 + 10), phys);
    c.u8.fill(0, phys + 10, phys + 16);
  }
  c.u8.set(b.subarray(160, 416), L.STATE + L.XMM0);
  return true;
}

/** fpu__clear_user_states(): a handler starts with the initial FPU state (init_fpstate). */
export function resetFpu(c: Core): void {
  const s = stateView(c);
  c.u8.fill(0, L.STATE + L.XMM0, L.STATE + L.XMM_END);
  c.u8.fill(0, L.STATE + L.ST0, L.STATE + L.ST0 + 128);
  s.setInt32(L.FPU_CW, FCW_DEFAULT, true);
  for (const off of [L.FPU_SW, L.FPU_TW, L.FPU_TOP, L.FPU_FOP]) s.setInt32(off, 0, true);
  s.setBigUint64(L.FPU_IP, 0n, true);
  s.setBigUint64(L.FPU_DP, 0n, true);
  s.setInt32(L.MXCSR, MXCSR_DEFAULT, true);
}

// ---- building and taking back the frame -----------------------------------------------------
/**
 * setup_rt_frame() for the task on the core: writes the frame below the interrupted rsp's red
 * zone (or on the sigaltstack) and points the registers at the handler. Returns false when the
 * frame cannot be written (no SA_RESTORER, a bad or overflowing stack): the caller forces SIGSEGV.
 */
export function setupRtFrame(c: Core, t: Task, sig: number, info: Uint8Array, act: FrameAction, savedMask: bigint): boolean {
  if (!(act.flags & 0x04000000 /* SA_RESTORER: x86-64 has no other way back */)) return false;
  const mm = t.process.mm;
  const rsp = c.reg(R_SP);
  // get_sigframe(): skip the red zone; switch to the alternate stack if asked and not on it.
  let sp = rsp - 128;
  const nested = onSigStack(t, rsp);
  let entering = false;
  if ((act.flags & SA_ONSTACK_BIT) && sasSsFlags(t, sp) === 0) {
    sp = t.altStack!.sp + t.altStack!.size;
    entering = true;
  }
  const fp = Math.floor((sp - FXSAVE_SIZE) / 64) * 64;           // fpu__alloc_mathframe
  const frame = Math.floor((fp - FRAME_SIZE) / 16) * 16 - 8;     // align_sigframe
  // An overflowing alternate stack gets an always-bogus frame, so the task dies with SIGSEGV.
  if ((nested || entering) && !inAltStack(t.altStack, frame)) return false;
  if (frame < 0) return false;

  const rflags = readRflags(c);
  try {
    mm.write(fp, fxsaveImage(c));
    const b = mm.read(frame, FRAME_SIZE);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, act.restorer, true);
    const uc = UC_OFFSET;
    v.setBigUint64(uc, BigInt(UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS), true);
    v.setBigUint64(uc + 8, 0n, true);
    // unsafe_save_altstack(): the raw sas_ss_* fields (the flags as set, not SS_ONSTACK).
    const alt = t.altStack;
    v.setBigUint64(uc + UC_STACK, BigInt(alt?.sp ?? 0), true);
    v.setUint32(uc + UC_STACK + 8, (alt?.flags ?? 0) >>> 0, true);
    v.setBigUint64(uc + UC_STACK + 16, BigInt(alt?.size ?? 0), true);
    const sc = uc + UC_MCONTEXT;
    SC_GPRS.forEach((r, i) => v.setBigUint64(sc + i * 8, c.regBig(r), true));
    v.setBigUint64(sc + SC_RIP, c.regBig(L.RIP / 8), true);
    v.setBigUint64(sc + SC_EFLAGS, rflags, true);
    v.setUint16(sc + SC_CS, USER_CS, true);
    v.setUint16(sc + SC_CS + 2, 0, true);            // gs
    v.setUint16(sc + SC_CS + 4, 0, true);            // fs
    v.setUint16(sc + SC_CS + 6, USER_DS, true);      // ss
    v.setBigUint64(sc + SC_ERR, BigInt(t.signals.errorCode), true);
    v.setBigUint64(sc + SC_TRAPNO, BigInt(t.signals.trapNr), true);
    v.setBigUint64(sc + SC_OLDMASK, savedMask, true);
    v.setBigUint64(sc + SC_CR2, BigInt(t.signals.cr2), true);
    v.setBigUint64(sc + SC_FPSTATE, BigInt(fp), true);
    v.setBigUint64(uc + UC_SIGMASK, savedMask, true);
    if (act.flags & SA_SIGINFO_BIT) b.set(info, SIGINFO_OFFSET);
    mm.write(frame, b);
  } catch {
    return false; // EFAULT: the stack is not writable there
  }
  // Registers for the handler: handler(sig, &info, &uc) returning to the restorer.
  c.setReg(R_DI, sig);
  c.setReg(R_SI, frame + SIGINFO_OFFSET);
  c.setReg(R_DX, frame + UC_OFFSET);
  c.setReg(R_AX, 0);
  c.setReg(R_SP, frame);
  c.setRegBig(L.RIP / 8, act.handler);
  writeRflags(c, rflags & ~HANDLER_CLEARS);
  resetFpu(c);
  return true;
}

/**
 * restore_sigcontext() from the ucontext at `ucAddr` (already read as `uc`): registers, the
 * RFLAGS bits a user may change, then the FPU state. False on a bad frame.
 */
export function restoreSigcontext(c: Core, t: Task, uc: Uint8Array): boolean {
  const v = new DataView(uc.buffer, uc.byteOffset, UC_SIZE);
  const sc = UC_MCONTEXT;
  SC_GPRS.forEach((r, i) => c.setRegBig(r, v.getBigUint64(sc + i * 8, true)));
  c.setRegBig(L.RIP / 8, v.getBigUint64(sc + SC_RIP, true));
  const cur = readRflags(c);
  writeRflags(c, (cur & ~FIX_EFLAGS) | (v.getBigUint64(sc + SC_EFLAGS, true) & FIX_EFLAGS));
  const fpstate = v.getBigUint64(sc + SC_FPSTATE, true);
  if (fpstate === 0n) { resetFpu(c); return true; } // fpu__restore_sig(NULL): initial state
  let img: Uint8Array;
  try {
    img = t.process.mm.read(Number(fpstate), FXSAVE_SIZE);
  } catch {
    resetFpu(c);
    return false;
  }
  if (!fxrstorImage(c, img)) { resetFpu(c); return false; }
  return true;
}
