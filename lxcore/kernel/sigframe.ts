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
//   fpstate    the XSAVE area (576 bytes + FP_XSTATE_MAGIC2), 64-byte aligned, above the frame
//
// struct sigcontext (offsets inside uc_mcontext):
//     0 r8  8 r9  16 r10  24 r11  32 r12  40 r13  48 r14  56 r15  64 rdi  72 rsi  80 rbp  88 rbx
//    96 rdx 104 rax 112 rcx 120 rsp 128 rip 136 eflags 144 cs 146 gs 148 fs 150 ss 152 err
//   160 trapno 168 oldmask 176 cr2 184 fpstate 192 reserved1[8] (not written)
//
// wasl's CPUID reports XSAVE with XCR0 = x87 | SSE (cpu/ops/xsave.ts), so the frame is what Linux
// builds on such a CPU (copy_fpstate_to_sigframe, save_xstate_epilog): uc_flags has
// UC_FP_XSTATE; the area is the kernel's XSAVE64 of the registers — legacy bytes 0..415, the
// header cleared and then XSTATE_BV = XINUSE | x87 | SSE (so 3) — with struct _fpx_sw_bytes in the
// legacy region's software bytes 464..511 (magic1 = FP_XSTATE_MAGIC1, extended_size = 576 + 4,
// xfeatures = XCR0, xstate_size = 576, the padding zero) and FP_XSTATE_MAGIC2 right after the
// 576 bytes. Legacy bytes 416..463 are not written (XSAVE leaves them), nor are the bytes the
// kernel leaves alone (the uc_stack padding, reserved1, the gap before fpstate, the siginfo
// without SA_SIGINFO): they keep whatever the stack held.
//
// rt_sigreturn takes either form back, as fpu__restore_sig does: an area whose sw bytes say
// magic1 with a plausible xstate_size and whose magic2 is in place is restored by XRSTOR of the
// features the sw bytes name (the others are initialised); anything else by FXRSTOR of the
// legacy 512 bytes (the frame a program built for an FXSR-only CPU). A header or MXCSR that
// makes XRSTOR/FXRSTOR fault makes the sigreturn fail (SIGSEGV).

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
/** The XSAVE area for XCR0 = x87 | SSE: the legacy region and the 64-byte header. */
export const XSTATE_SIZE = 576;
const XCR0 = 3n;
const FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2 = 0x46505845, FP_XSTATE_MAGIC2_SIZE = 4;
/** What the frame's FPU part takes on the stack: the area and magic2 (xstate_sigframe_size). */
export const FPSTATE_FRAME_SIZE = XSTATE_SIZE + FP_XSTATE_MAGIC2_SIZE;
/**
 * AT_MINSIGSTKSZ, as init_sigframe_size() computes it on a kernel with IA32 emulation: the
 * largest frame struct (sigframe_ia32, 736 bytes) + 15 alignment, the fpstate frame + the 112-byte
 * fsave header of 32-bit frames + 63 alignment, rounded up to 16. (tests/programs/xstate.c checks
 * the formula against the host kernel from its own CPUID.)
 */
export const MIN_SIGSTKSZ = Math.ceil((736 + 15 + FPSTATE_FRAME_SIZE + 112 + 63) / 16) * 16;
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

/** fxsave64 of the task on the core (bytes 0..415; the software-reserved bytes are the frame's). */
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
  return b;
}

/** Writes the signal frame's XSAVE area at `fp` (see the top of this file). Throws on EFAULT. */
function writeXstateFrame(c: Core, t: Task, fp: number): void {
  const mm = t.process.mm;
  mm.write(fp, fxsaveImage(c).subarray(0, 416));
  const tail = new Uint8Array(FPSTATE_FRAME_SIZE - 464);   // sw bytes, header, magic2
  const v = new DataView(tail.buffer);
  v.setUint32(0, FP_XSTATE_MAGIC1, true);
  v.setUint32(4, FPSTATE_FRAME_SIZE, true);
  v.setBigUint64(8, XCR0, true);
  v.setUint32(16, XSTATE_SIZE, true);
  v.setBigUint64(512 - 464, XCR0, true);                     // XSTATE_BV: XINUSE | x87 | SSE
  v.setUint32(XSTATE_SIZE - 464, FP_XSTATE_MAGIC2, true);
  mm.write(fp + 464, tail);
}

/**
 * XRSTOR of the x87 and SSE components `rfbm` from a standard- or compacted-form area (the
 * rules of cpu/ops/xsave.ts's opXrstor); false where XRSTOR raises #GP, with nothing changed.
 */
export function xrstorImage(c: Core, b: Uint8Array, rfbm: bigint): boolean {
  const v = new DataView(b.buffer, b.byteOffset, XSTATE_SIZE);
  const bv = v.getBigUint64(512, true), comp = v.getBigUint64(520, true);
  const COMPACTED = 1n << 63n;
  let loadMxcsr: boolean;
  if (comp & COMPACTED) {
    const comps = comp & ~COMPACTED;
    if (comps & ~XCR0 || bv & ~comps) return false;
    for (let o = 528; o < 576; o += 8) if (v.getBigUint64(o, true) !== 0n) return false;
    loadMxcsr = (rfbm & 2n) !== 0n && (bv & 2n) !== 0n;
  } else {
    if (bv & ~XCR0 || comp !== 0n || v.getBigUint64(528, true) !== 0n) return false;
    loadMxcsr = (rfbm & 2n) !== 0n;
  }
  const mxcsr = v.getUint32(24, true);
  if (loadMxcsr && mxcsr & ~MXCSR_MASK) return false;
  // Load through the FXRSTOR path, then put back what XRSTOR does not take from memory.
  const img = new Uint8Array(FXSAVE_SIZE);
  img.set(b.subarray(0, FXSAVE_SIZE));
  const iv = new DataView(img.buffer);
  if (!loadMxcsr) iv.setUint32(24, rfbm & 2n ? MXCSR_DEFAULT : stateView(c).getInt32(L.MXCSR, true) >>> 0, true);
  const keep = c.u8.slice(L.STATE, L.STATE + L.STATE_SIZE);
  fxrstorImage(c, img);
  if (!(rfbm & 1n) || !(bv & 1n)) restoreX87(c, keep, (rfbm & 1n) !== 0n);
  if (!(rfbm & 2n)) c.u8.set(keep.subarray(L.XMM0, L.XMM_END), L.STATE + L.XMM0);
  else if (!(bv & 2n)) c.u8.fill(0, L.STATE + L.XMM0, L.STATE + L.XMM_END);
  return true;
}

/** The x87 part after xrstorImage: put back the old registers, or (init) XRSTOR's initial state. */
function restoreX87(c: Core, keep: Uint8Array, init: boolean): void {
  const s = stateView(c);
  if (!init) {
    c.u8.set(keep.subarray(L.ST0, L.ST0 + 128), L.STATE + L.ST0);
    c.u8.set(keep.subarray(L.FPU_CW, L.FPU_DP + 8), L.STATE + L.FPU_CW);
    return;
  }
  c.u8.fill(0, L.STATE + L.ST0, L.STATE + L.ST0 + 128);
  s.setInt32(L.FPU_CW, FCW_DEFAULT, true);
  for (const off of [L.FPU_SW, L.FPU_TW, L.FPU_TOP, L.FPU_FOP]) s.setInt32(off, 0, true);
  s.setBigUint64(L.FPU_IP, 0n, true);
  s.setBigUint64(L.FPU_DP, 0n, true);
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
  const fp = Math.floor((sp - FPSTATE_FRAME_SIZE) / 64) * 64;    // fpu__alloc_mathframe
  const frame = Math.floor((fp - FRAME_SIZE) / 16) * 16 - 8;     // align_sigframe
  // An overflowing alternate stack gets an always-bogus frame, so the task dies with SIGSEGV.
  if ((nested || entering) && !inAltStack(t.altStack, frame)) return false;
  if (frame < 0) return false;

  const rflags = readRflags(c);
  try {
    writeXstateFrame(c, t, fp);
    const b = mm.read(frame, FRAME_SIZE);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, act.restorer, true);
    const uc = UC_OFFSET;
    v.setBigUint64(uc, BigInt(UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS), true);
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
  // fpu__restore_sig: check_xstate_in_sigframe decides between XRSTOR and the fxsave-only form.
  const mm = t.process.mm;
  const buf = Number(fpstate);
  let ok: boolean;
  try {
    const legacy = mm.read(buf, FXSAVE_SIZE);
    const sw = new DataView(legacy.buffer, legacy.byteOffset + 464, 48);
    const xstateSize = sw.getUint32(16, true);
    let xsave = sw.getUint32(0, true) === FP_XSTATE_MAGIC1 && xstateSize >= FXSAVE_SIZE + 64 &&
      xstateSize <= XSTATE_SIZE && xstateSize <= sw.getUint32(4, true);
    if (xsave) xsave = new DataView(mm.read(buf + xstateSize, 4).buffer).getUint32(0, true) === FP_XSTATE_MAGIC2;
    if (xsave) {
      // XRSTOR of the features the frame names; the rest of XCR0 is initialised (init_bv).
      const xrestore = sw.getBigUint64(8, true) & XCR0;
      ok = xrstorImage(c, mm.read(buf, XSTATE_SIZE), xrestore);
      if (ok && XCR0 & ~xrestore) xrstorImage(c, initArea(), XCR0 & ~xrestore);
    } else {
      ok = fxrstorImage(c, legacy);
    }
  } catch {
    resetFpu(c);
    return false;
  }
  if (!ok) { resetFpu(c); return false; }
  return true;
}

/** init_fpstate as an XSAVE area: XSTATE_BV = 0, so XRSTOR initialises what it is asked for. */
function initArea(): Uint8Array {
  const b = new Uint8Array(XSTATE_SIZE);
  new DataView(b.buffer).setUint32(24, MXCSR_DEFAULT, true);
  return b;
}
