// System V semaphores: tests/programs/sysvsem.c — semget's rules, semop (all or nothing, in
// order, IPC_NOWAIT, ERANGE/EFBIG/E2BIG), waiting with GETNCNT/GETZCNT and the wake-ups,
// semtimedop's timeout, EINTR despite SA_RESTART, EIDRM, SEM_UNDO at exit, semctl's commands and
// permissions as uid 1000 — built with gcc and musl-gcc, run natively and under wasl (glibc on the
// passthrough, musl in an isolated root).

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/sysvsem.c');
const RUNS: Array<[Toolchain, string, string[]]> = [
  ['glibc', 'host passthrough', []],
  ['musl', 'isolated volfs root', ['--isolated']],
];

for (const [tc, where, flags] of RUNS) {
  describe.skipIf(!canBuild(tc))(`System V semaphores, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it(where, () => {
      const bin = buildStatic(SRC, tc);
      const native = runNative(bin);
      const wasl = runWasl(bin, {}, flags);
      expect(wasl).toEqual(native);
      expect(native.stdout).toContain('child: waiting when the set went: -1 Identifier removed');
    });
  });
}
