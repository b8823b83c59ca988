// PI futexes and futexes shared between processes (issue #4): tests/programs/futexpi.c, built
// with musl-gcc and gcc, run natively and under wasl; stdout, stderr and exit status must match.
// The program names thread ids in futex words, so the output does not depend on their numbers,
// and orders its threads and processes so that the output does not depend on scheduling.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/futexpi.c');

const MODES: Array<[string, string]> = [
  ['pi', 'LOCK_PI/TRYLOCK_PI/UNLOCK_PI/LOCK_PI2: ownership, FUTEX_WAITERS, hand-over, EDEADLK, EPERM, ESRCH, ETIMEDOUT, an owner that exits'],
  ['pimutex', 'PTHREAD_PRIO_INHERIT mutexes under contention; robust PI mutex EOWNERDEAD'],
  ['requeuepi', 'FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI, their EINVAL/EAGAIN rules'],
  ['shared', 'shared futexes across fork in MAP_SHARED memory; process-shared mutex and condvar; a PI futex owned by another process'],
];

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`PI and shared futexes, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const [mode, what] of MODES) {
      it(`${mode}: ${what}`, () => {
        const bin = buildStatic(SRC, tc, ['-pthread']);
        const native = runNative(bin, { args: [mode] });
        const wasl = runWasl(bin, { args: [mode] });
        expect(wasl).toEqual(native);
      });
    }
  });
}
