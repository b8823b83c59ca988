// System V semaphores: tests/programs/sysvsem.c — semget's rules, semop (all or nothing, in
// order, IPC_NOWAIT, ERANGE/EFBIG/E2BIG), waiting with GETNCNT/GETZCNT and the wake-ups,
// semtimedop's timeout, EINTR despite SA_RESTART, EIDRM, SEM_UNDO at exit, semctl's commands and
// permissions as uid 1000 — built with gcc and musl-gcc, run natively and under wasl (glibc on the
// passthrough, musl in an isolated root).

import { expect } from 'vitest';
import { join } from 'node:path';
import { ROOT } from './support/build.js';
import { bothWays } from './support/bothways.js';

bothWays('System V semaphores', join(ROOT, 'tests/programs/sysvsem.c'), (native) => {
  expect(native.stdout).toContain('child: waiting when the set went: -1 Identifier removed');
});
