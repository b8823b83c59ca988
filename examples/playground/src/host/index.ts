// The Node-shaped host the kernel runs on inside the Worker (lxcore/host.ts explains the seam):
// `process`, `Buffer`, `setImmediate` and the builtin modules lxcore asks for, on browser APIs.
// The host's "disk" is one memfs volume: the guest sees its /host directory as /mnt/host (drvfs),
// which is where uploads land; nothing else of it is visible to the guest.
//
// install() must run before lxcore is imported (its modules read the host at load time).

import { Volume, createFsFromVolume } from 'memfs';
import { Buffer } from './buffer.js';
import * as path from './path.js';
import * as url from './url.js';

export const volume = new Volume();
export const hostFs = createFsFromVolume(volume);

/** The guest's pid for the first process: any number but 1 (nothing here is init). */
const PID = 100;
const t0 = performance.timeOrigin;

function hrtimeNs(): bigint {
  // timeOrigin + now() in ns; with cross-origin isolation now() has 5 µs resolution, else 100 µs.
  return BigInt(Math.round((t0 + performance.now()) * 1e6));
}

const os = {
  cpus: () => Array.from({ length: Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 64)) }, () => ({ model: 'wasl', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } })),
  totalmem: () => 2 ** 31,
  freemem: () => 2 ** 30,
  uptime: () => performance.now() / 1000,
  hostname: () => 'wasl',
  loadavg: () => [0, 0, 0],
  platform: () => 'linux',
  type: () => 'Linux',
  arch: () => 'x64',
  release: () => '6.1.0-wasl',
  endianness: () => 'LE',
  tmpdir: () => '/tmp',
  homedir: () => '/root',
  EOL: '\n',
};

const crypto = {
  randomFillSync<T extends ArrayBufferView>(b: T): T {
    const u8 = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < u8.length; i += 65536) globalThis.crypto.getRandomValues(u8.subarray(i, i + 65536));
    return b;
  },
  randomBytes(n: number): Buffer { return crypto.randomFillSync(Buffer.alloc(n)); },
  randomUUID: () => globalThis.crypto.randomUUID(),
};

// No host terminal in a Worker: the guest's terminal is lxcore's pty, fed by the page.
const tty = { isatty: () => false };

const modules: Record<string, unknown> = {
  'node:fs': hostFs,
  'node:os': os,
  'node:crypto': crypto,
  'node:tty': tty,
  'node:path': path,
  'node:url': url,
  // node:net, node:dgram, node:zlib: none. The kernel runs with network 'none' (EACCES).
};

const hrtime = Object.assign((prev?: [number, number]): [number, number] => {
  const ns = hrtimeNs() - (prev ? BigInt(prev[0]) * 1_000_000_000n + BigInt(prev[1]) : 0n);
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}, { bigint: hrtimeNs });

const process = {
  pid: PID,
  ppid: 1,
  platform: 'linux',
  arch: 'x64',
  version: 'v20.0.0',
  versions: {},
  env: { WASL_CORE_DEBUG: '0' } as Record<string, string>,
  argv: [] as string[],
  cwd: () => '/',
  umask: () => 0o022,
  getuid: () => 0,
  getgid: () => 0,
  geteuid: () => 0,
  getegid: () => 0,
  hrtime,
  // The Worker's CPU time is not observable; wall time since start stands in for it.
  cpuUsage: () => ({ user: Math.round(performance.now() * 1000), system: 0 }),
  memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
  kill: (pid: number) => { if (pid !== PID) throw Object.assign(new Error('ESRCH'), { code: 'ESRCH' }); return true; },
  on: () => process,
  off: () => process,
  once: () => process,
  emitWarning: (w: unknown) => console.warn(w),
  nextTick: (f: (...a: unknown[]) => void, ...a: unknown[]) => queueMicrotask(() => f(...a)),
  exit: (code?: number) => { throw new Error(`process.exit(${code}) in the playground worker`); },
  getBuiltinModule: (name: string) => modules[name.startsWith('node:') ? name : 'node:' + name],
};

/** setImmediate on a MessageChannel: setTimeout(0) is clamped to 4 ms once nested. */
function makeSetImmediate(): (f: () => void) => void {
  const ch = new MessageChannel();
  const q: (() => void)[] = [];
  ch.port1.onmessage = () => { q.shift()?.(); };
  return (f) => { q.push(f); ch.port2.postMessage(0); };
}

export function install(): void {
  const g = globalThis as Record<string, unknown>;
  g.process = process;
  g.Buffer = Buffer;
  g.global = globalThis;
  g.setImmediate = makeSetImmediate();
  hostFs.mkdirSync('/host', { recursive: true });
}
