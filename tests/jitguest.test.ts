// The compiler tier on whole programs (docs/architecture.md, "The wasm compiler tier"): each
// runs under `wasl --jit` with blocks compiled after two executions, and must match the native
// run byte for byte. guestjit.c generates, rewrites and remaps its own code and patches the
// loop it is running; the others are loop-heavy and call-heavy musl programs.
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative, runWasl, RunSpec } from './support/run.js';

const CASES: Array<[string, string, RunSpec]> = [
  ['a guest JIT: code rewritten in place, remapped, patching its own loop', 'tests/programs/guestjit.c', {}],
  ['primes', 'examples/src/primes.c', { args: ['200000'] }],
  ['sort', 'examples/src/sort.c', { args: ['20000'] }],
  ['sha256 of 1 MiB', 'examples/src/sha256.c', {}],
];

describe.skipIf(!canBuild('musl'))('whole programs with the compiler tier (skipped only without musl-gcc)', () => {
  for (const [name, src, spec] of CASES) {
    it(name, () => {
      const bin = buildStatic(join(ROOT, src), 'musl');
      const s = { ...spec, env: { ...spec.env, WASL_JIT_HOT: '2' } };
      expect(runWasl(bin, s, ['--jit'])).toEqual(runNative(bin, s));
    });
  }
  // Blocks compiled in batches (one module for several; cpu/jit/host/compiler.ts JitCache) in
  // an 8-slot cache: a batch of 4 evicts the one before it while the guest rewrites its code.
  for (const [name, src, spec] of CASES.slice(0, 2)) {
    it(`${name}, batches of 4 in an 8-slot cache`, () => {
      const bin = buildStatic(join(ROOT, src), 'musl');
      const s = { ...spec, env: { ...spec.env, WASL_JIT_HOT: '2', WASL_JIT_SLOTS: '8', WASL_JIT_BATCH: '4' } };
      expect(runWasl(bin, s, ['--jit'])).toEqual(runNative(bin, s));
    });
  }
});
