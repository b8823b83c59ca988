// Host access to an instance's files (WSL's \\wsl$, its Plan 9 server): a Node fs.promises-shaped
// API over the instance's VFS, acting as a chosen uid/gid. Paths are the guest's (absolute, or
// relative to the namespace root), walked by lxcore's namespace with Linux's rules (symlinks,
// "..", mounts, search permission) and checked with Linux's permissions for that identity;
// errors are Node-style (err.code "ENOENT", err.errno −2, err.syscall, err.path), with the
// errno Linux would give. wasl's synthetic /proc, /dev and /sys are not part of it.
//
//   const gfs = new GuestFs(kernel.ensureVfs(), { uid: 1000, gid: 1000 });
//   await gfs.writeFile('/home/me/notes.txt', 'hello');

import type { Vfs } from './vfs.js';
import type { Dentry, WalkContext } from './namespace.js';
import { Creds, permission, mayModifyDir, mayDelete, isOwner, MAY_READ, MAY_WRITE } from './perm.js';
import { LinuxError, errnoName, fail, EEXIST, EISDIR, ENOTDIR, EROFS, EINVAL, EPERM, EXDEV, ENOENT } from '../abi/errno.js';
import { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_ISGID } from '../abi/stat.js';

export interface GuestIdentity { uid: number; gid: number; groups?: number[]; umask?: number }

/** What stat/lstat give: Node's Stats fields and type tests. */
export interface GuestStats {
  dev: number; ino: bigint; mode: number; nlink: number; uid: number; gid: number; rdev: number; size: number;
  blksize: number; blocks: number; atimeMs: number; mtimeMs: number; ctimeMs: number;
  isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean;
}

export class GuestFs {
  private readonly creds: Creds;
  private readonly umask: number;

  constructor(readonly vfs: Vfs, readonly id: GuestIdentity) {
    this.creds = { fsuid: id.uid, fsgid: id.gid, groups: id.groups ?? [] };
    this.umask = id.umask ?? 0o022;
  }

  private ctx(): WalkContext { return { root: this.vfs.ns.root, cwd: this.vfs.ns.root, creds: this.creds }; }
  private resolve(p: string, follow = true): Dentry { return this.vfs.ns.resolve(this.ctx(), this.vfs.ns.root, p, { follow }); }
  private parent(p: string) {
    const r = this.vfs.ns.resolveParent(this.ctx(), this.vfs.ns.root, p);
    if (r.name === '/' || r.name === '.' || r.name === '..') fail(EEXIST);
    return r;
  }
  private child(dir: Dentry, name: string): Dentry | null { return this.vfs.ns.child(this.ctx(), dir, name); }
  private writableDir(d: Dentry): void {
    mayModifyDir(this.creds, d.inode.attrs());
    if (d.mount.readonly) fail(EROFS);
  }
  private owner(dir: Dentry) {
    const a = dir.inode.attrs();
    return { uid: this.id.uid, gid: (a.mode & S_ISGID) ? a.gid : this.id.gid };
  }

  /** Runs `fn` as the call `syscall` on `path`, turning a LinuxError into a Node-style error. */
  private callSync<T>(syscall: string, path: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof LinuxError)) throw e;
      const code = errnoName[e.errno] ?? 'EIO';
      throw Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, errno: -e.errno, syscall, path });
    }
  }

  private async call<T>(syscall: string, path: string, fn: () => T): Promise<T> { return this.callSync(syscall, path, fn); }

  readFile(path: string): Promise<Buffer>;
  readFile(path: string, encoding: BufferEncoding): Promise<string>;
  async readFile(path: string, encoding?: BufferEncoding): Promise<Buffer | string> {
    return encoding ? this.readFileSync(path, encoding) : this.readFileSync(path);
  }

  // The synchronous forms (fs's *Sync), for host code that runs outside any event-loop turn:
  // the instance manager reading /etc/passwd and writing /etc/hosts at boot.
  readFileSync(path: string): Buffer;
  readFileSync(path: string, encoding: BufferEncoding): string;
  readFileSync(path: string, encoding?: BufferEncoding): Buffer | string {
    return this.callSync('open', path, () => {
      const d = this.resolve(path);
      const a = d.inode.attrs();
      if ((a.mode & S_IFMT) === S_IFDIR) fail(EISDIR);
      permission(this.creds, a, MAY_READ);
      const out = Buffer.alloc(a.size);
      let off = 0;
      while (off < out.length) {
        const n = d.inode.read(out.subarray(off), off);
        if (n === 0) break;
        off += n;
      }
      const data = out.subarray(0, off);
      return encoding ? data.toString(encoding) : data;
    });
  }

  /** Creates the file (mode 0666 & ~umask, or `mode`) or truncates it, then writes `data`. */
  async writeFile(path: string, data: string | Uint8Array, o: { mode?: number } = {}): Promise<void> {
    this.writeFileSync(path, data, o);
  }

  writeFileSync(path: string, data: string | Uint8Array, o: { mode?: number } = {}): void {
    this.callSync('open', path, () => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let d: Dentry | null = null;
      try { d = this.resolve(path); } catch (e) { if (!(e instanceof LinuxError) || e.errno !== ENOENT) throw e; }
      if (!d) {
        const p = this.parent(path);
        if (p.trailingSlash) fail(EISDIR);
        this.writableDir(p.parent);
        p.parent.inode.create(p.name, { mode: (o.mode ?? 0o666) & ~this.umask & 0o7777, ...this.owner(p.parent) });
        d = this.child(p.parent, p.name)!;
      } else {
        const a = d.inode.attrs();
        if ((a.mode & S_IFMT) === S_IFDIR) fail(EISDIR);
        permission(this.creds, a, MAY_WRITE);
        if (d.mount.readonly) fail(EROFS);
        d.inode.setattr({ size: 0 });
      }
      let off = 0;
      while (off < bytes.length) off += d.inode.write(bytes.subarray(off), off);
    });
  }

  readdir(path: string): Promise<string[]> {
    return this.call('scandir', path, () => {
      const d = this.resolve(path);
      if (!d.isDir) fail(ENOTDIR);
      permission(this.creds, d.inode.attrs(), MAY_READ);
      return d.inode.readdir().map((e) => e.name);
    });
  }

  stat(path: string): Promise<GuestStats> { return this.call('stat', path, () => statsOf(this.resolve(path, true))); }
  statSync(path: string): GuestStats { return this.callSync('stat', path, () => statsOf(this.resolve(path, true))); }
  lstat(path: string): Promise<GuestStats> { return this.call('lstat', path, () => statsOf(this.resolve(path, false))); }
  lstatSync(path: string): GuestStats { return this.callSync('lstat', path, () => statsOf(this.resolve(path, false))); }

  mkdir(path: string, o: { mode?: number } = {}): Promise<void> {
    return this.call('mkdir', path, () => {
      const p = this.parent(path);
      if (this.child(p.parent, p.name)) fail(EEXIST);
      this.writableDir(p.parent);
      const pa = p.parent.inode.attrs();
      p.parent.inode.mkdir(p.name, { mode: ((o.mode ?? 0o777) & ~this.umask & 0o7777) | (pa.mode & S_ISGID), ...this.owner(p.parent) });
    });
  }

  async unlink(path: string): Promise<void> { this.unlinkSync(path); }

  unlinkSync(path: string): void {
    this.callSync('unlink', path, () => {
      const p = this.parent(path);
      const victim = this.child(p.parent, p.name);
      if (!victim) fail(ENOENT);
      if (victim.isDir) fail(EISDIR);
      mayDelete(this.creds, p.parent.inode.attrs(), victim.inode.attrs());
      if (p.parent.mount.readonly) fail(EROFS);
      p.parent.inode.unlink(p.name);
    });
  }

  rmdir(path: string): Promise<void> {
    return this.call('rmdir', path, () => {
      const p = this.parent(path);
      const victim = this.child(p.parent, p.name);
      if (!victim) fail(ENOENT);
      if (!victim.isDir) fail(ENOTDIR);
      if (this.vfs.ns.mountedOn(victim) || victim.inode.ino === victim.mount.rootInode.ino) fail(16); // EBUSY: a mount point
      mayDelete(this.creds, p.parent.inode.attrs(), victim.inode.attrs());
      if (p.parent.mount.readonly) fail(EROFS);
      p.parent.inode.rmdir(p.name);
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.call('rename', from, () => {
      const a = this.parent(from), b = this.parent(to);
      const victim = this.child(a.parent, a.name);
      if (!victim) fail(ENOENT);
      if (a.parent.mount !== b.parent.mount) fail(EXDEV);
      mayDelete(this.creds, a.parent.inode.attrs(), victim.inode.attrs());
      const target = this.child(b.parent, b.name);
      if (target) mayDelete(this.creds, b.parent.inode.attrs(), target.inode.attrs());
      else this.writableDir(b.parent);
      if (a.parent.mount.readonly) fail(EROFS);
      // A directory into its own subtree (EINVAL), as the syscall checks.
      if (victim.isDir) for (let d: Dentry | null = b.parent; d; d = d.parent) if (d.same(victim)) fail(EINVAL);
      a.parent.inode.rename(a.name, b.parent.inode, b.name, 0);
    });
  }

  symlink(target: string, path: string): Promise<void> {
    return this.call('symlink', path, () => {
      const p = this.parent(path);
      if (this.child(p.parent, p.name)) fail(EEXIST);
      this.writableDir(p.parent);
      p.parent.inode.symlink(p.name, target, { mode: 0o777, ...this.owner(p.parent) });
    });
  }

  readlink(path: string): Promise<string> { return this.call('readlink', path, () => this.resolve(path, false).inode.readlink()); }

  chmod(path: string, mode: number): Promise<void> {
    return this.call('chmod', path, () => {
      const d = this.resolve(path);
      isOwner(this.creds, d.inode.attrs());
      if (d.mount.readonly) fail(EROFS);
      d.inode.setattr({ mode: mode & 0o7777 });
    });
  }

  /** chown: root only, as for a process without CAP_CHOWN (an owner may change the group to one of its own). */
  chown(path: string, uid: number, gid: number): Promise<void> {
    return this.call('chown', path, () => {
      const d = this.resolve(path);
      const a = d.inode.attrs();
      const groupOnly = uid === -1 || uid === a.uid;
      const mine = gid === -1 || gid === this.id.gid || (this.id.groups ?? []).includes(gid);
      if (this.id.uid !== 0 && !(groupOnly && a.uid === this.id.uid && mine)) fail(EPERM);
      if (d.mount.readonly) fail(EROFS);
      d.inode.setattr({ ...(uid !== -1 ? { uid } : {}), ...(gid !== -1 ? { gid } : {}) });
    });
  }
}

function statsOf(d: Dentry): GuestStats {
  const a = d.inode.attrs();
  const type = a.mode & S_IFMT;
  const ms = (ns: bigint) => Number(ns / 1000n) / 1000;
  return {
    dev: d.inode.fs.dev, ino: d.inode.ino, mode: a.mode, nlink: a.nlink, uid: a.uid, gid: a.gid, rdev: a.rdev,
    size: a.size, blksize: 4096, blocks: a.blocks, atimeMs: ms(a.atimeNs), mtimeMs: ms(a.mtimeNs), ctimeMs: ms(a.ctimeNs),
    isFile: () => type === S_IFREG, isDirectory: () => type === S_IFDIR, isSymbolicLink: () => type === S_IFLNK,
  };
}
