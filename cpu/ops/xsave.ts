// The XSAVE family as user mode sees it (SDM vol. 1 ch. 13, vol. 2 XSAVE, XSAVEOPT, XSAVEC,
// XRSTOR, XGETBV): XCR0 enables state components 0 (x87) and 1 (SSE) only, so an XSAVE area is
// the 512-byte FXSAVE-layout legacy region plus the 64-byte header (576 bytes), in the standard
// and the compacted form alike (CPUID leaf 0xD in cpu/ops/cpuid.ts says so).
//
//   legacy region   +0..23 x87 control, +24 MXCSR, +28 MXCSR_MASK, +32 ST(0..7), +160 xmm0..15
//                   (the same bytes as FXSAVE: cpu/ops/x87_ctl.ts stores and loads them)
//   header          +512 XSTATE_BV  +520 XCOMP_BV (bit 63: compacted form)  +528..575 reserved
//
// XINUSE (which components are not in their initial configuration) follows the register
// contents: x87 is in use unless FCW = 0x37F, FSW = 0, all tags empty, FOP = FIP = FDP = 0 and
// every data register is 0; SSE is in use when any xmm register is non-zero. The SDM lets a CPU
// report a component in use when it is not; the AMD host sets x87's bit on most x87
// instructions and SSE's on any xmm load (docs/quirks.md). As on the host, an MXCSR other than
// 0x1F80 counts as SSE state for XSAVEC and XGETBV(1) but not for XSAVE/XSAVEOPT's XSTATE_BV.
//
// XSETBV, XSAVES and XRSTORS are privileged: #GP in ring 3 (SIGSEGV).

import { STATE, XMM0, ST0, MXCSR, FPU_CW, FPU_SW, FPU_TW, FPU_TOP, FPU_FOP, FPU_IP, FPU_DP } from '../shared/layout';
import { EXIT_GP } from '../shared/exit';
import { d_addr } from '../decode/decoder';
import { exiting, raiseFault, reg32, setReg32, R_AX, R_CX, R_DX } from '../state';
import { read32, read64, write64, probeWrite, probeRead } from '../mmu/access';
import { fpuInit, updateES } from './x87';
import {
  storeX87Image, storeMxcsrImage, storeXmmImage, loadX87Image, loadXmmImage, MXCSR_MASK,
} from './x87_ctl';

/** The state components XCR0 enables: x87 | SSE (AVX and later are absent, issue #3). */
export const XCR0: u32 = 3;
/** Bytes of an XSAVE area for XCR0, standard or compacted: legacy region + header. */
export const XSAVE_SIZE: i32 = 576;
const HEADER: u64 = 512;
const MXCSR_INIT: u32 = 0x1f80;
const COMPACTED: u64 = 0x8000000000000000;

/** XINUSE[0]: the x87 state differs from the one XRSTOR's initialisation gives. */
function x87InUse(): bool {
  if (load<u32>(STATE + FPU_CW) != 0x37f || load<u32>(STATE + FPU_SW) != 0 || load<i32>(STATE + FPU_TOP) != 0) return true;
  if (load<u32>(STATE + FPU_TW) != 0 || load<u32>(STATE + FPU_FOP) != 0) return true;
  if ((load<u64>(STATE + FPU_IP) | load<u64>(STATE + FPU_DP)) != 0) return true;
  for (let p = 0; p < 8; p++) {
    const r = <usize>STATE + <usize>ST0 + (<usize>p << 4);
    if (load<u64>(r) != 0 || load<u16>(r, 8) != 0) return true;
  }
  return false;
}
/** XINUSE[1]: some xmm register is not zero. */
function xmmInUse(): bool {
  for (let i = 0; i < 16; i++) {
    const x = <usize>STATE + <usize>XMM0 + (<usize>i << 4);
    if ((load<u64>(x) | load<u64>(x, 8)) != 0) return true;
  }
  return false;
}
/** SSE in use as XSAVEC and XGETBV(1) report it: xmm registers or MXCSR changed. */
@inline function sseInUse(): bool { return xmmInUse() || load<u32>(STATE + MXCSR) != MXCSR_INIT; }

/** The x87 part of XRSTOR's initialisation: FNINIT's state with every data register zero. */
function x87Init(): void {
  fpuInit();
  for (let p = 0; p < 8; p++) {
    const r = <usize>STATE + <usize>ST0 + (<usize>p << 4);
    store<u64>(r, 0); store<u64>(r, 0, 8);
  }
}
function xmmInit(): void {
  for (let i = 0; i < 16; i++) {
    const x = <usize>STATE + <usize>XMM0 + (<usize>i << 4);
    store<u64>(x, 0); store<u64>(x, 0, 8);
  }
}

/** RFBM: the requested-feature bitmap EDX:EAX restricted to XCR0. */
@inline function rfbm(): u32 { return reg32(R_AX) & XCR0; }

/**
 * Alignment (#GP) and writability of the whole area, before anything is stored. The fault
 * address is the host's: the first byte is checked first, then the header's last byte.
 */
function saveArea(a: u64): bool {
  if (a & 63) { raiseFault(EXIT_GP, 0); return false; }
  return probeWrite(a, 1) && probeWrite(a + <u64>(XSAVE_SIZE - 1), 1) && probeWrite(a, XSAVE_SIZE);
}

/**
 * NP 0F AE /4 XSAVE and /6 XSAVEOPT (REX.W: the 64-bit FIP/FDP format). XSAVE stores every
 * requested component; XSAVEOPT skips those in their initial configuration (its other
 * optimisation, skipping state unmodified since an XRSTOR from the same area, is optional and not
 * used). Only XSTATE_BV's requested bits change in the header; MXCSR is stored with SSE.
 */
export function opXsave(opt: i32): void {
  const a = d_addr;
  if (!saveArea(a)) return;
  const m = rfbm();
  const x87 = x87InUse(), xmm = xmmInUse();
  if ((m & 1) && (!opt || x87)) storeX87Image(a);
  if (m & 2) {
    storeMxcsrImage(a);
    if (!opt || xmm) storeXmmImage(a);
  }
  const inuse: u64 = (x87 ? 1 : 0) | (xmm ? 2 : 0);
  const bv = read64(a + HEADER);
  if (exiting) return;
  write64(a + HEADER, (bv & ~<u64>m) | (inuse & <u64>m));
}

/**
 * NP 0F C7 /4 XSAVEC: the compacted form. Only components in use are stored (an MXCSR other
 * than 0x1F80 puts SSE in use); XSTATE_BV is what was stored and XCOMP_BV bit 63 | RFBM. The
 * rest of the header is not written (checked against the host).
 */
export function opXsavec(): void {
  const a = d_addr;
  if (!saveArea(a)) return;
  const m = rfbm();
  let bv: u32 = 0;
  if ((m & 1) && x87InUse()) { storeX87Image(a); bv |= 1; }
  if ((m & 2) && sseInUse()) { storeMxcsrImage(a); storeXmmImage(a); bv |= 2; }
  write64(a + HEADER, <u64>bv);
  write64(a + HEADER + 8, COMPACTED | <u64>m);
}

/**
 * NP 0F AE /5 XRSTOR. The header chooses the form (XCOMP_BV bit 63). #GP, with nothing loaded,
 * for: a misaligned area; standard form — XSTATE_BV bits outside XCR0, header bytes 8..23 not
 * zero, or (SSE requested) an MXCSR with reserved bits; compacted form — XCOMP_BV bits outside
 * XCR0, XSTATE_BV bits outside XCOMP_BV, header bytes 16..63 not zero, or (SSE requested and
 * present) a bad MXCSR. A requested component absent from XSTATE_BV is initialised; in the
 * standard form MXCSR is still loaded, in the compacted form it becomes 0x1F80.
 */
export function opXrstor(): void {
  const a = d_addr;
  if (a & 63) { raiseFault(EXIT_GP, 0); return; }
  // fault addresses as the host reports them: the first byte, then the header's, then the rest
  if (!probeRead(a, 1) || !probeRead(a + HEADER, 64) || !probeRead(a, XSAVE_SIZE)) return;
  const m = <u64>rfbm();
  const bv = read64(a + HEADER), comp = read64(a + HEADER + 8);
  const compacted = (comp & COMPACTED) != 0;
  let loadMxcsr = false;
  if (compacted) {
    const comps = comp & ~COMPACTED;
    if ((comps & ~<u64>XCR0) != 0 || (bv & ~comps) != 0) { raiseFault(EXIT_GP, 0); return; }
    for (let o: u64 = 16; o < 64; o += 8) if (read64(a + HEADER + o) != 0) { raiseFault(EXIT_GP, 0); return; }
    loadMxcsr = (m & 2) != 0 && (bv & 2) != 0;
  } else {
    if ((bv & ~<u64>XCR0) != 0 || comp != 0 || read64(a + HEADER + 16) != 0) { raiseFault(EXIT_GP, 0); return; }
    loadMxcsr = (m & 2) != 0;
  }
  const mx = read32(a + 24);
  if (loadMxcsr && (mx & ~MXCSR_MASK) != 0) { raiseFault(EXIT_GP, 0); return; }
  if (m & 1) {
    if (bv & 1) loadX87Image(a); else x87Init();
    updateES();
  }
  if (m & 2) {
    if (bv & 2) loadXmmImage(a); else xmmInit();
    store<u32>(STATE + MXCSR, loadMxcsr ? mx : MXCSR_INIT);
  }
}

/** 0F 01 D0 XGETBV: ECX = 0 gives XCR0, ECX = 1 XCR0 & XINUSE; any other ECX is #GP. */
export function opXgetbv(): void {
  const n = reg32(R_CX);
  let v: u32;
  if (n == 0) v = XCR0;
  else if (n == 1) v = XCR0 & ((x87InUse() ? 1 : 0) | (sseInUse() ? 2 : 0));
  else { raiseFault(EXIT_GP, 0); return; }
  setReg32(R_AX, v);
  setReg32(R_DX, 0);
}
