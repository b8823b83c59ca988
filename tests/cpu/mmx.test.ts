// MMX against the host CPU (SDM vol. 1 ch. 9): every NP 0F form on mm0–7 with random operands,
// random x87 states underneath (TOP, tags, sign/exponent words — MMX resets TOP and tags and
// writes ones to the exponent), pending x87 exceptions (#MF), REX bits mm registers ignore,
// memory operands at any alignment and across the end of the page. Through tests/cpu/oracle.ts.

import { describe, test } from 'vitest';
import * as O from './oracle';
import { type SseForm, NP, P66, PF3, PF2, imm8, shiftImm, form, runForms, PER_FORM } from './ssegen';

const mm = (name: string, op: number, more: Partial<SseForm> = {}): SseForm =>
  form(name, NP, op, { g: 'm', e: 'm', mem: 8, mmx: true, ...more });

const BINARY: [string, number][] = [
  ['packsswb', 0x63], ['pcmpgtb', 0x64], ['pcmpgtw', 0x65], ['pcmpgtd', 0x66], ['packuswb', 0x67],
  ['punpckhbw', 0x68], ['punpckhwd', 0x69], ['punpckhdq', 0x6a], ['packssdw', 0x6b], ['pcmpeqb', 0x74],
  ['pcmpeqw', 0x75], ['pcmpeqd', 0x76], ['paddq', 0xd4], ['pmullw', 0xd5], ['psubusb', 0xd8],
  ['psubusw', 0xd9], ['pminub', 0xda], ['pand', 0xdb], ['paddusb', 0xdc], ['paddusw', 0xdd],
  ['pmaxub', 0xde], ['pandn', 0xdf], ['pavgb', 0xe0], ['pavgw', 0xe3], ['pmulhuw', 0xe4],
  ['pmulhw', 0xe5], ['psubsb', 0xe8], ['psubsw', 0xe9], ['pminsw', 0xea], ['por', 0xeb],
  ['paddsb', 0xec], ['paddsw', 0xed], ['pmaxsw', 0xee], ['pxor', 0xef], ['pmuludq', 0xf4],
  ['pmaddwd', 0xf5], ['psadbw', 0xf6], ['psubb', 0xf8], ['psubw', 0xf9], ['psubd', 0xfa],
  ['psubq', 0xfb], ['paddb', 0xfc], ['paddw', 0xfd], ['paddd', 0xfe],
];
const FORMS: SseForm[] = [
  ...BINARY.map(([n, op]) => mm(n, op)),
  mm('punpcklbw', 0x60, { mem: 4 }), mm('punpcklwd', 0x61, { mem: 4 }), mm('punpckldq', 0x62, { mem: 4 }),
  ...([['psrlw', 0xd1], ['psrld', 0xd2], ['psrlq', 0xd3], ['psraw', 0xe1], ['psrad', 0xe2], ['psllw', 0xf1],
    ['pslld', 0xf2], ['psllq', 0xf3]] as [string, number][]).map(([n, op]) => mm(`${n} Pq,Qq`, op, { lane: 'count' })),
  ...([[0x71, 2, 'psrlw'], [0x71, 4, 'psraw'], [0x71, 6, 'psllw'], [0x72, 2, 'psrld'], [0x72, 4, 'psrad'],
    [0x72, 6, 'pslld'], [0x73, 2, 'psrlq'], [0x73, 6, 'psllq']] as [number, number, string][])
    .map(([op, d, n]) => mm(`${n} Nq,Ib`, op, { digit: d, mode: 'reg', imm: shiftImm })),
  mm('movd/movq Pq,Ey', 0x6e, { e: 'r', mem: -1, rexW: true }),
  mm('movd/movq Ey,Pq', 0x7e, { e: 'r', mem: -1, rexW: true }),
  mm('movq Pq,Qq', 0x6f), mm('movq Qq,Pq', 0x7f), mm('movntq', 0xe7, { mode: 'mem' }),
  mm('pshufw', 0x70, { imm: imm8 }),
  mm('pinsrw', 0xc4, { e: 'r', mem: 2, imm: imm8, rexW: true }),
  mm('pextrw', 0xc5, { g: 'r', mode: 'reg', imm: imm8, rexW: true }),
  mm('pmovmskb', 0xd7, { g: 'r', mode: 'reg', rexW: true }),
  mm('maskmovq', 0xf7, {
    mode: 'reg',
    setup: (c) => {
      c.fullPage = c.r.int(16) === 0;
      c.s.gpr[O.RDI] = O.DATA_ADDR + BigInt(c.fullPage ? O.PAGE_SIZE - 4 : c.r.int(300));
    },
  }),
  form('movq2dq', PF3, 0xd6, { e: 'm', mode: 'reg', mmx: true }),
  form('movdq2q', PF2, 0xd6, { g: 'm', mode: 'reg', mmx: true }),
  { name: 'emms', pfx: NP, op: [0x0f, 0x77], mode: 'reg', mmx: true, noModrm: true },
];

const why = O.nativeAvailable();
describe.skipIf(why !== null)('MMX vs the host CPU', () => {
  test('every MMX form', () => runForms(FORMS, Math.ceil(PER_FORM / 2)));
});

const CVT: SseForm[] = [
  form('cvtpi2ps', NP, 0x2a, { e: 'm', mem: 8, mmx: true, fp: true, lane: 'f32' }),
  form('cvtpi2pd', P66, 0x2a, { e: 'm', mem: 8, mmx: true, fp: true, lane: 'f64' }),
  form('cvttps2pi', NP, 0x2c, { g: 'm', mem: 8, mmx: true, fp: true, lane: 'f32' }),
  form('cvtps2pi', NP, 0x2d, { g: 'm', mem: 8, mmx: true, fp: true, lane: 'f32' }),
  form('cvttpd2pi', P66, 0x2c, { g: 'm', mmx: true, fp: true, lane: 'f64' }),
  form('cvtpd2pi', P66, 0x2d, { g: 'm', mmx: true, fp: true, lane: 'f64' }),
];
describe.skipIf(why !== null)('SSE conversions on mm vs the host CPU', () => {
  test('CVTPI2PS/PD, CVT(T)PS2PI, CVT(T)PD2PI', () => runForms(CVT, PER_FORM));
});
