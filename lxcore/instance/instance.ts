// The instance manager's library API (DESIGN.md §6), shaped after wslservice's: an Instance is one
// running distribution — a kernel, its namespace over the distribution's root, and init as pid 1
// (init.ts) — into which the host creates processes (argv, env, cwd, user, stdio as Node streams
// or a terminal), hears about their exits, and which it terminates. Registration of
// distributions (names, the registry, import/export) is the distro module's: an Instance takes a
// root store — an open Filesystem or a volfs store's host directory — never a name.
//
//   const inst = await createInstance({ rootDir: '/var/lib/wasl/debian' });
//   const p = inst.createProcess({ argv: ['/bin/sh', '-c', 'echo hi'], stdio: ['pipe', 'pipe', 'pipe'] });
//   p.stdout!.pipe(process.stdout);
//   await p.exited;
//   await inst.terminate();

import { EventEmitter } from 'node:events';
import { fs, os } from '../host.js';
import type { Readable, Writable } from 'node:stream';
import { Kernel, KernelOptions } from '../kernel/kernel.js';
import { Process, ExitStatus, signaledStatus } from '../kernel/task.js';
import { FdTable, FileDescription } from '../vfs/file.js';
import { HostFile } from '../fs/hostfile.js';
import { O_RDWR } from '../abi/fcntl.js';
import { S_IFMT, S_IFDIR, S_IFREG } from '../abi/stat.js';
import { SIGKILL, SIGTERM } from '../abi/signal.js';
import { siKill, SI_USER } from '../abi/siginfo.js';
import { LinuxError, ENOENT } from '../abi/errno.js';
import { sendSignalInfo } from '../kernel/signals.js';
import { Console } from '../tty/console.js';
import type { MountSpec, Vfs } from '../vfs/vfs.js';
import type { Filesystem } from '../vfs/api.js';
import type { InstanceLimits } from '../kernel/limits.js';
import type { DiskStoreOptions } from '../../volfs/diskstore.js';
import { WaslConf, ConfOverrides, defaultConf, parseConf, applyOverrides } from './conf.js';
import { Init, writeNetworkFiles } from './init.js';
import { readText, getpwnam, groupsOf, PasswdEntry } from './etc.js';
import { guestInput, guestOutput } from './stdio.js';

export interface InstanceOptions {
  /** The distribution's root filesystem, already open (e.g. a volfs the distro module opened). */
  root?: Filesystem;
  /** Or: a host directory holding a persistent volfs store (made if empty); one instance at a time. */
  rootDir?: string;
  rootOptions?: DiskStoreOptions;
  /** Host directories mounted into the instance (drvfs), as `--mount`. */
  mounts?: MountSpec[];
  /**
   * Settings over the distribution's /etc/wasl.conf: ini text that replaces the file, or
   * section values applied on top of it.
   */
  conf?: string | ConfOverrides;
  limits?: InstanceLimits;
  network?: 'host' | 'none';
  /** As KernelOptions: where the DNS stub forwards, per-syscall statistics, the compiler tier. */
  dnsUpstream?: string;
  syscallStats?: boolean;
  jit?: boolean;
  strace?: (line: string) => void;
  /** wasl's diagnostics: unimplemented syscalls, the boot command's output (and, without `warn`,
   *  the warnings). */
  log?: (line: string) => void;
  /** Problems a user should see (wasl.conf's bad lines, a [boot] command that fails); each line
   *  starts "wasl: ". Default: to `log`. The CLI sends them to stderr, as wsl.exe prints them. */
  warn?: (line: string) => void;
}

/** One of fds 0-2: a Node stream on the handle ('pipe'), /dev/null ('ignore'), or a host fd. */
export type StdioSpec = 'pipe' | 'ignore' | number;

export interface ProcessOptions {
  /** argv; argv[0] is the program (a path, or a name looked up along PATH). Default: the user's
   *  login shell from /etc/passwd, as a login shell ("-bash"). */
  argv?: string[];
  /** The program, when it is not argv[0] (a path, or a name looked up along PATH). */
  program?: string;
  /** NAME=value strings; default: HOME, USER, LOGNAME, SHELL, PATH (and TERM with a terminal). */
  env?: string[];
  /** Working directory in the instance; default: the user's home, or / if it has none. */
  cwd?: string;
  /** A user name or uid from /etc/passwd; default: wasl.conf's [user] default. */
  user?: string;
  /** Default ['pipe', 'pipe', 'pipe']; ignored for fds a terminal takes. */
  stdio?: [StdioSpec, StdioSpec, StdioSpec];
  /** One of lxcore's pseudo-terminals as fds 0-2 and the controlling terminal; the handle's
   *  `console` takes input and resizes. */
  terminal?: { cols?: number; rows?: number; output(bytes: Uint8Array): void; fds?: [boolean, boolean, boolean] };
}

/** What the instance's 'exit' event carries: a child of init that ended and was reaped. */
export interface ProcessExit { pid: number; status: ExitStatus; argv: string[]; created: boolean }

/** A process created by the host. Emits 'exit' (ExitStatus) once init has reaped it. */
export class InstanceProcess extends EventEmitter {
  readonly pid: number;
  readonly stdin?: Writable;
  readonly stdout?: Readable;
  readonly stderr?: Readable;
  /** The terminal's host side, when created with `terminal`: input(bytes), resize(cols, rows). */
  readonly console?: Console;
  /** Resolves with how it ended, once it is reaped (before the 'exit' event). */
  readonly exited: Promise<ExitStatus>;
  private settle!: (s: ExitStatus) => void;

  constructor(readonly process: Process, streams: { stdin?: Writable; stdout?: Readable; stderr?: Readable; console?: Console }) {
    super();
    this.pid = process.pid;
    Object.assign(this, streams);
    this.exited = new Promise((r) => { this.settle = r; });
  }

  /** kill(2) from outside the instance (si_pid 0); false once it has ended. */
  kill(sig = SIGTERM): boolean {
    const p = this.process;
    if (p.status) return false;
    sendSignalInfo(p.kernel, p, null, sig, siKill(sig, SI_USER, 0, 0));
    return true;
  }

  /** @internal init reaped it. */
  ended(status: ExitStatus): void {
    this.settle(status);
    this.emit('exit', status);
  }
}

const live = new Set<Instance>();

/** Whether `root` holds a distribution (an os-release(5) file), rather than an empty store. */
export function isDistribution(root: Filesystem): boolean {
  try {
    const etc = root.root().lookup('etc');
    if (etc?.lookup('os-release')) return true;
    return !!root.root().lookup('usr')?.lookup('lib')?.lookup('os-release');
  } catch {
    return false; // no such directory, or not one
  }
}

/** Boots an instance: init, its mounts and generated files, then the [boot] command (awaited). */
export async function createInstance(o: InstanceOptions = {}): Promise<Instance> {
  const inst = new Instance(o);
  await inst.boot();
  return inst;
}

/** Terminates every running instance (wsl --shutdown). */
export async function shutdownAll(): Promise<void> {
  await Promise.all([...live].map((i) => i.terminate()));
}

// login(1)'s PATH (Debian's /etc/login.defs): ENV_SUPATH for root, ENV_PATH for other users.
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const USER_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games';

export class Instance extends EventEmitter {
  readonly kernel: Kernel;
  readonly vfs: Vfs;
  readonly conf: WaslConf;
  readonly init: Init;
  private readonly handles = new Map<number, InstanceProcess>();
  private readonly consoles = new Set<Console>();
  private terminating?: Promise<void>;
  private readonly warn: (msg: string) => void;
  private readonly log: (msg: string) => void;

  /** Use createInstance(): booting awaits the boot command. */
  constructor(o: InstanceOptions) {
    super();
    if (!o.root && o.rootDir === undefined) throw new TypeError('createInstance: give `root` (a filesystem) or `rootDir` (a volfs store directory)');
    this.log = (msg) => o.log?.(`wasl: ${msg}`);
    this.warn = (msg) => (o.warn ?? o.log)?.(`wasl: ${msg}`);
    const ko: KernelOptions = {
      rootFs: o.root, root: o.root ? undefined : o.rootDir, rootOptions: o.rootOptions, mounts: o.mounts,
      limits: o.limits, network: o.network, strace: o.strace, log: o.log, firstPid: 1,
      dnsUpstream: o.dnsUpstream, syscallStats: o.syscallStats, jit: o.jit,
    };
    this.kernel = new Kernel(ko);
    this.vfs = this.kernel.vfs!;
    // Whatever fails from here on (a mount point that is a file …) must not leave the store locked.
    try {
      const conf = defaultConf(os.hostname());
      const text = typeof o.conf === 'string' ? o.conf : readText(this.vfs, '/etc/wasl.conf');
      if (text !== null) parseConf(text, conf, this.warn);
      if (typeof o.conf === 'object') applyOverrides(conf, o.conf);
      if (conf.interop.enabled) {
        // WSL's interop runs Windows programs from Linux; wasl does not run host programs at all.
        if (text !== null && /^\s*\[interop\]/im.test(text)) this.warn('/etc/wasl.conf: [interop] enabled has no effect: wasl cannot run host programs');
      }
      // sethostname(2)'s limit is 64 bytes (HOST_NAME_MAX); blanks would break /etc/hosts.
      const hn = conf.network.hostname;
      if (!hn || Buffer.byteLength(hn) > 64 || /[\s\x00-\x1f]/.test(hn)) {
        this.warn(`/etc/wasl.conf: [network] hostname "${hn}" is not a valid hostname (1-64 bytes, no blanks); using the host's`);
        conf.network.hostname = os.hostname();
      }
      this.conf = conf;
      this.kernel.hostname = conf.network.hostname;
      this.init = new Init(this.kernel, (c) => this.reaped(c));
      this.init.mountAll(this.vfs, conf, this.warn);
      writeNetworkFiles(this.vfs, conf, this.warn);
    } catch (e) {
      this.kernel.close();
      throw e;
    }
    live.add(this);
    void this.kernel.run();
  }

  /** @internal Runs [boot] command as root with /bin/sh -c, its output to the log; waits for it. */
  async boot(): Promise<void> {
    const cmd = this.conf.boot.command;
    if (!cmd) return;
    let p: InstanceProcess;
    try {
      p = this.createProcess({ argv: ['/bin/sh', '-c', cmd], user: 'root', cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      this.warn(`[boot] command: ${(e as Error).message}`);
      return;
    }
    for (const s of [p.stdout!, p.stderr!]) {
      let rest = '';
      s.on('data', (d: Buffer) => {
        const lines = (rest + d.toString()).split('\n');
        rest = lines.pop()!;
        for (const l of lines) this.log(`[boot] ${l}`);
      });
      s.on('end', () => { if (rest) this.log(`[boot] ${rest}`); });
    }
    const st = await p.exited;
    if (st.code !== 0) this.warn(`[boot] command ${st.signal !== null ? `killed by signal ${st.signal}` : `exited with status ${st.code}`}`);
  }

  /** The instance's uname nodename. */
  get hostname(): string { return this.conf.network.hostname; }

  /**
   * Starts a process as a child of init, in a session of its own (as WSL starts each command
   * it is given). Throws LinuxError (ENOENT, EACCES, ENOEXEC …) if the program cannot run, or
   * an Error if the user is not in /etc/passwd or the instance is terminating.
   */
  createProcess(o: ProcessOptions = {}): InstanceProcess {
    if (this.terminating || this.init.process.status) throw new Error('createProcess: the instance is terminating');
    const userName = o.user ?? this.conf.user.default;
    let pw = getpwnam(this.vfs, userName);
    if (!pw) {
      if (o.user !== undefined || userName !== 'root') {
        if (o.user !== undefined) throw new Error(`createProcess: no user "${userName}" in /etc/passwd`);
        this.warn(`/etc/wasl.conf: [user] default = ${userName}: no such user in /etc/passwd; running as root`);
      }
      pw = getpwnam(this.vfs, 'root') ?? { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' };
    }
    const shell = pw.shell || '/bin/sh';
    const argv = o.argv?.length ? o.argv : ['-' + shell.slice(shell.lastIndexOf('/') + 1)];
    const env = o.env ?? this.defaultEnv(pw, shell, !!o.terminal);
    const program = o.program !== undefined ? this.findProgram(o.program, env) : o.argv?.length ? this.findProgram(argv[0], env) : shell;
    const cwd = o.cwd ?? (this.isDir(pw.home) ? pw.home : '/');
    // As chdir(2) would answer before the program starts (a relative cwd is taken from /).
    if (o.cwd !== undefined && !this.isDir(o.cwd)) throw new LinuxError(ENOENT, `createProcess: cwd ${o.cwd} is not a directory of the instance`);

    const stdio = new FdTable();
    const streams: { stdin?: Writable; stdout?: Readable; stderr?: Readable; console?: Console } = {};
    const specs = o.stdio ?? ['pipe', 'pipe', 'pipe'];
    let console: Console | undefined;
    if (o.terminal) {
      console = new Console(this.kernel, pw.uid, o.terminal.output, o.terminal.cols, o.terminal.rows);
      streams.console = console;
    }
    for (let fd = 0; fd < 3; fd++) {
      const onTerminal = console && (o.terminal!.fds?.[fd] ?? true);
      stdio.installAt(fd, onTerminal ? console!.open() : this.stdioFile(fd, specs[fd], pw, streams), false);
    }
    let proc: Process;
    try {
      proc = this.kernel.spawn({
        path: program, exe: program, execfn: program, argv, env, cwd, stdio,
        creds: { uid: pw.uid, gid: pw.gid, groups: groupsOf(this.vfs, pw.name, pw.gid) },
        parent: this.init.process, newSession: true,
      });
    } catch (e) {
      stdio.release();
      console?.close();
      streams.stdin?.destroy();
      throw e;
    }
    if (console) {
      console.attach(proc);
      this.consoles.add(console);
    }
    const h = new InstanceProcess(proc, streams);
    this.handles.set(proc.pid, h);
    return h;
  }

  /** Ends every process, then init; the filesystems are synced and released. Idempotent. */
  terminate(): Promise<void> {
    this.terminating ??= (async () => {
      const k = this.kernel;
      for (const p of [...k.processes.values()]) {
        if (p !== this.init.process && !p.status) k.exitProcess(p, signaledStatus(SIGKILL, false));
      }
      k.exitProcess(this.init.process, signaledStatus(SIGKILL, false));
      await k.run();
      for (const c of this.consoles) c.close();
      k.close();
      live.delete(this);
      this.emit('terminated');
    })();
    return this.terminating;
  }

  private reaped(c: Process): void {
    const h = this.handles.get(c.pid);
    this.handles.delete(c.pid);
    const status = c.status!;
    h?.ended(status);
    if (h?.console) { h.console.flush(); this.consoles.delete(h.console); h.console.close(); }
    this.emit('exit', { pid: c.pid, status, argv: c.argv, created: !!h } satisfies ProcessExit);
  }

  /** The environment createProcess gives `user` when it is given none (the CLI adds -E to it). */
  defaultEnvOf(user: string, terminal: boolean): string[] {
    const pw = getpwnam(this.vfs, user) ?? getpwnam(this.vfs, 'root') ?? { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' };
    return this.defaultEnv(pw, pw.shell || '/bin/sh', terminal);
  }

  private defaultEnv(pw: PasswdEntry, shell: string, terminal: boolean): string[] {
    return [
      `HOME=${pw.home}`, `USER=${pw.name}`, `LOGNAME=${pw.name}`, `SHELL=${shell}`, `PATH=${pw.uid === 0 ? DEFAULT_PATH : USER_PATH}`,
      'HOSTTYPE=x86_64', ...(terminal ? ['TERM=xterm-256color'] : []),
    ];
  }

  private isDir(path: string): boolean {
    const ctx = { root: this.vfs.ns.root, cwd: this.vfs.ns.root, creds: { fsuid: 0, fsgid: 0, groups: [] } };
    try { return (this.vfs.ns.resolve(ctx, ctx.root, path).inode.attrs().mode & S_IFMT) === S_IFDIR; } catch { return false; }
  }

  /** execvp(3)'s search: a name without a slash is looked for along the PATH of `env`. */
  private findProgram(name: string, env: string[]): string {
    if (name.includes('/')) return name;
    const path = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
    const ctx = { root: this.vfs.ns.root, cwd: this.vfs.ns.root, creds: { fsuid: 0, fsgid: 0, groups: [] } };
    for (const dir of path.split(':')) {
      const p = `${dir || '.'}/${name}`;
      try {
        if ((this.vfs.ns.resolve(ctx, ctx.root, p).inode.attrs().mode & S_IFMT) === S_IFREG) return p;
      } catch { /* next */ }
    }
    throw new LinuxError(ENOENT, `${name}: not found on PATH`);
  }

  private stdioFile(fd: number, spec: StdioSpec, pw: PasswdEntry,
    streams: { stdin?: Writable; stdout?: Readable; stderr?: Readable }): FileDescription {
    if (spec === 'pipe') {
      if (fd === 0) {
        const { end, stream } = guestInput(pw.uid, pw.gid);
        streams.stdin = stream;
        return end;
      }
      const { end, stream } = guestOutput(pw.uid, pw.gid);
      if (fd === 1) streams.stdout = stream; else streams.stderr = stream;
      return end;
    }
    if (spec === 'ignore') return new HostFile(fs.openSync('/dev/null', 'r+'), O_RDWR, '/dev/null', true);
    let name = `/proc/self/fd/${fd}`;
    try { name = fs.readlinkSync(`/proc/self/fd/${spec}`); } catch { /* keep the generic name */ }
    return new HostFile(spec, O_RDWR, name, false);
  }
}
