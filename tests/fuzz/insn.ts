// The instruction-stream fuzzer (issue #10, DESIGN.md §8): random bytes, x86-shaped bytes and
// mutated real code (musl hello's and busybox's .text, also run in place with the binary demand-
// paged around it) run under the core in a fresh address space, with a kernel stand-in around
// run(): syscalls answer -ENOSYS, copy-on-write and demand-paging faults are resolved and the
// instruction restarted, every other exit ends the case as the guest signal it is. Whatever the
// bytes, the host sees only EXIT_* codes: no exception or wasm trap; no write outside the guest's
// writable frames (a mirror of linear memory); TLB entries only for what the table maps; a fault
// changes nothing (DESIGN.md §1) and names a page that refuses the access; no run past its budget;
// run(n) and n × run(1) agree. Case i of a seed is reproducible; a failing case is shrunk and saved
// as JSON under tests/fuzz/corpus/ (replayed by insn.test.ts).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as L from '../../cpu/shared/layout.js';
import * as X from '../../cpu/shared/exit.js';
import { Core, coreWasmPath } from '../../lxcore/kernel/core.js';
import { FrameAllocator, PageTable } from '../../lxcore/mm/pagetable.js';
import { parseElf, ET_DYN, PF_R, PF_W, PF_X } from '../../elf-loader/elf.js';
import { Prng, GPR_NAMES } from '../cpu/oracle.js';
import { buildStatic, canBuild, ROOT } from '../support/build.js';

export const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));
const P = L.PAGE_SIZE;
const S = L.STATE;
const { TLB, TLB_ENTRIES, TLB_ENTRY_SIZE, TLB_FOLD } = L;
const TAG = [L.TLBE_READ_TAG / 4, L.TLBE_WRITE_TAG / 4, L.TLBE_EXEC_TAG / 4]; // in u32 words
const TLB_FRAME = L.TLBE_FRAME / 4;
const R = L.PTE_R, W = L.PTE_W, XP = L.PTE_X, COW = L.PTE_COW;
const ENOSYS = 38;
const USER_TOP = 0x800000000000;       // first non-canonical address
const KERNEL_HALF = 0xffff800000000000n;
/** Bytes of SCRATCH the core may use (the decoder's page-crossing fetch window needs 15). */
const SCRATCH_ALLOWED = P;

// ---- a case ----------------------------------------------------------------------------------

export interface Page { va: number; prot: number; bytes: Uint8Array }
export interface X87Init { cw: number; sw: number; tw: number; top: number; st: Uint8Array /* 8×16, physical */ }
export interface InsnCase {
  id: string;               // "seed:index", or the corpus file's name
  source: string;           // random | shaped | hello | busybox | corpus
  pages: Page[];
  rip: number;
  gpr: bigint[];
  rflags: bigint;
  fsBase: bigint;
  gsBase: bigint;
  mxcsr: number;
  xmm: Uint8Array;          // 256 bytes
  x87: X87Init | null;      // null: the FNINIT state
  budget: number;           // instructions in all
  step: boolean;            // single-step with run(1), checking every fault for side effects
  image?: string;           // a RealCode whose pages are mapped on first touch (demand paging)
  lazy?: Page[];            // pages mapped on first touch (a saved case's record of the image)
}

export interface Problem { kind: string; detail: string }
export interface Outcome {
  end: string;              // how the case ended: an EXIT_NAMES entry, or "trap" (a host failure)
  rip: number;              // where it ended
  insns: number;            // instructions retired
  syscalls: number;
  cows: number;             // copy-on-write faults the stand-in resolved
  demand: Page[];           // pages demand-paged in, as they were mapped
  ms: number;
  /** The final architectural state and writable memory (when asked for), and whether a
   *  single-stepped run read the clock (then two runs may rightly differ). */
  fingerprint?: { state: Uint8Array; memory: Map<number, Uint8Array>; clock: boolean };
  problems: Problem[];
}

// ---- the machine: one core, a fresh page table per case ---------------------------------------

type Range = [number, number];

/** The core's data segments: constant tables, and all-zero ones, which are memory.data()
 *  scratch buffers (x87 transcendentals) the core may write. */
function dataSegments(): { constant: { at: number; bytes: Buffer }[]; scratch: Range[] } {
  const b = readFileSync(coreWasmPath(process.env.WASL_CORE_DEBUG === '1'));
  const out = { constant: [] as { at: number; bytes: Buffer }[], scratch: [] as Range[] };
  let o = 8;
  const uleb = (): number => { let r = 0, s = 0, x; do { x = b[o++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
  while (o < b.length) {
    const id = b[o++], size = uleb(), end = o + size;
    if (id === 11) {
      for (let n = uleb(); n > 0; n--) {
        if (uleb() !== 0 || b[o++] !== 0x41) throw new Error('core.wasm: unexpected data segment form');
        let v = 0, s = 0, x; do { x = b[o++]; v |= (x & 0x7f) << s; s += 7; } while (x & 0x80);
        o++; // end of the offset expression
        const len = uleb();
        const zero = b.subarray(o, o + len).every((v) => v === 0);
        if (zero) out.scratch.push([v >>> 0, (v >>> 0) + len]);
        else out.constant.push({ at: v >>> 0, bytes: b.subarray(o, o + len) });
        o += len;
      }
    }
    o = end;
  }
  return out;
}

interface Mapping { va: number; frame: number; prot: number }

export class Machine {
  readonly core = new Core();
  readonly frames = new FrameAllocator(this.core);
  readonly ex = this.core.exports as unknown as {
    run(b: number): number; rflags(): bigint; decodeOne(): number; tlbFlushAll(): void; tlbFlushPage(va: bigint): void;
  };
  readonly segs = dataSegments();
  private mirror = new Uint8Array(0);
  private hi = L.FRAMES;               // end of everything this machine ever allocated
  cases = 0;
  /** Executed instructions by opcodeKey() (single-stepped cases only), when measuring coverage. */
  cover: Uint32Array | null = null;

  constructor(private images: Map<string, RealCode> = new Map()) {
    // The segments were read from the file after the module was compiled: a rebuild in between
    // (another session running asc) would make every constant look corrupted.
    for (const s of this.segs.constant) {
      if (Buffer.compare(this.core.u8.subarray(s.at, s.at + s.bytes.length), s.bytes) !== 0) {
        throw new Error('dist/cpu/core.wasm changed while the fuzzer loaded it; run again');
      }
    }
  }

  private note(addr: number, len: number): void { this.hi = Math.max(this.hi, addr + len); }
  /** Copies [a, b) of memory into the mirror: bytes the stand-in itself wrote. */
  private sync(a: number, b: number): void {
    const u8 = this.core.u8;
    if (this.mirror.length !== u8.length) { const m = new Uint8Array(u8.length); m.set(u8); this.mirror = m; return; }
    this.mirror.set(u8.subarray(a, b), a);
  }

  /** Runs one case; never throws for anything the guest does. */
  runCase(c: InsnCase, fingerprint = false): Outcome {
    const t0 = performance.now();
    const core = this.core, ex = this.ex;
    const out: Outcome = { end: '', rip: 0, insns: 0, syscalls: 0, cows: 0, demand: [], ms: 0, problems: [] };
    const image = c.image ? this.images.get(c.image) : undefined;
    if (c.image && !image) throw new Error(`case ${c.id} needs the image ${c.image}, which is not available`);
    const lazy = (va: number): Page | null => c.lazy?.find((p) => p.va === va) ?? image?.page(va) ?? null;
    const problem = (kind: string, detail: string): void => { out.problems.push({ kind, detail }); };

    // --- the address space
    const pt = new PageTable(this.frames);
    const map = new Map<number, Mapping>();
    const owned: number[] = [];
    for (const p of c.pages) {
      const vpn = p.va / P;
      if (map.has(vpn) || p.va >= USER_TOP || p.va % P) continue;
      const f = this.frames.allocFrame();
      owned.push(f);
      core.u8.set(p.bytes, f);
      pt.set(p.va, f | p.prot);
      map.set(vpn, { va: p.va, frame: f, prot: p.prot });
    }
    const nodes = this.nodesOf(pt, map);
    for (const f of owned) this.note(f, P);
    for (const n of nodes) this.note(n, L.PT_NODE_SIZE);

    // --- the thread
    const u8 = core.u8;
    u8.fill(0, S, S + L.STATE_SIZE);
    for (let i = 0; i < 16; i++) core.setRegBig(i, c.gpr[i]);
    core.setRegBig(L.RIP / 8, BigInt(c.rip));
    core.setRegBig(L.RFLAGS / 8, c.rflags);
    core.setRegBig(L.FS_BASE / 8, c.fsBase);
    core.setRegBig(L.GS_BASE / 8, c.gsBase);
    core.u32[(S + L.MXCSR) >> 2] = c.mxcsr >>> 0;
    u8.set(c.xmm, S + L.XMM0);
    const x = c.x87 ?? { cw: 0x37f, sw: 0, tw: 0, top: 0, st: new Uint8Array(128) };
    core.i32[(S + L.FPU_CW) >> 2] = x.cw;
    core.i32[(S + L.FPU_SW) >> 2] = x.sw;
    core.i32[(S + L.FPU_TW) >> 2] = x.tw;
    core.i32[(S + L.FPU_TOP) >> 2] = x.top;
    u8.set(x.st, S + L.ST0);
    core.ptRoot = pt.root;
    ex.tlbFlushAll();

    // Mirror == memory from here: a full copy the first time, then only what setup rewrote.
    if (this.mirror.length !== u8.length) this.sync(0, u8.length);
    else {
      this.sync(0, L.TLB_END);
      for (const f of owned) this.sync(f, f + P);
      for (const n of nodes) this.sync(n, n + L.PT_NODE_SIZE);
    }

    // --- run, as a kernel would around it
    let left = c.budget;
    let count = 0n;
    let clock = false;
    let stalled = 0; // exits in a row with no progress
    let lastRcx = c.gpr[1];
    const pre = new Uint8Array(L.STATE_USED);
    let preMem: Uint8Array[] = [];
    let preCode: Uint8Array = new Uint8Array(0);
    try {
      // decodeOne() (disassembly in traces, tools) must cope with any bytes too, and change nothing.
      const d = ex.decodeOne();
      if (d !== -1 && (d >>> 16 < 1 || d >>> 16 > 15)) problem('decode-one', `decodeOne() returned 0x${d.toString(16)}`);
      if (core.rip !== c.rip || core.insnCount !== 0n) problem('decode-one', 'decodeOne() moved rip or counted an instruction');
      while (left > 0) {
        const ask = c.step ? 1 : left;
        if (c.step) {
          pre.set(core.u8.subarray(S, S + L.STATE_USED)); preMem = this.writable(map); preCode = this.fetch(core.rip, map);
          const key = opcodeKey(preCode);
          if (this.cover) this.cover[key]++;
          if ((key & 0x3ff) === 0x131 || key >>> 12 === 0xf9 && (key & 0x3ff) === 0x101) clock = true; // rdtsc, rdtscp
        }
        const exit = ex.run(ask);
        const now = core.insnCount;
        const n = Number(now - count);
        count = now;
        out.insns += n;
        if (core.i32[(S + L.EXIT_REASON) >> 2] !== exit) problem('exit-reason', `run returned ${exit}, EXIT_REASON holds ${core.i32[(S + L.EXIT_REASON) >> 2]}`);
        if (!(exit >= 0 && exit < X.EXIT_NAMES.length)) { problem('unknown-exit', `run returned ${exit}`); out.end = `exit ${exit}`; break; }
        if (n < 0 || n > ask) problem('count', `asked for ${ask} instructions, ${n} retired (${X.EXIT_NAMES[exit]})`);
        // Only retired instructions spend the budget, so run(n) and n × run(1) see the same case.
        left -= n;
        // A REP string instruction progresses (rcx) across faults without retiring.
        const rcx = core.regBig(1);
        stalled = n === 0 && rcx === lastRcx ? stalled + 1 : 0;
        lastRcx = rcx;
        if (exit === X.EXIT_BUDGET) {
          if (n === 0) { problem('no-progress', 'EXIT_BUDGET with no instruction retired'); out.end = 'budget'; break; }
          continue;
        }
        const trap = exit === X.EXIT_SYSCALL || exit === X.EXIT_BP || exit === X.EXIT_DB;
        if (!trap) {
          // A fault: nothing changed, rip stays on the faulting instruction.
          const faultRip = core.reg(L.FAULT_RIP / 8);
          if (core.rip !== faultRip) problem('fault-rip', `${X.EXIT_NAMES[exit]}: rip ${h(core.rip)} but FAULT_RIP ${h(faultRip)}`);
          if (c.step) this.checkUnchanged(pre, preMem, preCode, map, exit, problem);
        }
        if (exit === X.EXIT_SYSCALL) {
          out.syscalls++;
          if (core.regBig(1) !== BigInt(core.rip)) problem('syscall-rcx', `rcx ${h(core.regBig(1))} is not the return rip ${h(core.rip)}`);
          core.setReg(0, -ENOSYS);
          continue;
        }
        if (exit === X.EXIT_PAGE_FAULT) {
          // An instruction touches at most a few pages (fetch, source, destination, each maybe
          // crossing): refaulting after more fixes than that is a stale TLB or a lost fix.
          if (stalled > 8) {
            problem('fault-loop', `${stalled} page faults at rip ${h(core.rip)} without progress, the last at ${h(core.faultAddr)}`);
            out.end = 'page fault';
            break;
          }
          const resolved = this.pageFault(pt, map, lazy, problem);
          if (resolved === 'cow') { out.cows++; continue; }
          if (resolved) { out.demand.push(resolved); continue; }
        }
        out.end = X.EXIT_NAMES[exit];
        break;
      }
      if (!out.end) out.end = 'budget';
    } catch (e) {
      out.end = 'trap';
      const what = e instanceof WebAssembly.RuntimeError ? 'wasm-trap' : 'js-exception';
      problem(what, `${(e as Error)?.message ?? e} at rip 0x${core.rip.toString(16)} (${this.bytesAt(core.rip, map)})`);
    }

    out.rip = core.rip;
    if (out.problems.every((p) => p.kind !== 'wasm-trap' && p.kind !== 'js-exception')) {
      this.checkTlb(map, problem);
      this.checkMemory(map, this.nodesOf(pt, map), problem);
      if (fingerprint) out.fingerprint = this.fingerprint(map, clock);
    }
    for (const f of owned) this.frames.freeFrame(f);
    for (const m of map.values()) if (!owned.includes(m.frame)) this.frames.freeFrame(m.frame);
    // PageTable.destroy() scans every entry of every node; the nodes are known here.
    for (const n of this.nodesOf(pt, map)) this.frames.freeNode(n);
    this.cases++;
    out.ms = performance.now() - t0;
    return out;
  }

  private fingerprint(map: Map<number, Mapping>, clock: boolean): NonNullable<Outcome['fingerprint']> {
    this.ex.rflags(); // materialized, so the lazy record no longer matters
    const state = this.core.u8.slice(S, S + L.STATE_USED);
    state.fill(0, L.LAZY_OP, L.LAZY_RES + 8);
    state.fill(0, L.PT_ROOT, L.PT_ROOT + 4); // a different address space each run
    const memory = new Map<number, Uint8Array>();
    for (const m of map.values()) if (m.prot & (W | COW)) memory.set(m.va, this.core.u8.slice(m.frame, m.frame + P));
    return { state, memory, clock };
  }

  /** Every page-table node of `pt` (root, middle and leaf nodes), found by walking it. */
  private nodesOf(pt: PageTable, map: Map<number, Mapping>): number[] {
    const u32 = this.core.u32;
    const set = new Set<number>([pt.root]);
    for (const vpn of map.keys()) {
      const mid = u32[(pt.root >> 2) + (Math.floor(vpn / 2 ** 24) & 0xfff)];
      const leaf = u32[(mid >> 2) + (Math.floor(vpn / 2 ** 12) & 0xfff)];
      set.add(mid); set.add(leaf);
    }
    return [...set];
  }

  private pageCopies: Uint8Array[] = [];
  /** Copies of the writable pages, in map order (reused buffers: this runs before every step). */
  private writable(map: Map<number, Mapping>): Uint8Array[] {
    let i = 0;
    for (const m of map.values()) {
      if ((m.prot & (W | COW)) !== W) continue;
      const b = (this.pageCopies[i++] ??= new Uint8Array(P));
      b.set(this.core.u8.subarray(m.frame, m.frame + P));
    }
    return this.pageCopies;
  }

  /**
   * DESIGN.md §1: a faulting instruction leaves registers, flags and memory as they were. Two
   * exceptions are the hardware's: a REP string instruction keeps the iterations it completed
   * (SDM vol. 1 §7.3.9.2) — rcx, rsi and rdi must show the same number k of them, memory may hold
   * their stores, and CMPS/SCAS flags are those of the last one; ENTER keeps the pushes it made
   * before its fault (the host CPU does so in tests/cpu/gpr.test.ts's ENTER cases); MASKMOVQ
   * enters MMX mode (tags all valid, TOP 0) even when its store then faults (cpu/ops/mmx.ts
   * follows the host there); and so do the conversions with an mm register operand (CVTPI2PS/PD
   * from mm, CVT(T)PS2PI, CVT(T)PD2PI) before an unmasked #XM (cpu/ops/mmx_cvt.ts, host-checked
   * in tests/cpu/mmx.test.ts).
   */
  private checkUnchanged(pre: Uint8Array, preMem: Uint8Array[], code: Uint8Array, map: Map<number, Mapping>,
    exitCode: number, problem: (k: string, d: string) => void): void {
    const core = this.core;
    const exit = X.EXIT_NAMES[exitCode];
    const post = core.u8.slice(S, S + L.STATE_USED);
    const rep = repString(code); // the bytes before the step: a REP STOS may overwrite itself
    const key = opcodeKey(code);
    const enter = (key & 0x3ff) === 0xc8;
    // NP/66 0F 2A/2C/2D: the mm conversions; with #XM they may already be in MMX mode.
    const mmConvert = exitCode === X.EXIT_XM && [0x12a, 0x12c, 0x12d].includes(key & 0x3ff) && ((key >> 10) & 3) <= 1;
    const maskmovq = (key & 0xfff) === 0x1f7 || mmConvert; // NP 0F F7 (MASKMOVQ)
    if (maskmovq) {
      const word = (b: Uint8Array, o: number): number => new DataView(b.buffer).getInt32(o, true);
      const tw = word(post, L.FPU_TW), top = word(post, L.FPU_TOP);
      const same = tw === word(pre, L.FPU_TW) && top === word(pre, L.FPU_TOP);
      if (!same && !(tw === 0xff && top === 0)) problem('fault-state', `${mmConvert ? 'an mm conversion' : 'MASKMOVQ'} faulted in neither the old x87 state nor MMX mode`);
    }
    // #XM: an unmasked SIMD exception sets its MXCSR flag before the trap (SDM vol. 1 §11.5.3).
    const mx = L.MXCSR;
    let mxcsrOk = false;
    if (exitCode === X.EXIT_XM) {
      const was = new DataView(pre.buffer).getUint32(mx, true), now = new DataView(post.buffer).getUint32(mx, true);
      if ((now & ~0x3f) === (was & ~0x3f) && (now & was) === was) mxcsrOk = true;
      else problem('fault-state', `#XM changed mxcsr 0x${was.toString(16)} → 0x${now.toString(16)}: only flags may be set`);
    }
    const diffs: string[] = [];
    for (let i = 0; i < post.length; i++) {
      const repKeeps = rep && (i >> 3 === 1 || i >> 3 === 6 || i >> 3 === 7 || (i >> 3 === 0 && rep.ax)); // rcx rsi rdi (rax)
      const mmx = maskmovq && i >= L.FPU_TW && i < L.FPU_TOP + 4;
      if (pre[i] === post[i] || MAY_CHANGE[i] || (mxcsrOk && i >= mx && i < mx + 4) || repKeeps || mmx) continue;
      diffs.push(fieldName(i));
      i |= 7; // one report per 8-byte field
    }
    core.u8.set(pre, S);
    const before = this.ex.rflags();
    core.u8.set(post, S);
    const after = this.ex.rflags();
    if (before !== after && !rep?.flags) diffs.push(`rflags 0x${before.toString(16)} → 0x${after.toString(16)}`);
    if (rep) {
      const dv = new DataView(pre.buffer);
      const was = (n: number): bigint => dv.getBigUint64(n * 8, true);
      const m = rep.a32 ? 0xffffffffn : 0xffffffffffffffffn;
      const k = ((was(1) & m) - (core.regBig(1) & m)) & m;
      const step = (before & BigInt(L.DF) ? -1n : 1n) * BigInt(rep.size) * k;
      const want = (n: number, moves: boolean): bigint => k === 0n || !moves ? was(n) : (was(n) + (n === 1 ? -k : step)) & m;
      for (const [n, moves] of [[1, true], [6, rep.si], [7, rep.di]] as const) {
        if (core.regBig(n) !== want(n, moves)) diffs.push(`${GPR_NAMES[n]} ${h(core.regBig(n))} after ${k} iterations (want ${h(want(n, moves))})`);
      }
      if (k === 0n && before !== after) diffs.push(`rflags 0x${before.toString(16)} → 0x${after.toString(16)} with no iteration done`);
      if (k === 0n && core.regBig(0) !== was(0)) diffs.push('rax with no iteration done');
    }
    let i = 0;
    const mem: string[] = [];
    for (const m of map.values()) {
      if ((m.prot & (W | COW)) !== W) continue;
      const was = preMem[i++];
      if (!was || rep || enter) continue;
      const now = core.u8.subarray(m.frame, m.frame + P);
      const k = was.findIndex((v, j) => v !== now[j]);
      if (k >= 0) mem.push(`0x${(m.va + k).toString(16)}`);
    }
    if (diffs.length) problem('fault-state', `${exit} changed ${[...new Set(diffs)].join(', ')}`);
    if (mem.length) problem('fault-memory', `${exit} wrote guest memory at ${mem.join(', ')}`);
  }

  /** Up to 15 instruction bytes at `va`, through the page table (fewer where a page is absent). */
  private fetch(va: number, map: Map<number, Mapping>): Uint8Array {
    const out: number[] = [];
    for (let a = va; a < va + 15; a++) {
      const m = map.get(Math.floor(a / P));
      if (!m) break;
      out.push(this.core.u8[m.frame + (a % P)]);
    }
    return Uint8Array.from(out);
  }

  /** Checks a #PF against the page table; resolves a copy-on-write write and a first touch of
   *  a demand-paged page as lxcore would. */
  private pageFault(pt: PageTable, map: Map<number, Mapping>, lazy: (va: number) => Page | null, problem: (k: string, d: string) => void): Page | 'cow' | null {
    const core = this.core;
    const addr = core.regBig(L.FAULT_ADDR / 8);
    const code = core.faultCode;
    const what = `#PF at 0x${addr.toString(16)} code 0x${code.toString(16)}`;
    if (!(code & L.FAULT_USER) || (code & ~(L.FAULT_PRESENT | L.FAULT_WRITE | L.FAULT_USER | L.FAULT_FETCH)) ||
        (code & L.FAULT_WRITE && code & L.FAULT_FETCH)) { problem('fault-code', what); return null; }
    if (addr >= KERNEL_HALF) { if (!(code & L.FAULT_PRESENT)) problem('fault-code', `${what}: kernel half is present`); return null; }
    if (addr >= BigInt(USER_TOP)) { problem('fault-addr', `${what}: non-canonical address must be #GP`); return null; }
    const va = Number(addr) - (Number(addr) % P);
    const m = map.get(va / P);
    if (!!m !== !!(code & L.FAULT_PRESENT)) { problem('fault-code', `${what}: page is ${m ? '' : 'not '}mapped`); return null; }
    if (!m) {
      const p = lazy(va);
      if (!p) return null;
      const f = this.frames.allocFrame();
      core.u8.set(p.bytes, f);
      pt.set(va, f | p.prot);
      map.set(va / P, { va, frame: f, prot: p.prot });
      this.ex.tlbFlushPage(BigInt(va));
      this.remapped(f, pt, map);
      return p;
    }
    const need = code & L.FAULT_FETCH ? XP : code & L.FAULT_WRITE ? W : R;
    const allowed = need === W ? (m.prot & (W | COW)) === W : (m.prot & need) !== 0;
    if (allowed) { problem('fault-addr', `${what}: the page (prot ${protName(m.prot)}) allows the access`); return null; }
    if (need !== W || !(m.prot & COW)) return null;
    // The copy-on-write write: copy the frame, map it writable, flush, restart the instruction.
    const f = this.frames.allocFrame();
    core.u8.copyWithin(f, m.frame, m.frame + P);
    const prot = (m.prot & ~COW) | W;
    pt.set(va, f | prot);
    map.set(va / P, { va, frame: f, prot });
    this.ex.tlbFlushPage(BigInt(va));
    this.remapped(f, pt, map);
    return 'cow'; // the old frame stays the case's (freed at its end) and must stay untouched
  }

  /** The stand-in mapped frame `f` mid-case: the mirror takes what it wrote (frame, nodes). */
  private remapped(f: number, pt: PageTable, map: Map<number, Mapping>): void {
    this.note(f, P);
    this.sync(f, f + P);
    for (const n of this.nodesOf(pt, map)) { this.note(n, L.PT_NODE_SIZE); this.sync(n, n + L.PT_NODE_SIZE); }
  }

  /** TLB entries may only name pages the table maps, with its frame and permissions. */
  private checkTlb(map: Map<number, Mapping>, problem: (k: string, d: string) => void): void {
    const u32 = this.core.u32;
    for (let i = 0; i < TLB_ENTRIES; i++) {
      const e = (TLB + i * TLB_ENTRY_SIZE) >> 2;
      // Most entries are empty (all tags -1): one test for the three of them.
      if ((u32[e + TAG[0]] & u32[e + TAG[0] + 1] & u32[e + TAG[1]] & u32[e + TAG[1] + 1] & u32[e + TAG[2]] & u32[e + TAG[2] + 1]) === -1) continue;
      for (let k = 0; k < 3; k++) {
        const lo = u32[e + TAG[k]], hi = u32[e + TAG[k] + 1];
        if ((lo & hi) === -1) continue;
        const vpn = hi * 2 ** 32 + lo;
        const m = map.get(vpn);
        const need = k === 0 ? R : k === 1 ? W : XP;
        const frame = u32[e + TLB_FRAME];
        const ok = m && ((vpn % TLB_ENTRIES) ^ (Math.floor(vpn / 2 ** TLB_FOLD) % TLB_ENTRIES)) === i && frame === m.frame &&
          (need === W ? (m.prot & (W | COW)) === W : (m.prot & need) !== 0);
        if (ok) continue;
        const table = m ? `the table maps frame ${h(m.frame)} ${protName(m.prot)}` : 'not mapped';
        problem('tlb', `entry ${i} ${['read', 'write', 'exec'][k]} tag vpn ${h(vpn)} frame ${h(frame)} (${table})`);
        return;
      }
    }
  }

  /** Memory outside the writable frames and the core's own work areas is as setup left it. */
  private checkMemory(map: Map<number, Mapping>, nodes: number[], problem: (k: string, d: string) => void): void {
    const u8 = this.core.u8;
    if (this.mirror.length !== u8.length) { problem('memory-grew', 'linear memory grew during run()'); this.sync(0, u8.length); return; }
    // The compiler tier's block table and decode records are the core's too (cpu/jit), and so
    // is the interpreter's table of runs (cpu/decode/runs.ts).
    const allowed: Range[] = [[S, S + L.STATE_USED], [L.SCRATCH, L.SCRATCH + SCRATCH_ALLOWED], [L.TLB, L.TLB_END], [L.DCACHE_TABLE, L.DCACHE_END],
      [L.RUNS, L.RUNS_END],
      [L.JIT_BLOCKS, L.JIT_BLOCKS_END], [L.JIT_BUF, L.JIT_BUF + L.JIT_MAX_INSNS * L.JIT_REC_SIZE], ...this.segs.scratch];
    for (const m of map.values()) if ((m.prot & (W | COW)) === W) allowed.push([m.frame, m.frame + P]);
    for (const [a, b] of allowed) this.sync(a, b);
    const hi = Math.min(this.hi, u8.length);
    // Memory past every allocation must still be zero; that scan is long, so every 64th case.
    const far = this.cases % 64 === 0 ? u8.length : hi;
    if (Buffer.compare(u8.subarray(0, far), this.mirror.subarray(0, far)) === 0) return;
    let k = 0;
    while (k < far && u8[k] === this.mirror[k]) k++;
    const ro = [...map.entries()].find(([, m]) => k >= m.frame && k < m.frame + P);
    const where = k < S ? 'below the state block' : k < S + L.STATE_SIZE ? `state block past STATE_USED (+0x${(k - S).toString(16)})`
      : k < L.TLB ? 'scratch area'
      : k < L.FRAMES ? (this.segs.constant.some((s) => k >= s.at && k < s.at + s.bytes.length) ? 'a constant data segment' : 'static memory')
      : ro ? `frame of page 0x${(ro[0] * P).toString(16)} (${protName(ro[1].prot)})`
      : nodes.some((n) => k >= n && k < n + L.PT_NODE_SIZE) ? 'a page-table node' : 'a frame no page maps';
    problem('host-memory', `byte 0x${k.toString(16)} changed 0x${this.mirror[k].toString(16)} → 0x${u8[k].toString(16)}: ${where}`);
    this.sync(0, u8.length);
  }

  private bytesAt(rip: number, map: Map<number, Mapping>): string {
    const m = map.get(Math.floor(rip / P));
    if (!m) return 'unmapped';
    const o = m.frame + (rip % P);
    return hexOf(this.core.u8.subarray(o, Math.min(o + 15, m.frame + P)));
  }
}

// State-block bytes a fault may change: the exit fields; the lazy-flags record is compared as
// the flags it stands for (a fault may materialize them first).
const MAY_CHANGE = new Uint8Array(L.STATE_USED);
for (const [a, b] of [[L.RFLAGS, L.LAZY_RES + 8], [L.EXIT_REASON, L.FAULT_CODE + 4], [L.FAULT_RIP, L.CPU_FLAGS], [L.CPU_PAD, L.CPU_PAD + 4]]) MAY_CHANGE.fill(1, a, b);

function fieldName(off: number): string {
  if (off < L.RIP) return GPR_NAMES[off >> 3];
  const named: [number, string][] = [[L.RIP, 'rip'], [L.FS_BASE, 'fs_base'], [L.GS_BASE, 'gs_base'], [L.PT_ROOT, 'pt_root'],
    [L.MXCSR, 'mxcsr'], [L.INSN_COUNT, 'insn_count'], [L.CPU_FLAGS, 'cpu_flags'], [L.XMM0, 'xmm'], [L.ST0, 'st'],
    [L.FPU_CW, 'fcw'], [L.FPU_SW, 'fsw'], [L.FPU_TW, 'ftw'], [L.FPU_TOP, 'top'], [L.FPU_FOP, 'fop'], [L.FPU_IP, 'fip'], [L.FPU_DP, 'fdp']];
  let name = `+0x${off.toString(16)}`;
  for (const [o, n] of named) if (off >= o) name = n === 'xmm' ? `xmm${(off - o) >> 4}` : n === 'st' ? `st slot ${(off - o) >> 4}` : n;
  return name;
}

export function protName(p: number): string {
  return (p & R ? 'r' : '') + (p & W ? 'w' : '') + (p & XP ? 'x' : '') + (p & COW ? 'c' : '') || 'none';
}
const parseProt = (s: string): number => (s.includes('r') ? R : 0) | (s.includes('w') ? W : 0) | (s.includes('x') ? XP : 0) | (s.includes('c') ? COW : 0);
const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const h = (v: bigint | number): string => '0x' + v.toString(16);

// ---- real code: .text of a musl hello built here, and of /bin/busybox -----------------------

/** A static binary's loaded image: .text for slicing, and its pages for demand paging. */
export class RealCode {
  readonly text: Uint8Array;
  readonly textVa: number;
  readonly segments: { va: number; end: number; prot: number; off: number; filesz: number }[] = [];
  private pages = new Map<number, Page | null>();

  constructor(readonly name: string, private file: Uint8Array) {
    const img = parseElf(file);
    // A static-pie loads where Linux's ELF_ET_DYN_BASE puts it.
    const bias = img.type === ET_DYN ? 0x555555554000 : 0;
    for (const l of img.loads) {
      const prot = (l.flags & PF_R ? R : 0) | (l.flags & PF_W ? R | W : 0) | (l.flags & PF_X ? R | XP : 0);
      this.segments.push({ va: l.vaddr + bias, end: l.vaddr + bias + l.memsz, prot, off: l.offset, filesz: l.filesz });
    }
    const t = textSection(file);
    if (!t) throw new Error(`${name}: no .text`);
    this.text = t.bytes;
    this.textVa = t.addr + bias;
  }

  /** The page at `va` as the loader would map it (file bytes, then zeros), or null. */
  page(va: number): Page | null {
    const got = this.pages.get(va);
    if (got !== undefined) return got;
    let bytes: Uint8Array | null = null, prot = 0;
    for (const s of this.segments) {
      if (va + P <= s.va || va >= s.end) continue;
      bytes ??= new Uint8Array(P);
      const vaddr0 = s.va - s.off;                     // file offset 0 in this segment's view
      const from = Math.max(va, s.va), to = Math.min(va + P, s.end, s.va + s.filesz);
      if (to > from) bytes.set(this.file.subarray(from - vaddr0, to - vaddr0), from - va);
      prot |= s.prot;
    }
    const p = bytes && { va, prot, bytes };
    this.pages.set(va, p);
    return p;
  }

  /** A random address in one of the segments. */
  address(r: Prng): number { const s = r.pick(this.segments); return s.va + r.int(s.end - s.va); }
}

/** The .text section of an ELF64 file, with its address (SHT_PROGBITS named ".text"). */
export function textSection(file: Uint8Array): { bytes: Uint8Array; addr: number } | null {
  const dv = new DataView(file.buffer, file.byteOffset, file.length);
  if (file.length < 64 || dv.getUint32(0) !== 0x7f454c46) return null;
  const shoff = Number(dv.getBigUint64(0x28, true)), shentsize = dv.getUint16(0x3a, true);
  const shnum = dv.getUint16(0x3c, true), strndx = dv.getUint16(0x3e, true);
  if (!shoff || shoff + shnum * shentsize > file.length || strndx >= shnum) return null;
  const sh = (i: number, f: number, wide: boolean): number =>
    wide ? Number(dv.getBigUint64(shoff + i * shentsize + f, true)) : dv.getUint32(shoff + i * shentsize + f, true);
  const strtab = sh(strndx, 0x18, true);
  for (let i = 0; i < shnum; i++) {
    const name = strtab + sh(i, 0, false);
    if (new TextDecoder().decode(file.subarray(name, name + 6)) !== '.text\0') continue;
    const addr = sh(i, 0x10, true), off = sh(i, 0x18, true), size = sh(i, 0x20, true);
    return off + size <= file.length ? { bytes: file.subarray(off, off + size), addr } : null;
  }
  return null;
}

/** The real code available here: hello (musl-gcc -static, built now) and busybox if present. */
export function realCode(): RealCode[] {
  const out: RealCode[] = [];
  const add = (name: string, path: string): void => {
    try { const r = new RealCode(name, new Uint8Array(readFileSync(path))); if (r.text.length > P + 64) out.push(r); } catch { /* absent or odd */ }
  };
  if (canBuild('musl')) add('hello', buildStatic(join(ROOT, 'examples/src/hello.c'), 'musl'));
  if (existsSync('/bin/busybox')) add('busybox', '/bin/busybox');
  return out;
}

// ---- generating cases --------------------------------------------------------------------------

const PREFIXES = [0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65];
const EDGES = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0x7ffffffff000n, 0x7fffffffffffn, 0x800000000000n,
  0xffff800000000000n, 0xfffffffffffff000n, 4096n, 4095n, 64n, 63n, 32n, 31n];
const SPECIAL_PAGES = [0, 0x1000, 0x10000, 0x400000, 0x7ffffffff000, 0x7fffffffe000, 0xfffff000, 0x100000000];

/** The REP/REPNE string instruction these bytes start with, if that is what they are. */
function repString(b: Uint8Array): { size: number; si: boolean; di: boolean; ax: boolean; flags: boolean; a32: boolean } | null {
  let rep = false, a32 = false, o16 = false, rex = 0, i = 0;
  for (; i < b.length; i++) {
    const x = b[i];
    if (x >= 0x40 && x <= 0x4f) { rex = x; continue; }
    if (!PREFIXES.includes(x)) break;
    rex = 0; // a REX not directly before the opcode is ignored
    if (x === 0xf2 || x === 0xf3) rep = true;
    else if (x === 0x67) a32 = true;
    else if (x === 0x66) o16 = true;
  }
  const op = b[i];
  if (!rep || i >= b.length || op < 0xa4 || op > 0xaf || op === 0xa8 || op === 0xa9) return null;
  const size = !(op & 1) ? 1 : rex & 8 ? 8 : o16 ? 2 : 4;
  const kind = op & ~1; // A4 movs, A6 cmps, AA stos, AC lods, AE scas
  return { size, a32, si: kind === 0xa4 || kind === 0xa6 || kind === 0xac, di: kind !== 0xac, ax: kind === 0xac, flags: kind === 0xa6 || kind === 0xae };
}

/** map << 8 | opcode, the mandatory-prefix class << 10 and the byte after the opcode (ModRM,
 *  if it has one) << 12: enough to tell which opcode-table row an instruction is. */
function opcodeKey(b: Uint8Array): number {
  let simd = 0, i = 0;
  for (; i < b.length; i++) {
    const x = b[i];
    if (x >= 0x40 && x <= 0x4f) continue;
    if (!PREFIXES.includes(x)) break;
    if (x === 0xf3) simd = 2; else if (x === 0xf2) simd = 3; else if (x === 0x66 && simd === 0) simd = 1;
  }
  let op = b[i++] ?? 0;
  if (op === 0x0f) {
    const b2 = b[i++] ?? 0;
    op = b2 === 0x38 ? 0x200 | (b[i++] ?? 0) : b2 === 0x3a ? 0x300 | (b[i++] ?? 0) : 0x100 | b2;
  }
  return op | simd << 10 | (b[i] ?? 0) << 12;
}

interface Row { opcode: string; map: number; bytes: number[]; prefix: string | null; modrm: boolean; digit: number | null; mod: string | null; mnemonic: string }

/** The opcode-table rows (cpu/gen/opcodes.json) no executed instruction matched. */
export function uncovered(cover: Uint32Array): Row[] {
  const rows: Row[] = JSON.parse(readFileSync(join(ROOT, 'cpu/gen/opcodes.json'), 'utf8')).rows;
  const SIMD: Record<string, number> = { NP: 0, '66': 1, F3: 2, F2: 3 };
  return rows.filter((r) => !r.bytes.some((byte) => {
    const idx = r.map << 8 | byte;
    for (let simd = 0; simd < 4; simd++) {
      if (r.prefix !== null && SIMD[r.prefix] !== simd) continue;
      for (let m = 0; m < 256; m++) {
        if (r.digit !== null && ((m >> 3) & 7) !== r.digit) continue;
        if (r.mod !== null && (r.mod === 'reg') !== (m >> 6 === 3)) continue;
        if (cover[idx | simd << 10 | m << 12]) return true;
      }
    }
    return false;
  }));
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function pageAddr(r: Prng): number { return r.int(2 ** 35) * P; } // anywhere below 2^47

/** One x86-shaped instruction: prefix soup, REX, a map, ModRM/SIB/displacement, an immediate. */
function shapedInsn(r: Prng, out: number[]): void {
  for (let n = r.int(8) < 5 ? 0 : 1 + r.int(4); n > 0; n--) out.push(r.pick(PREFIXES));
  const map = r.int(20);
  // SSE forms need exactly one mandatory prefix, which prefix soup seldom makes.
  if (map >= 11 && r.bool()) { const m = r.int(4); if (m) out.push([0, 0x66, 0xf3, 0xf2][m]); }
  if (r.int(10) < 4) out.push(0x40 | r.int(16));
  if (map < 11) {
    const k = r.int(10);
    if (k === 0) out.push(0xd8 + r.int(8));                 // x87 escapes
    else if (k === 1) { out.push(r.pick([0xc4, 0xc5, 0x62, 0x8f])); out.push(r.int(256), r.int(256)); } // VEX/EVEX/XOP
    else out.push(r.int(256));
  } else if (map < 16) out.push(0x0f, r.int(256));
  else out.push(0x0f, map < 18 ? 0x38 : 0x3a, r.int(256));
  if (r.int(10) < 8) {
    const mod = r.pick([0, 0, 0, 1, 1, 2, 3, 3]), rm = r.int(8);
    out.push((mod << 6) | (r.int(8) << 3) | rm);
    let disp = mod === 1 ? 1 : mod === 2 ? 4 : 0;
    if (mod !== 3 && rm === 4) { const sib = r.int(256); out.push(sib); if (mod === 0 && (sib & 7) === 5) disp = 4; }
    if (mod === 0 && rm === 5) disp = 4;                     // rip-relative: stay near the code often
    const d = disp === 1 || r.bool() ? r.int(256) - 128 : r.u32() | 0;
    for (let i = 0; i < disp; i++) out.push((d >> (8 * i)) & 0xff);
  }
  for (let n = r.pick([0, 0, 1, 1, 2, 4, 4, 8]); n > 0; n--) out.push(r.int(256));
}

const PADDING = new Set([0x90, 0xcc, 0x00, 0x66, 0x0f, 0x1f, 0x2e, 0x84, 0x40, 0x44, 0x80]);

/** A likely function start at or after `from`: just past a ret, or past the nop padding that
 *  aligns the next function to 16 bytes. */
function functionStart(t: Uint8Array, from: number, va: number): number {
  for (let i = from; i < t.length - 16; i++) {
    if (t[i] !== 0xc3) continue;
    let j = i + 1;
    while (j < t.length && (va + j) % 16 && PADDING.has(t[j])) j++;
    return (va + j) % 16 ? i + 1 : j;
  }
  return from;
}

/** Mutates real code in place: bit flips, random bytes, deletions, insertions, splices. */
function mutate(r: Prng, b: Uint8Array, real: RealCode[], from: number): void {
  for (let n = 1 + r.int(6); n > 0; n--) {
    const at = from + r.int(Math.min(256, b.length - from));
    switch (r.int(6)) {
      case 0: case 1: b[at] ^= 1 << r.int(8); break;
      case 2: b[at] = r.int(256); break;
      case 3: { const k = 1 + r.int(8); b.copyWithin(at, Math.min(b.length, at + k)); break; }       // delete
      case 4: { const k = 1 + r.int(8); b.copyWithin(Math.min(b.length, at + k), at); for (let i = 0; i < k && at + i < b.length; i++) b[at + i] = r.int(256); break; }
      default: { const t = r.pick(real).text; const o = r.int(t.length - 64); b.set(t.subarray(o, o + Math.min(1 + r.int(64), b.length - at)), at); }
    }
  }
}

/** An 80-bit value as significand and sign/exponent: the classes softfloat code gets wrong. */
function f80(r: Prng): [bigint, number] {
  const J = 1n << 63n, sign = r.u32() & 0x8000; // J: the explicit integer bit
  switch (r.int(6)) {
    case 0: return [0n, sign];                                  // zero
    case 1: return [r.u64() | J, (0x3fdf + r.int(64)) | sign];  // normal, near 1
    case 2: return [r.u64() & ~J, sign];                        // denormal
    case 3: return [r.u64() & ~J, r.u32() & 0xffff];            // unnormal, pseudo-denormal
    case 4: return [r.bool() ? J : r.u64() | J, 0x7fff | sign]; // infinity, NaN
    default: return [r.u64(), r.u32() & 0xffff];               // anything
  }
}

/** Case `index` of `seed`: the same on every run (given the same real code). */
export function generate(seed: number, index: number, real: RealCode[], budget = 2000): InsnCase {
  // Prng keeps 32 bits of its seed: mix seed and index into them (murmur3's finalizer).
  const r = new Prng(BigInt(fmix32(fmix32(seed >>> 0) ^ Math.imul(index, 0x9e3779b9))));
  const kind = r.int(real.length ? 10 : 6);
  const source = kind < 3 ? 'random' : kind < 6 ? 'shaped' : r.pick(real).name;
  const pages: Page[] = [];
  const addPage = (va: number, prot: number, bytes = new Uint8Array(P)): Page | null => {
    if (va < 0 || va >= USER_TOP || pages.some((p) => p.va === va)) return null;
    const p = { va, prot, bytes }; pages.push(p); return p;
  };

  // Real code runs half the time where it was linked, its image demand-paged around it: calls,
  // rip-relative data and the rest of the program are there, as under lxcore.
  const img = source === 'random' || source === 'shaped' ? undefined : real.find((x) => x.name === source)!;
  const inPlace = !!img && r.bool();
  let codeVa: number, off: number;
  if (inPlace) {
    const at = functionStart(img.text, r.int(img.text.length - 16), img.textVa);
    codeVa = Math.floor((img.textVa + at) / P) * P;
    off = img.textVa + at - codeVa;
  } else {
    // Anywhere; near the end of its page, the instruction runs onto the next.
    codeVa = r.int(20) === 0 ? 0x7ffffffff000 : r.int(4) === 0 ? r.pick(SPECIAL_PAGES) : pageAddr(r);
    const where = r.int(10);
    off = where < 4 ? 0 : where < 7 ? r.int(P) : P - 1 - r.int(15);
  }
  const code = addPage(codeVa, r.int(4) === 0 ? R | W | XP : R | XP)!;
  const bytes = code.bytes;
  if (inPlace) {
    bytes.set(img.page(codeVa)!.bytes);
    if (r.int(3) !== 0) mutate(r, bytes, real, off);
  } else {
    const fill = r.int(4);
    if (fill === 0) bytes.fill(0xcc); else if (fill === 1) r.bytes(bytes);
    if (source === 'random') r.bytes(bytes, off, Math.min(P, off + 1 + r.int(64)));
    else if (source === 'shaped') {
      const s: number[] = [];
      for (let n = 1 + r.int(8); n > 0; n--) shapedInsn(r, s);
      bytes.set(s.slice(0, P - off), off);
    } else {
      // A page of real code from a random point, mutated just after where rip starts.
      const o = r.int(img!.text.length - P);
      bytes.set(img!.text.subarray(o, o + P));
      if (r.int(5) !== 0) mutate(r, bytes, real, off);
    }
    // The next page: absent, readable but not executable, or more code.
    const next = r.int(3);
    if (next > 0 && codeVa + P < USER_TOP) {
      const p = addPage(codeVa + P, next === 1 ? R : R | XP);
      if (p && next === 2) { if (real.length && r.bool()) p.bytes.set(r.pick(real).text.subarray(0, P)); else r.bytes(p.bytes); }
    }
  }

  // Real code gets a stack and a heap, as a process has (two writable pages each).
  const stackVa = 0x7ff000000000 + r.int(2 ** 20) * P;
  const heapVa = pageAddr(r);
  if (inPlace) for (const va of [stackVa, stackVa + P, heapVa, heapVa + P]) addPage(va, R | W);
  // Data pages: beside the code, in small clusters (page-crossing accesses), at special places.
  const prots = [R | W, R | W, R | W, R, R | COW, R | W | COW, R | XP, 0];
  const soup: Page[] = [];
  for (let n = 1 + r.int(6); n > 0;) {
    const k = r.int(3);
    const base = k === 0 ? codeVa + (r.int(9) - 4) * P : k === 1 ? pageAddr(r) : r.pick(SPECIAL_PAGES);
    for (let c = 1 + r.int(3); c > 0 && n > 0; c--, n--) {
      const p = addPage(base + (c - 1) * P, r.pick(prots));
      if (!p) continue;
      const content = r.int(4);
      if (content === 1) r.bytes(p.bytes);
      else if (content === 2) p.bytes.fill(r.int(256));
      else if (content === 3) soup.push(p);
    }
  }
  // Pointer soup: qwords that point into mapped pages (ret, jmp [m], pop land somewhere real).
  const near = (): number => {
    if (inPlace && r.int(4) === 0) return img.address(r);
    if (inPlace && r.bool()) return heapVa + r.int(2 * P);
    const p = r.pick(pages);
    const o = r.int(10);
    return p.va + (o < 5 ? r.int(P) : o < 7 ? P - 1 - r.int(16) : o < 9 ? 0 : -1 - r.int(16));
  };
  const pointer = (): bigint => BigInt.asUintN(64, BigInt(near()));
  for (const p of soup) {
    const dv = new DataView(p.bytes.buffer);
    for (let i = 0; i < P; i += 8) {
      const v = r.int(4) ? near() : r.u32() * 2 ** 32 + r.u32();
      dv.setUint32(i, v >>> 0, true);
      dv.setUint32(i + 4, Math.floor(v / 2 ** 32) >>> 0, true);
    }
  }

  // Real code in place mostly wants pointers (arguments, frame pointer): it runs further so.
  const value = (): bigint => {
    const k = r.int(20);
    if (inPlace && k < 12) return pointer();
    return k < 9 ? pointer() : k < 12 ? BigInt(r.int(256)) : k < 15 ? r.pick(EDGES) : r.u64();
  };
  const gpr = Array.from({ length: 16 }, value);
  const stack = pages.filter((p) => (p.prot & (W | COW)) === W);
  if (inPlace) gpr[4] = BigInt(stackVa + P + r.int(P / 8) * 8);
  else if (stack.length && r.int(10) < 7) gpr[4] = BigInt(r.pick(stack).va + r.pick([P, P - 8, 8, 0x800, r.int(P) & ~7]));
  const xmm = new Uint8Array(256);
  if (r.bool()) r.bytes(xmm);
  let x87: X87Init | null = null;
  if (r.int(5) < 2) {
    const st = new Uint8Array(128);
    for (let i = 0; i < 8; i++) {
      const [sig, exp] = f80(r);
      new DataView(st.buffer).setBigUint64(i * 16, sig, true);
      new DataView(st.buffer).setUint16(i * 16 + 8, exp, true);
    }
    x87 = { cw: r.bool() ? 0x37f : r.u32() & 0x1f7f | 0x40, sw: r.bool() ? 0 : r.u32() & 0xc7ff, tw: r.int(256), top: r.int(8), st };
  }
  return {
    id: `${seed}:${index}`, source, pages, rip: codeVa + off, gpr,
    rflags: BigInt(r.u32() & (0x8d5 | 0x400)) | 0x202n,       // status flags, DF; IF and bit 1 as in user mode
    fsBase: r.int(3) === 0 ? pointer() : 0n, gsBase: r.int(6) === 0 ? pointer() : 0n,
    mxcsr: r.int(5) < 3 ? 0x1f80 : r.u32() & 0xffff, xmm, x87, budget, step: r.bool(),
    image: inPlace ? img.name : undefined,
  };
}
// ---- saving and loading cases (tests/fuzz/corpus/insn-<hash>.json) ----------------------------

/** A page as its most common byte plus runs of the others: shrunk pages stay a few lines. */
function encodePage(b: Uint8Array): { fill: string; bytes: [number, string][] } {
  const hist = new Array(256).fill(0);
  for (const v of b) hist[v]++;
  const fill = hist.indexOf(Math.max(...hist));
  const runs: [number, string][] = [];
  for (let i = 0; i < b.length;) {
    if (b[i] === fill) { i++; continue; }
    let j = i;
    while (j < b.length && (b[j] !== fill || (j + 1 < b.length && b[j + 1] !== fill) || (j + 2 < b.length && b[j + 2] !== fill))) j++;
    runs.push([i, hexOf(b.subarray(i, j))]);
    i = j;
  }
  return { fill: fill.toString(16).padStart(2, '0'), bytes: runs };
}

export function toJson(c: InsnCase, extra: Record<string, string> = {}): string {
  const gpr: Record<string, string> = {};
  c.gpr.forEach((v, i) => { if (v) gpr[GPR_NAMES[i]] = h(v); });
  const body = {
    ...extra, source: c.source, budget: c.budget, step: c.step, rip: h(c.rip), gpr, rflags: h(c.rflags),
    fsBase: h(c.fsBase), gsBase: h(c.gsBase), mxcsr: h(c.mxcsr),
    xmm: c.xmm.some((v) => v) ? hexOf(c.xmm) : undefined,
    x87: c.x87 ? { cw: h(c.x87.cw), sw: h(c.x87.sw), tw: h(c.x87.tw), top: c.x87.top, st: hexOf(c.x87.st) } : undefined,
    pages: c.pages.map((p) => ({ va: h(p.va), prot: protName(p.prot), ...encodePage(p.bytes) })),
    lazy: c.lazy?.map((p) => ({ va: h(p.va), prot: protName(p.prot), ...encodePage(p.bytes) })),
    image: c.image,
  };
  return JSON.stringify(body, null, 1).replace(/\[\n\s+(\d+),\n\s+("[0-9a-f]*")\n\s+\]/g, '[$1, $2]') + '\n';
}

export function fromJson(text: string, id: string): InsnCase & { known?: string } {
  const j = JSON.parse(text);
  const gpr = GPR_NAMES.map((n) => BigInt(j.gpr?.[n] ?? 0));
  const page = (p: { va: string; prot: string; fill: string; bytes: [number, string][] }): Page => {
    const bytes = new Uint8Array(P).fill(parseInt(p.fill, 16));
    for (const [o, hx] of p.bytes) bytes.set(fromHex(hx), o);
    return { va: Number(p.va), prot: parseProt(p.prot), bytes };
  };
  const pages: Page[] = j.pages.map(page);
  return {
    id, source: 'corpus', pages, rip: Number(j.rip), gpr, rflags: BigInt(j.rflags), fsBase: BigInt(j.fsBase),
    gsBase: BigInt(j.gsBase), mxcsr: Number(j.mxcsr), xmm: j.xmm ? fromHex(j.xmm) : new Uint8Array(256),
    x87: j.x87 ? { cw: Number(j.x87.cw), sw: Number(j.x87.sw), tw: Number(j.x87.tw), top: j.x87.top, st: fromHex(j.x87.st) } : null,
    budget: j.budget, step: j.step, known: j.known, lazy: j.lazy?.map(page), image: j.image,
  };
}

/** Saves a case as tests/fuzz/corpus/insn-<hash of its contents>.json, `about` first (problem
 *  and where it was found, or a note saying why the case is kept); returns the path. */
export function saveCase(c: InsnCase, about: Record<string, string>): string {
  const hash = createHash('sha256').update(toJson(c)).digest('hex').slice(0, 12);
  mkdirSync(CORPUS_DIR, { recursive: true });
  const path = join(CORPUS_DIR, `insn-${hash}.json`);
  writeFileSync(path, toJson(c, about));
  return path;
}

export function loadCorpus(): (InsnCase & { known?: string })[] {
  if (!existsSync(CORPUS_DIR)) return [];
  return readdirSync(CORPUS_DIR).filter((f) => /^insn-.*\.json$/.test(f)).sort()
    .map((f) => fromJson(readFileSync(join(CORPUS_DIR, f), 'utf8'), f));
}

// ---- shrinking -----------------------------------------------------------------------------------

const clone = (c: InsnCase): InsnCase => ({
  ...c, gpr: [...c.gpr], xmm: c.xmm.slice(), pages: c.pages.map((p) => ({ ...p, bytes: p.bytes.slice() })),
  x87: c.x87 && { ...c.x87, st: c.x87.st.slice() },
});

/**
 * A smaller case with the same kind of problem: fewer instructions, fewer pages, plain page
 * contents (int3 on code pages, zero elsewhere), registers zeroed, default FPU state. Greedy,
 * bounded by `tries` runs.
 */
export function shrink(fz: Fuzzer, c: InsnCase, kind: string, tries = 3000): InsnCase {
  let best = clone(c);
  const both = kind === 'step-vs-run';
  const fails = (t: InsnCase): boolean => {
    if (tries-- <= 0) return false;
    return fz.check(t, both).problems.some((p) => p.kind === kind);
  };
  const attempt = (edit: (t: InsnCase) => void): boolean => {
    const t = clone(best); edit(t);
    if (!fails(t)) return false;
    best = t; return true;
  };
  for (let round = 0, changed = true; changed && round < 8 && tries > 0; round++) {
    changed = false;
    const o = fz.run(best);
    if (o.insns + 1 < best.budget) changed = attempt((t) => { t.budget = o.insns + 1; }) || changed;
    // Start at the instruction where it went wrong, without what led there.
    if (o.rip !== best.rip) changed = attempt((t) => { t.rip = o.rip; t.budget = 1; }) || changed;
    if (best.step && !both) changed = attempt((t) => { t.step = false; }) || changed;
    for (let i = best.pages.length - 1; i >= 0; i--) {
      const p = best.pages[i];
      if (Math.floor(best.rip / P) * P === p.va) continue;
      changed = attempt((t) => { t.pages.splice(i, 1); }) || changed;
    }
    for (let i = 0; i < best.pages.length; i++) {
      const code = (best.pages[i].prot & XP) !== 0;
      const plain = code ? 0xcc : 0;
      // Neutralize halves, then quarters … down to single bytes where that still fails.
      for (let size = P; size >= 1; size >>= 1) {
        for (let at = 0; at < P; at += size) {
          const b = best.pages[i].bytes;
          if (b.subarray(at, at + size).every((v) => v === plain)) continue;
          changed = attempt((t) => { t.pages[i].bytes.fill(plain, at, at + size); }) || changed;
        }
        if (size <= 64 && tries < 500) break;
      }
    }
    for (let g = 0; g < 16; g++) if (best.gpr[g]) changed = attempt((t) => { t.gpr[g] = 0n; }) || changed;
    if (best.rflags !== 0x202n) changed = attempt((t) => { t.rflags = 0x202n; }) || changed;
    if (best.fsBase) changed = attempt((t) => { t.fsBase = 0n; }) || changed;
    if (best.gsBase) changed = attempt((t) => { t.gsBase = 0n; }) || changed;
    if (best.mxcsr !== 0x1f80) changed = attempt((t) => { t.mxcsr = 0x1f80; }) || changed;
    if (best.xmm.some((v) => v)) changed = attempt((t) => { t.xmm.fill(0); }) || changed;
    if (best.x87) changed = attempt((t) => { t.x87 = null; }) || changed;
    for (let i = 0; i < best.pages.length; i++) {
      for (const prot of [R | W, R, R | XP]) {
        if (best.pages[i].prot !== prot && (best.pages[i].prot & XP) === (prot & XP)) changed = attempt((t) => { t.pages[i].prot = prot; }) || changed;
      }
    }
  }
  return best;
}

// ---- the fuzzing loop ----------------------------------------------------------------------------

export interface FuzzOptions {
  seed: number;
  iters: number;
  seconds: number;          // stop early after this long (the report says so)
  budget?: number;          // instructions per case (default 2000)
  real?: RealCode[];        // default: realCode()
  slowMs?: number;          // a case slower than this, twice, is a finding (default 1 s: 2000 of
                            // the slowest instructions measured, fyl2x, take ~35 ms)
  save?: boolean;           // save shrunk reproducers to tests/fuzz/corpus (default true)
  coverage?: boolean;       // report opcode-table rows no single-stepped case executed
}
export interface Finding extends Problem { case: InsnCase; shrunk: InsnCase; file?: string }
export interface FuzzReport {
  seed: number; cases: number; seconds: number; stoppedEarly: boolean; insns: number; syscalls: number; cows: number;
  ends: Record<string, number>; sources: Record<string, number>; slowest: { id: string; ms: number }; findings: Finding[];
  uncovered?: Row[];
}

/** One machine, replaced after a host failure (a trap may leave the core's globals anywhere). */
export class Fuzzer {
  private m: Machine | null = null;
  private images: Map<string, RealCode>;
  constructor(real: RealCode[] = []) { this.images = new Map(real.map((x) => [x.name, x])); }
  machine(): Machine { return (this.m ??= new Machine(this.images)); }
  run(c: InsnCase, fingerprint = false): Outcome {
    const o = this.machine().runCase(c, fingerprint);
    if (o.end === 'trap') this.m = null;
    return o;
  }
  /** Runs `c`; with `both`, also the other way — run(n) against n × run(1) — and the two must
   *  agree: a budget boundary changes nothing. */
  check(c: InsnCase, both: boolean): Outcome {
    const o = this.run(c, both);
    if (both && o.fingerprint) {
      const d = sameRun(o, this.run({ ...c, step: !c.step }, true));
      if (d) o.problems.push({ kind: 'step-vs-run', detail: `stepped and run ${c.step ? 'second' : 'first'} differ: ${d}` });
    }
    return o;
  }
}

/** How two runs of one case differ (null: they agree, or a stepped run read the clock). */
export function sameRun(a: Outcome, b: Outcome): string | null {
  const fa = a.fingerprint, fb = b.fingerprint;
  if (!fa || !fb || fa.clock || fb.clock) return null;
  if (a.end !== b.end || a.insns !== b.insns || a.syscalls !== b.syscalls) return `ended ${a.end} after ${a.insns} vs ${b.end} after ${b.insns}`;
  const k = fa.state.findIndex((v, i) => v !== fb.state[i]);
  if (k >= 0) return `state ${fieldName(k)}`;
  for (const [va, m] of fa.memory) {
    const n = fb.memory.get(va);
    const j = n ? m.findIndex((v, i) => v !== n[i]) : 0;
    if (j >= 0) return `memory at 0x${(va + j).toString(16)}`;
  }
  return null;
}

export function fuzz(opts: FuzzOptions): FuzzReport {
  const real = opts.real ?? realCode();
  const budget = opts.budget ?? 2000;
  const slowMs = opts.slowMs ?? 1000;
  const fz = new Fuzzer(real);
  const rep: FuzzReport = {
    seed: opts.seed, cases: 0, seconds: 0, stoppedEarly: false, insns: 0, syscalls: 0, cows: 0,
    ends: {}, sources: {}, slowest: { id: '', ms: 0 }, findings: [],
  };
  const seen = new Set<string>();
  const cover = opts.coverage ? new Uint32Array(1 << 20) : null;
  const t0 = performance.now();
  for (let i = 0; i < opts.iters; i++) {
    if ((i & 63) === 0 && performance.now() - t0 > opts.seconds * 1000) { rep.stoppedEarly = true; break; }
    const c = generate(opts.seed, i, real, budget);
    fz.machine().cover = cover;
    let o = fz.check(c, i % 8 === 0);
    if (o.ms > slowMs && o.problems.length === 0) {
      o = fz.run(c); // a GC pause is not a hang: only slow twice counts
      if (o.ms > slowMs) o.problems.push({ kind: 'slow', detail: `${o.ms.toFixed(0)} ms for ${o.insns} instructions` });
    }
    rep.cases++; rep.insns += o.insns; rep.syscalls += o.syscalls; rep.cows += o.cows;
    rep.ends[o.end] = (rep.ends[o.end] ?? 0) + 1;
    rep.sources[c.source] = (rep.sources[c.source] ?? 0) + 1;
    if (o.ms > rep.slowest.ms) rep.slowest = { id: c.id, ms: o.ms };
    for (const p of o.problems) {
      if (seen.has(p.kind) || rep.findings.length >= 8) continue;
      seen.add(p.kind);
      fz.machine().cover = null;
      const both = p.kind === 'step-vs-run';
      let shrunk = shrink(fz, c, p.kind);
      // A saved case carries the image pages it touched instead of naming the image.
      if (shrunk.image) {
        const lazy = fz.run(shrunk).demand.map((d) => ({ ...d, bytes: d.bytes.slice() }));
        const own = { ...shrunk, image: undefined, lazy };
        if (fz.check(own, both).problems.some((q) => q.kind === p.kind)) shrunk = own;
      }
      const again = fz.check(shrunk, both).problems.find((q) => q.kind === p.kind) ?? p;
      const f: Finding = { ...again, case: c, shrunk };
      const found = `WASL_FUZZ_SEED=${opts.seed} case ${i} (${c.source})`;
      if (opts.save ?? true) f.file = saveCase(shrunk, { problem: `${again.kind}: ${again.detail}`, found });
      rep.findings.push(f);
    }
  }
  fz.machine().cover = null;
  if (cover) rep.uncovered = uncovered(cover);
  rep.seconds = (performance.now() - t0) / 1000;
  return rep;
}

export function formatReport(r: FuzzReport): string {
  const ends = Object.entries(r.ends).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  const src = Object.entries(r.sources).map(([k, v]) => `${k} ${v}`).join(', ');
  const rate = `${(r.cases / r.seconds).toFixed(0)}/s${r.stoppedEarly ? ', stopped at the time limit' : ''}`;
  return `insn fuzz seed ${r.seed}: ${r.cases} cases in ${r.seconds.toFixed(1)} s (${rate}), ` +
    `${r.insns} instructions, ${r.syscalls} syscalls, ${r.cows} COW faults resolved; slowest ${r.slowest.id} ${r.slowest.ms.toFixed(1)} ms\n` +
    `  ends: ${ends}\n  sources: ${src}\n` +
    (r.uncovered ? `  opcode-table rows never executed: ${r.uncovered.length}: ${r.uncovered.map((x) => `${x.opcode} ${x.mnemonic}`).join(', ')}\n` : '') +
    r.findings.map((f) => `  FINDING ${f.kind}: ${f.detail}\n    case ${f.case.id} (${f.case.source}); reproducer ${f.file ?? '(not saved)'}`).join('\n');
}

