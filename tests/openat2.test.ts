// openat2(2): tests/programs/openat2.c — open_how's checks (size, unknown flags and resolve
// bits, modes, O_PATH companions, RESOLVE_CACHED's EAGAIN) and every RESOLVE_* flag over a tree
// with symlinks inside it, leading out of it and absolute, a loop and a magic link — built with
// gcc and musl-gcc, run natively and under wasl (glibc on the passthrough, musl in an isolated
// root).

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative, runWasl } from './support/run.js';
import { BOTH_WAYS } from './support/bothways.js';

const SRC = join(ROOT, 'tests/programs/openat2.c');

for (const [tc, where, flags] of BOTH_WAYS) {
  describe.skipIf(!canBuild(tc))(`openat2, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it(where, () => {
      const bin = buildStatic(SRC, tc);
      const dir = mkdtempSync(join(tmpdir(), 'wasl-openat2-'));
      try {
        const native = runNative(bin, { args: [join(dir, 'native')] });
        const wasl = runWasl(bin, { args: [flags.length ? '/tmp/openat2' : join(dir, 'wasl')] }, flags);
        expect(wasl).toEqual(native);
        expect(native.stdout).toMatch(/link leading out: -1 (Invalid cross-device link|Cross-device link)/); // glibc's and musl's strerror
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
