// Sockets (issue #9): tests/programs/net.c, built with musl-gcc and gcc, run natively and under
// wasl in a fresh scratch directory each; stdout, stderr and exit status must match byte for
// byte. Loopback only; ports are the kernel's choice (bind to port 0), never fixed.

import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl, Outcome } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/net.c');

const MODES: Array<[string, string]> = [
  ['pair', 'AF_UNIX socketpair: stream, datagram and seqpacket, fstat, poll bits, MSG_PEEK/DONTWAIT, shutdown, EPIPE/SIGPIPE and MSG_NOSIGNAL, errors'],
  ['rights', 'SCM_RIGHTS across fork (a pipe end and a socket end), MSG_CMSG_CLOEXEC, MSG_CTRUNC, SO_PEERCRED'],
  ['names', 'AF_UNIX abstract and filesystem names: bind/listen/accept/connect across fork, EADDRINUSE, ECONNREFUSED, ENOENT, unnamed senders, autobind'],
  ['tcp', 'TCP echo server and client (fork) over IPv4 and IPv6 loopback, port 0, getsockname/getpeername, options as Linux reports them'],
  ['nbconnect', 'non-blocking connect with epoll: EINPROGRESS, EPOLLOUT, SO_ERROR, accept4 flags, EPOLLET data, refused connection'],
  ['signals', 'signals interrupt blocked recv and accept (AF_UNIX and TCP) with EINTR, or restart them with SA_RESTART'],
  ['badargs', 'bad pointers, lengths, flags and families: the errno Linux gives for each'],
  ['policy', 'IP and Unix sockets may be created by default'],
  ['udp', 'UDP round trip: bind to port 0, autobind on send, recvfrom addresses, MSG_TRUNC, connected UDP, EDESTADDRREQ, EMSGSIZE, across fork'],
];

function inScratch(run: (cwd: string) => Outcome): Outcome {
  const cwd = mkdtempSync(join(tmpdir(), 'wasl-net-'));
  try { return run(cwd); } finally { rmSync(cwd, { recursive: true, force: true }); }
}

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`sockets, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const [mode, what] of MODES) {
      it(`${mode}: ${what}`, () => {
        const bin = buildStatic(SRC, tc);
        const native = inScratch((cwd) => runNative(bin, { args: [mode], cwd }));
        const wasl = inScratch((cwd) => runWasl(bin, { args: [mode], cwd }));
        expect(native.status).toBe(0);
        expect(wasl).toEqual(native);
      });
    }
  });
}

describe.skipIf(!canBuild('musl'))('--network=none (skipped only if musl-gcc is missing)', () => {
  it('refuses IP sockets with EACCES (the policy of docs/security.md); AF_UNIX still works', () => {
    const bin = buildStatic(SRC, 'musl');
    const wasl = inScratch((cwd) => runWasl(bin, { args: ['policy'], cwd }, ['--network=none']));
    expect(wasl).toEqual({
      stdout: 'socket AF_INET stream = -1 EACCES\nsocket AF_INET6 dgram = -1 EACCES\nsocketpair AF_UNIX = 0 \n',
      stderr: '', status: 0,
    });
  });
});
