#!/usr/bin/env node
// `npm run bench [-- --quick]`: wasl's benchmark suite (issue #8). Each workload runs side by side
// in one run under every runner — native, wasl, qemu-x86_64 — and is reported as a value and a
// ratio to native. Microbenchmarks measure themselves inside the guest (bench/src/micro.c);
// whole-program workloads are timed from outside. A runner that is not available is reported as
// missing with the reason, never dropped. Results: a table on stdout and bench/results/latest.json
// ([{ workload, runner, value, unit }]).

import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const quick = process.argv.includes('--quick');
const buildDir = join(root, 'bench/.build');
const cli = join(root, 'dist/cli/wasl.js');

interface Runner { name: string; argv: (bin: string) => string[]; missing?: string }
interface Row { workload: string; runner: string; value: number | null; unit: string; note?: string }

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const RUNNERS: Runner[] = [
  { name: 'native', argv: (bin) => [bin] },
  { name: 'wasl', argv: (bin) => [process.execPath, cli, bin] },
  { name: 'qemu-x86_64', argv: (bin) => ['qemu-x86_64', bin], missing: have('qemu-x86_64') ? undefined : 'qemu-x86_64 not installed (apt-get install qemu-user)' },
  // The WASI side (the same sources built for wasm32-wasi, run by node:wasi and @wasmer/wasi)
  // needs clang/lld/wasi-libc at bench time; it is the next step of issue #8.
  { name: 'node:wasi', argv: () => [], missing: 'wasm32-wasi build of the microbenchmarks not set up yet (issue #8)' },
  { name: '@wasmer/wasi', argv: () => [], missing: 'wasm32-wasi build of the microbenchmarks not set up yet (issue #8)' },
];

/** Microbenchmarks with iteration counts that give wasl about a second each (a tenth with --quick). */
const MICRO: Array<[string, number]> = [
  ['null', 400_000], ['read1_devzero', 200_000], ['write1_devnull', 200_000],
  ['read4k_file', 50_000], ['write4k_file', 50_000], ['openclose', 30_000], ['stat', 50_000],
  ['fstat', 200_000], ['getdents100', 2_000], ['clock_gettime', 200_000], ['sched_yield', 400_000],
  ['mmap64k', 50_000], ['compute', 100_000],
];
// Not yet measurable, with the reason (they need process and thread support, issue #4).
const PENDING = ['pipe ping-pong (fork, pipes)', 'fork+exit+wait', 'execve', 'futex ping-pong (threads)'];

function build(): string {
  mkdirSync(buildDir, { recursive: true });
  const out = join(buildDir, 'micro-musl');
  execFileSync('musl-gcc', ['-static', '-O2', '-o', out, join(root, 'bench/src/micro.c')]);
  return out;
}

function runMicro(r: Runner, bin: string, name: string, n: number, dir: string): number | null {
  const [cmd, ...args] = r.argv(bin);
  const p = spawnSync(cmd, [...args, name, String(n), dir], { encoding: 'utf8', timeout: 300_000 });
  const m = /^\S+ ([\d.]+) ns\/op$/m.exec(p.stdout ?? '');
  return p.status === 0 && m ? Number(m[1]) : null;
}

/** Wall-clock milliseconds of a whole command, the median of `reps` runs. */
function wallMs(argv: string[], reps: number, input?: string): number | null {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    const p = spawnSync(argv[0], argv.slice(1), { input, maxBuffer: 256 << 20, timeout: 600_000 });
    if (p.status !== 0) return null;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

function main(): void {
  if (!existsSync(cli)) { console.error('run `npm run build` first'); process.exit(2); }
  if (!have('musl-gcc')) { console.error('bench needs musl-gcc (apt-get install musl-tools)'); process.exit(2); }
  const bin = build();
  const scratch = mkdtempSync(join(tmpdir(), 'wasl-bench-'));
  const rows: Row[] = [];
  const active = RUNNERS.filter((r) => !r.missing);
  for (const r of RUNNERS.filter((x) => x.missing)) rows.push({ workload: '*', runner: r.name, value: null, unit: '', note: `missing: ${r.missing}` });

  for (const [name, n0] of MICRO) {
    const n = quick ? Math.max(1, Math.floor(n0 / 10)) : n0;
    for (const r of active) rows.push({ workload: name, runner: r.name, value: runMicro(r, bin, name, n, scratch), unit: 'ns/op' });
  }

  // Whole programs: start-up of a static hello, and busybox-static on generated data.
  const hello = join(root, 'examples/bin/hello');
  for (const r of active) rows.push({ workload: 'startup hello', runner: r.name, value: wallMs(r.argv(hello), quick ? 3 : 7), unit: 'ms' });
  if (existsSync('/bin/busybox')) {
    const mib = quick ? 2 : 16;
    const data = join(scratch, 'data.bin');
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
    writeFileSync(data, Buffer.concat(Array.from({ length: mib }, () => block)));
    const lines = Array.from({ length: quick ? 20_000 : 200_000 }, (_, i) => `${(i * 7919) % 100003} line`).join('\n') + '\n';
    const linesFile = join(scratch, 'lines.txt');
    writeFileSync(linesFile, lines);
    for (const r of active) {
      const ms = wallMs([...r.argv('/bin/busybox'), 'sha256sum', data], quick ? 1 : 3);
      rows.push({ workload: `busybox sha256sum ${mib} MiB`, runner: r.name, value: ms === null ? null : mib / (ms / 1000), unit: 'MiB/s' });
      const ms2 = wallMs([...r.argv('/bin/busybox'), 'sort', linesFile], quick ? 1 : 3);
      rows.push({ workload: `busybox sort ${quick ? '20k' : '200k'} lines`, runner: r.name, value: ms2, unit: 'ms' });
    }
  } else {
    rows.push({ workload: 'busybox workloads', runner: '*', value: null, unit: '', note: 'missing: /bin/busybox (apt-get install busybox-static)' });
  }
  for (const p of PENDING) rows.push({ workload: p, runner: '*', value: null, unit: '', note: 'pending: needs processes/threads (issue #4)' });
  rmSync(scratch, { recursive: true, force: true });

  // ---- report ----
  const workloads = [...new Set(rows.filter((r) => r.runner !== '*' && r.workload !== '*').map((r) => r.workload))];
  const names = active.map((r) => r.name);
  const higherIsBetter = (unit: string) => unit.endsWith('/s');
  const fmt = (v: number | null) => (v === null ? 'failed' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  console.log(`wasl benchmarks${quick ? ' (--quick)' : ''} — value per runner, (×N) = times slower than native\n`);
  console.log(['workload'.padEnd(28), ...names.map((n) => n.padStart(20))].join(''));
  for (const w of workloads) {
    const cells = rows.filter((r) => r.workload === w);
    const native = cells.find((c) => c.runner === 'native')?.value ?? null;
    const unit = cells[0].unit;
    const line = names.map((n) => {
      const v = cells.find((c) => c.runner === n)?.value ?? null;
      let ratio = '';
      if (n !== 'native' && v !== null && native) ratio = ` (×${(higherIsBetter(unit) ? native / v : v / native).toFixed(1)})`;
      return `${fmt(v)}${ratio}`.padStart(20);
    });
    console.log([`${w} [${unit}]`.padEnd(28), ...line].join(''));
  }
  for (const r of rows.filter((x) => x.note)) console.log(`${r.runner === '*' ? r.workload : r.runner}: ${r.note}`);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/latest.json'), JSON.stringify(rows, null, 1) + '\n');
  console.log('\nwrote bench/results/latest.json');
}

main();

