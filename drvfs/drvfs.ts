// drvfs: a host directory mounted into the guest (WSL's DrvFs, `/mnt/c`), over any object shaped
// like node:fs (real node:fs on Node; a memfs volume in the browser and in tests). Mount options
// follow WSL's: metadata, uid, gid, umask, fmask, dmask, case, ro.
//
// Escape-proofing: the VFS hands this backend single names, never paths, and resolves every
// symlink itself (readlink returns the target as text; drvfs never follows a host symlink on its
// own: lookups use lstat, opens use O_NOFOLLOW). So nothing a guest names — "..", absolute or
// relative symlinks, a symlink swapped in between two calls (wasl runs one guest syscall at a
// time, so only a host process could race it) — reaches outside the mounted directory.

import type * as NodeFs from 'node:fs';
import {
  Filesystem, Inode, InodeAttrs, AttrChanges, CreateSpec, DirEntry, FsStats, RENAME_NOREPLACE, RENAME_EXCHANGE,
} from '../lxcore/vfs/api.js';
import { LinuxError, fail, EINVAL, ENOENT, EEXIST, EOPNOTSUPP, EPERM, ENOTDIR, EISDIR, EXDEV, ENOTEMPTY } from '../lxcore/abi/errno.js';
import { S_IFMT, S_IFDIR, S_IFREG, Stat, SplitStat } from '../lxcore/abi/stat.js';
import { hostErrno } from '../lxcore/fs/hosterr.js';

/** The part of node:fs drvfs uses (memfs implements the same). */
export type HostFs = Pick<typeof NodeFs,
  'lstatSync' | 'readdirSync' | 'mkdirSync' | 'openSync' | 'closeSync' | 'readSync' | 'writeSync' |
  'ftruncateSync' | 'unlinkSync' | 'rmdirSync' | 'renameSync' | 'linkSync' | 'symlinkSync' |
  'readlinkSync' | 'chmodSync' | 'chownSync' | 'utimesSync' | 'fsyncSync' | 'constants'>;

export interface DrvfsOptions {
  /** Keep Linux modes and owners on the host files (chmod/chown pass through); else WSL's
   *  default: every file owned by uid:gid with permissions from the masks, chmod ignored. */
  metadata?: boolean;
  uid?: number;
  gid?: number;
  umask?: number;
  fmask?: number;
  dmask?: number;
  /** 'dir' / 'force': names are case-sensitive (Linux hosts are); 'off': lookups ignore case. */
  case?: 'dir' | 'force' | 'off';
  ro?: boolean;
  /**
   * Not a WSL option: the host's own tree seen through (the passthrough root of an instance that
   * got a namespace). Its files keep the host's st_dev, as before the namespace existed: it spans
   * every host filesystem, whose inode numbers would collide under one device number.
   */
  hostDevices?: boolean;
}

/** Whether the host's rename follows a final symlink (memfs does, against rename(2)). */
const renameFollowsSymlinks = (h: HostFs) => '__vol' in h;

export const DRVFS_MAGIC = 0x01021997; // what WSL1's DrvFs reports (V9FS_MAGIC)

function hostCall<T>(fn: () => T): T {
  try { return fn(); } catch (e) {
    if (e instanceof LinuxError) throw e;
    throw new LinuxError(hostErrno(e));
  }
}

export class Drvfs extends Filesystem {
  readonly type = 'drvfs';
  private rootInode: DrvInode;

  constructor(readonly host: HostFs, readonly hostRoot: string, readonly opts: DrvfsOptions = {}) {
    super();
    this.readonly = !!opts.ro;
    const st = hostCall(() => host.lstatSync(hostRoot, { bigint: true }));
    if (!st.isDirectory()) fail(ENOTDIR);
    this.rootInode = new DrvInode(this, hostRoot, st.ino);
  }

  root(): Inode { return this.rootInode; }

  override statfs(): FsStats {
    return { type: DRVFS_MAGIC, bsize: 4096, blocks: 1 << 24, bfree: 1 << 23, bavail: 1 << 23, files: 1 << 20, ffree: 1 << 19, namelen: 255 };
  }

  /** The attributes the guest sees for a host file, per the mount options. */
  view(st: NodeFs.BigIntStats): InodeAttrs {
    const { mode, uid, gid } = this.owner(Number(st.mode), Number(st.uid), Number(st.gid));
    return {
      mode, uid, gid, nlink: Number(st.nlink), size: Number(st.size), blocks: Number(st.blocks), rdev: Number(st.rdev),
      atimeNs: st.atimeNs, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, btimeNs: st.birthtimeNs,
    };
  }

  /** Mode and owner as the guest sees them, per the mount options (`metadata`, masks, uid, gid). */
  private owner(hostMode: number, hostUid: number, hostGid: number): { mode: number; uid: number; gid: number } {
    if (this.opts.metadata) return { mode: hostMode, uid: hostUid, gid: hostGid };
    const type = hostMode & S_IFMT;
    const mask = (this.opts.umask ?? 0o022) | (type === S_IFDIR ? this.opts.dmask ?? 0 : this.opts.fmask ?? 0);
    return { mode: type | (0o777 & ~mask), uid: this.opts.uid ?? 1000, gid: this.opts.gid ?? 1000 };
  }

  /**
   * statOf for a status already taken as lxcore's Stat (lxcore/fs/hoststat.ts, on the real host,
   * without BigIntStats): the same view, field for field.
   */
  statOfStat(s: Stat): Stat {
    const { mode, uid, gid } = this.owner(s.mode, s.uid, s.gid);
    const dev = this.opts.hostDevices ? s.dev : this.dev, blksize = s.blksize || 4096;
    if (s instanceof SplitStat) {
      return new SplitStat(dev, s.inoNum, s.nlink, mode, uid, gid, s.rdev, s.size, blksize, s.blocks,
        s.atimeSec, s.atimeNsec, s.mtimeSec, s.mtimeNsec, s.ctimeSec, s.ctimeNsec);
    }
    return { dev, ino: s.ino, nlink: s.nlink, mode, uid, gid, rdev: s.rdev, size: s.size, blksize, blocks: s.blocks,
      atimeNs: s.atimeNs, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs };
  }

  /**
   * stat(2)'s answer for a host file of this mount: the mount's view of owner and mode (above),
   * the mount's own st_dev (each drvfs mount is a filesystem of its own, as on WSL) and the host's
   * inode number (stable, and what getdents reports). The one place stat, fstat, statx,
   * fstatat(AT_EMPTY_PATH) and /proc/PID/fd get it from, by path (lstat) or by descriptor (fstat).
   */
  statOf(st: NodeFs.BigIntStats): Stat {
    const a = this.view(st);
    return {
      dev: this.opts.hostDevices ? Number(st.dev) : this.dev, ino: st.ino, nlink: a.nlink, mode: a.mode, uid: a.uid, gid: a.gid,
      rdev: a.rdev, size: a.size, blksize: Number(st.blksize) || 4096, blocks: a.blocks, atimeNs: a.atimeNs, mtimeNs: a.mtimeNs, ctimeNs: a.ctimeNs,
    };
  }
}

/** A name the VFS may hand us: one path component, never "." or "..". */
function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) fail(EINVAL);
}

export class DrvInode extends Inode {
  constructor(readonly drv: Drvfs, readonly hostPath: string, ino: bigint) { super(drv, ino); }

  private get h(): HostFs { return this.drv.host; }
  private childPath(name: string): string { checkName(name); return `${this.hostPath}/${name}`; }
  private stat(): NodeFs.BigIntStats { return hostCall(() => this.h.lstatSync(this.hostPath, { bigint: true })); }

  attrs(): InodeAttrs { return this.drv.view(this.stat()); }

  /**
   * setattr through an open host descriptor of this file (fchmod, fchown, futimens, ftruncate):
   * the file it names, even after a rename or unlink, with the same rules as setattr.
   */
  setattrFd(fd: number, c: AttrChanges): void {
    const h = this.h as HostFs & Partial<Pick<typeof NodeFs, 'fchmodSync' | 'fchownSync' | 'futimesSync' | 'fstatSync'>>;
    if (!h.fchmodSync || !h.fchownSync || !h.futimesSync || !h.fstatSync) { this.setattr(c); return; } // a host without the f* forms
    const st = () => hostCall(() => h.fstatSync!(fd, { bigint: true }));
    if (c.size !== undefined) hostCall(() => h.ftruncateSync(fd, c.size));
    if (this.drv.opts.metadata) {
      if (c.mode !== undefined) hostCall(() => h.fchmodSync!(fd, c.mode! & 0o7777));
      if (c.uid !== undefined || c.gid !== undefined) {
        const s = st();
        hostCall(() => h.fchownSync!(fd, c.uid ?? Number(s.uid), c.gid ?? Number(s.gid)));
      }
    }
    if (c.atimeNs !== undefined || c.mtimeNs !== undefined) {
      const s = st();
      hostCall(() => h.futimesSync!(fd, Number(c.atimeNs ?? s.atimeNs) / 1e9, Number(c.mtimeNs ?? s.mtimeNs) / 1e9));
    }
  }

  override setattr(c: AttrChanges): void {
    const p = this.hostPath;
    if (c.size !== undefined) {
      const type = Number(this.stat().mode) & S_IFMT;
      if (type === S_IFDIR) fail(EISDIR);
      this.withFd(this.h.constants.O_WRONLY, (fd) => this.h.ftruncateSync(fd, c.size));
    }
    if (this.drv.opts.metadata) {
      if (c.mode !== undefined) hostCall(() => this.h.chmodSync(p, c.mode! & 0o7777));
      if (c.uid !== undefined || c.gid !== undefined) {
        const st = this.stat();
        hostCall(() => this.h.chownSync(p, c.uid ?? Number(st.uid), c.gid ?? Number(st.gid)));
      }
    }
    // Without `metadata`, chmod and chown succeed and change nothing, as on WSL.
    if (c.atimeNs !== undefined || c.mtimeNs !== undefined) {
      const st = this.stat();
      const a = Number(c.atimeNs ?? st.atimeNs) / 1e9, m = Number(c.mtimeNs ?? st.mtimeNs) / 1e9;
      hostCall(() => this.h.utimesSync(p, a, m));
    }
  }

  private node(path: string): DrvInode {
    const st = hostCall(() => this.h.lstatSync(path, { bigint: true }));
    return new DrvInode(this.drv, path, st.ino);
  }

  override lookup(name: string): Inode | null {
    let path = this.childPath(name);
    try {
      return new DrvInode(this.drv, path, this.h.lstatSync(path, { bigint: true }).ino);
    } catch (e) {
      if (hostErrno(e) !== ENOENT) throw new LinuxError(hostErrno(e));
    }
    if (this.drv.opts.case === 'off') {
      // Case-insensitive mounts: any entry whose name matches ignoring case.
      const lower = name.toLowerCase();
      const hit = (this.h.readdirSync(this.hostPath) as string[]).find((n) => n.toLowerCase() === lower);
      if (hit) { path = `${this.hostPath}/${hit}`; return this.node(path); }
    }
    return null;
  }

  override readdir(): DirEntry[] {
    const names = hostCall(() => this.h.readdirSync(this.hostPath)) as string[];
    const out: DirEntry[] = [];
    for (const name of names) {
      try {
        const st = this.h.lstatSync(`${this.hostPath}/${name}`, { bigint: true });
        out.push({ name, ino: st.ino, type: Number(st.mode) & S_IFMT });
      } catch { /* removed by the host meanwhile */ }
    }
    return out;
  }

  override create(name: string, spec: CreateSpec): Inode {
    const p = this.childPath(name);
    const c = this.h.constants;
    const fd = hostCall(() => this.h.openSync(p, c.O_CREAT | c.O_EXCL | c.O_WRONLY | c.O_NOFOLLOW, spec.mode & 0o7777));
    this.h.closeSync(fd);
    return this.node(p);
  }

  override mkdir(name: string, spec: CreateSpec): Inode {
    const p = this.childPath(name);
    hostCall(() => this.h.mkdirSync(p, spec.mode & 0o7777));
    return this.node(p);
  }

  override symlink(name: string, target: string): Inode {
    const p = this.childPath(name);
    hostCall(() => this.h.symlinkSync(target, p));
    return this.node(p);
  }

  override mknod(name: string, spec: CreateSpec): Inode {
    const type = spec.mode & S_IFMT;
    if (type === S_IFREG) return this.create(name, spec);
    // Device nodes, FIFOs and sockets need the metadata of volfs; a host directory has none.
    return fail(EPERM);
  }

  override link(name: string, target: Inode): void {
    const p = this.childPath(name);
    const t = target as DrvInode;
    if (t.drv !== this.drv) fail(EXDEV);
    hostCall(() => {
      // No hard links to directories (Linux: EPERM, after EEXIST for a taken name); not every
      // host refuses them (memfs makes one).
      if (this.h.lstatSync(t.hostPath).isDirectory()) {
        let taken = true;
        try { this.h.lstatSync(p); } catch { taken = false; }
        fail(taken ? EEXIST : EPERM);
      }
      this.h.linkSync(t.hostPath, p);
    });
  }

  override unlink(name: string): void {
    const p = this.childPath(name);
    hostCall(() => {
      try { this.h.unlinkSync(p); } catch (e) {
        // Linux's unlink of a directory is EISDIR; a host that says EPERM there (POSIX allows it:
        // memfs, macOS) is answered as Linux.
        if ((e as NodeJS.ErrnoException).code === 'EPERM' && this.h.lstatSync(p).isDirectory()) fail(EISDIR);
        throw e;
      }
    });
  }

  override rmdir(name: string): void {
    const p = this.childPath(name);
    hostCall(() => this.h.rmdirSync(p));
  }

  override rename(name: string, newDir: Inode, newName: string, flags: number): void {
    const from = this.childPath(name);
    const to = (newDir as DrvInode).childPath(newName);
    if ((newDir as DrvInode).drv !== this.drv) fail(EXDEV);
    if (flags & RENAME_EXCHANGE) fail(EINVAL); // Node has no renameat2: the VFS reports it
    if (flags & RENAME_NOREPLACE) {
      let exists = true;
      try { this.h.lstatSync(to); } catch { exists = false; }
      if (exists) fail(EEXIST);
    }
    hostCall(() => {
      // Two names of one file (or one name twice): rename(2) does nothing and succeeds; not
      // every host does so (memfs removes or refuses), so it is decided here.
      const a = this.h.lstatSync(from, { bigint: true });
      let b: typeof a | undefined;
      try { b = this.h.lstatSync(to, { bigint: true }); } catch { /* no target */ }
      if (b && a.ino === b.ino && a.dev === b.dev) return;
      // Linux's rules for a target that exists, checked here because not every host applies
      // them (memfs replaces anything): a directory only over an empty directory, a
      // non-directory only over a non-directory.
      if (b) {
        if (a.isDirectory() && !b.isDirectory()) fail(ENOTDIR);
        if (!a.isDirectory() && b.isDirectory()) fail(EISDIR);
        if (b.isDirectory()) {
          if (this.h.readdirSync(to).length > 0) fail(ENOTEMPTY);
          this.h.rmdirSync(to); // the host may refuse to replace it: make room (memfs)
        }
      }
      if (a.isSymbolicLink() && renameFollowsSymlinks(this.h)) {
        // memfs's rename moves what a symlink points to, not the symlink: make the new link and
        // remove the old one (a new inode number, and not atomic — only on such hosts).
        if (b) this.h.unlinkSync(to); // a non-directory it replaces (checked above)
        this.h.symlinkSync(String(this.h.readlinkSync(from)), to);
        this.h.unlinkSync(from);
        return;
      }
      this.h.renameSync(from, to);
    });
  }

  override readlink(): string {
    return hostCall(() => String(this.h.readlinkSync(this.hostPath)));
  }

  private withFd<T>(flags: number, fn: (fd: number) => T): T {
    const fd = hostCall(() => this.h.openSync(this.hostPath, flags | this.h.constants.O_NOFOLLOW));
    try { return hostCall(() => fn(fd)); } finally { this.h.closeSync(fd); }
  }

  override read(buf: Uint8Array, offset: number): number {
    // Reading a directory is EISDIR on Linux; some hosts (memfs) read it as empty.
    if (this.h.lstatSync(this.hostPath).isDirectory()) fail(EISDIR);
    return this.withFd(this.h.constants.O_RDONLY, (fd) => this.h.readSync(fd, buf, 0, buf.length, offset));
  }

  override write(buf: Uint8Array, offset: number): number {
    return this.withFd(this.h.constants.O_WRONLY, (fd) => this.h.writeSync(fd, buf, 0, buf.length, offset));
  }

  override sync(): void {
    this.withFd(this.h.constants.O_RDONLY, (fd) => this.h.fsyncSync(fd));
  }

  override setxattr(): void { fail(EOPNOTSUPP); }
}
