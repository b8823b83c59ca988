// inotify against the host kernel (tests/programs/inotify.c): the events of changes the program makes,
// natively, under wasl on the host passthrough, and under `wasl --isolated` (the files in volfs).

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

function scratch<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'wasl-inotify-'));
  try { return fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`inotify, ${tc} static (skipped only if its compiler is missing)`, () => {
    it('create, open, modify, access, close, attrib, moves with cookies, link, unlink, delete_self, oneshot, mask add/create, errors, poll, FIONREAD', () => {
      const b = buildStatic(join(ROOT, 'tests/programs/inotify.c'), tc);
      const native = scratch((d) => runNative(b, { cwd: d }));
      expect(native.status).toBe(0);
      expect(scratch((d) => runWasl(b, { cwd: d }))).toEqual(native);
      expect(scratch((d) => runWasl(b, { cwd: d }, ['--isolated']))).toEqual(native);
    });
  });
}
