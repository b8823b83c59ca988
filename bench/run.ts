#!/usr/bin/env node
// `npm run bench [-- --quick]`: wasl's benchmark suite (issue #8). Each workload runs side by side
// in one run under every runner and is reported as a value and a ratio to native:
//  - x86-64 runners — native, wasl, qemu-x86_64 — run bench/src/micro.c built twice, static, with
//    musl-gcc and with gcc (glibc): workloads "NAME (musl)" and "NAME (glibc)";
//  - WASI runners — node:wasi and @wasmer/wasi (via bench/wasi-host.ts) — run the same source built
//    for wasm32-wasi with clang and wasi-libc (itself derived from musl): they fill the "(musl)"
//    rows, and what WASI cannot express (getppid, mmap, ...) shows as n/a with the reason;
//  - whole programs — start-up of a static hello and of a static Go hello (built here with Debian's
//    go, CGO_ENABLED=0), busybox-static sha256sum and gzip of one generated 16 MiB file and sort of
//    200k lines — are timed from outside under the x86-64 runners; each run's stdout must be the
//    native run's, or the cell is a failure.
// Microbenchmarks measure themselves inside the guest. Every cell is the median of N runs (3; 1 with
// --quick) with the spread kept. A runner that is not available is reported as missing with the
// reason, never dropped. Results: a table on stdout, bench/results/latest.{json,md,svg}
// ([{ workload, runner, value, unit, min, max, runs }]); a full run (not --quick) also writes
// docs/bench.md and docs/bench.svg.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMarkdown, renderSvg, renderReadmeTable, spliceReadme, loadText, type Report, type Row } from './report.js';
import { readFileSync } from 'node:fs';
import { parseMicro, checkWhole, cell, missingRow, selectRunners, firstLine, type Kind, type Runner, type Build, type MicroResult } from './harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const quick = process.argv.includes('--quick');
const buildDir = join(root, 'bench/.build');
const cli = join(root, 'dist/cli/wasl.cjs');
const wasiHost = join(root, 'dist/bench/wasi-host.js');
const microSrc = join(root, 'bench/src/micro.c');
/** Runs per cell (the median is reported), and the time budget of one microbenchmark's timed loop. */
const REPS = quick ? 1 : 3;
const BUDGET_MS = quick ? 1000 : 4000;

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function wasmerMissing(): string | undefined {
  try {
    createRequire(import.meta.url).resolve('@wasmer/wasi');
    return undefined;
  } catch {
    return '@wasmer/wasi not installed (npm install: it is a devDependency)';
  }
}

const RUNNERS: Runner[] = [
  { name: 'native', kind: 'x86', argv: (bin) => [bin] },
  // The compiler tier is wasl's default; `--no-jit` keeps the interpreter alone (issue #11).
  { name: 'wasl', kind: 'x86', argv: (bin) => [process.execPath, cli, bin] },
  { name: 'wasl --no-jit', kind: 'x86', argv: (bin) => [process.execPath, cli, '--no-jit', bin] },
  { name: 'qemu-x86_64', kind: 'x86', argv: (bin) => ['qemu-x86_64', bin], missing: have('qemu-x86_64') ? undefined : 'qemu-x86_64 not installed (apt-get install qemu-user)' },
  { name: 'node:wasi', kind: 'wasi', argv: (wasm, scratch) => [process.execPath, '--no-warnings', wasiHost, 'node', wasm, scratch] },
  { name: '@wasmer/wasi', kind: 'wasi', argv: (wasm, scratch) => [process.execPath, '--no-warnings', wasiHost, 'wasmer', wasm, scratch], missing: wasmerMissing() },
  // Node's own start-up and memory, beside the hello rows: what wasl adds is the difference.
  { name: 'node -e 0', kind: 'ref', argv: () => [process.execPath, '-e', '0'] },
];
const TIME = '/usr/bin/time';

/**
 * Microbenchmarks with iteration counts that give wasl a few tenths of a second to a second each
 * (a tenth with --quick): long enough that compiling the loop and V8's tier-up of the compiled
 * code are not most of what is timed (session 5: clock_gettime measured 490 ns/op over 200,000
 * calls and 240 over 2,000,000).
 */
const MICRO: Array<[string, number]> = [
  ['null', 4_000_000], ['read1_devzero', 1_000_000], ['write1_devnull', 1_000_000],
  ['read4k_file', 100_000], ['write4k_file', 100_000], ['openclose', 30_000], ['stat', 50_000],
  ['fstat', 200_000], ['getdents100', 2_000], ['clock_gettime', 2_000_000], ['sched_yield', 2_000_000],
  ['mmap64k', 50_000], ['compute', 2_000_000],
  ['pipe_pingpong', 20_000], ['fork_exit_wait', 1_000], ['fork_execve_wait', 200], ['futex_pingpong', 20_000],
];

function compile(cc: string, args: string[], out: string, hint: string): Build['missing'] {
  if (!have(cc)) return `${cc} not installed (${hint})`;
  const p = spawnSync(cc, [...args, '-o', out, microSrc], { encoding: 'utf8' });
  return p.status === 0 ? undefined : `${cc} ${args.join(' ')} failed: ${firstLine(p.stderr)} (${hint})`;
}

/** micro.c three ways: musl and glibc x86-64 static binaries, and a wasm32-wasi module. */
function buildAll(): Build[] {
  mkdirSync(buildDir, { recursive: true });
  const builds: Build[] = [];
  const add = (variant: string, kind: Kind, cc: string, args: string[], out: string, hint: string) => {
    const file = join(buildDir, out);
    const missing = compile(cc, args, file, hint);
    builds.push({ variant, kind, file: missing ? undefined : file, missing });
  };
  add('musl', 'x86', 'musl-gcc', ['-static', '-O2', '-pthread'], 'micro-musl', 'apt-get install musl-tools');
  add('glibc', 'x86', 'gcc', ['-static', '-O2', '-pthread'], 'micro-glibc', 'apt-get install gcc libc6-dev');
  add('wasi', 'wasi', 'clang', ['--target=wasm32-wasi', '-O2'], 'micro.wasm', 'apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32');
  return builds;
}

/** One microbenchmark run: ns/op, or n/a with WASI's reason, or a failure with the last stderr line. */
function runMicro(r: Runner, bin: string, name: string, n: number, scratch: string): MicroResult {
  const [cmd, ...args] = r.argv(bin, scratch);
  const dir = r.kind === 'wasi' ? '/scratch' : scratch;
  return parseMicro(spawnSync(cmd, [...args, name, String(n), dir, String(BUDGET_MS)], { encoding: 'utf8', timeout: 300_000 }));
}

/** One run of a whole command: its wall-clock milliseconds, or why it failed (checkWhole). */
function wallMs(argv: string[], expected?: Buffer): { ms: number; stdout: Buffer } | { fail: string } {
  const t0 = process.hrtime.bigint();
  const p = spawnSync(argv[0], argv.slice(1), { maxBuffer: 256 << 20, timeout: 600_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const fail = checkWhole(p, expected);
  return fail === null ? { ms, stdout: p.stdout } : { fail };
}

/** Debian's go building bench/src/hello.go static (CGO_ENABLED=0): the binary, or why there is none. */
function buildGoHello(): { file?: string; missing?: string } {
  if (!have('go')) return { missing: 'go not installed (apt-get install golang-go)' };
  const file = join(buildDir, 'gohello');
  const p = spawnSync('go', ['build', '-o', file, join(root, 'bench/src/hello.go')], {
    encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0', GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(buildDir, 'gocache') },
  });
  return p.status === 0 ? { file } : { missing: `go build failed: ${firstLine(p.stderr)}` };
}

/**
 * Peak RSS of whole runs (GNU time's %M, in MiB; the median of `reps`): the row 'peak RSS hello'.
 * Without /usr/bin/time the row is missing with the reason.
 */
function peakRss(rows: Row[], runners: Runner[], argvOf: (r: Runner) => string[], reps: number): void {
  const workload = 'peak RSS hello';
  if (!existsSync(TIME)) { rows.push(missingRow(workload, '*', `${TIME} (apt-get install time)`)); return; }
  for (const r of runners) {
    const samples: number[] = [];
    let note: string | undefined;
    for (let i = 0; i < reps; i++) {
      const p = spawnSync(TIME, ['-f', 'RSS %M', ...argvOf(r)], { encoding: 'utf8', timeout: 120_000 });
      const m = /^RSS (\d+)$/m.exec(p.stderr ?? '');
      if (p.status !== 0 || !m) { note = `failed: ${checkWhole(p) ?? 'no RSS from time'}`; samples.length = 0; break; }
      samples.push(Number(m[1]) / 1024);
    }
    rows.push(cell(workload, r.name, 'MiB', samples, note));
  }
}

/** A derived row: each wasl runner's median in `from` minus node -e 0's (what wasl adds to Node). */
function beyond(rows: Row[], from: string, workload: string): void {
  const base = rows.find((r) => r.workload === from && r.runner === 'node -e 0')?.value;
  if (base === null || base === undefined) return;
  for (const r of rows.filter((x) => x.workload === from && x.runner.startsWith('wasl') && x.value !== null)) {
    rows.push({ ...cell(workload, r.runner, r.unit, [r.value! - base]), runs: r.runs });
  }
}

function main(): void {
  if (!existsSync(cli)) { console.error('run `npm run build` first'); process.exit(2); }
  const t0 = Date.now();
  const load0 = loadavg()[0];
  const builds = buildAll();
  const scratch = mkdtempSync(join(tmpdir(), 'wasl-bench-'));
  const wasiBuild = builds.find((b) => b.kind === 'wasi');
  const { active, rows } = selectRunners(RUNNERS, builds);

  // Microbenchmarks: x86-64 runners on each x86 build; the WASI runners' values go in the (musl) rows.
  for (const [name, n0] of MICRO) {
    const n = quick ? Math.max(1, Math.floor(n0 / 10)) : n0;
    for (const b of builds.filter((x) => x.kind === 'x86' && x.file)) {
      const workload = `${name} (${b.variant})`;
      const cells: Array<[Runner, string]> = active.filter((r) => r.kind === 'x86').map((r) => [r, b.file!]);
      if (b.variant === 'musl' && wasiBuild?.file) for (const r of active.filter((x) => x.kind === 'wasi')) cells.push([r, wasiBuild.file]);
      for (const [r, file] of cells) {
        const samples: number[] = [];
        let note: string | undefined;
        for (let i = 0; i < REPS; i++) {
          const res = runMicro(r, file, name, n, scratch);
          if ('v' in res) samples.push(res.v);
          else { note = 'na' in res ? `n/a: ${res.na}` : `failed: ${res.fail}`; break; }
        }
        rows.push(cell(workload, r.name, 'ns/op', note ? [] : samples, note));
      }
      process.stderr.write('.');
    }
  }

  // Whole programs (x86-64 runners): start-up of a static C and Go hello, busybox-static on
  // generated data. The first native run's stdout is what every other run must print.
  const x86 = active.filter((r) => r.kind === 'x86');
  const ref = active.filter((r) => r.kind === 'ref');
  // Each runner's repetitions in turn, or (`interleave`, for the start-up rows, whose differences
  // of a few ms are what is reported) round by round across the runners, so that a burst of load
  // on the shared machine falls on all of them alike rather than on one runner's whole series.
  const timed = (workload: string, unit: string, reps: number, argvOf: (r: Runner) => string[], toValue: (ms: number) => number, runners = x86, interleave = false) => {
    let expected: Buffer | undefined;
    const samples = new Map<Runner, number[]>(runners.map((r) => [r, []]));
    const notes = new Map<Runner, string>();
    const once = (r: Runner) => {
      if (notes.has(r)) return;
      const res = wallMs(argvOf(r), r.kind === 'ref' ? undefined : expected);
      if ('fail' in res) { notes.set(r, `failed: ${res.fail}`); samples.get(r)!.length = 0; return; }
      if (r.name === 'native') expected ??= res.stdout;
      samples.get(r)!.push(toValue(res.ms));
    };
    if (interleave) for (let i = 0; i < reps; i++) for (const r of runners) once(r);
    else for (const r of runners) for (let i = 0; i < reps; i++) once(r);
    for (const r of runners) rows.push(cell(workload, r.name, unit, samples.get(r)!, notes.get(r)));
    process.stderr.write('.');
  };
  const hello = join(root, 'examples/bin/hello');
  if (existsSync(hello)) {
    // Start-up: many short runs (the median of 21, 5 with --quick), interleaved with node -e 0's.
    timed('startup hello', 'ms', quick ? 5 : 21, (r) => r.argv(hello, scratch), (ms) => ms, [...x86, ...ref], true);
    peakRss(rows, [...x86, ...ref], (r) => r.argv(hello, scratch), quick ? 3 : 5);
    beyond(rows, 'startup hello', 'startup hello beyond node -e 0');
    beyond(rows, 'peak RSS hello', 'peak RSS hello beyond node -e 0');
  } else rows.push(missingRow('startup hello', '*', 'examples/bin/hello (make -C examples)'));
  const go = buildGoHello();
  if (go.file) timed('startup Go hello', 'ms', quick ? 3 : 7, (r) => r.argv(go.file!, scratch), (ms) => ms);
  else rows.push(missingRow('startup Go hello', '*', go.missing!));
  if (existsSync('/bin/busybox')) {
    const mib = quick ? 2 : 16;
    // The same bytes in every 1 MiB block: pseudo-random within a block (gzip's 32 KiB window sees
    // no repeat), but byte patterns recur, so gzip compresses it about 90:1.
    const data = join(scratch, 'data.bin');
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
    writeFileSync(data, Buffer.concat(Array.from({ length: mib }, () => block)));
    const nLines = quick ? 20_000 : 200_000;
    const linesFile = join(scratch, 'lines.txt');
    writeFileSync(linesFile, Array.from({ length: nLines }, (_, i) => `${(i * 7919) % 100003} line`).join('\n') + '\n');
    const bb = (r: Runner, ...args: string[]) => [...r.argv('/bin/busybox', scratch), ...args];
    timed(`busybox sha256sum ${mib} MiB`, 'MiB/s', REPS, (r) => bb(r, 'sha256sum', data), (ms) => mib / (ms / 1000));
    timed(`busybox gzip ${mib} MiB`, 'MiB/s', REPS, (r) => bb(r, 'gzip', '-c', data), (ms) => mib / (ms / 1000));
    timed(`busybox sort ${nLines / 1000}k lines`, 'ms', REPS, (r) => bb(r, 'sort', linesFile), (ms) => ms);
  } else {
    rows.push(missingRow('busybox workloads', '*', '/bin/busybox (apt-get install busybox-static)'));
  }
  rmSync(scratch, { recursive: true, force: true });
  process.stderr.write('\n');

  const report: Report = { date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', quick, reps: REPS, runners: RUNNERS.map((r) => r.name), rows, seconds: Math.round((Date.now() - t0) / 1000), load: [load0, loadavg()[0]] };
  printTable(report);
  const out = join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.json'), JSON.stringify(rows, null, 1) + '\n');
  const svg = renderSvg(report);
  writeFileSync(join(out, 'latest.md'), renderMarkdown(report, 'latest.svg'));
  writeFileSync(join(out, 'latest.svg'), svg);
  console.log(`\nwrote bench/results/latest.{json,md,svg} in ${report.seconds} s`);
  if (!quick || process.argv.includes('--docs')) {
    writeFileSync(join(root, 'docs/bench.md'), renderMarkdown(report, 'bench.svg'));
    writeFileSync(join(root, 'docs/bench.svg'), svg);
    const readme = join(root, 'README.md');
    writeFileSync(readme, spliceReadme(readFileSync(readme, 'utf8'), renderReadmeTable(report)));
    console.log('wrote docs/bench.md, docs/bench.svg and README.md\'s table');
  } else {
    console.log('(--quick: docs/bench.* and README.md are left as they are; a full run, or --docs, rewrites them)');
  }
}

function printTable(rep: Report): void {
  const { rows } = rep;
  const names = rep.runners.filter((n) => rows.some((r) => r.runner === n && r.workload !== '*'));
  const workloads = [...new Set(rows.filter((r) => r.runner !== '*' && r.workload !== '*').map((r) => r.workload))];
  const higherIsBetter = (unit: string) => unit.endsWith('/s');
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  console.log(`wasl benchmarks${rep.quick ? ' (--quick)' : ''}, median of ${rep.reps} run(s) — value per runner, (×N) = times slower than native\n`);
  console.log(['workload'.padEnd(32), ...names.map((n) => n.padStart(19))].join(''));
  for (const w of workloads) {
    const cells = rows.filter((r) => r.workload === w);
    const native = cells.find((c) => c.runner === 'native')?.value ?? null;
    const unit = cells.find((c) => c.unit)?.unit ?? '';
    const line = names.map((n) => {
      const c = cells.find((x) => x.runner === n);
      if (!c) return '·'.padStart(19);
      if (c.value === null) return (c.note?.startsWith('n/a') ? 'n/a' : 'failed').padStart(19);
      let ratio = '';
      if (n !== 'native' && native) ratio = ` (×${(higherIsBetter(unit) ? native / c.value : c.value / native).toFixed(1)})`;
      return `${fmt(c.value)}${ratio}`.padStart(19);
    });
    console.log([`${w} [${unit}]`.padEnd(32), ...line].join(''));
  }
  if (rep.load) console.log(`\n${loadText(rep).trim()}`);
  console.log('\n· = not applicable (WASI runners run the one wasm32-wasi build, shown in the (musl) rows)');
  for (const r of rows.filter((x) => x.note)) console.log(`${r.workload === '*' ? r.runner : r.runner === '*' ? r.workload : `${r.workload} / ${r.runner}`}: ${r.note}`);
}

main();
