// Threads (issue #4): clone(CLONE_THREAD), thread exit and CLONE_CHILD_CLEARTID, futex, signals
// to one thread, exit_group and execve from a thread — tests/programs/threads.c, built with
// musl-gcc and gcc, run natively and under wasl; stdout, stderr and exit status must match byte
// for byte. The program prints only what scheduling cannot change (from the main thread, after
// joins). A Go program (goroutines over several OS threads, preemption by signal) is built with
// the host's Go toolchain when there is one.

import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, hasCommand, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/threads.c');
const GO_SRC = join(ROOT, 'tests/programs/goroutines.go');

/** mode → what it covers (the test's name). */
const MODES: Array<[string, string]> = [
  ['create', 'pthread_create/pthread_join with return values'],
  ['mutex', '16 threads increment a counter under a mutex (with yields while holding it)'],
  ['cond', 'condition variables: producers/consumers over a bounded ring; timedwait times out'],
  ['exit', 'pthread_exit, detached threads, main thread leaving with pthread_exit'],
  ['tls', '__thread variables are per thread (FS base from CLONE_SETTLS)'],
  ['kill', 'pthread_kill to a thread in pause (EINTR, handler on that thread); tgkill ESRCH; thread-pending signals'],
  ['ids', 'gettid distinct per thread, getpid shared; sched_getaffinity by tid'],
  ['exitgroup', 'exit() from a thread ends every thread (exit_group) with its status'],
  ['barrier', 'pthread_barrier_wait across three phases'],
  ['futex', 'raw futex: EAGAIN, ETIMEDOUT (relative, absolute), EINVAL, ENOSYS, CMP_REQUEUE, WAKE_OP'],
  ['more', 'a signal interrupts a futex wait (EINTR, or restart with SA_RESTART); robust mutex EOWNERDEAD; /proc/self/task; clone flag rules'],
  ['exec', 'execve from a non-leader thread: the others die, the caller takes the pid'],
];

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`threads, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const [mode, what] of MODES) {
      it(`${mode}: ${what}`, () => {
        const bin = buildStatic(SRC, tc, ['-pthread']);
        const native = runNative(bin, { args: [mode] });
        const wasl = runWasl(bin, { args: [mode] });
        expect(wasl).toEqual(native);
      });
    }
  });
}

/** Builds goroutines.go with CGO_ENABLED=0 (a static binary), cached like the C programs. */
function buildGo(): string {
  const cache = join(ROOT, 'tests/.build');
  mkdirSync(cache, { recursive: true });
  const hash = createHash('sha256').update(readFileSync(GO_SRC)).digest('hex').slice(0, 12);
  const out = join(cache, `goroutines-${hash}`);
  if (!existsSync(out)) {
    execFileSync('go', ['build', '-o', out, GO_SRC], {
      stdio: 'pipe',
      env: { ...process.env, CGO_ENABLED: '0', GO111MODULE: 'off', GOCACHE: join(cache, 'gocache'), GOFLAGS: '' },
    });
  }
  return out;
}

describe.skipIf(!hasCommand('go'))('threads, Go (skipped only if no `go` toolchain is installed)', () => {
  it('goroutines over OS threads: channels, sync.Mutex, a spinning goroutine preempted by SIGURG', () => {
    const bin = buildGo();
    const native = runNative(bin);
    const wasl = runWasl(bin);
    expect(wasl).toEqual(native);
  });
});
