// Self-test of the host-CPU oracle (tests/cpu/oracle.ts): each way a case can end — int3, #DE,
// page faults (unmapped, read-only, page-crossing), #GP, #UD, a loop that never ends — gives the
// same signal, si_code, si_addr and state natively and under wasl, and state round-trips intact.

import { describe, test, expect } from 'vitest';
import {
  Case, check, formatFailures, nativeAvailable, runNative, runWasl, regs, setXmm, getXmm, DATA_ADDR, CODE_ADDR,
  PAGE_SIZE, SIGTRAP, SIGFPE, SIGSEGV, SIGILL, SIGALRM, SI_KERNEL, FPE_INTDIV, SEGV_MAPERR, SEGV_ACCERR, ILL_ILLOPN,
  CF, ZF, DF, Prng,
} from './oracle.js';

const SKIP = nativeAvailable();
const b = (...x: number[]): Uint8Array => new Uint8Array(x);
const D = DATA_ADDR;

interface Expect { signal: number; siCode: number; siAddr: bigint; rip: bigint }
const CASES: [string, Case, Expect][] = [
  ['normal end', { code: b(0x48, 0x01, 0xc8), state: regs({ rax: 5n, rcx: -1n }, DF) },
    { signal: SIGTRAP, siCode: SI_KERNEL, siAddr: 0n, rip: CODE_ADDR + 4n }],
  ['#DE', { code: b(0x48, 0xf7, 0xf1), state: regs({ rax: 5n }), undefinedFlags: 0n },
    { signal: SIGFPE, siCode: FPE_INTDIV, siAddr: CODE_ADDR, rip: CODE_ADDR }],
  ['read of an unmapped page', { code: b(0x48, 0x8b, 0x00), state: regs({ rax: 0x1234n }) },
    { signal: SIGSEGV, siCode: SEGV_MAPERR, siAddr: 0x1234n, rip: CODE_ADDR }],
  ['read crossing into the unmapped page', { code: b(0x48, 0x8b, 0x00), state: regs({ rax: D + 4092n }), data: new Uint8Array(PAGE_SIZE).fill(7) },
    { signal: SIGSEGV, siCode: SEGV_MAPERR, siAddr: D + 4096n, rip: CODE_ADDR }],
  ['RMW crossing into the unmapped page', { code: b(0x48, 0x01, 0x08), state: regs({ rax: D + 4090n, rcx: 1n }) },
    { signal: SIGSEGV, siCode: SEGV_MAPERR, siAddr: D + 4096n, rip: CODE_ADDR }],
  ['write to a read-only page', { code: b(0x48, 0x89, 0x08), state: regs({ rax: D + 8n, rcx: 1n }), dataReadOnly: true },
    { signal: SIGSEGV, siCode: SEGV_ACCERR, siAddr: D + 8n, rip: CODE_ADDR }],
  ['non-canonical address: #GP', { code: b(0x48, 0x8b, 0x00), state: regs({ rax: 0x8000000000000000n }) },
    { signal: SIGSEGV, siCode: SI_KERNEL, siAddr: 0n, rip: CODE_ADDR }],
  ['ud2', { code: b(0x0f, 0x0b), state: regs({}) },
    { signal: SIGILL, siCode: ILL_ILLOPN, siAddr: CODE_ADDR, rip: CODE_ADDR }],
  ['a loop that never ends', { code: b(0xeb, 0xfe), state: regs({}) },
    { signal: SIGALRM, siCode: SI_KERNEL, siAddr: 0n, rip: CODE_ADDR }],
  ['a branch lands on the int3 filler', { code: b(0xeb, 0x10), state: regs({}, CF | ZF) },
    { signal: SIGTRAP, siCode: SI_KERNEL, siAddr: 0n, rip: CODE_ADDR + 0x13n }],
];

describe(SKIP ? `host-CPU oracle (skipped: ${SKIP})` : 'host-CPU oracle', () => {
  const t = SKIP ? test.skip : test;

  t('every way a case ends looks the same natively and under wasl', () => {
    const cases = CASES.map(([, c]) => c);
    const native = runNative(cases);
    const wasl = runWasl(cases);
    CASES.forEach(([name, , want], i) => {
      for (const [side, r] of [['host', native[i]], ['wasl', wasl[i]]] as const) {
        const got = { signal: r.signal, siCode: r.siCode, siAddr: r.siAddr, rip: r.rip };
        if (want.signal === SIGALRM) { expect(got.signal, `${name} (${side})`).toBe(SIGALRM); continue; }
        expect(got, `${name} (${side})`).toEqual(want);
      }
    });
    expect(formatFailures(check(cases))).toBe('');
  });

  t('registers, flags, xmm, mxcsr and the data page round-trip unchanged through a nop', () => {
    const r = new Prng(42n);
    const cases: Case[] = [];
    for (let i = 0; i < 200; i++) {
      const s = regs({});
      for (let k = 0; k < 16; k++) s.gpr[k] = r.u64();
      s.rflags = r.flags(true);
      for (let k = 0; k < 16; k++) setXmm(s, k, r.u64(), r.u64());
      s.mxcsr = 0x1f80 | (r.int(4) << 13); // rounding control
      const data = new Uint8Array(PAGE_SIZE);
      r.bytes(data);
      cases.push({ code: b(0x90), state: s, data });
    }
    const native = runNative(cases);
    const wasl = runWasl(cases);
    cases.forEach((c, i) => {
      for (const res of [native[i], wasl[i]]) {
        expect(res.gpr).toEqual(c.state.gpr);
        expect(res.rflags & (0x8d5n | DF)).toBe(c.state.rflags);
        for (let k = 0; k < 16; k++) expect(getXmm(res.xmm, k)).toEqual(getXmm(c.state.xmm, k));
        expect(res.mxcsr).toBe(c.state.mxcsr);
        expect(res.data).toBeNull();
      }
    });
  });

  t('a store shows up in the data page on both sides', () => {
    const c: Case = { code: b(0x48, 0x89, 0x48, 0x10), state: regs({ rax: D, rcx: 0x1122334455667788n }) };
    const [n] = runNative([c]);
    const [w] = runWasl([c]);
    expect(n.data?.slice(0x10, 0x18)).toEqual(b(0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11));
    expect(w.data).toEqual(n.data);
  });
});
