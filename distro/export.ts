// `wasl --export`: a distribution's store written back as a tarball, streaming (one file's
// contents at a time, 1 MiB per read, waiting for the output to drain). PAX headers carry what
// ustar cannot: long names, xattrs, nanosecond times. Entries come in directory order, a
// directory before its contents; a second name of a hard-linked inode becomes a hard link entry.
// Reads go to the store's data files directly, so exporting changes no atime.

import * as zlib from 'node:zlib';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Volfs, VolInode } from '../volfs/volfs.js';
import { DiskStore } from '../volfs/diskstore.js';
import { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO } from '../lxcore/abi/stat.js';
import { tarHeader, padding, TAR_END, TarEntry, TarType } from './tar.js';

export interface ExportOptions {
  gzip?: boolean;
  /** Told once, before writing, about how many bytes the archive will have (an estimate). */
  start?: (estimate: number) => void;
  /** Called as bytes are written (before compression). */
  progress?: (bytesWritten: number) => void;
  /** Told about what a tarball cannot hold (sockets). */
  warn?: (line: string) => void;
}

const TYPES: Record<number, TarType> = {
  [S_IFDIR]: 'dir', [S_IFREG]: 'file', [S_IFLNK]: 'symlink', [S_IFCHR]: 'char', [S_IFBLK]: 'block', [S_IFIFO]: 'fifo',
};

/** Writes the store in `dir` as a tarball to `out` (which is ended); the store is locked meanwhile. */
export async function exportStore(dir: string, out: Writable, o: ExportOptions = {}): Promise<{ entries: number; bytes: number }> {
  const store = new DiskStore(dir);
  const sink = o.gzip ? zlib.createGzip() : out;
  if (o.gzip) sink.pipe(out);
  let written = 0;
  const put = async (b: Uint8Array) => {
    written += b.length;
    o.progress?.(written);
    if (!sink.write(b)) await once(sink, 'drain');
  };
  let entries = 0;
  try {
    const vfs = new Volfs({ store, capacity: Number.MAX_SAFE_INTEGER });
    // Contents, plus about two header blocks per inode (one more with a PAX header).
    o.start?.(vfs.used + 1024 * vfs.inodes);
    const linked = new Map<bigint, string>(); // inode → its first name, for hard links
    const visit = async (i: VolInode, path: string): Promise<void> => {
      const type = TYPES[i.mode & S_IFMT];
      if (!type) { o.warn?.(`${path}: a socket cannot be stored in a tarball; left out`); return; }
      const e: TarEntry = {
        path, type, mode: i.mode & 0o7777, uid: i.uid, gid: i.gid, size: type === 'file' ? i.size : 0,
        mtimeNs: i.mtimeNs, linkname: type === 'symlink' ? i.target : '',
        devmajor: type === 'char' || type === 'block' ? (i.rdev >>> 8) & 0xfff : 0,
        devminor: type === 'char' || type === 'block' ? (i.rdev & 0xff) | ((i.rdev >>> 12) & 0xfff00) : 0,
        xattrs: [...i.xattrs],
      };
      if (type !== 'dir' && i.nlink > 1) {
        const first = linked.get(i.ino);
        if (first !== undefined) {
          await put(tarHeader({ ...e, type: 'link', size: 0, linkname: first, xattrs: [] }));
          entries++;
          return;
        }
        linked.set(i.ino, path);
      }
      await put(tarHeader(e));
      entries++;
      if (type === 'file') {
        const data = vfs.store.file(Number(i.ino));
        const buf = new Uint8Array(Math.min(i.size, 1 << 20));
        for (let off = 0; off < i.size; off += buf.length) {
          const n = Math.min(buf.length, i.size - off);
          const chunk = n === buf.length ? buf : buf.subarray(0, n);
          data.read(chunk, off);
          await put(chunk.slice()); // the stream may hold on to it: the buffer is reused
        }
        await put(padding(i.size));
      }
      if (i.children) for (const [name, c] of i.children) await visit(c, `${path}${name}${(c.mode & S_IFMT) === S_IFDIR ? '/' : ''}`);
    };
    await visit(vfs.root() as VolInode, './');
    await put(TAR_END);
    sink.end();
    await once(o.gzip ? out : sink, 'finish');
    return { entries, bytes: written };
  } finally {
    store.close();
  }
}
