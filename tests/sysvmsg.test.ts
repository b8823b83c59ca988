// System V message queues: tests/programs/sysvmsg.c — msgget's rules, msgsnd/msgrcv by type (0,
// > 0, < 0, MSG_EXCEPT, MSG_COPY), MSG_NOERROR and E2BIG, IPC_NOWAIT, a full queue blocking a
// sender, a receiver woken by a send, EINTR despite SA_RESTART, EIDRM, msgctl and permissions as
// uid 1000 — built with gcc and musl-gcc, run natively and under wasl (glibc on the passthrough,
// musl in an isolated root).

import { expect } from 'vitest';
import { join } from 'node:path';
import { ROOT } from './support/build.js';
import { bothWays } from './support/bothways.js';

bothWays('System V message queues', join(ROOT, 'tests/programs/sysvmsg.c'), (native) => {
  expect(native.stdout).toContain('child: waiting when the queue went: -1 Identifier removed');
});

// /proc/sysvipc/{shm,sem,msg}: the headers as printed, and for this program's own objects the
// line lengths (fixed-width columns) and the machine-independent columns.
bothWays('/proc/sysvipc', join(ROOT, 'tests/programs/sysvproc.c'), (native) => {
  expect(native.stdout).toMatch(/shm line: length \d+/);
});
