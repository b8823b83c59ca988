// The open file description of a VFS inode (Linux's struct file over an inode): the offset,
// O_APPEND, directory iteration, and stat — for regular files and directories of any backend.
// Special files (FIFOs, device nodes, sockets) get their own descriptions from lxcore/fs/.

import { FileDescription, Dirent, DT_UNKNOWN, DT_FIFO, DT_CHR, DT_DIR, DT_BLK, DT_REG, DT_LNK, DT_SOCK } from './file.js';
import type { Dentry } from './namespace.js';
import { Stat, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, S_ISUID, S_ISGID } from '../abi/stat.js';
import { fail, EINVAL, EISDIR, ENXIO, EFBIG } from '../abi/errno.js';
import type { Task } from '../kernel/task.js';

const DT_OF: Record<number, number> = {
  [S_IFDIR]: DT_DIR, [S_IFREG]: DT_REG, [S_IFLNK]: DT_LNK, [S_IFCHR]: DT_CHR,
  [S_IFBLK]: DT_BLK, [S_IFIFO]: DT_FIFO, [S_IFSOCK]: DT_SOCK,
};

/** Largest file offset (MAX_LFS_FILESIZE on 64-bit). */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;

export class InodeFile extends FileDescription {
  /** Directory listing taken at the first getdents and kept until rewound (seq-file style). */
  private listing?: Dirent[];

  constructor(readonly dentry: Dentry, flags: number, path: string) {
    super(flags, path);
    dentry.inode.opened();
    dentry.mount.users++;
  }

  protected override release(): void { this.dentry.inode.closed(); this.dentry.mount.users--; }

  private get inode() { return this.dentry.inode; }
  private get isDir(): boolean { return (this.inode.attrs().mode & S_IFMT) === S_IFDIR; }

  override stat(): Stat {
    const a = this.inode.attrs();
    return {
      dev: this.inode.fs.dev, ino: this.inode.ino, nlink: a.nlink, mode: a.mode, uid: a.uid, gid: a.gid,
      rdev: a.rdev, size: a.size, blksize: 4096, blocks: a.blocks, atimeNs: a.atimeNs, mtimeNs: a.mtimeNs, ctimeNs: a.ctimeNs,
    };
  }

  override read(buf: Uint8Array, _task: Task): number {
    if (this.isDir) fail(EISDIR);
    const n = this.inode.read(buf, this.pos);
    this.pos += n;
    return n;
  }

  override write(buf: Uint8Array, _task: Task): number {
    if (this.isDir) fail(EISDIR);
    const at = this.append ? this.inode.attrs().size : this.pos;
    if (at + buf.length > MAX_OFFSET) fail(EFBIG);
    const n = this.inode.write(buf, at);
    this.pos = at + n;
    this.clearSetId();
    return n;
  }

  override pread(buf: Uint8Array, offset: number): number {
    if (this.isDir) fail(EISDIR);
    return this.inode.read(buf, offset);
  }

  override pwrite(buf: Uint8Array, offset: number): number {
    if (this.isDir) fail(EISDIR);
    // Linux quirk kept: pwrite on an O_APPEND file appends (pwrite(2) BUGS).
    const at = this.append ? this.inode.attrs().size : offset;
    const n = this.inode.write(buf, at);
    this.clearSetId();
    return n;
  }

  override writeBack(buf: Uint8Array, offset: number): number {
    return this.inode.writeBack(buf, offset);
  }

  /** Writing to a file clears its setuid bit, and setgid if group-executable (file_remove_privs). */
  private clearSetId(): void {
    const a = this.inode.attrs();
    let mode = a.mode & 0o7777;
    if (mode & S_ISUID) mode &= ~S_ISUID;
    if ((mode & S_ISGID) && (mode & 0o010)) mode &= ~S_ISGID;
    if (mode !== (a.mode & 0o7777)) this.inode.setattr({ mode });
  }

  override lseek(offset: number, whence: number): number {
    let at: number;
    switch (whence) {
      case SEEK_SET: at = offset; break;
      case SEEK_CUR: at = this.pos + offset; break;
      case SEEK_END: at = this.inode.attrs().size + offset; break;
      case SEEK_DATA: case SEEK_HOLE: {
        const r = this.inode.seekData(offset, whence === SEEK_HOLE);
        if (r < 0) fail(ENXIO);
        at = r;
        break;
      }
      default: return fail(EINVAL);
    }
    if (at < 0 || at > MAX_OFFSET) fail(EINVAL);
    if (this.isDir && at === 0) this.listing = undefined; // rewinddir
    this.pos = at;
    return at;
  }

  override readdir(): Dirent[] {
    if (!this.isDir) return super.readdir();
    if (!this.listing) {
      const self = this.inode;
      const parent = this.dentry.parent?.inode ?? self;
      this.listing = [
        { ino: self.ino, type: DT_DIR, name: '.' },
        { ino: parent.ino, type: DT_DIR, name: '..' },
        ...self.readdir().map((e) => ({ ino: e.ino, type: DT_OF[e.type] ?? DT_UNKNOWN, name: e.name })),
      ];
    }
    return this.listing.slice(this.pos);
  }
}
