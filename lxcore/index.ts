// wasl's library API: run a Linux program from JavaScript. The CLI (cli/wasl.ts) is a thin user
// of this; the instance manager of DESIGN.md §6 (distributions, `wasl -d`) grows on top of it.
//
//   const status = await runProgram('./hello', { argv: ['hello', 'world'] });

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel, KernelOptions } from './kernel/kernel.js';
import { FdTable } from './vfs/file.js';
import { HostFile } from './fs/hostfile.js';
import { O_RDONLY, O_WRONLY, O_RDWR } from './abi/fcntl.js';
import { LinuxError, ENOENT, EACCES, ELOOP } from './abi/errno.js';
import { parseShebang, isElf, MAX_REWRITES } from './syscalls/sys_exec.js';
import type { ExitStatus, Process } from './kernel/task.js';
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

/** Starts `program` in a new kernel; returns the process (await `process.exited`). */
export function spawnProgram(program: string, o: RunOptions = {}): { kernel: Kernel; process: Process; console?: Console } {
  const exe = findProgram(program);
  let image: Uint8Array;
  try {
    image = fs.readFileSync(exe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LinuxError(code === 'EACCES' ? EACCES : ENOENT, `${program}: ${code}`);
  }
  // A `#!` script is rewritten into its interpreter as execve's binfmt_script does (at most
  // MAX_REWRITES levels); the interpreter, like the program, is read from the host.
  let argv = o.argv ?? [program];
  let realExe = fs.realpathSync(exe);
  for (let depth = 0, named = program; !isElf(image); depth++) {
    const sh = parseShebang(image); // ENOEXEC for a #! line without an interpreter
    if (!sh) break; // neither ELF nor a script: the loader says ENOEXEC
    if (depth >= MAX_REWRITES) throw new LinuxError(ELOOP, `${program}: too many levels of #! interpreters`);
    argv = [sh.name, ...(sh.arg !== undefined ? [sh.arg] : []), named, ...argv.slice(1)];
    named = sh.name;
    try {
      image = fs.readFileSync(sh.name);
      realExe = fs.realpathSync(sh.name);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new LinuxError(code === 'EACCES' ? EACCES : ENOENT, `${program}: interpreter ${sh.name}: ${code}`);
    }
  }
  const kernel = new Kernel(o);
  const stdio = stdioTable(o.stdio ?? [0, 1, 2]);
  let console: Console | undefined;
  if (o.terminal) {
    const term = o.terminal;
    console = new Console(kernel, process.getuid?.() ?? 0, term.output, term.cols, term.rows);
    term.fds.forEach((on, fd) => { if (on) stdio.installAt(fd, console!.open(), false); });
  }
  const proc = kernel.spawn({
    image,
    exe: realExe,
    execfn: program.includes('/') ? program : exe,
    argv,
    env: o.env ?? hostEnv(),
    cwd: o.cwd ?? (o.isolated || o.root !== undefined ? '/' : process.cwd()),
    stdio,
  });
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
  if (o.root !== undefined) {
    await kernel.run();
    kernel.close();
  }
  return status;
}
