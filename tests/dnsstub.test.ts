// The DNS stub (issue #9): a guest's resolver at 10.255.255.254:53 is answered by the host's
// resolver (lxcore/net/dnsstub.ts). The host resolver here is a small DNS server of the test's own
// on a loopback port (wasl --dns-upstream points the stub at it), so nothing leaves the machine:
// - busybox nslookup asks it natively (127.0.0.1:PORT) and under wasl through the stub; the
//   answers must be the same, the server's own;
// - a C program (musl and glibc) writes an isolated instance's /etc/resolv.conf naming the stub and
//   resolves names with getaddrinfo: it must get the server's address for a known name and
//   EAI_NONAME for an unknown one (NXDOMAIN), which is what the server was made to answer.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { createSocket, Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { WASL_CLI } from './support/run.js';

const BUSYBOX = '/bin/busybox';
const ANSWER = [192, 0, 2, 77];

/** A DNS server answering A queries for wasl.test, NXDOMAIN for other names, no data for other types. */
function startServer(): Promise<{ server: Socket; port: number; queries: string[] }> {
  const server = createSocket('udp4');
  const queries: string[] = [];
  server.on('message', (q, rinfo) => {
    let off = 12;
    const labels: string[] = [];
    while (q[off]) { labels.push(q.subarray(off + 1, off + 1 + q[off]).toString()); off += q[off] + 1; }
    const qtype = q.readUInt16BE(off + 1);
    const name = labels.join('.').toLowerCase();
    queries.push(`${name}/${qtype}`);
    const question = q.subarray(12, off + 5);
    const known = name === 'wasl.test';
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | (q.readUInt16BE(2) & 0x0100) | (known ? 0 : 3), 2); // QR RD RA, rcode
    header.writeUInt16BE(1, 4);
    const answers = known && qtype === 1
      ? Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]), Buffer.from(ANSWER)]) : Buffer.alloc(0);
    header.writeUInt16BE(answers.length ? 1 : 0, 6);
    server.send(Buffer.concat([header, question, answers]), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => server.bind(0, '127.0.0.1', () => resolve({ server, port: server.address().port, queries })));
}

/** Runs a command without blocking the event loop (the DNS server lives in this process). */
function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { PATH: '/usr/bin:/bin', LANG: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

let dns: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => { dns = await startServer(); });
afterAll(() => dns.server.close());

describe.skipIf(!existsSync(BUSYBOX))('DNS stub: busybox nslookup (skipped only if /bin/busybox is missing)', () => {
  it('answers through the stub are the host resolver\'s own', async () => {
    const native = await run(BUSYBOX, ['nslookup', 'wasl.test', `127.0.0.1:${dns.port}`]);
    const wasl = await run(process.execPath, [WASL_CLI, `--dns-upstream=127.0.0.1:${dns.port}`, BUSYBOX, 'nslookup', 'wasl.test', '10.255.255.254']);
    // Only the two lines that name the server asked differ.
    const answers = (s: string) => s.split('\n').filter((l, i, all) => !/^Server:/.test(l) && !/^Server:/.test(all[i - 1] ?? '')).join('\n');
    expect(native.stdout).toContain('192.0.2.77');
    expect({ ...wasl, stdout: answers(wasl.stdout) }).toEqual({ ...native, stdout: answers(native.stdout) });
    expect(wasl.stdout).toContain('10.255.255.254');
  });
});

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`DNS stub: getaddrinfo through resolv.conf, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it('a known name resolves to the server\'s address, an unknown one is EAI_NONAME', async () => {
      const bin = buildStatic(join(ROOT, 'tests/programs/resolve.c'), tc);
      const before = dns.queries.length;
      const r = await run(process.execPath, [WASL_CLI, '--isolated', `--dns-upstream=127.0.0.1:${dns.port}`, bin, '10.255.255.254', 'wasl.test', 'nosuch.test']);
      expect(r).toEqual({ stdout: 'wasl.test: 192.0.2.77\nnosuch.test: EAI_NONAME\n', stderr: '', status: 0 });
      expect(dns.queries.slice(before)).toContain('wasl.test/1');
    });
  });
}
