// RCPPS, RCPSS, RSQRTPS, RSQRTSS against the host CPU. Their results are model-specific in the
// last bits (the SDM promises |relative error| ≤ 1.5·2^-12 only), so for an ordinary operand both
// the host's and wasl's result must keep that bound against the exact 1/x or 1/√x, and are not
// compared with each other (docs/quirks.md). Everything else must be identical: special operands
// (±0, denormals treated as 0, ±∞, NaNs quieted, negative RSQRT operands, RCP results flushed to
// 0 below the normal range), the lanes an SS form keeps, MXCSR (no flags raised, rounding, DAZ
// and FTZ ignored), #GP for a misaligned m128, page faults. Reproduce with WASL_SEED=<seed>.

import { describe, test, expect } from 'vitest';
import * as O from './oracle';

const SKIP = O.nativeAvailable();
const seed = O.testSeed();
const N = Number(process.env.WASL_SSE_CASES ?? 800) * 4; // four forms: PER_FORM each
const BOUND = 1.5 * 2 ** -12;

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const val = (bits: number): number => { u32[0] = bits; return f32[0]; };

/** A binary32 operand: every exponent, the flush boundary, zeros, denormals, ∞, NaNs. */
function operand(r: O.Prng): number {
  const sign = r.bool() ? 0x80000000 : 0;
  const frac = r.u32() & 0x7fffff;
  switch (r.int(16)) {
    case 0: return sign >>> 0;
    case 1: return (sign | frac | (r.bool() ? 1 : 0)) >>> 0;                       // denormal (or 0)
    case 2: return (sign | 0x7f800000) >>> 0;
    case 3: return (sign | 0x7fc00000 | (r.bool() ? frac : 0)) >>> 0;              // QNaN
    case 4: return (sign | 0x7f800000 | (frac & 0x3fffff || 1)) >>> 0;            // SNaN
    case 5: return (sign | (r.pick([1, 2, 125, 126, 127, 128, 251, 252, 253, 254]) << 23) | frac) >>> 0;
    case 6: return (sign | (r.pick([1, 126, 127, 252, 253]) << 23) | r.pick([0, 0x7fffff, 0x7ff800, 0x800])) >>> 0;
    default: return (sign | ((1 + r.int(254)) << 23) | frac) >>> 0;
  }
}

/** True when the lane's result is an approximation the two CPUs may round differently. */
function approximated(x: number, root: boolean): boolean {
  const e = (x >>> 23) & 0xff;
  if (e === 0 || e === 0xff) return false;
  if (root) return (x >>> 31) === 0;
  return e < 253; // above, the reciprocal is below the normal range: flushed to ±0 by both
}
function withinBound(x: number, y: number, root: boolean): boolean {
  const vx = val(x), vy = val(y);
  const err = root ? vy * Math.sqrt(vx) - 1 : vy * vx - 1;
  return Math.abs(err) <= BOUND;
}

const FORMS: { name: string; pfx: number[]; op: number; ps: boolean; root: boolean }[] = [
  { name: 'rcpps', pfx: [], op: 0x53, ps: true, root: false },
  { name: 'rcpss', pfx: [0xf3], op: 0x53, ps: false, root: false },
  { name: 'rsqrtps', pfx: [], op: 0x52, ps: true, root: true },
  { name: 'rsqrtss', pfx: [0xf3], op: 0x52, ps: false, root: true },
];

describe.skipIf(SKIP !== null)('RCPPS/RCPSS/RSQRTPS/RSQRTSS vs the host CPU', () => {
  test('the 1.5·2^-12 bound on ordinary operands, special operands and everything else exact', () => {
    const r = new O.Prng(seed + 31n);
    const cases: O.Case[] = [];
    const meta: { form: (typeof FORMS)[number]; src: number[] }[] = [];
    for (let k = 0; k < N; k++) {
      const form = r.pick(FORMS);
      const s = O.makeState({ mxcsr: r.u32() & 0xffff });  // any rounding, DAZ, FTZ, masks, flags
      r.bytes(s.xmm);
      const data = new Uint8Array(O.PAGE_SIZE);
      r.bytes(data);
      const src = [operand(r), operand(r), operand(r), operand(r)];
      const mem = r.int(3) === 0;
      let code: number[];
      let off = 0;
      if (mem) {
        off = 16 * r.int(256);
        if (!form.ps) off += 4 * r.int(4);
        if (!form.ps && r.int(10) === 0) off = O.PAGE_SIZE - 1 - r.int(3);  // crossing into the unmapped page
        if (form.ps && r.int(12) === 0) off += 4 * (1 + r.int(3));          // misaligned m128: #GP
        for (let i = 0; i < 4 && off + 4 * i + 4 <= O.PAGE_SIZE; i++) new DataView(data.buffer).setUint32(off + 4 * i, src[i], true);
        s.gpr[O.RDI] = O.DATA_ADDR + BigInt(off);
        code = [...form.pfx, 0x0f, form.op, 0x0f];                       // xmm1, [rdi]
      } else {
        src.forEach((v, i) => new DataView(s.xmm.buffer).setUint32(2 * 16 + 4 * i, v, true));
        code = [...form.pfx, 0x0f, form.op, 0xca];                       // xmm1, xmm2
      }
      cases.push({ code: new Uint8Array(code), state: s, data, note: `${form.name} ${mem ? `[+${off.toString(16)}]` : 'xmm2'} ${src.map((v) => v.toString(16)).join(' ')}` });
      meta.push({ form, src });
    }
    const native = O.runNative(cases), wasl = O.runWasl(cases);
    const fails: string[] = [];
    for (let i = 0; i < cases.length && fails.length < 8; i++) {
      const { form, src } = meta[i];
      const h = native[i], w = wasl[i];
      if (h.signal === O.SIGTRAP && w.signal === O.SIGTRAP) {
        const hv = new DataView(h.xmm.buffer, h.xmm.byteOffset), wv = new DataView(w.xmm.buffer, w.xmm.byteOffset);
        for (let lane = 0; lane < (form.ps ? 4 : 1); lane++) {
          const x = src[lane];
          if (!approximated(x, form.root)) continue;
          const hy = hv.getUint32(16 + 4 * lane, true), wy = wv.getUint32(16 + 4 * lane, true);
          if (!withinBound(x, hy, form.root)) fails.push(`#${i} ${cases[i].note}: the host's lane ${lane} ${hy.toString(16)} breaks the bound`);
          if (!withinBound(x, wy, form.root)) fails.push(`#${i} ${cases[i].note}: wasl's lane ${lane} ${wy.toString(16)} breaks the bound`);
          wv.setUint32(16 + 4 * lane, hy, true); // within the bound: the rest must be equal
        }
      }
      const d = O.compare(cases[i], h, w);
      if (d.length) fails.push(`#${i} ${O.formatCase(cases[i])}\n    ${d.join('\n    ')}`);
    }
    expect(fails.length, `seed ${seed}:\n${fails.join('\n')}`).toBe(0);
  }); // minutes with the long run's counts (npm run test:cpu-long)
});
