// The main oracle (DESIGN.md §8): the same static program, built here from source with
// musl-gcc and gcc, runs natively and under wasl; stdout, stderr and exit status must match
// byte for byte.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl, RunSpec } from './support/run.js';

const examples = join(ROOT, 'examples/src');
const programs = join(ROOT, 'tests/programs');

interface Case { name: string; src: string; spec?: RunSpec; flags?: string[] }

const CASES: Case[] = [
  { name: 'hello', src: join(examples, 'hello.c') },
  { name: 'echoargs', src: join(examples, 'echoargs.c'),
    spec: { args: ['one', 'two words', '', 'ünïcødé', '--flag=x'], env: { WASL_A: '1', WASL_B: 'with space' } } },
  { name: 'exitcode 0', src: join(examples, 'exitcode.c'), spec: { args: ['0'] } },
  { name: 'exitcode 7', src: join(examples, 'exitcode.c'), spec: { args: ['7'] } },
  { name: 'exitcode 255', src: join(examples, 'exitcode.c'), spec: { args: ['255'] } },
  { name: 'exitcode 256 wraps', src: join(examples, 'exitcode.c'), spec: { args: ['256'] } },
  { name: 'primes', src: join(examples, 'primes.c'), spec: { args: ['300000'] } },
  { name: 'sort', src: join(examples, 'sort.c'), spec: { args: ['30000'] } },
  { name: 'sha256 of args', src: join(examples, 'sha256.c'), spec: { args: ['', 'abc', 'The quick brown fox jumps over the lazy dog'] } },
  { name: 'sha256 of 1 MiB', src: join(examples, 'sha256.c') },
  { name: 'sysprobe', src: join(programs, 'sysprobe.c') },
  { name: 'statx and statfs', src: join(programs, 'statx.c') },
  { name: 'madvise', src: join(programs, 'madvise.c') },
  { name: 'long double (printf %Lf %La, strtold, x87)', src: join(programs, 'longdouble.c') },
  { name: 'libm, __int128, SSE2..SSE4.2 intrinsics (-msse4.2)', src: join(programs, 'numeric.c'), flags: ['-msse4.2', '-lm'] },
  { name: 'the same, -O3 -msse4.2 (vectorised loops)', src: join(programs, 'numeric.c'), flags: ['-O3', '-msse4.2', '-lm'] },
  { name: 'segv', src: join(programs, 'faults.c'), spec: { args: ['segv'] } },
  { name: 'ud2', src: join(programs, 'faults.c'), spec: { args: ['ud2'] } },
  { name: 'divide by zero', src: join(programs, 'faults.c'), spec: { args: ['div'] } },
  { name: 'int3', src: join(programs, 'faults.c'), spec: { args: ['int3'] } },
  { name: 'hlt', src: join(programs, 'faults.c'), spec: { args: ['hlt'] } },
  { name: 'execute data', src: join(programs, 'faults.c'), spec: { args: ['exec-data'] } },
  { name: 'write text', src: join(programs, 'faults.c'), spec: { args: ['write-text'] } },
  { name: 'abort', src: join(programs, 'faults.c'), spec: { args: ['abort'] } },
];

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`differential, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const c of CASES) {
      it(c.name, () => {
        const bin = buildStatic(c.src, tc, c.flags);
        const native = runNative(bin, c.spec);
        const wasl = runWasl(bin, c.spec);
        expect(wasl).toEqual(native);
      });
    }
  });
}

// Static-pie (ET_DYN without an interpreter): relocated by the loader to a load base.
describe.skipIf(!canBuild('glibc'))('differential, glibc static-pie (skipped only if gcc with libc.a is missing)', () => {
  for (const c of CASES.filter((x) => ['hello', 'echoargs', 'sort', 'sysprobe', 'segv'].includes(x.name))) {
    it(c.name, () => {
      const bin = buildStatic(c.src, 'glibc', ['-static-pie', '-fPIE']);
      expect(runWasl(bin, c.spec)).toEqual(runNative(bin, c.spec));
    });
  }
});
