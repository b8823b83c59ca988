// volfs on the snapshot store (volfs/snapshotstore.ts, the browser playground's IndexedDB store):
// the conformance suite of tests/vfs/conformance.ts against the host filesystem, and after each
// save the store is reopened from what its backend holds, as a reload of the page does. The
// backend here is a Map that applies batches as the IndexedDB one does (one batch at a time,
// all of it or nothing).
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volfs } from '../../volfs/volfs.js';
import { SnapshotStore, Snapshot, SnapshotBatch } from '../../volfs/snapshotstore.js';
import type { StoredState } from '../../volfs/store.js';
import { randomOps, onBackend, onHost, snapshotBackend, snapshotHost } from './conformance.js';

const SEEDS = Number(process.env.WASL_FS_SEEDS ?? 20);

class MapBackend {
  private state: StoredState | null = null;
  private files = new Map<number, Uint8Array>();
  batches = 0;
  persist = async (b: SnapshotBatch): Promise<void> => {
    await Promise.resolve(); // asynchronous, as IndexedDB is
    for (const ino of b.freed) this.files.delete(ino);
    for (const [ino, bytes] of b.files) this.files.set(ino, bytes.slice());
    this.state = structuredClone(b.state);
    this.batches++;
  };
  load(): Snapshot | null {
    if (!this.state) return null;
    return { state: structuredClone(this.state), files: new Map([...this.files].map(([k, v]) => [k, v.slice()])) };
  }
  fileCount(): number { return this.files.size; }
}

const open = (b: MapBackend) => {
  const store = new SnapshotStore(b.load(), b.persist, 0);
  return { store, v: new Volfs({ store }) };
};

describe('volfs on the snapshot store (the host filesystem is the oracle)', () => {
  it(`${SEEDS} random sequences of 150 operations agree with the host and survive reopening from the saved snapshot`, async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const host = fs.mkdtempSync(join(tmpdir(), 'wasl-volfs-snap-'));
      try {
        const backend = new MapBackend();
        let { store, v } = open(backend);
        const ops = randomOps(seed, 150);
        for (let i = 0; i < ops.length; i++) {
          const op = ops[i];
          const where = `seed ${seed}, op ${i}: ${JSON.stringify(op)}`;
          expect(onBackend(v, op), where).toBe(onHost(host, op));
          if (i % 29 === 28) {
            await store.flushed();
            ({ store, v } = open(backend)); // a reload: the old instance is simply dropped
            expect(snapshotBackend(v), `${where}, reopened`).toBe(snapshotHost(host));
          }
        }
        await store.flushed();
        ({ store, v } = open(backend));
        expect(snapshotBackend(v), `seed ${seed}, reopened at the end`).toBe(snapshotHost(host));
        // Files that are gone are gone from the backend too.
        const regular = (fs.readdirSync(host, { recursive: true }) as string[]).filter((p) => fs.lstatSync(join(host, p)).isFile());
        expect(backend.fileCount()).toBeLessThanOrEqual(new Set(regular.map((p) => fs.statSync(join(host, p)).ino)).size);
      } finally {
        fs.rmSync(host, { recursive: true, force: true });
      }
    }
  });
});
