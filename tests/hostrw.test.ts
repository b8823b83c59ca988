// read, write, pread and pwrite of host files, buffers across pages, against native
// (tests/programs/hostrw.c): the direct path of lxcore/syscalls/sys_io.ts moves a regular host
// file's bytes straight between the file and guest memory.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

describe.skipIf(!canBuild('glibc'))('host file reads and writes across pages, glibc static (skipped only if gcc with libc.a is missing)', () => {
  it('host passthrough', () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/hostrw.c'), 'glibc');
    const native = runNative(bin);
    const wasl = runWasl(bin);
    expect(wasl).toEqual(native);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain('pread 200000 at 5: 200000');
    expect(native.stdout).toContain('child read 8000');
  });
});
