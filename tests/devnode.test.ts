// Character device nodes on lxcore's filesystems: tests/programs/devnode.c makes nodes with
// mknod (1:3 null, 1:5 zero, 1:7 full, 1:9 urandom, 1:99 without a driver) and uses them, as root
// and as uid 1000. Natively it runs in a host directory; under wasl, in an isolated volfs root,
// where the nodes live on volfs and open through the driver their number names. musl build.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/devnode.c');

describe.skipIf(!canBuild('musl'))('device nodes on volfs, musl static (skipped only if musl-gcc is missing)', () => {
  it('mknod, then open, read and write through the driver', (ctx) => {
    const bin = buildStatic(SRC, 'musl');
    const dir = mkdtempSync(join(tmpdir(), 'wasl-devnode-'));
    chmodSync(dir, 0o755); // uid 1000 must reach the nodes, as it can under wasl's /devnodes
    try {
      const native = runNative(bin, { args: [join(dir, 'nodes')] });
      // Natively mknod needs CAP_MKNOD and a mount without nodev: where the host refuses, there
      // is nothing to compare with (the test says so instead of passing).
      if (native.status === 3) { ctx.skip(`native mknod refused: ${native.stdout.trim()}`); return; }
      const wasl = runWasl(bin, { args: ['/devnodes'] }, ['--isolated']);
      expect(wasl).toEqual(native);
      expect(native.stdout).toContain('zero: read: 16');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!canBuild('musl'))('the memory devices at their edges, musl static (skipped only if musl-gcc is missing)', () => {
  it('/dev/null and /dev/full never read the buffer; /dev/zero and /dev/urandom as natively', () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/memdev.c'), 'musl');
    const native = runNative(bin);
    expect(native.stdout).toMatch(/^write \/dev\/null, 100 from 8 +100 $/m);
    expect(runWasl(bin)).toEqual(native);
  });
});
