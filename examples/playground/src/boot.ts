// The kernel side of the playground: boots a wasl instance in this Worker and runs busybox sh
// on a lxcore pty whose master is the page's xterm.js (lxcore/tty/console.ts, as the CLI does
// with a host terminal). The root is a volfs kept in IndexedDB (volfs/snapshotstore.ts); on the
// first boot, or after a reset, it is unpacked from the build's rootfs image. /mnt/host is drvfs
// over the host's memfs volume, where the page's uploads land.

import { Kernel } from '../../../lxcore/kernel/kernel.js';
import { provideCoreModule } from '../../../lxcore/kernel/core.js';
import { Console } from '../../../lxcore/tty/console.js';
import { FdTable } from '../../../lxcore/vfs/file.js';
import { Volfs } from '../../../volfs/volfs.js';
import { SnapshotStore } from '../../../volfs/snapshotstore.js';
import type { Inode } from '../../../lxcore/vfs/api.js';
import type { Process } from '../../../lxcore/kernel/task.js';
import { hostFs } from './host/index.js';
import { openDb, loadSnapshot, saveBatch, clearDb } from './idb.js';
import type { ToWorker, ToPage } from './protocol.js';
import { STAT_INSNS, STAT_SYSCALLS, STAT_SAVES } from './protocol.js';
import coreUrl from '../../../dist/cpu/core.wasm?url';

const post = (m: ToPage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

const SHELL_ENV = [
  'HOME=/root', 'USER=root', 'LOGNAME=root', 'SHELL=/bin/sh', 'TERM=xterm-256color', 'LANG=C',
  'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
];

let kernel: Kernel;
let con: Console;
let store: SnapshotStore;
let db: IDBDatabase | undefined;
/** Off once a reset is asked for: nothing may be saved after the database is cleared. */
let persisting = true;

interface RootEntry { path: string; type: 'dir' | 'file' | 'symlink'; mode?: number; target?: string; off?: number; len?: number }

/** Unpacks the build's image (rootfs.mjs) into a new volfs. */
function unpack(fs: Volfs, image: Uint8Array): void {
  const n = new DataView(image.buffer, image.byteOffset).getUint32(0, true);
  const { entries } = JSON.parse(new TextDecoder().decode(image.subarray(4, 4 + n))) as { entries: RootEntry[] };
  const data = image.subarray(4 + n);
  const spec = (mode: number) => ({ mode, uid: 0, gid: 0 });
  const parentOf = (path: string): [Inode, string] => {
    const parts = path.split('/').filter(Boolean);
    let d: Inode = fs.root();
    for (const p of parts.slice(0, -1)) d = d.lookup(p)!;
    return [d, parts[parts.length - 1]];
  };
  for (const e of entries) {
    const [dir, name] = parentOf(e.path);
    if (dir.lookup(name)) continue;
    if (e.type === 'dir') dir.mkdir(name, spec(e.mode!));
    else if (e.type === 'symlink') dir.symlink(name, e.target!, spec(0o777));
    else dir.create(name, spec(e.mode!)).write(data.subarray(e.off!, e.off! + e.len!), 0);
  }
  fs.root().lookup('tmp')?.setattr({ mode: 0o1777 });
}

function readAll(ino: Inode): Uint8Array {
  const size = Number(ino.attrs().size);
  const buf = new Uint8Array(size);
  for (let off = 0; off < size;) off += ino.read(buf.subarray(off), off) || size;
  return buf;
}

function guestInode(path: string): Inode {
  const ns = kernel.vfs!.ns;
  const ctx = { root: ns.root, cwd: ns.root, creds: { fsuid: 0, fsgid: 0, groups: [] } };
  return ns.resolve(ctx, ns.root, path).inode;
}

function spawnShell(): void {
  const image = readAll(guestInode('/bin/busybox'));
  const stdio = new FdTable();
  for (let fd = 0; fd < 3; fd++) stdio.installAt(fd, con.open(), false);
  // A login shell (-l): it reads /etc/profile (PATH, PS1).
  const proc: Process = kernel.spawn({ image, exe: '/bin/busybox', execfn: '/bin/sh', argv: ['sh', '-l'], env: SHELL_ENV, cwd: '/root', stdio });
  con.attach(proc);
  void kernel.run();
  void proc.exited.then(() => {
    post({ type: 'output', data: new TextEncoder().encode('\r\n[the shell exited; starting a new one]\r\n') });
    spawnShell();
  });
}

async function boot(m: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  const t0 = performance.now();
  const [module, snapshot] = await Promise.all([
    WebAssembly.compileStreaming(fetch(coreUrl)),
    // Without IndexedDB (some private modes) the root lives in memory only, and says so.
    openDb().then((d) => { db = d; return loadSnapshot(d); }).catch((e) => {
      post({ type: 'output', data: new TextEncoder().encode(`[IndexedDB unavailable (${e}): / will not be kept]\r\n`) });
      return null;
    }),
  ]);
  provideCoreModule(module);
  store = new SnapshotStore(snapshot, (b) => (persisting && db ? saveBatch(db, b) : Promise.resolve()));
  const root = new Volfs({ rootUid: 0, rootGid: 0, store });
  if (!snapshot) {
    const res = await fetch(new URL('rootfs.bin', m.base));
    if (!res.ok) throw new Error(`rootfs.bin: HTTP ${res.status}`);
    unpack(root, new Uint8Array(await res.arrayBuffer()));
  }
  kernel = new Kernel({
    rootFs: root,
    mounts: [{ guest: '/mnt/host', host: '/host', options: {} }],
    network: 'none',
    log: (line) => post({ type: 'log', line }),
  });
  con = new Console(kernel, 0, (data) => post({ type: 'output', data: data.slice() }), m.cols, m.rows);
  spawnShell();
  post({ type: 'booted', fresh: !snapshot, ms: performance.now() - t0 });
  startStats(m.stats);
}

function startStats(sab?: SharedArrayBuffer): void {
  const shared = sab ? new Float64Array(sab) : null;
  setInterval(() => {
    if (shared) {
      shared[STAT_INSNS] = kernel.insnsRetired;
      shared[STAT_SYSCALLS] = kernel.syscallsMade;
      shared[STAT_SAVES] = store.saves;
    } else post({ type: 'stats', insns: kernel.insnsRetired, syscalls: kernel.syscallsMade, saves: store.saves });
  }, 250);
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init': return boot(m);
    case 'input': con.input(m.data); return;
    case 'resize': con.resize(m.cols, m.rows); return;
    case 'upload': {
      const path = `/mnt/host/${m.name}`;
      try {
        // The host's side of the drvfs mount, as a Windows user dropping a file in C:\ does. A
        // browser file has no mode; like a Windows file under WSL's drvfs it is rwxr-xr-x (so
        // an uploaded static binary runs), which is also what drvfs shows without `metadata`.
        hostFs.writeFileSync(`/host/${m.name}`, m.data, { mode: 0o755 });
        post({ type: 'uploaded', path });
      } catch (e) { post({ type: 'uploaded', path, error: String(e) }); }
      return;
    }
    case 'download': {
      try {
        const data = readAll(guestInode(m.path));
        post({ type: 'file', path: m.path, data }, [data.buffer]);
      } catch (e) { post({ type: 'file', path: m.path, error: String((e as Error).message ?? e) }); }
      return;
    }
    case 'flush': await store.flushed(); post({ type: 'flushed' }); return;
    case 'reset': persisting = false; await store.flushed(); if (db) await clearDb(db); post({ type: 'reset-done' }); return;
  }
}

export function start(queued: MessageEvent[]): void {
  const onMessage = (e: MessageEvent<ToWorker>) => {
    handle(e.data).catch((err) => post({ type: 'log', line: `wasl worker: ${(err as Error).stack ?? err}` }));
  };
  self.onmessage = onMessage;
  for (const e of queued) onMessage(e);
}
