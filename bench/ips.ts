#!/usr/bin/env node
// `npm run bench:ips [-- REPS]`: the interpreter's speed, alone and with the compiler tier, on
// compute-bound guest programs (issue #11), in guest instructions per second and as a ratio to
// native, measured side by side in one run. Each workload is built from source here (musl-gcc -static -O2; the Go
// loop with CGO_ENABLED=0 go build, when go is installed) and run under wasl in this process (so
// the core's instruction counter can be read) and natively, and the outputs compared byte for
// byte; a cell is the median of REPS runs (default 3). Wall time includes start-up (~0.1 s), so
// workloads run a few seconds. The workloads: bench/src/marks.c (CoreMark-class: lists, matrix,
// state machine, CRC), the examples' sha256 and sort, an xorshift loop, memcpy, busybox
// sha256sum and gzip (4 MiB each, not the 16 MiB: the interpreter column would take
// minutes), and bench/src/hotloop.go.
// Not a test: timings on the shared 2-core machine are noisy, compare A/B back to back.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnProgram } from '../lxcore/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const reps = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'wasl-ips-'));

// A tight integer loop with a call, compares and memory traffic: the bench's "compute" kernel
// run without clock reads, so the time is all interpretation.
const COMPUTE = `#include <stdio.h>
#include <stdlib.h>
static unsigned long mix(unsigned long x) { for (int k = 0; k < 12; k++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; } return x; }
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000; unsigned long s = 0; static unsigned long a[256];
  for (long i = 0; i < n; i++) { unsigned long x = mix(i + 88172645463325252ul); a[x & 255] += x; s = s * 31 + x; }
  for (int i = 0; i < 256; i++) s += a[i];
  printf("%lu\\n", s); return 0; }
`;
writeFileSync(join(dir, 'compute.c'), COMPUTE);
// Block copies and fills through musl's memcpy/memset (rep movsq / rep stosq at their core).
const MEMCPY = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100; size_t sz = 1 << 20; unsigned long s = 0;
  unsigned char *a = malloc(sz), *b = malloc(sz);
  for (size_t i = 0; i < sz; i++) a[i] = (unsigned char)(i * 2654435761u >> 13);
  for (int k = 0; k < n; k++) { memcpy(b + (k & 7), a, sz - 8); memset(a + (k & 15), k, 4096 + k); memcpy(a, b + 3, sz - 8); s += b[k * 4099 % sz] + a[k * 131 % sz]; }
  printf("%lu\\n", s); return 0; }
`;
writeFileSync(join(dir, 'memcpy.c'), MEMCPY);

// busybox sha256sum of a few MiB (the distribution's static busybox, when there is one).
const DATA = join(dir, 'data.bin');
writeFileSync(DATA, Buffer.from(Array.from({ length: 4 << 20 }, (_, i) => (i * 2654435761) >>> 13 & 0xff)));
// gzip's input: text-like (words from a small vocabulary in a pseudo-random order), so the
// match finder and the Huffman coder both work as on real files.
const TEXT = join(dir, 'text.txt');
{
  const words = 'the of and to in is that for it as with was on be by at this which from or an are not have'.split(' ');
  const parts: string[] = [];
  let x = 2463534242, len = 0;
  while (len < 4 << 20) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const w = (x % 7 === 0 ? String(x % 100000) : words[x % words.length]) + (x % 13 === 0 ? '.\n' : ' ');
    parts.push(w); len += w.length;
  }
  writeFileSync(TEXT, parts.join('').slice(0, 4 << 20));
}

interface Workload { name: string; src: string; args: string[]; prebuilt?: boolean; go?: boolean }
const haveGo = spawnSync('go', ['version']).status === 0;
const WORKLOADS: Workload[] = [
  { name: 'marks 2000 (CoreMark-class)', src: join(root, 'bench/src/marks.c'), args: ['2000'] },
  { name: 'sha256 1 MiB (examples)', src: join(root, 'examples/src/sha256.c'), args: [] },
  { name: 'sort 100k (examples)', src: join(root, 'examples/src/sort.c'), args: ['100000'] },
  { name: 'xorshift compute 1M', src: join(dir, 'compute.c'), args: ['1000000'] },
  { name: 'memcpy 2x1 MiB x 1000', src: join(dir, 'memcpy.c'), args: ['1000'] },
  ...(existsSync('/bin/busybox') ? [
    { name: 'busybox sha256sum 4 MiB', src: '/bin/busybox', args: ['sha256sum', DATA], prebuilt: true },
    { name: 'busybox gzip 4 MiB text', src: '/bin/busybox', args: ['gzip', '-c', TEXT], prebuilt: true },
  ] : []),
  ...(haveGo ? [{ name: 'Go hot loop 300', src: join(root, 'bench/src/hotloop.go'), args: ['300'], go: true }] : []),
];

function build(w: Workload): string {
  if (w.prebuilt) return w.src;
  const out = join(dir, w.name.split(' ')[0]);
  const r = w.go
    ? spawnSync('go', ['build', '-o', out, w.src], {
      encoding: 'utf8', env: { ...process.env, CGO_ENABLED: '0', GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(dir, 'gocache') },
    })
    : spawnSync('musl-gcc', ['-static', '-O2', '-o', out, w.src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build ${w.src}: ${r.stderr}`);
  return out;
}

function native(bin: string, args: string[]): { ms: number; out: Buffer } {
  const t = process.hrtime.bigint();
  const r = spawnSync(bin, args, { maxBuffer: 64 << 20 });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out: r.stdout };
}

async function wasl(bin: string, args: string[], jit: boolean): Promise<{ ms: number; insns: number; out: Buffer }> {
  const outFile = join(dir, 'out.txt');
  const fs = await import('node:fs');
  const fd = fs.openSync(outFile, 'w');
  const t = process.hrtime.bigint();
  const { kernel, process: p } = spawnProgram(bin, { argv: [bin, ...args], stdio: [0, fd, 2], jit });
  await p.exited;
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  fs.closeSync(fd);
  return { ms, insns: Number(kernel.core.insnCount), out: fs.readFileSync(outFile) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Interpreter alone and with the compiler tier, side by side: runs alternate within each rep.
console.log(`${'workload'.padEnd(28)}${'guest insns'.padStart(13)}${'interp ms'.padStart(11)}${'M insn/s'.padStart(10)}` +
  `${'jit ms'.padStart(9)}${'M insn/s'.padStart(10)}${'native ms'.padStart(11)}${'interp'.padStart(8)}${'jit'.padStart(7)}${'speedup'.padStart(9)}`);
for (const w of WORKLOADS) {
  const bin = build(w);
  const nat: number[] = [], ms: number[] = [], jms: number[] = [];
  let insns = 0, same = true;
  native(bin, w.args); // warm the page cache
  for (let i = 0; i < reps; i++) {
    const n = native(bin, w.args);
    const v = await wasl(bin, w.args, false);
    const j = await wasl(bin, w.args, true);
    nat.push(n.ms); ms.push(v.ms); jms.push(j.ms); insns = v.insns;
    if (!v.out.equals(n.out) || !j.out.equals(n.out)) same = false;
  }
  const m = median(ms), jm = median(jms), nm = median(nat);
  console.log(`${w.name.padEnd(28)}${(insns / 1e6).toFixed(1).padStart(12)}M${m.toFixed(0).padStart(11)}${(insns / m / 1e3).toFixed(1).padStart(10)}` +
    `${jm.toFixed(0).padStart(9)}${(insns / jm / 1e3).toFixed(1).padStart(10)}${nm.toFixed(1).padStart(11)}` +
    `${(m / nm).toFixed(0).padStart(7)}×${(jm / nm).toFixed(0).padStart(6)}×${(m / jm).toFixed(2).padStart(8)}×${same ? '' : '  OUTPUT DIFFERS'}`);
}
rmSync(dir, { recursive: true, force: true });
process.exit(0);
