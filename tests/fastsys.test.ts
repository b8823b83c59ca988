// The in-core syscall shortcut (cpu/ops/fastsys.ts, lxcore/kernel/fastsys.ts; issue #11):
// tests/programs/fastsys.c makes getpid-class and clock syscalls (threads, fork, re-parenting,
// credentials it sets itself, TLB misses, bad pointers and clock ids) and must print what it
// prints natively, with the shortcut and without it (WASL_FASTSYS=0: every call through lxcore).
// Its CLOCK_REALTIME seconds must be the host's clock's.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl, type Outcome } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/fastsys.c');

/** The output without its REALTIME line, and that line's seconds. */
function split(o: Outcome): { rest: Outcome; realtime: number } {
  const m = /^REALTIME (\d+)\n/m.exec(o.stdout);
  return { rest: { ...o, stdout: o.stdout.replace(/^REALTIME \d+\n/m, '') }, realtime: m ? Number(m[1]) : NaN };
}

function checkRealtime(run: () => Outcome): Outcome {
  const before = Math.floor(Date.now() / 1000);
  const o = run();
  const after = Math.ceil(Date.now() / 1000);
  const { rest, realtime } = split(o);
  expect(realtime).toBeGreaterThanOrEqual(before);
  expect(realtime).toBeLessThanOrEqual(after);
  return rest;
}

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`syscalls answered in the core, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it('ids, clocks, errors as natively; the same through lxcore alone; CLOCK_REALTIME is the host clock', () => {
      const bin = buildStatic(SRC, tc, ['-pthread']);
      const native = checkRealtime(() => runNative(bin));
      expect(native.status).toBe(0);
      expect(checkRealtime(() => runWasl(bin))).toEqual(native);
      expect(checkRealtime(() => runWasl(bin, { env: { WASL_FASTSYS: '0' } }))).toEqual(native);
    });
  });
}

describe.skipIf(!canBuild('musl'))('--strace still sees the calls the core would answer (skipped only if musl-gcc is missing)', () => {
  it('getpid, gettid, getppid, clock_gettime, gettimeofday and time appear in the trace', () => {
    const bin = buildStatic(SRC, 'musl', ['-pthread']);
    const o = runWasl(bin, {}, ['--strace']);
    expect(o.status).toBe(0);
    for (const call of ['getpid()', 'gettid()', 'getppid()', 'getuid()', 'clock_gettime(CLOCK_MONOTONIC,', 'gettimeofday(', 'time(']) {
      expect(o.stderr).toContain(call);
    }
  });
});
