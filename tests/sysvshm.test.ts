// System V shared memory: tests/programs/sysvshm.c — shmget's key, size and permission rules (as
// root and uid 1000), shmat/shmdt (sharing across fork, SHM_RDONLY and mprotect, SHM_RND,
// SHM_REMAP, fixed addresses), shmctl (IPC_STAT fields, attach counts, detach times and pids,
// IPC_SET, IPC_RMID while attached, IPC_INFO) and the /SYSV maps name — built with gcc and
// musl-gcc, run natively and under wasl (glibc on the passthrough, musl in an isolated root).

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/sysvshm.c');
const RUNS: Array<[Toolchain, string, string[]]> = [
  ['glibc', 'host passthrough', []],
  ['musl', 'isolated volfs root', ['--isolated']],
];

for (const [tc, where, flags] of RUNS) {
  describe.skipIf(!canBuild(tc))(`System V shared memory, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it(where, () => {
      const bin = buildStatic(SRC, tc);
      const native = runNative(bin);
      const wasl = runWasl(bin, {}, flags);
      expect(wasl).toEqual(native);
      expect(native.stdout).toContain('parent reads: child wrote that');
    });
  });
}
