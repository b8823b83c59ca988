// SSE3, SSSE3, SSE4.1 and SSE4.2 against the host CPU (DESIGN.md §3, §8): every implemented form
// with random operands from tests/cpu/ssegen.ts — float lanes with NaNs, infinities, denormals
// under random MXCSR; integer lanes with edge values; xmm and (SSSE3) mm registers; aligned-
// required m128 forms at misaligned addresses (#GP), page-crossing operands, read-only pages.

import { describe, test } from 'vitest';
import * as O from './oracle';
import { type SseForm, type Gen, NP, P66, PF3, PF2, imm8, form, setMem, runForms, PER_FORM } from './ssegen';

const map38 = (name: string, pfx: number[], op: number, more: Partial<SseForm> = {}): SseForm =>
  ({ name, pfx, op: [0x0f, 0x38, op], ...more });
const map3a = (name: string, pfx: number[], op: number, more: Partial<SseForm> = {}): SseForm =>
  ({ name, pfx, op: [0x0f, 0x3a, op], imm: imm8, ...more });
const mmForm = { g: 'm', e: 'm', mem: 8, mmx: true } as const;

const SSE3: SseForm[] = [
  form('addsubps', PF2, 0xd0, { lane: 'f32', fp: true, related: true }),
  form('addsubpd', P66, 0xd0, { lane: 'f64', fp: true, related: true }),
  form('haddps', PF2, 0x7c, { lane: 'f32', fp: true }), form('haddpd', P66, 0x7c, { lane: 'f64', fp: true }),
  form('hsubps', PF2, 0x7d, { lane: 'f32', fp: true }), form('hsubpd', P66, 0x7d, { lane: 'f64', fp: true }),
  form('movsldup', PF3, 0x12, { lane: 'f32' }), form('movshdup', PF3, 0x16, { lane: 'f32' }),
  form('movddup', PF2, 0x12, { lane: 'f64', mem: 8 }),
  form('lddqu', PF2, 0xf0, { mode: 'mem', align: false }),
  // MONITOR/MWAIT at CPL 3: #UD, as Linux runs user code
  { name: 'monitor', pfx: NP, op: [0x0f, 0x01, 0xc8], noModrm: true },
  { name: 'mwait', pfx: NP, op: [0x0f, 0x01, 0xc9], noModrm: true },
];

const SSSE3_OPS: [string, number][] = [
  ['pshufb', 0x00], ['phaddw', 0x01], ['phaddd', 0x02], ['phaddsw', 0x03], ['pmaddubsw', 0x04],
  ['phsubw', 0x05], ['phsubd', 0x06], ['phsubsw', 0x07], ['psignb', 0x08], ['psignw', 0x09],
  ['psignd', 0x0a], ['pmulhrsw', 0x0b], ['pabsb', 0x1c], ['pabsw', 0x1d], ['pabsd', 0x1e],
];
const palignrImm = (r: O.Prng): number => (r.int(4) === 0 ? r.int(256) : r.int(34));
const SSSE3: SseForm[] = [
  ...SSSE3_OPS.map(([n, op]) => map38(`${n} xmm`, P66, op, { related: true })),
  ...SSSE3_OPS.map(([n, op]) => map38(`${n} mm`, NP, op, mmForm)),
  map3a('palignr xmm', P66, 0x0f, { imm: palignrImm }),
  map3a('palignr mm', NP, 0x0f, { imm: palignrImm, ...mmForm }),
];

const SSE41_BIN: [string, number][] = [
  ['pblendvb', 0x10], ['blendvps', 0x14], ['blendvpd', 0x15], ['pmuldq', 0x28], ['pcmpeqq', 0x29],
  ['packusdw', 0x2b], ['pminsb', 0x38], ['pminsd', 0x39], ['pminuw', 0x3a], ['pminud', 0x3b],
  ['pmaxsb', 0x3c], ['pmaxsd', 0x3d], ['pmaxuw', 0x3e], ['pmaxud', 0x3f], ['pmulld', 0x40],
  ['phminposuw', 0x41], ['ptest', 0x17],
];
const PMOVX: [string, number, number][] = [['bw', 0, 8], ['bd', 1, 4], ['bq', 2, 2], ['wd', 3, 8], ['wq', 4, 4], ['dq', 5, 8]];
const SSE41: SseForm[] = [
  ...SSE41_BIN.map(([n, op]) => map38(n, P66, op, { related: true })),
  ...PMOVX.flatMap(([n, i, mem]) => [map38(`pmovsx${n}`, P66, 0x20 + i, { mem }), map38(`pmovzx${n}`, P66, 0x30 + i, { mem })]),
  map38('movntdqa', P66, 0x2a, { mode: 'mem' }),
  map3a('roundps', P66, 0x08, { lane: 'f32', fp: true }), map3a('roundpd', P66, 0x09, { lane: 'f64', fp: true }),
  map3a('roundss', P66, 0x0a, { lane: 'f32', fp: true, mem: 4 }), map3a('roundsd', P66, 0x0b, { lane: 'f64', fp: true, mem: 8 }),
  map3a('blendps', P66, 0x0c), map3a('blendpd', P66, 0x0d), map3a('pblendw', P66, 0x0e),
  map3a('pextrb', P66, 0x14, { e: 'r', mem: 1, rexW: true }), map3a('pextrw Ew', P66, 0x15, { e: 'r', mem: 2, rexW: true }),
  map3a('pextrd/q', P66, 0x16, { e: 'r', mem: -1, rexW: true }), map3a('extractps', P66, 0x17, { e: 'r', mem: 4, rexW: true }),
  map3a('pinsrb', P66, 0x20, { e: 'r', mem: 1, rexW: true }), map3a('insertps', P66, 0x21, { mem: 4 }),
  map3a('pinsrd/q', P66, 0x22, { e: 'r', mem: -1, rexW: true }),
  map3a('dpps', P66, 0x40, { lane: 'f32', fp: true }), map3a('dppd', P66, 0x41, { lane: 'f64', fp: true }),
  map3a('mpsadbw', P66, 0x42),
];

/** String operands: often built from a small alphabet with a terminator, so matches happen. */
function strings(c: Gen): void {
  const lengths = (): void => {
    for (const reg of [O.RAX, O.RDX].filter((x) => x !== c.base)) {
      const k = c.r.int(4);
      c.s.gpr[reg] = k === 0 ? c.r.operand(64) : k === 1 ? BigInt.asUintN(64, BigInt(c.r.int(41) - 20)) : BigInt(c.r.int(18));
    }
  };
  lengths();
  if (c.r.int(4) === 0) return;
  const alpha = c.r.pick([[0x61, 0x62, 0x63], [0x61, 0x62, 0x7a, 0x41], [0x30, 0x39, 0x80, 0xff, 0x7f]]);
  const str = (): [bigint, bigint] => {
    const zeroAt = c.r.int(3) === 0 ? 99 : c.r.int(17);
    let lo = 0n, hi = 0n;
    for (let i = 0; i < 16; i++) {
      const b = BigInt(i === zeroAt || (i > zeroAt && c.r.int(2) === 0) ? 0 : c.r.pick(alpha));
      if (i < 8) lo |= b << BigInt(8 * i); else hi |= b << BigInt(8 * (i - 8));
    }
    return [lo, hi];
  };
  const [glo, ghi] = str();
  O.setXmm(c.s, c.g, glo, ghi);
  const [elo, ehi] = c.r.int(4) === 0 ? [glo, ghi] : str();
  if (c.eMem) { setMem(c.data, c.eOff, elo, 8); setMem(c.data, c.eOff + 8, ehi, 8); } else O.setXmm(c.s, c.e, elo, ehi);
}
const SSE42: SseForm[] = [
  map38('pcmpgtq', P66, 0x37, { related: true }),
  map38('crc32 Gy,Eb', PF2, 0xf0, { g: 'r', e: 'r', mem: 1, rexW: true }),
  map38('crc32 Gy,Ey', PF2, 0xf1, { g: 'r', e: 'r', mem: -1, rexW: true }),
  map38('crc32 Gd,Ew', [0x66, 0xf2], 0xf1, { g: 'r', e: 'r', mem: 2 }),
  ...([['pcmpestrm', 0x60], ['pcmpestri', 0x61], ['pcmpistrm', 0x62], ['pcmpistri', 0x63]] as [string, number][])
    .map(([n, op]) => map3a(n, P66, op, { align: false, rexW: true, setup: strings })),
];

const why = O.nativeAvailable();
describe.skipIf(why !== null)('SSE3 and later vs the host CPU', () => {
  test('SSE3', () => runForms(SSE3, PER_FORM));
  test('SSSE3 (xmm and mm)', () => runForms(SSSE3, Math.ceil(PER_FORM / 2)));
  test('SSE4.1', () => runForms(SSE41, PER_FORM));
  test('SSE4.2', () => runForms(SSE42, PER_FORM * 2));
});
