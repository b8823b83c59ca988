// Scheduling attributes (issue #4): tests/programs/sched.c — nice values, policies and priorities,
// CPU affinity and getcpu with their permission rules — built with musl-gcc and gcc, run natively
// and under wasl; stdout, stderr and exit status must match. The program drops from root to
// uid 1000 to see the unprivileged answers, so it needs root (CI runs as root); elsewhere the
// tests are skipped, saying so.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/sched.c');
const ROOT_USER = process.getuid?.() === 0;

const MODES: Array<[string, string]> = [
  ['nice', 'getpriority/setpriority: raw values, clamping, groups, inheritance, EACCES and EPERM for uid 1000'],
  ['policy', 'sched_setscheduler/getscheduler/setparam/getparam, priority ranges, RESET_ON_FORK, RR slice, unprivileged rules'],
  ['affinity', 'sched_setaffinity/getaffinity: sizes, empty and impossible masks, inheritance, /proc status, getcpu, EPERM'],
];

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc) || !ROOT_USER)(`scheduling attributes, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing or not running as root)`, () => {
    for (const [mode, what] of MODES) {
      it(`${mode}: ${what}`, () => {
        const bin = buildStatic(SRC, tc);
        const native = runNative(bin, { args: [mode] });
        const wasl = runWasl(bin, { args: [mode] });
        expect(wasl).toEqual(native);
      });
    }
  });
}
