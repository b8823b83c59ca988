// A0-A3: mov between AL/rAX and an absolute 64-bit (or, with 67, 32-bit) address — checked
// against the host CPU.
import { describe, it } from 'vitest';
import { check, formatFailures, nativeAvailable, regs, DATA_ADDR, Case } from './oracle.js';

const skip = nativeAvailable();
const le = (v: bigint, n: number) => Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const data = new Uint8Array(4096).map((_, i) => (i * 37 + 11) & 0xff);
const state = regs({ rax: 0x1122334455667788n });
const A = DATA_ADDR + 0x123n;

const CASES: Array<[string, number[]]> = [
  ['mov al, [moffs64]', [0xa0, ...le(A, 8)]],
  ['mov eax, [moffs64]', [0xa1, ...le(A, 8)]],
  ['mov rax, [moffs64]', [0x48, 0xa1, ...le(A, 8)]],
  ['mov ax, [moffs64]', [0x66, 0xa1, ...le(A, 8)]],
  ['mov [moffs64], al', [0xa2, ...le(A, 8)]],
  ['mov [moffs64], rax', [0x48, 0xa3, ...le(A, 8)]],
  ['mov eax, [moffs32] (67)', [0x67, 0xa1, ...le(A, 4)]],
  ['mov rax, [unmapped moffs64]', [0x48, 0xa1, ...le(0x7000000000n, 8)]],
];

describe('moffs moves vs the host CPU', () => {
  for (const [name, code] of CASES) {
    it.skipIf(skip !== null)(`${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
      const c: Case = { code: new Uint8Array(code), state, data };
      const fails = check([c]);
      if (fails.length) throw new Error(formatFailures(fails, name));
    });
  }
});
