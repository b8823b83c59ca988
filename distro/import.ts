// `wasl --import`: a rootfs tarball becomes a persistent volfs store (volfs/diskstore.ts),
// written through volfs's own inode API (not through a guest), as the tarball streams in: file
// contents go straight to the store's data files, metadata to its journal in batched commits,
// so a rootfs larger than memory imports (only inode metadata stays in memory, as it does
// whenever the store is open). The store is built in a temporary directory beside INSTALL_DIR
// and renamed into place only when whole and synced: a corrupted or truncated tarball leaves
// nothing behind.

import * as fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Volfs, VolInode } from '../volfs/volfs.js';
import { DiskStore } from '../volfs/diskstore.js';
import { S_IFMT, S_IFDIR, S_IFCHR, S_IFBLK, S_IFIFO, makedev } from '../lxcore/abi/stat.js';
import { LinuxError, errnoText } from '../lxcore/abi/errno.js';
import { readTar, TarEntry, TarError } from './tar.js';
import { decompressed } from './decompress.js';

export interface ImportStats { entries: number; files: number; bytes: number }

export interface ImportOptions {
  /** Called as compressed bytes are read (for a progress bar). */
  progress?: (bytesRead: number) => void;
  /** Use the host's xz/zstd when present (default true). */
  hostTools?: boolean;
}

/** Path components of an archive name: "./a//b/" → ["a", "b"]; ".." is refused. */
export function components(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new TarError(`refusing a path with "..": ${path}`);
  return parts;
}

/** Whether `dir` is missing or an empty directory (an install directory we may fill). */
function usableInstallDir(dir: string): boolean {
  try { return fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0; } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function fsyncDir(path: string): void {
  const fd = fs.openSync(path, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}

/** Reads `source` (a tarball, possibly compressed) into a new store at `installDir`. */
export async function importTarball(source: AsyncIterable<Uint8Array>, installDir: string, o: ImportOptions = {}): Promise<ImportStats> {
  const target = resolve(installDir);
  if (!usableInstallDir(target)) throw new Error(`${installDir} exists and is not an empty directory`);
  fs.mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.importing-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  const store = new DiskStore(tmp, { bulk: true });
  let done = false;
  // An exit in the middle (the CLI's SIGINT/SIGTERM handler) takes the half-made store with it.
  const cleanup = () => { if (!done) fs.rmSync(tmp, { recursive: true, force: true }); };
  process.on('exit', cleanup);
  try {
    const s = fs.statfsSync(dirname(target));
    const vfs = new Volfs({ store, capacity: s.blocks * s.bsize, rootUid: 0, rootGid: 0 });
    let read = 0;
    const counted = (async function* () {
      for await (const c of source) { read += c.length; o.progress?.(read); yield c as Uint8Array; }
    })();
    const stats = await fill(vfs, decompressed(counted, o.hostTools ?? true));
    store.close(); // everything durable: data files, then one last journal commit (or snapshot)
    if (fs.existsSync(target)) fs.rmdirSync(target);
    fs.renameSync(tmp, target);
    fsyncDir(dirname(target));
    done = true;
    return stats;
  } finally {
    process.off('exit', cleanup);
    if (!done) {
      store.abandon();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}

/** Creates each entry of the archive in `vfs`; directory times are set last (children touch them). */
async function fill(vfs: Volfs, tar: AsyncIterable<Uint8Array>): Promise<ImportStats> {
  const root = vfs.root() as VolInode;
  const dirTimes: [VolInode, TarEntry][] = [];
  const stats: ImportStats = { entries: 0, files: 0, bytes: 0 };
  const walk = (parts: string[], create: boolean): VolInode | null => {
    let d = root;
    for (const name of parts) {
      let next = d.lookup(name) as VolInode | null;
      if (!next) {
        if (!create) return null;
        next = d.mkdir(name, { mode: 0o755, uid: 0, gid: 0 }) as VolInode; // a parent the archive skipped
      }
      if ((next.mode & S_IFMT) !== S_IFDIR) return null;
      d = next;
    }
    return d;
  };

  for await (const { entry: e, body } of readTar(tar)) {
    stats.entries++;
    const parts = components(e.path);
    try {
      if (parts.length === 0) { // the root itself ("./")
        if (e.type !== 'dir') throw new TarError(`the archive's root ${e.path} is not a directory`);
        root.setattr({ mode: e.mode, uid: e.uid, gid: e.gid });
        setXattrs(root, e);
        dirTimes.push([root, e]);
        continue;
      }
      const name = parts[parts.length - 1];
      const dir = walk(parts.slice(0, -1), true);
      if (!dir) throw new TarError(`${e.path}: a parent is not a directory`);
      const old = dir.lookup(name) as VolInode | null;
      if (old && (old.mode & S_IFMT) === S_IFDIR) {
        if (e.type === 'dir') { // listed twice: the later entry's attributes win
          old.setattr({ mode: e.mode, uid: e.uid, gid: e.gid });
          setXattrs(old, e);
          dirTimes.push([old, e]);
          continue;
        }
        if (old.children!.size) throw new TarError(`${e.path}: replaces a non-empty directory`);
        dir.rmdir(name);
      } else if (old) dir.unlink(name); // a later entry replaces an earlier one, as tar(1) does
      const spec = { mode: e.mode, uid: e.uid, gid: e.gid };
      let node: VolInode;
      switch (e.type) {
        case 'dir':
          node = dir.mkdir(name, spec) as VolInode;
          setXattrs(node, e);
          dirTimes.push([node, e]);
          continue;
        case 'link': {
          const tparts = components(e.linkname);
          const tdir = walk(tparts.slice(0, -1), false);
          const t = tdir?.lookup(tparts[tparts.length - 1]) as VolInode | null | undefined;
          if (!t || (t.mode & S_IFMT) === S_IFDIR) throw new TarError(`${e.path}: hard link to ${e.linkname}, which is not an earlier file of the archive`);
          dir.link(name, t);
          continue;
        }
        case 'symlink': node = dir.symlink(name, e.linkname, spec) as VolInode; break;
        case 'char': case 'block': case 'fifo': {
          const type = e.type === 'char' ? S_IFCHR : e.type === 'block' ? S_IFBLK : S_IFIFO;
          node = dir.mknod(name, { ...spec, mode: type | e.mode, rdev: e.type === 'fifo' ? 0 : makedev(e.devmajor, e.devminor) }) as VolInode;
          break;
        }
        case 'file': {
          node = dir.create(name, spec) as VolInode;
          if (e.size > 0) node.setattr({ size: e.size }); // one host truncate; the writes fill it
          let off = 0;
          for await (const chunk of body()) { node.write(chunk, off); off += chunk.length; }
          stats.files++;
          stats.bytes += e.size;
          break;
        }
      }
      setXattrs(node, e);
      // Last, after the contents: mode (setuid survives, as no chown follows), times.
      node.setattr({ mode: e.mode, mtimeNs: e.mtimeNs, atimeNs: e.atimeNs }); // no atime in the archive: now, as tar -x leaves it
    } catch (err) {
      if (err instanceof LinuxError) throw new TarError(`${e.path}: ${errnoText[err.errno] ?? err.message}`);
      throw err;
    }
  }
  for (const [d, e] of dirTimes) d.setattr({ mtimeNs: e.mtimeNs, atimeNs: e.atimeNs });
  return stats;
}

function setXattrs(node: VolInode, e: TarEntry): void {
  for (const [k, v] of e.xattrs) node.setxattr(k, v, 0);
}
