// Runs a program natively and under wasl (the built CLI, as users run it) with the same argv,
// environment, stdin and cwd, and returns what an observer can compare: stdout, stderr, status.

import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { ROOT, closefdsWrapper } from './build.js';

export interface Outcome { stdout: string; stderr: string; status: number }
export interface RunSpec { args?: string[]; env?: Record<string, string>; stdin?: string; cwd?: string; timeoutMs?: number }

export const WASL_CLI = join(ROOT, 'dist/cli/wasl.cjs');

/** A small, fixed environment: the host's would make outputs differ for reasons of its own. */
const BASE_ENV = { PATH: '/usr/bin:/bin', LANG: 'C', HOME: '/root' };

function outcome(r: ReturnType<typeof spawnSync>): Outcome {
  if (r.error) throw r.error;
  // A shell's view of status: 128 + signal number when killed (wasl's CLI exits that way).
  const sig = r.signal ? (constants.signals as Record<string, number>)[r.signal] : 0;
  return { stdout: String(r.stdout), stderr: String(r.stderr), status: r.signal ? 128 + sig : r.status ?? -1 };
}

/** Runs natively with only descriptors 0-2 open, as a guest under wasl starts. */
export function runNative(bin: string, s: RunSpec = {}): Outcome {
  const wrap = closefdsWrapper();
  return outcome(spawnSync(wrap ?? bin, wrap ? [bin, ...(s.args ?? [])] : s.args ?? [], {
    env: { ...BASE_ENV, ...s.env }, input: s.stdin ?? '', cwd: s.cwd, timeout: s.timeoutMs ?? 60_000,
    maxBuffer: 64 << 20,
  }));
}

/**
 * The compiler tier for every wasl the tests start: WASL_JIT=1 forces it on (`--jit`), WASL_JIT=0
 * off (`--no-jit`); unset leaves wasl's default. The suites run both ways (docs/architecture.md).
 */
export const JIT_ARGS = process.env.WASL_JIT === '1' ? ['--jit'] : process.env.WASL_JIT === '0' ? ['--no-jit'] : [];

export function runWasl(bin: string, s: RunSpec = {}, waslArgs: string[] = []): Outcome {
  const jit = waslArgs.some((a) => a === '--jit' || a === '--no-jit') ? [] : JIT_ARGS; // a test's own choice wins
  return outcome(spawnSync(process.execPath, [WASL_CLI, ...jit, ...waslArgs, bin, ...(s.args ?? [])], {
    env: { ...BASE_ENV, ...s.env }, input: s.stdin ?? '', cwd: s.cwd, timeout: s.timeoutMs ?? 120_000,
    maxBuffer: 64 << 20,
  }));
}
