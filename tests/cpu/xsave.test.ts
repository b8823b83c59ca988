// The XSAVE family against the host CPU (SDM vol. 1 ch. 13): XSAVE, XSAVEOPT, XSAVEC (with and
// without REX.W) and XRSTOR in both forms with random x87/SSE state, requested-feature bitmaps,
// headers (bad XSTATE_BV/XCOMP_BV bits, reserved bytes), MXCSR values and alignment; XGETBV 0/1;
// the privileged XSETBV/XSAVES/XRSTORS; CLFLUSH; faults on read-only and unmapped pages.
//
// The host (AMD Zen 4) has AVX state that wasl lacks, so only components 0 and 1 are compared:
// EDX:EAX never request bits the host's XCR0 has beyond them (2, 5, 6, 7), headers never name
// them, and XGETBV's result is masked to x87|SSE. XINUSE is model-specific (docs/quirks.md): the
// host marks x87 in use after the harness's FXRSTOR and SSE after any xmm load, wasl by contents;
// so a case either starts from non-initial x87 and xmm contents or first runs an XRSTOR of a
// chosen XSTATE_BV (which both sides track alike) — the "init" prefix below.
// Reproduce with WASL_SEED=<seed>.

import { describe, test, expect } from 'vitest';
import * as O from './oracle';

const SKIP = O.nativeAvailable();
const D = O.DATA_ADDR;
const seed = O.testSeed();
/** Cases per form (three save forms share the first test, so it runs 3 N). */
const N = Number(process.env.WASL_XSAVE_CASES ?? 800);
/** EAX/EDX bits outside both CPUs' XCR0 (host: 0xE7, wasl: 3): requested but ignored by both. */
const JUNK_EAX = 0xffffff18;
/** Header bits outside both XCR0s, for bad XSTATE_BV/XCOMP_BV. */
const BAD_BITS = [3n, 4n, 8n, 9n, 16n, 40n, 62n];
const SRC = 0x800; // the init prefix's image, in the data page

const putLE = (b: Uint8Array, o: number, v: bigint, n: number): void => {
  for (let i = 0; i < n; i++) b[o + i] = Number((v >> BigInt(8 * i)) & 0xffn);
};

/** A random 80-bit value that is not zero (so x87 state with it is never initial). */
const f80 = (r: O.Prng): bigint => ((BigInt(r.u32() & 0xffff) << 64n) | r.u64()) || 1n;

/** A random legacy region at `o`: x87 part with the pointers 0 (AMD stores them only with ES). */
function legacy(r: O.Prng, b: Uint8Array, o: number, mxcsr: number): void {
  r.bytes(b, o, o + 512);
  putLE(b, o + 0, BigInt((r.u32() & 0x1f3f) | 0x40), 2);
  putLE(b, o + 2, BigInt(r.u32() & 0xffff), 2);
  putLE(b, o + 4, BigInt(r.u32() & 0xff), 2);
  putLE(b, o + 6, 0n, 18);
  putLE(b, o + 24, BigInt(mxcsr), 4);
  for (let i = 0; i < 8; i++) putLE(b, o + 32 + 16 * i + 10, 0n, 6);
}

function randomMxcsr(r: O.Prng): number {
  return r.int(4) === 0 ? 0x1f80 : r.u32() & 0xffff; // MXCSR_MASK 0xFFFF: no reserved bit
}

/** A header at `o`: XSTATE_BV from `bv`, the form, and sometimes one bad bit or reserved byte. */
function header(r: O.Prng, b: Uint8Array, o: number, bv: bigint, compacted: boolean, bad: boolean): void {
  b.fill(0, o + 512, o + 576);
  let comp = compacted ? (1n << 63n) | BigInt(r.int(4)) | bv : 0n;
  if (bad) {
    switch (r.int(4)) {
      case 0: bv |= 1n << r.pick(BAD_BITS); break;
      case 1: if (compacted) comp |= 1n << r.pick(BAD_BITS); else comp = BigInt(r.int(4)) || 1n; break;
      case 2: if (compacted) bv |= ~comp & 3n || 1n << 3n; else b[o + 512 + 16 + r.int(8)] = 1 + r.int(255); break;
      default: b[o + 512 + 16 + r.int(48)] = 1 + r.int(255); break; // standard: bytes 24..63 are not checked
    }
  }
  putLE(b, o + 512, bv, 8);
  putLE(b, o + 520, comp, 8);
}

/** Machine-code helpers: [rdi]/[rsi] ModRM with a digit, optional REX.W. */
const modrm = (digit: number, base: 'rdi' | 'rsi'): number => (digit << 3) | (base === 'rdi' ? 7 : 6);
const XRSTOR64_RSI = [0x48, 0x0f, 0xae, modrm(5, 'rsi')];
const MOV_EAX_EBX = [0x89, 0xd8];
const SAVES: Record<string, number[]> = {
  xsave: [0x0f, 0xae, modrm(4, 'rdi')], xsaveopt: [0x0f, 0xae, modrm(6, 'rdi')], xsavec: [0x0f, 0xc7, modrm(4, 'rdi')],
};

function baseState(r: O.Prng): O.CpuState {
  const values = Array.from({ length: 1 + r.int(8) }, () => f80(r));
  const s = O.makeState({ mxcsr: randomMxcsr(r), x87: O.x87With(values, (r.u32() & 0x1f3f) | 0x40) });
  s.x87!.fcw |= 0x3f; // masked: no x87 instruction runs anyway
  r.bytes(s.xmm);
  s.xmm[r.int(256)] |= 1; // never all zero (see the top of the file)
  return s;
}

/** The init prefix: XRSTOR64 from SRC with XSTATE_BV `bv` (a valid standard header). */
function initPrefix(r: O.Prng, data: Uint8Array, s: O.CpuState, bv: bigint): number[] {
  legacy(r, data, SRC, randomMxcsr(r));
  data[SRC + 160 + r.int(256)] |= 1;     // loaded xmm contents are never all zero
  data[SRC + 32 + r.int(8) * 16] |= 1;    // nor the x87 registers
  header(r, data, SRC, bv, false, false);
  s.gpr[O.RSI] = D + BigInt(SRC);
  return XRSTOR64_RSI;
}

/** What differs by vendor in a saved legacy region at `o` (only if the host wrote it). */
function adjustImage(res: O.Result, o: number, before: Uint8Array): void {
  if (!res.data) return;
  // MXCSR_MASK: AMD 0x2FFFF (its misaligned-SSE bit), wasl Intel's 0xFFFF (docs/quirks.md)
  if (res.data[o + 30] === 2 && before[o + 30] !== 2) res.data[o + 30] = 0;
  // FCS/FDS in the 32-bit pointer format: the host stores selectors, wasl 0 (FCS/FDS deprecated)
  for (const k of [12, 13, 20, 21]) if (res.data[o + k] !== before[o + k]) res.data[o + k] = 0;
}

describe.skipIf(SKIP !== null)('XSAVE family vs the host CPU', () => {
  // A context switch between two of a case's instructions makes the host kernel XSAVES and
  // XRSTORS the state, and the host may come back with a component marked in use that the
  // case's XRSTOR had initialised (seen about once in 30,000 cases in the long run). Such a
  // case is run again: only a difference that repeats is a failure.
  const run = (cases: O.Case[]): void => {
    let fails = O.check(cases, { limit: 1000 });
    for (let round = 0; round < 2 && fails.length; round++) {
      const again = O.check(fails.map((f) => f.case), { limit: 1000 });
      fails = again.map((f) => ({ ...f, index: fails[f.index].index }));
    }
    expect(fails.length, O.formatFailures(fails.slice(0, 8), `seed ${seed}: `)).toBe(0);
  };

  test('XSAVE, XSAVEOPT, XSAVEC: components stored, XSTATE_BV/XCOMP_BV, init optimisation, alignment', () => {
    const r = new O.Prng(seed + 1n);
    const cases: O.Case[] = [];
    for (let k = 0; k < 3 * N; k++) {
      const name = r.pick(Object.keys(SAVES));
      const rexw = r.bool();
      const s = baseState(r);
      const data = new Uint8Array(O.PAGE_SIZE);
      r.bytes(data);
      let off = 64 * r.int(16);
      if (r.int(10) === 0) off += r.pick([8, 16, 32, 48]);      // misaligned: #GP
      // a pattern where vendors differ (FCS, FDS, MXCSR_MASK), so adjustImage sees what the host wrote
      for (const k2 of [12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31]) data[off + k2] = 0xaa;
      let code: number[] = [];
      if (r.int(3) === 0) code = [...initPrefix(r, data, s, BigInt(r.int(4))), ...MOV_EAX_EBX];
      const rfbm = r.int(4), junk = r.u32() & JUNK_EAX;
      s.gpr[O.RAX] = 3n;                                          // the prefix restores both
      s.gpr[O.RBX] = BigInt((rfbm | junk) >>> 0);
      if (!code.length) s.gpr[O.RAX] = BigInt((rfbm | junk) >>> 0);
      s.gpr[O.RDX] = BigInt(r.u32());
      s.gpr[O.RDI] = D + BigInt(off);
      code.push(...(rexw ? [0x48] : []), ...SAVES[name]);
      const before = data.slice();
      cases.push({
        code: new Uint8Array(code), state: s, data,
        note: `${rexw ? 'rex.w ' : ''}${name} rfbm ${rfbm} at +${off.toString(16)}`,
        adjustNative: (res) => adjustImage(res, off, before),
      });
    }
    run(cases);
  });

  test('XRSTOR: standard and compacted forms, RFBM, XSTATE_BV init, MXCSR, bad headers (#GP)', () => {
    const r = new O.Prng(seed + 2n);
    const cases: O.Case[] = [];
    for (let k = 0; k < N; k++) {
      const rexw = r.bool();
      const s = baseState(r);
      const data = new Uint8Array(O.PAGE_SIZE);
      r.bytes(data);
      let off = 64 * r.int(8);
      if (r.int(12) === 0) off += r.pick([8, 16, 32]);
      // sometimes a reserved bit (not 17: AMD's misaligned-exception mask, which the host accepts)
      const mx = randomMxcsr(r) | (r.int(8) === 0 ? 1 << r.pick([16, 18, 19, 24, 31]) : 0);
      legacy(r, data, off, mx);
      header(r, data, off, BigInt(r.int(4)), r.bool(), r.int(5) === 0);
      s.gpr[O.RAX] = BigInt(((r.int(4) | (r.u32() & JUNK_EAX)) >>> 0));
      s.gpr[O.RDX] = BigInt(r.u32());
      s.gpr[O.RDI] = D + BigInt(off);
      // then FXSAVE64 of the result at +0xA00 (every ST slot, empty ones too: XRSTOR's init zeroes them)
      const dst = Number(D) + 0xa00; // FXSAVE64 [disp32]: ModRM 04, SIB 25
      const code = [...(rexw ? [0x48] : []), 0x0f, 0xae, modrm(5, 'rdi'),
        0x48, 0x0f, 0xae, 0x04, 0x25, dst & 0xff, (dst >> 8) & 0xff, (dst >> 16) & 0xff, (dst >>> 24) & 0xff];
      for (let k2 = 12; k2 < 32; k2++) data[0xa00 + k2] = 0xaa;
      const before = data.slice();
      cases.push({
        code: new Uint8Array(code), state: s, data,
        note: `${rexw ? 'rex.w ' : ''}xrstor rfbm ${s.gpr[O.RAX] & 3n} at +${off.toString(16)}`,
        adjustNative: (res) => adjustImage(res, 0xa00, before),
      });
    }
    run(cases);
  });

  test('XGETBV (ECX 0, 1, other: #GP); XSETBV, XSAVES, XRSTORS #GP; LOCK #UD; CLFLUSH', () => {
    const r = new O.Prng(seed + 3n);
    const cases: O.Case[] = [];
    for (let k = 0; k < N; k++) {
      const s = baseState(r);
      const data = new Uint8Array(O.PAGE_SIZE);
      r.bytes(data);
      let code: number[] = [];
      let note: string;
      let adjust: ((res: O.Result) => void) | undefined;
      const which = r.int(6);
      if (which <= 1) {
        if (r.bool()) code = [...initPrefix(r, data, s, BigInt(r.int(4)))];
        s.gpr[O.RAX] = 3n;
        const ecx = r.int(5) === 0 ? r.u32() : r.int(2);
        code.push(0xb9, ecx & 0xff, (ecx >>> 8) & 0xff, (ecx >>> 16) & 0xff, ecx >>> 24, 0x0f, 0x01, 0xd0);
        note = `xgetbv ecx=${ecx.toString(16)}`;
        // the host's AVX components are not wasl's: compare x87|SSE only
        adjust = (res) => { if (res.signal === O.SIGTRAP) res.gpr[O.RAX] &= 3n; };
      } else if (which === 2) {
        code = [...r.pick([[0x0f, 0x01, 0xd1], [0x48, 0x0f, 0xc7, modrm(5, 'rdi')], [0x48, 0x0f, 0xc7, modrm(3, 'rdi')],
          [0xf0, 0x0f, 0xae, modrm(4, 'rdi')], [0xf0, 0x0f, 0xc7, modrm(4, 'rdi')], [0x66, 0x0f, 0xae, modrm(4, 'rdi')]])];
        s.gpr[O.RAX] = 3n;
        note = 'privileged or bad prefix';
      } else {
        code = [0x0f, 0xae, modrm(7, 'rdi')];
        note = 'clflush';
      }
      const where = r.int(4);
      s.gpr[O.RDI] = where === 0 ? D - 64n : where === 1 ? D + 0x1000n : D + BigInt(r.int(4096));
      s.gpr[O.RCX] = 0n;
      cases.push({ code: new Uint8Array(code), state: s, data, note, adjustNative: adjust, dataReadOnly: r.bool() });
    }
    run(cases);
  });

  test('faults: an area crossing into an unmapped page, starting below the data page, or read-only', () => {
    const r = new O.Prng(seed + 4n);
    const cases: O.Case[] = [];
    for (let k = 0; k < N; k++) {
      const s = baseState(r);
      const data = new Uint8Array(O.PAGE_SIZE);
      r.bytes(data);
      const restore = r.int(3) === 0;
      const readOnly = r.int(3) === 0;
      let off = readOnly ? 64 * r.int(40) : 0x1000 - 64 * (1 + r.int(9));
      if (!readOnly && r.int(4) === 0) off = -64 * (1 + r.int(9));
      if (restore && off >= 0 && off + 576 <= 0x1000) { legacy(r, data, off, 0x1f80); header(r, data, off, 3n, false, false); }
      s.gpr[O.RAX] = BigInt(r.int(4));
      s.gpr[O.RDI] = D + BigInt(off);
      const name = r.pick(Object.keys(SAVES));
      const code = restore ? [0x48, 0x0f, 0xae, modrm(5, 'rdi')] : [0x48, ...SAVES[name]];
      if (off >= 0 && off + 576 <= 0x1000) for (let k2 = 28; k2 < 32; k2++) data[off + k2] = 0xaa;
      const before = data.slice();
      cases.push({
        adjustNative: (res) => { if (off >= 0 && off + 576 <= 0x1000) adjustImage(res, off, before); },
        code: new Uint8Array(code), state: s, data, dataReadOnly: readOnly,
        note: `${restore ? 'xrstor' : name} at ${off < 0 ? '-' : '+'}${Math.abs(off).toString(16)}${readOnly ? ' read-only' : ''}`,
      });
    }
    run(cases);
  });
});
