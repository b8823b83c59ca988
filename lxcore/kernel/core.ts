// The TypeScript side of the seam with the wasm core (DESIGN.md §1): instantiates cpu/ on a
// linear memory, and reads and writes the running thread's registers through cached typed-array
// views (never DataView BigInt access on a hot path). Views are rebuilt only when lxcore/mm grows
// the memory, which is the only place it grows.

import { fs, url } from '../host.js';
import * as L from '../../cpu/shared/layout.js';
import { JitCache, type JitCoreExports } from '../../cpu/jit/host/compiler.js';
import { hostNanos, coreClock, CLOCK_UPGRADE } from './fastsys.js';

export interface CoreExports {
  run(budget: number): number;
  tlbFlushAll(): void;
  tlbFlushPage(va: bigint): void;
  /** The first non-zero entry of a page-table node in [from, to), or `to` (cpu/mmu/ptscan.ts). */
  ptNext(node: number, from: number, to: number): number;
  /** Decodes the instruction at rip without running it: length << 16 | opcode index, or -1. */
  decodeOne(): number;
  /** The compiler tier (cpu/jit): on/off and the executions before a block is compiled. */
  jitSetup(on: boolean, hot: number, warm: number): void;
  _start(): void;
}

/** Executions of a block start before it is compiled (docs/architecture.md, compiler tier).
 *  64, not 32: translating and compiling a block costs ~0.3-3 ms, and at 32 start-up code that
 *  runs a few dozen times was compiled too (a Go hello compiled 90 blocks, ran 50,000 instructions
 *  in them). Not 128: busybox gzip then ran 21 M instructions interpreted instead of 0.8 M
 *  (session 6, "The compiler tier, fourth stage"). */
export const JIT_HOT = 64;

/**
 * Whether a new core compiles hot code: WASL_JIT=1/0 when set (tests run the suites both
 * ways), else the default. WASL_JIT_HOT overrides the threshold (1: compile on first sight,
 * which the oracle tests use to put every case through the compiler); WASL_JIT_SLOTS the cache size.
 */
export function jitDefaults(): { on: boolean; hot: number; slots: number; warm: number } {
  const v = process.env.WASL_JIT;
  const hot = Number(process.env.WASL_JIT_HOT) || JIT_HOT;
  const slots = Number(process.env.WASL_JIT_SLOTS) || JIT_SLOTS;
  // WASL_JIT_WARMUP sets the warm-up (a threshold of 1 has none: setJit).
  const w = process.env.WASL_JIT_WARMUP;
  const warm = w !== undefined && w !== '' ? Number(w) : JIT_WARMUP;
  return { on: v === undefined || v === '' ? JIT_DEFAULT : v !== '0', hot, slots, warm };
}
/**
 * Instructions a thread runs in the interpreter before the compiler tier starts (cpu/jit/blocks.ts
 * jitSetup): short programs end before compiling would pay (a hello — 1,400 instructions — paid
 * ~10 ms of its start-up for its two first compiles; the interpreter runs it in ~2 ms). Not
 * more: `npm run bench`'s microbenchmarks warm up for ~400,000 instructions, and a program past
 * a few hundred thousand has loops worth compiling (1,000,000 was tried: the clock_gettime row
 * then compiled inside its timed loop).
 */
export const JIT_WARMUP = 200_000;
/** Compiled blocks kept at once (table slots; the oldest is evicted). WASL_JIT_SLOTS for tests. */
export const JIT_SLOTS = 4096;
export const JIT_DEFAULT = true;

let cachedModule: WebAssembly.Module | undefined;

/** Finds dist/cpu/core.wasm whether we run from the sources (vitest) or from dist/. */
export function coreWasmPath(debug = false): string {
  const name = debug ? 'core.debug.wasm' : 'core.wasm';
  for (const rel of ['../../cpu/', '../../dist/cpu/', '../../../dist/cpu/']) {
    const p = url.fileURLToPath(new URL(rel + name, import.meta.url));
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`wasl: ${name} not found — run \`npm run build\` first`);
}

/**
 * Hands the kernel an already compiled core (the browser fetches and compiles core.wasm itself,
 * asynchronously, before the first Kernel is made); otherwise it is read from dist/ on first use.
 */
export function provideCoreModule(m: WebAssembly.Module): void {
  cachedModule = m;
}

export function coreModule(): WebAssembly.Module {
  if (!cachedModule) {
    const debug = process.env.WASL_CORE_DEBUG === '1';
    cachedModule = new WebAssembly.Module(fs.readFileSync(coreWasmPath(debug)));
  }
  return cachedModule;
}

const S = L.STATE;

/** One core instance: a wasm instance plus its linear memory. */
export class Core {
  readonly memory: WebAssembly.Memory;
  readonly exports: CoreExports;
  u8!: Uint8Array;
  u32!: Uint32Array;
  i32!: Int32Array;
  u64!: BigUint64Array;
  private buffer!: ArrayBuffer;

  constructor(initialPages = 32) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: 65536 });
    const jitCompile = (rip: number, host: number): number => this.jit!.compile(rip, host);
    // The debug build (WASL_CORE_DEBUG=1) keeps AssemblyScript's assertions: env.abort reports one.
    const abort = (msg: number, file: number, line: number, col: number): never => {
      throw new Error(`wasl core: assertion failed at ${line}:${col}`);
    };
    // The core reads the host clock through hostNanos until it has done so CLOCK_UPGRADE times,
    // then through node:wasi's binding (coreClock), put in a slot of its table: a run that never
    // reads the clock much does not pay for making it (lxcore/kernel/fastsys.ts).
    let reads = 0;
    const coreNanos = (): number => {
      if (++reads === CLOCK_UPGRADE) this.upgradeClock();
      return hostNanos();
    };
    const instance = new WebAssembly.Instance(coreModule(), { env: { memory: this.memory, hostNanos: coreNanos, jitCompile, abort } });
    this.exports = instance.exports as unknown as CoreExports;
    this.refreshViews();
    this.exports._start();
    this.i32[(L.FASTSYS + L.FS_CLOCK_WASI) >> 2] = 0;
    const d = jitDefaults();
    this.setJit(d.on, d.hot);
  }

  /** The core's clock through node:wasi from now on, where this Node has it (FS_CLOCK_WASI: its table slot). */
  private upgradeClock(): void {
    const clock = coreClock(this.memory);
    if (clock === undefined) return;
    const table = (this.exports as unknown as { table: WebAssembly.Table }).table;
    const slot = table.grow(1, clock as never);
    this.i32[(L.FASTSYS + L.FS_CLOCK_WASI) >> 2] = slot;
  }

  private jitCache: JitCache | undefined;
  private jitWanted = false;
  private jitHot = 1;

  /**
   * The compiler tier's code cache, once the tier has been switched on. It is made at the first
   * compile (or the first look at it), not with the core: growing the function table by its 4096
   * slots was ~0.3 ms of every start-up, and a short run never compiles (issue #11).
   */
  get jit(): JitCache | undefined {
    if (!this.jitCache && this.jitWanted) {
      this.jitCache = new JitCache(this.exports as unknown as JitCoreExports, this.memory, jitDefaults().slots);
      this.jitCache.hot = this.jitHot;
    }
    return this.jitCache;
  }

  /** Switches the compiler tier on or off (--no-jit); either way the block table starts empty. */
  setJit(on: boolean, hot?: number): void {
    const d = jitDefaults();
    hot ??= d.hot;
    if (on) this.jitWanted = true;
    // Compiling every block on first sight (WASL_JIT_HOT=1, the oracle tests) starts at once too.
    this.exports.jitSetup(on, hot, hot <= 1 ? 0 : d.warm);
    this.jitHot = Math.max(1, hot);
    if (this.jitCache) this.jitCache.hot = this.jitHot;
    // WASL_JIT_STATS counts from the start: the cache switches the core's profile on when made.
    if (on && process.env.WASL_JIT_STATS) void this.jit;
  }

  refreshViews(): void {
    const b = this.memory.buffer;
    if (b === this.buffer) return;
    this.buffer = b as ArrayBuffer;
    this.u8 = new Uint8Array(b);
    this.u32 = new Uint32Array(b);
    this.i32 = new Int32Array(b);
    this.u64 = new BigUint64Array(b);
  }

  /** Grows linear memory by `pages` 64 KiB pages; returns the old size in bytes. */
  grow(pages: number): number {
    const old = this.memory.grow(pages) * 65536;
    this.refreshViews();
    return old;
  }

  run(budget: number): number { return this.exports.run(budget); }

  // ---- registers as numbers (exact below 2^53; larger values are only ever invalid addresses)
  /** Register `n` (0..15 = rax..r15, or a layout offset/8) as an unsigned number. */
  reg(n: number): number {
    const i = (S >> 2) + n * 2;
    return this.u32[i] + this.u32[i + 1] * 0x100000000;
  }
  /** Register n as a signed 64-bit number: −1 stays −1 (fds, −errno); exact below 2^53. */
  regSigned(n: number): number {
    const i = (S >> 2) + n * 2;
    return this.u32[i] + this.i32[i + 1] * 0x100000000;
  }
  /** Low 32 bits of register n, signed (fds, ints). */
  regI32(n: number): number { return this.i32[(S >> 2) + n * 2]; }
  /** Sets register n from a number; negative values are sign-extended (−errno returns). */
  setReg(n: number, v: number): void {
    const i = (S >> 2) + n * 2;
    this.u32[i] = v >>> 0;
    this.u32[i + 1] = v < 0 ? (Math.floor(v / 0x100000000) >>> 0) : Math.floor(v / 0x100000000) >>> 0;
  }
  regBig(n: number): bigint { return this.u64[(S >> 3) + n]; }
  setRegBig(n: number, v: bigint): void { this.u64[(S >> 3) + n] = BigInt.asUintN(64, v); }

  get rip(): number { return this.reg(L.RIP / 8); }
  set rip(v: number) { this.setReg(L.RIP / 8, v); }
  get fsBase(): number { return this.reg(L.FS_BASE / 8); }
  set fsBase(v: number) { this.setReg(L.FS_BASE / 8, v); }
  get gsBase(): number { return this.reg(L.GS_BASE / 8); }
  set gsBase(v: number) { this.setReg(L.GS_BASE / 8, v); }
  get ptRoot(): number { return this.u32[(S + L.PT_ROOT) >> 2]; }
  set ptRoot(v: number) { this.u32[(S + L.PT_ROOT) >> 2] = v; }
  get faultAddr(): number { return this.reg(L.FAULT_ADDR / 8); }
  get faultCode(): number { return this.i32[(S + L.FAULT_CODE) >> 2]; }
  get insnCount(): bigint { return this.u64[(S + L.INSN_COUNT) >> 3]; }

  /** A copy of the whole CPU state block (to save a thread, or to fork one). */
  saveState(): Uint8Array { return this.u8.slice(S, S + L.STATE_SIZE); }
  loadState(state: Uint8Array): void { this.u8.set(state, S); }
}
