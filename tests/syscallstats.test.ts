// `wasl --syscall-stats`: its per-syscall counts against `strace -c -f` of the same program run
// natively (reality is the oracle), for the syscalls both see, and its place in the output (stderr
// or a file, never the guest's stdout). Timings are not tested, only that each histogram holds
// every call.

import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStatic, canBuild, hasCommand, type Toolchain } from './support/build.js';
import { WASL_CLI } from './support/run.js';

const SRC = 'tests/programs/scstats.c';
const N = 1234;
const tmp = mkdtempSync(join(tmpdir(), 'wasl-scstats-'));

interface Count { calls: number; errors: number }
/** strace -c's table (wasl prints the same one): syscall name → calls and errors; `total` excluded. */
function parseSummary(text: string): Map<string, Count> {
  const m = new Map<string, Count>();
  for (const line of text.split('\n')) {
    const r = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d*)\s*(\w+)$/.exec(line);
    if (r && r[3] !== 'total') m.set(r[3], { calls: Number(r[1]), errors: Number(r[2] || 0) });
  }
  return m;
}

/** Calls strace -c never shows (they do not return: exit_group, exit) or shows only natively (its
 * own execve of the program; wasl starts the first program without one). */
const ONLY_WASL = new Set(['exit_group', 'exit']);
const ONLY_NATIVE = new Set(['execve']);

describe.skipIf(!hasCommand('strace'))('--syscall-stats', () => {
  for (const tc of ['musl', 'glibc'] as Toolchain[]) {
    it.skipIf(!canBuild(tc))(`${tc}: counts equal strace -c -f's for every syscall both see`, () => {
      const bin = buildStatic(SRC, tc);
      const nativeOut = join(tmp, `${tc}.strace`);
      const st = spawnSync('strace', ['-c', '-f', '-o', nativeOut, bin, String(N)], { encoding: 'utf8' });
      expect(st.status).toBe(0);
      const waslOut = join(tmp, `${tc}.stats`);
      const w = spawnSync(process.execPath, [WASL_CLI, `--syscall-stats=${waslOut}`, bin, String(N)], { encoding: 'utf8' });
      expect({ status: w.status, stdout: w.stdout, stderr: w.stderr }).toEqual({ status: st.status, stdout: st.stdout, stderr: '' });

      const native = parseSummary(readFileSync(nativeOut, 'utf8'));
      const report = readFileSync(waslOut, 'utf8');
      const ours = parseSummary(report);
      expect(native.get('getppid')?.calls).toBe(N);
      expect(ours.get('getppid')?.calls).toBe(N);
      expect(ours.get('getpid')?.calls).toBe(7);
      expect(ours.get('close')?.errors).toBeGreaterThanOrEqual(3);
      for (const [name, c] of native) {
        if (ONLY_NATIVE.has(name)) continue;
        const o = ours.get(name);
        // rseq: wasl refuses it on purpose (ENOSYS; glibc then runs without it), natively it works.
        expect({ name, ...o, errors: name === 'rseq' ? c.errors : o?.errors }).toEqual({ name, ...c });
      }
      for (const name of ours.keys()) if (!native.has(name)) expect(ONLY_WASL).toContain(name);
      expect(ours.get('exit_group')?.calls).toBe(2); // both processes (strace -c cannot show them)

      // The totals line, and each histogram holds all its syscall's calls.
      const total = /^100\.00\s+[\d.]+\s+\d+\s+(\d+)\s+(\d*)\s*total$/m.exec(report);
      expect(Number(total?.[1])).toBe([...ours.values()].reduce((s, c) => s + c.calls, 0));
      expect(report).toMatch(/by 2 process\(es\)/);
      for (const [name, c] of ours) {
        const sec = new RegExp(`^${name}: (\\d+) calls.*\\n((?:  \\[.*\\n?)+)`, 'm').exec(report);
        expect(Number(sec?.[1]), name).toBe(c.calls);
        const inBuckets = sec![2].trim().split('\n').reduce((s, l) => s + Number(/\)\s+(\d+) \|/.exec(l)![1]), 0);
        expect(inBuckets, name).toBe(c.calls);
      }
    });
  }

  it.skipIf(!canBuild('musl'))('without a file the report goes to stderr, never to the guest\'s stdout', () => {
    const bin = buildStatic(SRC, 'musl');
    const w = spawnSync(process.execPath, [WASL_CLI, '--syscall-stats', bin, '5'], { encoding: 'utf8' });
    expect(w.status).toBe(0);
    expect(w.stdout).toBe('done\n');
    expect(parseSummary(w.stderr).get('getppid')?.calls).toBe(5);
    // A file that cannot be written: refused before the program runs, as a usage error.
    const bad = spawnSync(process.execPath, [WASL_CLI, `--syscall-stats=${join(tmp, 'no/such/dir/stats')}`, bin, '5'], { encoding: 'utf8' });
    expect({ status: bad.status, stdout: bad.stdout }).toEqual({ status: 2, stdout: '' });
    expect(bad.stderr).toMatch(/^wasl: --syscall-stats=.*ENOENT/);
    // Off by default: no report.
    const plain = spawnSync(process.execPath, [WASL_CLI, bin, '5'], { encoding: 'utf8' });
    expect(plain.stderr).toBe('');
  });
});
