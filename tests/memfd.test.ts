// memfd_create(2) and file seals: tests/programs/memfd.c, built with gcc and musl-gcc, run
// natively and under wasl (glibc on the host passthrough, musl in an isolated root); stdout,
// stderr and status must match. It covers the file's stat and flags, its /proc/self/fd link and
// maps line, the flags' errors and the name limit, every seal (SHRINK, GROW with writes and
// fallocate, WRITE and FUTURE_WRITE with shared mappings, EBUSY while a mapping may write, EXEC
// and what it implies, SEAL), MFD_NOEXEC_SEAL/MFD_EXEC, coherence of a shared mapping with
// read/write and across fork, and running a program from a memfd with execveat(AT_EMPTY_PATH).

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/memfd.c');

// exec copies the program's own file into the memfd: under --isolated that host file is not in
// the instance's root, so that mode runs on the passthrough only.
const RUNS: Array<[Toolchain, string, string[], string[]]> = [
  ['glibc', 'host passthrough', [], ['basic', 'seals', 'maps', 'exec']],
  ['musl', 'isolated volfs root', ['--isolated'], ['basic', 'seals', 'maps']],
];

for (const [tc, where, flags, modes] of RUNS) {
  describe.skipIf(!canBuild(tc))(`memfd, ${tc} static, ${where} (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const mode of modes) {
      it(mode, () => {
        const bin = buildStatic(SRC, tc);
        const native = runNative(bin, { args: [mode] });
        const wasl = runWasl(bin, { args: [mode] }, flags);
        expect(wasl).toEqual(native);
        expect(native.stdout).toMatch(/\S/);
      });
    }
  });
}
