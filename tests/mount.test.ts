// mount(2), umount2(2) and chroot(2) against the host kernel: tests/programs/mount.c runs natively
// as root in a private mount namespace (`unshare -m --propagation private`, so nothing it mounts
// reaches the host's table) and under wasl on the host passthrough, where its first mount gives
// the instance a namespace of its own; the outputs must be identical. tests/programs/pivot.c
// likewise, for descriptors on read-only mounts, fallocate and pivot_root.

import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, hasCommand, Toolchain } from './support/build.js';
import { runWasl, Outcome } from './support/run.js';

/** Native run in a private mount namespace (needs root: CAP_SYS_ADMIN for unshare and mount). */
function runNativePrivate(bin: string, cwd: string): Outcome {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', bin], {
    env: { PATH: '/usr/bin:/bin', LANG: 'C', HOME: '/root' }, cwd, input: '', timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { stdout: String(r.stdout), stderr: String(r.stderr), status: r.status ?? -1 };
}

const root = process.getuid?.() === 0;
const unshareWorks = root && hasCommand('unshare') &&
  spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  // The reference run mounts for real: only root in a mount namespace of its own can (CI is root).
  describe.skipIf(!canBuild(tc) || !unshareWorks)(`mount, umount2, chroot, ${tc} static (skipped if its compiler is missing, or not root, or unshare -m fails)`, () => {
    it('native (unshare -m) and wasl agree', () => {
      const bin = buildStatic(join(ROOT, 'tests/programs/mount.c'), tc);
      const dirs = [mkdtempSync(join(tmpdir(), 'wasl-mount-')), mkdtempSync(join(tmpdir(), 'wasl-mount-'))];
      try {
        const native = runNativePrivate(bin, dirs[0]);
        expect(native.status).toBe(0);
        expect(native.stdout).toContain('child root: ./r');
        const wasl = runWasl(bin, { cwd: dirs[1] });
        // Paths differ only in the scratch directory's name, which the program never prints.
        expect(wasl).toEqual(native);
      } finally {
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    });

    // tests/programs/pivot.c: the f* forms on descriptors of a read-only bind mount of a host
    // directory (a drvfs mount under wasl), a read-only remount with a writer open, fallocate on
    // a host file, and pivot_root's errors and moves (processes whose cwd was the old root and
    // elsewhere). The native run pivots inside its private namespace only.
    it('descriptors on read-only mounts, fallocate and pivot_root: native (unshare -m) and wasl agree', () => {
      const bin = buildStatic(join(ROOT, 'tests/programs/pivot.c'), tc);
      const dirs = [mkdtempSync(join(tmpdir(), 'wasl-pivot-')), mkdtempSync(join(tmpdir(), 'wasl-pivot-'))];
      try {
        const native = runNativePrivate(bin, dirs[0]);
        expect(native.status).toBe(0);
        expect(native.stdout).toContain('pivot_root(".", "old")');
        const wasl = runWasl(bin, { cwd: dirs[1] });
        expect(wasl).toEqual(native);
      } finally {
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    });
  });
}
