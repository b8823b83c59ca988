// Advisory locks (issue #5: "flock, fcntl locks"), pipe sizes and close_range:
// tests/programs/locks.c, built with gcc and musl-gcc, run natively and under wasl — on the host
// passthrough (glibc build) and in an isolated volfs root (musl build). stdout, stderr and exit
// status must match: POSIX record locks (ranges, splitting and merging, F_GETLK answers, the
// close-any-descriptor rule, fork), OFD locks (their l_pid -1, conflicts with POSIX locks, last
// close), flock (conversion, LOCK_NB, dup and fork sharing, O_PATH), blocking waits (wake-up,
// EDEADLK on a cycle, EINTR from a signal), /proc/locks lines, F_GETPIPE_SZ/F_SETPIPE_SZ and
// close_range(2).

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/locks.c');
const MODES = ['posix', 'ofd', 'flock', 'wait', 'proclocks', 'pipesz', 'closerange'];

const RUNS: Array<[Toolchain, string, string[]]> = [
  ['glibc', 'host passthrough', []],
  ['musl', 'isolated volfs root', ['--isolated']],
];

for (const [tc, where, flags] of RUNS) {
  describe.skipIf(!canBuild(tc))(`locks, ${tc} static, ${where} (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const mode of MODES) {
      it(mode, () => {
        const bin = buildStatic(SRC, tc);
        const dir = mkdtempSync(join(tmpdir(), 'wasl-locks-'));
        try {
          const native = runNative(bin, { args: [mode, join(dir, 'native')] });
          // In the isolated root, /tmp is the instance's own and starts empty.
          const wasl = runWasl(bin, { args: [mode, flags.length ? '/tmp/locks' : join(dir, 'wasl')] }, flags);
          expect(wasl.stderr).toBe(native.stderr);
          expect(wasl.stdout).toBe(native.stdout);
          expect(wasl.status).toBe(native.status);
          expect(native.stdout).toMatch(mode === 'proclocks' ? /POSIX +ADVISORY +WRITE/ : /\S/);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}
