// The random-operand case generator shared by the SSE-family oracle tests (sse.test.ts,
// mmx.test.ts, sse4.test.ts): an instruction form (prefix, opcode, operand kinds, memory size
// and alignment, immediate, value distribution) becomes seeded cases with random registers
// (xmm0–15 or mm0–7, REX), base+disp and RIP-relative memory operands, misaligned and
// page-crossing addresses, and a read-only data page now and then. Checked by tests/cpu/oracle.ts.

import { expect } from 'vitest';
import * as O from './oracle';

export type Lane = 'f32' | 'f64' | 'int' | 'count';
export type Kind = 'x' | 'r' | 'm';   // an xmm register, a GPR or an mm register

export interface SseForm {
  name: string;
  pfx: number[];          // mandatory prefix (66/F2/F3) or none; REX goes after it
  op: number[];           // 0F …
  g?: Kind;               // ModRM.reg operand (default xmm)
  digit?: number;         // ModRM.reg is an opcode extension
  e?: Kind;               // ModRM.rm register kind (default xmm)
  mode?: 'reg' | 'mem' | 'any';
  mem?: number;           // memory operand bytes (default 16); -1: 8 with REX.W, else 4
  align?: boolean;        // a 16-byte operand that must be aligned (default: mem == 16)
  lane?: Lane;            // value distribution of xmm and memory operands
  imm?: (r: O.Prng) => number;
  rexW?: boolean;         // choose REX.W at random
  fp?: boolean;           // random MXCSR (rounding, DAZ, FTZ, flags, masks)
  related?: boolean;      // E's lanes sometimes derived from G's (equal, ±ulp, negated)
  noModrm?: boolean;      // the opcode has no ModRM (EMMS): the operand fields are unused
  mmx?: boolean;          // a random x87 state: mm values, TOP, tags, sometimes a pending #MF
  setup?: (c: Gen) => void;
}

export interface Gen {
  r: O.Prng; s: O.CpuState; data: Uint8Array; eOff: number; eMem: boolean; g: number; e: number;
  base: number;           // the memory operand's base register, or -1
  fullPage: boolean;      // the case touches the end of the data page: send all of it
}

// ---- values ----------------------------------------------------------------------------------
const f64buf = new Float64Array(1), u64buf = new BigUint64Array(f64buf.buffer);
const f32buf = new Float32Array(1), u32buf = new Uint32Array(f32buf.buffer);
export const dbits = (x: number): bigint => { f64buf[0] = x; return u64buf[0]; };
export const fbits = (x: number): bigint => { f32buf[0] = x; return BigInt(u32buf[0]); };

const INT_EDGES = [2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 31 - 0.5, -(2 ** 31) - 0.5, 2 ** 31 + 0.5,
  2 ** 32, 2 ** 63, -(2 ** 63), 2 ** 63 - 1024, -(2 ** 63) - 2048, 2 ** 64, 2 ** 52, 2 ** 53, 2 ** 53 + 2, 2 ** 24,
  2 ** 24 + 1, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 1e10, -1e10, 3e9, -3e9, 1 / 3, 0.1];

/** A binary64 bit pattern biased towards the cases where x86 and naive float code disagree. */
export function f64val(r: O.Prng): bigint {
  const sign = r.bool() ? 1n << 63n : 0n;
  const mant = r.u64() & 0xfffffffffffffn;
  const withExp = (e: number): bigint => sign | (BigInt(e) << 52n) | mant;
  switch (r.int(20)) {
    case 0: return sign;
    case 1: return sign | 0x7ff0000000000000n;
    case 2: return sign | 0x7ff8000000000000n | (r.bool() ? 0n : mant);
    case 3: return sign | 0x7ff0000000000000n | ((mant & 0x7ffffffffffffn) || 1n);
    case 4: return sign | (r.bool() ? mant || 1n : BigInt(r.int(64) + 1));
    case 5: return sign | r.pick([0x0010000000000000n, 0x7fefffffffffffffn, 0x000fffffffffffffn, 0x0010000000000001n, 0x7fe0000000000000n]);
    case 6: return dbits(r.int(33) - 16);
    case 7: case 8: return dbits(r.pick(INT_EDGES));
    case 9: return withExp(1 + r.int(60));
    case 10: return withExp(1985 + r.int(62));
    case 11: return sign | (BigInt(1023 - 40 + r.int(80)) << 52n) | (mant & 0xffc0000000000n);
    case 12: return dbits(r.int(17) - 8 + 0.5);
    case 13: return withExp(1023 + 28 + r.int(8));
    case 14: return withExp(1023 + 60 + r.int(6));
    default: return withExp(1023 - 80 + r.int(160));
  }
}

/** The same for binary32 (in the low 32 bits). */
export function f32val(r: O.Prng): bigint {
  const sign = r.bool() ? 0x80000000n : 0n;
  const mant = r.u64() & 0x7fffffn;
  const withExp = (e: number): bigint => sign | (BigInt(e) << 23n) | mant;
  switch (r.int(20)) {
    case 0: return sign;
    case 1: return sign | 0x7f800000n;
    case 2: return sign | 0x7fc00000n | (r.bool() ? 0n : mant);
    case 3: return sign | 0x7f800000n | ((mant & 0x3fffffn) || 1n);
    case 4: return sign | (r.bool() ? mant || 1n : BigInt(r.int(64) + 1));
    case 5: return sign | r.pick([0x00800000n, 0x7f7fffffn, 0x007fffffn, 0x00800001n, 0x7f000000n]);
    case 6: return fbits(r.int(33) - 16);
    case 7: case 8: return fbits(r.pick(INT_EDGES));
    case 9: return withExp(1 + r.int(30));
    case 10: return withExp(225 + r.int(30));
    case 11: return sign | (BigInt(127 - 20 + r.int(40)) << 23n) | (mant & 0x7f0000n);
    case 12: return fbits(r.int(17) - 8 + 0.5);
    case 13: return withExp(127 + 28 + r.int(8));
    case 14: return withExp(127 + 60 + r.int(6));
    default: return withExp(127 - 40 + r.int(80));
  }
}

/** 16 bytes of operand data of the given kind, as two little-endian quadwords. */
export function vec(r: O.Prng, lane: Lane): [bigint, bigint] {
  const half = (): bigint => {
    if (lane === 'f64') return f64val(r);
    if (lane === 'f32') return f32val(r) | (f32val(r) << 32n);
    const w = r.pick([8, 16, 32, 64]);
    let v = 0n;
    for (let i = 0; i < 64; i += w) v |= r.operand(w, false) << BigInt(i);
    return v;
  };
  if (lane === 'count') {
    const c = r.int(4) === 0 ? r.operand(64, false) : BigInt(r.int(72));
    return [c, half()];
  }
  return [half(), half()];
}

/** A value derived from `v` lane by lane: equal, ±1 ulp, negated, or left alone. */
export function relate(r: O.Prng, v: bigint, lane: Lane): bigint {
  const w = lane === 'f32' ? 32 : 64;
  let out = 0n;
  for (let i = 0; i < 64; i += w) {
    const m = (1n << BigInt(w)) - 1n;
    const x = (v >> BigInt(i)) & m;
    let y: bigint;
    switch (r.int(5)) {
      case 0: y = x; break;
      case 1: y = (x + 1n) & m; break;
      case 2: y = (x - 1n) & m; break;
      case 3: y = x ^ (1n << BigInt(w - 1)); break;
      default: y = lane === 'f32' ? f32val(r) : f64val(r);
    }
    out |= y << BigInt(i);
  }
  return out;
}

export function setMem(data: Uint8Array, off: number, v: bigint, n: number): void {
  for (let i = 0; i < n && off + i < O.PAGE_SIZE; i++) data[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

export function randomMxcsr(r: O.Prng): number {
  if (r.int(3) === 0) return 0x1f80 | (r.int(2) ? r.int(64) : 0); // the defaults: wasl's fast paths
  let m = (r.int(4) << 13) | 0x1f80;
  if (r.int(4) === 0) m |= 0x40;                 // DAZ
  if (r.int(4) === 0) m |= 0x8000;               // FTZ
  if (r.int(4) === 0) m |= r.int(64);            // sticky flags already set
  if (r.int(10) === 0) m &= ~(r.int(64) << 7);   // some exceptions unmasked: #XM
  return m;
}

/**
 * An x87 state for MMX forms: random significands (the mm values) with sign/exponent either all
 * ones (written by MMX before) or random, a random TOP and tag word (MMX resets both), and now and
 * then a pending unmasked exception (FSW.ES), which makes an MMX instruction raise #MF.
 */
export function randomX87(r: O.Prng, lane: Lane): O.X87State {
  const st = Array.from({ length: 8 }, () => {
    const se = r.int(2) ? 0xffffn : BigInt(r.int(0x10000));
    return (se << 64n) | vec(r, lane)[r.int(2)];
  });
  const top = r.int(3) === 0 ? r.int(8) : 0;
  let fcw = 0x37f, fsw = top << 11;
  if (r.int(24) === 0) { fcw = 0x37e; fsw |= 0x1 | 0x80 | 0x8000; }
  return { fcw, fsw, ftw: r.int(3) === 0 ? r.int(256) : 0xff, st };
}

// ---- one case -------------------------------------------------------------------------------
export function genCase(f: SseForm, r: O.Prng): O.Case {
  const lane = f.lane ?? 'int';
  const s = O.makeState({ gpr: Array.from({ length: 16 }, () => r.operand(64)), rflags: r.flags() });
  for (let i = 0; i < 16; i++) { const [lo, hi] = vec(r, lane); O.setXmm(s, i, lo, hi); }
  s.mxcsr = f.fp ? randomMxcsr(r) : 0x1f80 | (r.int(4) << 13);
  if (f.mmx) s.x87 = randomX87(r, lane);
  const w = f.rexW ? r.bool() : false;
  const memSize = f.mem === -1 ? (w ? 8 : 4) : f.mem ?? 16;
  const align = f.align ?? memSize === 16;
  const mode = f.mode ?? 'any';
  const eMem = mode === 'mem' || (mode === 'any' && r.int(2) === 0);
  const g = f.digit ?? r.int(16);
  const data = new Uint8Array(O.PAGE_SIZE);
  for (let i = 0; i < 320; i += 16) { const [lo, hi] = vec(r, lane); setMem(data, i, lo, 8); setMem(data, i + 8, hi, 8); }
  for (let i = O.PAGE_SIZE - 32; i < O.PAGE_SIZE; i += 16) { const [lo, hi] = vec(r, lane); setMem(data, i, lo, 8); setMem(data, i + 8, hi, 8); }

  let e = 0, eOff = 0, base = -1, ripRel = false, disp = 0;
  let modrm: number, tail: number[] = [];
  if (!eMem) {
    e = r.int(16);
    if (f.e !== 'r' && (f.g ?? 'x') === (f.e ?? 'x') && f.digit === undefined && r.int(8) === 0) e = g; // same register
    modrm = 0xc0 | ((g & 7) << 3) | (e & 7);
  } else {
    const where = r.int(40);
    if (where === 0) eOff = O.PAGE_SIZE - memSize + 1 + r.int(Math.max(1, memSize - 1)); // crosses into the unmapped page
    else if (where === 1) eOff = O.PAGE_SIZE - memSize;                                   // the last bytes
    else if (align) eOff = r.int(24) === 0 ? 16 * r.int(16) + 1 + r.int(15) : 16 * r.int(18);
    else eOff = r.int(288);
    ripRel = r.int(8) === 0;
    if (!ripRel) {
      const avoid = new Set<number>([4]);
      if (f.g === 'r') avoid.add(g);
      const choices = Array.from({ length: 16 }, (_, i) => i).filter((i) => !avoid.has(i));
      base = r.pick(choices);
      disp = r.int(256) - 128;
      // r12 and rsp as a base need a SIB; r13/rbp with mod 01 are plain base + disp8.
      if ((base & 7) === 4) { modrm = 0x44 | ((g & 7) << 3); tail = [0x24, disp & 0xff]; }
      else { modrm = 0x40 | ((g & 7) << 3) | (base & 7); tail = [disp & 0xff]; }
      s.gpr[base] = O.DATA_ADDR + BigInt(eOff) - BigInt(disp);
    } else {
      modrm = 0x05 | ((g & 7) << 3);
      tail = [0, 0, 0, 0]; // disp32, patched below once the length is known
    }
  }
  const gen: Gen = { r, s, data, eOff, eMem, g, e, base, fullPage: eMem && eOff + memSize > 320 };
  if (f.related && !f.mmx && r.int(3) === 0) {
    const [glo, ghi] = O.getXmm(s.xmm, g);
    const lo = relate(r, glo, lane), hi = relate(r, ghi, lane);
    if (eMem) { setMem(data, eOff, lo, 8); setMem(data, eOff + 8, hi, 8); } else O.setXmm(s, e, lo, hi);
  }
  f.setup?.(gen);

  const rexB = eMem ? (base >= 0 ? base >> 3 : 0) : e >> 3;
  const rexR = f.digit === undefined ? g >> 3 : 0;
  let rex = (w ? 8 : 0) | (rexR << 2) | rexB;
  if (rex || r.int(8) === 0) rex |= 0x40;
  const imm = f.imm ? [f.imm(r) & 0xff] : [];
  const bytes = f.noModrm ? [...f.pfx, ...f.op] : [...f.pfx, ...(rex ? [rex] : []), ...f.op, modrm, ...tail, ...imm];
  if (ripRel) {
    const at = f.pfx.length + (rex ? 1 : 0) + f.op.length + 1;
    const d = Number(O.DATA_ADDR + BigInt(eOff) - (O.CODE_ADDR + BigInt(bytes.length)));
    for (let i = 0; i < 4; i++) bytes[at + i] = (d >>> (8 * i)) & 0xff;
  }
  // Only the bytes an operand can reach go to the harness (a full page per case is slow).
  const c: O.Case = { code: new Uint8Array(bytes), state: s, data: gen.fullPage ? data : data.slice(0, 320), note: `${f.name} [${operandsNote(gen, f, memSize)}]` };
  if (eMem && r.int(16) === 0) c.dataReadOnly = true;
  return c;
}

/** The operands' initial values, for failure reports. */
export function operandsNote(c: Gen, f: SseForm, memSize: number): string {
  const x = (i: number): string => { const [lo, hi] = O.getXmm(c.s.xmm, i); return `xmm${i}=${hi.toString(16)}:${lo.toString(16)}`; };
  const mm = (i: number): string => {
    const x = c.s.x87!;
    return `mm${i & 7}=${(x.st[((i & 7) - (x.fsw >> 11)) & 7] & ((1n << 64n) - 1n)).toString(16)}`;
  };
  const parts = [`mxcsr=${c.s.mxcsr.toString(16)}`];
  if (f.digit === undefined) parts.push(f.g === 'r' ? `g=r${c.g}` : f.g === 'm' ? `g=${mm(c.g)}` : `g=${x(c.g)}`);
  if (c.eMem) {
    let v = 0n;
    for (let i = Math.min(memSize, O.PAGE_SIZE - c.eOff) - 1; i >= 0; i--) v = (v << 8n) | BigInt(c.data[c.eOff + i]);
    parts.push(`e=m${memSize * 8}@+${c.eOff.toString(16)}=${v.toString(16)}`);
  } else parts.push(f.e === 'r' ? `e=r${c.e}` : f.e === 'm' ? `e=${mm(c.e)}` : `e=${x(c.e)}`);
  return parts.join(' ');
}

export const NP: number[] = [], P66 = [0x66], PF3 = [0xf3], PF2 = [0xf2];
export const imm8 = (r: O.Prng): number => r.int(256);
export const shiftImm = (r: O.Prng): number => (r.int(4) === 0 ? r.int(256) : r.int(70));
export const form = (name: string, pfx: number[], op: number, more: Partial<SseForm> = {}): SseForm =>
  ({ name, pfx, op: [0x0f, op], ...more });

export const seed = O.testSeed();
export const PER_FORM = Number(process.env.WASL_SSE_CASES ?? 800);

export function hashName(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const ch of s) h = BigInt.asUintN(64, (h ^ BigInt(ch.charCodeAt(0))) * 0x100000001b3n);
  return h;
}

/** n seeded cases per form, run on the host and under wasl; fails with the first differences. */
export function runForms(forms: SseForm[], n = PER_FORM): void {
  // One form's cases at a time (each form has its own generator, so the cases are the same as
  // when they were made all at once): the long run's 20,000 per form fit in the worker's heap.
  const fails: ReturnType<typeof O.check> = [];
  for (const f of forms) {
    if (fails.length >= 12) break;
    const r = new O.Prng(seed ^ hashName(f.name));
    const cases: O.Case[] = [];
    for (let i = 0; i < n; i++) cases.push(genCase(f, r));
    fails.push(...O.check(cases, { limit: 12 - fails.length }));
  }
  expect(fails.length, O.formatFailures(fails, `WASL_SEED=${seed}\n`)).toBe(0);
}
