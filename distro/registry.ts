// The per-user registry of distributions (WSL keeps its list under HKCU\...\Lxss): a directory
//
//   $WASL_HOME (default $XDG_CONFIG_HOME/wasl, or ~/.config/wasl)
//     distributions.json   {"version": 1, "default": NAME|null, "distributions": [{name, dir,
//                           defaultUid, version}]}, replaced atomically (temp, fsync, rename)
//     registry.lock        the pid of the process changing it (taken over from a dead one)
//     run/NAME.pid         the pid of the wasl process running NAME's instance (`-d`), so that
//                          --list shows it Running and --terminate/--shutdown can signal it
//
// Every change is read-modify-write under the lock, so two wasl processes registering at once
// both land. The store of a distribution has its own lock (volfs.lock): one instance at a time.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { alive, takeLockFile } from '../volfs/lockfile.js';

export interface Distribution {
  name: string;
  /** The install directory: its volfs store. */
  dir: string;
  /** Whom `wasl -d NAME` runs as without -u (WSL's DefaultUid); 0 after an import. */
  defaultUid: number;
  /** The store's format version. */
  version: number;
}

interface RegistryFile { version: 1; default: string | null; distributions: Distribution[] }

export const STORE_VERSION = 1;

export function waslHome(): string {
  if (process.env.WASL_HOME) return process.env.WASL_HOME;
  const config = process.env.XDG_CONFIG_HOME || join(os.homedir(), '.config');
  return join(config, 'wasl');
}

/** A name as WSL allows it: letters, digits, '.', '_' and '-'. */
export function checkName(name: string): void {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || name.startsWith('.')) {
    throw new Error(`invalid distribution name "${name}" (letters, digits, ".", "_", "-")`);
  }
}

export { alive };

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export class Registry {
  readonly home: string;
  private readonly file: string;
  private readonly lockPath: string;
  readonly runDir: string;

  constructor(home = waslHome()) {
    this.home = home;
    this.file = join(home, 'distributions.json');
    this.lockPath = join(home, 'registry.lock');
    this.runDir = join(home, 'run');
  }

  /** The registry as it is now (no lock: it is only ever replaced whole). */
  read(): RegistryFile {
    try {
      const r = JSON.parse(fs.readFileSync(this.file, 'utf8')) as RegistryFile;
      if (r.version !== 1 || !Array.isArray(r.distributions)) throw new Error(`${this.file}: unknown format`);
      return r;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, default: null, distributions: [] };
      throw e;
    }
  }

  list(): Distribution[] { return this.read().distributions; }
  defaultName(): string | null { return this.read().default; }

  get(name: string): Distribution {
    const d = this.read().distributions.find((x) => x.name === name);
    if (!d) throw new Error(`there is no distribution with the name "${name}" (see wasl --list)`);
    return d;
  }

  /** Runs `change` on the current registry under the lock and writes its result atomically. */
  update<T>(change: (r: RegistryFile) => T): T {
    fs.mkdirSync(this.home, { recursive: true });
    this.lock();
    try {
      const r = this.read();
      const out = change(r);
      const tmp = `${this.file}.tmp-${process.pid}`;
      const fd = fs.openSync(tmp, 'w', 0o644);
      try {
        fs.writeSync(fd, JSON.stringify(r, null, 2) + '\n');
        fs.fsyncSync(fd);
      } finally { fs.closeSync(fd); }
      fs.renameSync(tmp, this.file);
      const dfd = fs.openSync(this.home, 'r');
      try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
      return out;
    } finally {
      fs.rmSync(this.lockPath, { force: true });
    }
  }

  /** Waits (up to 10 s) for the registry lock; a dead holder's lock is taken over. */
  private lock(): void {
    for (let waited = 0; ; waited += 20) {
      const holder = takeLockFile(this.lockPath);
      if (!holder) return;
      if (waited > 10_000) throw new Error(`the registry ${this.file} is locked by process ${holder} (${this.lockPath})`);
      sleep(20);
    }
  }

  // ---- running instances ----

  private pidFile(name: string): string { return join(this.runDir, `${name}.pid`); }

  /** Records that this process runs `name`'s instance. */
  markRunning(name: string): void {
    fs.mkdirSync(this.runDir, { recursive: true });
    fs.writeFileSync(this.pidFile(name), `${process.pid}\n`);
  }

  markStopped(name: string): void {
    try {
      if (parseInt(fs.readFileSync(this.pidFile(name), 'utf8'), 10) === process.pid) fs.rmSync(this.pidFile(name));
    } catch { /* already gone */ }
  }

  /** The pid of the wasl process running `name`, if one does (a stale record is removed). */
  runningPid(name: string): number | null {
    let pid = NaN;
    try { pid = parseInt(fs.readFileSync(this.pidFile(name), 'utf8'), 10); } catch { return null; }
    if (pid > 0 && alive(pid)) return pid;
    fs.rmSync(this.pidFile(name), { force: true });
    return null;
  }
}
