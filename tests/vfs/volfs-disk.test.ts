// volfs on disk (volfs/diskstore.ts): the conformance suite of tests/vfs/conformance.ts against
// the host filesystem, as for volfs in memory, plus what only a store on disk has: reopening
// (after a clean close and after a simulated crash), a torn journal tail, compaction, the lock.
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volfs } from '../../volfs/volfs.js';
import { DiskStore } from '../../volfs/diskstore.js';
import { randomOps, onBackend, onHost, snapshotBackend, snapshotHost } from './conformance.js';

const SEEDS = Number(process.env.WASL_FS_SEEDS ?? 40);

const open = (dir: string, compactBytes?: number) => {
  const store = new DiskStore(dir, { compactBytes });
  return { store, v: new Volfs({ store }) };
};
/** The tree without file contents: what must survive a crash after the last sync. */
const shape = (snap: string) => snap.replace(/ [0-9a-f]*$/gm, '');

function withDirs(fn: (host: string, store: string) => void): void {
  const base = fs.mkdtempSync(join(tmpdir(), 'wasl-volfs-disk-'));
  try {
    fs.mkdirSync(join(base, 'host'));
    fn(join(base, 'host'), join(base, 'store'));
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

describe('volfs on disk (the host filesystem is the oracle)', () => {
  it(`${SEEDS} random sequences of 150 operations agree with the host, errno by errno, and survive reopening`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      withDirs((host, dir) => {
        // A small compaction threshold, so that snapshots are taken during the run too.
        let { store, v } = open(dir, 2048);
        randomOps(seed, 150).forEach((op, i) => {
          const want = onHost(host, op);
          const got = onBackend(v, op);
          const where = `seed ${seed}, op ${i}: ${JSON.stringify(op)}`;
          expect(got, where).toBe(want);
          expect(snapshotBackend(v), where).toBe(snapshotHost(host));
          if (i % 37 === 36) {
            // Synced, then "killed": everything is there after reopening.
            v.syncAll();
            store.abandon();
            ({ store, v } = open(dir, 2048));
            expect(snapshotBackend(v), `${where}, reopened after a crash`).toBe(snapshotHost(host));
          }
        });
        v.release();
        ({ store, v } = open(dir));
        expect(snapshotBackend(v), `seed ${seed}, reopened after closing`).toBe(snapshotHost(host));
        expect(store.counters.tornBytes).toBe(0);
        v.release();
      });
    }
  });

  it('a crash loses only what was not synced: the tree is the one of the last sync', () => {
    for (let seed = 100; seed < 100 + SEEDS / 2; seed++) {
      withDirs((host, dir) => {
        const { store, v } = open(dir);
        const ops = randomOps(seed, 120);
        const syncAt = 20 + (seed * 7) % 80;
        let atSync = '';
        ops.forEach((op, i) => {
          onBackend(v, op);
          if (i === syncAt) { v.syncAll(); atSync = snapshotBackend(v); }
        });
        store.abandon();
        const again = open(dir);
        // Contents of files written after the sync may already be on the host (in place); the
        // names, types, sizes, link counts and symlink targets are those of the sync.
        expect(shape(snapshotBackend(again.v)), `seed ${seed}`).toBe(shape(atSync));
        again.v.release();
      });
    }
  });

  it('without syncs, a commit is written between operations once enough piles up (never inside one)', async () => {
    const base = fs.mkdtempSync(join(tmpdir(), 'wasl-volfs-disk-'));
    try {
      const { store, v } = open(join(base, 'store'));
      const root = v.root();
      for (let i = 0; i < 5000; i++) root.create(`f${i}`, { mode: 0o644, uid: 0, gid: 0 });
      expect(store.counters.commits).toBe(0); // nothing written in the middle of the loop
      await Promise.resolve(); // the next syscall's turn: the queued commit runs
      expect(store.counters.commits).toBe(1);
      store.abandon();
      const again = open(join(base, 'store'));
      expect(again.v.root().readdir().length).toBe(5000);
      again.v.release();
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('a torn journal tail is dropped: the store opens at the last whole commit', () => {
    withDirs((_host, dir) => {
      const { v } = open(dir);
      const root = v.root();
      root.mkdir('a', { mode: 0o755, uid: 1, gid: 2 });
      v.syncAll();
      const whole = snapshotBackend(v);
      root.mkdir('b', { mode: 0o700, uid: 0, gid: 0 });
      v.release();
      const journal = join(dir, 'meta.journal');
      const full = fs.statSync(journal).size;
      for (const cut of [1, 5, 11, 12, 20]) {
        // A commit written in part (power lost mid-write): every prefix of the last frame.
        const copy = fs.readFileSync(journal);
        fs.writeFileSync(journal, copy.subarray(0, full - cut));
        const r = open(dir);
        expect(snapshotBackend(r.v)).toBe(whole);
        expect(r.store.counters.tornBytes).toBeGreaterThan(0);
        r.store.abandon();
        fs.writeFileSync(journal, copy);
      }
      // Garbage after the last frame, and a flipped byte inside it, are both a torn tail.
      fs.appendFileSync(journal, Buffer.from('garbage that is not a frame'));
      let r = open(dir);
      expect(snapshotBackend(r.v)).toContain('b/');
      r.store.abandon();
      const bytes = fs.readFileSync(journal);
      bytes[full - 3] ^= 0xff;
      fs.writeFileSync(journal, bytes);
      r = open(dir);
      expect(snapshotBackend(r.v)).toBe(whole);
      r.v.release();
    });
  });

  it('one process at a time: a live holder keeps the store, a dead one\'s lock is taken over', () => {
    withDirs((_host, dir) => {
      const first = open(dir);
      expect(() => new DiskStore(dir)).toThrow(/in use by process/);
      first.store.abandon();
      // A lock left by a process that no longer exists.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
      fs.writeFileSync(join(dir, 'volfs.lock'), `${dead}\n`);
      const second = open(dir);
      expect(fs.readFileSync(join(dir, 'volfs.lock'), 'utf8')).toBe(`${process.pid}\n`);
      second.v.release();
      expect(fs.existsSync(join(dir, 'volfs.lock'))).toBe(false);
    });
  });

  it('refuses a non-empty directory that is not a store', () => {
    withDirs((host) => {
      fs.writeFileSync(join(host, 'precious'), 'x');
      expect(() => new DiskStore(host)).toThrow(/not empty/);
      expect(fs.readdirSync(host)).toEqual(['precious']);
    });
  });

  it('file contents live in host files, not in memory; an unlinked open file lives until closed', () => {
    withDirs((_host, dir) => {
      const { v } = open(dir);
      const f = v.root().create('big', { mode: 0o644, uid: 0, gid: 0 });
      const chunk = new Uint8Array(1 << 20).fill(7);
      for (let i = 0; i < 8; i++) f.write(chunk, i << 20);
      const onDisk = fs.readdirSync(join(dir, 'data')).map((n) => fs.statSync(join(dir, 'data', n)).size);
      expect(onDisk).toContain(8 << 20);
      f.opened();
      v.root().unlink('big');
      v.syncAll();
      const buf = new Uint8Array(4);
      expect(f.read(buf, (8 << 20) - 4)).toBe(4);
      expect([...buf]).toEqual([7, 7, 7, 7]);
      f.closed();
      v.syncAll();
      expect(fs.readdirSync(join(dir, 'data'))).toEqual([]);
      v.release();
    });
  });
});
