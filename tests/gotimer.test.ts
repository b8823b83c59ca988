// Go timers (time.Sleep, time.After, tickers, select with a timeout) — tests/programs/gotimer.go
// built with the host's Go toolchain (CGO_ENABLED=0, static), run natively and under wasl and
// compared byte for byte. Go's runtime waits for timers in epoll_pwait and wakes its netpoller
// through an eventfd (or a pipe), so this exercises lxcore's epoll from a real runtime.

import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, hasCommand } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const GO_SRC = join(ROOT, 'tests/programs/gotimer.go');

function buildGo(): string {
  const cache = join(ROOT, 'tests/.build');
  mkdirSync(cache, { recursive: true });
  const hash = createHash('sha256').update(readFileSync(GO_SRC)).digest('hex').slice(0, 12);
  const out = join(cache, `gotimer-${hash}`);
  if (!existsSync(out)) {
    execFileSync('go', ['build', '-o', out, GO_SRC], {
      stdio: 'pipe',
      env: { ...process.env, CGO_ENABLED: '0', GO111MODULE: 'off', GOCACHE: join(cache, 'gocache'), GOFLAGS: '' },
    });
  }
  return out;
}

describe.skipIf(!hasCommand('go'))('Go timers (skipped only if no `go` toolchain is installed)', () => {
  it('time.Sleep, time.After, a ticker, select with a timeout, AfterFunc.Stop', () => {
    const bin = buildGo();
    const native = runNative(bin);
    const wasl = runWasl(bin);
    expect(wasl).toEqual(native);
  });
});
