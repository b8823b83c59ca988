// The interpreter's runs of fast forms (cpu/decode/runs.ts) against the host CPU: random straight-
// line sequences of the fast forms (ALU reg/reg, reg/imm and reg/[mem] with all eight operations,
// TEST, shifts and rotates by an immediate or 1, MOV, MOV imm, LEA, loads and stores, Jcc or JMP
// over the next instruction; in byte, word, dword and qword sizes; CMP/TEST with memory, movzx,
// movsx, movsxd, INC/DEC, NOT/NEG, CMOVcc, op AL/eAX with an immediate, INC/DEC of memory; and
// instructions that are not fast forms, which end a run through dispatch(): SETcc, XCHG, shifts
// by CL, SSE2 register forms), some with
// a load from an unmapped page in the middle, so that a fault inside a run must show the
// registers and flags exactly as the host leaves them (the liveness scan must not have skipped
// flags a fault can see). Each case runs three times in a row at the same address: the first
// decodes, the second records the runs from the decoded-instruction cache, the third executes
// them; a case with a load through rdi runs twice with rdi mapped (so the runs span the load)
// and then with rdi unmapped, the others the third time with other operands (so that Jccs
// recorded as not taken may be taken: a side exit). Reproduce a failure with WASL_SEED=<seed in the message>.

import { describe, test } from 'vitest';
import { Case, Prng, check, formatFailures, nativeAvailable, testSeed, makeState, AF, OF, DATA_ADDR, PAGE_SIZE } from './oracle.js';

const SKIP = nativeAvailable();
const SEED = testSeed();
const N = Number(process.env.WASL_CASES ?? 600);

// Registers the sequences use freely: not rsp, rsi (the data pointer) or rdi (the unmapped one).
const REGS = [0, 1, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 15];
const RSP = 4, RSI = 6, RDI = 7;

function rex(w: boolean, reg: number, rm: number): number[] {
  const b = (w ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
  return b ? [0x40 | b] : [];
}
const modrm = (mod: number, reg: number, rm: number): number => (mod << 6) | ((reg & 7) << 3) | (rm & 7);
function le(v: number, n: number): number[] { return Array.from({ length: n }, (_, i) => (v >>> (8 * i)) & 0xff); }

interface Insn { bytes: number[]; shift: boolean; flags?: boolean } // flags: sets all six

function insn(r: Prng): Insn {
  const w = r.bool();
  const a = r.pick(REGS), b = r.pick(REGS);
  const op = r.int(8);
  const disp = r.int(16) * 8; // inside the data page
  if (r.int(3) === 0) return insn2(r, w, a, b, op, disp);
  switch (r.int(12)) {
    case 0: case 1: return { bytes: [...rex(w, b, a), op * 8 + 1, modrm(3, b, a)], shift: false, flags: true }; // op a, b
    case 2: return { bytes: [...rex(w, 0, a), 0x83, modrm(3, op, a), r.int(256)], shift: false, flags: true }; // op a, imm8
    case 3: return { bytes: [...rex(w, 0, a), 0x81, modrm(3, op, a), ...le(r.u32(), 4)], shift: false, flags: true }; // op a, imm32
    case 4: return { bytes: [...rex(w, b, RSI), op * 8 + 3, modrm(1, b, RSI), disp], shift: false, flags: true }; // op b, [rsi+d]
    case 5: return { bytes: [...rex(w, b, a), 0x85, modrm(3, b, a)], shift: false, flags: true }; // test a, b
    case 6: return { bytes: [...rex(w, 0, a), 0xc1, modrm(3, op, a), r.pick([0, 1, 2, 7, 13, 31, 32, 63, r.int(256)])], shift: true };
    case 7: return { bytes: [...rex(w, 0, a), 0xd1, modrm(3, op, a)], shift: true };                      // shift/rotate by 1
    case 8: return { bytes: [...rex(w, b, a), r.bool() ? 0x89 : 0x8b, modrm(3, b, a)], shift: false };    // mov a, b
    case 9: return w ? { bytes: [0x48 | (a >> 3), 0xb8 + (a & 7), ...le(r.u32(), 4), ...le(r.u32(), 4)], shift: false }
      : { bytes: [...rex(false, 0, a), 0xb8 + (a & 7), ...le(r.u32(), 4)], shift: false };               // mov a, imm
    case 10: return { bytes: [...rex(w, b, RSI), 0x8d, modrm(1, b, RSI), disp], shift: false };          // lea b, [rsi+d]
    default: return { bytes: [...rex(w, b, RSI), r.bool() ? 0x89 : 0x8b, modrm(1, b, RSI), disp], shift: false }; // store/load
  }
}

/**
 * The byte and word forms, movzx/movsx/movsxd, CMP and TEST with a memory operand, INC/DEC.
 * Byte operands sometimes without a REX prefix, so that registers 4..7 are AH..BH (which the
 * fast forms leave to dispatch()).
 */
function insn2(r: Prng, w: boolean, a: number, b: number, op: number, disp: number): Insn {
  const rb = (reg: number, rm: number): number[] => {
    const x = rex(false, reg, rm);
    return x.length || r.bool() ? [x.length ? x[0] : 0x40] : [];
  };
  const sz = (): number[] => (r.int(3) === 0 ? [0x66] : []); // a word operand sometimes
  const cc = 2 + r.int(10); // CMOVcc/SETcc never read OF, which a shift may leave undefined
  switch (r.int(16)) {
    case 15: switch (r.int(5)) { // push/pop (rsp points into the data page), call to the next instruction
      case 0: case 1: return { bytes: [...rex(false, 0, a), 0x50 + (a & 7)], shift: false };
      case 2: case 3: return { bytes: [...rex(false, 0, a), 0x58 + (a & 7)], shift: false };
      default: return { bytes: [0xe8, 0, 0, 0, 0], shift: false };
    }
    // Not fast forms (but case 12 and CMOVcc): each ends its run, run through dispatch() (runs.ts):
    // SETcc, XCHG, shifts by CL, and SSE register forms.
    case 12: { // NOT/NEG (fast forms since session 6), byte registers sometimes AH..BH; NOT sets no flag
      const neg = r.bool();
      if (r.bool()) return { bytes: [...rb(0, a), 0xf6, modrm(3, neg ? 3 : 2, a)], shift: false, flags: neg };
      const p = sz();
      return { bytes: [...p, ...rex(!p.length && w, 0, a), 0xf7, modrm(3, neg ? 3 : 2, a)], shift: false, flags: neg };
    }
    case 13: return r.pick([
      (() => { const p = sz(); return { bytes: [...p, ...rex(!p.length && w, b, a), 0x0f, 0x40 + cc, modrm(3, b, a)], shift: false }; })(), // cmovcc (a fast form since session 7)
      { bytes: [...rb(0, a), 0x0f, 0x90 + cc, modrm(3, 0, a)], shift: false },
      { bytes: [...rex(w, b, a), 0x87, modrm(3, b, a)], shift: false },
      { bytes: [...rex(w, 0, a), 0xd3, modrm(3, r.pick([0, 1, 4, 5, 7]), a)], shift: true },
    ]);
    case 14: switch (r.int(4)) { // SSE2: the fast forms (session 6) and punpcklwd, which is not one
      case 0: return { bytes: [0x66, ...rex(false, b, a), 0x0f, r.pick([0xef, 0xeb, 0xfe, 0xd4, 0xfa, 0x6f, 0x7f, 0x61, 0xdb, 0xdf]), modrm(3, b, a)], shift: false }; // xmm a, xmm b
      case 1: { // psrld/psrad/pslld, psrlq/psllq xmm a, imm8 (counts past the width too)
        const q = r.bool();
        return { bytes: [0x66, ...rex(false, 0, a), 0x0f, q ? 0x73 : 0x72, modrm(3, q ? r.pick([2, 6]) : r.pick([2, 4, 6]), a), r.pick([0, 1, 3, 7, 13, 31, 32, 63, 64, r.int(256)])], shift: false };
      }
      case 2: return { bytes: [0xf3, ...rex(false, b, RSI), 0x0f, 0x7e, modrm(1, b, RSI), disp], shift: false }; // movq xmm b, [rsi+d]
      default: return { bytes: [0x66, ...rex(false, b, RSI), 0x0f, 0xd6, modrm(1, b, RSI), disp], shift: false }; // movq [rsi+d], xmm b
    }
    case 0: return { bytes: [...rb(b, a), op * 8 + r.pick([0, 2]), modrm(3, b, a)], shift: false, flags: true }; // op a8, b8
    case 1: { const p = sz(); return { bytes: [...p, ...rex(!p.length && w, b, a), op * 8 + r.pick([1, 3]), modrm(3, b, a)], shift: false, flags: true }; }
    case 2: switch (r.int(3)) {
      case 0: return { bytes: [...rb(0, a), 0x80, modrm(3, op, a), r.int(256)], shift: false, flags: true }; // op a8, imm8
      case 1: return { bytes: [...(r.bool() ? [0x40] : []), op * 8 + 4, r.int(256)], shift: false, flags: true }; // op al, imm8
      default: { // op ax/eax/rax, imm16/imm32 (fast forms since session 7)
        const p = sz();
        return { bytes: [...p, ...(!p.length && w ? [0x48] : []), op * 8 + 5, ...le(r.u32(), p.length ? 2 : 4)], shift: false, flags: true };
      }
    }
    case 3: { const p = sz(); return { bytes: [...p, ...rex(!p.length && w, b, RSI), r.pick([0x38, 0x39, 0x84, 0x85]), modrm(1, b, RSI), disp], shift: false, flags: true }; } // cmp/test [rsi+d], b
    case 4: return { bytes: [...rb(b, RSI), r.pick([0x3a, 0x02, 0x22, 0x32]), modrm(1, b, RSI), disp], shift: false, flags: true }; // op b8, [rsi+d]
    case 5: { const p = sz(); return { bytes: [...p, ...rex(!p.length && w, b, a), 0x0f, r.pick([0xb6, 0xb7, 0xbe, 0xbf]), modrm(3, b, a)], shift: false }; } // movzx/movsx b, a
    case 6: { const p = sz(); return { bytes: [...p, ...rex(!p.length && w, b, RSI), 0x0f, r.pick([0xb6, 0xb7, 0xbe, 0xbf]), modrm(1, b, RSI), disp], shift: false }; }
    case 7: return { bytes: [...rex(w, b, r.bool() ? a : RSI), 0x63, ...(r.bool() ? [modrm(3, b, a)] : [modrm(1, b, RSI), disp])], shift: false }; // movsxd
    case 8: { const p = r.int(3); return { bytes: p === 0 ? [...rb(0, a), 0xfe, modrm(3, r.int(2), a)] : [...(p === 1 ? [0x66] : []), ...rex(p === 2 && w, 0, a), 0xff, modrm(3, r.int(2), a)], shift: false, flags: true }; } // inc/dec
    case 9: return r.bool() ? { bytes: [...rb(0, a), 0xc0, modrm(3, op, a), r.pick([0, 1, 3, 7, 8, 9, 17, r.int(256)])], shift: true } // shift a8
      : { bytes: [...rb(0, a), 0xd0, modrm(3, op, a)], shift: true };
    case 10: if (r.bool()) { // inc/dec [rsi+d] (a fast form since session 7: a store)
      const p = r.int(4);
      return { bytes: p === 0 ? [0xfe, modrm(1, r.int(2), RSI), disp] : [...(p === 1 ? [0x66] : []), ...(p === 2 ? [0x48] : []), 0xff, modrm(1, r.int(2), RSI), disp], shift: false, flags: true };
    }
      return { bytes: [...rb(b, RSI), r.bool() ? 0x88 : 0x8a, modrm(1, b, RSI), disp], shift: false }; // byte store/load
    default: return r.bool() ? { bytes: [...rb(b, a), r.bool() ? 0x88 : 0x8a, modrm(3, b, a)], shift: false } // mov a8, b8
      : { bytes: [...rb(0, a), 0xb0 + (a & 7), r.int(256)], shift: false };
  }
}

/** A case, or for one with a load through rdi, [the same code with rdi mapped, with it unmapped]. */
function runCase(r: Prng): Case[] {
  const n = 2 + r.int(14);
  const code: number[] = [];
  let shifts = false;
  let ofUndefined = false; // after a shift or rotate by more than 1 (SDM): no Jcc may read OF
  const faultAt = r.int(4) === 0 ? r.int(n) : -1;
  for (let i = 0; i < n; i++) {
    if (i === faultAt) {
      const d = r.pick(REGS); // never rsp, which push/pop/call use
      const f = r.int(5);
      code.push(...(f === 0 ? [0xf3, ...rex(false, d, RDI), 0x0f, 0x7e, modrm(0, d, RDI)] // movq xmm, [rdi]
        : f === 1 ? [...rex(r.bool(), 0, RDI), 0xff, modrm(0, r.int(2), RDI)] // inc/dec [rdi]
        : [...rex(r.bool(), d, RDI), 0x8b, modrm(0, d, RDI)])); // mov reg, [rdi]
    }
    const x = insn(r);
    shifts ||= x.shift;
    // Sometimes a Jcc over this instruction (rel8 or rel32): taken, it leaves the run; or a JMP.
    const skippable = r.int(5) === 0;
    if (skippable) {
      const cc = ofUndefined ? 2 + r.int(10) : r.int(16); // 2..B: CF, ZF, SF, PF
      const j = r.int(4); // Jcc rel8, Jcc rel32, or JMP rel8/rel32 (always taken: the run's last)
      code.push(...(j === 0 ? [0x70 + cc, x.bytes.length] : j === 1 ? [0x0f, 0x80 + cc, ...le(x.bytes.length, 4)]
        : j === 2 ? [0xeb, x.bytes.length] : [0xe9, ...le(x.bytes.length, 4)]));
    }
    code.push(...x.bytes);
    if (x.shift) ofUndefined = true;
    else if (x.flags && !skippable) ofUndefined = false; // a skipped instruction defines nothing
  }
  const gpr = Array.from({ length: 16 }, () => r.operand(64));
  gpr[RSI] = DATA_ADDR;
  gpr[RDI] = DATA_ADDR + 0x800n;
  gpr[RSP] = DATA_ADDR + 0x400n;
  const data = new Uint8Array(PAGE_SIZE).map(() => r.int(256));
  // AF after logic and shifts, OF after shifts and rotates by more than 1: undefined (SDM).
  const xmm = new Uint8Array(256).map(() => r.int(256));
  const c: Case = { code: new Uint8Array(code), state: makeState({ gpr, rflags: r.flags(), xmm }), data, undefinedFlags: AF | (shifts ? OF : 0n), note: 'run' };
  if (faultAt >= 0) {
    const g = [...gpr];
    g[RDI] = 0x1000n; // never mapped
    return [c, { ...c, state: makeState({ gpr: g, rflags: c.state.rflags, xmm }), note: 'run, faulting inside' }];
  }
  // Or other operands, so that the Jccs may go the other way than when the runs were recorded.
  const g = Array.from({ length: 16 }, () => r.operand(64));
  g[RSI] = DATA_ADDR;
  g[RDI] = DATA_ADDR + 0x800n;
  g[RSP] = DATA_ADDR + 0x400n;
  return [c, { ...c, state: makeState({ gpr: g, rflags: r.flags(), xmm: new Uint8Array(256).map(() => r.int(256)) }), note: 'run, other operands' }];
}

describe('runs of fast forms vs the host CPU', () => {
  test.skipIf(SKIP !== null)(`random straight-line sequences, each run three times, faults inside runs${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
    const r = new Prng(SEED * 1000n + 31n);
    const cases = Array.from({ length: Math.ceil(N / 2) }, () => runCase(r)).flatMap(([c, f]) => [c, c, f]);
    const fails = check(cases, { limit: 8 });
    if (fails.length) throw new Error(formatFailures(fails, `runs: ${fails.length}+ of ${cases.length} cases differ (WASL_SEED=${SEED})\n`));
  });
});

// Session 7's fast forms (and session 9's op/test/mov [m], imm), dense: CMOVcc (all sizes, all sixteen conditions: every flag here is
// defined by the ALU forms), op AL/eAX with an immediate, INC/DEC of memory (a store; through
// rdi, sometimes unmapped), IMUL r, r (, imm), between ALU forms that set the flags and moves.
function newFormsCase(r: Prng): Case[] {
  const n = 3 + r.int(8);
  const code: number[] = [];
  let faults = false;
  for (let i = 0; i < n; i++) {
    const w = r.bool();
    const a = r.pick(REGS), b = r.pick(REGS);
    const p = r.int(4) === 0 ? [0x66] : [];
    switch (r.int(9)) {
      case 7: case 8: { // op [m], imm (all eight, CMP a load), test [m], imm, mov [m], imm (session 9), via [rsi+d] or [rdi]
        const viaRdi = r.int(4) === 0;
        faults ||= viaRdi;
        const f = r.int(4); // 0: 80/C6/F6 (byte), 1: 81/C7/F7 (imm16/32), 2: 83 (imm8, not for mov/test), 3: 64-bit 81/C7/F7
        const kind = r.int(3); // 0: op, 1: test, 2: mov
        const digit = kind === 0 ? r.int(8) : 0;
        const m = viaRdi ? [modrm(0, digit, RDI)] : [modrm(1, digit, RSI), r.int(16) * 8];
        const opc = kind === 0 ? [0x80, 0x81, 0x83, 0x81][f] : kind === 1 ? (f === 0 ? 0xf6 : 0xf7) : (f === 0 ? 0xc6 : 0xc7);
        const pre = f === 0 ? [] : f === 3 ? [0x48] : p;
        const immLen = f === 0 || (kind === 0 && f === 2) ? 1 : pre.length && pre[0] === 0x66 ? 2 : 4;
        code.push(...pre, opc, ...m, ...le(r.u32(), immLen));
        break;
      }
      case 6: { // imul b, a / imul b, a, imm8 / imm16/32 (SF ZF AF PF undefined: an ALU form follows)
        const f = r.int(3);
        code.push(...p, ...rex(!p.length && w, b, a), ...(f === 0 ? [0x0f, 0xaf, modrm(3, b, a)] : f === 1 ? [0x6b, modrm(3, b, a), r.int(256)] : [0x69, modrm(3, b, a), ...le(r.u32(), p.length ? 2 : 4)]));
        code.push(...rex(w, a, b), r.int(8) * 8 + 1, modrm(3, a, b));
        break;
      }
      case 0: code.push(...rex(w, b, a), r.int(8) * 8 + 1, modrm(3, b, a)); break; // op a, b: the flags
      case 1: case 2: code.push(...p, ...rex(!p.length && w, b, a), 0x0f, 0x40 + r.int(16), modrm(3, b, a)); break; // cmovcc b, a
      case 3: switch (r.int(3)) {
        case 0: code.push(r.int(8) * 8 + 4, r.int(256)); break; // op al, imm8
        case 1: code.push(...p, ...(!p.length && w ? [0x48] : []), r.int(8) * 8 + 5, ...le(r.u32(), p.length ? 2 : 4)); break; // op eax, imm
        default: { // 16-bit op r, imm8 / imm16
          const i8 = r.bool();
          code.push(0x66, ...rex(false, 0, a), i8 ? 0x83 : 0x81, modrm(3, r.int(8), a), ...le(r.u32(), i8 ? 1 : 2));
        }
      }
      break;
      case 4: { // inc/dec [rsi+d] or [rdi]
        const viaRdi = r.int(4) === 0;
        faults ||= viaRdi;
        const m = viaRdi ? [modrm(0, r.int(2), RDI)] : [modrm(1, r.int(2), RSI), r.int(16) * 8];
        code.push(...(r.int(4) === 0 ? [0xfe, ...m] : [...p, ...(!p.length && w ? [0x48] : []), 0xff, ...m]));
        break;
      }
      default: code.push(...rex(w, b, a), 0x89, modrm(3, b, a)); // mov a, b
    }
  }
  const state = (): Case['state'] => {
    const gpr = Array.from({ length: 16 }, () => r.operand(64));
    gpr[RSI] = DATA_ADDR;
    gpr[RDI] = DATA_ADDR + 0x800n;
    gpr[RSP] = DATA_ADDR + 0x400n;
    return makeState({ gpr, rflags: r.flags(), xmm: new Uint8Array(256) });
  };
  const c: Case = { code: new Uint8Array(code), state: state(), data: new Uint8Array(PAGE_SIZE).map(() => r.int(256)), undefinedFlags: AF, note: 'new forms' };
  if (!faults) return [c, { ...c, state: state(), note: 'new forms, other operands' }];
  const g = [...c.state.gpr];
  g[RDI] = 0x1000n; // never mapped
  return [c, { ...c, state: makeState({ gpr: g, rflags: c.state.rflags, xmm: new Uint8Array(256) }), note: 'new forms, faulting inside' }];
}

describe('session 7 fast forms in runs vs the host CPU', () => {
  test.skipIf(SKIP !== null)(`CMOVcc, op eAX imm, INC/DEC [mem], IMUL${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
    const r = new Prng(SEED * 1000n + 37n);
    const cases = Array.from({ length: Math.ceil(N / 4) }, () => newFormsCase(r)).flatMap(([c, f]) => [c, c, f]);
    const fails = check(cases, { limit: 8 });
    if (fails.length) throw new Error(formatFailures(fails, `new forms: ${fails.length}+ of ${cases.length} cases differ (WASL_SEED=${SEED})\n`));
  });
});
