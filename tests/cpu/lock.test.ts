// LOCK (SDM vol. 2 "LOCK"): allowed only on the read-modify-write forms the opcode table marks
// `lock`, and only with a memory destination; anywhere else it is #UD (SIGILL). Checked against
// the host CPU.
import { describe, it } from 'vitest';
import { check, formatFailures, nativeAvailable, regs, DATA_ADDR, Case } from './oracle.js';

const skip = nativeAvailable();
const b = (...x: number[]) => new Uint8Array(x);
const mem = regs({ rbx: DATA_ADDR, rax: 5n, rcx: 3n });

const CASES: Array<[string, Uint8Array]> = [
  ['lock add [rbx], eax', b(0xf0, 0x01, 0x03)],
  ['lock add eax, eax (register destination)', b(0xf0, 0x01, 0xc0)],
  ['lock mov [rbx], eax (not lockable)', b(0xf0, 0x89, 0x03)],
  ['lock cmp [rbx], eax (no write)', b(0xf0, 0x39, 0x03)],
  ['lock xchg [rbx], eax', b(0xf0, 0x87, 0x03)],
  ['lock inc dword [rbx]', b(0xf0, 0xff, 0x03)],
  ['lock push qword [rbx] (FF /6 not lockable)', b(0xf0, 0xff, 0x33)],
  ['lock bts [rbx], ecx', b(0xf0, 0x0f, 0xab, 0x0b)],
  ['lock cmpxchg [rbx], ecx', b(0xf0, 0x0f, 0xb1, 0x0b)],
  ['lock xadd [rbx], ecx', b(0xf0, 0x0f, 0xc1, 0x0b)],
  ['lock nop', b(0xf0, 0x90)],
  ['lock lea eax, [rbx]', b(0xf0, 0x8d, 0x03)],
];

describe('LOCK prefix vs the host CPU', () => {
  for (const [name, code] of CASES) {
    it.skipIf(skip !== null)(`${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
      const c: Case = { code, state: mem };
      const fails = check([c]);
      if (fails.length) throw new Error(formatFailures(fails, name));
    });
  }
});
