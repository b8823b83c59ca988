// Synthetic filesystems — trees of nodes whose contents lxcore computes (the shape procfs, devfs
// and sysfs share). Until the VFS of issue #5 mounts them properly, sys_path.ts sends paths under
// /proc, /dev and /sys here and everything else to the host passthrough.

import { FileDescription, Dirent, Maybe, DT_DIR, DT_REG, DT_LNK, DT_CHR } from '../vfs/file.js';
import { Stat, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR } from '../abi/stat.js';
import { fail, EINVAL, EISDIR, ENOENT, ENOTDIR, EACCES, ELOOP } from '../abi/errno.js';
import { O_ACCMODE, O_RDONLY, O_DIRECTORY } from '../abi/fcntl.js';
import type { Task } from '../kernel/task.js';

export type SynNode = SynDir | SynFile | SynLink | SynDev;
/** `owner`: who owns it, when not root (a process's /proc/PID files are its effective ids). */
interface Base { ino: number; mode?: number; size?: number; owner?(): { uid: number; gid: number } }
/** A directory; `hidden` finds names it does not list (a thread's /proc/TID). */
export interface SynDir extends Base { kind: 'dir'; entries(t: Task): Map<string, SynNode>; hidden?(t: Task, name: string): SynNode | undefined }
export interface SynFile extends Base { kind: 'file'; content(t: Task): string | Uint8Array; write?(t: Task, data: Uint8Array): number }
/**
 * A symlink. A "magic" one (/proc/PID/fd/N) opens the very file it names, even one with no
 * path (a pipe); readlink still shows `target`.
 */
export interface SynLink extends Base { kind: 'link'; target(t: Task): string; magic?(t: Task): FileDescription }
/** A device node: `open` makes the description (it may be a host file, e.g. /dev/tty). */
export interface SynDev extends Base { kind: 'dev'; rdev: number; open(t: Task, flags: number): FileDescription }

let nextIno = 0x1000;
/** Inode numbers are stable for a node's lifetime; dynamic nodes hash their path instead. */
export function ino(): number { return nextIno++; }
export function inoOf(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return ((h >>> 0) | 0x10000) >>> 0;
}

export const dir = (entries: (t: Task) => Map<string, SynNode>, i = ino()): SynDir => ({ kind: 'dir', entries, ino: i });
export const staticDir = (e: Record<string, SynNode>): SynDir => { const m = new Map(Object.entries(e)); return dir(() => m); };
export const file = (content: (t: Task) => string | Uint8Array, i = ino(), mode = 0o444): SynFile => ({ kind: 'file', content, ino: i, mode });
export const link = (target: (t: Task) => string, i = ino()): SynLink => ({ kind: 'link', target, ino: i });

const DT: Record<SynNode['kind'], number> = { dir: DT_DIR, file: DT_REG, link: DT_LNK, dev: DT_CHR };
// The synthetic trees' times: when wasl loaded them (a whole millisecond; the browser's process
// shim has no uptime(), and performance would load perf_hooks in Node).
const BOOT_NS = BigInt(Date.now()) * 1_000_000n;

export function synStat(node: SynNode, dev: number): Stat {
  const type = { dir: S_IFDIR, file: S_IFREG, link: S_IFLNK, dev: S_IFCHR }[node.kind];
  const perm = node.mode ?? { dir: 0o555, file: 0o444, link: 0o777, dev: 0o666 }[node.kind];
  const { uid, gid } = node.owner?.() ?? { uid: 0, gid: 0 };
  return {
    dev, ino: BigInt(node.ino), nlink: node.kind === 'dir' ? 2 : 1, mode: type | perm, uid, gid,
    rdev: node.kind === 'dev' ? node.rdev : 0, size: node.size ?? 0, blksize: 1024, blocks: 0,
    atimeNs: BOOT_NS, mtimeNs: BOOT_NS, ctimeNs: BOOT_NS,
  };
}

/** An open synthetic file: its content is taken when opened, like a seq_file's first read. */
export class SynFileDescription extends FileDescription {
  private data?: Uint8Array;
  constructor(private readonly node: SynFile, flags: number, path: string, private readonly dev: number, private readonly task: Task) {
    super(flags, path);
  }
  private bytes(): Uint8Array {
    if (!this.data) {
      const c = this.node.content(this.task);
      this.data = typeof c === 'string' ? new TextEncoder().encode(c) : c;
    }
    return this.data;
  }
  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.pos);
    this.pos += n;
    return n;
  }
  override pread(buf: Uint8Array, offset: number): number {
    const d = this.bytes();
    const n = Math.max(0, Math.min(buf.length, d.length - offset));
    buf.set(d.subarray(offset, offset + n));
    return n;
  }
  override write(buf: Uint8Array, t: Task): Maybe<number> {
    if (!this.node.write) return fail(EINVAL);
    return this.node.write(t, buf);
  }
  override lseek(offset: number, whence: number): number {
    const base = whence === 0 ? 0 : whence === 1 ? this.pos : whence === 2 ? this.bytes().length : fail(EINVAL);
    if (base + offset < 0) fail(EINVAL);
    return (this.pos = base + offset);
  }
  override stat(): Stat { return { ...synStat(this.node, this.dev), size: 0 }; }
}

export class SynDirDescription extends FileDescription {
  private list?: Dirent[];
  constructor(private readonly node: SynDir, flags: number, path: string, private readonly dev: number, private readonly task: Task) {
    super(flags, path);
  }
  override readdir(): Dirent[] {
    if (!this.list) {
      this.list = [{ ino: BigInt(this.node.ino), type: DT_DIR, name: '.' }, { ino: 1n, type: DT_DIR, name: '..' }];
      for (const [name, n] of this.node.entries(this.task)) this.list.push({ ino: BigInt(n.ino), type: DT[n.kind], name });
    }
    return this.list.slice(this.pos);
  }
  override read(): number { return fail(EISDIR); }
  override lseek(offset: number, whence: number): number {
    if (whence !== 0 || offset < 0) return fail(EINVAL);
    if (offset === 0) this.list = undefined;
    return (this.pos = offset);
  }
  override stat(): Stat { return synStat(this.node, this.dev); }
}

/** A mounted synthetic tree: its root and the st_dev its files report. */
export interface SynMount { root: SynDir; dev: number }

/** Result of walking a path inside a synthetic tree. */
export type SynWalk = { node: SynNode; path: string } | { redirect: string };

/**
 * Walks `parts` from `m.root`. Symlinks in the middle are followed (relative ones inside the
 * tree, absolute ones by asking the caller to restart with `redirect`), and so is a final one
 * when `follow` is set.
 */
export function walk(m: SynMount, prefix: string, parts: string[], t: Task, follow: boolean, depth = 0): SynWalk {
  if (depth > 40) fail(ELOOP);
  let node: SynNode = m.root;
  const seen: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i];
    if (node.kind !== 'dir') fail(ENOTDIR);
    const next: SynNode | undefined = node.entries(t).get(name) ?? node.hidden?.(t, name);
    if (!next) fail(ENOENT);
    const last = i === parts.length - 1;
    if (next.kind === 'link' && next.magic && last && follow) return { node: next, path: [prefix, ...seen, name].join('/') };
    if (next.kind === 'link' && (!last || follow)) {
      const target = next.target(t);
      const rest = parts.slice(i + 1);
      if (target.startsWith('/')) return { redirect: [target, ...rest].join('/') };
      return walk(m, prefix, [...seen, ...target.split('/').filter((x) => x && x !== '.'), ...rest], t, follow, depth + 1);
    }
    seen.push(name);
    node = next;
  }
  return { node, path: [prefix, ...seen].join('/') };
}

/** Opens a synthetic node. */
export function openNode(node: SynNode, path: string, flags: number, t: Task, dev: number): FileDescription {
  if (node.kind === 'link' && node.magic) {
    // A magic link opens the file it names: O_DIRECTORY asks about that file, not the link.
    const f = node.magic(t);
    if ((flags & O_DIRECTORY) && (f.stat().mode & 0o170000) !== 0o040000) fail(ENOTDIR);
    return f.ref();
  }
  if ((flags & O_DIRECTORY) && node.kind !== 'dir') fail(ENOTDIR);
  switch (node.kind) {
    case 'dir':
      if ((flags & O_ACCMODE) !== O_RDONLY) fail(EISDIR);
      return new SynDirDescription(node, flags, path, dev, t);
    case 'file':
      if ((flags & O_ACCMODE) !== O_RDONLY && !node.write) fail(EACCES);
      return new SynFileDescription(node, flags, path, dev, t);
    case 'dev':
      return node.open(t, flags);
    default:
      if (node.magic) return node.magic(t).ref();
      return fail(ENOENT); // other links are followed before they get here
  }
}
