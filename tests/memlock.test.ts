// mlock, mlock2, munlock, mlockall, munlockall and membarrier: tests/programs/memlock.c, built
// with gcc and musl-gcc, run natively and under wasl (glibc on the host passthrough, musl in an
// isolated root). VmLck, the VMA splits and "lo" flags in /proc/self/smaps, partial application
// up to a hole (ENOMEM), RLIMIT_MEMLOCK as uid 1000, fork not inheriting locks, MCL_FUTURE, and
// membarrier's QUERY, registrations (inherited by fork) and EPERM must match. The program drops
// to uid 1000 for the unprivileged part, so without root both runs print "setuid failed".

import { expect } from 'vitest';
import { join } from 'node:path';
import { ROOT } from './support/build.js';
import { bothWays } from './support/bothways.js';

bothWays('memory locks and membarrier', join(ROOT, 'tests/programs/memlock.c'), (native) => {
  expect(native.stdout).toContain('lo]');
});
