// Every field of stat, lstat, fstat, fstatat(AT_EMPTY_PATH) and statx for host files, against
// native on the same files (tests/programs/statfields.c): wasl reads a host file's status through
// Node's fs binding where it can (lxcore/fs/hoststat.ts) and through fs.*Sync otherwise
// (WASL_FS_BINDING=0); both ways must print what the host's own stat(2) does, byte for byte —
// times before 1970 and with 999999999 ns, a size past 2^40, a FIFO, a symlink, the root. (wasl's /dev is its own devfs, not the host's.)

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

describe.skipIf(!canBuild('glibc'))('stat fields of host files, glibc static (skipped only if gcc with libc.a is missing)', () => {
  let dir = '', bin = '';
  beforeAll(() => {
    bin = buildStatic(join(ROOT, 'tests/programs/statfields.c'), 'glibc');
    dir = mkdtempSync(join(tmpdir(), 'wasl-statfields-'));
    expect(runNative(bin, { args: ['prepare', dir] }).status).toBe(0);
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  for (const binding of ['1', '0']) {
    it(`host passthrough, WASL_FS_BINDING=${binding}`, () => {
      const native = runNative(bin, { args: ['show', dir] });
      const wasl = runWasl(bin, { args: ['show', dir], env: { WASL_FS_BINDING: binding } });
      expect(wasl).toEqual(native);
      expect(native.status).toBe(0);
      expect(native.stdout).toContain('atime -2.123456789 mtime 1700000000.999999999');
      expect(native.stdout).toContain('size 1099511627779');
      expect(native.stdout).not.toContain('error');
    });
  }

  // The same files through a drvfs mount with `metadata` (--isolated --mount): the mount's view
  // keeps the host's mode and owner, and has a device number of its own (WSL's), so st_dev is
  // left out of the comparison, and "/" (volfs there) with it.
  const mine = (out: string) => out.split('\n').filter((l) => !/ \/: /.test(l)).join('\n')
    .replace(/dev \d+(:\d+)? ino/g, 'dev - ino').replace(/ dev \d+:\d+$/gm, ' dev -');
  for (const binding of ['1', '0']) {
    it(`drvfs mount with metadata, WASL_FS_BINDING=${binding}`, () => {
      const native = runNative(bin, { args: ['show', dir] });
      const wasl = runWasl(bin, { args: ['show', '/mnt/s'], env: { WASL_FS_BINDING: binding } }, ['--isolated', '--mount', `/mnt/s=${dir}:metadata`]);
      expect(wasl.status).toBe(native.status);
      expect(wasl.stderr).toBe(native.stderr);
      expect(mine(wasl.stdout)).toBe(mine(native.stdout));
      expect(mine(native.stdout)).toContain('stat f: dev - ino');
    });
  }
});
