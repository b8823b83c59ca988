// The filesystem-backend conformance suite (DESIGN.md §8: one suite for every backend). The
// oracle is the host's own filesystem: the same sequence of operations runs against the backend
// (through lxcore/vfs/api.ts, resolving names with a plain walker) and against a fresh host
// directory (through node:fs, which makes the same Linux syscalls); after every operation the
// outcome (success or errno) and then the whole tree (names, types, sizes, link counts, contents,
// symlink targets) must agree.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { Filesystem, Inode } from '../../lxcore/vfs/api.js';
import { LinuxError, errnoName } from '../../lxcore/abi/errno.js';
import { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK } from '../../lxcore/abi/stat.js';

export type Op =
  | { op: 'mkdir' | 'rmdir' | 'unlink' | 'create' | 'readlink' | 'readdir' | 'read'; path: string }
  | { op: 'symlink'; path: string; target: string }
  | { op: 'link' | 'rename'; path: string; to: string }
  | { op: 'write'; path: string; offset: number; data: string }
  | { op: 'truncate'; path: string; size: number };

const SPEC = { mode: 0o644, uid: 0, gid: 0 };

const isDir = (i: Inode) => (i.attrs().mode & S_IFMT) === S_IFDIR;

/**
 * Splits "a/b/c" into the parent's inode and the last name, as the VFS's walk will: ENOENT for
 * a missing component, ENOTDIR for one that is not a directory (symlinks are not followed here:
 * the generated paths never traverse one on the host either — see randomOps).
 */
function parent(fsys: Filesystem, path: string): [Inode, string] {
  const parts = path.split('/');
  let dir = fsys.root();
  for (const p of parts.slice(0, -1)) {
    const next = dir.lookup(p);
    if (!next) throw new LinuxError(2);
    if ((next.attrs().mode & S_IFMT) === S_IFLNK) throw new Error('test generated a path through a symlink');
    if (!isDir(next)) throw new LinuxError(20);
    dir = next;
  }
  return [dir, parts[parts.length - 1]];
}
function resolve(fsys: Filesystem, path: string): Inode {
  const [dir, name] = parent(fsys, path);
  const i = dir.lookup(name);
  if (!i) throw new LinuxError(2);
  return i;
}
/** What an open(O_NOFOLLOW) of the last component would give the data operations. */
function openNoFollow(fsys: Filesystem, path: string, write: boolean): Inode {
  const i = resolve(fsys, path);
  const type = i.attrs().mode & S_IFMT;
  if (type === S_IFLNK) throw new LinuxError(40); // ELOOP
  if (write && type === S_IFDIR) throw new LinuxError(21); // EISDIR
  return i;
}

function outcome(fn: () => unknown): string {
  try {
    const v = fn();
    return v === undefined ? 'ok' : `ok ${typeof v === 'string' ? v : JSON.stringify(v)}`;
  } catch (e) {
    const code = e instanceof LinuxError ? errnoName[e.errno] : (e as NodeJS.ErrnoException).code;
    if (!code) throw e; // not a filesystem error: a bug in the backend or the test
    return code;
  }
}

export function onBackend(fsys: Filesystem, o: Op): string {
  return outcome(() => {
    switch (o.op) {
      case 'mkdir': { const [d, n] = parent(fsys, o.path); d.mkdir(n, { ...SPEC, mode: 0o755 }); return; }
      case 'create': { const [d, n] = parent(fsys, o.path); d.create(n, SPEC); return; }
      case 'rmdir': { const [d, n] = parent(fsys, o.path); d.rmdir(n); return; }
      case 'unlink': { const [d, n] = parent(fsys, o.path); d.unlink(n); return; }
      case 'symlink': { const [d, n] = parent(fsys, o.path); d.symlink(n, o.target, SPEC); return; }
      case 'link': { const t = resolve(fsys, o.path); const [d, n] = parent(fsys, o.to); d.link(n, t); return; }
      case 'rename': {
        // Linux walks both parents before it looks at either last component (do_renameat2).
        const [d, n] = parent(fsys, o.path);
        const [d2, n2] = parent(fsys, o.to);
        if (!d.lookup(n)) throw new LinuxError(2);
        // Ancestry is the VFS's to check (backends see no paths): into its own subtree is EINVAL,
        // onto one of its own ancestors ENOTEMPTY.
        if (o.to.startsWith(o.path + '/')) throw new LinuxError(22);
        if (o.path.startsWith(o.to + '/')) throw new LinuxError(39);
        d.rename(n, d2, n2, 0);
        return;
      }
      case 'readlink': return resolve(fsys, o.path).readlink();
      case 'readdir': return resolve(fsys, o.path).readdir().map((e) => e.name).sort().join(',');
      case 'read': {
        const i = openNoFollow(fsys, o.path, false);
        const buf = new Uint8Array(i.attrs().size);
        const n = i.read(buf, 0);
        return Buffer.from(buf.subarray(0, n)).toString('latin1');
      }
      case 'write': return openNoFollow(fsys, o.path, true).write(Buffer.from(o.data, 'latin1'), o.offset);
      case 'truncate': { openNoFollow(fsys, o.path, true).setattr({ size: o.size }); return; }
    }
  });
}

export function onHost(root: string, o: Op): string {
  const p = (x: string) => join(root, x);
  return outcome(() => {
    switch (o.op) {
      case 'mkdir': fs.mkdirSync(p(o.path), 0o755); return;
      case 'create': fs.closeSync(fs.openSync(p(o.path), fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o644)); return;
      case 'rmdir': fs.rmdirSync(p(o.path)); return;
      case 'unlink': fs.unlinkSync(p(o.path)); return;
      case 'symlink': fs.symlinkSync(o.target, p(o.path)); return;
      case 'link': fs.linkSync(p(o.path), p(o.to)); return;
      case 'rename': fs.renameSync(p(o.path), p(o.to)); return;
      case 'readlink': return fs.readlinkSync(p(o.path));
      case 'readdir': return fs.readdirSync(p(o.path)).sort().join(',');
      case 'read': {
        const fd = fs.openSync(p(o.path), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
        try { return fs.readFileSync(fd).toString('latin1'); } finally { fs.closeSync(fd); }
      }
      case 'write': {
        const fd = fs.openSync(p(o.path), fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
        try { return fs.writeSync(fd, Buffer.from(o.data, 'latin1'), 0, o.data.length, o.offset); } finally { fs.closeSync(fd); }
      }
      case 'truncate': { const fd = fs.openSync(p(o.path), fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW); try { fs.ftruncateSync(fd, o.size); } finally { fs.closeSync(fd); } return; }
    }
  });
}

/** The whole tree as text: what both sides must agree on after every operation. */
export function snapshotBackend(fsys: Filesystem): string {
  const out: string[] = [];
  const walk = (dir: Inode, prefix: string) => {
    for (const e of dir.readdir().sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const i = dir.lookup(e.name)!;
      const a = i.attrs();
      const type = a.mode & S_IFMT;
      const path = prefix + e.name;
      if (type === S_IFDIR) { out.push(`${path}/ nlink=${a.nlink}`); walk(i, path + '/'); }
      else if (type === S_IFLNK) out.push(`${path} -> ${i.readlink()}`);
      else if (type === S_IFREG) {
        const buf = new Uint8Array(a.size);
        i.read(buf, 0);
        out.push(`${path} nlink=${a.nlink} size=${a.size} ${Buffer.from(buf).toString('hex')}`);
      }
    }
  };
  walk(fsys.root(), '');
  return out.join('\n');
}

export function snapshotHost(root: string): string {
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of fs.readdirSync(dir).sort((a, b) => (a < b ? -1 : 1))) {
      const full = join(dir, name);
      const st = fs.lstatSync(full);
      const path = prefix + name;
      if (st.isDirectory()) { out.push(`${path}/ nlink=${st.nlink}`); walk(full, path + '/'); }
      else if (st.isSymbolicLink()) out.push(`${path} -> ${fs.readlinkSync(full)}`);
      else if (st.isFile()) out.push(`${path} nlink=${st.nlink} size=${st.size} ${fs.readFileSync(full).toString('hex')}`);
    }
  };
  walk(root, '');
  return out.join('\n');
}

/** A deterministic random sequence of operations over a small name space (so they collide). */
export function randomOps(seed: number, count: number): Op[] {
  let s = seed >>> 0 || 1;
  const rnd = (n: number) => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s % n; };
  const names = ['a', 'b', 'c', 'd/e', 'd/f', 'a/x', 'b/y', 'd', 'd/e/z'];
  // Symlinks only at names that are never a parent: following them is the VFS's walk, tested
  // with the VFS; here the backend's own semantics are under test.
  const leaves = ['c', 'd/f', 'a/x', 'b/y', 'd/e/z'];
  const dirs = ['a', 'b', 'd', 'd/e'];
  const path = () => names[rnd(names.length)];
  const data = () => Array.from({ length: 1 + rnd(40) }, () => String.fromCharCode(97 + rnd(26))).join('');
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    switch (rnd(12)) {
      case 0: case 1: ops.push({ op: 'mkdir', path: path() }); break;
      case 2: case 3: ops.push({ op: 'create', path: path() }); break;
      case 4: ops.push({ op: 'rmdir', path: path() }); break;
      case 5: ops.push({ op: 'unlink', path: path() }); break;
      case 6: ops.push({ op: 'symlink', path: leaves[rnd(leaves.length)], target: path() }); break;
      case 7: { const from = path(); ops.push({ op: 'link', path: from, to: leaves.includes(from) ? leaves[rnd(leaves.length)] : path() }); break; }
      case 8: { const from = path(); ops.push({ op: 'rename', path: from, to: leaves.includes(from) ? leaves[rnd(leaves.length)] : path() }); break; }
      case 9: ops.push({ op: 'write', path: path(), offset: rnd(3) * 30, data: data() }); break;
      case 10: ops.push({ op: 'truncate', path: path(), size: rnd(70) }); break;
      default: ops.push(rnd(2) ? { op: 'readdir', path: dirs[rnd(dirs.length)] } : { op: 'read', path: path() }); break;
    }
  }
  return ops;
}
