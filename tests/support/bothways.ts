// The usual differential shape for one C program: built with gcc (glibc) and run on the host
// passthrough, built with musl-gcc and run in an isolated volfs root, each natively and under
// wasl, with stdout, stderr and status compared. A toolchain that is missing skips its half,
// saying which.

import { describe, it, expect } from 'vitest';
import { buildStatic, canBuild, Toolchain } from './build.js';
import { runNative, runWasl, Outcome } from './run.js';

export const BOTH_WAYS: Array<[Toolchain, string, string[]]> = [
  ['glibc', 'host passthrough', []],
  ['musl', 'isolated volfs root', ['--isolated']],
];

/**
 * Registers one test per way: `src` run without arguments must give the same outcome natively
 * and under wasl, and the native run must pass `sane` (so a program that printed nothing, or
 * failed early on both sides, cannot pass).
 */
export function bothWays(title: string, src: string, sane: (native: Outcome) => void): void {
  for (const [tc, where, flags] of BOTH_WAYS) {
    describe.skipIf(!canBuild(tc))(`${title}, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
      it(where, () => {
        const bin = buildStatic(src, tc);
        const native = runNative(bin);
        const wasl = runWasl(bin, {}, flags);
        expect(wasl).toEqual(native);
        sane(native);
      });
    });
  }
}
