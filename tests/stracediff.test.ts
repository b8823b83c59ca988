// `wasl --strace` against strace(1), whole programs: each runs natively under `strace -f -o` and
// under `wasl --strace`; the two traces, normalised as below, must be equal line for line, per
// process. The normalisation removes only what legitimately differs between two runs or between a
// ptraced and an emulated process (docs/quirks.md, "--strace against strace(1)"):
//  1. line prefixes: strace -o -f writes "PID  " on every line, wasl "[pid  PID] " once more than
//     one task exists (as strace does on stderr); lines are split by process instead, and the
//     processes are numbered P1, P2, ... in order of their first line; those pids are then
//     P1, P2, ... wherever they appear (fork's result, wait4's argument, si_pid=);
//  2. strace's "<unfinished ...>" / "<... NAME resumed>" halves are joined: wasl runs one call at
//     a time and prints each once, when it returns;
//  3. strace's own execve of the program is dropped (wasl's CLI loads the first program directly);
//  4. "--- SIGCHLD ... ---" lines are dropped: a default-ignored signal is discarded when sent,
//     unless the process is ptraced (then strace sees it delivered);
//  5. addresses (0x...: ASLR, brk and mmap results), getrandom's bytes and the first process's
//     parent pid (strace natively, wasl's parent under wasl) are placeholders;
//  6. the spaces before " = " are collapsed (the prefixes differ in width);
//  7. rseq's result: wasl refuses it on purpose (ENOSYS); glibc runs on without it.

import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStatic, canBuild, hasCommand, type Toolchain } from './support/build.js';
import { WASL_CLI } from './support/run.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasl-stracediff-'));

/**
 * A trace as one list of normalised lines per process, P1 first. Unprefixed lines (wasl's, while a
 * single task exists) are `sole`'s: wasl's first guest pid is its host process's, and the programs
 * here keep their first process to the end.
 */
function normalise(text: string, sole: number): string[][] {
  const owners: number[] = [];
  const byPid = new Map<number, string[]>();
  const pending = new Map<number, string>();
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const m = /^(\d+) +(.*)$/.exec(raw) ?? /^\[pid +(\d+)\] (.*)$/.exec(raw);
    const pid = m ? Number(m[1]) : sole;
    let line = m ? m[2] : raw;
    if (!byPid.has(pid)) { byPid.set(pid, []); owners.push(pid); }
    const unfinished = /^(.*?) ?<unfinished \.\.\.>$/.exec(line);
    if (unfinished) { pending.set(pid, unfinished[1]); continue; }
    const resumed = /^<\.\.\. \S+ resumed>(.*)$/.exec(line);
    if (resumed) { line = (pending.get(pid) ?? '') + resumed[1]; pending.delete(pid); }
    byPid.get(pid)!.push(line);
  }
  const names = new Map(owners.map((p, i) => [String(p), `P${i + 1}`]));
  return owners.map((pid, i) => byPid.get(pid)!
    .filter((l) => !(i === 0 && l.startsWith('execve(')) && !l.startsWith('--- SIGCHLD '))
    .map((l) => {
      if (i === 0) l = l.replace(/^getppid\(\) += \d+$/, 'getppid() = PPID');
      return l
        .replace(/0x[0-9a-f]+/g, 'ADDR')
        .replace(/^getrandom\("[^"]*"/, 'getrandom(BYTES')
        .replace(/^(rseq\(.*\)) += .*$/, '$1 = (wasl: ENOSYS)')
        .replace(/\b\d+\b/g, (n) => names.get(n) ?? n)
        .replace(/ +(= \S)/, ' $1');
    }));
}

/** Runs argv natively under strace -f -o and under wasl --strace in `dir`: both normalised traces and stdouts. */
function traces(argv: string[], dir: string) {
  const out = join(tmp, 'native.trace');
  const native = spawnSync('strace', ['-f', '-o', out, ...argv], { cwd: dir, encoding: 'utf8' });
  const wasl = spawnSync(process.execPath, [WASL_CLI, '--strace', ...argv], { cwd: dir, encoding: 'utf8' });
  return {
    native: { status: native.status, stdout: native.stdout, trace: normalise(readFileSync(out, 'utf8'), -1) },
    wasl: { status: wasl.status, stdout: wasl.stdout, trace: normalise(wasl.stderr, wasl.pid) },
  };
}

describe.skipIf(!hasCommand('strace'))('--strace diffs clean against strace(1) after normalisation', () => {
  for (const tc of ['musl', 'glibc'] as Toolchain[]) {
    it.skipIf(!canBuild(tc))(`${tc}: files, a pipe to a forked child, a signal handler`, () => {
      const bin = buildStatic('tests/programs/stracediff.c', tc);
      const dir = join(tmp, tc);
      mkdirSync(join(dir, 'w'), { recursive: true });
      const t = traces([bin, 'w'], dir);
      expect(t.native.status).toBe(0);
      expect(t.native.trace).toHaveLength(2);
      expect(t.wasl).toEqual(t.native);
    });
  }

  it.skipIf(!hasCommand('busybox'))('busybox-static: cat and wc of a file', () => {
    const dir = join(tmp, 'bb');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f.txt'), 'one\ntwo words\n');
    for (const args of [['cat', 'f.txt'], ['wc', '-l', 'f.txt']]) {
      const t = traces(['/bin/busybox', ...args], dir);
      expect(t.native.status).toBe(0);
      expect(t.wasl).toEqual(t.native);
    }
  });
});
