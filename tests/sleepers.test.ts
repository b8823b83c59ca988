// A guest whose tasks all sleep with nothing inside wasl left to wake them stays asleep, as on
// Linux, until something outside ends it: wasl's CLI does not exit (status 0, as if the program
// had ended) once the host's event loop has nothing else to do. musl build, against native.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { spawnSync } from 'node:child_process';
import { runNative, runWasl, WASL_CLI, JIT_ARGS } from './support/run.js';

/** Runs argv for `ms`, then SIGTERM (spawnSync's timeout): what was printed and how it ended. */
function endedBy(argv: string[], ms: number): { stdout: string; signal: string | null; status: number | null } {
  const r = spawnSync(argv[0], argv.slice(1), { timeout: ms, killSignal: 'SIGTERM', input: '', env: { PATH: '/usr/bin:/bin' } });
  return { stdout: String(r.stdout), signal: r.signal, status: r.status };
}

describe.skipIf(!canBuild('musl'))('sleeping tasks, musl static (skipped only if musl-gcc is missing)', () => {
  const bin = () => buildStatic(join(ROOT, 'tests/programs/sleepforever.c'), 'musl');
  it('a read nothing will answer keeps the process alive until SIGTERM', () => {
    // Still asleep when SIGTERM comes, both ways, with only "asleep" printed.
    const native = endedBy([bin()], 1500);
    expect(native).toEqual({ stdout: 'asleep\n', signal: 'SIGTERM', status: null });
    expect(endedBy([process.execPath, WASL_CLI, ...JIT_ARGS, bin()], 4000)).toEqual(native);
  });
  it('a sleep a child ends: both finish by themselves', () => {
    const native = runNative(bin(), { args: ['child'] });
    expect(native.stdout).toBe("read 1 'x', child status 7\n");
    expect(runWasl(bin(), { args: ['child'] })).toEqual(native);
  });
});
