// The path fuzzer (issue #10): generated mazes of directories, "..", absolute and relative
// symlinks (loops and long chains included), two drvfs mounts (one inside the other) and an
// isolated volfs root, walked with trailing slashes, O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, O_DIRECTORY,
// dirfds, chdir+getcwd, mkdir, rename and link. Each maze is built and queried by
// tests/programs/pathmaze.c twice, on the same absolute paths: natively in a host temp directory,
// and under `wasl --isolated` with the host directory mounted at its own path. Both are checked
// against a model (tests/fuzz/pathmodel.ts): native execution checks the model wherever the host
// can express the case; where it cannot (EXDEV and EBUSY from mounts, anything above the maze,
// which natively is the host's own /tmp and / and holds a canary file) the model alone decides.
// Afterwards nothing outside the mounted directory may have changed on the host.
//
//   WASL_FUZZ_SEED=n      the first maze's seed (default 0x9a7; random in the long run)
//   WASL_FUZZ_MAZES=n     mazes (default 4; 300 long)
//   WASL_FUZZ_QUERIES=n   queries per maze (default 250; 400 long)
//   WASL_FUZZ_LONG=1      the long run: `npm run fuzz:paths`
//
// A maze on which wasl (or the model) ever failed is saved as tests/fuzz/corpus/paths-SEED.json
// and replayed on every run.

import { describe, it, expect } from 'vitest';
import {
  mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync, existsSync, chmodSync, lstatSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from '../support/build.js';
import { runNative, runWasl } from '../support/run.js';
import { generate, Rng, Places } from './pathmodel.js';
import { mulberry32 } from '../../elf-loader/test-support.js';

const LONG = process.env.WASL_FUZZ_LONG === '1';
const SEED = Number(process.env.WASL_FUZZ_SEED ?? (LONG ? Math.floor(Math.random() * 2 ** 31) : 0x9a7));
const MAZES = Number(process.env.WASL_FUZZ_MAZES ?? (LONG ? 300 : 4));
const QUERIES = Number(process.env.WASL_FUZZ_QUERIES ?? (LONG ? 400 : 250));
const CORPUS = join(ROOT, 'tests/fuzz/corpus');

interface Case { seed: number; queries: number; note?: string }

/** Makes every directory under `dir` writable again, so it can be removed when not root. */
function unlock(dir: string): void {
  if (!existsSync(dir)) return;
  chmodSync(dir, 0o777);
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (lstatSync(p).isDirectory()) unlock(p);
  }
}

function fresh(at: Places): void {
  for (const d of [at.drv, at.vol]) { unlock(d); rmSync(d, { recursive: true, force: true }); }
  mkdirSync(at.drv);
  mkdirSync(at.m);
  chmodSync(at.drv, 0o777);
  chmodSync(at.m, 0o777);
}

interface Verdict { failures: string[]; queries: number; compared: number; guestOnly: number }

/** Builds maze `seed`, runs it natively and under wasl, and lists every disagreement. */
function runMaze(bin: string, c: Case): Verdict {
  const base = mkdtempSync(join(tmpdir(), 'wasl-paths-'));
  const at: Places = { base, drv: join(base, 'drv'), m: join(base, 'drv', 'm'), vol: `${base}-vol` };
  try {
    chmodSync(base, 0o755); // natively the maze is walked as nobody (pathmaze.c drops root)
    writeFileSync(join(base, 'secret'), 'HOST-SECRET\n');
    const maze = generate(new Rng(mulberry32(c.seed)), at, c.queries);
    const failures: string[] = [];
    const lines = maze.spec.split('\n').filter((l) => l.startsWith('q\t'));
    const results = (out: string, who: string): string[] => {
      const got: string[] = [];
      for (const l of out.split('\n').filter(Boolean)) {
        const m = /^(\d+) (.*)$/.exec(l);
        if (!m) { failures.push(`${who}: ${l}`); continue; }
        got[Number(m[1])] = m[2];
      }
      return got;
    };
    const show = (i: number) => lines[i].split('\t').slice(3).join(' ').replace(/(\.\/){40,}/, '(./ x many)');

    fresh(at);
    const native = runNative(bin, { args: ['-', 'native'], stdin: maze.spec });
    if (native.status !== 0 || native.stderr) failures.push(`native: status ${native.status} ${native.stderr}`);
    const nat = results(native.stdout, 'native');
    fresh(at);
    const wasl = runWasl(bin, { args: ['-', 'guest'], stdin: maze.spec },
      ['--isolated', '--network=none', '--mount', `${at.drv}=${at.drv}:metadata`, '--mount', `${at.m}=${at.m}:metadata`]);
    if (wasl.status !== 0 || wasl.stderr) failures.push(`wasl: status ${wasl.status} ${wasl.stderr}`);
    const gst = results(wasl.stdout, 'wasl');

    let compared = 0;
    for (let i = 0; i < maze.queries; i++) {
      const want = maze.expected[i];
      if (!maze.guestOnly[i]) {
        compared++;
        if (nat[i] !== want) failures.push(`seed ${c.seed} query ${i}: model ${want}, native ${nat[i]}: ${show(i)}`);
      } else if (nat[i] !== 'skip') failures.push(`seed ${c.seed} query ${i}: native ran a guest-only query: ${nat[i]}`);
      if (gst[i] !== want) failures.push(`seed ${c.seed} query ${i}: model ${want}, wasl ${gst[i]} (native ${nat[i]}): ${show(i)}`);
    }
    // Confinement: on the host, the guest changed nothing outside the mounted directory.
    if (readdirSync(base).sort().join() !== 'drv,secret') failures.push(`host ${base} now holds ${readdirSync(base)}`);
    if (readFileSync(join(base, 'secret'), 'utf8') !== 'HOST-SECRET\n') failures.push('the canary changed');
    if (existsSync(at.vol)) failures.push(`the guest's volfs directory ${at.vol} appeared on the host`);
    if (wasl.stdout.includes('HOST-SECRET')) failures.push('the canary was read');
    return { failures, queries: maze.queries, compared, guestOnly: maze.guestOnly.filter(Boolean).length };
  } finally {
    for (const d of [base, `${base}-vol`]) { unlock(d); rmSync(d, { recursive: true, force: true }); }
  }
}

/** Saves a failing maze, cut after its first failing query (a shorter prefix is the same maze). */
function saveCase(c: Case, failures: string[]): string {
  const file = join(CORPUS, `paths-${c.seed}.json`);
  if (!existsSync(file)) {
    const first = Math.min(...failures.map((f) => Number(/ query (\d+):/.exec(f)?.[1] ?? c.queries - 1)));
    mkdirSync(CORPUS, { recursive: true });
    writeFileSync(file, JSON.stringify({ seed: c.seed, queries: first + 1, note: failures[0] }, null, 2) + '\n');
  }
  return file;
}

const corpus: Case[] = existsSync(CORPUS)
  ? readdirSync(CORPUS).filter((f) => /^paths-.*\.json$/.test(f)).sort()
    .map((f) => JSON.parse(readFileSync(join(CORPUS, f), 'utf8')) as Case)
  : [];

describe.skipIf(!canBuild('musl'))('path fuzzing: mazes checked against native and the model (skipped only without musl-gcc)', () => {
  it.each(corpus.map((c) => [c.seed, c] as const))('regression: maze %s', (_seed, c) => {
    const bin = buildStatic(join(ROOT, 'tests/programs/pathmaze.c'), 'musl');
    expect(runMaze(bin, c).failures).toEqual([]);
  }, 120_000);

  it(`${MAZES} mazes x ${QUERIES} queries (seed ${SEED})`, () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/pathmaze.c'), 'musl');
    let queries = 0, compared = 0, guestOnly = 0;
    const failed: string[] = [];
    for (let k = 0; k < MAZES; k++) {
      const c = { seed: SEED + k, queries: QUERIES };
      const v = runMaze(bin, c);
      queries += v.queries; compared += v.compared; guestOnly += v.guestOnly;
      if (v.failures.length) failed.push(`${saveCase(c, v.failures)}:\n  ${v.failures.slice(0, 8).join('\n  ')}`);
    }
    console.log(`path fuzzer: ${MAZES} mazes, ${queries} paths (${compared} also checked natively, ` +
      `${guestOnly} model-only), ${failed.length} mazes failed`);
    expect(failed).toEqual([]);
    // The mix must be meaningful: most queries compared natively, some decided by the model alone.
    expect(compared).toBeGreaterThan(queries / 2);
    expect(guestOnly).toBeGreaterThan(0);
  }, (LONG ? 4 * 3600 : 300) * 1000);
});
