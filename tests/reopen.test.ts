// open("/proc/self/fd/N") is a new open of the file N names, not N's description
// (tests/programs/reopen.c): glibc on the host passthrough, musl on volfs, each against native.

import { expect } from 'vitest';
import { join } from 'node:path';
import { ROOT } from './support/build.js';
import { bothWays } from './support/bothways.js';

bothWays('reopening through /proc/self/fd', join(ROOT, 'tests/programs/reopen.c'), (native) => {
  expect(native.status).toBe(0);
  expect(native.stdout).toContain('it read "012" (its own offset)');
  expect(native.stdout).toContain('read 5 from the deleted file reopened: 5');
});
