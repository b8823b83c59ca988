// lxcore's side of the in-core syscall shortcut (cpu/ops/fastsys.ts, issue #11): the values the
// core answers getpid-class syscalls and the realtime clock from, kept in the FASTSYS block.
//
// When they are written: before every quantum a task runs (whatever ran in between — a parent's
// death re-parenting it, a host timer — is seen) and after every syscall lxcore dispatches for the
// task on the core (setuid, setns, execve, fork change them only there). Between those points no
// kernel code runs, so the core never answers from stale values.
//
// CLOCK_REALTIME is the host monotonic clock plus an offset, in the core and in lxcore alike (so
// both paths agree to the nanosecond and realtime never jitters between them). The offset is
// checked against the host's wall clock (Date.now(), whole milliseconds) on every lxcore read and
// every quantum; when they drift apart by more than REALTIME_SLACK_NS — the host clock was set or
// slewed — it is taken again from the wall clock, as Linux's vDSO follows a settimeofday.

import * as L from '../../cpu/shared/layout.js';
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { VDSO_TEXT, VDSO_FAST_END, VDSO_FAST_STRIDE, VDSO_FAST_COUNT } from '../../elf-loader/vdso.js';

// The core finds the fast entries from FS_VDSO with its own copies of their spacing and number.
if (VDSO_FAST_STRIDE !== L.FS_VDSO_STRIDE || VDSO_FAST_COUNT !== L.FS_VDSO_COUNT) throw new Error('vdso fast entries: layout.ts and vdso.ts disagree');

const REALTIME_SLACK_NS = 2_000_000n;
/** WASL_FASTSYS=0 sends every syscall to lxcore (to compare the two paths, in tests and benches). */
const DISABLED = process.env.WASL_FASTSYS === '0';
// The host's monotonic clock, read through process.hrtime(): [seconds, nanoseconds] of uv_hrtime,
// whose sum is exact as a double (below 2^53 ns: 104 days of host uptime). It is the cheapest
// clock read Node 20 has that counts nanoseconds — ~43 ns from wasm, against ~66 for
// Number(process.hrtime.bigint()) (a BigInt made and converted back) and ~45 for
// performance.now(), whose global also loads perf_hooks (~4 ms of a hello's start-up) — and the
// core reads it at every clock_gettime it answers, so every part of wasl reads CLOCK_MONOTONIC
// through hostNanos()/monoNs()/hostMs() below: one source, so the core's answers and lxcore's never
// disagree and the clock cannot step back between them.

/** CLOCK_MONOTONIC in nanoseconds, as an exact double. */
export const hostNanos = (): number => { const h = process.hrtime(); return h[0] * 1e9 + h[1]; };
/**
 * The core's fast clock (cpu/ops/fastsys.ts), if this Node has it: node:wasi's
 * clock_time_get(id, precision, out), which stores the time at `out` in the core's memory. It is
 * a C++ binding that V8 calls from wasm without a JavaScript frame or array: ~40 ns a call from a
 * wasm loop here against ~60 for process.hrtime() and the garbage its arrays leave (a third of
 * a clock_gettime loop's time went to hostNanos, hrtime and the collector). It reads uv_hrtime
 * for the monotonic clock, as process.hrtime() does, so the core's answers and lxcore's (monoNs)
 * are the same clock and never step back between them.
 *
 * Its price is ~0.5-1 ms (node:wasi and the binding's first WASI object), which a short run that
 * reads the clock a few times would pay for nothing: so the core starts on hostNanos, and
 * lxcore makes this function once the core has read the clock CLOCK_UPGRADE times
 * (lxcore/kernel/core.ts). It is returned as a function of a small wasm module that imports the
 * core's memory and calls the binding — V8's fast call hands the binding the memory of the
 * instance calling it, which must be the core's — for the core to call through its table.
 * Undefined without process.getBuiltinModule (Node 20.16) or with WASL_JS_CLOCK=1.
 */
export function coreClock(memory: WebAssembly.Memory): WebAssembly.ExportValue | undefined {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (!getBuiltin || process.env.WASL_JS_CLOCK === '1') return undefined;
  try {
    const wasi = quietly(() => getBuiltin('node:wasi')) as typeof import('node:wasi') | undefined;
    if (!wasi) return undefined;
    // args, env and preopens empty: its set-up then costs ~0.4 ms instead of ~4 (process.env copied).
    const w = quietly(() => new wasi.WASI({ version: 'preview1', args: [], env: {}, preopens: {}, returnOnExit: true }));
    w.initialize({ exports: { memory } } as unknown as WebAssembly.Instance);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(CLOCK_MODULE), { env: { memory }, wasi: { clock_time_get: w.wasiImport.clock_time_get } });
    return inst.exports.clock;
  } catch { return undefined; }
}

/** After this many clock reads by the core, it reads the clock through coreClock's function. */
export const CLOCK_UPGRADE = 256;

/**
 * (module (type (func (param i32 i64 i32) (result i32)))
 *   (import "env" "memory" (memory 0)) (import "wasi" "clock_time_get" (func (type 0)))
 *   (func (export "clock") (type 0) local.get 0 local.get 1 local.get 2 call 0))
 */
const CLOCK_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7f, 0x7e, 0x7f, 0x01, 0x7f, // type
  0x02, 0x25, 0x02, // import: 2 entries
  0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x00, // env.memory, min 0
  0x04, 0x77, 0x61, 0x73, 0x69, 0x0e, ...[...'clock_time_get'].map((c) => c.charCodeAt(0)), 0x00, 0x00, // wasi.clock_time_get
  0x03, 0x02, 0x01, 0x00, // function: one of type 0
  0x07, 0x09, 0x01, 0x05, 0x63, 0x6c, 0x6f, 0x63, 0x6b, 0x00, 0x01, // export "clock" = func 1
  0x0a, 0x0c, 0x01, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x10, 0x00, 0x0b, // code
]);

/** Runs `f` without Node's ExperimentalWarning for WASI on stderr (the guest's stderr). */
function quietly<T>(f: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  try { return f(); } finally { process.emitWarning = emit; }
}

/** CLOCK_MONOTONIC in nanoseconds. */
export const monoNs = (): bigint => BigInt(hostNanos());
/** CLOCK_MONOTONIC in milliseconds (CPU-time accounting, yields). */
export const hostMs = (): number => hostNanos() / 1e6;

/** Start: the wall clock (the middle of Date.now()'s millisecond) less the monotonic clock. */
let realOffset = BigInt(Date.now()) * 1_000_000n + 500_000n - monoNs();

function syncRealtime(mono: bigint): bigint {
  const wall = BigInt(Date.now()) * 1_000_000n + 500_000n; // the middle of Date.now()'s millisecond
  const d = mono + realOffset - wall;
  if (d > REALTIME_SLACK_NS || d < -REALTIME_SLACK_NS) realOffset = wall - mono;
  return realOffset;
}

/** CLOCK_REALTIME in ns. */
export function realNs(): bigint {
  const mono = monoNs();
  return mono + syncRealtime(mono);
}

const B = L.FASTSYS >> 2;

/**
 * Writes `t`'s ids (and, when `clock`, the realtime offset: once per quantum, the host clock
 * costs more than a fast syscall) into the core's FASTSYS block and enables the shortcut.
 */
export function publishFastsys(k: Kernel, t: Task, clock: boolean): void {
  const c = k.core;
  const i32 = c.i32, u32 = c.u32;
  const p = t.process;
  // The vDSO's fast entries (elf-loader/vdso.ts), whether or not the shortcut answers: the core
  // never sends their SYSCALL to lxcore. 0 once the [vdso] mapping was changed (mm.ts's cut).
  const entry = p.mm.vdso ? p.mm.vdso + VDSO_TEXT + VDSO_FAST_END : 0;
  u32[B + (L.FS_VDSO >> 2)] = entry % 0x1_0000_0000;
  u32[B + (L.FS_VDSO >> 2) + 1] = Math.floor(entry / 0x1_0000_0000);
  // Every call must reach lxcore when it is traced or counted (and would under a seccomp filter
  // or ptrace, should wasl ever have them: they must clear FS_ENABLE here too).
  if (DISABLED || k.options.strace || k.stats) { i32[B + (L.FS_ENABLE >> 2)] = 0; return; }
  const cr = p.creds;
  i32[B + (L.FS_PID >> 2)] = p.pid;
  i32[B + (L.FS_TID >> 2)] = t.tid;
  i32[B + (L.FS_PPID >> 2)] = p.ppid;
  u32[B + (L.FS_UID >> 2)] = cr.uid;
  u32[B + (L.FS_EUID >> 2)] = cr.euid;
  u32[B + (L.FS_GID >> 2)] = cr.gid;
  u32[B + (L.FS_EGID >> 2)] = cr.egid;
  if (clock) c.u64[(L.FASTSYS + L.FS_REAL_OFFSET) >> 3] = BigInt.asUintN(64, syncRealtime(monoNs()));
  i32[B + (L.FS_ENABLE >> 2)] = L.FSE_CLOCK | L.FSE_IDS;
}

/** Syscalls the core has answered itself since it started. */
export function fastsysCount(k: Kernel): number {
  return Number(k.core.u64[(L.FASTSYS + L.FS_COUNT) >> 3]);
}
