// Host directory listings against native after changes made right after a listing was kept
// (tests/programs/hostdir.c; lxcore/fs/dirlist.ts keeps listings while the directory's ctime says
// they hold): d_ino equal to st_ino and d_type to the mode for every entry, names in the
// directory's own order, rewinddir, telldir/seekdir. Host passthrough only: the order compared is
// the host filesystem's, which an isolated volfs root does not have.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

describe.skipIf(!canBuild('glibc'))('host directory listings after changes, glibc static (skipped only if gcc with libc.a is missing)', () => {
  it('host passthrough', () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/hostdir.c'), 'glibc');
    const native = runNative(bin);
    const wasl = runWasl(bin);
    expect(wasl).toEqual(native);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain('f002');
    expect(native.stdout).not.toMatch(/d_ino unlike st_ino: [1-9]/);
    expect(native.stdout).toContain('seekdir back to entry 41: same name');
  });
});

// busybox's ls, find and du over a real tree (this repository's lxcore/), twice under wasl: the
// second walk takes the kept listings. Same output as natively.
describe.skipIf(!existsSync('/usr/bin/busybox'))('busybox over a host tree (skipped only if /usr/bin/busybox is missing)', () => {
  const tree = join(ROOT, 'lxcore');
  for (const args of [['ls', '-laiR', tree], ['find', tree, '-type', 'f'], ['du', '-a', tree]]) {
    it(args.slice(0, 2).join(' '), () => {
      const native = runNative('/usr/bin/busybox', { args });
      expect(native.status).toBe(0);
      expect(native.stdout.split('\n').length).toBeGreaterThan(50);
      for (let i = 0; i < 2; i++) expect(runWasl('/usr/bin/busybox', { args })).toEqual(native);
    });
  }
});
