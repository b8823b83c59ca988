// volfs's storage seam. volfs.ts owns the semantics (inodes, directories, links, xattrs, times);
// a store owns where they live: file contents (FileData) and the durability of metadata. The
// in-memory store below keeps nothing but contents; the disk store (diskstore.ts) journals every
// metadata change and keeps contents in host files. Both serve the same volfs.ts, so the
// conformance suite tests one implementation of the semantics over either.

/** One inode's metadata as the disk store records it (times as decimal ns, xattrs base64). */
export interface InodeRecord {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  rdev: number;
  size: number;
  atime: string;
  mtime: string;
  ctime: string;
  btime: string;
  target?: string;
  xattrs?: [string, string][];
}

/** A whole filesystem: what a store loads at open and writes in a snapshot. */
export interface StoredState {
  /** The next inode number to hand out (numbers are never reused within a store). */
  next: number;
  inodes: InodeRecord[];
  /** Directory entries: [directory ino, name, child ino]. */
  entries: [number, string, number][];
}

/** The contents of one regular file; `size` (the inode's) says how much of it is valid. */
export interface FileData {
  /** Reads `buf.length` bytes at `offset` (the caller stays below the size); missing bytes are zeros. */
  read(buf: Uint8Array, offset: number): void;
  write(buf: Uint8Array, offset: number): void;
  /** The file's new size: bytes past it are gone (and read back as zeros if it grows again). */
  resize(oldSize: number, newSize: number): void;
  /** Zeros [offset, offset+len) (FALLOC_FL_PUNCH_HOLE). */
  zero(offset: number, len: number): void;
}

/** Something whose metadata the store can serialize when it next writes (a VolInode). */
export interface Recordable { record(): InodeRecord }

export interface VolStore {
  /** The largest file this store can hold (EFBIG past it). */
  readonly maxFileSize: number;
  /** The state found at open, or null for a new (empty) store. */
  load(): StoredState | null;
  /** Told once how to produce the whole state (for snapshots). */
  attach(snapshot: () => StoredState): void;
  /** The contents of inode `ino` (created empty on first use). */
  file(ino: number): FileData;
  /** Inode `ino` changed: its record is written at the next commit. */
  changed(ino: number, inode: Recordable): void;
  /** A directory entry was set (child) or removed (null). */
  entry(dir: number, name: string, child: number | null): void;
  /** Inode `ino` is gone for good (no names, not open): its contents (if `regular`) may go. */
  free(ino: number, regular: boolean): void;
  /** fsync/fdatasync of `ino`'s file, or sync/syncfs (null): make it and all metadata durable. */
  sync(ino: number | null): void;
  /** Unmount: make everything durable and release host resources (the lock). */
  close(): void;
}

/** Contents of a file in memory: a buffer grown by doubling. */
export class MemoryData implements FileData {
  private bytes = new Uint8Array(0);

  read(buf: Uint8Array, offset: number): void {
    const end = Math.min(this.bytes.length, offset + buf.length);
    buf.fill(0);
    if (end > offset) buf.set(this.bytes.subarray(offset, end));
  }

  write(buf: Uint8Array, offset: number): void {
    this.reserve(offset + buf.length);
    this.bytes.set(buf, offset);
  }

  resize(oldSize: number, newSize: number): void {
    // Shrinking zeros what is cut off, so that growing again reads zeros (truncate(2)).
    if (newSize < oldSize) this.bytes.fill(0, newSize, Math.min(oldSize, this.bytes.length));
  }

  zero(offset: number, len: number): void {
    this.bytes.fill(0, offset, Math.min(this.bytes.length, offset + len));
  }

  private reserve(n: number): void {
    if (n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(n, Math.min(this.bytes.length * 2 || 4096, MemoryStore.MAX_FILE)));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

/** Volatile storage (`--isolated`): contents in memory, nothing to make durable. */
export class MemoryStore implements VolStore {
  /** A wasm32 host can't hold more of one file in memory anyway. */
  static readonly MAX_FILE = 2 ** 31;
  readonly maxFileSize = MemoryStore.MAX_FILE;
  private files = new Map<number, MemoryData>();

  load(): StoredState | null { return null; }
  attach(): void {}
  file(ino: number): FileData {
    let f = this.files.get(ino);
    if (!f) this.files.set(ino, (f = new MemoryData()));
    return f;
  }
  changed(): void {}
  entry(): void {}
  free(ino: number): void { this.files.delete(ino); }
  sync(): void {}
  close(): void {}
}
