// wasl's library API: run a Linux program from JavaScript. The CLI (cli/wasl.ts) is a thin user
// of this; the instance manager of DESIGN.md §6 (distributions, `wasl -d`) grows on top of it.
//
//   const status = await runProgram('./hello', { argv: ['hello', 'world'] });

import { fs, path, realpathHost } from './host.js';
import { Kernel, KernelOptions } from './kernel/kernel.js';
import { FdTable } from './vfs/file.js';
import { HostFile } from './fs/hostfile.js';
import { O_RDONLY, O_WRONLY, O_RDWR } from './abi/fcntl.js';
import { LinuxError, ENOENT, EACCES, ELOOP, EISDIR } from './abi/errno.js';
import { S_IFMT, S_IFDIR, S_IFREG } from './abi/stat.js';
import type { WalkContext } from './vfs/namespace.js';
import { parseShebang, isElf, MAX_REWRITES } from './syscalls/sys_exec.js';
import type { ExitStatus, Process, Credentials } from './kernel/task.js';
import { Console } from './tty/console.js';

export { Kernel } from './kernel/kernel.js';
export type { KernelOptions, SpawnOptions } from './kernel/kernel.js';
export type { ExitStatus, Process } from './kernel/task.js';
export { LinuxError } from './abi/errno.js';
export { GuestFs } from './vfs/guestfs.js';
export type { GuestIdentity, GuestStats } from './vfs/guestfs.js';
export { Console } from './tty/console.js';

export interface RunOptions extends KernelOptions {
  /** argv, argv[0] included; defaults to [program]. */
  argv?: string[];
  /** Environment as NAME=value strings; defaults to the host's. */
  env?: string[];
  /** Working directory (a host path, seen at the same path through the passthrough). */
  cwd?: string;
  /** Host descriptors for the guest's fds 0, 1, 2; defaults to the host's own 0, 1, 2. */
  stdio?: [number, number, number];
  /**
   * A terminal outside the instance, put behind one of lxcore's ptys: the guest's descriptors
   * marked in `fds` are its slave, which becomes the first process's controlling terminal.
   * spawnProgram returns the Console to feed input and resizes to.
   */
  terminal?: TerminalOptions;
  /** Credentials of the first process (a distribution's user); default: the host process's. */
  creds?: Partial<Credentials>;
  /** An instance made beforehand (to read its filesystem first); default: a new one from these options. */
  kernel?: Kernel;
  /** The program must be found in the instance's own filesystem, never on the host (`wasl -d`). */
  guestOnly?: boolean;
}

export interface TerminalOptions {
  /** Which of the guest's fds 0, 1, 2 are the terminal (the others are `stdio`'s). */
  fds: [boolean, boolean, boolean];
  cols?: number;
  rows?: number;
  /** Receives what the guest's terminal shows. */
  output(bytes: Uint8Array): void;
}

/** The host's environment in the NAME=value form a guest receives. */
export function hostEnv(): string[] {
  return Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
}

/** Finds `program` as a shell would: a path if it has a slash, else along the host's PATH. */
export function findProgram(program: string): string {
  if (program.includes('/')) return path.resolve(program);
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir || '.', program);
    try { if (fs.statSync(p).isFile()) return p; } catch { /* next */ }
  }
  throw new LinuxError(ENOENT, `${program}: not found on PATH`);
}

/** A descriptor table holding the given host fds as the guest's 0, 1, 2. */
export function stdioTable(fds: [number, number, number]): FdTable {
  const t = new FdTable();
  const modes = [O_RDONLY, O_WRONLY, O_WRONLY];
  fds.forEach((hostFd, i) => {
    let flags = modes[i];
    try {
      // Inherited descriptors keep their real access mode where the host can tell it.
      const fl = fs.fstatSync(hostFd);
      if (fl.isCharacterDevice()) flags = O_RDWR;
    } catch { /* a closed fd: reads and writes will fail with EBADF-like errors */ }
    // What the host's /proc says it is ("/dev/pts/0", "pipe:[1234]"): /proc/PID/fd shows it.
    let name = `/proc/self/fd/${i}`;
    try { name = fs.readlinkSync(`/proc/self/fd/${hostFd}`); } catch { /* not Linux: keep the generic name */ }
    t.installAt(i, new HostFile(hostFd, flags, name, false), false);
  });
  return t;
}

/** An executable as the first process gets it: its bytes and where they came from. */
interface ProgramFile { image: Uint8Array; exe: string; identity?: { dev: number; ino: bigint }; named?: string }

/** Reads a host file as a program (ENOENT/EACCES as the host says). */
function readHostProgram(path: string, named: string): ProgramFile {
  try {
    return { image: fs.readFileSync(path), exe: realpathHost(path) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LinuxError(code === 'EACCES' ? EACCES : ENOENT, `${named}: ${code}`);
  }
}

/** The walk context of the first process, before it exists: its cwd and credentials. */
function guestContext(kernel: Kernel, cwd: string, creds?: Partial<Credentials>): WalkContext {
  const ns = kernel.vfs!.ns;
  const c = { fsuid: creds?.uid ?? 0, fsgid: creds?.gid ?? 0, groups: creds?.groups ?? [] };
  const ctx: WalkContext = { root: ns.root, cwd: ns.root, creds: c };
  try { ctx.cwd = ns.resolve(ctx, ns.root, cwd); } catch { /* relative names fail as they would in the guest */ }
  return ctx;
}

/**
 * Reads `path` from the instance's own filesystem (a --root or --isolated volfs and its
 * mounts), following symlinks; throws LinuxError (ENOENT, EACCES, EISDIR, ...).
 */
export function readGuestFile(kernel: Kernel, path: string, ctx = guestContext(kernel, '/')): ProgramFile {
  const ns = kernel.vfs!.ns;
  const d = ns.resolve(ctx, ctx.cwd, path);
  const a = d.inode.attrs();
  if ((a.mode & S_IFMT) === S_IFDIR) throw new LinuxError(EISDIR, path);
  if ((a.mode & S_IFMT) !== S_IFREG) throw new LinuxError(EACCES, path);
  return { image: d.inode.readAll(), exe: ns.pathOf(d, ns.root), identity: { dev: d.inode.fs.dev, ino: BigInt(d.inode.ino) } };
}

/**
 * Finds `program` in the guest's filesystem as execvp(3) would: a name with a slash as it is
 * (relative to the cwd), else along the guest environment's PATH. Null if it is not there.
 */
function findGuestProgram(kernel: Kernel, program: string, env: string[], ctx: WalkContext): ProgramFile | null {
  const pathVar = env.find((kv) => kv.startsWith('PATH='))?.slice(5) ?? '/usr/local/bin:/usr/bin:/bin';
  const candidates = program.includes('/') ? [program] : pathVar.split(':').map((d) => `${d || '.'}/${program}`);
  let denied: LinuxError | null = null;
  for (const c of candidates) {
    try {
      return { ...readGuestFile(kernel, c, ctx), named: c }; // execvp passes this name on
    } catch (e) {
      if (!(e instanceof LinuxError)) throw e;
      if (e.errno === EACCES) denied = e; // execvp goes on, and reports EACCES if nothing else is found
    }
  }
  if (denied) throw denied;
  return null;
}

/** Starts `program` in a new kernel; returns the process (await `process.exited`). */
export function spawnProgram(program: string, o: RunOptions = {}): { kernel: Kernel; process: Process; console?: Console } {
  // The instance first: with its own filesystem, the program is looked up inside it.
  const kernel = o.kernel ?? new Kernel(o);
  try {
    return startIn(kernel, program, o);
  } catch (e) {
    if (!o.kernel) kernel.close(); // a --root store is released for the next one
    throw e;
  }
}

function startIn(kernel: Kernel, program: string, o: RunOptions): { kernel: Kernel; process: Process; console?: Console } {
  const env = o.env ?? hostEnv();
  const ownRoot = !!kernel.vfs && (kernel.options.isolated || kernel.options.root !== undefined || kernel.options.rootFs !== undefined);
  const cwd = o.cwd ?? (ownRoot ? '/' : process.cwd());
  // In an instance with its own root, the program and its #! interpreters come from the guest's
  // filesystem; a program found only on the host is still run from there unless `guestOnly`
  // (`wasl --isolated /bin/busybox ...` with a host busybox: docs/quirks.md).
  const ctx = ownRoot ? guestContext(kernel, cwd, o.creds) : undefined;
  let fromGuest = false;
  let file: ProgramFile;
  const guestFile = ctx ? findGuestProgram(kernel, program, env, ctx) : null;
  if (guestFile) { file = guestFile; fromGuest = true; }
  else if (o.guestOnly) throw new LinuxError(ENOENT, `${program}: not found in the distribution`);
  else file = readHostProgram(findProgram(program), program);
  const readInterpreter = (name: string): ProgramFile => {
    if (!fromGuest) return readHostProgram(name, `${program}: interpreter ${name}`);
    try { return readGuestFile(kernel, name, ctx); } catch (e) {
      throw e instanceof LinuxError ? new LinuxError(e.errno, `${program}: interpreter ${name}`) : e;
    }
  };
  // A `#!` script is rewritten into its interpreter as execve's binfmt_script does (at most
  // MAX_REWRITES levels); the interpreter is read from where the program was found.
  let argv = o.argv ?? [program];
  for (let depth = 0, named = program; !isElf(file.image); depth++) {
    const sh = parseShebang(file.image); // ENOEXEC for a #! line without an interpreter
    if (!sh) break; // neither ELF nor a script: the loader says ENOEXEC
    if (depth >= MAX_REWRITES) throw new LinuxError(ELOOP, `${program}: too many levels of #! interpreters`);
    argv = [sh.name, ...(sh.arg !== undefined ? [sh.arg] : []), named, ...argv.slice(1)];
    named = sh.name;
    file = readInterpreter(sh.name);
  }
  const stdio = stdioTable(o.stdio ?? [0, 1, 2]);
  let console: Console | undefined;
  if (o.terminal) {
    const term = o.terminal;
    console = new Console(kernel, o.creds?.uid ?? process.getuid?.() ?? 0, term.output, term.cols, term.rows);
    term.fds.forEach((on, fd) => { if (on) stdio.installAt(fd, console!.open(), false); });
  }
  const proc = kernel.spawn({
    image: file.image,
    exe: file.exe,
    execfn: guestFile?.named ?? (program.includes('/') ? program : findProgram(program)),
    argv,
    env,
    cwd,
    stdio,
    creds: o.creds,
    identity: file.identity,
  });
  // What the guest writes to these counts against the output cap (limits.output).
  for (let fd = 0; fd < 3; fd++) { try { stdio.get(fd).instanceOutput = true; } catch { /* closed */ } }
  console?.attach(proc);
  void kernel.run();
  return { kernel, process: proc, console };
}

/**
 * Runs `program` to completion and returns how it ended. With `root`, it also waits for the
 * processes it left behind and closes the store, so the next instance can open it.
 */
export async function runProgram(program: string, o: RunOptions = {}): Promise<ExitStatus> {
  const { kernel, process: p } = spawnProgram(program, o);
  const status = await p.exited;
  if (o.root !== undefined || o.rootFs) {
    await kernel.run();
    kernel.close();
  }
  return status;
}

// The instance manager (lxcore/instance/): boot a distribution's root with wasl's init, run
// processes in it, hear about their exits, terminate it.
export { createInstance, shutdownAll, isDistribution, Instance, InstanceProcess } from './instance/instance.js';
export type { InstanceOptions, ProcessOptions, ProcessExit, StdioSpec } from './instance/instance.js';
export type { WaslConf, ConfOverrides } from './instance/conf.js';
export { parseConf, defaultConf } from './instance/conf.js';
