// What the instance manager reads and writes in a distribution's own /etc, as root and outside
// any process: /etc/wasl.conf, /etc/passwd and /etc/group (getpwnam(3)'s files: passwd(5),
// group(5)), and the generated /etc/hosts and /etc/resolv.conf. File access is GuestFs's
// (lxcore/vfs/guestfs.ts, the host's API over an instance's files) acting as root.

import { S_IFMT, S_IFREG } from '../abi/stat.js';
import { GuestFs } from '../vfs/guestfs.js';
import type { Vfs } from '../vfs/vfs.js';

const asRoot = (vfs: Vfs) => new GuestFs(vfs, { uid: 0, gid: 0 });

/** The text of regular file `path` (symlinks followed), or null if there is none. */
export function readText(vfs: Vfs, path: string): string | null {
  const gfs = asRoot(vfs);
  try {
    // A FIFO or a device at /etc/passwd is not a file to read at boot.
    if (!gfs.statSync(path).isFile()) return null;
    return gfs.readFileSync(path, 'utf8');
  } catch {
    return null; // ENOENT, a dangling symlink, a directory on the way that is a file …
  }
}

/** Replaces (or creates, root-owned with `mode`) regular file `path`. Its directory must exist. */
export function writeText(vfs: Vfs, path: string, text: string, mode = 0o644): void {
  const gfs = asRoot(vfs);
  // A symlink (resolv.conf often is one, into /run) is replaced by the file, as WSL does.
  let st = null;
  try { st = gfs.lstatSync(path); } catch { /* not there: created below */ }
  if (st && (st.mode & S_IFMT) !== S_IFREG) gfs.unlinkSync(path);
  gfs.writeFileSync(path, text, { mode });
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
