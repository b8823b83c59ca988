// volfs on disk: one host directory holds a whole persistent volfs (`wasl --root DIR`).
//
//   DIR/volfs.lock     the pid of the process that has the store open (one process at a time)
//   DIR/meta.snap      a snapshot: every inode and directory entry, generation G, written whole
//                      to meta.snap.tmp, fsync'd and renamed into place
//   DIR/meta.journal   commits since that snapshot: a header frame naming G, then one frame per
//                      commit; only its tail is ever written
//   DIR/data/<ino>     the contents of regular file <ino>, read and written in place (positional
//                      host I/O), so no file's contents live in memory
//
// A frame is   "VJ1\n" | payload length (u32 LE) | crc32 of payload (u32 LE) | payload (JSON array)
// and is the unit of atomicity: opening replays frames up to the first one that is short, has a
// bad checksum or does not parse (a torn tail: the write a crash interrupted), and cuts the
// journal there. A commit holds every metadata change since the previous one, taken between two
// syscalls, so each frame boundary is a state the guest could have observed.
//
// Durability (fsync/fdatasync/syncfs/sync, Inode.sync): the file's data is fdatasync'd, data/ is
// fsync'd if it gained files, then all pending metadata is committed and the journal fdatasync'd:
// so that file and every earlier metadata change survive a crash, as on ext4 with its journal.
// Between syncs, commits are written without fsync when enough piles up (a SIGKILL loses
// nothing the host kernel already has; a power cut may lose them, never the store's consistency).
// Freed inodes' data files are deleted only after the commit recording the free is durable.

import { fs, path, zlib, childProcess } from '../lxcore/host.js';
import { LinuxError, EIO, ENOSPC, EDQUOT, EFBIG } from '../lxcore/abi/errno.js';
import { takeLockFile } from './lockfile.js';
import type { VolStore, StoredState, InodeRecord, FileData, Recordable } from './store.js';

const MAGIC = 0x0a314a56; // "VJ1\n" read as u32 LE
const HEADER = 12;
/** Pending changes past which a commit is written even without a sync (bounds memory). */
const COMMIT_RECORDS = 4096;
/** Freed inodes whose data files wait for a durable commit before a sync is forced. */
const DELETE_BATCH = 256;
/** Host descriptors of data files kept open (least recently used closed first). */
const OPEN_FILES = 64;
const S_IFMT = 0o170000, S_IFREG = 0o100000;

type Rec =
  | ['h', number]                    // journal header: the snapshot generation it follows
  | ['s', number, number]            // snapshot header: generation, next inode number
  | ['end']                          // snapshot trailer (a snapshot without it is not whole)
  | ['i', InodeRecord]               // an inode's metadata (replaces the previous record)
  | ['e', number, string, number]    // directory entry set: dir, name, child
  | ['r', number, string]            // directory entry removed
  | ['f', number];                   // inode freed

export interface DiskStoreOptions {
  /** Journal size (bytes) past which a commit compacts into a new snapshot; default 4 MiB. */
  compactBytes?: number;
  /**
   * A bulk load (`wasl --import`): nothing asks for durability until the end, so a full sync
   * (sync(null), close) syncs the whole host filesystem once (syncfs(2), through `sync -f`)
   * instead of each file written, falling back to one fdatasync per file without it.
   */
  bulk?: boolean;
}

function frame(recs: Rec[]): Buffer {
  const payload = Buffer.from(JSON.stringify(recs));
  const b = Buffer.alloc(HEADER + payload.length);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(payload.length, 4);
  b.writeUInt32LE(zlib.crc32(payload), 8);
  payload.copy(b, HEADER);
  return b;
}

/** The whole frames at the start of `buf`, and where the last one ends. */
function readFrames(buf: Buffer): { frames: Rec[][]; end: number } {
  const frames: Rec[][] = [];
  let off = 0;
  while (off + HEADER <= buf.length && buf.readUInt32LE(off) === MAGIC) {
    const len = buf.readUInt32LE(off + 4);
    if (off + HEADER + len > buf.length) break;
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (zlib.crc32(payload) !== buf.readUInt32LE(off + 8)) break;
    let recs: Rec[];
    try { recs = JSON.parse(payload.toString()); } catch { break; }
    if (!Array.isArray(recs)) break;
    frames.push(recs);
    off += HEADER + len;
  }
  return { frames, end: off };
}

/** Host errors of data-file I/O as the guest should see them. */
function hostIo<T>(fn: () => T): T {
  try { return fn(); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LinuxError(code === 'ENOSPC' ? ENOSPC : code === 'EDQUOT' ? EDQUOT : code === 'EFBIG' ? EFBIG : EIO);
  }
}

/** syncfs(2) of the host filesystem holding `path`, through coreutils' `sync -f`; false without it. */
function syncfs(path: string): boolean {
  return childProcess.spawnSync('sync', ['-f', path], { stdio: 'ignore' }).status === 0;
}

/** The state being rebuilt at open: inodes and each directory's entries, in order. */
class Replay {
  inodes = new Map<number, InodeRecord>();
  dirs = new Map<number, Map<string, number>>();
  next = 2;

  apply(r: Rec): void {
    switch (r[0]) {
      case 'i': this.inodes.set(r[1].ino, r[1]); break;
      case 'e': { let d = this.dirs.get(r[1]); if (!d) this.dirs.set(r[1], (d = new Map())); d.set(r[2], r[3]); break; }
      case 'r': this.dirs.get(r[1])?.delete(r[2]); break;
      case 'f': this.inodes.delete(r[1]); this.dirs.delete(r[1]); break;
      case 's': this.next = r[2]; break;
    }
  }

  state(): StoredState {
    const entries: [number, string, number][] = [];
    for (const [dir, d] of this.dirs) for (const [name, child] of d) entries.push([dir, name, child]);
    let next = this.next;
    for (const ino of this.inodes.keys()) next = Math.max(next, ino + 1);
    return { next, inodes: [...this.inodes.values()], entries };
  }
}

export class DiskStore implements VolStore {
  readonly maxFileSize = 2 ** 40;
  private readonly dataDir: string;
  private readonly lockPath: string;
  private readonly compactBytes: number;
  private readonly bulk: boolean;
  private gen = 0;
  private journalFd = -1;
  private journalEnd = 0;
  private snapBytes = 0;
  private snapshot?: () => StoredState;
  /** Inodes changed since the last commit (serialized at commit time: the latest state wins). */
  private dirty = new Map<number, Recordable>();
  /** Entry and free records since the last commit, in order. */
  private ops: Rec[] = [];
  private openFds = new Map<number, number>();
  private unsynced = new Set<number>();
  private newFiles = false;
  private toDelete: number[] = [];
  private fresh = false;
  private closed = false;
  /** Whether the journal has bytes written since its last fdatasync. */
  private journalDirty = false;
  /** A commit scheduled for after the current operation ('durable': with fdatasync). */
  private commitQueued: boolean | 'durable' = false;
  private readonly onExit = () => { try { this.close(); } catch { /* exiting anyway */ } };
  /** Figures for tests and benchmarks. */
  readonly counters = { commits: 0, fsyncs: 0, compactions: 0, replayedFrames: 0, tornBytes: 0 };

  /**
   * Opens (or creates, if missing or empty) the store in `dir`. Throws if `dir` holds something
   * that is not a volfs store, or another live process has it open.
   */
  constructor(readonly dir: string, o: DiskStoreOptions = {}) {
    this.compactBytes = o.compactBytes ?? 4 << 20;
    this.bulk = o.bulk ?? false;
    this.dataDir = path.join(dir, 'data');
    this.lockPath = path.join(dir, 'volfs.lock');
    fs.mkdirSync(dir, { recursive: true });
    const names = fs.readdirSync(dir);
    if (names.length && !names.includes('meta.snap') && !names.every((n) => n === 'volfs.lock' || n === 'data' || n.startsWith('meta.'))) {
      throw new Error(`${dir} is not empty and holds no volfs store (no meta.snap)`);
    }
    this.lock();
    fs.mkdirSync(this.dataDir, { recursive: true });
    process.on('exit', this.onExit);
  }

  /** One process at a time: a lock file holding its pid; a dead process's lock is taken over. */
  private lock(): void {
    const holder = takeLockFile(this.lockPath);
    if (holder) throw new Error(`volfs store ${this.dir} is in use by process ${holder} (${this.lockPath})`);
  }

  // ---- opening ----

  load(): StoredState | null {
    const snapPath = path.join(this.dir, 'meta.snap');
    if (!fs.existsSync(snapPath)) { this.fresh = true; return null; }
    const replay = new Replay();
    const snap = fs.readFileSync(snapPath);
    const s = readFrames(snap);
    const recs = s.frames.flat();
    const head = recs[0], tail = recs[recs.length - 1];
    // A snapshot is renamed into place only after it was written whole and fsync'd: a partial
    // one means the host lost data under us, which replaying cannot repair.
    if (!head || head[0] !== 's' || !tail || tail[0] !== 'end' || s.end !== snap.length) {
      throw new Error(`volfs store ${this.dir}: meta.snap is damaged`);
    }
    this.gen = head[1];
    this.snapBytes = snap.length;
    for (const r of recs) replay.apply(r);

    // The journal belongs to this snapshot only if its header names the same generation (a
    // crash between renaming a new snapshot and replacing the journal leaves the old one).
    let journalOk = false;
    const jPath = path.join(this.dir, 'meta.journal');
    if (fs.existsSync(jPath)) {
      const j = fs.readFileSync(jPath);
      const { frames, end } = readFrames(j);
      if (frames.length && frames[0].length === 1 && frames[0][0][0] === 'h' && frames[0][0][1] === this.gen) {
        journalOk = true;
        for (const f of frames.slice(1)) for (const r of f) replay.apply(r);
        this.counters.replayedFrames = frames.length - 1;
        this.counters.tornBytes = j.length - end;
        this.journalEnd = end;
      }
    }

    // Orphans: inodes with no name left (unlinked while open when the process died) are freed.
    let orphans = false;
    for (const [ino, r] of replay.inodes) {
      if (r.nlink === 0) { replay.apply(['f', ino]); orphans = true; }
    }
    const state = replay.state();
    this.collectData(replay, state);
    if (!journalOk || orphans || this.journalEnd > this.compactBytes) {
      this.writeSnapshot(state); // a fresh journal for this generation
    } else {
      this.journalFd = fs.openSync(jPath, 'r+');
      if (this.counters.tornBytes) fs.ftruncateSync(this.journalFd, this.journalEnd);
    }
    return state;
  }

  /**
   * Data files whose inode is gone (freed, or created and never committed) are deleted; files
   * longer than their inode's size are cut (bytes written past a size the crash lost must read
   * back as zeros if the file grows again). Inode numbers continue past every file seen.
   */
  private collectData(replay: Replay, state: StoredState): void {
    for (const name of fs.readdirSync(this.dataDir)) {
      const ino = Number(name);
      const r = replay.inodes.get(ino);
      const file = path.join(this.dataDir, name);
      if (Number.isInteger(ino)) state.next = Math.max(state.next, ino + 1);
      if (!r || (r.mode & S_IFMT) !== S_IFREG) { fs.rmSync(file, { force: true }); continue; }
      if (fs.statSync(file).size > r.size) fs.truncateSync(file, r.size);
    }
  }

  attach(snapshot: () => StoredState): void {
    this.snapshot = snapshot;
    // A new store: its first snapshot (the empty root) makes the directory a store at once.
    if (this.fresh) { this.fresh = false; this.writeSnapshot(snapshot()); }
  }

  // ---- metadata ----

  changed(ino: number, inode: Recordable): void {
    this.dirty.set(ino, inode);
    if (this.dirty.size + this.ops.length > COMMIT_RECORDS) this.commitSoon(false);
  }

  entry(dir: number, name: string, child: number | null): void {
    this.ops.push(child === null ? ['r', dir, name] : ['e', dir, name, child]);
    if (this.dirty.size + this.ops.length > COMMIT_RECORDS) this.commitSoon(false);
  }

  /**
   * A commit once the current operation is over: these calls come from inside one (a rename
   * removes a name before it adds the other), and a frame must hold only states the guest could
   * observe. Syscall handlers are synchronous, so a microtask runs between two of them.
   */
  private commitSoon(durable: boolean): void {
    const queued = this.commitQueued !== false;
    if (durable) this.commitQueued = 'durable';
    else if (!queued) this.commitQueued = true;
    if (queued) return; // the microtask already on its way reads commitQueued
    queueMicrotask(() => {
      const d = this.commitQueued === 'durable';
      this.commitQueued = false;
      if (!this.closed) this.commit(d);
    });
  }

  free(ino: number, regular: boolean): void {
    this.dirty.delete(ino);
    this.ops.push(['f', ino]);
    if (!regular) return; // only regular files have data files
    this.closeFd(ino);
    this.unsynced.delete(ino);
    this.toDelete.push(ino);
    if (this.toDelete.length >= DELETE_BATCH) this.commitSoon(true);
  }

  /**
   * Appends one frame with every change since the last commit: inode records first (so entries
   * can name inodes created in the same commit), then entries and frees in the order they
   * happened. `durable`: fdatasync the journal, then delete the freed inodes' data files.
   */
  private commit(durable: boolean): void {
    if (this.dirty.size || this.ops.length) {
      const recs: Rec[] = [];
      for (const i of this.dirty.values()) recs.push(['i', i.record()]);
      recs.push(...this.ops);
      const f = frame(recs);
      hostIo(() => fs.writeSync(this.journalFd, f, 0, f.length, this.journalEnd));
      this.journalEnd += f.length;
      this.journalDirty = true;
      this.dirty.clear();
      this.ops = [];
      this.counters.commits++;
    }
    if (!durable) return;
    if (this.journalDirty) { this.fsync(this.journalFd, true); this.journalDirty = false; }
    for (const ino of this.toDelete) fs.rmSync(this.dataPath(ino), { force: true });
    this.toDelete = [];
    // Compact when the journal outgrows both the threshold and twice the snapshot.
    if (this.journalEnd > this.compactBytes && this.journalEnd > 2 * this.snapBytes && this.snapshot) {
      this.writeSnapshot(this.snapshot());
    }
  }

  /**
   * Writes `state` as generation G+1: the snapshot to a temporary file, fsync, rename, fsync the
   * directory; then a journal holding only its header, the same way. A crash between the two
   * renames leaves a journal of generation G, which the next open ignores.
   */
  private writeSnapshot(state: StoredState): void {
    const gen = this.gen + 1;
    const chunks: Buffer[] = [frame([['s', gen, state.next]])];
    const recs: Rec[] = [
      ...state.inodes.map((r): Rec => ['i', r]),
      ...state.entries.map(([d, n, c]): Rec => ['e', d, n, c]),
    ];
    for (let i = 0; i < recs.length; i += 1024) chunks.push(frame(recs.slice(i, i + 1024)));
    chunks.push(frame([['end']]));
    const snap = Buffer.concat(chunks);
    // Data first: the snapshot's sizes should not outlive the bytes they describe.
    this.syncData(null);
    this.replaceFile('meta.snap', snap);
    this.gen = gen;
    this.snapBytes = snap.length;
    if (this.journalFd >= 0) fs.closeSync(this.journalFd);
    const header = frame([['h', gen]]);
    this.replaceFile('meta.journal', header);
    this.journalFd = fs.openSync(path.join(this.dir, 'meta.journal'), 'r+');
    this.journalEnd = header.length;
    this.journalDirty = false;
    this.dirty.clear();
    this.ops = [];
    for (const ino of this.toDelete) fs.rmSync(this.dataPath(ino), { force: true });
    this.toDelete = [];
    this.counters.compactions++;
  }

  private replaceFile(name: string, contents: Buffer): void {
    const tmp = path.join(this.dir, `${name}.tmp`);
    const fd = fs.openSync(tmp, 'w');
    try {
      hostIo(() => fs.writeSync(fd, contents, 0, contents.length, 0));
      this.fsync(fd, false);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(this.dir, name));
    this.fsyncDir(this.dir);
  }

  private fsync(fd: number, dataOnly: boolean): void {
    hostIo(() => (dataOnly ? fs.fdatasyncSync(fd) : fs.fsyncSync(fd)));
    this.counters.fsyncs++;
  }

  private fsyncDir(path: string): void {
    const fd = fs.openSync(path, 'r');
    try { this.fsync(fd, false); } finally { fs.closeSync(fd); }
  }

  // ---- durability ----

  sync(ino: number | null): void {
    if (this.closed) return;
    this.syncData(ino);
    this.commit(true);
  }

  /** fdatasync the data of `ino` (or of every file written since its last sync), and data/. */
  private syncData(ino: number | null): void {
    if (ino === null && this.bulk && this.unsynced.size > 1 && syncfs(this.dataDir)) {
      this.counters.fsyncs++;
      this.unsynced.clear();
      this.newFiles = false;
      return;
    }
    for (const i of ino === null ? [...this.unsynced] : this.unsynced.has(ino) ? [ino] : []) {
      const fd = this.fd(i, false);
      if (fd >= 0) this.fsync(fd, true);
      this.unsynced.delete(i);
    }
    if (this.newFiles) { this.fsyncDir(this.dataDir); this.newFiles = false; }
  }

  close(): void {
    if (this.closed) return;
    try {
      if (this.journalFd >= 0) this.sync(null);
    } finally {
      this.release();
    }
  }

  /**
   * What a SIGKILL leaves: nothing more is written or synced, descriptors are dropped and the
   * lock goes (for in-process crash tests; a killed process's lock is stale, so taken over).
   */
  abandon(): void { this.release(); }

  /** Closes every descriptor and gives the lock up, writing nothing. */
  private release(): void {
    this.closed = true;
    for (const fd of this.openFds.values()) fs.closeSync(fd);
    this.openFds.clear();
    if (this.journalFd >= 0) fs.closeSync(this.journalFd);
    this.journalFd = -1;
    fs.rmSync(this.lockPath, { force: true });
    process.off('exit', this.onExit);
  }

  // ---- file contents ----

  private dataPath(ino: number): string { return path.join(this.dataDir, String(ino)); }

  /** The host descriptor of `ino`'s data file; -1 if it has none and `create` is false. */
  fd(ino: number, create: boolean): number {
    let fd = this.openFds.get(ino);
    if (fd !== undefined) {
      this.openFds.delete(ino); // most recently used goes last
      this.openFds.set(ino, fd);
      return fd;
    }
    try {
      fd = fs.openSync(this.dataPath(ino), fs.constants.O_RDWR);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !create) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return -1;
        return hostIo(() => { throw e; });
      }
      fd = hostIo(() => fs.openSync(this.dataPath(ino), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600));
      this.newFiles = true;
    }
    this.openFds.set(ino, fd);
    if (this.openFds.size > OPEN_FILES) this.closeFd(this.openFds.keys().next().value!);
    return fd;
  }

  private closeFd(ino: number): void {
    const fd = this.openFds.get(ino);
    if (fd === undefined) return;
    this.openFds.delete(ino);
    fs.closeSync(fd);
  }

  file(ino: number): FileData {
    const store = this;
    return {
      read(buf, offset) {
        const fd = store.fd(ino, false);
        let got = 0;
        while (fd >= 0 && got < buf.length) {
          const n = hostIo(() => fs.readSync(fd, buf, got, buf.length - got, offset + got));
          if (n === 0) break;
          got += n;
        }
        buf.fill(0, got); // past the host file's end: a hole, or bytes a crash lost
      },
      write(buf, offset) {
        const fd = store.fd(ino, true);
        let put = 0;
        while (put < buf.length) put += hostIo(() => fs.writeSync(fd, buf, put, buf.length - put, offset + put));
        store.unsynced.add(ino);
      },
      resize(_oldSize, newSize) {
        const fd = store.fd(ino, newSize > 0);
        if (fd < 0) return;
        hostIo(() => fs.ftruncateSync(fd, newSize));
        store.unsynced.add(ino);
      },
      zero(offset, len) {
        const fd = store.fd(ino, false);
        if (fd < 0) return;
        const zeros = new Uint8Array(Math.min(len, 1 << 16));
        for (let at = offset; at < offset + len; at += zeros.length) {
          const n = Math.min(zeros.length, offset + len - at);
          hostIo(() => fs.writeSync(fd, zeros, 0, n, at));
        }
        store.unsynced.add(ino);
      },
    };
  }
}
