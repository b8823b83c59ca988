// What the instance manager reads and writes in a distribution's own tree, as root and outside
// any process: /etc/wasl.conf, /etc/passwd and /etc/group (getpwnam(3)'s files: passwd(5),
// group(5)), and the generated /etc/hosts and /etc/resolv.conf.

import { S_IFMT, S_IFREG } from '../abi/stat.js';
import type { Vfs } from '../vfs/vfs.js';
import type { WalkContext } from '../vfs/namespace.js';

const rootCtx = (vfs: Vfs): WalkContext => ({ root: vfs.ns.root, cwd: vfs.ns.root, creds: { fsuid: 0, fsgid: 0, groups: [] } });

/** The text of regular file `path` (symlinks followed), or null if there is none. */
export function readText(vfs: Vfs, path: string): string | null {
  try {
    const ctx = rootCtx(vfs);
    const ino = vfs.ns.resolve(ctx, ctx.root, path).inode;
    const a = ino.attrs();
    if ((a.mode & S_IFMT) !== S_IFREG) return null;
    const buf = new Uint8Array(a.size);
    let off = 0;
    while (off < a.size) {
      const n = ino.read(buf.subarray(off), off);
      if (n === 0) break;
      off += n;
    }
    return Buffer.from(buf.subarray(0, off)).toString('utf8');
  } catch {
    return null; // ENOENT, a dangling symlink, a directory on the way that is a file …
  }
}

/** Replaces (or creates, root-owned with `mode`) regular file `path`. Its directory must exist. */
export function writeText(vfs: Vfs, path: string, text: string, mode = 0o644): void {
  const ctx = rootCtx(vfs);
  const { parent, name } = vfs.ns.resolveParent(ctx, ctx.root, path);
  let ino = parent.inode.lookup(name);
  // A symlink (resolv.conf often is one, into /run) is replaced by the file, as WSL does.
  if (ino && (ino.attrs().mode & S_IFMT) !== S_IFREG) { parent.inode.unlink(name); ino = null; }
  if (!ino) ino = parent.inode.create(name, { mode: S_IFREG | mode, uid: 0, gid: 0 });
  ino.setattr({ size: 0 });
  const data = Buffer.from(text);
  for (let off = 0; off < data.length;) off += ino.write(data.subarray(off), off);
}

/** One passwd(5) entry. */
export interface PasswdEntry { name: string; uid: number; gid: number; home: string; shell: string }

/** Looks `user` up (a name, or a number) in the distribution's /etc/passwd. */
export function getpwnam(vfs: Vfs, user: string): PasswdEntry | undefined {
  for (const line of (readText(vfs, '/etc/passwd') ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    if (f[0] === user || (/^\d+$/.test(user) && f[2] === user)) {
      return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] };
    }
  }
  return undefined;
}

/**
 * initgroups(3): `gid` and the groups of /etc/group that list `name` as a member, in ascending
 * order, as setgroups(2) keeps them (groups_sort) and getgroups(2) returns them.
 */
export function groupsOf(vfs: Vfs, name: string, gid: number): number[] {
  const out = [gid];
  for (const line of (readText(vfs, '/etc/group') ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 4) continue;
    const g = Number(f[2]);
    if (f[3].split(',').includes(name) && !out.includes(g)) out.push(g);
  }
  return out.sort((a, b) => a - b);
}
