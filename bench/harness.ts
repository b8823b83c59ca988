// The pure parts of `npm run bench` (bench/run.ts), kept apart so that bench/run.test.ts can test
// them with fixtures: how a runner's output is read, which runners and builds are missing and the
// rows that say so, and a cell's median/min/max. Nothing here runs a program or reads a clock.

import type { Row } from './report.js';

/** x86: runs x86-64 builds; wasi: the wasm32-wasi build; ref: a reference that runs no workload of its own (`node -e 0` beside the start-up rows). */
export type Kind = 'x86' | 'wasi' | 'ref';
export interface Runner { name: string; kind: Kind; argv: (bin: string, scratch: string) => string[]; missing?: string }
export interface Build { variant: string; kind: Kind; file?: string; missing?: string }
/** What spawnSync returns, as far as the harness reads it. */
export interface Spawned { status: number | null; signal?: NodeJS.Signals | string | null; stdout?: string | Buffer | null; stderr?: string | Buffer | null; error?: Error }

/** The last non-empty line of a program's output (what a failure note quotes), at most 200 characters. */
export const firstLine = (s: string | Buffer | null | undefined) =>
  String(s ?? '').trim().split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 200) ?? '';

export type MicroResult = { v: number } | { na: string } | { fail: string };

/**
 * One run of micro.c: it prints `NAME VALUE ns/op`, or `NAME n/a REASON` for what WASI cannot
 * express, and exits 0. Anything else — a non-zero exit, a signal, a spawn error, output without
 * either line — is a failure with the reason a reader needs (the last line of stderr, else stdout).
 */
export function parseMicro(p: Spawned): MicroResult {
  const out = String(p.stdout ?? '');
  const na = /^\S+ n\/a (.*)$/m.exec(out);
  if (p.status === 0 && na) return { na: na[1] };
  const m = /^\S+ (\d+(?:\.\d+)?) ns\/op$/m.exec(out);
  if (p.status === 0 && m) return { v: Number(m[1]) };
  if (p.error) return { fail: String(p.error.message) };
  return { fail: `exit ${p.status ?? p.signal}: ${firstLine(p.stderr) || firstLine(p.stdout) || 'no output'}` };
}

/**
 * One run of a whole program timed from outside: null if it did what native did, else why not — a
 * non-zero exit, or stdout that differs from the native run's (`expected`; the first native run
 * sets it). Reality is the oracle: a fast wrong answer is a failure, not a figure.
 */
export function checkWhole(p: Spawned, expected?: Buffer): string | null {
  if (p.error) return String(p.error.message);
  if (p.status !== 0) return `exit ${p.status ?? p.signal}: ${firstLine(p.stderr) || 'no output'}`;
  if (expected && !Buffer.from(p.stdout ?? '').equals(expected)) return 'output differs from native';
  return null;
}

/** A cell from its samples: the median (the upper one of an even count), the spread, the number of runs. */
export function cell(workload: string, runner: string, unit: string, samples: number[], note?: string): Row {
  const s = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const row: Row = { workload, runner, value: s.length ? round(s[s.length >> 1]) : null, unit, min: s.length ? round(s[0]) : null, max: s.length ? round(s[s.length - 1]) : null, runs: s.length };
  if (note) row.note = note;
  return row;
}

/** A row that says a runner ('*' workload), a build or a whole workload ('*' runner) is missing. */
export const missingRow = (workload: string, runner: string, why: string): Row =>
  ({ workload, runner, value: null, unit: '', min: null, max: null, runs: 0, note: `missing: ${why}` });

/**
 * Which runners run: a runner is missing if its own check said so, or if it is a WASI runner and
 * there is no wasm32-wasi build. Every missing runner and x86-64 build gets a row: none is dropped.
 */
export function selectRunners(runners: Runner[], builds: Build[]): { active: Runner[]; rows: Row[] } {
  const missing = new Map<string, string>();
  for (const r of runners) if (r.missing) missing.set(r.name, r.missing);
  const wasiBuild = builds.find((b) => b.kind === 'wasi');
  const noWasi = !wasiBuild ? 'no wasm32-wasi build' : wasiBuild.missing ? `no wasm32-wasi build: ${wasiBuild.missing}` : undefined;
  for (const r of runners) if (r.kind === 'wasi' && !r.missing && noWasi) missing.set(r.name, noWasi);
  const rows = [...missing].map(([name, why]) => missingRow('*', name, why));
  for (const b of builds) if (b.missing && b.kind === 'x86') rows.push(missingRow(`* (${b.variant})`, '*', b.missing));
  return { active: runners.filter((r) => !missing.has(r.name)), rows };
}
