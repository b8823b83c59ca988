#!/usr/bin/env node
// `npm run bench:playground [-- REPS]`: the browser playground's cold start and speed, in Debian's
// chromium (headless, playwright-core), from the built site served on loopback with the COOP/COEP
// headers. Not a test; the machine is shared, so figures move with its load.
//   cold start: navigation -> the shell's prompt on screen, fresh browser profile (nothing in
//               IndexedDB: core.wasm compiled, rootfs.bin fetched and unpacked, sh started);
//   warm start: the same after a reload (the root comes from IndexedDB instead);
//   instructions/s: guest instructions retired (the kernel's counter) over the wall time of
//               `primes` (examples/src/primes.c) typed at the prompt, in the page and, for
//               comparison, in Node (the same kernel through lxcore's API) on the same binary.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../examples/playground/serve.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const reps = Number(process.argv[2] ?? 3);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function ready(page) {
  await page.waitForFunction(() => window.waslPlayground !== undefined);
  await page.evaluate(() => window.waslPlayground.ready);
  return page.evaluate(() => window.waslPlayground.stats().promptMs);
}

let mark = 0;
async function timed(page, cmd) {
  const n = ++mark;
  const before = await page.evaluate(() => window.waslPlayground.stats());
  const t0 = Date.now();
  await page.evaluate((s) => window.waslPlayground.type(s), `${cmd} >/dev/null; echo DO''NE${n}\r`);
  await page.waitForFunction((m) => window.waslPlayground.screenText().includes(m), `\nDONE${n}`, { timeout: 300_000, polling: 20 });
  const ms = Date.now() - t0;
  await page.waitForTimeout(400); // the counters are published every 250 ms
  const after = await page.evaluate(() => window.waslPlayground.stats());
  return { ms, insns: after.insns - before.insns, syscalls: after.syscalls - before.syscalls };
}

async function nodeIps(bin) {
  const { spawnProgram } = await import(join(root, 'dist/lxcore/index.js'));
  const { openSync } = await import('node:fs');
  const devnull = openSync('/dev/null', 'w');
  const t0 = performance.now();
  const { kernel, process: p } = spawnProgram(bin, { argv: [bin], stdio: [0, devnull, devnull] });
  await p.exited;
  return kernel.insnsRetired / ((performance.now() - t0) / 1000);
}

const server = await serve(join(root, 'examples/playground/dist'));
const cold = [], warm = [], ips = [];
for (let r = 0; r < reps; r++) {
  const profile = mkdtempSync(join(tmpdir(), 'wasl-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  const page = ctx.pages()[0] ?? await ctx.newPage();
  await page.goto(server.url);
  cold.push(await ready(page));
  await page.evaluate(() => window.waslPlayground.flush());
  await page.reload();
  warm.push(await ready(page));
  const t = await timed(page, 'primes');
  ips.push(t.insns / (t.ms / 1000));
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
await server.close();
const node = [];
for (let r = 0; r < reps; r++) node.push(await nodeIps(join(root, 'examples/bin/primes')));

const f = (x) => (x / 1e6).toFixed(1);
console.log(`cold start to prompt (ms): ${cold.map((x) => x.toFixed(0)).join(' ')}  median ${median(cold).toFixed(0)}`);
console.log(`warm start (reload, root from IndexedDB) (ms): ${warm.map((x) => x.toFixed(0)).join(' ')}  median ${median(warm).toFixed(0)}`);
console.log(`primes in the page: ${ips.map(f).join(' ')} M instructions/s  median ${f(median(ips))}`);
console.log(`primes in Node (same kernel, lxcore API): ${node.map(f).join(' ')} M instructions/s  median ${f(median(node))}`);
process.exit(0);
