// Processes (issue #4): fork, vfork, posix_spawn, execve of programs and #! scripts, wait4 and
// waitid, pipes, sendfile, process groups and sessions, orphans, and signals interrupting
// blocked calls — tests/programs/procs.c, built with musl-gcc and gcc, run natively and under
// wasl, each run in a fresh scratch directory; stdout, stderr and exit status must match byte
// for byte.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl, Outcome } from './support/run.js';
import { spawnProgram } from '../lxcore/index.js';

const SRC = join(ROOT, 'tests/programs/procs.c');
const BUSYBOX = '/bin/busybox';

/** mode → what it covers (the test's name). */
const MODES: Array<[string, string]> = [
  ['wait', 'fork + wait: exit codes, signals, copy-on-write, wait(-1), getppid, SIGCHLD ignored'],
  ['wnohang', 'WNOHANG, ECHILD, waitid (WNOWAIT, CLD_KILLED, siginfo on no child)'],
  ['pipe', 'pipes: parent↔child, 1 MiB transfer, capacity, FIONREAD, O_NONBLOCK, EPIPE/SIGPIPE, EOF'],
  ['sendfile', 'sendfile: to a pipe, at an offset, to a file, EINVAL from a pipe'],
  ['exec', 'execve: self, /proc/self/exe, #! scripts and chains (ELOOP), errors, close-on-exec, fexecve'],
  ['spawn', 'posix_spawn with file actions; missing programs'],
  ['vfork', 'vfork: parent suspended until exit or exec'],
  ['orphan', 'orphans are reparented (getppid changes)'],
  ['pgrp', 'setpgid/getpgid/setsid/getsid and their errors; waitpid by group'],
  ['intr', 'signals and blocking calls: EINTR, SA_RESTART, partial pipe write, SIGCHLD siginfo'],
  ['stop', 'stopped and continued children: WUNTRACED, WCONTINUED, waitid CLD_STOPPED/CLD_CONTINUED'],
  ['orphanstop', 'orphaned process groups: job-control stops discarded, SIGSTOP not; SIGHUP+SIGCONT to a newly orphaned stopped group'],
];

function inScratch(run: (cwd: string) => Outcome): Outcome {
  const cwd = mkdtempSync(join(tmpdir(), 'wasl-procs-'));
  try { return run(cwd); } finally { rmSync(cwd, { recursive: true, force: true }); }
}

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`processes, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const [mode, what] of MODES) {
      it(`${mode}: ${what}`, () => {
        const bin = buildStatic(SRC, tc);
        const native = inScratch((cwd) => runNative(bin, { args: [mode], cwd }));
        const wasl = inScratch((cwd) => runWasl(bin, { args: [mode], cwd }));
        expect(wasl).toEqual(native);
      });
    }
  });
}

// The library API's view: a process's `exited` is its own end (what the CLI exits with), while
// Kernel.run() resolves only once every process — orphans included — is gone.
describe.skipIf(!existsSync(BUSYBOX))('process lifetimes through the library API (skipped only if /bin/busybox is missing)', () => {
  it('first process exits first; run() waits for its orphan; zombies are reaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasl-life-'));
    const out = join(dir, 'out');
    const fd = openSync(out, 'w');
    try {
      const { kernel, process: first } = spawnProgram(BUSYBOX, {
        argv: ['sh', '-c', '(sleep 0.2; echo late) & echo early; exit 3'],
        env: ['PATH=/usr/bin:/bin'], cwd: dir, stdio: [0, fd, 2],
      });
      const status = await first.exited;
      expect(status.code).toBe(3);
      expect([...kernel.processes.values()].filter((p) => !p.status)).toHaveLength(1); // the orphan
      await kernel.run();
      expect(kernel.processes.size).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('early\nlate\n');
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
