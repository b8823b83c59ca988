// The instance's file namespace when it is not a plain host passthrough: `--isolated` (an
// in-memory volfs at /, nothing of the host but what is mounted), `--root DIR` (the same, kept in
// a persistent volfs store in host directory DIR) and `--mount GUEST=HOST[:opts]` (drvfs mounts,
// over the host root or over volfs). Synthetic /proc, /dev and /sys stay in front
// of it (lxcore/syscalls/sys_path.ts) until they become VFS filesystems themselves.

import { fs, os, realpathHost } from '../host.js';
import { Filesystem } from './api.js';
import {
  Namespace, Dentry, Mount, WalkContext, MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_MOVE,
  MS_REC, MS_SILENT, MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_NOATIME, MS_RELATIME, MS_STRICTATIME, MS_NOUSER,
  MNT_FLAGS, MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW,
} from './namespace.js';
import { Volfs } from '../../volfs/volfs.js';
import { DiskStore, DiskStoreOptions } from '../../volfs/diskstore.js';
import { Drvfs, DrvfsOptions, DrvInode } from '../../drvfs/drvfs.js';
import { LinuxError, fail, EINVAL, ENOENT, EPERM, ENODEV, ELOOP, ENOTDIR, EAGAIN, EBUSY } from '../abi/errno.js';
import { S_IFMT, S_IFLNK } from '../abi/stat.js';
import type { Task, Process } from '../kernel/task.js';

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
  return { guest, host: rest, options: parseDrvfsOptions(optText, '--mount: ') };
}

/** WSL's drvfs options, comma-separated (the CLI's --mount and mount(2)'s data for type drvfs). */
export function parseDrvfsOptions(optText: string, what = ''): DrvfsOptions {
  const options: DrvfsOptions = {};
  for (const o of optText.split(',').filter(Boolean)) {
    const [k, v] = o.split('=');
    const num = (x: string | undefined) => { const n = parseInt(x ?? '', k.endsWith('mask') ? 8 : 10); if (Number.isNaN(n)) throw new LinuxError(EINVAL, `${what}bad value in "${o}"`); return n; };
    switch (k) {
      case 'metadata': options.metadata = true; break;
      case 'ro': options.ro = true; break;
      case 'rw': options.ro = false; break;
      case 'uid': options.uid = num(v); break;
      case 'gid': options.gid = num(v); break;
      case 'umask': options.umask = num(v); break;
      case 'fmask': options.fmask = num(v); break;
      case 'dmask': options.dmask = num(v); break;
      case 'case': if (v !== 'off' && v !== 'dir' && v !== 'force') throw new LinuxError(EINVAL, `${what}case=${v}`); options.case = v; break;
      default: throw new LinuxError(EINVAL, `${what}unknown option "${k}"`);
    }
  }
  return options;
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
      : isolated ? new Volfs({ rootUid: 0, rootGid: 0 }) : new Drvfs(fs, '/', { metadata: true, hostDevices: true }));
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
    const d = new Drvfs(fs, realpathHost(m.host), { uid: this.uid, gid: this.gid, ...m.options });
    this.ns.mount(d, at, (m.options.ro ? MS_RDONLY : 0) | MS_RELATIME, m.host);
  }

  /** mkdir -p of a guest path inside the volfs root, as root (mount points of an instance's init). */
  ensureDir(path: string): void { this.mkdirs(this.rootContext(), path); }

  /** Mounts `fsys` at guest path `at` (made if missing, inside the volfs root) with mount(2) flags. */
  mountAt(fsys: Filesystem, at: string, flags: number, source: string, data = ''): void {
    const m = this.ns.mount(fsys, this.mkdirs(this.rootContext(), at), flags, source);
    m.data = data;
  }

  // ---- mount(2), umount2(2): the internal API init and the syscalls share --------------------

  /**
   * mount(2) as do_mount()/path_mount() decide it, the target resolved from `ctx` (the caller's
   * root and cwd): a new filesystem (`type`: tmpfs, drvfs; proc, sysfs, devtmpfs, devpts only
   * where wasl's own trees already are), MS_BIND (MS_REC), MS_REMOUNT (with MS_BIND: the mount's
   * flags only), MS_MOVE, and the propagation types (accepted, nothing propagates: one namespace).
   * `privileged`: the caller has CAP_SYS_ADMIN (checked after the target is found, as Linux).
   */
  mount(ctx: WalkContext, source: string | null, target: string, type: string | null, flags: number, data: string, privileged = true,
    writers: (m: Mount, wholeFs: boolean) => boolean = () => false): void {
    const at = this.ns.resolve(ctx, ctx.cwd, target);
    // Below wasl's own /proc, /sys and /dev the namespace's directories are hidden: a mount there
    // would never be seen (quirks.md).
    const hidden = (d: Dentry) => { const p = this.ns.pathOf(d, ctx.root); return SYNTHETIC.some((s) => p.startsWith(s + '/')) && !p.startsWith('/dev/shm'); };
    if (flags & MS_NOUSER) fail(EINVAL);
    if (!privileged) fail(EPERM);
    // Default to relatime unless told otherwise (path_mount).
    let mnt = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME);
    if (!(flags & MS_NOATIME)) mnt |= MS_RELATIME;
    if (flags & MS_STRICTATIME) mnt &= ~(MS_RELATIME | MS_NOATIME);
    const atimeGiven = (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | 2048 /* MS_NODIRATIME */)) !== 0;
    if (flags & MS_REMOUNT) {
      if (!this.ns.isMountRoot(at)) fail(EINVAL);
      const m = at.mount;
      // Made read-only while a file is open for writing on it (on any mount of the filesystem,
      // for the superblock): EBUSY (mnt_make_readonly, sb_prepare_remount_readonly).
      const bind = (flags & MS_BIND) !== 0;
      if ((flags & MS_RDONLY) && !(bind ? m.flags & MS_RDONLY : m.fs.readonly) && writers(m, !bind)) fail(EBUSY);
      // A remount that names no atime flag keeps the mount's (path_mount).
      if (!atimeGiven) mnt = (mnt & ~(MS_RELATIME | MS_NOATIME)) | (m.flags & (MS_RELATIME | MS_NOATIME));
      if (!(flags & MS_BIND)) m.fs.readonly = (flags & MS_RDONLY) !== 0; // the superblock too
      m.flags = (m.flags & ~MNT_FLAGS) | mnt;
      return;
    }
    if (flags & MS_BIND) {
      if (!source) fail(EINVAL);
      const from = this.ns.resolve(ctx, ctx.cwd, source);
      if (hidden(at) || hidden(from) || OWN_PLACES.includes(this.ns.pathOf(from, ctx.root))) fail(EINVAL);
      this.bind(from, at, (flags & MS_REC) !== 0);
      return;
    }
    if (flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
      if (!this.ns.isMountRoot(at)) fail(EINVAL);
      const kind = flags & ~(MS_REC | MS_SILENT);
      if (kind & (kind - 1)) fail(EINVAL); // exactly one propagation type
      return; // one namespace, nothing to propagate to or from: the type changes nothing
    }
    if (flags & MS_MOVE) {
      if (!source) fail(EINVAL);
      const from = this.ns.resolve(ctx, ctx.cwd, source);
      if (!this.ns.isMountRoot(from) || !from.mount.mountpoint) fail(EINVAL);
      if (this.ns.within(at, from.mount)) fail(ELOOP); // into itself
      if (at.isDir !== from.isDir) fail(ENOTDIR);
      this.ns.move(from.mount, at);
      return;
    }
    if (!type) fail(EINVAL);
    const own = Object.hasOwn(OWN_TREES, type) ? OWN_TREES[type] : undefined;
    if (own) {
      // wasl's /proc, /sys, /dev and /dev/pts are in front of every root already: mounting them
      // there again is accepted and changes nothing; anywhere else is not possible (quirks.md).
      if (own !== this.ns.pathOf(at, ctx.root)) fail(EINVAL);
      return;
    }
    if (hidden(at) || OWN_PLACES.includes(this.ns.pathOf(at, ctx.root))) fail(EINVAL);
    let fs_: Filesystem, opts = '';
    if (type === 'tmpfs') {
      const t = parseTmpfsOptions(data);
      fs_ = new Volfs({ tmpfs: true, capacity: t.size, rootMode: t.mode, rootUid: t.uid, rootGid: t.gid });
      opts = t.shown;
    } else if (type === 'drvfs') {
      // A host directory: only where the guest already sees the host (the passthrough root); an
      // isolated instance must not reach host paths it was not given (docs/security.md).
      if (!this.hostRoot) fail(EPERM);
      if (!source) fail(EINVAL);
      const o = parseDrvfsOptions(data);
      let real: string;
      try { real = realpathHost(source); } catch { return fail(ENOENT); }
      fs_ = new Drvfs(fs, real, { uid: 0, gid: 0, ...o });
      if (o.ro) mnt |= MS_RDONLY;
    } else {
      return fail(ENODEV);
    }
    if (flags & MS_RDONLY) fs_.readonly = true;
    this.ns.mount(fs_, at, mnt, source ?? 'none', fs_.root(), opts);
  }

  /** MS_BIND: `from`'s subtree appears at `at` with the flags of its mount (MS_REC: and the mounts below). */
  private bind(from: Dentry, at: Dentry, rec: boolean): void {
    if ((from.inode.attrs().mode & S_IFMT) === S_IFLNK) fail(EINVAL);
    const top = this.ns.mount(from.mount.fs, at, from.mount.flags, from.mount.source, from.inode, from.mount.fsOpts);
    const sub = this.ns.pathUnder(from, this.ns.rootOf(from.mount)) ?? '/';
    top.fsRoot = from.mount.fsRoot === '/' ? sub : from.mount.fsRoot + (sub === '/' ? '' : sub);
    if (!rec) return;
    // Every mount below `from` gets a copy at the same relative place under the new one.
    const copy = (src: Dentry, dst: Mount) => {
      for (const c of this.ns.mounts.slice()) {
        if (c === dst || !c.mountpoint || c.mountpoint.mount !== src.mount) continue;
        const rel = relativeNames(c.mountpoint, src);
        if (!rel) continue;
        let d = this.ns.rootOf(dst);
        for (const name of rel) d = new Dentry(dst, d.inode.lookup(name) ?? fail(ENOENT), d, name);
        const m = this.ns.mount(c.fs, d, c.flags, c.source, c.rootInode, c.fsOpts);
        m.fsRoot = c.fsRoot;
        copy(this.ns.rootOf(c), m);
      }
    };
    copy(from, top);
  }

  /**
   * umount2(2): `flags` MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW; EINVAL for others,
   * ENOENT/ENOTDIR from the lookup, EPERM without CAP_SYS_ADMIN, EINVAL if `target` is not a
   * mount's root, EBUSY while it is in use (an open file on it, a process's cwd or root inside,
   * a mount below it) unless MNT_DETACH. `inUse` tells whether a mount is someone's cwd or root.
   */
  umount(ctx: WalkContext, target: string, flags: number, privileged = true, inUse: (m: Mount) => boolean = () => false): void {
    if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) fail(EINVAL);
    // LOOKUP_MOUNTPOINT: "." or "/" names what is mounted on top of it (pivot_root(".", ".")
    // stacks the old root on the new one, and umount2(".", MNT_DETACH) takes it away).
    const d = this.ns.top(this.ns.resolve(ctx, ctx.cwd, target, { follow: (flags & UMOUNT_NOFOLLOW) === 0 }));
    if (!privileged) fail(EPERM);
    if (!this.ns.isMountRoot(d)) fail(EINVAL);
    if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH))) fail(EINVAL);
    if (flags & MNT_EXPIRE) fail(EAGAIN); // first call only marks it (nothing marks it here)
    this.ns.umount(d, (flags & MNT_DETACH) !== 0, (m) => m.users > 0 || inUse(m));
  }

  /**
   * pivot_root(2), in fs/namespace.c's order of checks (CAP_SYS_ADMIN is the caller's, first):
   * both paths must be directories (ENOENT, ENOTDIR, EACCES from the walks); EBUSY if new_root or
   * put_old is on the caller's root mount; EINVAL if the caller's root is not a mount's root
   * (after a chroot into a subdirectory), if new_root is not a mount's root, if put_old is not at
   * or below new_root, or if new_root is not below the root. Then new_root's mount takes the
   * root mount's place, the old root is mounted on put_old, and every process whose root or cwd
   * was the old root now has the new one (chroot_fs_refs); other cwds stay where they are, which
   * is now below put_old. wasl's root mount stands on an unseen parent (Linux's rootfs), so
   * Linux's "root not attached" EINVAL does not arise.
   */
  pivotRoot(ctx: WalkContext, newRoot: string, putOld: string, procs: Iterable<Process>): void {
    const nw = this.ns.resolve(ctx, ctx.cwd, newRoot, { directory: true });
    const old = this.ns.top(this.ns.resolve(ctx, ctx.cwd, putOld, { directory: true }));
    const root = ctx.root;
    if (nw.mount === root.mount || old.mount === root.mount) fail(EBUSY);
    if (!this.ns.isMountRoot(root) || !this.ns.isMountRoot(nw)) fail(EINVAL);
    if (!this.ns.below(old, nw) || !this.ns.below(nw, root)) fail(EINVAL);
    // Where each process stands (its root and cwd as places, not paths) before the tree changes.
    const before = [...procs].filter((p) => !p.status).map((p) => ({ p, ...this.contextOf(p) }));
    const wasNsRoot = root.same(this.ns.root);
    this.ns.pivot(nw.mount, root.mount, old);
    const fresh = wasNsRoot ? this.ns.root : this.ns.rootOf(nw.mount);
    for (const b of before) {
      const r = b.root.same(root) ? fresh : b.root;
      b.p.root = r.same(this.ns.root) ? null : r;
      const cwd = b.cwd.same(root) ? fresh : b.cwd;
      b.p.cwd = this.ns.pathOf(cwd, r);
    }
  }

  /** Whether mount `m` is `d`'s mount or one it hangs below (what makes `d` keep `m` busy). */
  holds(d: Dentry, m: Mount): boolean { return this.ns.within(d, m); }

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

  /** The walk context of a task: its credentials, its root (chroot), its cwd. */
  context(t: Task): WalkContext { return this.contextOf(t.process); }

  contextOf(p: Process): WalkContext {
    const c = p.creds;
    const root = p.root ?? this.ns.root;
    const base: WalkContext = { root, cwd: root, creds: { fsuid: c.fsuid, fsgid: c.fsgid, groups: c.groups } };
    try {
      base.cwd = this.startDir(p.cwd, root);
    } catch { /* the cwd went away: relative paths fail as Linux's would (ENOENT) */ }
    return base;
  }

  /**
   * The directory a relative walk starts from (the cwd, or a dirfd's directory), found again from
   * its path. Linux holds that directory by reference, so no search permission on its ancestors
   * is needed to use it: this walk checks none (a cwd below a directory the process can no longer
   * enter still works, as on Linux). The path is the one getcwd shows, without symlinks.
   */
  startDir(path: string, root: Dentry = this.ns.root): Dentry {
    const ctx: WalkContext = { root, cwd: root, creds: { fsuid: 0, fsgid: 0, groups: [] } };
    return this.ns.resolve(ctx, root, path, { directory: true });
  }
}

/** wasl's own trees, by the type mount(2) names them, and where they are. */
const OWN_TREES: Record<string, string> = { proc: '/proc', sysfs: '/sys', devtmpfs: '/dev', devpts: '/dev/pts' };
const OWN_PLACES = Object.values(OWN_TREES);
const SYNTHETIC = ['/proc', '/sys', '/dev'];

/** The names from `top` down to `d` (same mount), or null if `d` is not below `top`. */
function relativeNames(d: Dentry, top: Dentry): string[] | null {
  const names: string[] = [];
  for (let cur: Dentry | null = d; cur && cur.mount === top.mount; cur = cur.parent) {
    if (cur.inode.ino === top.inode.ino) return names.reverse();
    names.push(cur.name);
  }
  return null;
}

/**
 * tmpfs's options (shmem_parse_one): size=N[k|m|g|%], nr_inodes=N[k|m|g], mode=OCT, uid=, gid=,
 * and a few accepted without effect; anything else EINVAL. `shown` is what /proc/mounts lists.
 */
export function parseTmpfsOptions(data: string): { size?: number; mode: number; uid: number; gid: number; shown: string } {
  const r = { size: undefined as number | undefined, mode: 0o1777, uid: 0, gid: 0 };
  const shown: string[] = [];
  const mem = (v: string) => {
    const m = /^(\d+)([kmgtpe%]?)$/i.exec(v);
    if (!m) fail(EINVAL);
    const n = Number(m[1]);
    if (m[2] === '%') return Math.floor(os.totalmem() * n / 100);
    return n * 1024 ** ' kmgtpe'.indexOf(m[2].toLowerCase() || ' ');
  };
  for (const o of data.split(',').filter(Boolean)) {
    const eq = o.indexOf('=');
    const k = eq < 0 ? o : o.slice(0, eq), v = eq < 0 ? '' : o.slice(eq + 1);
    switch (k) {
      case 'size': r.size = Math.ceil(mem(v) / 4096) * 4096; break;
      case 'nr_inodes': mem(v); break;
      case 'mode': if (!/^[0-7]+$/.test(v)) fail(EINVAL); r.mode = parseInt(v, 8) & 0o7777; break;
      case 'uid': case 'gid': { if (!/^\d+$/.test(v)) fail(EINVAL); r[k] = Number(v); break; }
      case 'huge': case 'mpol': case 'inode32': case 'inode64': case 'noswap': case 'quota': case 'usrquota': case 'grpquota': break;
      default: fail(EINVAL);
    }
  }
  // shmem_show_options: size (in k) when not the default, mode when not 1777, uid and gid when not 0.
  if (r.size !== undefined) shown.push(`size=${r.size / 1024}k`);
  if (r.mode !== 0o1777) shown.push(`mode=${r.mode.toString(8).padStart(3, '0')}`);
  if (r.uid) shown.push(`uid=${r.uid}`);
  if (r.gid) shown.push(`gid=${r.gid}`);
  return { ...r, shown: shown.join(',') };
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
