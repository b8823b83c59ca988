import { test } from 'vitest';
import * as O from './oracle';
test('scratch', () => {
  const b = (...x: number[]) => new Uint8Array(x);
  const D = O.DATA_ADDR;
  const cases: O.Case[] = [
    { code: b(0x48, 0x01, 0xc8), state: O.regs({ rax: 5n, rcx: -1n }) },           // add rax, rcx
    { code: b(0x48, 0xf7, 0xf1), state: O.regs({ rax: 5n, rcx: 0n }) },            // div rcx → #DE
    { code: b(0x48, 0x8b, 0x00), state: O.regs({ rax: 0x1234n }) },                // mov rax,[rax] → segv
    { code: b(0x48, 0x8b, 0x00), state: O.regs({ rax: D + 4092n }), data: b(...new Array(4096).fill(7)) },
    { code: b(0x48, 0x89, 0x08), state: O.regs({ rax: D + 8n, rcx: 0x1122334455667788n }) },
    { code: b(0x48, 0x89, 0x08), state: O.regs({ rax: D + 8n, rcx: 1n }), dataReadOnly: true },
    { code: b(0x0f, 0x0b), state: O.regs({}) },
    { code: b(0xeb, 0xfe), state: O.regs({}) },
    { code: b(0x48, 0x8b, 0x00), state: O.regs({ rax: 0x8000000000000000n }) },
    { code: b(0x66, 0x0f, 0xef, 0xc1), state: O.regs({}) },
    { code: b(0x48, 0x0f, 0xbc, 0xc1), state: O.regs({rax: -1n, rcx: 0n}) },
    { code: b(0x0f, 0xbc, 0xc1), state: O.regs({rax: -1n, rcx: 0n}) },
    { code: b(0x0f, 0xbd, 0xc1), state: O.regs({rax: -1n, rcx: 0n}) },
    { code: b(0xd3, 0xe0), state: O.regs({rax: -1n, rcx: 0n}) },
    { code: b(0x0f, 0xb1, 0xd1), state: O.regs({rax: -1n, rcx: -1n, rdx: 5n}) },
    { code: b(0x0f, 0xb1, 0xd1), state: O.regs({rax: 3n, rcx: -1n, rdx: 5n}) },
  ];
  O.setXmm(cases[9].state, 0, 0x1111n, 0x2222n); O.setXmm(cases[9].state, 1, 0x1010n, 0x2020n);
  const n = O.runNative(cases), w = O.runWasl(cases);
  cases.forEach((c, i) => {
    console.log(O.formatCase(c), '\n native', n[i].signal, n[i].siCode, n[i].siAddr.toString(16), n[i].rip.toString(16), n[i].gpr.slice(0,3).map(v=>v.toString(16)), O.flagString(n[i].rflags), '\n diffs:', O.compare(c, n[i], w[i]).join('; '));
  });
  const many: O.Case[] = []; for (let i = 0; i < 20000; i++) many.push({ code: b(0x48, 0x01, 0xc8), state: O.regs({ rax: BigInt(i), rcx: 7n }) });
  let t = Date.now(); O.runNative(many); console.log('native 20000', Date.now() - t);
  t = Date.now(); O.runWasl(many); console.log('wasl 20000', Date.now() - t);
});
