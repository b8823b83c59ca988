// read, pread64, readv and preadv into buffers the kernel cannot wholly write, against native
// (tests/programs/readfault.c): a short count up to the first bad page, EFAULT with nothing
// copied and a regular file's position unmoved, 0 at the end of the file. musl build.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

describe.skipIf(!canBuild('musl'))('reads into bad buffers, musl static (skipped only if musl-gcc is missing)', () => {
  it('a host file and the program itself: counts, errors and positions as natively', () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/readfault.c'), 'musl');
    const dir = mkdtempSync(join(tmpdir(), 'wasl-readfault-'));
    try {
      const file = join(dir, 'data');
      writeFileSync(file, Buffer.alloc(5000, 'x'));
      const native = runNative(bin, { args: [file] });
      expect(native.stdout).toMatch(/^read 100, 10 bytes before a hole +10 +pos 10$/m);
      expect(runWasl(bin, { args: [file] })).toEqual(native);
      expect(runWasl(bin)).toEqual(runNative(bin)); // /proc/self/exe
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a pipe keeps the buffers a read could not deliver whole, as pipe_read does', () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/pipefault.c'), 'musl');
    const native = runNative(bin);
    // Linux's answers, checked here so that a change of the host shows: nothing consumed from a
    // buffer the copy did not get through, the whole buffers before it counted.
    expect(native.stdout).toMatch(/^one buffer, bad at 50: -1 Bad address\none buffer: 100 bytes left/m);
    expect(native.stdout).toMatch(/^two buffers, bad in the second: 4096$/m);
    expect(runWasl(bin)).toEqual(native);
  });
});
