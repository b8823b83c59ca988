// SSE/SSE2 against the host CPU (DESIGN.md §3, §8): every implemented form with random operands —
// quiet and signalling NaNs with payloads, infinities, denormals, ±0, overflow/underflow-prone
// exponents, integer-conversion boundaries, ties — under random MXCSR rounding modes, DAZ, FTZ,
// preset flags and (sometimes) unmasked exceptions; random registers (xmm0–15, REX), base+disp
// and RIP-relative memory operands, misaligned and page-crossing addresses. Each case runs on the
// host and under wasl through tests/cpu/oracle.ts. Reproduce a failure with WASL_SEED=<seed>.

import { describe, test, expect } from 'vitest';
import * as O from './oracle';

type Lane = 'f32' | 'f64' | 'int' | 'count';
type Kind = 'x' | 'r';   // an xmm register or a GPR

interface SseForm {
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
  setup?: (c: Gen) => void;
}

interface Gen {
  r: O.Prng; s: O.CpuState; data: Uint8Array; eOff: number; eMem: boolean; g: number; e: number;
  fullPage: boolean;      // the case touches the end of the data page: send all of it
}

// ---- values ----------------------------------------------------------------------------------
const f64buf = new Float64Array(1), u64buf = new BigUint64Array(f64buf.buffer);
const f32buf = new Float32Array(1), u32buf = new Uint32Array(f32buf.buffer);
const dbits = (x: number): bigint => { f64buf[0] = x; return u64buf[0]; };
const fbits = (x: number): bigint => { f32buf[0] = x; return BigInt(u32buf[0]); };

const INT_EDGES = [2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 31 - 0.5, -(2 ** 31) - 0.5, 2 ** 31 + 0.5,
  2 ** 32, 2 ** 63, -(2 ** 63), 2 ** 63 - 1024, -(2 ** 63) - 2048, 2 ** 64, 2 ** 52, 2 ** 53, 2 ** 53 + 2, 2 ** 24,
  2 ** 24 + 1, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 1e10, -1e10, 3e9, -3e9, 1 / 3, 0.1];

/** A binary64 bit pattern biased towards the cases where x86 and naive float code disagree. */
function f64val(r: O.Prng): bigint {
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
function f32val(r: O.Prng): bigint {
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
function vec(r: O.Prng, lane: Lane): [bigint, bigint] {
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
function relate(r: O.Prng, v: bigint, lane: Lane): bigint {
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

function setMem(data: Uint8Array, off: number, v: bigint, n: number): void {
  for (let i = 0; i < n && off + i < O.PAGE_SIZE; i++) data[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

function randomMxcsr(r: O.Prng): number {
  if (r.int(3) === 0) return 0x1f80 | (r.int(2) ? r.int(64) : 0); // the defaults: wasl's fast paths
  let m = (r.int(4) << 13) | 0x1f80;
  if (r.int(4) === 0) m |= 0x40;                 // DAZ
  if (r.int(4) === 0) m |= 0x8000;               // FTZ
  if (r.int(4) === 0) m |= r.int(64);            // sticky flags already set
  if (r.int(10) === 0) m &= ~(r.int(64) << 7);   // some exceptions unmasked: #XM
  return m;
}

// ---- one case -------------------------------------------------------------------------------
function genCase(f: SseForm, r: O.Prng): O.Case {
  const lane = f.lane ?? 'int';
  const s = O.makeState({ gpr: Array.from({ length: 16 }, () => r.operand(64)), rflags: r.flags() });
  for (let i = 0; i < 16; i++) { const [lo, hi] = vec(r, lane); O.setXmm(s, i, lo, hi); }
  s.mxcsr = f.fp ? randomMxcsr(r) : 0x1f80 | (r.int(4) << 13);
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
    if (f.e !== 'r' && (f.g ?? 'x') === 'x' && f.digit === undefined && r.int(8) === 0) e = g; // same register
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
  const gen: Gen = { r, s, data, eOff, eMem, g, e, fullPage: eMem && eOff + memSize > 320 };
  if (f.related && r.int(3) === 0) {
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
  const bytes = [...f.pfx, ...(rex ? [rex] : []), ...f.op, modrm, ...tail, ...imm];
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
function operandsNote(c: Gen, f: SseForm, memSize: number): string {
  const x = (i: number): string => { const [lo, hi] = O.getXmm(c.s.xmm, i); return `xmm${i}=${hi.toString(16)}:${lo.toString(16)}`; };
  const parts = [`mxcsr=${c.s.mxcsr.toString(16)}`];
  if (f.digit === undefined) parts.push(f.g === 'r' ? `g=r${c.g}` : `g=${x(c.g)}`);
  if (c.eMem) {
    let v = 0n;
    for (let i = Math.min(memSize, O.PAGE_SIZE - c.eOff) - 1; i >= 0; i--) v = (v << 8n) | BigInt(c.data[c.eOff + i]);
    parts.push(`e=m${memSize * 8}@+${c.eOff.toString(16)}=${v.toString(16)}`);
  } else parts.push(f.e === 'r' ? `e=r${c.e}` : `e=${x(c.e)}`);
  return parts.join(' ');
}

// ---- the forms ---------------------------------------------------------------------------------
const NP: number[] = [], P66 = [0x66], PF3 = [0xf3], PF2 = [0xf2];
const imm8 = (r: O.Prng): number => r.int(256);
const shiftImm = (r: O.Prng): number => (r.int(4) === 0 ? r.int(256) : r.int(70));
const form = (name: string, pfx: number[], op: number, more: Partial<SseForm> = {}): SseForm =>
  ({ name, pfx, op: [0x0f, op], ...more });

const MOVES: SseForm[] = [
  form('movups Vps,Wps', NP, 0x10, { align: false }), form('movupd Vpd,Wpd', P66, 0x10, { align: false }),
  form('movss Vss,Wss', PF3, 0x10, { mem: 4 }), form('movsd Vsd,Wsd', PF2, 0x10, { mem: 8 }),
  form('movups Wps,Vps', NP, 0x11, { align: false }), form('movupd Wpd,Vpd', P66, 0x11, { align: false }),
  form('movss Wss,Vss', PF3, 0x11, { mem: 4 }), form('movsd Wsd,Vsd', PF2, 0x11, { mem: 8 }),
  form('movlps/movhlps', NP, 0x12, { mem: 8 }), form('movlpd Vq,Mq', P66, 0x12, { mem: 8, mode: 'mem' }),
  form('movlps Mq,Vq', NP, 0x13, { mem: 8, mode: 'mem' }), form('movlpd Mq,Vq', P66, 0x13, { mem: 8, mode: 'mem' }),
  form('movhps/movlhps', NP, 0x16, { mem: 8 }), form('movhpd Vq,Mq', P66, 0x16, { mem: 8, mode: 'mem' }),
  form('movhps Mq,Vq', NP, 0x17, { mem: 8, mode: 'mem' }), form('movhpd Mq,Vq', P66, 0x17, { mem: 8, mode: 'mem' }),
  form('movaps Vps,Wps', NP, 0x28), form('movapd Vpd,Wpd', P66, 0x28),
  form('movaps Wps,Vps', NP, 0x29), form('movapd Wpd,Vpd', P66, 0x29),
  form('movntps', NP, 0x2b, { mode: 'mem' }), form('movntpd', P66, 0x2b, { mode: 'mem' }),
  form('movmskps', NP, 0x50, { g: 'r', mode: 'reg', lane: 'f32', rexW: true }),
  form('movmskpd', P66, 0x50, { g: 'r', mode: 'reg', lane: 'f64', rexW: true }),
  form('movd/movq Vx,Ey', P66, 0x6e, { e: 'r', mem: -1, rexW: true }),
  form('movdqa Vx,Wx', P66, 0x6f), form('movdqu Vx,Wx', PF3, 0x6f, { align: false }),
  form('movd/movq Ey,Vx', P66, 0x7e, { e: 'r', mem: -1, rexW: true }),
  form('movq Vx,Wq', PF3, 0x7e, { mem: 8 }),
  form('movdqa Wx,Vx', P66, 0x7f), form('movdqu Wx,Vx', PF3, 0x7f, { align: false }),
  form('movnti My,Gy', NP, 0xc3, { g: 'r', mode: 'mem', mem: -1, rexW: true }),
  form('movq Wq,Vx', P66, 0xd6, { mem: 8 }),
  form('pmovmskb', P66, 0xd7, { g: 'r', mode: 'reg', rexW: true }),
  form('movntdq', P66, 0xe7, { mode: 'mem' }),
  form('maskmovdqu', P66, 0xf7, {
    mode: 'reg',
    setup: (c) => {
      c.fullPage = c.r.int(16) === 0;
      c.s.gpr[O.RDI] = O.DATA_ADDR + BigInt(c.fullPage ? O.PAGE_SIZE - 8 : c.r.int(300));
    },
  }),
  {
    name: 'ldmxcsr', pfx: NP, op: [0x0f, 0xae], digit: 2, mode: 'mem', mem: 4,
    setup: (c) => {
      let v = c.r.int(0x10000);
      // A reserved bit: #GP. Bit 17 is skipped: AMD hosts accept it (MXCSR.MM); wasl is an Intel.
      if (c.r.int(8) === 0) v = (v | 1 << (18 + c.r.int(14))) >>> 0;
      setMem(c.data, c.eOff, BigInt(v), 4);
    },
  },
  { name: 'stmxcsr', pfx: NP, op: [0x0f, 0xae], digit: 3, mode: 'mem', mem: 4, fp: true },
];

const INT_OPS: [string, number][] = [
  ['punpcklbw', 0x60], ['punpcklwd', 0x61], ['punpckldq', 0x62], ['packsswb', 0x63], ['pcmpgtb', 0x64],
  ['pcmpgtw', 0x65], ['pcmpgtd', 0x66], ['packuswb', 0x67], ['punpckhbw', 0x68], ['punpckhwd', 0x69],
  ['punpckhdq', 0x6a], ['packssdw', 0x6b], ['punpcklqdq', 0x6c], ['punpckhqdq', 0x6d], ['pcmpeqb', 0x74],
  ['pcmpeqw', 0x75], ['pcmpeqd', 0x76], ['paddq', 0xd4], ['pmullw', 0xd5], ['psubusb', 0xd8],
  ['psubusw', 0xd9], ['pminub', 0xda], ['pand', 0xdb], ['paddusb', 0xdc], ['paddusw', 0xdd],
  ['pmaxub', 0xde], ['pandn', 0xdf], ['pavgb', 0xe0], ['pavgw', 0xe3], ['pmulhuw', 0xe4],
  ['pmulhw', 0xe5], ['psubsb', 0xe8], ['psubsw', 0xe9], ['pminsw', 0xea], ['por', 0xeb],
  ['paddsb', 0xec], ['paddsw', 0xed], ['pmaxsw', 0xee], ['pxor', 0xef], ['pmuludq', 0xf4],
  ['pmaddwd', 0xf5], ['psadbw', 0xf6], ['psubb', 0xf8], ['psubw', 0xf9], ['psubd', 0xfa],
  ['psubq', 0xfb], ['paddb', 0xfc], ['paddw', 0xfd], ['paddd', 0xfe],
];
const INT: SseForm[] = [
  ...INT_OPS.map(([n, op]) => form(n, P66, op, { related: true })),
  ...([['psrlw', 0xd1], ['psrld', 0xd2], ['psrlq', 0xd3], ['psraw', 0xe1], ['psrad', 0xe2], ['psllw', 0xf1],
    ['pslld', 0xf2], ['psllq', 0xf3]] as [string, number][]).map(([n, op]) => form(`${n} Vx,Wx`, P66, op, { setup: countE })),
  ...([[0x71, 2, 'psrlw'], [0x71, 4, 'psraw'], [0x71, 6, 'psllw'], [0x72, 2, 'psrld'], [0x72, 4, 'psrad'],
    [0x72, 6, 'pslld'], [0x73, 2, 'psrlq'], [0x73, 3, 'psrldq'], [0x73, 6, 'psllq'], [0x73, 7, 'pslldq']] as [number, number, string][])
    .map(([op, d, n]) => form(`${n} Ux,Ib`, P66, op, { digit: d, mode: 'reg', imm: shiftImm })),
  form('pshufd', P66, 0x70, { imm: imm8 }), form('pshufhw', PF3, 0x70, { imm: imm8 }), form('pshuflw', PF2, 0x70, { imm: imm8 }),
  form('pinsrw', P66, 0xc4, { e: 'r', mem: 2, imm: imm8, rexW: true }),
  form('pextrw', P66, 0xc5, { g: 'r', mode: 'reg', imm: imm8, rexW: true }),
  form('shufps', NP, 0xc6, { imm: imm8, lane: 'f32' }), form('shufpd', P66, 0xc6, { imm: imm8, lane: 'f64' }),
  form('unpcklps', NP, 0x14, { lane: 'f32' }), form('unpcklpd', P66, 0x14, { lane: 'f64' }),
  form('unpckhps', NP, 0x15, { lane: 'f32' }), form('unpckhpd', P66, 0x15, { lane: 'f64' }),
  form('andps', NP, 0x54, { lane: 'f32', fp: true }), form('andpd', P66, 0x54, { lane: 'f64', fp: true }),
  form('andnps', NP, 0x55, { lane: 'f32', fp: true }), form('andnpd', P66, 0x55, { lane: 'f64', fp: true }),
  form('orps', NP, 0x56, { lane: 'f32', fp: true }), form('orpd', P66, 0x56, { lane: 'f64', fp: true }),
  form('xorps', NP, 0x57, { lane: 'f32', fp: true }), form('xorpd', P66, 0x57, { lane: 'f64', fp: true }),
];
/** A shift count in the low quadword of E: mostly 0..71, sometimes any 64-bit value. */
function countE(c: Gen): void {
  const [lo, hi] = vec(c.r, 'count');
  if (c.eMem) { setMem(c.data, c.eOff, lo, 8); setMem(c.data, c.eOff + 8, hi, 8); } else O.setXmm(c.s, c.e, lo, hi);
}

/** The four forms of an arithmetic opcode: ps, pd, ss, sd. */
function fpQuad(n: string, op: number, more: Partial<SseForm> = {}): SseForm[] {
  const common = { fp: true, related: true, ...more };
  return [
    form(`${n}ps`, NP, op, { lane: 'f32', ...common }), form(`${n}pd`, P66, op, { lane: 'f64', ...common }),
    form(`${n}ss`, PF3, op, { lane: 'f32', mem: 4, ...common }), form(`${n}sd`, PF2, op, { lane: 'f64', mem: 8, ...common }),
  ];
}
const cmpImm = (r: O.Prng): number => (r.int(16) === 0 ? r.int(256) : r.int(8));
const FP: SseForm[] = [
  ...fpQuad('add', 0x58), ...fpQuad('mul', 0x59), ...fpQuad('sub', 0x5c), ...fpQuad('min', 0x5d),
  ...fpQuad('div', 0x5e), ...fpQuad('max', 0x5f), ...fpQuad('sqrt', 0x51), ...fpQuad('cmp', 0xc2, { imm: cmpImm }),
  form('ucomiss', NP, 0x2e, { lane: 'f32', mem: 4, fp: true, related: true }),
  form('ucomisd', P66, 0x2e, { lane: 'f64', mem: 8, fp: true, related: true }),
  form('comiss', NP, 0x2f, { lane: 'f32', mem: 4, fp: true, related: true }),
  form('comisd', P66, 0x2f, { lane: 'f64', mem: 8, fp: true, related: true }),
];

// Results steered to the edges of the exponent range — just below and above the smallest normal
// (tininess after rounding, FTZ), deep in the denormals, next to the largest finite value — where
// the rounding mode decides between a denormal and a normal, or a finite value and infinity.
function edgeTarget(r: O.Prng, dbl: boolean): number {
  const p = dbl ? 53 : 24;
  const minN = dbl ? 2 ** -1022 : 2 ** -126, maxF = dbl ? Number.MAX_VALUE : 3.4028234663852886e38;
  const k = r.int(6) - 3, tiny = 2 ** -(p + r.int(3));
  switch (r.int(4)) {
    case 0: return minN * (1 + k * tiny);
    case 1: return minN * (1 + k * tiny) / 2 ** r.int(p + 2);
    case 2: return minN * 2 ** -(r.int(p)) * (1 + r.int(4) / 4);
    default: return maxF * (1 + k * tiny);
  }
}
function edgePair(r: O.Prng, dbl: boolean, op: 'add' | 'mul' | 'div' | 'cvt'): [bigint, bigint] {
  const round = dbl ? (x: number): number => x : Math.fround;
  const bits = (x: number): bigint => (dbl ? dbits(x) : fbits(x));
  const t = edgeTarget(r, dbl) * (r.bool() ? -1 : 1);
  const a = round((1 + r.int(1 << 20) / (1 << 20)) * 2 ** (r.int(dbl ? 400 : 60) - (dbl ? 200 : 30)));
  switch (op) {
    case 'mul': return [bits(a), bits(round(t / a))];
    case 'div': return [bits(round(t * a)), bits(a)];
    case 'add': { const d = round(a * 2 ** -(dbl ? 900 : 90) + t); return [bits(d), bits(round(t - d))]; }
    default: return [dbits(t), 0n]; // cvtsd2ss: a binary64 near binary32's edges
  }
}
function edges(op: 'add' | 'mul' | 'div' | 'cvt', dbl: boolean): (c: Gen) => void {
  return (c) => {
    const w = dbl || op === 'cvt' ? 64 : 32;
    let g = 0n, e = 0n;
    for (let i = 0; i < 128; i += w) {
      const [x, y] = edgePair(c.r, op === 'cvt' ? false : dbl, op);
      g |= x << BigInt(i); e |= (op === 'cvt' ? x : y) << BigInt(i);
    }
    const m = (1n << 64n) - 1n;
    O.setXmm(c.s, c.g, g & m, g >> 64n);
    if (c.eMem) { setMem(c.data, c.eOff, e & m, 8); setMem(c.data, c.eOff + 8, e >> 64n, 8); } else O.setXmm(c.s, c.e, e & m, e >> 64n);
  };
}
const EDGES: SseForm[] = [
  ...(['add', 'sub', 'mul', 'div'] as const).flatMap((n) => {
    const op = n === 'sub' ? 'add' : n;
    const code = { add: 0x58, sub: 0x5c, mul: 0x59, div: 0x5e }[n];
    return [
      form(`${n}sd edges`, PF2, code, { lane: 'f64', mem: 8, fp: true, setup: edges(op, true) }),
      form(`${n}ss edges`, PF3, code, { lane: 'f32', mem: 4, fp: true, setup: edges(op, false) }),
      form(`${n}pd edges`, P66, code, { lane: 'f64', fp: true, setup: edges(op, true) }),
      form(`${n}ps edges`, NP, code, { lane: 'f32', fp: true, setup: edges(op, false) }),
    ];
  }),
  form('cvtsd2ss edges', PF2, 0x5a, { lane: 'f64', mem: 8, fp: true, setup: edges('cvt', true) }),
  form('cvtpd2ps edges', P66, 0x5a, { lane: 'f64', fp: true, setup: edges('cvt', true) }),
];

const CVT: SseForm[] = [
  form('cvtsi2ss', PF3, 0x2a, { e: 'r', mem: -1, rexW: true, fp: true, lane: 'f32' }),
  form('cvtsi2sd', PF2, 0x2a, { e: 'r', mem: -1, rexW: true, fp: true, lane: 'f64' }),
  form('cvttss2si', PF3, 0x2c, { g: 'r', mem: 4, rexW: true, fp: true, lane: 'f32' }),
  form('cvttsd2si', PF2, 0x2c, { g: 'r', mem: 8, rexW: true, fp: true, lane: 'f64' }),
  form('cvtss2si', PF3, 0x2d, { g: 'r', mem: 4, rexW: true, fp: true, lane: 'f32' }),
  form('cvtsd2si', PF2, 0x2d, { g: 'r', mem: 8, rexW: true, fp: true, lane: 'f64' }),
  form('cvtps2pd', NP, 0x5a, { mem: 8, fp: true, lane: 'f32' }),
  form('cvtpd2ps', P66, 0x5a, { fp: true, lane: 'f64' }),
  form('cvtss2sd', PF3, 0x5a, { mem: 4, fp: true, lane: 'f32' }),
  form('cvtsd2ss', PF2, 0x5a, { mem: 8, fp: true, lane: 'f64' }),
  form('cvtdq2ps', NP, 0x5b, { fp: true, lane: 'int' }),
  form('cvtps2dq', P66, 0x5b, { fp: true, lane: 'f32' }),
  form('cvttps2dq', PF3, 0x5b, { fp: true, lane: 'f32' }),
  form('cvttpd2dq', P66, 0xe6, { fp: true, lane: 'f64' }),
  form('cvtpd2dq', PF2, 0xe6, { fp: true, lane: 'f64' }),
  form('cvtdq2pd', PF3, 0xe6, { mem: 8, fp: true, lane: 'int' }),
];

// ---- the tests -----------------------------------------------------------------------------
const why = O.nativeAvailable();
const seed = O.testSeed();
const PER_FORM = Number(process.env.WASL_SSE_CASES ?? 800);

function hashName(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const ch of s) h = BigInt.asUintN(64, (h ^ BigInt(ch.charCodeAt(0))) * 0x100000001b3n);
  return h;
}

function runForms(forms: SseForm[], n = PER_FORM): void {
  const cases: O.Case[] = [];
  for (const f of forms) {
    const r = new O.Prng(seed ^ hashName(f.name));
    for (let i = 0; i < n; i++) cases.push(genCase(f, r));
  }
  const fails = O.check(cases, { limit: 12 });
  expect(fails.length, O.formatFailures(fails, `WASL_SEED=${seed}\n`)).toBe(0);
}

/**
 * Prefix combinations that choose between forms: F2/F3 outrank 66 in either order, the last of
 * F2/F3 wins, REX.W leaves the 66 forms alone, a REX not right before the opcode is ignored.
 */
function prefixCases(r: O.Prng, n: number): O.Case[] {
  const codes = [
    [0x66, 0xf2, 0x0f, 0x58, 0xc1], [0xf2, 0x66, 0x0f, 0x58, 0xc1], [0xf3, 0xf2, 0x0f, 0x58, 0xc1],
    [0xf2, 0xf3, 0x0f, 0x58, 0xc1], [0x66, 0x48, 0x0f, 0x58, 0xc1], [0x48, 0x66, 0x0f, 0x6e, 0xc0],
    [0x66, 0xf3, 0x0f, 0x7e, 0xc1], [0xf3, 0x66, 0x0f, 0x6f, 0xc1], [0x66, 0x66, 0x0f, 0xef, 0xc1],
    [0xf2, 0x0f, 0x2a, 0xc0], [0xf2, 0x4c, 0x0f, 0x2d, 0xc1], [0x66, 0x0f, 0xc5, 0xc1, 0x0b],
  ];
  const out: O.Case[] = [];
  for (let i = 0; i < n; i++) {
    const code = r.pick(codes);
    const s = O.makeState({ gpr: Array.from({ length: 16 }, () => r.operand(64)), mxcsr: randomMxcsr(r) });
    for (let x = 0; x < 16; x++) { const [lo, hi] = vec(r, r.pick(['f32', 'f64', 'int'] as Lane[])); O.setXmm(s, x, lo, hi); }
    out.push({ code: new Uint8Array(code), state: s, note: 'prefixes' });
  }
  return out;
}

describe.skipIf(why !== null)('SSE/SSE2 vs the host CPU', () => {
  test('mandatory-prefix combinations', () => {
    const r = new O.Prng(seed ^ hashName('prefixes'));
    const fails = O.check(prefixCases(r, PER_FORM), { limit: 12 });
    expect(fails.length, O.formatFailures(fails, `WASL_SEED=${seed}\n`)).toBe(0);
  });
  test('moves, MOVMSK, LDMXCSR/STMXCSR', () => runForms(MOVES));
  test('integer, bitwise and shuffles', () => runForms(INT));
  test('float arithmetic, compares, COMIS', () => runForms(FP, PER_FORM * 2));
  test('conversions', () => runForms(CVT, PER_FORM * 2));
  test('results at the edges of the exponent range', () => runForms(EDGES, PER_FORM));
});
