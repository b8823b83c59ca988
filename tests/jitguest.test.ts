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
  ['generated code: a later part of a block rewritten, a linked callee rewritten and remapped, two pages sharing a TLB entry', 'tests/programs/jitparts.c', {}],
  ['primes', 'examples/src/primes.c', { args: ['200000'] }],
  ['sort', 'examples/src/sort.c', { args: ['20000'] }],
  ['sha256 of 1 MiB', 'examples/src/sha256.c', {}],
  ['flag sequences: rotates, shifts, INC/DEC and NOT between a flag writer and its readers', 'tests/programs/jitflags.c', {}],
  ['a block\'s last instruction rewritten, bytes after it rewritten, a callee in an earlier module rewritten', 'tests/programs/jitxlink.c', {}],
  ['forward branches inside a block: flags, registers and counts at the joins', 'tests/programs/jitjoins.c', {}],
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
  for (const [name, src, spec] of CASES.slice(0, 3)) {
    it(`${name}, batches of 4 in an 8-slot cache`, () => {
      const bin = buildStatic(join(ROOT, src), 'musl');
      const s = { ...spec, env: { ...spec.env, WASL_JIT_HOT: '2', WASL_JIT_SLOTS: '8', WASL_JIT_BATCH: '4' } };
      expect(runWasl(bin, s, ['--jit'])).toEqual(runNative(bin, s));
    });
  }
  // The same program with the tier's counters (WASL_JIT_STATS, on stderr): blocks of one batch
  // were linked directly, and the loop over two pages that share a TLB entry had its misses
  // filled in compiled code (200 000 iterations touching both pages; without the fill each miss
  // leaves the block and the interpreter fills it: no fills are counted).
  it('jitparts: direct links made, TLB misses filled in compiled code', () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/jitparts.c'), 'musl');
    const s = { env: { WASL_JIT_HOT: '2', WASL_JIT_STATS: '1' } };
    const got = runWasl(bin, s, ['--jit']);
    const want = runNative(bin, s);
    expect({ stdout: got.stdout, status: got.status }).toEqual({ stdout: want.stdout, status: want.status });
    expect(Number(/"linked":(\d+)/.exec(got.stderr)?.[1])).toBeGreaterThan(0);
    expect(Number(/tlb fills (\d+)/.exec(got.stderr)?.[1])).toBeGreaterThan(200_000);
  });
  // One block per module (every link is to an earlier module's block), with the tier's counters:
  // links were made, and the code stayed compiled — a part check that went past the block's
  // final ret, or a stale callee left callable through a link (its alive cell not cleared),
  // made the run interpret 39 000-160 000 instructions instead of ~1 600.
  it('jitxlink: links across modules, stale callees dropped, part checks end at the block\'s end', () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/jitxlink.c'), 'musl');
    const s = { env: { WASL_JIT_HOT: '2', WASL_JIT_BATCH: '1', WASL_JIT_STATS: '1' } };
    const got = runWasl(bin, s, ['--jit']);
    const want = runNative(bin, s);
    expect({ stdout: got.stdout, status: got.status }).toEqual({ stdout: want.stdout, status: want.status });
    expect(Number(/"linked":(\d+)/.exec(got.stderr)?.[1])).toBeGreaterThan(0);
    expect(Number(/interpreted (\d+)/.exec(got.stderr)?.[1])).toBeLessThan(20_000);
  });
  // Hot code that does not fit in the cache (8 slots, blocks compiled after 2 executions): each
  // eviction doubles what the evicted block must run again before it is recompiled, so the run
  // settles into the interpreter instead of compiling at every turn (without the back-off this
  // run compiled ~52 000 blocks in 16 s; with it a few hundred).
  it('a cache that thrashes backs off', () => {
    const bin = buildStatic(join(ROOT, 'examples/src/sort.c'), 'musl');
    const s = { args: ['2000'], env: { WASL_JIT_HOT: '2', WASL_JIT_SLOTS: '8', WASL_JIT_STATS: '1' } };
    const got = runWasl(bin, s, ['--jit']);
    const want = runNative(bin, s);
    expect({ stdout: got.stdout, status: got.status }).toEqual({ stdout: want.stdout, status: want.status });
    expect(Number(/"compiled":(\d+)/.exec(got.stderr)?.[1])).toBeLessThan(5000);
  });
});
