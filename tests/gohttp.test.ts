// A static Go HTTP server (tests/programs/gohttp.go: net/http, CGO_ENABLED=0) started under wasl
// on a loopback port answers concurrent requests from this test process — a bounded load, with
// keep-alive and fresh connections, small GETs and 100 KB POSTs — and every response must be the
// one the same binary gives natively under the same load. Go's runtime drives its sockets through
// epoll, edge-triggered readiness and non-blocking accept4/read/write: the real test of lxcore's
// readiness model on top of Node's asynchronous sockets.

import { describe, it, expect } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { ROOT, hasCommand } from './support/build.js';
import { WASL_CLI } from './support/run.js';

const GO_SRC = join(ROOT, 'tests/programs/gohttp.go');

export function buildGoHttp(): string {
  const cache = join(ROOT, 'tests/.build');
  mkdirSync(cache, { recursive: true });
  const hash = createHash('sha256').update(readFileSync(GO_SRC)).digest('hex').slice(0, 12);
  const out = join(cache, `gohttp-${hash}`);
  if (!existsSync(out)) {
    execFileSync('go', ['build', '-o', out, GO_SRC], {
      stdio: 'pipe',
      env: { ...process.env, CGO_ENABLED: '0', GO111MODULE: 'off', GOCACHE: join(cache, 'gocache'), GOFLAGS: '' },
    });
  }
  return out;
}

interface Server { port: number; done: Promise<{ stdout: string; status: number | null }> }

/** Starts the server (natively or under wasl) and resolves once it printed its port. */
export function startServer(bin: string, underWasl: boolean): Promise<Server> {
  const child = underWasl
    ? spawn(process.execPath, [WASL_CLI, bin], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(bin, [], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const done = new Promise<{ stdout: string; status: number | null }>((resolve) => {
    child.on('close', (status) => resolve({ stdout, status }));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  done.finally(() => clearTimeout(timer));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening (\d+)\n/.exec(stdout);
      if (m) resolve({ port: Number(m[1]), done });
    });
    child.on('close', () => reject(new Error(`server ended before listening: ${stdout}`)));
  });
}

function request(port: number, agent: http.Agent, path: string, body?: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent, method: body ? 'POST' : 'GET' }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve(`${res.statusCode} ${b}`));
    });
    req.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
    req.end(body);
  });
}

/** `total` requests from `conc` workers; returns the responses in request order. */
async function load(port: number, total: number, conc: number, keepAlive: boolean): Promise<string[]> {
  const agent = new http.Agent({ keepAlive, maxSockets: conc });
  const out: string[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      if (i % 10 === 9) {
        const body = Buffer.alloc(100_000, i % 251);
        out[i] = await request(port, agent, '/sum', body);
      } else out[i] = await request(port, agent, `/echo?n=${i}`);
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  agent.destroy();
  return out;
}

async function session(bin: string, underWasl: boolean): Promise<{ responses: string[]; stdout: string; status: number | null }> {
  const s = await startServer(bin, underWasl);
  const responses = [
    ...(await load(s.port, 60, 8, true)),
    ...(await load(s.port, 20, 4, false)),
  ];
  responses.push(await request(s.port, new http.Agent(), '/quit'));
  const end = await s.done;
  return { responses, stdout: end.stdout.replace(/listening \d+/, 'listening PORT'), status: end.status };
}

describe.skipIf(!hasCommand('go'))('Go net/http server (skipped only if no `go` toolchain is installed)', () => {
  it('answers 80 concurrent requests (keep-alive and not, GET and 100 KB POST) as natively', async () => {
    const bin = buildGoHttp();
    const native = await session(bin, false);
    const wasl = await session(bin, true);
    expect(native.responses.filter((r) => !r.startsWith('200 ')).length).toBe(0);
    expect(wasl).toEqual(native);
  }, 180_000);
});
