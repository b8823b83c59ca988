// The instance's file namespace when it is not a plain host passthrough: `--isolated` (an
// in-memory volfs at /, nothing of the host but what is mounted), `--root DIR` (the same, kept in
// a persistent volfs store in host directory DIR) and `--mount GUEST=HOST[:opts]` (drvfs mounts,
// over the host root or over volfs). Synthetic /proc, /dev and /sys stay in front
// of it (lxcore/syscalls/sys_path.ts) until they become VFS filesystems themselves.

import { fs } from '../host.js';
import { Filesystem } from './api.js';
import { Namespace, Dentry, WalkContext, MS_RDONLY } from './namespace.js';
import { Volfs } from '../../volfs/volfs.js';
import { DiskStore, DiskStoreOptions } from '../../volfs/diskstore.js';
import { Drvfs, DrvfsOptions, DrvInode } from '../../drvfs/drvfs.js';
import { LinuxError, fail, EINVAL, ENOENT } from '../abi/errno.js';
import type { Task } from '../kernel/task.js';

export interface MountSpec { guest: string; host: string; options: DrvfsOptions }

/**
 * A mount of one of lxcore's synthetic trees (/proc, /sys, /dev, /dev/pts) made by an instance's
 * init: sys_path.ts serves the paths; this is what /proc/PID/mounts shows for it.
 */
export interface SyntheticMount { id: number; point: string; type: string; source: string; flags: number; data: string; dev: number }

/**
 * Parses the CLI's `GUEST=HOST[:opt,opt=val…]`: WSL's drvfs options (metadata, uid=, gid=,
 * umask=, fmask=, dmask=, case=, ro).
 */
export function parseMountSpec(spec: string): MountSpec {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new LinuxError(EINVAL, `--mount expects GUEST=HOST[:options], got "${spec}"`);
  const guest = spec.slice(0, eq);
  let rest = spec.slice(eq + 1);
  let optText = '';
  const colon = rest.lastIndexOf(':');
  if (colon > 0 && /^[a-z]/.test(rest.slice(colon + 1))) { optText = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  if (!guest.startsWith('/')) throw new LinuxError(EINVAL, `--mount: "${guest}" must be an absolute guest path`);
  const options: DrvfsOptions = {};
  for (const o of optText.split(',').filter(Boolean)) {
    const [k, v] = o.split('=');
    const num = (x: string | undefined) => { const n = parseInt(x ?? '', k.endsWith('mask') ? 8 : 10); if (Number.isNaN(n)) throw new LinuxError(EINVAL, `--mount: bad value in "${o}"`); return n; };
    switch (k) {
      case 'metadata': options.metadata = true; break;
      case 'ro': options.ro = true; break;
      case 'rw': options.ro = false; break;
      case 'uid': options.uid = num(v); break;
      case 'gid': options.gid = num(v); break;
      case 'umask': options.umask = num(v); break;
      case 'fmask': options.fmask = num(v); break;
      case 'dmask': options.dmask = num(v); break;
      case 'case': if (v !== 'off' && v !== 'dir' && v !== 'force') throw new LinuxError(EINVAL, `--mount: case=${v}`); options.case = v; break;
      default: throw new LinuxError(EINVAL, `--mount: unknown option "${k}"`);
    }
  }
  return { guest, host: rest, options };
}

export class Vfs {
  readonly ns: Namespace;
  /** Whether the root is the host's own "/" (so /dev/pts can pass through to the host). */
  readonly hostRoot: boolean;
  /** Set by an instance's init: its mounts of /proc, /sys, /dev… (the mount table then shows
   *  these, ordered with the namespace's own by mount id, instead of wasl's fixed three). */
  synthetic?: SyntheticMount[];
  private readonly uid: number;
  private readonly gid: number;

  constructor(opts: { isolated: boolean; root?: string; rootFs?: Filesystem; rootOptions?: DiskStoreOptions; mounts: MountSpec[]; uid: number; gid: number }) {
    const isolated = opts.isolated || opts.root !== undefined || opts.rootFs !== undefined;
    const root: Filesystem = opts.rootFs ?? (opts.root !== undefined ? openVolfsStore(opts.root, opts.rootOptions)
      : isolated ? new Volfs({ rootUid: 0, rootGid: 0 }) : new Drvfs(fs, '/', { metadata: true }));
    this.hostRoot = !isolated;
    this.ns = new Namespace(root, isolated ? 'volfs' : 'host');
    this.uid = opts.uid;
    this.gid = opts.gid;
    const ctx = this.rootContext();
    for (const m of opts.mounts) this.mountDrvfs(m);
    if (isolated && root instanceof Volfs && !root.existed) {
      // The directories a Linux userland expects to exist, empty (mount points for later). A
      // persistent root gets them when it is made; afterwards it is the guest's to change.
      for (const d of ['/tmp', '/proc', '/dev', '/dev/shm', '/sys', '/mnt', '/root', '/home', '/etc']) this.mkdirs(ctx, d);
      // World-writable and sticky, as on Linux; /dev/shm is where shm_open creates files.
      for (const d of ['/tmp', '/dev/shm']) this.ns.resolve(ctx, this.ns.root, d).inode.setattr({ mode: 0o1777 });
    }
    root.syncAll(); // a new persistent root is whole on disk before any guest runs
  }

  private rootContext(): WalkContext {
    return { root: this.ns.root, cwd: this.ns.root, creds: { fsuid: 0, fsgid: 0, groups: [] } };
  }

  /** Mounts host directory `m.host` at `m.guest` as drvfs (`--mount`, an instance's automount). */
  mountDrvfs(m: MountSpec): void {
    if (!fs.existsSync(m.host) || !fs.statSync(m.host).isDirectory()) throw new LinuxError(ENOENT, `--mount: host directory ${m.host} not found`);
    const at = this.mkdirs(this.rootContext(), m.guest);
    const d = new Drvfs(fs, fs.realpathSync(m.host), { uid: this.uid, gid: this.gid, ...m.options });
    this.ns.mount(d, at, m.options.ro ? MS_RDONLY : 0, m.host);
  }

  /** mkdir -p of a guest path inside the volfs root, as root (mount points of an instance's init). */
  ensureDir(path: string): void { this.mkdirs(this.rootContext(), path); }

  /** Mounts `fsys` at guest path `at` (made if missing, inside the volfs root) with mount(2) flags. */
  mountAt(fsys: Filesystem, at: string, flags: number, source: string, data = ''): void {
    const m = this.ns.mount(fsys, this.mkdirs(this.rootContext(), at), flags, source);
    m.data = data;
  }

  /** sync(2): every mounted filesystem makes what it holds durable. */
  syncAll(): void {
    for (const m of this.ns.mounts) m.fs.syncAll();
  }

  /** The instance ends: filesystems make everything durable and let go of host resources. */
  close(): void {
    for (const m of this.ns.mounts) m.fs.release();
  }

  /** mkdir -p inside the namespace (mount points given on the command line). */
  private mkdirs(ctx: WalkContext, path: string): Dentry {
    let d = this.ns.root;
    for (const name of path.split('/').filter(Boolean)) {
      let next = this.ns.child(ctx, d, name);
      if (!next) {
        // Never create directories on the host: a mount point there must exist, as for mount(8).
        if (d.mount.fs instanceof Drvfs) throw new LinuxError(ENOENT, `--mount: the mount point ${path} does not exist on the host (wasl creates mount points only inside an isolated root)`);
        d.inode.mkdir(name, { mode: 0o755, uid: 0, gid: 0 });
        next = this.ns.child(ctx, d, name)!;
      }
      d = next;
    }
    return d;
  }

  /** The walk context of a task: its credentials, the namespace root, its cwd. */
  context(t: Task): WalkContext {
    const c = t.process.creds;
    const base: WalkContext = { root: this.ns.root, cwd: this.ns.root, creds: { fsuid: c.fsuid, fsgid: c.fsgid, groups: c.groups } };
    try {
      base.cwd = this.startDir(t.process.cwd);
    } catch { /* the cwd went away: relative paths fail as Linux's would (ENOENT) */ }
    return base;
  }

  /**
   * The directory a relative walk starts from (the cwd, or a dirfd's directory), found again from
   * its path. Linux holds that directory by reference, so no search permission on its ancestors
   * is needed to use it: this walk checks none (a cwd below a directory the process can no longer
   * enter still works, as on Linux). The path is the one getcwd shows, without symlinks.
   */
  startDir(path: string): Dentry {
    const ctx: WalkContext = { root: this.ns.root, cwd: this.ns.root, creds: { fsuid: 0, fsgid: 0, groups: [] } };
    return this.ns.resolve(ctx, this.ns.root, path, { directory: true });
  }
}

/**
 * A volfs kept in host directory `dir`. Its capacity is the host filesystem's size: the host
 * answers ENOSPC when it fills up (statfs shows volfs's own count of used bytes against it).
 */
export function openVolfsStore(dir: string, o?: DiskStoreOptions): Volfs {
  const store = new DiskStore(dir, o);
  const s = fs.statfsSync(dir);
  return new Volfs({ rootUid: 0, rootGid: 0, store, capacity: s.blocks * s.bsize });
}

/** A drvfs dentry is a host file: the existing host code serves it, by its host path. */
export function hostPathOf(d: Dentry): string | null {
  return d.inode instanceof DrvInode ? d.inode.hostPath : null;
}
