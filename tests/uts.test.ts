// sethostname(2) and setdomainname(2) (issue #4): tests/programs/uts.c, built with musl-gcc and
// gcc, run natively in a UTS namespace of its own (`unshare -u`, which needs root: CI runs as
// root) and under wasl, whose instance is its own UTS namespace; outputs must match.

import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, hasCommand, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/uts.c');
const canUnshare = process.getuid?.() === 0 && hasCommand('unshare') && spawnSync('unshare', ['-u', 'true']).status === 0;

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc) || !canUnshare)(`UTS names, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing, or unshare -u cannot run: it needs root)`, () => {
    it('sethostname/setdomainname: uname, gethostname, getdomainname and /proc/sys/kernel agree; 64-byte limit, EFAULT, EPERM for uid 1000', () => {
      const bin = buildStatic(SRC, tc);
      const native = runNative('/usr/bin/unshare', { args: ['-u', bin] });
      const wasl = runWasl(bin);
      expect(wasl).toEqual(native);
    });
  });
}
