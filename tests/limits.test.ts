// Resource limits (issue #10) and CPU-time accounting (issue #4), tests/programs/limits.c.
// Per-process limits and accounting are differential: the same program natively and under wasl
// (RLIMIT_NOFILE set from outside by util-linux's prlimit natively and by --max-files under
// wasl). The instance caps have no native twin; their expected outcomes are Linux's answers to
// the same shortage, taken from the man pages, not from wasl: a cgroup's pids.max makes fork
// fail with EAGAIN, memory.max OOM-kills with SIGKILL, and an exhausted RLIMIT_CPU hard limit
// kills with SIGKILL.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, hasCommand, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/limits.c');
const SIGKILLED = 128 + 9;

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`limits and accounting, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it('CPU time through clock_gettime, times, getrusage and wait4 rusage', () => {
      const bin = buildStatic(SRC, tc);
      expect(runWasl(bin, { args: ['rusage'] })).toEqual(runNative(bin, { args: ['rusage'] }));
    });

    it.skipIf(!hasCommand('prlimit'))('RLIMIT_NOFILE of 64: EMFILE at the 65th descriptor (skipped only without util-linux prlimit)', () => {
      const bin = buildStatic(SRC, tc);
      const native = runNative('/usr/bin/prlimit', { args: ['--nofile=64:64', bin, 'nofile'] });
      expect(runWasl(bin, { args: ['nofile'] }, ['--max-files', '64'])).toEqual(native);
    });
  });
}

describe.skipIf(!canBuild('musl'))('instance caps (skipped only without musl-gcc)', () => {
  it('RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one', () => {
    const bin = buildStatic(SRC, 'musl');
    const native = runNative(bin, { args: ['cpu'] });
    expect(native.status).toBe(SIGKILLED);
    expect(runWasl(bin, { args: ['cpu'] })).toEqual(native);
  }, 60_000);

  it('--max-tasks 6: the sixth fork fails with EAGAIN, as under pids.max', () => {
    const bin = buildStatic(SRC, 'musl');
    const r = runWasl(bin, { args: ['forks'] }, ['--max-tasks', '6']);
    expect(r).toEqual({ stdout: 'forked 5, then Resource temporarily unavailable\n', stderr: '', status: 0 });
  });

  it('--memory 192M: touching more memory is an OOM kill; natively the same program finishes', () => {
    const bin = buildStatic(SRC, 'musl');
    const dir = mkdtempSync(join(tmpdir(), 'wasl-oom-'));
    try {
      expect(runNative(bin, { args: ['touch', '512'] }).status).toBe(0);
      const r = runWasl(bin, { args: ['touch', '512'] }, ['--memory', '192M', '--log', join(dir, 'log')]);
      expect(r.status).toBe(SIGKILLED);
      const touched = [...r.stdout.matchAll(/touched (\d+) MiB/g)].map((m) => Number(m[1]));
      expect(Math.max(0, ...touched)).toBeLessThan(192);
      expect(readFileSync(join(dir, 'log'), 'utf8')).toMatch(/out of memory .*killed by signal 9/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--cpu-time 1: a spinning instance is killed once its CPU second is spent', () => {
    const bin = buildStatic(SRC, 'musl');
    const r = runWasl(bin, { args: ['spin'] }, ['--cpu-time', '1']);
    expect(r.status).toBe(SIGKILLED);
  }, 60_000);
});
