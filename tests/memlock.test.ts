// mlock, mlock2, munlock, mlockall, munlockall and membarrier: tests/programs/memlock.c, built
// with gcc and musl-gcc, run natively and under wasl (glibc on the host passthrough, musl in an
// isolated root). VmLck, the VMA splits and "lo" flags in /proc/self/smaps, partial application
// up to a hole (ENOMEM), RLIMIT_MEMLOCK as uid 1000, fork not inheriting locks, MCL_FUTURE, and
// membarrier's QUERY, registrations (inherited by fork) and EPERM must match. The program drops
// to uid 1000 for the unprivileged part, so without root both runs print "setuid failed".

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/memlock.c');
const RUNS: Array<[Toolchain, string, string[]]> = [
  ['glibc', 'host passthrough', []],
  ['musl', 'isolated volfs root', ['--isolated']],
];

for (const [tc, where, flags] of RUNS) {
  describe.skipIf(!canBuild(tc))(`memory locks and membarrier, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it(where, () => {
      const bin = buildStatic(SRC, tc);
      const native = runNative(bin);
      const wasl = runWasl(bin, {}, flags);
      expect(wasl).toEqual(native);
      expect(native.stdout).toContain('lo]');
    });
  });
}
