// MAP_SHARED file mappings and msync against the host kernel (tests/programs/mmapshared.c):
// natively, under wasl on the host passthrough, and under `wasl --isolated` (the file in volfs).

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

function scratch<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'wasl-mmapshared-'));
  try { return fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`shared file mappings, ${tc} static (skipped only if its compiler is missing)`, () => {
    it('stores reach the file at msync, munmap and exit; write(2) shows in the mapping; mappings and fork share pages', () => {
      const b = buildStatic(join(ROOT, 'tests/programs/mmapshared.c'), tc);
      const native = scratch((d) => runNative(b, { cwd: d }));
      expect(native.status).toBe(0);
      expect(scratch((d) => runWasl(b, { cwd: d }))).toEqual(native);
      expect(scratch((d) => runWasl(b, { cwd: d }, ['--isolated']))).toEqual(native);
    });
  });
}
