// Identity (issue #4) and permissions as root and as an unprivileged uid (issue #5):
// tests/programs/identity.c natively (in a host temp directory) and under `wasl --isolated` (the
// same path inside the instance's volfs, where lxcore's VFS checks permissions with the guest's
// fsuid). Root's capability set is the host's: in a container without CAP_SYS_RESOURCE, wasl's
// root lacks it too, so the outputs agree wherever the tests run.

import { describe, it, expect } from 'vitest';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/identity.c');

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`identity, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it('set*id rules, setgroups, setfsuid, capget/capset, RLIMIT_NPROC, DAC and sticky directories as uid 1000', () => {
      const bin = buildStatic(SRC, tc);
      const base = mkdtempSync(join(tmpdir(), 'wasl-id-'));
      chmodSync(base, 0o755); // as a directory made by mkdir under umask 022, as in the instance
      try {
        const dir = join(base, 'files');
        const native = runNative(bin, { args: [dir] });
        expect(runWasl(bin, { args: [dir] }, ['--isolated'])).toEqual(native);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    });
  });
}
