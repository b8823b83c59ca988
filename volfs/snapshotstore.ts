// A volfs store kept as whole snapshots by an asynchronous backend: the browser playground's
// IndexedDB (examples/playground/src/worker/idb.ts). Contents live in memory as in the memory
// store; every change marks the store dirty, and shortly after (or at once on fsync/sync) the
// metadata and the files written since the last save go to `persist` as one batch, which the
// backend writes in one transaction. So what survives a reload is always a state the guest
// could have observed between two syscalls, at most `delayMs` old (fsync: one save round trip).

import { VolStore, StoredState, FileData, MemoryData, Recordable } from './store.js';

/** What a backend keeps: the metadata and each regular file's bytes (as long as its size). */
export interface Snapshot {
  state: StoredState;
  files: Map<number, Uint8Array>;
}

/** One save: the whole metadata, the files changed since the last save, the files gone. */
export interface SnapshotBatch {
  state: StoredState;
  files: [number, Uint8Array][];
  freed: number[];
}

export class SnapshotStore implements VolStore {
  readonly maxFileSize = 2 ** 31;
  private files = new Map<number, MemoryData>();
  private dirtyFiles = new Set<number>();
  private freed = new Set<number>();
  private snapshot?: () => StoredState;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> | null = null;
  private dirty = false;
  /** Saves so far (the playground's status shows it; tests wait for it). */
  saves = 0;

  constructor(
    private readonly initial: Snapshot | null,
    private readonly persist: (b: SnapshotBatch) => Promise<void>,
    private readonly delayMs = 250,
  ) {}

  load(): StoredState | null { return this.initial?.state ?? null; }

  attach(snapshot: () => StoredState): void {
    this.snapshot = snapshot;
    if (!this.initial) this.markDirty(); // a new store is saved whole at once
  }

  file(ino: number): FileData {
    let f = this.files.get(ino);
    if (!f) {
      f = new MemoryData();
      const saved = this.initial?.files.get(ino);
      if (saved) { f.write(saved, 0); this.initial!.files.delete(ino); }
      this.files.set(ino, f);
    }
    const store = this;
    // Writes go to the contents and mark the file for the next save.
    return {
      read: (buf, off) => f!.read(buf, off),
      write(buf, off) { f!.write(buf, off); store.fileChanged(ino); },
      resize(o, n) { f!.resize(o, n); store.fileChanged(ino); },
      zero(off, len) { f!.zero(off, len); store.fileChanged(ino); },
    };
  }

  changed(_ino: number, _inode: Recordable): void { this.markDirty(); }
  entry(): void { this.markDirty(); }

  free(ino: number, regular: boolean): void {
    this.files.delete(ino);
    this.initial?.files.delete(ino);
    this.dirtyFiles.delete(ino);
    if (regular) this.freed.add(ino);
    this.markDirty();
  }

  sync(): void { this.flushSoon(0); }
  close(): void { this.flushSoon(0); }

  /** Resolves when everything changed so far is saved. */
  async flushed(): Promise<void> {
    while (this.dirty || this.saving) {
      if (this.dirty && !this.saving) this.flushSoon(0);
      await this.saving;
      if (this.dirty && !this.saving) await new Promise((r) => setTimeout(r, 0));
    }
  }

  private fileChanged(ino: number): void {
    this.dirtyFiles.add(ino);
    this.markDirty();
  }

  private markDirty(): void {
    this.dirty = true;
    this.flushSoon(this.delayMs);
  }

  private flushSoon(ms: number): void {
    if (this.timer !== undefined) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => { this.timer = undefined; void this.save(); }, ms);
  }

  /** One batch at a time; changes made while it is written go into the next one. */
  private async save(): Promise<void> {
    if (this.saving) { await this.saving; if (this.dirty) this.flushSoon(0); return; }
    if (!this.dirty || !this.snapshot) return;
    const state = this.snapshot();
    const sizes = new Map(state.inodes.map((r) => [r.ino, r.size]));
    const files: [number, Uint8Array][] = [];
    for (const ino of this.dirtyFiles) {
      const size = sizes.get(ino);
      const f = this.files.get(ino);
      if (size === undefined || !f) continue;
      const bytes = new Uint8Array(size);
      f.read(bytes, 0);
      files.push([ino, bytes]);
    }
    const batch: SnapshotBatch = { state, files, freed: [...this.freed] };
    this.dirtyFiles.clear();
    this.freed.clear();
    this.dirty = false;
    this.saving = this.persist(batch).then(() => { this.saves++; }, (e) => {
      // Not saved: the next save carries these files again.
      for (const [ino] of files) this.dirtyFiles.add(ino);
      for (const ino of batch.freed) this.freed.add(ino);
      this.dirty = true;
      console.error('volfs: saving the snapshot failed:', e);
    }).finally(() => { this.saving = null; });
    await this.saving;
    if (this.dirty) this.flushSoon(this.delayMs);
  }
}
