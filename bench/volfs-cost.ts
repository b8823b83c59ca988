// `npm run bench:volfs`: what each design choice of the persistent volfs store costs on this
// host (volfs/diskstore.ts), next to the in-memory volfs and to raw host calls. In-process, no
// guest: these are the store's own costs, below any syscall overhead of wasl.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volfs } from '../volfs/volfs.js';
import { DiskStore } from '../volfs/diskstore.js';
import type { Inode } from '../lxcore/vfs/api.js';

const SPEC = { mode: 0o644, uid: 0, gid: 0 };
const base = fs.mkdtempSync(join(tmpdir(), 'wasl-volfs-cost-'));
let dirs = 0;
const freshDir = () => join(base, `s${dirs++}`);

function time(label: string, n: number, fn: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(`${label.padEnd(64)} ${us < 10 ? us.toFixed(2) : us.toFixed(0)} µs`);
  return us;
}

function disk(compactBytes?: number) {
  const store = new DiskStore(freshDir(), { compactBytes });
  return { store, v: new Volfs({ store }) };
}

try {
  const rec = new Uint8Array(64).fill(65);
  const page = new Uint8Array(4096).fill(66);

  // Baseline: the host's own price of durability on this disk.
  const raw = fs.openSync(join(base, 'raw'), 'w+');
  time('host: pwrite 64 B + fdatasync', 200, (i) => { fs.writeSync(raw, rec, 0, 64, i * 64); fs.fdatasyncSync(raw); });
  time('host: pwrite 64 B (no sync)', 20000, (i) => { fs.writeSync(raw, rec, 0, 64, i * 64); });
  fs.closeSync(raw);

  // fsync through volfs: the data file's fdatasync, then one journal frame and its fdatasync.
  {
    const { v, store } = disk();
    const f = v.root().create('log', SPEC);
    time('volfs disk: write 64 B + fsync (data + journal: 2 fdatasyncs)', 200, (i) => { f.write(rec, i * 64); f.sync(false); });
    const c0 = store.counters.fsyncs;
    let k = 0;
    time('volfs disk: create file + write 64 B + fsync (+ data/ dir fsync)', 100, () => { const g = v.root().create(`n${k++}`, SPEC); g.write(rec, 0); g.sync(false); });
    console.log(`${''.padEnd(64)} (${((store.counters.fsyncs - c0) / 100).toFixed(1)} host fsyncs each)`);
    v.release();
  }

  // Unsynced work: metadata only costs a dirty-set entry until a commit; data goes to the host.
  for (const [name, mk] of [['memory', () => ({ v: new Volfs() })], ['disk', () => disk()]] as const) {
    const { v } = mk();
    const root = v.root();
    time(`volfs ${name}: mkdir + rmdir (no sync)`, 20000, (i) => { root.mkdir(`d${i}`, SPEC); root.rmdir(`d${i}`); });
    const f = root.create('data', SPEC);
    time(`volfs ${name}: write 4 KiB (no sync), 16 MiB file`, 4096, (i) => { f.write(page, i * 4096); });
    time(`volfs ${name}: read 4 KiB`, 4096, (i) => { f.read(page, i * 4096); });
    v.release();
  }

  // Snapshots and opening: a tree of 10,000 files.
  {
    const dir = freshDir();
    let store = new DiskStore(dir);
    let v = new Volfs({ store });
    const root = v.root();
    for (let d = 0; d < 100; d++) {
      const sub = root.mkdir(`d${d}`, { ...SPEC, mode: 0o755 }) as Inode;
      for (let i = 0; i < 100; i++) sub.create(`f${i}`, SPEC).setxattr('user.k', rec.subarray(0, 8), 0);
    }
    time('volfs disk: commit of 10,000 new files (one frame) + fdatasync', 1, () => v.syncAll());
    const journal = fs.statSync(join(dir, 'meta.journal')).size;
    v.release();
    time(`volfs disk: open, replaying a ${(journal / 1024).toFixed(0)} KiB journal (10,000 inodes)`, 1, () => { store = new DiskStore(dir); v = new Volfs({ store }); });
    const snap = time('volfs disk: compaction (snapshot written, fsync, rename, new journal)', 1, () => {
      (store as unknown as { writeSnapshot(s: unknown): void }).writeSnapshot((store as unknown as { snapshot: () => unknown }).snapshot());
    });
    void snap;
    console.log(`${''.padEnd(64)} (snapshot ${(fs.statSync(join(dir, 'meta.snap')).size / 1024).toFixed(0)} KiB)`);
    v.release();
    time('volfs disk: open from that snapshot', 1, () => { store = new DiskStore(dir); v = new Volfs({ store }); });
    v.release();
  }
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
