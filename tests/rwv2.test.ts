// preadv, pwritev, preadv2 and pwritev2: tests/programs/rwv2.c — offsets and the file position,
// pipes (ESPIPE, RWF_NOWAIT's EAGAIN), RWF_APPEND and RWF_NOAPPEND (on an O_APPEND host file
// too), RWF_SYNC/RWF_DSYNC, unknown flags and bad offsets — built with gcc and musl-gcc, run
// natively and under wasl (glibc on the passthrough, musl in an isolated root).

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative, runWasl } from './support/run.js';
import { BOTH_WAYS } from './support/bothways.js';

const SRC = join(ROOT, 'tests/programs/rwv2.c');

for (const [tc, where, flags] of BOTH_WAYS) {
  describe.skipIf(!canBuild(tc))(`preadv/pwritev and their v2 forms, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it(where, () => {
      const bin = buildStatic(SRC, tc);
      const dir = mkdtempSync(join(tmpdir(), 'wasl-rwv2-'));
      try {
        const native = runNative(bin, { args: [join(dir, 'native')] });
        const wasl = runWasl(bin, { args: [flags.length ? '/tmp/rwv2' : join(dir, 'wasl')] }, flags);
        expect(wasl).toEqual(native);
        expect(native.stdout).toContain('preadv at 4: 10');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
