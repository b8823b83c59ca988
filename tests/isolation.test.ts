// `wasl --isolated --mount GUEST=HOST`: a guest that tries every path trick — "..", absolute and
// relative symlinks planted inside the mount, links and renames out of it — reaches nothing of
// the host outside the mounted directory, and creates nothing there (DESIGN.md §5, issue #10).

import { it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readdirSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runWasl } from './support/run.js';

it.skipIf(!canBuild('musl'))('no escape from a drvfs mount in an isolated instance (skipped only without musl-gcc)', () => {
  const base = mkdtempSync(join(tmpdir(), 'wasl-escape-'));
  try {
    const secret = join(base, 'secret.txt');
    writeFileSync(secret, 'HOST-SECRET\n');
    const mounted = join(base, 'mounted');
    mkdirSync(mounted);
    const bin = buildStatic(join(ROOT, 'tests/programs/escape.c'), 'musl');
    const r = runWasl(bin, { args: [secret] }, ['--isolated', '--mount', `/mnt/data=${mounted}`]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('HOST-SECRET');
    expect(r.stdout).not.toContain('root:');
    expect(r.stdout).toMatch(/^cwd after 20 x \.\.: \/$/m);
    // Nothing created or moved outside the mounted directory; inside, only what the guest made.
    expect(readdirSync(base).sort()).toEqual(['mounted', 'secret.txt']);
    expect(existsSync('/escaped')).toBe(false);
    expect(readdirSync(mounted).sort()).toEqual(['abs-link', 'rel-link', 'root-link']);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
