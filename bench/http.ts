// `npm run bench:http` — requests per second and latency of a static Go net/http server
// (tests/programs/gohttp.go, CGO_ENABLED=0) under wasl, next to the same binary run natively.
// Not a test: it prints a table (and bench/results/http.json). The load comes from this process
// over loopback: N GET requests from C keep-alive clients, then N/4 on fresh connections.
// Options: --requests N (default 2000), --clients C (default 8).

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'tests/programs/gohttp.go');
const CLI = join(ROOT, 'dist/cli/wasl.cjs');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

function build(): string {
  const cache = join(ROOT, 'tests/.build');
  mkdirSync(cache, { recursive: true });
  const out = join(cache, `gohttp-${createHash('sha256').update(readFileSync(SRC)).digest('hex').slice(0, 12)}`);
  if (!existsSync(out)) {
    execFileSync('go', ['build', '-o', out, SRC], {
      stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0', GO111MODULE: 'off', GOCACHE: join(cache, 'gocache'), GOFLAGS: '' },
    });
  }
  return out;
}

function start(bin: string, wasl: boolean): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = wasl ? spawn(process.execPath, [CLI, bin], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(bin, [], { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) {
        const port = Number(m[1]);
        resolve({ port, stop: async () => { await get(port, new http.Agent(), '/quit'); await closed; } });
      }
    });
    child.on('close', () => reject(new Error('server exited')));
  });
}

function get(port: number, agent: http.Agent, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
}

interface Result { rps: number; p50: number; p99: number; errors: number }

async function load(port: number, total: number, clients: number, keepAlive: boolean): Promise<Result> {
  const agent = new http.Agent({ keepAlive, maxSockets: clients });
  const lat: number[] = [];
  let next = 0, errors = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < total) {
      const n = next++;
      const s = performance.now();
      const body = await get(port, agent, `/echo?n=${n}`).catch(() => '');
      lat.push(performance.now() - s);
      if (body !== `echo ${n} ${String(n % 10).repeat(n % 200)}`) errors++;
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))];
  return { rps: total / secs, p50: q(0.5), p99: q(0.99), errors };
}

async function main(): Promise<void> {
  const total = arg('--requests', 2000), clients = arg('--clients', 8);
  const bin = build();
  const rows: Array<{ runner: string; mode: string } & Result> = [];
  for (const wasl of [false, true]) {
    const s = await start(bin, wasl);
    await load(s.port, Math.max(20, total / 20), clients, true); // warm-up (V8 tiers wasl's core up)
    rows.push({ runner: wasl ? 'wasl' : 'native', mode: `keep-alive, ${clients} clients`, ...(await load(s.port, total, clients, true)) });
    rows.push({ runner: wasl ? 'wasl' : 'native', mode: `new connection each, ${clients} clients`, ...(await load(s.port, Math.ceil(total / 4), clients, false)) });
    rows.push({ runner: wasl ? 'wasl' : 'native', mode: 'keep-alive, 1 client', ...(await load(s.port, Math.ceil(total / 4), 1, true)) });
    await s.stop();
  }
  const f = (x: number) => x.toFixed(x < 10 ? 2 : 0);
  console.log('| runner | load | requests/s | p50 ms | p99 ms | bad responses | vs native |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const nat = rows.find((x) => x.runner === 'native' && x.mode === r.mode)!;
    console.log(`| ${r.runner} | ${r.mode} | ${f(r.rps)} | ${f(r.p50)} | ${f(r.p99)} | ${r.errors} | ${(r.rps / nat.rps).toFixed(3)}× |`);
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/http.json'), JSON.stringify(rows, null, 2) + '\n');
}

main().catch((e) => { console.error(e); process.exit(1); });
