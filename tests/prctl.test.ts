// prctl(2) and exec of set-user-ID / set-group-ID files (issue #4): tests/programs/prctl.c,
// built with musl-gcc and gcc, run natively and under wasl in a fresh scratch directory each;
// stdout, stderr and exit status must match. The dumpable and setuid modes change uids and chown
// files, so they need root (CI runs as root); elsewhere they are skipped, saying so.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/prctl.c');
const ROOT_USER = process.getuid?.() === 0;

const MODES: Array<[string, string, boolean]> = [
  ['basic', 'every option wasl implements: values, defaults, inheritance and EINVAL rules', false],
  ['pdeath', 'PR_SET_PDEATHSIG fires when the parent exits; cleared by fork, kept by exec; a subreaper adopts the orphan', false],
  ['subreaper', 'PR_SET_CHILD_SUBREAPER: a live orphan and an orphaned zombie are adopted and reaped', false],
  ['dumpable', 'PR_GET_DUMPABLE after set*id and setfsuid, setgroups, and exec; AT_SECURE of a ruid≠euid exec', true],
  ['setuid', 'exec honours S_ISUID and S_ISGID (with group execute), not under no_new_privs; AT_SECURE, dumpable, PDEATHSIG reset', true],
];

/** Runs `fn` in a new scratch directory (others may traverse it: uid 1000 execs files there). */
function inScratch<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'wasl-prctl-'));
  chmodSync(dir, 0o755);
  try { return fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`prctl and set-id exec, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const [mode, what, needsRoot] of MODES) {
      it.skipIf(needsRoot && !ROOT_USER)(`${mode}: ${what}${needsRoot ? ' (needs root: skipped otherwise)' : ''}`, () => {
        const bin = buildStatic(SRC, tc);
        const native = inScratch((cwd) => runNative(bin, { args: [mode], cwd }));
        const wasl = inScratch((cwd) => runWasl(bin, { args: [mode], cwd }));
        expect(wasl).toEqual(native);
      });
    }
  });
}
