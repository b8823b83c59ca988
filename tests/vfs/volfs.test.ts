// volfs against the host filesystem, operation by operation (tests/vfs/conformance.ts).
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volfs } from '../../volfs/volfs.js';
import { randomOps, onBackend, onHost, snapshotBackend, snapshotHost } from './conformance.js';

const SEEDS = Number(process.env.WASL_FS_SEEDS ?? 40);

describe('volfs conformance (the host filesystem is the oracle)', () => {
  it(`${SEEDS} random sequences of 150 operations agree with the host, errno by errno`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const host = fs.mkdtempSync(join(tmpdir(), 'wasl-volfs-'));
      try {
        const v = new Volfs();
        randomOps(seed, 150).forEach((op, i) => {
          const want = onHost(host, op);
          const got = onBackend(v, op);
          const where = `seed ${seed}, op ${i}: ${JSON.stringify(op)}`;
          expect(got, where).toBe(want);
          expect(snapshotBackend(v), where).toBe(snapshotHost(host));
        });
      } finally {
        fs.rmSync(host, { recursive: true, force: true });
      }
    }
  });
});
