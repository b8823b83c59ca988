#!/usr/bin/env node
// `npm run bench:fs`: the file-system paths side by side (issue #5) — stat, open+close, 4 KiB
// pread and 4 KiB pwrite, as bench/src/micro.c measures them inside the guest (musl, static), on:
//   native            the host kernel, in a scratch directory
//   wasl passthrough  the same directory through wasl's default host passthrough
//   wasl drvfs        the same directory mounted with --mount (drvfs over node:fs, lxcore's walk)
//   wasl volfs mem    /tmp of an --isolated instance (volfs in memory)
//   wasl volfs disk   /tmp of a --root instance (volfs on disk)
// Each cell is the median of REPS runs (3; 1 with --quick). Not a timed test: figures go to stdout
// as a Markdown table; the README's Benchmarks section keeps the last one (pasted by hand).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const quick = process.argv.includes('--quick');
const REPS = quick ? 1 : 3;
const BUDGET_MS = quick ? 500 : 2000;
const cli = join(root, 'dist/cli/wasl.cjs');
const buildDir = join(root, 'bench/.build');
mkdirSync(buildDir, { recursive: true });
const bin = join(buildDir, 'micro-musl-fs');
const b = spawnSync('musl-gcc', ['-static', '-O2', '-pthread', '-o', bin, join(root, 'bench/src/micro.c')], { encoding: 'utf8' });
if (b.status !== 0) { console.error(`musl-gcc failed: ${b.stderr}`); process.exit(1); }

const WORK: Array<[string, number]> = [['stat', 100_000], ['openclose', 50_000], ['read4k_file', 50_000], ['write4k_file', 50_000]];

interface Config { name: string; argv: (dir: string, store: string) => string[]; dir: (dir: string) => string }
const CONFIGS: Config[] = [
  { name: 'native', argv: () => [bin], dir: (d) => d },
  { name: 'wasl passthrough', argv: () => [process.execPath, cli, bin], dir: (d) => d },
  { name: 'wasl drvfs', argv: (d) => [process.execPath, cli, '--isolated', '--mount', `/bench=${d}`, bin], dir: () => '/bench' },
  { name: 'wasl volfs mem', argv: () => [process.execPath, cli, '--isolated', bin], dir: () => '/tmp' },
  { name: 'wasl volfs disk', argv: (_d, s) => [process.execPath, cli, '--root', s, bin], dir: () => '/tmp' },
];

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const table: string[] = [];
table.push(`| operation | ${CONFIGS.map((c) => c.name).join(' | ')} |`);
table.push(`|---|${CONFIGS.map(() => '---:').join('|')}|`);
for (const [work, n] of WORK) {
  const cells: number[] = [];
  for (const c of CONFIGS) {
    const values: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const scratch = mkdtempSync(join(tmpdir(), 'wasl-benchfs-'));
      const store = join(scratch, '.store');
      try {
        const argv = c.argv(scratch, store);
        const out = spawnSync(argv[0], [...argv.slice(1), work, String(n), c.dir(scratch), String(BUDGET_MS)], { cwd: scratch, encoding: 'utf8', timeout: 300_000 });
        const m = /([\d.]+) ns\/op/.exec(out.stdout ?? '');
        if (!m) { console.error(`${work} under ${c.name}: ${out.stderr || out.stdout}`); continue; }
        values.push(Number(m[1]));
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    cells.push(values.length ? median(values) : NaN);
    process.stderr.write(`${work} ${c.name}: ${cells[cells.length - 1]} ns/op\n`);
  }
  const base = cells[0];
  table.push(`| ${work} (ns/op) | ${cells.map((v, i) => (Number.isNaN(v) ? 'failed' : i === 0 ? `${Math.round(v)}` : `${Math.round(v)} (×${(v / base).toFixed(1)})`)).join(' | ')} |`);
}
console.log(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, median of ${REPS} run(s), bench/src/micro.c (musl, static):\n`);
console.log(table.join('\n'));
