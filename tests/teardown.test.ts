// Teardown accounting (issue #10): an instance that ends — its first process exits or is killed
// with everything still open, and Kernel.shutdown kills what is left — gives back every host
// descriptor, socket and timer. tests/programs/leaky.c leaves open files on a drvfs mount and on
// a persistent volfs root, pipes, a TCP listener with a connected pair, UDP sockets, a POSIX
// timer and an interval timer, a pty, an eventfd, threads blocked on a futex and in accept, and
// a sleeping child. A node process of its own (tests/support/teardown-probe.mjs) runs it through
// the library API and compares its /proc/self/fd and process.getActiveResourcesInfo() before
// and after; the guest's statuses are the ones Linux gives (exit 0, SIGKILL).

import { it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';

it.skipIf(!canBuild('musl'))('instances that exit, are killed or shut down release every host fd, socket and timer (skipped only without musl-gcc)', () => {
  const bin = buildStatic(join(ROOT, 'tests/programs/leaky.c'), 'musl');
  const dir = mkdtempSync(join(tmpdir(), 'wasl-teardown-'));
  try {
    const scratch = join(dir, 'scratch');
    mkdirSync(scratch);
    const r = spawnSync(process.execPath, [join(ROOT, 'tests/support/teardown-probe.mjs'), bin, scratch, join(dir, 'root'), join(dir, 'out-')],
      { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout);
    expect(got.results.map((x: { mode: string; status: { code: number | null; signal: number | null }; output: string }) =>
      [x.mode, x.status.code, x.status.signal, x.output])).toEqual([
      ['warm-up', 0, null, 'ready\n'], ['exit', 0, null, 'ready\n'], ['kill', null, 9, 'ready\n'], ['wait', null, 9, 'ready\n']]);
    // The guest really made its files (on drvfs here; on the volfs root inside the store).
    expect(readdirSync(scratch).sort()).toEqual(['leak-exit', 'leak-kill', 'leak-wait', 'leak-warm-up']);
    expect(got.after).toEqual(got.before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 150_000);
