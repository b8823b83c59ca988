// The distribution commands of the CLI, WSL's spelling: --import, --export, --list [--verbose],
// --set-default, --unregister, --terminate, --shutdown (each on its own), and `-d NAME [-u USER]
// [--cd DIR]`, which cli/wasl.ts combines with its run options. The work is in distro/ (the
// tar codec, import, export, the registry, users); this file is the command line around it.

import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Registry, Distribution, checkName, alive, STORE_VERSION } from '../distro/registry.js';
import { importTarball } from '../distro/import.js';
import { exportStore } from '../distro/export.js';
import { openVolfsStore } from '../lxcore/vfs/vfs.js';
import { sendSignalInfo } from '../lxcore/kernel/signals.js';
import { siKill, SI_USER } from '../lxcore/abi/siginfo.js';
import { SIGTERM } from '../lxcore/abi/signal.js';
import { shutdownAll, type Instance } from '../lxcore/instance/instance.js';
import type { Volfs } from '../volfs/volfs.js';
import type { DiskStoreOptions } from '../volfs/diskstore.js';
import { COMMANDS } from './commands.js';

/** How long guest processes have between SIGTERM and SIGKILL when an instance is terminated. */
export const GRACE_MS = 3000;

// The command table and usage live in ./commands.js, which the CLI loads at every start; this
// module (with the distribution code and its Node modules) only when a command or -d needs it.
export { DISTRO_USAGE, isManagementCommand } from './commands.js';

function fail(message: string, status = 1): never {
  process.stderr.write(`wasl: ${message}\n`);
  process.exit(status);
}

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return `${n.toFixed(u ? 1 : 0)} ${units[u]}`;
}

/** A byte-counting bar on stderr when it is a terminal (nothing otherwise); `total` 0: not known yet. */
function progressBar(what: string, total: number): { setTotal(n: number): void; update(n: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { setTotal() {}, update() {}, stop() {} };
  const bar = new SingleBar({
    format: `${what} [{bar}] {percentage}% {done} / {all}`,
    stream: process.stderr, hideCursor: true, clearOnComplete: false,
  });
  const all = () => (total ? humanBytes(total) : '?');
  bar.start(total || 1, 0, { done: humanBytes(0), all: all() });
  return {
    setTotal(n) { total = n; bar.setTotal(n || 1); },
    update(n) {
      if (total && n > total) { total = n; bar.setTotal(n); } // an estimate fell short
      bar.update(total ? n : 0, { done: humanBytes(n), all: all() });
    },
    stop() { bar.stop(); },
  };
}

/** The pid holding a store's own lock (a `--root DIR` run, an export), if it is alive. */
function storeHolder(dir: string): number | null {
  try {
    const pid = parseInt(fs.readFileSync(join(dir, 'volfs.lock'), 'utf8'), 10);
    return pid > 0 && alive(pid) ? pid : null;
  } catch { return null; }
}

/** Runs a management command line; resolves to the exit status. */
export async function managementCommand(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const verbose = cmd === '--list' || cmd === '-l' ? rest.some((a) => a === '-v' || a === '--verbose') : false;
  const args = cmd === '--list' || cmd === '-l' ? rest.filter((a) => a !== '-v' && a !== '--verbose') : rest;
  if (args.length !== COMMANDS[cmd]) fail(`${cmd} expects ${COMMANDS[cmd] || 'no'} argument${COMMANDS[cmd] === 1 ? '' : 's'}, got ${args.length}`, 2);
  const reg = new Registry();
  try {
    switch (cmd) {
      case '--import': return await importCommand(reg, args[0], args[1], args[2]);
      case '--export': return await exportCommand(reg, args[0], args[1]);
      case '--list': case '-l': return listCommand(reg, verbose);
      case '--set-default': case '-s':
        reg.update((r) => {
          if (!r.distributions.some((d) => d.name === args[0])) throw new Error(`there is no distribution with the name "${args[0]}"`);
          r.default = args[0];
        });
        return 0;
      case '--unregister': return await unregisterCommand(reg, args[0]);
      case '--terminate': case '-t': reg.get(args[0]); await terminate(reg, args[0]); return 0;
      case '--shutdown':
        for (const d of reg.list()) await terminate(reg, d.name);
        return 0;
    }
  } catch (e) {
    fail((e as Error).message);
  }
  return 2;
}

async function importCommand(reg: Registry, name: string, installDir: string, tarball: string): Promise<number> {
  checkName(name);
  if (reg.list().some((d) => d.name === name)) fail(`a distribution with the name "${name}" already exists`);
  const total = tarball === '-' ? 0 : fs.statSync(tarball).size;
  const source = tarball === '-' ? process.stdin : fs.createReadStream(tarball, { highWaterMark: 1 << 20 });
  const bar = progressBar(`importing ${name}`, total);
  const dir = resolve(installDir);
  // Ctrl-C or a SIGTERM during the import: the temporary store goes with the process.
  const abort = () => { bar.stop(); fail(`import of ${name} interrupted; nothing was registered`, 130); };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    await importTarball(source, dir, { progress: (n) => bar.update(n) });
  } catch (e) {
    bar.stop();
    fail(`import of ${name} from ${tarball} failed: ${(e as Error).message}; nothing was registered`);
  }
  bar.stop();
  try {
    reg.update((r) => {
      if (r.distributions.some((d) => d.name === name)) throw new Error(`a distribution with the name "${name}" already exists`);
      r.distributions.push({ name, dir, defaultUid: 0, version: STORE_VERSION });
      r.default ??= name; // the first distribution is the default, as in WSL
    });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return 0;
}

async function exportCommand(reg: Registry, name: string, file: string): Promise<number> {
  const d = reg.get(name);
  const holder = reg.runningPid(name) ?? storeHolder(d.dir);
  if (holder) fail(`distribution ${name} is running (process ${holder}); terminate it first (wasl --terminate ${name})`);
  const gzip = /\.(gz|tgz)$/.test(file);
  const tmp = file === '-' ? null : `${file}.tmp-${process.pid}`;
  const out = tmp ? fs.createWriteStream(tmp) : process.stdout;
  const bar = progressBar(`exporting ${name}`, 0);
  try {
    await exportStore(d.dir, out, { gzip, start: (n) => bar.setTotal(n), progress: (n) => bar.update(n), warn: (l) => process.stderr.write(`wasl: ${l}\n`) });
    if (tmp) fs.renameSync(tmp, file);
  } catch (e) {
    if (tmp) fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    bar.stop();
  }
  return 0;
}

function listCommand(reg: Registry, verbose: boolean): number {
  const list = reg.list();
  const def = reg.defaultName();
  if (list.length === 0) {
    process.stdout.write('wasl has no installed distributions.\nInstall one with: wasl --import NAME INSTALL_DIR ROOTFS.tar\n');
    return 1; // as `wsl -l` does
  }
  const state = (d: Distribution) => (reg.runningPid(d.name) ?? storeHolder(d.dir) ? 'Running' : 'Stopped');
  if (!verbose) {
    process.stdout.write('wasl distributions:\n');
    for (const d of list) process.stdout.write(`${d.name}${d.name === def ? ' (Default)' : ''}\n`);
    return 0;
  }
  const w = Math.max(4, ...list.map((d) => d.name.length)) + 4;
  process.stdout.write(`  ${'NAME'.padEnd(w)}${'STATE'.padEnd(16)}VERSION\n`);
  for (const d of list) process.stdout.write(`${d.name === def ? '*' : ' '} ${d.name.padEnd(w)}${state(d).padEnd(16)}${d.version}\n`);
  return 0;
}

async function unregisterCommand(reg: Registry, name: string): Promise<number> {
  const d = reg.get(name);
  await terminate(reg, name);
  const holder = storeHolder(d.dir);
  if (holder) fail(`the store of ${name} (${d.dir}) is in use by process ${holder}`);
  reg.update((r) => {
    r.distributions = r.distributions.filter((x) => x.name !== name);
    if (r.default === name) r.default = r.distributions[0]?.name ?? null;
  });
  fs.rmSync(d.dir, { recursive: true, force: true });
  return 0;
}

/** SIGTERM to the wasl process running `name`, and wait for it to end (SIGKILL if it will not). */
async function terminate(reg: Registry, name: string): Promise<void> {
  const pid = reg.runningPid(name);
  if (!pid) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + GRACE_MS + 7000;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL'); // the store survives a kill: it is crash-safe (volfs/diskstore.ts)
      process.stderr.write(`wasl: ${name} (process ${pid}) did not stop in time and was killed\n`);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  reg.markStopped(name);
}

// ---- wasl -d ---------------------------------------------------------------------------------

/** A distribution opened for `wasl -d`: its store (locked), for cli/wasl.ts to boot an instance on. */
export interface DistroRun {
  name: string;
  root: Volfs;
  /** Whom to run as without -u when /etc/wasl.conf names nobody (WSL's DefaultUid). */
  defaultUid: number;
  /** The instance has booted: a --terminate (SIGTERM) stops it from now on. False if one came
   *  during the boot: the CLI then ends the instance without starting anything in it. */
  booted(inst: Instance): boolean;
  /** Runs `f` before wasl exits on a --terminate that came during the boot (the terminal's restore). */
  onAbort(f: () => void): void;
  /** Call when the instance has ended (the run record goes). */
  done(): void;
}

/**
 * Opens distribution `name` (default: the registry's default) for `wasl -d`: its store becomes
 * the instance's root. One wasl process at a time runs a distribution: a second is refused,
 * first by the run record and in any case by the store's own lock (volfs.lock), which also
 * keeps `--root DIR` and --export off it. The run is recorded (run/NAME.pid) so that --list
 * shows it Running and --terminate/--shutdown can signal this process. Exits with a message
 * on errors.
 */
export function openDistribution(name: string | undefined, rootOptions: DiskStoreOptions): DistroRun {
  const reg = new Registry();
  let d: Distribution;
  try {
    const n = name ?? reg.defaultName();
    if (!n) fail('no default distribution: import one with wasl --import, or name one with -d');
    d = reg.get(n);
  } catch (e) { fail((e as Error).message); }
  if (!fs.existsSync(join(d.dir, 'meta.snap'))) fail(`distribution ${d.name}: its store ${d.dir} is missing (wasl --unregister ${d.name} forgets it)`);
  const running = reg.runningPid(d.name);
  if (running) fail(`distribution ${d.name} is already running in process ${running}; wasl runs one instance per distribution at a time (wasl --terminate ${d.name} stops it)`);
  let root: Volfs;
  try {
    root = openVolfsStore(d.dir, rootOptions);
  } catch (e) {
    const m = /in use by process (\d+)/.exec((e as Error).message);
    if (m) fail(`distribution ${d.name} is already running in process ${m[1]}; wasl runs one instance per distribution at a time (wasl --terminate ${d.name} stops it)`);
    fail(`distribution ${d.name}: ${(e as Error).message}`);
  }
  reg.markRunning(d.name);
  const n = d.name;
  process.on('exit', () => reg.markStopped(n));
  // `wasl --terminate` arrives as SIGTERM. While the instance boots (a [boot] command can take
  // long) it is terminated at once (shutdownAll: this process has no other instance) and wasl
  // exits as SIGTERM's default would; once booted, its processes get a grace period (stop()).
  let inst: Instance | undefined, asked = false;
  const cleanups: Array<() => void> = [];
  process.on('SIGTERM', () => {
    if (asked) return;
    asked = true;
    if (inst) { stop(inst); return; }
    void shutdownAll().then(() => {
      for (const f of cleanups) f();
      process.exit(128 + 15);
    });
  });
  return {
    name: n, root, defaultUid: d.defaultUid,
    booted: (i) => { inst = i; return !asked; },
    onAbort: (f) => { cleanups.push(f); },
    done: () => reg.markStopped(n),
  };
}

/**
 * Stops an instance for --terminate: every process but init gets SIGTERM, and GRACE_MS later
 * the instance is terminated (SIGKILL to what is left, init ended, the store synced and
 * unlocked). The CLI's usual ending does the rest once its process has gone.
 */
function stop(inst: Instance): void {
  const k = inst.kernel;
  for (const p of k.processes.values()) {
    if (p !== inst.init.process && !p.status) sendSignalInfo(k, p, null, SIGTERM, siKill(SIGTERM, SI_USER, 0, 0));
  }
  setTimeout(() => { void inst.terminate(); }, GRACE_MS).unref();
}
