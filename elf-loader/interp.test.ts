// parseInterpreter on mutated interpreters: every outcome must be an image, a `fatal` reason
// (Linux's SIGSEGV after the point of no return), or LinuxError EIO / ELIBBAD — never another
// exception. Seeds: the generated minimal ELF, and the host's ld.so when it exists. Which
// outcome a given file gets is checked against the host kernel by tests/dynamic.test.ts.

import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { LinuxError, EIO, ELIBBAD } from '../lxcore/abi/errno.js';
import { PAGE_SIZE } from '../lxcore/abi/mman.js';
import { parseInterpreter, mappingSpan } from './interp.js';
import { minimalElf, mulberry32 } from './test-support.js';

const SEED = Number(process.env.WASL_FUZZ_SEED ?? 0x1d50);
const ITERS = Number(process.env.WASL_FUZZ_ITERS ?? 3000);
const LDSO = '/lib64/ld-linux-x86-64.so.2';

function outcome(file: Uint8Array): string {
  try {
    const r = parseInterpreter(file, '/lib/ld.so');
    if ('fatal' in r) return 'fatal';
    const span = mappingSpan(r.image);
    if (!(Number.isSafeInteger(span) && span > 0 && span % PAGE_SIZE === 0)) throw new Error(`bad span ${span}`);
    return 'image';
  } catch (e) {
    if (e instanceof LinuxError && (e.errno === EIO || e.errno === ELIBBAD)) return e.errno === EIO ? 'EIO' : 'ELIBBAD';
    throw e;
  }
}

describe('parseInterpreter', () => {
  const seeds: Array<[string, Uint8Array]> = [['minimal', minimalElf()]];
  if (existsSync(LDSO)) seeds.push(['host ld.so', new Uint8Array(readFileSync(LDSO)).subarray(0, 8192)]);

  it('every truncation and ~3000 byte mutations give an image, fatal, EIO or ELIBBAD', () => {
    const rand = mulberry32(SEED);
    const seen = new Set<string>();
    for (const [, seed] of seeds) {
      for (let n = 0; n <= Math.min(seed.length, 1024); n++) seen.add(outcome(seed.subarray(0, n)));
      for (let i = 0; i < ITERS; i++) {
        const f = seed.slice();
        const flips = 1 + Math.floor(rand() * 4);
        for (let j = 0; j < flips; j++) {
          // Mostly the headers (first 64 + the program header table), where the checks are.
          const at = rand() < 0.8 ? Math.floor(rand() * Math.min(f.length, 64 + 56 * 12)) : Math.floor(rand() * f.length);
          f[at] = Math.floor(rand() * 256);
        }
        seen.add(outcome(f));
      }
    }
    expect([...seen].sort()).toEqual(['EIO', 'ELIBBAD', 'fatal', 'image']);
  });
});
