#!/usr/bin/env node
// `npm run demo`: runs the example programs that ship in examples/bin (static musl binaries
// built from examples/src) under wasl, shows what they print, and — since the host is x86-64
// Linux — runs each natively too and says whether wasl's output and exit status match.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli/wasl.cjs');
const bin = (name: string) => join(root, 'examples/bin', name);

const DEMOS: Array<{ name: string; args: string[]; about: string }> = [
  { name: 'hello', args: [], about: 'printf and exit' },
  { name: 'echoargs', args: ['one', 'two words', 'ünïcødé'], about: 'argv and the environment on the initial stack' },
  { name: 'exitcode', args: ['3'], about: 'stderr and a nonzero exit status' },
  { name: 'sha256', args: ['abc', 'wasl'], about: 'SHA-256, written from FIPS 180-4' },
  { name: 'sort', args: ['50000'], about: 'qsort of 50,000 numbers (malloc, brk/mmap)' },
  { name: 'primes', args: ['1000000'], about: 'a sieve to one million (compute-bound)' },
];

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const env = { PATH: '/usr/bin:/bin', LANG: 'C', WASL_DEMO: 'yes' };

let mismatches = 0;
for (const d of DEMOS) {
  const path = bin(d.name);
  if (!existsSync(path)) { console.log(`missing ${path}: run \`make -C examples\``); mismatches++; continue; }
  console.log(bold(`$ wasl examples/bin/${d.name} ${d.args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}`) + `   # ${d.about}`);
  const t0 = process.hrtime.bigint();
  const w = spawnSync(process.execPath, [cli, path, ...d.args], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(w.stdout);
  if (w.stderr) process.stdout.write(w.stderr.replace(/^(?=.)/gm, '  (stderr) '));
  const n = spawnSync(path, d.args, { env, encoding: 'utf8' });
  const same = n.stdout === w.stdout && n.stderr === w.stderr && n.status === w.status;
  if (!same) mismatches++;
  console.log(`  → exit ${w.status}, ${ms.toFixed(0)} ms under wasl; native run: ${same ? 'identical output and status' : 'DIFFERENT'}\n`);
}
console.log(mismatches ? `${mismatches} demo(s) differed from native` : 'All demos matched their native runs.');
process.exitCode = mismatches ? 1 : 0;
