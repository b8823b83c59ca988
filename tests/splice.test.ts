// copy_file_range, splice, tee, SEEK_DATA/SEEK_HOLE and O_TMPFILE against the host kernel
// (tests/programs/splice.c): the same program natively, under wasl on the host passthrough and
// under `wasl --isolated` (volfs), outputs compared byte for byte.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl, WASL_CLI } from './support/run.js';

function scratch<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'wasl-splice-'));
  try { return fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`copy_file_range, splice, tee, SEEK_DATA, O_TMPFILE, ${tc} static (skipped only if its compiler is missing)`, () => {
    const bin = () => buildStatic(join(ROOT, 'tests/programs/splice.c'), tc);

    it('copy_file_range, splice, tee and SEEK_DATA/SEEK_HOLE: native, passthrough and isolated agree', () => {
      const b = bin();
      const native = scratch((d) => runNative(b, { cwd: d }));
      expect(native.status).toBe(0);
      expect(scratch((d) => runWasl(b, { cwd: d }))).toEqual(native);
      expect(scratch((d) => runWasl(b, { cwd: d }, ['--isolated']))).toEqual(native);
    });

    // Host directories refuse O_TMPFILE under wasl (EOPNOTSUPP: Node has no linkat to name the
    // file later; docs/quirks.md), so the comparison is with wasl's own filesystem, volfs.
    it('O_TMPFILE, linkat(AT_EMPTY_PATH) and /proc/self/fd linking: native and isolated agree', () => {
      const b = bin();
      const native = scratch((d) => runNative(b, { cwd: d, args: ['tmpfile'] }));
      expect(native.status).toBe(0);
      expect(native.stdout).toContain('O_TMPFILE|O_RDWR: ok');
      expect(scratch((d) => runWasl(b, { cwd: d, args: ['tmpfile'] }, ['--isolated']))).toEqual(native);
    });
  });
}

// coreutils' cat (9.x, Debian's) copies with copy_file_range(in, NULL, 1, NULL, …) when stdout is
// a regular file: with stdout inherited from the host, the bytes must land at the host's shared
// offset, so that what the shell writes next follows them instead of overwriting them.
describe('copy_file_range to a stdout redirected to a file', () => {
    it('cat then echo into one file: the same bytes natively and under wasl', () => {
      scratch((d) => {
        writeFileSync(join(d, 'in'), 'first line\n');
        const script = `cat ${join(d, 'in')}; echo after; cat ${join(d, 'in')}`;
        const native = spawnSync('sh', ['-c', `/bin/sh -c "$1" > ${join(d, 'native')}`, 'sh', script]);
        expect(native.status).toBe(0);
        const ours = spawnSync('sh', ['-c', `"${process.execPath}" "${WASL_CLI}" /bin/sh -c "$1" > ${join(d, 'ours')}`, 'sh', script]);
        expect(ours.status).toBe(0);
        expect(readFileSync(join(d, 'native'), 'utf8')).toBe('first line\nafter\nfirst line\n');
        expect(readFileSync(join(d, 'ours'), 'utf8')).toBe(readFileSync(join(d, 'native'), 'utf8'));
      });
    });
  });
