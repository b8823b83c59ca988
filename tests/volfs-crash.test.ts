// The volfs crash test (issues #5 and #10): a guest (tests/programs/crashwrite.c) writes and
// fsyncs records in a loop on `wasl --root STORE` and prints each record's number once its fsync
// returned; the test SIGKILLs the wasl host process at a random moment, opens the store, and
// checks that every record reported as fsync'd is intact (and every metadata change made before
// a reported fsync happened), then starts the next run on the same store. The store's journal
// is compacted every ~64 KiB, so kills land in commits, snapshots and replays alike.
//
// Default: 20 kills. `npm run crash:volfs` (WASL_CRASH_KILLS=1000) is the long run; WASL_SEED
// picks the random sequence (printed on failure).
import { it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { WASL_CLI } from './support/run.js';
import { Volfs, VolInode } from '../volfs/volfs.js';
import { DiskStore } from '../volfs/diskstore.js';

const KILLS = Number(process.env.WASL_CRASH_KILLS ?? 20);
/** The CLI under test; a long run may point this at a copy of dist/ so rebuilding can't disturb it. */
const CLI = process.env.WASL_CRASH_CLI ?? WASL_CLI;
const SEED = process.env.WASL_SEED ? Number(process.env.WASL_SEED) : 20261121;
/** Kill moments, ms after spawn: from inside wasl's start-up (store open) to deep in the loop. */
const MIN_MS = 150, MAX_MS = 1600;

interface Run { id: number; records: number; meta: number; killedAtMs: number; status: string }

/** Starts one guest run and SIGKILLs wasl after `ms`; resolves with what the guest confirmed. */
function runAndKill(bin: string, store: string, id: number, ms: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--root', store, bin, String(id)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/bin:/bin', WASL_VOLFS_COMPACT_BYTES: String(64 << 10) },
    });
    let out = '', err = '';
    child.stdout.on('data', (b) => { out += b; });
    child.stderr.on('data', (b) => { err += b; });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Only whole lines count: a number is confirmed once the guest wrote its newline.
      const lines = out.slice(0, out.lastIndexOf('\n') + 1).split('\n');
      let records = -1, meta = -1;
      for (const l of lines) {
        if (l.startsWith('r ')) records = Number(l.slice(2));
        else if (l.startsWith('m ')) meta = Number(l.slice(2));
      }
      const status = signal ?? `exit ${code}: ${err.trim()}`;
      resolve({ id, records, meta, killedAtMs: ms, status });
    });
  });
}

function checksum(rec: Uint8Array): string {
  let h = 5381;
  for (let i = 0; i < 54; i++) h = (Math.imul(h, 33) + rec[i]) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Opens the store as the next wasl would (replay, torn tail, orphans) and checks a run. */
function verify(store: string, runs: Run[]): { tornBytes: number; frames: number; rewrote: boolean } {
  const s = new DiskStore(store);
  try {
    const v = new Volfs({ store: s });
    const log = v.root().lookup('log') as VolInode | null;
    for (const r of runs) {
      const where = `run ${r.id} (killed at ${r.killedAtMs} ms, ${r.records + 1} records confirmed)`;
      if (r.records < 0 && r.meta < 0) continue; // killed before its first fsync returned
      expect(log, where).toBeTruthy();
      const f = log!.lookup(`run-${r.id}`);
      expect(f, where).toBeTruthy();
      const size = f!.attrs().size;
      expect(size, where).toBeGreaterThanOrEqual((r.records + 1) * 64);
      const buf = new Uint8Array((r.records + 1) * 64);
      f!.read(buf, 0);
      for (let n = 0; n <= r.records; n++) {
        const rec = buf.subarray(n * 64, n * 64 + 64);
        const text = Buffer.from(rec).toString('latin1');
        expect(text.slice(0, 17), `${where}: record ${n}`).toBe(`R${String(r.id).padStart(6, '0')}:${String(n).padStart(8, '0')}:`);
        expect(text.slice(55, 63), `${where}: record ${n} checksum`).toBe(checksum(rec));
      }
      if (r.meta >= 0) {
        const m = log!.lookup(`m-${r.id}-${r.meta}`);
        expect(m, `${where}: m-${r.meta}`).toBeTruthy();
        const mb = new Uint8Array(m!.attrs().size);
        m!.read(mb, 0);
        expect(Buffer.from(mb).toString(), `${where}: m-${r.meta}`).toBe(`${r.meta}\n`);
        for (let k = 0; k <= r.meta - 2; k++) expect(log!.lookup(`m-${r.id}-${k}`), `${where}: m-${k} was removed`).toBeNull();
      }
    }
    // rewrote: opening wrote a new snapshot (orphans to free, or a journal of an older generation
    // left by a kill between a compaction's two renames).
    if (runs.length > 1) {
      // Every data file left belongs to a live regular file (orphans and lost inodes are gone).
      const live = new Set<string>();
      const walk = (d: VolInode) => {
        for (const e of d.readdir()) {
          const c = d.lookup(e.name) as VolInode;
          if (c.children) walk(c); else if ((c.mode & 0o170000) === 0o100000) live.add(String(c.ino));
        }
      };
      walk(v.root() as VolInode);
      for (const name of readdirSync(join(store, 'data'))) expect(live.has(name), `data/${name} has no inode`).toBe(true);
    }
    return { tornBytes: s.counters.tornBytes, frames: s.counters.replayedFrames, rewrote: s.counters.compactions > 0 };
  } finally {
    s.abandon(); // leave the store exactly as the crash left it (replay wrote nothing but a possible snapshot)
  }
}

it.skipIf(!canBuild('musl'))(`SIGKILL at ${KILLS} random moments loses no fsync'd record and never a store (skipped only without musl-gcc)`, async () => {
  const base = mkdtempSync(join(tmpdir(), 'wasl-crash-'));
  const store = join(base, 'store');
  const bin = buildStatic(join(ROOT, 'tests/programs/crashwrite.c'), 'musl');
  let s = SEED >>> 0 || 1;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
  const runs: Run[] = [];
  const stats = { kills: 0, records: 0, meta: 0, torn: 0, tornBytes: 0, noRecord: 0, frames: 0, rewrote: 0, started: Date.now() };
  try {
    for (let i = 0; i < KILLS; i++) {
      const ms = Math.round(MIN_MS + rnd() * (MAX_MS - MIN_MS));
      const r = await runAndKill(bin, store, i, ms);
      expect(r.status, `seed ${SEED}, run ${i}`).toBe('SIGKILL');
      runs.push(r);
      stats.kills++;
      stats.records += r.records + 1;
      stats.meta += r.meta + 1;
      if (r.records < 0) stats.noRecord++;
      // This run's records after every kill; all earlier runs' every 25 kills and at the end.
      const all = i % 25 === 24 || i === KILLS - 1;
      const v = verify(store, all ? runs : [r]);
      if (v.tornBytes) { stats.torn++; stats.tornBytes += v.tornBytes; }
      stats.frames += v.frames;
      if (v.rewrote) stats.rewrote++;
    }
    const secs = (Date.now() - stats.started) / 1000;
    console.log(`volfs crash test (seed ${SEED}): ${stats.kills} kills in ${secs.toFixed(0)} s; ` +
      `${stats.records} fsync'd records and ${stats.meta} fsync'd metadata steps confirmed, all intact; ` +
      `${stats.noRecord} runs killed before their first fsync; ${stats.frames} journal frames replayed at the opens after kills; ` +
      `torn journal tails found at ${stats.torn} opens (${stats.tornBytes} bytes dropped); ${stats.rewrote} opens rewrote the snapshot (orphans or a stale journal)`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}, 60_000 + KILLS * 10_000);
