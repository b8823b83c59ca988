// CPUID (SDM vol. 2 "CPUID"): reports exactly the features the core implements, so libc and Go
// feature dispatch (glibc's IFUNCs, Go's internal/cpu) only choose code paths wasl can run.
// Whoever implements an instruction-set extension sets its bit here, in the same commit.
//
// Identity: "GenuineIntel", family 6 — glibc's Intel path reads cache geometry from leaf 4,
// which we answer with a fixed, plausible hierarchy (32 KiB L1d, 1 MiB L2, 32 MiB L3).

import { setReg32 } from '../state';
import { XCR0, XSAVE_SIZE } from './xsave';
import { R_AX, R_BX, R_CX, R_DX } from '../state';

// Leaf 1 EDX
const FEAT_FPU = 1 << 0;     // x87 with 80-bit precision (cpu/ops/x87*.ts)
const FEAT_TSC = 1 << 4;     // RDTSC
const FEAT_CX8 = 1 << 8;     // CMPXCHG8B
const FEAT_CMOV = 1 << 15;   // CMOVcc (and FCMOVcc, FCOMI)
const FEAT_MMX = 1 << 23;    // cpu/ops/mmx.ts
const FEAT_FXSR = 1 << 24;   // FXSAVE/FXRSTOR
const FEAT_SSE = 1 << 25;    // cpu/ops/sse_*.ts
const FEAT_SSE2 = 1 << 26;
// Leaf 80000001h
const EXT_LAHF = 1 << 0;     // ECX: LAHF/SAHF in 64-bit mode
const EXT_SYSCALL = 1 << 11; // EDX: SYSCALL/SYSRET
const EXT_NX = 1 << 20;      // EDX: no-execute pages
const EXT_LM = 1 << 29;      // EDX: long mode
/** Leaf 80000001h ECX and EDX. */
const EXT81_ECX: u32 = EXT_LAHF;
const EXT81_EDX: u32 = EXT_SYSCALL | EXT_NX | EXT_LM;

/** Leaf 1 EDX: what is implemented. */
const LEAF1_EDX: u32 = FEAT_FPU | FEAT_TSC | FEAT_CX8 | FEAT_CMOV | FEAT_MMX | FEAT_FXSR | FEAT_SSE | FEAT_SSE2;
const FEAT7_ZERO_FCS_FDS = 1 << 13; // FCS/FDS deprecated: how FNSTENV/FNSAVE/FXSAVE behave
/** Leaf 7 EBX. */
const LEAF7_EBX: u32 = FEAT7_ZERO_FCS_FDS;
// Leaf 1 ECX (general-purpose extensions, proven against the host in tests/cpu/gpr.test.ts)
const FEAT_SSE3 = 1 << 0;     // cpu/ops/sse3.ts ("pni")
const FEAT_SSSE3 = 1 << 9;    // cpu/ops/ssse3.ts
const FEAT_CX16 = 1 << 13;    // CMPXCHG16B
const FEAT_SSE41 = 1 << 19;   // cpu/ops/sse41.ts, sse41_fp.ts
const FEAT_SSE42 = 1 << 20;   // cpu/ops/sse42.ts (and PCMPGTQ in sse41.ts)
const FEAT_MOVBE = 1 << 22;
const FEAT_POPCNT = 1 << 23;
const FEAT_XSAVE = 1 << 26;   // cpu/ops/xsave.ts: XSAVE XRSTOR XGETBV, XCR0 = x87 + SSE
const FEAT_OSXSAVE = 1 << 27; // "the OS has set CR4.OSXSAVE": Linux does on every XSAVE CPU
/** Leaf 1 ECX: each SIMD extension once complete and proven (tests/cpu/sse4.test.ts). */
const LEAF1_ECX: u32 = FEAT_SSE3 | FEAT_SSSE3 | FEAT_CX16 | FEAT_SSE41 | FEAT_SSE42 | FEAT_MOVBE | FEAT_POPCNT |
  FEAT_XSAVE | FEAT_OSXSAVE;

const D1_XSAVEOPT = 1 << 0; // XSAVEOPT (cpu/ops/xsave.ts)
const D1_XSAVEC = 1 << 1;   // XSAVEC, the compacted form
const D1_XGETBV1 = 1 << 2; // XGETBV with ECX = 1 (XINUSE)
/** Leaf 0xD sub-leaf 1 EAX (no XSAVES: bit 3). */
const XSAVE_D1_EAX: u32 = D1_XSAVEOPT | D1_XSAVEC | D1_XGETBV1;

@inline function out(a: u32, b: u32, c: u32, d: u32): void {
  setReg32(R_AX, a); setReg32(R_BX, b); setReg32(R_CX, c); setReg32(R_DX, d);
}

@inline function str4(s0: u32, s1: u32, s2: u32, s3: u32): u32 { return s0 | (s1 << 8) | (s2 << 16) | (s3 << 24); }

export function cpuid(leaf: u32, sub: u32): void {
  switch (leaf) {
    case 0: // max basic leaf, vendor in EBX EDX ECX
      out(0xd, str4(0x47, 0x65, 0x6e, 0x75), str4(0x6e, 0x74, 0x65, 0x6c), str4(0x69, 0x6e, 0x65, 0x49));
      return;
    case 1: // family 6 model 0x55 stepping 7; EBX: CLFLUSH line 8*8 bytes, 1 logical CPU, APIC id 0
      out(0x00050657, (8 << 8) | (1 << 16), LEAF1_ECX, LEAF1_EDX);
      return;
    case 2: // 0xFF descriptor: "no descriptors, use leaf 4"
      out(0x00ff0001, 0, 0, 0);
      return;
    case 7: // structured extended features: EBX[13] — x87 FCS/FDS are deprecated (stored as 0)
      if (sub == 0) out(0, LEAF7_EBX, 0, 0); else out(0, 0, 0, 0);
      return;
    case 0xd: // processor extended state (SDM vol. 1 §13.2): components 0 and 1 only
      // sub-leaf 0: XCR0's supported bits, the area size for XCR0 as enabled and at most;
      // sub-leaf 1: XSAVEOPT (bit 0), XSAVEC (1), XGETBV with ECX = 1 (2) — no XSAVES (3).
      // Sub-leaves 2 and up describe components wasl does not have: zeros.
      if (sub == 0) out(XCR0, XSAVE_SIZE, XSAVE_SIZE, 0);
      else if (sub == 1) out(XSAVE_D1_EAX, XSAVE_SIZE, 0, 0);
      else out(0, 0, 0, 0);
      return;
    case 4: { // deterministic cache parameters: EAX type/level, EBX ways/partitions/line, ECX sets
      // EBX = (ways-1) << 22 | (partitions-1) << 12 | (line-1); size = ways*partitions*line*sets
      if (sub == 0) out(0x121, (7 << 22) | 63, 63, 0);              // L1d 8-way, 64 sets: 32 KiB
      else if (sub == 1) out(0x122, (7 << 22) | 63, 63, 0);         // L1i 32 KiB
      else if (sub == 2) out(0x143, (15 << 22) | 63, 1023, 0);      // L2 16-way, 1024 sets: 1 MiB
      else if (sub == 3) out(0x163, (15 << 22) | 63, 32767, 2);     // L3 16-way, 32768 sets: 32 MiB, inclusive
      else out(0, 0, 0, 0);
      return;
    }
    case 0x80000000:
      out(0x80000008, 0, 0, 0);
      return;
    case 0x80000001:
      out(0, 0, EXT81_ECX, EXT81_EDX);
      return;
    case 0x80000002: // brand string "wasl x86-64 interpreter" in 48 bytes
      out(str4(0x77, 0x61, 0x73, 0x6c), str4(0x20, 0x78, 0x38, 0x36), str4(0x2d, 0x36, 0x34, 0x20), str4(0x69, 0x6e, 0x74, 0x65));
      return;
    case 0x80000003:
      out(str4(0x72, 0x70, 0x72, 0x65), str4(0x74, 0x65, 0x72, 0), 0, 0);
      return;
    case 0x80000004:
      out(0, 0, 0, 0);
      return;
    case 0x80000008: // 39-bit physical, 48-bit virtual addresses
      out(0x3027, 0, 0, 0);
      return;
    default: // leaves past the maximum: Intel returns the highest basic leaf's data; zeros are safer
      out(0, 0, 0, 0);
  }
}
