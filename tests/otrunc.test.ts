// O_RDONLY|O_TRUNC as Linux does it (tests/programs/otrunc.c): write permission asked for, a
// regular file truncated, EISDIR for a directory — on the host passthrough (glibc; as root only,
// since there the host checks wasl's own uid: docs/quirks.md) and on volfs in an isolated root
// (musl; also as uid 1000), each compared with the program run natively.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/otrunc.c');
const WAYS: Array<['glibc' | 'musl', string, string[], string[]]> = [
  ['glibc', 'host passthrough, as root', ['root-only'], []],
  ['musl', 'isolated volfs root, as root and as uid 1000', [], ['--isolated']],
];

for (const [tc, where, args, flags] of WAYS) {
  describe.skipIf(!canBuild(tc))(`O_TRUNC with O_RDONLY, ${tc} static (skipped only if its toolchain is missing)`, () => {
    it(where, () => {
      const bin = buildStatic(SRC, tc);
      const native = runNative(bin, { args });
      const wasl = runWasl(bin, { args }, flags);
      expect(wasl).toEqual(native);
      expect(native.status).toBe(0);
      expect(native.stdout).toContain('rdonly|trunc of a regular file: ok, size 0');
      expect(native.stdout).toContain('rdonly|trunc of a directory: Is a directory');
    });
  });
}
