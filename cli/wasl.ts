#!/usr/bin/env node
// `wasl [options] PROGRAM [ARGS...]` — run an x86-64 Linux program, qemu-user style: the host's
// environment, cwd and stdio; the guest's exit status (or 128+signal) becomes wasl's.

import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { spawnProgram, findProgram, hostEnv, LinuxError, createInstance } from '../lxcore/index.js';
import { isDistribution, Instance } from '../lxcore/instance/instance.js';
import { openVolfsStore } from '../lxcore/vfs/vfs.js';
import type { Volfs } from '../volfs/volfs.js';
import { errnoText, ENOENT } from '../lxcore/abi/errno.js';
import { parseMountSpec, MountSpec } from '../lxcore/vfs/vfs.js';
import { InstanceLimits, parseSize, resolveLimits } from '../lxcore/kernel/limits.js';

import { openHostTerminal, HostTerminal } from './hostterm.js';
import { isManagementCommand, DISTRO_USAGE } from './commands.js';
// ./distro.js (the distribution commands, -d) is imported when used: most runs need neither it
// nor the Node modules it pulls in (issue #11, start-up).
import type { DistroRun } from './distro.js';
import { getpwnam } from '../lxcore/instance/etc.js';
import { provideCoreModule } from '../lxcore/kernel/core.js';

// Start-up (issue #11): V8 optimises a wasm function with TurboFan once Liftoff code has run
// --wasm-tiering-budget "bytes"; the core's interpreter loop reaches the default (1.8 M) within
// the first milliseconds of any program, and optimising it costs ~100 ms of CPU — a third of a
// static hello. A budget 100× larger keeps short programs on Liftoff code and tiers up long ones
// a fraction of a second later (measured in docs/architecture.md). Set here, before the core
// module is compiled, and only in the CLI's own process (the library leaves V8's flags alone).
// The launcher (cli/launch.ts) sets it, and the other flags, before the bundle is compiled; node:v8
// is then never loaded (tools/bundle-cli.mjs makes it a module loaded at first use).
if (!(globalThis as Record<symbol, unknown>)[Symbol.for('wasl.v8Flags')]) setFlagsFromString('--wasm-tiering-budget=200000000');

const USAGE = `usage: wasl [options] PROGRAM [ARGS...]

Runs an x86-64 Linux program (static or dynamically linked) in WebAssembly (wasl: WebAssembly
Subsystem for Linux).

options:
  --strace             print each syscall with decoded arguments and result to stderr
  --syscall-stats[=FILE]  at exit, per-syscall counts, errors and host time of every process
                       (strace -c's table) and a log2 latency histogram per syscall, to
                       stderr or to FILE
  --log FILE           write wasl's own diagnostics (unimplemented syscalls, faults) to FILE
                       ("-" or "stderr" for standard error); also WASL_LOG=FILE
  -E, --env VAR=VALUE  set a variable in the guest's environment (repeatable)
  -U, --unset VAR      remove a variable from the guest's environment (repeatable)
  -0, --argv0 NAME     pass NAME as argv[0] instead of PROGRAM
  --isolated           no host filesystem: an empty in-memory volfs at /, wasl's own /proc,
                       /dev and /sys, and only the directories given with --mount
  --root DIR           a persistent volfs at / kept in host directory DIR (made, with the
                       --isolated skeleton, if missing or empty; one wasl at a time uses it).
                       If it holds a distribution (/etc/os-release), wasl boots it: init as
                       pid 1, /etc/wasl.conf applied, and PROGRAM is found in the distribution
                       (along its PATH), run as wasl.conf's default user in its home directory
                       with a login environment (HOME, USER, SHELL, PATH; -E/-U apply to it)
  --mount GUEST=HOST[:opts]  mount host directory HOST at GUEST (drvfs); opts are WSL's:
                       metadata, ro, uid=, gid=, umask=, fmask=, dmask=, case=off|dir|force
  --memory SIZE        cap the instance's guest memory (e.g. 256M, 2G); past it the process
                       touching a new page is killed by SIGKILL, as by Linux's OOM killer
  --max-tasks N        cap processes and threads alive at once (fork/clone fail with EAGAIN)
  --max-files N        cap open files per process (RLIMIT_NOFILE's ceiling; EMFILE)
  --cpu-time SECONDS   cap the instance's CPU time; when spent, every process is killed
  --max-output SIZE    cap what the instance writes to its stdout, stderr and terminal (e.g.
                       10M); past it a write gets SIGXFSZ, then EFBIG, as past RLIMIT_FSIZE
  --host-tty           a terminal on stdin is passed through to the guest as it is (host
                       ioctls, no job control) instead of being put behind a lxcore pty
  --jit, --no-jit      compile hot guest code to wasm (the compiler tier), or run it in the
                       interpreter alone; the default is --jit (also WASL_JIT=1/0)
  --network=MODE       host (default): sockets reach the host's network as the wasl process
                       may; none: no IP sockets (socket(AF_INET*) fails with EACCES; AF_UNIX
                       still works); see docs/security.md
  --dns-upstream=HOST[:PORT]  where the DNS stub at 10.255.255.254:53 forwards (default: the
                       host's first nameserver in /etc/resolv.conf)
  -h, --help           this text
  --version            wasl's version
` + DISTRO_USAGE;

function main(): void {
  // Options end at the first non-option argument: everything after it belongs to the guest.
  const argv = process.argv.slice(2);
  if (isManagementCommand(argv)) {
    void import('./distro.js').then(({ managementCommand }) => managementCommand(argv)).then((status) => process.exit(status));
    return;
  }
  let split = 0;
  const takesValue = new Set(['--log', '-E', '--env', '-U', '--unset', '-0', '--argv0', '--mount',
    '--memory', '--max-tasks', '--max-files', '--cpu-time', '--max-output', '--network', '--root', '--dns-upstream',
    '-d', '--distribution', '-u', '--user', '--cd']);
  while (split < argv.length && argv[split].startsWith('-')) {
    if (argv[split] === '--') { split++; break; }
    split += takesValue.has(argv[split]) ? 2 : 1;
  }
  // --syscall-stats takes an optional value, which parseArgs cannot express: read it here.
  let statsTo: string | undefined;
  const own = argv.slice(0, split).filter((a) => {
    if (a === '--') return false;
    if (a === '--syscall-stats') { statsTo = '-'; return false; }
    if (a.startsWith('--syscall-stats=')) { statsTo = a.slice('--syscall-stats='.length) || '-'; return false; }
    return true;
  });
  const guest = argv.slice(split);
  let values;
  try {
    // With no options of wasl's own (`wasl PROGRAM ...`) parseArgs has nothing to do, and its
    // first call is ~0.5 ms of a hello's start-up (issue #11).
    ({ values } = own.length === 0 ? { values: {} as Record<string, never> } : parseArgs({
      args: own,
      options: {
        strace: { type: 'boolean' },
        log: { type: 'string' },
        env: { type: 'string', short: 'E', multiple: true },
        unset: { type: 'string', short: 'U', multiple: true },
        argv0: { type: 'string', short: '0' },
        isolated: { type: 'boolean' },
        root: { type: 'string' },
        mount: { type: 'string', multiple: true },
        memory: { type: 'string' },
        'max-tasks': { type: 'string' },
        'max-files': { type: 'string' },
        'cpu-time': { type: 'string' },
        'max-output': { type: 'string' },
        'host-tty': { type: 'boolean' },
        jit: { type: 'boolean' },
        'no-jit': { type: 'boolean' },
        network: { type: 'string' },
        'dns-upstream': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        distribution: { type: 'string', short: 'd' },
        user: { type: 'string', short: 'u' },
        cd: { type: 'string' },
      },
    }));
  } catch (e) {
    process.stderr.write(`wasl: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) { process.stdout.write(USAGE); return; }
  if (values.version) {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`wasl ${pkg.version}\n`);
    return;
  }
  let mounts: MountSpec[] = [];
  try {
    mounts = (values.mount ?? []).map(parseMountSpec);
  } catch (e) {
    process.stderr.write(`wasl: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const network = values.network ?? 'host';
  if (network !== 'host' && network !== 'none') {
    process.stderr.write(`wasl: --network must be host or none, got "${network}"\n`);
    process.exit(2);
  }
  const inDistro = values.distribution !== undefined || values.user !== undefined || values.cd !== undefined;
  if (guest.length === 0 && !inDistro) { process.stderr.write(USAGE); process.exit(2); }
  let limits: InstanceLimits;
  try {
    const num = (v: string | undefined, what: string): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!(n > 0)) throw new RangeError(`${what} expects a positive number, got "${v}"`);
      return n;
    };
    limits = {
      memory: values.memory === undefined ? undefined : parseSize(values.memory),
      tasks: num(values['max-tasks'], '--max-tasks'),
      files: num(values['max-files'], '--max-files'),
      cpuSeconds: num(values['cpu-time'], '--cpu-time'),
      output: values['max-output'] === undefined ? undefined : parseSize(values['max-output']),
    };
    resolveLimits(limits); // reject what the kernel would refuse, with the option's name
  } catch (e) {
    process.stderr.write(`wasl: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (inDistro && (values.root !== undefined || values.isolated)) {
    process.stderr.write('wasl: -d runs in a distribution\'s own root: it does not combine with --root or --isolated\n');
    process.exit(2);
  }
  if (values.root !== undefined && values.isolated) {
    process.stderr.write('wasl: --root and --isolated are alternatives (both put a volfs at /)\n');
    process.exit(2);
  }
  // A testing knob: the journal size at which the --root store compacts (volfs/diskstore.ts).
  const compactBytes = Number(process.env.WASL_VOLFS_COMPACT_BYTES) || undefined;

  const logTarget = values.log ?? process.env.WASL_LOG;
  let log: ((line: string) => void) | undefined;
  if (logTarget === '-' || logTarget === 'stderr') log = (l) => process.stderr.write(l + '\n');
  else if (logTarget) {
    const fd = fs.openSync(logTarget, 'a');
    log = (l) => fs.writeSync(fd, l + '\n');
  }
  // With --strace, wasl's notes go to the trace too: that is where a reader looks.
  const strace = values.strace ? (l: string) => fs.writeSync(2, l + '\n') : undefined;
  if (strace && !log) log = strace;

  // The --syscall-stats file is opened now, so that a path that cannot be written fails before
  // the program runs rather than after.
  let statsFd = 2;
  if (statsTo !== undefined && statsTo !== '-' && statsTo !== 'stderr') {
    try {
      statsFd = fs.openSync(statsTo, 'w');
    } catch (e) {
      process.stderr.write(`wasl: --syscall-stats=${statsTo}: ${(e as Error).message}\n`);
      process.exit(2);
    }
  }

  const env = new Map(hostEnv().map((kv) => [kv.slice(0, kv.indexOf('=')), kv]));
  for (const u of values.unset ?? []) env.delete(u);
  for (const kv of values.env ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) { process.stderr.write(`wasl: -E expects VAR=VALUE, got "${kv}"\n`); process.exit(2); }
    env.set(kv.slice(0, eq), kv);
  }

  const [program, ...args] = guest;
  const jit = values['no-jit'] ? false : values.jit ? true : undefined;
  const boot = (root: Volfs, term: HostTerminal | undefined, distro?: DistroRun) => bootDistribution(root, program, args, {
    argv0: values.argv0, env: values.env ?? [], unset: values.unset ?? [], mounts, limits, network, strace, log, term, distro,
    user: values.user, cd: values.cd, dnsUpstream: values['dns-upstream'], syscallStats: statsTo !== undefined, statsFd, jit });
  // `-d`: the distribution's store, opened (and locked) here, is the instance's root.
  if (inDistro) {
    void import('./distro.js').then(({ openDistribution }) => {
      const distro = openDistribution(values.distribution, { compactBytes });
      return boot(distro.root, values['host-tty'] ? undefined : openHostTerminal(), distro);
    });
    return;
  }
  // The --root store is opened here: whether it holds a distribution decides how wasl runs.
  let rootFs: Volfs | undefined;
  if (values.root !== undefined) {
    try {
      rootFs = openVolfsStore(values.root, { compactBytes });
    } catch (e) {
      process.stderr.write(`wasl: --root ${values.root}: ${(e as Error).message}\n`);
      process.exit(1);
    }
  }
  // A terminal on stdin goes behind a lxcore pty: the guest gets lxcore's line discipline and
  // job control, the host terminal is raw until wasl ends (cli/hostterm.ts).
  const term: HostTerminal | undefined = values['host-tty'] ? undefined : openHostTerminal();
  if (rootFs && isDistribution(rootFs)) {
    void boot(rootFs, term);
    return;
  }
  let started;
  try {
    started = spawnProgram(program, {
      argv: [values.argv0 ?? program, ...args],
      env: [...env.values()],
      strace,
      syscallStats: statsTo !== undefined,
      log,
      isolated: values.isolated,
      rootFs,
      mounts,
      limits,
      terminal: term && { fds: term.fds, cols: term.cols, rows: term.rows, output: (b) => term.write(b) },
      network,
      dnsUpstream: values['dns-upstream'],
      jit,
    });
  } catch (e) {
    if (!(e instanceof LinuxError) && values.root !== undefined) {
      process.stderr.write(`wasl: --root ${values.root}: ${(e as Error).message}\n`);
      process.exit(1);
    }
    if (e instanceof LinuxError) {
      // As bash says it: ENOENT for a program that exists means its interpreter is missing.
      const text = e.errno === ENOENT && programExists(program) ? 'cannot execute: required file not found' : errnoText[e.errno] ?? e.message;
      process.stderr.write(`wasl: ${program}: ${text}${e.message && !e.message.startsWith('E') ? ` (${e.message})` : ''}\n`);
      process.exit(e.errno === 2 ? 127 : 126);
    }
    throw e;
  }
  const { kernel, console } = started;
  if (term && console) term.start(console, started.process);
  started.process.exited.then(async (s) => {
    process.exitCode = s.signal !== null ? 128 + s.signal : s.code ?? 0;
    // Once no guest process is left, leave: a host read still pending on the thread pool (a
    // readiness probe of stdin, lxcore/fs/hostfile.ts) must not keep wasl alive.
    await kernel.run();
    console?.flush();
    term?.restore();
    if (kernel.stats) fs.writeSync(statsFd, kernel.stats.report());
    // A measuring knob: what the compiler tier did (blocks compiled, refused, evicted, time).
    if (process.env.WASL_JIT_STATS && kernel.core.jit) process.stderr.write(`wasl: jit ${kernel.core.jit.summary()}\n`);
    kernel.close();
    process.exit();
  });
}

/**
 * `-d NAME`, or `--root DIR` holding a distribution: an instance boots (init as pid 1, its
 * mounts, /etc/wasl.conf) and PROGRAM (default: the user's login shell) runs in it as a process
 * of the instance. When it ends, the instance is terminated (what it left running is killed: no
 * service keeps an instance alive after the CLI, unlike WSL's) and wasl exits with its status.
 */
async function bootDistribution(root: Volfs, program: string | undefined, args: string[], o: {
  argv0?: string; env: string[]; unset: string[]; mounts: MountSpec[]; limits: InstanceLimits; network: 'host' | 'none';
  strace?: (l: string) => void; log?: (l: string) => void; term?: HostTerminal;
  distro?: DistroRun; user?: string; cd?: string;
  dnsUpstream?: string; syscallStats: boolean; statsFd: number; jit?: boolean;
}): Promise<void> {
  const { term, distro } = o;
  const what = distro ? `distribution ${distro.name}` : 'the distribution';
  const bail = async (message: string, status: number, inst?: Instance): Promise<never> => {
    term?.restore();
    process.stderr.write(`wasl: ${message}\n`);
    await inst?.terminate();
    distro?.done();
    process.exit(status);
  };
  let inst: Instance;
  distro?.onAbort(() => term?.restore());
  try {
    inst = await createInstance({ root, mounts: o.mounts, limits: o.limits, network: o.network, strace: o.strace,
      log: o.log, warn: (l) => process.stderr.write(l + '\n'), dnsUpstream: o.dnsUpstream, syscallStats: o.syscallStats, jit: o.jit });
  } catch (e) {
    return bail(`cannot boot ${what}: ${(e as Error).message}`, 1);
  }
  if (distro && !distro.booted(inst)) {
    // --terminate came as it finished booting: nothing is started; wasl ends as SIGTERM's would.
    await inst.terminate();
    distro.done();
    term?.restore();
    process.exit(128 + 15);
  }
  // -u, else /etc/wasl.conf's [user] default, else the registry's default uid (WSL's order).
  const user = o.user ?? (inst.conf.user.default === 'root' && distro?.defaultUid ? String(distro.defaultUid) : inst.conf.user.default);
  const pw = getpwnam(inst.vfs, user);
  if (!pw && (o.user !== undefined || user !== 'root')) return bail(`user ${user} not found in ${distro ? `${distro.name}'s` : 'the distribution\'s'} /etc/passwd`, 1, inst);
  // --cd: "~" is the user's home, as wsl.exe's --cd ~.
  const cwd = o.cd === undefined ? undefined : o.cd === '~' ? pw?.home ?? '/' : o.cd.replace(/^~(?=\/)/, pw?.home ?? '');
  let started;
  try {
    // The login environment of the user, then -U and -E, as for any other run.
    const probe = new Map<string, string>();
    const env = (vars: string[]) => { for (const kv of vars) probe.set(kv.slice(0, kv.indexOf('=')), kv); };
    env(inst.defaultEnvOf(user, !!term));
    // The host terminal's type, as wsl.exe passes the console's TERM (the API's default is only
    // for when there is none).
    if (process.env.TERM) probe.set('TERM', `TERM=${process.env.TERM}`);
    for (const u of o.unset) probe.delete(u);
    env(o.env);
    started = inst.createProcess({
      // No program: the user's login shell, as a login shell ("-bash").
      program, argv: program === undefined ? undefined : [o.argv0 ?? program, ...args], env: [...probe.values()],
      user, cwd, stdio: [0, 1, 2],
      terminal: term && { fds: term.fds, cols: term.cols, rows: term.rows, output: (b) => term.write(b) },
    });
  } catch (e) {
    if (cwd !== undefined && e instanceof LinuxError && /cwd/.test(e.message)) return bail(`--cd ${o.cd}: not a directory in ${what}`, 1, inst);
    const text = e instanceof LinuxError ? errnoText[e.errno] ?? e.message : (e as Error).message;
    return bail(`${program ?? 'login shell'}: ${text}`, e instanceof LinuxError && e.errno === ENOENT ? 127 : 126, inst);
  }
  if (term && started.console) term.start(started.console, started.process);
  const s = await started.exited;
  process.exitCode = s.signal !== null ? 128 + s.signal : s.code ?? 0;
  started.console?.flush();
  await inst.terminate();
  if (inst.kernel.stats) fs.writeSync(o.statsFd, inst.kernel.stats.report());
  distro?.done();
  term?.restore();
  process.exit();
}

/** Whether PROGRAM names an existing file (as the shell would find it). */
function programExists(program: string): boolean {
  try { return fs.existsSync(findProgram(program)); } catch { return false; }
}

// The launcher (cli/launch.ts) starts compiling the core before the bundle runs; waiting for it
// here, before main looks at the terminal or the program, keeps the order of everything else.
// Without a launcher (the unbundled CLI) lxcore compiles the core itself at the first Kernel.
//
// main starts from a setImmediate, not from the compile's promise. V8 settles that promise from a
// foreground task, which Node runs inside NodePlatform::DrainTasks — the step after uv_run that
// waits for every background task of V8 to finish. A guest started there ran until its first
// yield and then sat in that wait while V8 compiled whatever the guest had made hot (TurboFan
// jobs): a Go hello, 20 ms of guest code, stalled 150-330 ms at its first yield. From a
// setImmediate, main and the scheduler's yields run inside uv_run, as they did before the
// launcher compiled the core.
const coreCompile = (globalThis as Record<symbol, unknown>)[Symbol.for('wasl.coreCompile')] as Promise<WebAssembly.Module> | undefined;
if (coreCompile) {
  coreCompile.then((m) => provideCoreModule(m), () => { /* lxcore compiles it and reports */ })
    .then(() => setImmediate(main));
} else main();
