// The compiler tier's half inside the core: the block table, the run loop that enters compiled
// blocks, and the few core routines compiled blocks import (docs/architecture.md, "The wasm
// compiler tier"). The translator itself runs on the host (cpu/jit/host/compiler.ts): when a
// block start gets hot, the loop asks it (import env.jitCompile) for a wasm function, which the
// host installs in this module's function table; the loop then enters it with call_indirect.
//
// A compiled block checks on entry that the guest code bytes it was made from are still the
// bytes at rip (they are constants in its own code), exactly as the decoded-instruction cache
// validates an entry; so writes to code from anywhere — guest stores, exec, lxcore's typed-array
// writes, munmap + mmap — need no invalidation protocol, and a stale block just reports itself.

import {
  STATE, RIP, TLBE_EXEC_TAG, TLBE_FRAME, JIT_BUF, JIT_REC_SIZE, JIT_BLOCKS, JIT_BLOCK_SIZE,
  JIT_BLOCK_ENTRIES, JB_RIP, JB_SLOT, JB_INSNS, JB_HITS, JB_STALE, JIT_EARLY, JIT_STALE, JIT_PENDING, JIT_COUNT_MASK, INSN_COUNT, EXIT_REASON,
  JIT_MAX_INSNS,
} from '../shared/layout';
import { EXIT_BUDGET } from '../shared/exit';
import { step, decodeRecord } from '../decode/decoder';
import { exiting, exitCompletes, clearExit } from '../state';
import { tlbEntry, tlbProbe, ACCESS_READ, ACCESS_WRITE } from '../mmu/tlb';
import { cond, getCF } from '../ops/flags';
import { shifted } from '../ops/shift';

/** Asks the host to compile the block at `rip` (code at linear address `host`): returns
 *  instructions << 16 | table slot, -1 when its first instruction is not compilable, or
 *  JIT_PENDING when the block waits to be compiled with others (one module for several). A block
 *  is (code address, instructions left in the budget, instructions already retired) =>
 *  instructions retired | JIT_EARLY | JIT_STALE (layout.ts); a block that loops back to its
 *  start runs iterations while the budget allows, and a block that ends at a branch, call, ret
 *  or its last instruction tail-calls the compiled block at the target when that one fits in the
 *  budget left (chaining), so the count it returns covers the whole chain. */
@external("env", "jitCompile") declare function jitCompile(rip: f64, host: i32): i32;

/** Executions of a block start before it is compiled (set by the host: jitSetup). */
let threshold: i32 = 0;
/** A block waiting for its batch (JIT_PENDING) asks again after this many thresholds more. */
const PENDING_WAIT: i32 = 4;
/** 0: the interpreter alone (--no-jit). */
let jitOn: bool = false;

/**
 * Instructions a thread retires (its INSN_COUNT) before the run loop looks for blocks at all:
 * a short program — a hello is ~1,400 instructions, a busybox applet a few hundred thousand —
 * finishes in the interpreter sooner than its first compiles would (the translator is cold
 * JavaScript then: ~5-10 ms for the first blocks). Set by the host (jitSetup).
 */
let warmup: u64 = 0;

export function jitSetup(on: bool, hot: i32, warm: i32): void {
  jitOn = on;
  threshold = hot < 1 ? 1 : hot;
  warmup = warm < 0 ? 0 : <u64>warm;
  jitFlush();
}

/** Whether the thread on the core has run long enough for the compiler tier (warmup). */
@inline export function jitWarm(): bool { return load<u64>(STATE + INSN_COUNT) >= warmup; }

/** Forgets every block (the host's table slots are reused from scratch). */
export function jitFlush(): void {
  for (let i = 0; i < JIT_BLOCK_ENTRIES; i++) {
    const b = <usize>JIT_BLOCKS + <usize>i * JIT_BLOCK_SIZE;
    store<u64>(b, <u64>-1, JB_RIP);
    store<i32>(b, 0, JB_SLOT);
  }
}

export function jitEnabled(): bool { return jitOn; }

/** The two-way set of block entries for rip (the host's JitCache finds entries the same way). */
@inline function blockSet(rip: u64): usize {
  return JIT_BLOCKS + ((<usize>(rip ^ (rip >> 10)) & (JIT_BLOCK_ENTRIES / 2 - 1)) * 2 * JIT_BLOCK_SIZE);
}

/**
 * The entry for rip, claimed for it (counting from one hit) if it has none. A newcomer takes
 * the way that holds no compiled block, or else the second way: two hot block starts that map
 * to one set (a loop and the function it calls) keep their blocks. When neither way holds one,
 * it takes a refused one, or the one with fewer hits. (Always taking the first let two starts
 * that alternate in one set reset each other's count for good while the second way stayed
 * empty: sort ran 1.1 M instructions at two such starts that were never compiled.)
 */
@inline function blockEntry(rip: u64): usize {
  const w0 = blockSet(rip);
  if (load<u64>(w0, JB_RIP) == rip) return w0;
  const w1 = w0 + JIT_BLOCK_SIZE;
  if (load<u64>(w1, JB_RIP) == rip) return w1;
  const s0 = load<i32>(w0, JB_SLOT), s1 = load<i32>(w1, JB_SLOT);
  let b = s0 > 0 ? w1 : w0;
  // Neither compiled: a refused start goes first, else the colder (unsigned: a negative count,
  // waiting for its batch or backed off, sorts last).
  if (s0 == 0 && s1 <= 0 && (s1 < 0 || <u32>load<i32>(w1, JB_HITS) < <u32>load<i32>(w0, JB_HITS))) b = w1;
  store<u64>(b, rip, JB_RIP);
  store<i32>(b, 0, JB_SLOT);
  store<i32>(b, 0, JB_HITS);
  store<i32>(b, 0, JB_STALE);
  return b;
}

/** Decodes up to `max` instructions from `rip` on into JIT_BUF records; returns how many. */
export function jitDecode(rip: u64, max: i32): i32 {
  let n = 0;
  while (n < max) {
    const rec = <usize>JIT_BUF + <usize>n * JIT_REC_SIZE;
    if (decodeRecord(rip, rec) < 0) break;
    if ((rip >> 12) != ((rip + <u64>load<u8>(rec, 42 /* CE_LEN */)) >> 12)) break;
    rip += <u64>load<u8>(rec, 42);
    n++;
  }
  return n;
}

/**
 * The block starting at rip was found stale (its code changed): it is counted again, longer each
 * time it happens, so code rewritten over and over (a guest patching its own loop) is not
 * recompiled at every turn: the interpreter's per-instruction check costs less.
 */
function markStale(rip: u64): void {
  const sb = blockEntry(rip);
  const stale = load<i32>(sb, JB_STALE) + 1;
  store<i32>(sb, stale, JB_STALE);
  store<i32>(sb, 0, JB_SLOT);
  store<i32>(sb, 1 - (threshold << (stale < 16 ? stale : 16)), JB_HITS);
}

// ---- routines compiled blocks call (imports of every block module) -------------------------
/** A block found a later part of its code changed (it checks each part where it first reaches
 *  it): it leaves before that part, and is counted again as if stale on entry. */
export function jitStale(rip: u64): void { markStale(rip); }
/** Condition code `cc` from the flags in the state block. */
export function jitCond(cc: i32): i32 { return cond(cc) ? 1 : 0; }
/** CF from the flags in the state block. */
export function jitGetCF(): i32 { return getCF() ? 1 : 0; }
/** A group-2 shift or rotate with its flags, as the interpreter does it. */
export function jitShift(op: i32, size: i32, v: u64, count: i32): u64 { return shifted(op, size, v, <u32>count); }
/** A TLB miss in compiled code: fills the entry for va as the interpreter's access would, or
 *  returns 0 (nothing changed, no fault raised) when that access would fault or must go
 *  through the interpreter (copy-on-write): the block then leaves before the instruction. */
export function jitTlb(va: u64, write: i32): i32 {
  profFills++;
  return <i32>tlbProbe(va, write ? ACCESS_WRITE : ACCESS_READ);
}

// ---- profile (WASL_JIT_STATS): where the instructions of a run went -----------------------
/** Instructions retired in compiled blocks, in the interpreter, and block entries. */
let profCompiled: u64 = 0;
let profInterp: u64 = 0;
let profEntries: u64 = 0;
/** TLB misses compiled code filled itself (jitTlb). */
let profFills: u64 = 0;
/** With WASL_JIT_STATS, the opcode (+1; 0: undecodable) of every 61st instruction the
 *  interpreter ran, in a ring: what keeps hot code out of compiled blocks. */
const PROF_SAMPLES = 4096;
const profOps = new StaticArray<u32>(PROF_SAMPLES);
let profSeen: u32 = 0;
let profSampling = false;

/** The profile: 0 compiled, 1 interpreted, 2 block entries, 3 samples taken; 4 + i: sample i;
 *  -2 TLB fills by compiled code. -1 turns sampling on. */
export function jitProfile(i: i32): u64 {
  if (i == -1) { profSampling = true; return 0; }
  if (i == 0) return profCompiled;
  if (i == 1) return profInterp;
  if (i == 2) return profEntries;
  if (i == -2) return profFills;
  if (i == 3) return <u64>profSeen;
  return i >= 4 && i - 4 < PROF_SAMPLES ? <u64>unchecked(profOps[i - 4]) : 0;
}

/** Decodes the instruction at rip into the last JIT_BUF record (not in use between compiles). */
function sample(rip: u64): void {
  const rec = <usize>JIT_BUF + <usize>(JIT_MAX_INSNS - 1) * JIT_REC_SIZE;
  const op = decodeRecord(rip, rec);
  unchecked(profOps[profSeen++ % PROF_SAMPLES] = op < 0 ? 0 : <u32>op + 1);
}

/**
 * run(budget) with compiled blocks: at each block boundary (run() entry, after a compiled block,
 * after an interpreted instruction that did not fall through) the block table is consulted;
 * a compiled block is entered when it fits in what is left of the budget, so the count stays
 * exact; otherwise the interpreter steps as usual.
 */
export function runJit(budget: i32): i32 {
  clearExit();
  let i = 0;
  let boundary = true;
  // The instruction about to be interpreted is one a compiled block stopped at, or a block start
  // the translator refused: the instruction after it starts a block too, so straight-line code
  // after an untranslated instruction goes back into compiled code instead of running in the
  // interpreter until the next branch.
  let resume = false;
  while (i < budget) {
    if (boundary) {
      const rip = load<u64>(STATE + RIP);
      const b = blockEntry(rip);
      {
        let slot = load<i32>(b, JB_SLOT);
        const vpn = rip >> 12;
        const e = tlbEntry(vpn);
        if (slot == 0 && load<u64>(e, TLBE_EXEC_TAG) == vpn) {
          const hits = load<i32>(b, JB_HITS) + 1;
          store<i32>(b, hits, JB_HITS);
          if (hits >= threshold) {
            const r = jitCompile(<f64>rip, <i32>load<u32>(e, TLBE_FRAME) + <i32>(rip & 0xfff));
            if (r == JIT_PENDING) {
              // Translated, waiting for its batch: interpreted meanwhile; it asks again (and
              // has the batch compiled) when it is hot again, unless the batch fills first and
              // the host fills in this entry itself.
              // Compiling on first sight (threshold 1: the oracle tests) asks at the next arrival.
              store<i32>(b, threshold > 1 ? -threshold * (PENDING_WAIT - 1) : 0, JB_HITS);
            } else {
              // The host may have reused a slot: it cleared that block's entry itself.
              slot = r < 0 ? -1 : r & 0xffff;
              store<i32>(b, slot, JB_SLOT);
              store<i32>(b, r < 0 ? 0 : r >> 16, JB_INSNS);
            }
          }
        }
        if (slot < 0) resume = true;
        if (slot > 0 && i + load<i32>(b, JB_INSNS) <= budget && load<u64>(e, TLBE_EXEC_TAG) == vpn) {
          const r = call_indirect<i32>(<u32>slot, <i32>load<u32>(e, TLBE_FRAME) + <i32>(rip & 0xfff), budget - i, 0);
          i += r & JIT_COUNT_MASK;
          profCompiled += <u64>(r & JIT_COUNT_MASK);
          profEntries++;
          if ((r & JIT_STALE) == 0) {
            // After an early exit the interpreter runs the instruction the block stopped at.
            boundary = (r & JIT_EARLY) == 0;
            resume = !boundary;
            continue;
          }
          // Stale: the code changed under the block at rip (the one entered, or one a block
          // chained to: rip is its start either way).
          markStale(load<u64>(STATE + RIP));
          // What is left of the budget may not hold the next instruction.
          if (i >= budget) break;
        }
      }
    }
    const before = load<u64>(STATE + RIP);
    profInterp++;
    if (profSampling && profInterp % 61 == 0) sample(before); // no division per instruction unless sampling
    step();
    if (exiting) break;
    i++;
    // Fell through (rip advanced by at most an instruction's length): not a block start,
    // unless the instruction was one compiled code could not run (resume).
    boundary = resume || load<u64>(STATE + RIP) - before - 1 >= 15;
    resume = false;
  }
  const retired = i + (exiting && exitCompletes ? 1 : 0);
  store<u64>(STATE + INSN_COUNT, load<u64>(STATE + INSN_COUNT) + <u64>retired);
  return exiting ? load<i32>(STATE + EXIT_REASON) : EXIT_BUDGET;
}
