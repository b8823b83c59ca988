// A directory of a drvfs mount swapped for a symlink out of the mount between check and use
// (tests/programs/swap.c, under `wasl --isolated --mount`): what a descriptor opened on the
// directory lists is what Linux lists (compared with a native run: the directory it opened, not
// what its old name now leads to), and no path through the swapped name — once, or while a
// second guest process swaps it back and forth — reads or lists the host directory outside.

import { it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from '../support/build.js';
import { runNative, runWasl } from '../support/run.js';

it.skipIf(!canBuild('musl'))('drvfs: a directory swapped for a symlink out of the mount leaks nothing (skipped only without musl-gcc)', () => {
  const bin = buildStatic(join(ROOT, 'tests/programs/swap.c'), 'musl');
  const outside = mkdtempSync(join(tmpdir(), 'wasl-outside-'));
  const mounted = mkdtempSync(join(tmpdir(), 'wasl-swapmnt-'));
  const native = mkdtempSync(join(tmpdir(), 'wasl-swapnat-'));
  try {
    writeFileSync(join(outside, 'f'), 'HOST-SECRET\n');
    writeFileSync(join(outside, 'outside-only'), '');
    const w = runWasl(bin, { args: ['/mnt/data', outside] }, ['--isolated', '--network=none', '--mount', `/mnt/data=${mounted}`]);
    expect(w.stderr).toBe('');
    expect(w.status).toBe(0);
    const n = runNative(bin, { args: [native, outside] });
    expect(n.status).toBe(0);
    const lines = (s: string, guest: boolean) => s.split('\n').filter((l) => l && l.startsWith('guest:') === guest);
    // The descriptor's listing: Linux's answer, natively.
    expect(lines(w.stdout, false)).toEqual(lines(n.stdout, false));
    expect(lines(n.stdout, false)).toContain('dirfd lists after the swap: f');
    // Paths through the swapped name, in the guest: resolved in the guest's namespace, where the
    // host directory does not exist.
    expect(lines(w.stdout, true)).toEqual([
      'guest: d/f after the swap: errno 2',
      // Linux links the open file ("inside"); wasl can link only by name, and refuses (quirks.md).
      'guest: linkat(AT_EMPTY_PATH) of d/f\'s descriptor after the swap: -1 errno 2, linked: errno 2',
      'guest: while swapping: read the outside file 0 times, listed the outside directory 0 times',
    ]);
    expect(readdirSync(outside).sort()).toEqual(['f', 'outside-only']);
    expect(readFileSync(join(outside, 'f'), 'utf8')).toBe('HOST-SECRET\n');
  } finally {
    for (const d of [outside, mounted, native]) rmSync(d, { recursive: true, force: true });
  }
}, 120_000);
