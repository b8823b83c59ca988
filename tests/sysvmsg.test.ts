// System V message queues: tests/programs/sysvmsg.c — msgget's rules, msgsnd/msgrcv by type (0,
// > 0, < 0, MSG_EXCEPT, MSG_COPY), MSG_NOERROR and E2BIG, IPC_NOWAIT, a full queue blocking a
// sender, a receiver woken by a send, EINTR despite SA_RESTART, EIDRM, msgctl and permissions as
// uid 1000 — built with gcc and musl-gcc, run natively and under wasl (glibc on the passthrough,
// musl in an isolated root).

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/sysvmsg.c');
const RUNS: Array<[Toolchain, string, string[]]> = [
  ['glibc', 'host passthrough', []],
  ['musl', 'isolated volfs root', ['--isolated']],
];

for (const [tc, where, flags] of RUNS) {
  describe.skipIf(!canBuild(tc))(`System V message queues, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it(where, () => {
      const bin = buildStatic(SRC, tc);
      const native = runNative(bin);
      const wasl = runWasl(bin, {}, flags);
      expect(wasl).toEqual(native);
      expect(native.stdout).toContain('child: waiting when the queue went: -1 Identifier removed');
    });
  });
}

// /proc/sysvipc/{shm,sem,msg}: the headers as printed, and for this program's own objects the
// line lengths (fixed-width columns) and the machine-independent columns.
const PROC = join(ROOT, 'tests/programs/sysvproc.c');
for (const [tc, where, flags] of RUNS) {
  describe.skipIf(!canBuild(tc))(`/proc/sysvipc, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it(where, () => {
      const bin = buildStatic(PROC, tc);
      const native = runNative(bin);
      const wasl = runWasl(bin, {}, flags);
      expect(wasl).toEqual(native);
      expect(native.stdout).toMatch(/shm line: length \d+/);
    });
  });
}
