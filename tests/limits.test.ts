// Resource limits (issue #10) and CPU-time accounting (issue #4), tests/programs/limits.c.
// Per-process limits and accounting are differential: the same program natively and under wasl
// (RLIMIT_NOFILE set from outside by util-linux's prlimit natively and by --max-files under
// wasl). The instance caps have no native twin; their expected outcomes are Linux's answers to
// the same shortage, taken from the man pages, not from wasl: a cgroup's pids.max makes fork
// fail with EAGAIN, memory.max OOM-kills with SIGKILL, and an exhausted RLIMIT_CPU hard limit
// kills with SIGKILL.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, openSync, closeSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir, constants } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, hasCommand, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';
import { runProgram } from '../lxcore/index.js';

const SRC = join(ROOT, 'tests/programs/limits.c');
const SIGKILLED = 128 + 9;
const OUTCAP = join(ROOT, 'tests/programs/outcap.c');

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

describe.skipIf(!canBuild('musl'))('the output cap (skipped only without musl-gcc)', () => {
  // The cap answers as RLIMIT_FSIZE does, so the oracle is the same program natively writing its
  // stdout to a file under that limit (util-linux prlimit): same status, same byte count, for a
  // cap that needs a short write (not a multiple of the program's 100-byte lines).
  it.skipIf(!hasCommand('prlimit'))('--max-output: SIGXFSZ at the cap, EFBIG once it is ignored, as natively at RLIMIT_FSIZE (skipped only without util-linux prlimit)', () => {
    const bin = buildStatic(OUTCAP, 'musl');
    const dir = mkdtempSync(join(tmpdir(), 'wasl-outcap-'));
    try {
      for (const mode of ['forever', 'ignore']) {
        const out = join(dir, mode);
        const fd = openSync(out, 'w');
        const r = spawnSync('prlimit', ['--fsize=100050', bin, mode], { stdio: ['ignore', fd, 'pipe'], timeout: 60_000 });
        closeSync(fd);
        const sig = r.signal ? (constants.signals as Record<string, number>)[r.signal] : 0;
        const native = { status: r.signal ? 128 + sig : r.status, stderr: String(r.stderr), bytes: statSync(out).size };
        expect(native.bytes).toBe(100050);
        const w = runWasl(bin, { args: [mode], timeoutMs: 60_000 }, ['--max-output', '100050']);
        expect({ status: w.status, stderr: w.stderr, bytes: w.stdout.length }, mode).toEqual(native);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('the API limit: a guest printing forever is stopped and the host event loop keeps running', async () => {
    const bin = buildStatic(OUTCAP, 'musl');
    const dir = mkdtempSync(join(tmpdir(), 'wasl-outcap-'));
    const out = join(dir, 'out');
    const fd = openSync(out, 'w');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const s = await runProgram(bin, { argv: ['outcap'], env: [], isolated: true, stdio: [0, fd, fd], limits: { output: 3_000_050 } });
      expect(s.signal).toBe(constants.signals.SIGXFSZ);
      expect(statSync(out).size).toBe(3_000_050);
      expect(ticks).toBeGreaterThan(0); // the host ran its own callbacks while the guest printed
    } finally {
      clearInterval(timer);
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
