// execve(2) and execveat(2) (fs/exec.c): read argv/envp from the guest within Linux's limits,
// find the file, let binfmt_script rewrite `#!` scripts into their interpreter (at most five
// rewrites: exec_binprm's `depth > 5` → ELOOP), load the ELF image — and the interpreter a
// dynamically linked one names — into a fresh address space (kernel/exec.ts), and only then —
// the point of no return — replace the old image: close the close-on-exec descriptors, reset
// handled signals to SIG_DFL, wake a vfork parent.
// Until then any failure leaves the old image running with the error (except an interpreter
// Linux fails on only after that point: kernel/exec.ts returns it as `fatal`, exec goes ahead
// and the process dies of SIGSEGV).

import { fs, realpathHost } from '../host.js';
import { fail, EACCES, E2BIG, EINVAL, ELOOP, ENOENT, ENOEXEC } from '../abi/errno.js';
import { AT_FDCWD, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW } from '../abi/fcntl.js';
import { RLIMIT_STACK } from '../abi/resource.js';
import { MAX_ARG_STRLEN, ARG_MAX, _STK_LIM } from '../../elf-loader/stack.js';
import { AddressSpace } from '../mm/mm.js';
import { loadProgram, initialRegs, killAfterExec, STACK_SIZE, type InterpOpener } from '../kernel/exec.js';
import { HostFile } from '../fs/hostfile.js';
import { pathArg, lookup, host, credsOf, hostViewStat } from './sys_path.js';
import { permission, allowed, MAY_EXEC, MAY_READ } from '../vfs/perm.js';
import { S_IFMT, S_IFREG, S_IFLNK, S_ISUID, S_ISGID, S_IXGRP } from '../abi/stat.js';
import { MS_NOSUID, type Dentry } from '../vfs/namespace.js';
import { InodeFile } from '../vfs/inodefile.js';
import { suidDumpable } from '../fs/hostinfo.js';
import { SECBIT_KEEP_CAPS } from './sys_prctl.js';
import type { InodeAttrs } from '../vfs/api.js';
import { setTaskName } from './sys_process.js';
import { signalsOnExec } from '../kernel/signals.js';
import { deThread } from '../kernel/thread.js';
import type { Task, Process, Credentials } from '../kernel/task.js';

/** PER_CLEAR_ON_SETID: READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, ADDR_COMPAT_LAYOUT, MMAP_PAGE_ZERO. */
const PER_CLEAR_ON_SETID = 0x0400000 | 0x0040000 | 0x0200000 | 0x0100000;

/** binfmt_script reads this much of the file (BINPRM_BUF_SIZE). */
const BINPRM_BUF_SIZE = 256;
/** exec_binprm allows the file itself plus this many interpreter rewrites. */
export const MAX_REWRITES = 5;

/** The executable file found for a path: its bytes and what /proc/PID/exe shows for it. */
export interface ExecFile {
  data: Uint8Array; exe: string; dev?: number; ino?: bigint;
  /** What stat(2) shows of it: the set-id bits and owner decide the new credentials. */
  attrs?: { mode: number; uid: number; gid: number };
  /** Its mount is nosuid (the instance's mount flags, or the host's for a host file). */
  nosuid?: boolean;
}

// ---- arguments ------------------------------------------------------------------------------
/**
 * The byte limit on argument and environment strings plus their pointers (bprm_stack_limits):
 * a quarter of RLIMIT_STACK, at most 3/4 of _STK_LIM, at least ARG_MAX. Reading stops with
 * E2BIG as soon as it is exceeded; loadProgram checks the exact figure again.
 */
function argLimit(p: Process): number {
  const rlim = p.rlimits.get(RLIMIT_STACK)?.[0] ?? STACK_SIZE;
  return Math.max(ARG_MAX, Math.min(rlim / 4, (_STK_LIM / 4) * 3));
}

/** A NULL-terminated array of string pointers (argv, envp); a NULL array is empty. */
function readStrings(t: Task, addr: number, budget: { left: number }): string[] {
  const out: string[] = [];
  if (addr === 0) return out;
  const mm = t.process.mm;
  for (let at = addr; ; at += 8) {
    const ptr = Number(mm.readU64(at));
    if (ptr === 0) return out;
    budget.left -= 8;
    const s = mm.readCString(ptr, MAX_ARG_STRLEN);
    if (s === null) fail(E2BIG); // longer than MAX_ARG_STRLEN
    budget.left -= Buffer.byteLength(s) + 1;
    if (budget.left < 0) fail(E2BIG);
    out.push(s);
  }
}

// ---- finding the file -----------------------------------------------------------------------
/** Reads a whole host file through an open descriptor (fexecve, /proc/self/fd/N). */
function readHostFd(fd: number): Uint8Array {
  const size = Number(fs.fstatSync(fd).size);
  const data = new Uint8Array(size);
  let off = 0;
  while (off < size) {
    const n = fs.readSync(fd, data, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return data.subarray(0, off);
}

/**
 * The file an open description refers to, if it can be executed: a regular host file, or a
 * file of lxcore's own filesystems (volfs, tmpfs, an O_TMPFILE or memfd file).
 */
function fileOfDescription(t: Task, f: unknown): ExecFile {
  if (f instanceof InodeFile) return execOfDentry(t, f.dentry, f.path);
  if (!(f instanceof HostFile)) fail(EACCES);
  if (f.dentry) {
    // A drvfs file: its status is the mount's view (HostFile.stat), as for exec by path.
    const v = f.stat();
    if ((v.mode & S_IFMT) !== S_IFREG) fail(EACCES);
    return { data: host(() => readHostFd(f.hostFd)), exe: f.path, dev: v.dev, ino: v.ino,
      attrs: { mode: v.mode, uid: v.uid, gid: v.gid }, nosuid: (f.dentry.mount.flags & MS_NOSUID) !== 0 };
  }
  const st = host(() => fs.fstatSync(f.hostFd));
  if (!st.isFile()) fail(EACCES);
  let exe = f.path;
  try { exe = realpathHost(f.path); } catch { /* unlinked or renamed: keep the name it had */ }
  return { data: host(() => readHostFd(f.hostFd)), exe, dev: st.dev, ino: BigInt(st.ino),
    attrs: { mode: st.mode, uid: st.uid, gid: st.gid }, nosuid: (st.mode & (S_ISUID | S_ISGID)) !== 0 && hostNosuid(exe) };
}

/** A file of the instance's own filesystems, read through its inode (may_open's checks first). */
function execOfDentry(t: Task, d: Dentry, exe: string): ExecFile {
  const a = d.inode.attrs();
  if ((a.mode & S_IFMT) === S_IFLNK) fail(ELOOP);
  if ((a.mode & S_IFMT) !== S_IFREG) fail(EACCES);
  if (d.mount.noexec) fail(EACCES); // may_open: a noexec mount
  permission(credsOf(t), a, MAY_EXEC);
  return { data: d.inode.readAll(), exe, dev: d.inode.fs.dev, ino: BigInt(d.inode.ino),
    attrs: a, nosuid: (d.mount.flags & MS_NOSUID) !== 0 };
}

/** open_exec: a regular file the caller may execute; ENOENT, ENOTDIR, ELOOP, EACCES as Linux. */
function openExec(t: Task, dirfd: number, path: string, flags: number): ExecFile {
  if (path === '' && (flags & AT_EMPTY_PATH)) return fileOfDescription(t, t.process.fds.get(dirfd));
  const follow = (flags & AT_SYMLINK_NOFOLLOW) === 0;
  const r = lookup(t, dirfd, path, follow);
  // A file of the instance's own filesystem (volfs): read it through its inode.
  if ('dentry' in r) return execOfDentry(t, r.dentry, r.path);
  if (!('host' in r)) {
    // wasl's own trees hold no executables; a magic link (/proc/PID/fd/N) opens what it names.
    if (r.node.kind === 'link' && r.node.magic) return fileOfDescription(t, r.node.magic(t));
    if (r.node.kind === 'link') fail(ELOOP); // not followed: AT_SYMLINK_NOFOLLOW
    return fail(EACCES);
  }
  if (r.vfsDentry) {
    // A drvfs file: the mount's view decides (its modes and owners, as stat shows them), the
    // guest's credentials are checked against it, and set-id bits are those of the view.
    const v = hostViewStat(r.vfsDentry, r.host);
    if ((v.mode & S_IFMT) === S_IFLNK) fail(ELOOP);
    if ((v.mode & S_IFMT) !== S_IFREG) fail(EACCES);
    if (r.mount?.noexec) fail(EACCES);
    permission(credsOf(t), v, MAY_EXEC);
    const data = host(() => new Uint8Array(fs.readFileSync(r.host)));
    return { data, exe: r.path ?? r.host, dev: v.dev, ino: v.ino, attrs: { mode: v.mode, uid: v.uid, gid: v.gid },
      nosuid: ((r.mount?.flags ?? 0) & MS_NOSUID) !== 0 || ((v.mode & (S_ISUID | S_ISGID)) !== 0 && hostNosuid(r.host)) };
  }
  const st = host(() => (follow ? fs.statSync(r.host) : fs.lstatSync(r.host)));
  if (st.isSymbolicLink()) fail(ELOOP);
  if (!st.isFile()) fail(EACCES); // directories, devices, FIFOs (do_open_execat)
  if (r.mount?.noexec) fail(EACCES);
  host(() => fs.accessSync(r.host, fs.constants.X_OK));
  const data = host(() => new Uint8Array(fs.readFileSync(r.host)));
  // In a namespace (a drvfs file) the walk has resolved every symlink: the guest path is the
  // canonical one, and the host's path must not show in /proc/PID/exe or /proc/PID/maps.
  return { data, exe: r.path ?? host(() => realpathHost(r.host)), dev: st.dev, ino: BigInt(st.ino),
    attrs: { mode: st.mode, uid: st.uid, gid: st.gid },
    nosuid: ((r.mount?.flags ?? 0) & MS_NOSUID) !== 0 || ((st.mode & (S_ISUID | S_ISGID)) !== 0 && hostNosuid(r.host)) };
}

/**
 * Whether the host mounts `path` nosuid (the mount with the longest mount point above its real
 * path in /proc/self/mountinfo, whose per-mount options are the sixth field). Unknown: no.
 */
function hostNosuid(path: string): boolean {
  let real: string, info: string;
  try {
    real = realpathHost(path);
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch { return false; }
  const unescape = (f: string) => f.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  let best = '', nosuid = false;
  for (const line of info.split('\n')) {
    const f = line.split(' ');
    if (f.length < 6) continue;
    const at = unescape(f[4]);
    const inside = at === '/' || real === at || real.startsWith(at + '/');
    if (inside && at.length >= best.length) {
      best = at;
      nosuid = f[5].split(',').includes('nosuid');
    }
  }
  return nosuid;
}

/**
 * bprm_fill_uid + cap_bprm_creds_from_file: the credentials the new image runs with. A
 * set-user-ID file gives its owner as effective uid, a set-group-ID one (with group execute) its
 * group, unless the mount is nosuid or the process has no_new_privs; then the saved and
 * filesystem ids follow the effective ones. `secure` is AT_SECURE (bprm->secureexec): the
 * effective ids differ from the old real ones.
 */
function execCreds(p: Process, file: ExecFile): { creds: Credentials; secure: boolean } {
  const old = p.creds;
  let euid = old.euid, egid = old.egid;
  const a = file.attrs;
  if (a && !file.nosuid && !p.noNewPrivs) {
    if (a.mode & S_ISUID) euid = a.uid;
    if ((a.mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP)) egid = a.gid;
  }
  const creds: Credentials = { ...old, groups: [...old.groups], euid, suid: euid, fsuid: euid, egid, sgid: egid, fsgid: egid };
  return { creds, secure: euid !== old.uid || egid !== old.gid };
}

/**
 * How an exec finds a PT_INTERP's interpreter: open_exec() on its path, relative to the
 * caller's cwd if it is relative, through the same resolution as every guest path (the host
 * passthrough, or the instance's namespace under --isolated/--mount).
 */
export function interpreterOpener(t: Task): InterpOpener {
  return (path) => openExec(t, AT_FDCWD, path, 0);
}

// ---- binfmt_script ---------------------------------------------------------------------------
const spacetab = (c: number) => c === 0x20 || c === 0x09;
const terminator = (c: number) => spacetab(c) || c === 0;

/**
 * Parses a `#!` line as fs/binfmt_script.c does: the interpreter and at most one argument (the
 * rest of the line, inner blanks kept). Returns null if the file is not a script. ENOEXEC when
 * the line names no interpreter or the interpreter's name may be cut off by the 256-byte buffer.
 */
export function parseShebang(file: Uint8Array): { name: string; arg?: string } | null {
  if (file[0] !== 0x23 /* # */ || file[1] !== 0x21 /* ! */) return null;
  const buf = new Uint8Array(BINPRM_BUF_SIZE); // zero-padded, like bprm->buf for a short file
  buf.set(file.subarray(0, BINPRM_BUF_SIZE));
  const bufEnd = BINPRM_BUF_SIZE - 1;
  const nextNonSpacetab = (from: number, end: number) => {
    for (let i = from; i < end; i++) if (!spacetab(buf[i])) return i;
    return -1;
  };
  const nextTerminator = (from: number, end: number) => {
    for (let i = from; i < end; i++) if (terminator(buf[i])) return i;
    return -1;
  };
  let iEnd = buf.indexOf(0x0a);
  if (iEnd < 0) {
    const start = nextNonSpacetab(2, bufEnd);
    if (start < 0) fail(ENOEXEC); // nothing but blanks
    if (nextTerminator(start, bufEnd) < 0) fail(ENOEXEC); // the name may be truncated
    iEnd = bufEnd;
  }
  while (iEnd > 2 && spacetab(buf[iEnd - 1])) iEnd--;
  const iName = nextNonSpacetab(2, iEnd);
  if (iName < 0 || iName === iEnd) fail(ENOEXEC); // no interpreter name
  const iSep = nextTerminator(iName, iEnd);
  const text = (a: number, b: number) => Buffer.from(buf.subarray(a, b)).toString('utf8');
  // A NUL ends the name and drops the argument, as in Linux.
  if (iSep < 0) return { name: text(iName, iEnd) };
  const name = text(iName, iSep);
  if (buf[iSep] === 0) return { name };
  const iArg = nextNonSpacetab(iSep, iEnd);
  return iArg < 0 ? { name } : { name, arg: text(iArg, iEnd) };
}

export const isElf = (d: Uint8Array): boolean => d[0] === 0x7f && d[1] === 0x45 && d[2] === 0x4c && d[3] === 0x46;

/**
 * The ELF file a path runs, as execve finds it: the file itself, or — for a `#!` script — its
 * interpreter, with argv rewritten by binfmt_script's rule (at most MAX_REWRITES levels).
 * `filename` is the name the script is passed by. Also used to start a process in an instance
 * (Kernel.spawn with a guest path), which opens its program as the process itself would.
 */
export function findProgram(t: Task, dirfd: number, path: string, flags: number, argv: string[], filename: string,
  cloexecFd = false): { file: ExecFile; argv: string[] } {
  let file = openExec(t, dirfd, path, flags);
  let interp = filename;
  for (let depth = 0; ; depth++) {
    if (depth > MAX_REWRITES) fail(ELOOP);
    if (isElf(file.data)) break;
    const sh = parseShebang(file.data);
    if (!sh) fail(ENOEXEC);
    if (depth === 0 && cloexecFd) fail(ENOENT);
    argv = [sh.name, ...(sh.arg !== undefined ? [sh.arg] : []), interp, ...argv.slice(1)];
    interp = sh.name;
    file = openExec(t, AT_FDCWD, sh.name, 0);
  }
  return { file, argv };
}

// ---- the point of no return --------------------------------------------------------------------
function doExecve(t: Task, dirfd: number, pathAddr: number, argvAddr: number, envpAddr: number, flags: number): number {
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) fail(EINVAL);
  const p = t.process;
  const path = pathArg(t, pathAddr, (flags & AT_EMPTY_PATH) !== 0);
  const budget = { left: argLimit(p) };
  let argv = readStrings(t, argvAddr, budget);
  const envp = readStrings(t, envpAddr, budget);
  // Linux ≥ 5.18: an empty argv gets "" so that argv[0] exists for the interpreter to replace.
  if (argv.length === 0) argv = [''];

  // The name the program was asked for by (AT_EXECFN, and argv for a script's interpreter).
  let filename = path;
  const viaFd = (dirfd | 0) !== AT_FDCWD && !path.startsWith('/');
  if (viaFd) filename = path === '' ? `/dev/fd/${dirfd | 0}` : `/dev/fd/${dirfd | 0}/${path}`;

  // The interpreter reopens the script by name: a close-on-exec descriptor's name won't work.
  const cloexecFd = viaFd && !!p.fds.entry(dirfd | 0)?.cloexec;
  let file;
  ({ file, argv } = findProgram(t, dirfd | 0, path, flags, argv, filename, cloexecFd));

  const k = t.kernel;
  const mm = new AddressSpace(k.core, k.frames, k.refs);
  const { creds, secure } = execCreds(p, file);
  // would_dump(): a file the caller may not read leaves the process non-dumpable.
  const unreadable = !!file.attrs && !allowed(credsOf(t), { ...file.attrs } as InodeAttrs, MAY_READ);
  let entry;
  try {
    entry = loadProgram(mm, file.data, { path: file.exe, dev: file.dev, ino: file.ino }, argv, envp, filename, creds, interpreterOpener(t), secure);
  } catch (e) {
    mm.destroy();
    throw e;
  }

  // ---- point of no return: nothing below may fail.
  if (p.threads.length > 1) deThread(t); // the other threads die; the caller becomes the leader
  const old = p.mm;
  p.mm = mm;
  k.core.loadState(initialRegs(entry.entry, entry.sp));
  mm.activate();
  old.release(); // a vfork parent keeps it
  if (p.fds.users > 1) { // unshare_files: CLONE_FILES sharers keep the old table
    const own = p.fds.clone();
    p.fds.release();
    p.fds = own;
  }
  p.fds.closeOnExec();
  signalsOnExec(t); // handled signals to SIG_DFL, SIG_IGN stays; the mask and pending stay
  t.clearChildTid = 0;
  t.robustList = 0;
  t.robustListLen = 0;
  // The new identity (begin_new_exec): dumpable only if nothing changed hands; a secure exec
  // forgets the parent-death signal and the personality flags that weaken the layout.
  const changed = creds.euid !== p.creds.euid || creds.egid !== p.creds.egid || creds.fsuid !== p.creds.fsuid || creds.fsgid !== p.creds.fsgid;
  p.creds = creds;
  p.dumpable = unreadable || creds.euid !== creds.uid || creds.egid !== creds.gid ? suidDumpable() : 1;
  if (secure || changed) t.pdeathSignal = 0;
  if (secure) p.personality &= ~PER_CLEAR_ON_SETID;
  p.securebits &= ~SECBIT_KEEP_CAPS;
  setTaskName(t, filename);
  p.exe = file.exe;
  p.argv = argv;
  p.env = envp;
  p.execed = true;
  const vfork = p.vforkDone;
  p.vforkDone = undefined;
  vfork?.();
  if (entry.fatal) killAfterExec(k, t, entry.fatal);
  return 0;
}

/** execve(path, argv, envp). */
export function sysExecve(t: Task, pathAddr: number, argv: number, envp: number): number {
  return doExecve(t, AT_FDCWD, pathAddr, argv, envp, 0);
}

/** execveat(dirfd, path, argv, envp, flags): AT_EMPTY_PATH runs the file dirfd is (fexecve). */
export function sysExecveat(t: Task, dirfd: number, pathAddr: number, argv: number, envp: number, flags: number): number {
  return doExecve(t, dirfd, pathAddr, argv, envp, flags);
}

