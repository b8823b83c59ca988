// Busybox's network clients under wasl against servers in this test process (loopback only):
// `nc` sends its stdin to a TCP server and prints the reply, `wget` fetches from an HTTP server.
// Each runs natively and under wasl against the same server; output and status must match.

import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { WASL_CLI, Outcome } from './support/run.js';

const BUSYBOX = '/bin/busybox';
const ENV = { PATH: '/usr/bin:/bin', LANG: 'C', HOME: '/root' };

/** Runs asynchronously (the servers live in this process's event loop). */
function run(argv: string[], underWasl: boolean, stdin = ''): Promise<Outcome> {
  const [cmd, args] = underWasl ? [process.execPath, [WASL_CLI, ...argv]] : [argv[0], argv.slice(1)];
  const child = spawn(cmd, args, { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdin.end(stdin);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('close', (status, signal) => {
    clearTimeout(timer);
    resolve({ stdout, stderr, status: signal ? 128 : status ?? -1 });
  }));
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

describe.skipIf(!existsSync(BUSYBOX))('busybox nc and wget against host servers (skipped only if /bin/busybox is missing)', () => {
  it('nc: stdin to a TCP server, its reply to stdout, after the server closes', async () => {
    // The server answers once the client half-closes (nc does at stdin EOF) or after a pause.
    const server = net.createServer({ allowHalfOpen: true }, (c) => {
      let got = Buffer.alloc(0);
      c.on('data', (d) => { got = Buffer.concat([got, d]); if (got.includes('END\n')) reply(); });
      let done = false;
      const reply = () => { if (done) return; done = true; c.end(`got ${got.length} bytes: ${got.toString().toUpperCase()}`); };
      c.on('end', reply);
    });
    const port = await listen(server);
    const input = 'hello from nc\n'.repeat(50) + 'END\n';
    const argv = [BUSYBOX, 'nc', '127.0.0.1', String(port)];
    const native = await run(argv, false, input);
    const wasl = await run(argv, true, input);
    server.close();
    expect(native.stdout).toContain('got 704 bytes');
    expect(wasl).toEqual(native);
  }, 120_000);

  it('wget: an HTTP GET of 200 KB and a 404', async () => {
    const body = Buffer.alloc(200_000);
    for (let i = 0; i < body.length; i++) body[i] = 97 + (i * 7) % 26;
    const server = http.createServer((req, res) => {
      if (req.url === '/file') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(body); } else { res.writeHead(404); res.end('no'); }
    });
    const port = await listen(server);
    const results: Outcome[][] = [];
    for (const underWasl of [false, true]) {
      results.push([
        await run([BUSYBOX, 'wget', '-q', '-O', '-', `http://127.0.0.1:${port}/file`], underWasl),
        await run([BUSYBOX, 'wget', '-q', '-O', '-', `http://127.0.0.1:${port}/missing`], underWasl),
      ]);
    }
    server.close();
    expect(results[0][0].stdout.length).toBe(body.length);
    expect(results[1]).toEqual(results[0]);
  }, 120_000);
});
