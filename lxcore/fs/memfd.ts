// memfd_create(2) and file sealing (fcntl F_ADD_SEALS/F_GET_SEALS; mm/memfd.c, mm/shmem.c).
//
// A memfd is an unnamed regular file of the kernel's internal shmem mount: "/memfd:NAME
// (deleted)" in /proc/PID/fd and maps, mode 0777 (0666 with MFD_NOEXEC_SEAL), owned by the
// caller's fsuid/fsgid, readable, writable, mappable and truncatable like any tmpfs file. Its
// inodes live in this module's own small filesystem (pages kept sparse, so a large ftruncate
// costs nothing until written), which is where the seals are enforced — at the inode, so every
// way of reaching the file (a dup, /proc/self/fd/N reopened, a shared mapping) meets them:
//   F_SEAL_WRITE / FUTURE_WRITE: write, pwrite and shared writable mmap fail with EPERM;
//   F_SEAL_SHRINK / GROW: truncation below / above the size fails with EPERM, and so does a
//     write past the end under GROW (after writing what fits, as shmem_write_begin does);
//   F_SEAL_EXEC: chmod may not change the x bits;
//   F_SEAL_SEAL: no further seals.
// Adding F_SEAL_WRITE while a shared mapping may still write (VM_SHARED|VM_MAYWRITE anywhere in
// the instance) is EBUSY; stores made earlier through a FUTURE_WRITE-sealed mapping still reach
// the file (the page cache writes back through `writeBack`, which seals do not stop).

import { Filesystem, Inode, InodeAttrs, AttrChanges } from '../vfs/api.js';
import { Mount, Dentry, newMountId } from '../vfs/namespace.js';
import { InodeFile } from '../vfs/inodefile.js';
import { fail, EINVAL, EPERM, EBUSY, EFAULT, ENOSYS, EFBIG } from '../abi/errno.js';
import { S_IFREG } from '../abi/stat.js';
import { O_RDWR, O_LARGEFILE, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_FUTURE_WRITE } from '../abi/fcntl.js';
import type { FileDescription } from '../vfs/file.js';
import { TMPFS_MAGIC } from '../../volfs/volfs.js';
import type { Task } from '../kernel/task.js';

export const F_SEAL_EXEC = 0x20;
const F_ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC;
export const MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;
const MFD_ALL_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;
/** MFD_HUGE_MASK << MFD_HUGE_SHIFT: the huge page size bits that may come with MFD_HUGETLB. */
const MFD_HUGE_BITS = 0x3f << 26;
/** NAME_MAX minus "memfd:". */
const MFD_NAME_MAX_LEN = 249;
const PAGE = 4096;
/** MAX_LFS_FILESIZE, as far as a JS number reaches exactly. */
const MAX_SIZE = Number.MAX_SAFE_INTEGER;

const now = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** The internal shmem mount's filesystem: memfd inodes, no names. */
class ShmemFs extends Filesystem {
  readonly type = 'tmpfs';
  private nextIno = 1n;
  private readonly rootInode: MemfdInode;
  constructor() {
    super();
    this.dev = 0x100 + newMountId();
    this.rootInode = new MemfdInode(this, 0n, 0o40777, 0, 0);
  }
  root(): Inode { return this.rootInode; }
  newInode(mode: number, uid: number, gid: number): MemfdInode { return new MemfdInode(this, this.nextIno++, mode, uid, gid); }
}

export class MemfdInode extends Inode {
  /** The file's pages by index; a missing page reads as zeros. */
  private readonly pages = new Map<number, Uint8Array>();
  private size = 0;
  seals = F_SEAL_SEAL;
  private mode: number;
  private uid: number;
  private gid: number;
  private atimeNs = now();
  private mtimeNs = this.atimeNs;
  private ctimeNs = this.atimeNs;

  constructor(fs: Filesystem, ino: bigint, mode: number, uid: number, gid: number) {
    super(fs, ino);
    this.mode = mode; this.uid = uid; this.gid = gid;
  }

  attrs(): InodeAttrs {
    return {
      mode: this.mode, uid: this.uid, gid: this.gid, nlink: 0, size: this.size,
      blocks: this.pages.size * (PAGE / 512), rdev: 0, atimeNs: this.atimeNs, mtimeNs: this.mtimeNs, ctimeNs: this.ctimeNs,
    };
  }

  override setattr(c: AttrChanges): void {
    if (c.size !== undefined && c.size !== this.size) {
      if ((c.size < this.size && (this.seals & F_SEAL_SHRINK)) || (c.size > this.size && (this.seals & F_SEAL_GROW))) fail(EPERM);
    }
    if (c.mode !== undefined && (this.seals & F_SEAL_EXEC) && ((this.mode ^ c.mode) & 0o111)) fail(EPERM);
    if (c.size !== undefined) this.resize(c.size);
    if (c.mode !== undefined) this.mode = (this.mode & ~0o7777) | (c.mode & 0o7777);
    if (c.uid !== undefined) this.uid = c.uid;
    if (c.gid !== undefined) this.gid = c.gid;
    if (c.atimeNs !== undefined) this.atimeNs = c.atimeNs;
    if (c.mtimeNs !== undefined) this.mtimeNs = c.mtimeNs;
    this.ctimeNs = now();
  }

  private resize(size: number): void {
    if (size > MAX_SIZE) fail(EFBIG);
    if (size < this.size) {
      // What is cut off reads back as zeros if the file grows again.
      for (const i of [...this.pages.keys()]) if (i * PAGE >= size) this.pages.delete(i);
      const last = this.pages.get(Math.floor(size / PAGE));
      if (last) last.fill(0, size % PAGE);
    }
    this.size = size;
    this.mtimeNs = this.ctimeNs = now();
  }

  override read(buf: Uint8Array, offset: number): number {
    const n = Math.max(0, Math.min(buf.length, this.size - offset));
    for (let done = 0; done < n;) {
      const at = offset + done, i = Math.floor(at / PAGE), o = at % PAGE, k = Math.min(PAGE - o, n - done);
      const pg = this.pages.get(i);
      if (pg) buf.set(pg.subarray(o, o + k), done); else buf.fill(0, done, done + k);
      done += k;
    }
    this.atimeNs = now();
    return n;
  }

  override write(buf: Uint8Array, offset: number): number {
    if (this.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) fail(EPERM);
    let len = buf.length;
    if ((this.seals & F_SEAL_GROW) && offset + len > this.size) {
      // generic_perform_write goes page by page and shmem_write_begin refuses the first piece
      // that would grow the file: the pages before it are written (a short write); if the very
      // first piece would, nothing is and the write fails with EPERM.
      let fit = 0;
      while (fit < len) {
        const piece = Math.min(PAGE - ((offset + fit) % PAGE), len - fit);
        if (offset + fit + piece > this.size) break;
        fit += piece;
      }
      if (fit === 0) fail(EPERM);
      len = fit;
    }
    return this.writeBack(buf.subarray(0, len), offset);
  }

  /** A write no seal stops: the page cache writing back what a mapping stored earlier. */
  override writeBack(buf: Uint8Array, offset: number): number {
    if (offset + buf.length > MAX_SIZE) fail(EFBIG);
    for (let done = 0; done < buf.length;) {
      const at = offset + done, i = Math.floor(at / PAGE), o = at % PAGE, k = Math.min(PAGE - o, buf.length - done);
      let pg = this.pages.get(i);
      if (!pg) { pg = new Uint8Array(PAGE); this.pages.set(i, pg); }
      pg.set(buf.subarray(done, done + k), o);
      done += k;
    }
    if (offset + buf.length > this.size) this.size = offset + buf.length;
    this.mtimeNs = this.ctimeNs = now();
    return buf.length;
  }

  override allocate(mode: number, offset: number, len: number): void {
    const KEEP_SIZE = 1, PUNCH_HOLE = 2;
    if (mode & PUNCH_HOLE) {
      if (this.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) fail(EPERM);
      const end = Math.min(this.size, offset + len);
      for (let at = offset; at < end;) {
        const i = Math.floor(at / PAGE), o = at % PAGE, k = Math.min(PAGE - o, end - at);
        if (o === 0 && k === PAGE) this.pages.delete(i); else this.pages.get(i)?.fill(0, o, o + k);
        at += k;
      }
      this.mtimeNs = this.ctimeNs = now();
      return;
    }
    if ((this.seals & F_SEAL_GROW) && offset + len > this.size) fail(EPERM); // KEEP_SIZE too
    if (!(mode & KEEP_SIZE) && offset + len > this.size) this.resize(offset + len);
  }
}

let shm: { fs: ShmemFs; mount: Mount } | undefined;

/** The internal mount memfds live on (one per host process, as Linux has one shm_mnt). */
function shmMount(): { fs: ShmemFs; mount: Mount } {
  if (!shm) {
    const fs = new ShmemFs();
    const mount = new Mount(fs, fs.root(), null, 0, 'shm');
    shm = { fs, mount };
  }
  return shm;
}

/**
 * memfd_create(name, flags). `readName(max)` reads the guest's name: null when it is longer
 * than `max` bytes (EINVAL), an exception when the memory cannot be read (EFAULT).
 */
export function memfdCreate(t: Task, readName: (max: number) => string | null, flags: number): number {
  flags >>>= 0;
  if (!(flags & MFD_HUGETLB)) { if (flags & ~MFD_ALL_FLAGS) fail(EINVAL); }
  else if (flags & ~(MFD_ALL_FLAGS | MFD_HUGE_BITS)) fail(EINVAL);
  if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL)) fail(EINVAL);
  let name: string | null;
  try { name = readName(MFD_NAME_MAX_LEN); } catch { return fail(EFAULT); }
  if (name === null || Buffer.byteLength(name) > MFD_NAME_MAX_LEN) fail(EINVAL);
  // A kernel without hugetlbfs answers hugetlb_file_setup with ENOSYS (quirks.md).
  if (flags & MFD_HUGETLB) fail(ENOSYS);
  const { fs, mount } = shmMount();
  const c = t.process.creds;
  const inode = fs.newInode(S_IFREG | ((flags & MFD_NOEXEC_SEAL) ? 0o666 : 0o777), c.fsuid, c.fsgid);
  if (flags & MFD_NOEXEC_SEAL) inode.seals = F_SEAL_EXEC;
  else if (flags & MFD_ALLOW_SEALING) inode.seals = 0;
  const d = new Dentry(mount, inode, null, `memfd:${name}`);
  const file = new InodeFile(d, O_RDWR | O_LARGEFILE, `/memfd:${name} (deleted)`);
  return t.process.fds.install(file, (flags & MFD_CLOEXEC) !== 0);
}

/** Whether `f` is a memfd (its inode carries seals of its own). */
export function memfdInode(f: FileDescription): MemfdInode | undefined {
  const inode = (f as InodeFile).dentry?.inode;
  return inode instanceof MemfdInode ? inode : undefined;
}

/**
 * F_GET_SEALS: a memfd's seals; any other tmpfs file is shmem too and answers F_SEAL_SEAL (it
 * was never allowed sealing); other files EINVAL.
 */
export function getSeals(f: FileDescription): number {
  const m = memfdInode(f);
  if (m) return m.seals;
  if (isTmpfs(f)) return F_SEAL_SEAL;
  return fail(EINVAL);
}

/** F_ADD_SEALS (memfd_add_seals). `writableMaps` counts shared mappings that may write the file. */
export function addSeals(f: FileDescription, seals: number, writableMaps: () => number): number {
  if (!f.writable) fail(EPERM);
  seals >>>= 0;
  if (seals & ~F_ALL_SEALS) fail(EINVAL);
  const m = memfdInode(f);
  if (!m) { if (isTmpfs(f)) fail(EPERM); return fail(EINVAL); }
  if (m.seals & F_SEAL_SEAL) fail(EPERM);
  if ((seals & F_SEAL_WRITE) && !(m.seals & F_SEAL_WRITE) && writableMaps() > 0) fail(EBUSY);
  // SEAL_EXEC on an executable file implies the write seals: W^X from then on.
  if ((seals & F_SEAL_EXEC) && (m.attrs().mode & 0o111)) seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
  m.seals |= seals;
  return 0;
}

/** Whether a shared writable mapping of `f` is refused (seal_check_write). */
export function writeSealed(f: FileDescription): boolean {
  const m = memfdInode(f);
  return !!m && (m.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) !== 0;
}

function isTmpfs(f: FileDescription): boolean {
  const inode = (f as InodeFile).dentry?.inode;
  if (inode) return inode.fs.statfs().type === TMPFS_MAGIC;
  return false;
}


/**
 * An unnamed shmem file of `size` bytes that a kernel object keeps (a System V shared memory
 * segment): `path` is what /proc/PID/maps shows for its mappings.
 */
export function shmemFile(path: string, size: number, uid: number, gid: number, mode: number): InodeFile {
  const { fs, mount } = shmMount();
  const inode = fs.newInode(S_IFREG | (mode & 0o777), uid, gid);
  inode.setattr({ size });
  return new InodeFile(new Dentry(mount, inode, null, path), O_RDWR | O_LARGEFILE, path);
}
