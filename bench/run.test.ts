// bench/run.ts's own reading of its runners (issue #8), with fixtures, not timings: how a
// microbenchmark's output becomes a value, an n/a or a failure; how a whole program's run is
// checked against native's; which runners and builds are reported missing, and why; and a cell's
// median, min and max.

import { describe, it, expect } from 'vitest';
import { parseMicro, checkWhole, cell, selectRunners, missingRow, firstLine, type Runner, type Build } from './harness.js';
import { renderMarkdown } from './report.js';

const ok = (stdout: string, stderr = '') => ({ status: 0, signal: null, stdout, stderr });

describe('parseMicro: one run of micro.c', () => {
  it('a value in ns/op, integer or decimal, wherever the line is', () => {
    expect(parseMicro(ok('null 259.345 ns/op\n'))).toEqual({ v: 259.345 });
    expect(parseMicro(ok('getdents100 484734 ns/op\n'))).toEqual({ v: 484734 });
    expect(parseMicro(ok('warming up\nstat 11068.2 ns/op\n'))).toEqual({ v: 11068.2 });
  });
  it("n/a with WASI's reason (exit 0)", () => {
    expect(parseMicro(ok('null n/a no getppid or other no-op call in WASI\n'))).toEqual({ na: 'no getppid or other no-op call in WASI' });
  });
  it('failures say why: exit status or signal, the last stderr line, else stdout', () => {
    expect(parseMicro({ status: 1, stdout: '', stderr: 'setup\nopen /x: No such file or directory\n' })).toEqual({ fail: 'exit 1: open /x: No such file or directory' });
    expect(parseMicro({ status: null, signal: 'SIGSEGV', stdout: '', stderr: '' })).toEqual({ fail: 'exit SIGSEGV: no output' });
    expect(parseMicro({ status: 2, stdout: 'usage: micro NAME\n', stderr: '' })).toEqual({ fail: 'exit 2: usage: micro NAME' });
    // A value printed by a run that then failed is not a figure.
    expect(parseMicro({ status: 1, stdout: 'null 12 ns/op\n', stderr: 'boom\n' })).toEqual({ fail: 'exit 1: boom' });
    // A spawn error (no such runner binary, timeout) is quoted as the host gave it.
    expect(parseMicro({ status: null, stdout: null, stderr: null, error: new Error('spawnSync qemu-x86_64 ENOENT') })).toEqual({ fail: 'spawnSync qemu-x86_64 ENOENT' });
  });
  it('exit 0 without a result line is a failure, not zero', () => {
    expect(parseMicro(ok(''))).toEqual({ fail: 'exit 0: no output' });
    expect(parseMicro(ok('null ns/op\n'))).toEqual({ fail: 'exit 0: null ns/op' });
    expect(parseMicro(ok('null -5 ns/op\n'))).toEqual({ fail: 'exit 0: null -5 ns/op' });
  });
  it('firstLine quotes the last non-empty line, at most 200 characters', () => {
    expect(firstLine('a\nb\n\n')).toBe('b');
    expect(firstLine(Buffer.from('x'.repeat(300)))).toHaveLength(200);
    expect(firstLine(null)).toBe('');
  });
});

describe('checkWhole: one run of a whole program', () => {
  const native = Buffer.from('abc  /tmp/data.bin\n');
  it("passes only with exit 0 and native's stdout", () => {
    expect(checkWhole({ status: 0, stdout: Buffer.from('abc  /tmp/data.bin\n') }, native)).toBeNull();
    expect(checkWhole({ status: 0, stdout: Buffer.from('abd  /tmp/data.bin\n') }, native)).toBe('output differs from native');
    expect(checkWhole({ status: 0, stdout: Buffer.alloc(0) }, native)).toBe('output differs from native');
    expect(checkWhole({ status: 0, stdout: Buffer.from('anything') })).toBeNull(); // the first native run sets the expectation
  });
  it('a non-zero exit, a signal or a spawn error is a failure with the reason', () => {
    expect(checkWhole({ status: 1, stdout: native, stderr: Buffer.from('sha256sum: /x: No such file\n') }, native)).toBe('exit 1: sha256sum: /x: No such file');
    expect(checkWhole({ status: null, signal: 'SIGKILL', stdout: null, stderr: null })).toBe('exit SIGKILL: no output');
    expect(checkWhole({ status: null, error: new Error('spawnSync /bin/busybox ETIMEDOUT') })).toBe('spawnSync /bin/busybox ETIMEDOUT');
  });
});

describe('cell: median, min and max of the samples', () => {
  it('odd and even counts (the upper median of an even count), unsorted input, rounding to 3 decimals', () => {
    expect(cell('w', 'wasl', 'ns/op', [30, 10, 20])).toEqual({ workload: 'w', runner: 'wasl', unit: 'ns/op', value: 20, min: 10, max: 30, runs: 3 });
    expect(cell('w', 'wasl', 'ns/op', [4, 1, 3, 2])).toMatchObject({ value: 3, min: 1, max: 4, runs: 4 });
    expect(cell('w', 'wasl', 'MiB/s', [1.23456])).toMatchObject({ value: 1.235, min: 1.235, max: 1.235, runs: 1 });
    expect(cell('w', 'wasl', 'ms', [5, 5, 1, 9, 5])).toMatchObject({ value: 5, min: 1, max: 9 });
  });
  it('no samples: a null value that keeps its note', () => {
    expect(cell('w', 'qemu-x86_64', 'ns/op', [], 'failed: exit 1: boom')).toEqual({ workload: 'w', runner: 'qemu-x86_64', unit: 'ns/op', value: null, min: null, max: null, runs: 0, note: 'failed: exit 1: boom' });
  });
});

describe('selectRunners: the missing-runner path', () => {
  const argv = () => [];
  const runners: Runner[] = [
    { name: 'native', kind: 'x86', argv },
    { name: 'wasl', kind: 'x86', argv },
    { name: 'qemu-x86_64', kind: 'x86', argv, missing: 'qemu-x86_64 not installed (apt-get install qemu-user)' },
    { name: 'node:wasi', kind: 'wasi', argv },
    { name: '@wasmer/wasi', kind: 'wasi', argv, missing: '@wasmer/wasi not installed' },
  ];
  it('every missing runner is a row with its reason; the others run', () => {
    const builds: Build[] = [{ variant: 'musl', kind: 'x86', file: 'm' }, { variant: 'glibc', kind: 'x86', file: 'g' }, { variant: 'wasi', kind: 'wasi', file: 'w.wasm' }];
    const { active, rows } = selectRunners(runners, builds);
    expect(active.map((r) => r.name)).toEqual(['native', 'wasl', 'node:wasi']);
    expect(rows).toEqual([missingRow('*', 'qemu-x86_64', 'qemu-x86_64 not installed (apt-get install qemu-user)'), missingRow('*', '@wasmer/wasi', '@wasmer/wasi not installed')]);
  });
  it('no wasm32-wasi build: the WASI runners are missing, saying why the build failed; a failed x86 build is a row too', () => {
    const builds: Build[] = [{ variant: 'musl', kind: 'x86', file: 'm' }, { variant: 'glibc', kind: 'x86', missing: 'gcc not installed' }, { variant: 'wasi', kind: 'wasi', missing: 'clang not installed' }];
    const { active, rows } = selectRunners(runners, builds);
    expect(active.map((r) => r.name)).toEqual(['native', 'wasl']);
    expect(rows.map((r) => [r.workload, r.runner, r.note])).toEqual([
      ['*', 'qemu-x86_64', 'missing: qemu-x86_64 not installed (apt-get install qemu-user)'],
      ['*', '@wasmer/wasi', 'missing: @wasmer/wasi not installed'], // its own reason comes first
      ['*', 'node:wasi', 'missing: no wasm32-wasi build: clang not installed'],
      ['* (glibc)', '*', 'missing: gcc not installed'],
    ]);
    expect(rows.every((r) => r.value === null && r.runs === 0)).toBe(true);
  });
  it('missing rows reach the report as notes, and their runners get no column', () => {
    const { rows } = selectRunners(runners, [{ variant: 'musl', kind: 'x86', file: 'm' }, { variant: 'wasi', kind: 'wasi', missing: 'clang not installed' }]);
    const md = renderMarkdown({ date: 'd', quick: true, reps: 1, seconds: 1, runners: runners.map((r) => r.name), rows: [...rows, cell('null (musl)', 'native', 'ns/op', [100]), cell('null (musl)', 'wasl', 'ns/op', [250])] });
    expect(md).toContain('| workload | unit | native | wasl |');
    expect(md).toContain('**node:wasi**: missing: no wasm32-wasi build: clang not installed');
    expect(md).toContain('**qemu-x86_64**: missing: qemu-x86_64 not installed');
  });
});
