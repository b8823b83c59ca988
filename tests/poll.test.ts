// Readiness (poll, ppoll, select, pselect6, epoll, eventfd, signalfd readiness, stdin probed
// before a read) — tests/programs/poll.c, built with musl-gcc and gcc, run natively and under
// wasl; stdout, stderr and exit status must match byte for byte.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/poll.c');

/** mode → what it covers (the test's name); stdin is fed to every run. */
const MODES: Array<[string, string]> = [
  ['poll', 'poll on pipes: readiness bits, timeouts, wake-up by a child, POLLHUP/POLLERR/POLLNVAL, EINVAL, EINTR'],
  ['ppoll', 'ppoll: the temporary sigmask lets a pending signal in, timeouts, EINVAL'],
  ['select', 'select/pselect: fd_set results, timeout written back, EBADF/EINVAL, EINTR'],
  ['epoll', 'epoll: level vs edge-triggered, ONESHOT, maxevents, errors, nesting and loops, close, epoll_pwait'],
  ['eventfd', 'eventfd counter and EFD_SEMAPHORE, readiness, epoll on an eventfd, signalfd readiness'],
  ['timerfd', 'timerfd: errors, one-shot and periodic expirations, absolute deadlines, gettime, poll/epoll readiness, fdinfo'],
  ['stdin', 'stdin (a host pipe) polled before reads: nothing lost or read twice, EOF'],
];

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`readiness, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const [mode, what] of MODES) {
      it(`${mode}: ${what}`, () => {
        const bin = buildStatic(SRC, tc);
        const spec = { args: [mode], stdin: 'hello world\nsecond\n' };
        const native = runNative(bin, spec);
        const wasl = runWasl(bin, spec);
        expect(wasl).toEqual(native);
      });
    }
  });
}
