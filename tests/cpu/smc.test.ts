// Self-modifying code under the decoded-instruction cache (cpu/decode/decoder.ts): code that
// rewrites instructions it has already executed (so they sit in the cache) must run the new
// bytes, as the host CPU does. Every case runs at the same CODE_ADDR with different bytes, which
// also covers code rewritten from outside the core (the oracle writes the page through typed
// arrays between cases, as lxcore's exec and ptrace pokes do).
import { describe, it } from 'vitest';
import { check, formatFailures, nativeAvailable, regs, DATA_ADDR, Case } from './oracle.js';

const skip = nativeAvailable();
const data = new Uint8Array(4096).map((_, i) => (i * 37 + 11) & 0xff);

const CASES: Array<[string, number[]]> = [
  // T: mov eax, 0x11111111; add ebx, eax; inc ecx; after the 1st pass T's opcode byte becomes
  // 05 (add eax, imm32), after the 2nd T becomes xor eax, eax + 3 nops (another length).
  ['opcode of an executed instruction rewritten, twice, then jumped to', [
    0x31, 0xc9, 0x31, 0xdb, 0x48, 0x8d, 0x3d, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x11, 0x11, 0x11, 0x11,
    0x01, 0xc3, 0xff, 0xc1, 0x83, 0xf9, 0x03, 0x74, 0x16, 0x83, 0xf9, 0x02, 0x74, 0x05, 0xc6, 0x07,
    0x05, 0xeb, 0xe8, 0xc7, 0x07, 0x31, 0xc0, 0x90, 0x90, 0xc6, 0x47, 0x04, 0x90, 0xeb, 0xdc]],
  // loop: mov [rdi+1], ecx (the imm32 of the very next instruction); mov eax, imm32; add rbx, rax
  ['loop patching the immediate of the next instruction each iteration', [
    0x31, 0xc9, 0x31, 0xdb, 0x48, 0x8d, 0x3d, 0x03, 0x00, 0x00, 0x00, 0x89, 0x4f, 0x01, 0xb8, 0x00,
    0x00, 0x00, 0x00, 0x48, 0x01, 0xc3, 0xff, 0xc1, 0x83, 0xf9, 0x64, 0x75, 0xee]],
  // loop: mov [rdi+2], cl (the disp8 of the next instruction); add eax, [rsi+disp8]
  ['loop patching the displacement of the next instruction each iteration', [
    0x31, 0xc9, 0x31, 0xc0, 0x48, 0x8d, 0x3d, 0x03, 0x00, 0x00, 0x00, 0x88, 0x4f, 0x02, 0x03, 0x46,
    0x00, 0xff, 0xc1, 0x83, 0xf9, 0x78, 0x75, 0xf3]],
  // The interpreter's runs of fast forms (cpu/decode/runs.ts), validated once at entry:
  // loop: mov eax, imm32; add rbx, rax; mov [rdi+1], ecx (a fast-form store into the immediate of
  // the first instruction of its own run); add ecx, 1; cmp ecx, 100; jne loop
  ['fast-form store patching the first instruction of its own run', [
    0x31, 0xc9, 0x31, 0xdb, 0x48, 0x8d, 0x3d, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x48, 0x01, 0xc3, 0x89, 0x4f, 0x01, 0x83, 0xc1, 0x01, 0x83, 0xf9, 0x64, 0x75, 0xed]],
  // loop: add ebx, eax (its opcode flipped between 01 add and 29 sub every iteration, so a run
  // recorded from one version meets the other, and the first again); add ebx, eax; mov edx, ecx;
  // and edx, 1; imul edx, edx, 0x28; add edx, 1; mov [rdi], dl; add ecx, 1; cmp ecx, 50; jne loop
  ['run whose first instruction flips between two opcodes every iteration', [
    0x31, 0xc9, 0x31, 0xdb, 0xb8, 0x07, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x3d, 0x00, 0x00, 0x00, 0x00,
    0x01, 0xc3, 0x01, 0xc3, 0x89, 0xca, 0x83, 0xe2, 0x01, 0x6b, 0xd2, 0x28, 0x83, 0xc2, 0x01, 0x88,
    0x17, 0x83, 0xc1, 0x01, 0x83, 0xf9, 0x32, 0x75, 0xe7]],
];

describe('self-modifying code vs the host CPU', () => {
  for (const [name, code] of CASES) {
    it.skipIf(skip !== null)(`${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
      const c: Case = { code: new Uint8Array(code), state: regs({ rsi: DATA_ADDR }), data };
      const fails = check([c, c]); // twice: the second run starts with the first one's cache
      if (fails.length) throw new Error(formatFailures(fails, name));
    });
  }
});
