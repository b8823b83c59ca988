import { test } from 'vitest';
import * as O from './oracle';
const b = (...x: number[]) => new Uint8Array(x);
test('dbg', () => {
  const cases: O.Case[] = [];
  const add = (code: number[], x0lo: bigint, x1lo: bigint, mxcsr: number, x0hi = 0n, x1hi = 0n) => {
    const s = O.makeState({ mxcsr }); O.setXmm(s, 0, x0lo, x0hi); O.setXmm(s, 1, x1lo, x1hi);
    cases.push({ code: b(...code), state: s, note: `${x0lo.toString(16)} ${x1lo.toString(16)} mx=${mxcsr.toString(16)}` });
  };
  const env = process.env.DBG ?? '';
  for (const line of env.split(';').filter(Boolean)) {
    const [code, a, c, m] = line.split(',');
    add(code.split(' ').map((x) => parseInt(x, 16)), BigInt(a), BigInt(c), parseInt(m, 16));
  }
  const n = O.runNative(cases), w = O.runWasl(cases);
  cases.forEach((c, i) => {
    const [nl] = O.getXmm(n[i].xmm, 0); const [wl] = O.getXmm(w[i].xmm, 0);
    console.log(c.note, '\n  host', nl.toString(16), n[i].mxcsr.toString(16), n[i].signal, '\n  wasl', wl.toString(16), w[i].mxcsr.toString(16), w[i].signal);
  });
});
