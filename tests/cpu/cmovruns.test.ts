// CMOVcc r,r inside runs of fast forms (cpu/decode/runs.ts) after flag-setting and flag-keeping
// instructions, against the host CPU: the cmov forms interp7 made fast, in the sequences gzip uses.
import { test } from 'vitest';
import { Case, check, formatFailures, makeState, DATA_ADDR, PAGE_SIZE } from './oracle.js';
test('cmov', () => {
  const mk = (code: number[], x: bigint) => {
    const gpr = Array.from({ length: 16 }, (_, i) => x + BigInt(i));
    gpr[6] = DATA_ADDR; gpr[4] = DATA_ADDR + 0x400n; gpr[7] = DATA_ADDR + 0x800n;
    return { code: new Uint8Array(code), state: makeState({ gpr, rflags: 2n, xmm: new Uint8Array(256) }), data: new Uint8Array(PAGE_SIZE), undefinedFlags: 0n, note: 'x' } as Case;
  };
  const cs: Case[] = [];
  for (const code of [[0x01, 0xc8, 0x0f, 0x45, 0xd0, 0x89, 0xc8], [0x0f, 0x45, 0xd0, 0x89, 0xc8], [0x01, 0xc8, 0x0f, 0x45, 0xd0], [0x0f, 0x45, 0xd0, 0x01, 0xc8, 0x0f, 0x44, 0xd0], [0x41, 0x21, 0xcf, 0x4d, 0x19, 0xf1, 0x44, 0x01, 0xca, 0x4d, 0x0f, 0x46, 0xf8, 0x41, 0x0f, 0x40, 0xea, 0x41, 0x0f, 0x45, 0xd5]]) {
    const c = mk(code, 0xdeadbeef00000000n);
    cs.push(c, c, mk(code, 0x1234567800000000n));
  }
  const fails = check(cs, { limit: 8 });
  if (fails.length) throw new Error(formatFailures(fails, 'f'));
});
