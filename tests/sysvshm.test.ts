// System V shared memory: tests/programs/sysvshm.c — shmget's key, size and permission rules (as
// root and uid 1000), shmat/shmdt (sharing across fork, SHM_RDONLY and mprotect, SHM_RND,
// SHM_REMAP, fixed addresses), shmctl (IPC_STAT fields, attach counts, detach times and pids,
// IPC_SET, IPC_RMID while attached, IPC_INFO) and the /SYSV maps name — built with gcc and
// musl-gcc, run natively and under wasl (glibc on the passthrough, musl in an isolated root).

import { expect } from 'vitest';
import { join } from 'node:path';
import { ROOT } from './support/build.js';
import { bothWays } from './support/bothways.js';

bothWays('System V shared memory', join(ROOT, 'tests/programs/sysvshm.c'), (native) => {
  expect(native.stdout).toContain('parent reads: child wrote that');
});
