// File-tree syscalls against the host kernel: the same program natively, under wasl with the
// host passthrough, and under `wasl --isolated` and `wasl --root DIR` (its files in volfs, in
// memory or on disk, through lxcore's VFS: path walk, permissions, creation, rename rules) —
// four identical outputs.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`file operations, ${tc} static (skipped only if its compiler is missing)`, () => {
    it('native, passthrough, isolated and persistent volfs agree', () => {
      const bin = buildStatic(join(ROOT, 'tests/programs/fileops.c'), tc);
      const dir = mkdtempSync(join(tmpdir(), 'wasl-fileops-'));
      try {
        const native = runNative(bin, { cwd: dir });
        expect(native.status).toBe(0);
        expect(runWasl(bin, { cwd: dir })).toEqual(native);
        // --isolated starts in / of an empty volfs: "work" is made there.
        expect(runWasl(bin, { cwd: dir }, ['--isolated'])).toEqual(native);
        // --root: the same volfs semantics over the persistent store.
        expect(runWasl(bin, { cwd: dir }, ['--root', join(dir, 'store')])).toEqual(native);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
