// Signals against the native oracle (issue #4): the programs in tests/programs/sig*.c are built
// here with musl-gcc and gcc -static, run natively and under wasl, and must agree byte for byte —
// stdout, stderr and exit status (128 + signal when a signal kills them). They cover fault
// signals with their siginfo, the rt_sigframe layout and saved FPU state, handlers that edit
// their context, masks and queues, interrupted and restarted calls, timers, signalfd, sigaltstack
// and stop/continue.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl, RunSpec } from './support/run.js';

const programs = join(ROOT, 'tests/programs');

interface Case { name: string; src: string; spec?: RunSpec }

const CASES: Case[] = [
  { name: 'faults caught with their siginfo; contexts edited and returned through sigreturn', src: 'sigfault.c' },
  { name: 'rt_sigframe layout, saved and initial FPU state', src: 'sigframe.c' },
  { name: 'XSAVE-format frame: header, sw bytes, magic2, AT_MINSIGSTKSZ; sigreturn of both forms', src: 'xstate.c' },
  { name: 'XSAVE frame with a bad header: sigreturn kills', src: 'xstate.c', spec: { args: ['badheader'] } },
  { name: 'XSAVE frame with a bad MXCSR: sigreturn kills', src: 'xstate.c', spec: { args: ['badmxcsr'] } },
  { name: 'masks, pending sets, queue order, sigsuspend, sigtimedwait, errors', src: 'sigqueue.c' },
  { name: 'kill(0) and kill(-pgrp) reach the group', src: 'sigqueue.c', spec: { args: ['groups'] } },
  { name: 'timers, interrupted and restarted calls, signalfd', src: 'sigtimer.c' },
  { name: 'stack overflow caught on a sigaltstack', src: 'sigstack.c', spec: { args: ['overflow'] } },
  { name: 'stack overflow without an alternate stack kills', src: 'sigstack.c', spec: { args: ['noalt'] } },
  { name: 'a handler without SA_RESTORER kills', src: 'sigstack.c', spec: { args: ['norestorer'] } },
  { name: 'SIGSTOP/SIGCONT around nanosleep (restart_syscall)', src: 'sigstack.c', spec: { args: ['stopcont'] } },
  // A host timer that outlived its process would keep wasl running for 1000 s (the run times out).
  { name: 'killed in a long sleep: wasl exits at once', src: 'sigstack.c', spec: { args: ['killsleep'], timeoutMs: 30_000 } },
];

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`signals, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const c of CASES) {
      it(c.name, () => {
        const bin = buildStatic(join(programs, c.src), tc);
        const native = runNative(bin, c.spec);
        const wasl = runWasl(bin, c.spec);
        expect(wasl).toEqual(native);
      });
    }
  });
}
