// pidfds: tests/programs/pidfd.c — pidfd_open and its errors, the descriptor's flags, link and
// fdinfo, poll (POLLIN at exit, POLLHUP once reaped), waitid(P_PIDFD) with WNOHANG, WNOWAIT and a
// PIDFD_NONBLOCK pidfd, pidfd_send_signal (siginfo rules, zombies, reaped processes),
// pidfd_getfd, and CLONE_PIDFD through clone and clone3 — built with gcc and musl-gcc, run
// natively and under wasl (glibc on the host passthrough, musl in an isolated root).

import { expect } from 'vitest';
import { join } from 'node:path';
import { ROOT } from './support/build.js';
import { bothWays } from './support/bothways.js';

bothWays('pidfds', join(ROOT, 'tests/programs/pidfd.c'), (native) => {
  expect(native.stdout).toContain('waitid: 0 signo 17 code 1 pid child status 9');
});
