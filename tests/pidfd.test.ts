// pidfds: tests/programs/pidfd.c — pidfd_open and its errors, the descriptor's flags, link and
// fdinfo, poll (POLLIN at exit, POLLHUP once reaped), waitid(P_PIDFD) with WNOHANG, WNOWAIT and a
// PIDFD_NONBLOCK pidfd, pidfd_send_signal (siginfo rules, zombies, reaped processes),
// pidfd_getfd, and CLONE_PIDFD through clone and clone3 — built with gcc and musl-gcc, run
// natively and under wasl (glibc on the host passthrough, musl in an isolated root).

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/pidfd.c');
const RUNS: Array<[Toolchain, string, string[]]> = [
  ['glibc', 'host passthrough', []],
  ['musl', 'isolated volfs root', ['--isolated']],
];

for (const [tc, where, flags] of RUNS) {
  describe.skipIf(!canBuild(tc))(`pidfds, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it(where, () => {
      const bin = buildStatic(SRC, tc);
      const native = runNative(bin);
      const wasl = runWasl(bin, {}, flags);
      expect(wasl).toEqual(native);
      expect(native.stdout).toContain('waitid: 0 signo 17 code 1 pid child status 9');
    });
  });
}
