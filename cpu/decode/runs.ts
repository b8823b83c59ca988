// Runs of fast forms: the interpreter's block cache (issue #11; docs/architecture.md "Runs of fast
// forms"; "The interpreter, third stage"). A run is up to RUN_MAX_OPS consecutive instructions
// inside one page: fast forms (decoder.ts fastForm), ending at the first store or at the first
// instruction that is not a fast form (which is the run's last, run through dispatch()); a Jcc
// inside a run leaves it when taken (a side exit). Its record keeps a snapshot of
// the code bytes it covers and its own copies of the instructions' cache entries, so one compare
// of at most RUN_MAX_BYTES bytes against the code now in memory validates all of it, instead of
// a TLB lookup, a cache lookup and a 16-byte compare per instruction.
//
// Why one compare at entry is enough: wasl has one JS thread, so while run() executes nothing
// but the core writes guest memory, and among fast forms only a store writes it — a run ends
// with its store, and the next run is validated again. Everything lxcore writes (exec, read(2),
// signal frames, COW copies, munmap + mmap) lands between run() calls and is seen by the next
// validation. The record is self-contained (copies, not references to cache entries), so a cache
// entry decoded later from other bytes cannot be mistaken for the run's.
//
// Flag liveness: when the record is made, a backward scan marks the instructions whose flags a
// later instruction of the run replaces entirely before anything can see them (a Jcc, ADC/SBB,
// RCL/RCR, an instruction that may fault, whose fault must show the flags exactly as they
// were, or the last one run through dispatch()); those run without computing or recording
// flags (runDead). The run's last flags are always left live.

import {
  RUNS, RUN_SIZE, RUN_ENTRIES, RN_RIP, RN_N, RN_BYTES, RN_CODE, RN_OPS, RUN_MAX_BYTES, RUN_MAX_OPS,
  DCACHE_MASKS, DCACHE_ENTRY_SIZE, CE_RIP, CE_LEN, CE_BYTES, CE_FAST, CE_FA, CE_FB, CE_IMM,
  CE_DEADF, CE_FSIZE, TLBE_EXEC_TAG, TLBE_FRAME, STATE, RIP,
} from '../shared/layout';
import { exiting, readReg, writeReg } from '../state';
import { cond } from '../ops/flags';
import { tlbEntry } from '../mmu/tlb';
import { ADC, SBB, CMP, aluValue } from '../ops/alu';
import { ROL, ROR, RCL, RCR, shiftValue } from '../ops/shift';
import {
  cacheEntry, runFast, runSlow, FK_NONE, FK_MOV_RR, FK_MOV_RI, FK_LEA, FK_MOVX_R, FK_JCC, FK_STORE,
  FK_ALU_RR, FK_ALU_RI, FK_TEST_RR, FK_SHIFT_RI, FK_INCDEC,
} from './decoder';

@inline function runSlot(rip: u64): usize {
  return RUNS + ((<usize>(rip ^ (rip >> 11)) & (RUN_ENTRIES - 1)) * RUN_SIZE);
}

/** Empties the table (at start). */
export function runsInit(): void {
  for (let i = 0; i < RUN_ENTRIES; i++) store<u64>(RUNS + <usize>i * RUN_SIZE, <u64>-1, RN_RIP);
}

/**
 * Records the run starting at `rip` from the decoded-instruction cache, each entry checked
 * against the code in memory as a cache hit would be. Leaves a "no run" record (fewer than two
 * instructions) when none starts here, except while the first instruction is not cached yet
 * (its first execution), so that the next visit tries again.
 */
function buildRun(rn: usize, rip: u64): void {
  const vpn = rip >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_EXEC_TAG) != vpn) return;
  const off = <i32>(rip & 0xfff);
  const host = <usize>load<u32>(e, TLBE_FRAME) + <usize>off;
  let k = 0;
  let bytes = 0;
  // The snapshot compare reads RUN_MAX_BYTES from `host`: the run must leave that much room.
  if (off <= 0x1000 - RUN_MAX_BYTES) {
    let r = rip;
    while (k < RUN_MAX_OPS) {
      const ce = cacheEntry(r);
      if (load<u64>(ce, CE_RIP) != r) { if (k == 0) return; break; }
      const len = <i32>load<u8>(ce, CE_LEN);
      if (bytes + len > RUN_MAX_BYTES) break;
      const mask = v128.load(DCACHE_MASKS + (<usize>len << 4));
      if (v128.any_true(v128.xor(v128.and(v128.load(host + <usize>bytes), mask), v128.load(ce, CE_BYTES)))) {
        if (k == 0) return;
        break;
      }
      const kind = <i32>load<u8>(ce, CE_FAST);
      memory.copy(rn + RN_OPS + <usize>k * DCACHE_ENTRY_SIZE, ce, DCACHE_ENTRY_SIZE);
      k++;
      bytes += len;
      r += <u64>len;
      // Any instruction may end a run (run through dispatch(), as step() does); a Jcc is a
      // side exit when taken; a store ends the run, since it may have written the run's code.
      if (kind == FK_NONE || kind == FK_STORE) break;
    }
  }
  markDeadFlags(rn, k);
  store<u64>(rn, rip, RN_RIP);
  store<u8>(rn, <u8>k, RN_N);
  store<u8>(rn, <u8>bytes, RN_BYTES);
  memory.fill(rn + RN_CODE, 0, RUN_MAX_BYTES);
  memory.copy(rn + RN_CODE, host, bytes);
}

/** The backward liveness scan over the `n` instructions of a run (see the top of the file). */
function markDeadFlags(rn: usize, n: i32): void {
  let live = true; // after the run: anything may read them
  for (let j = n - 1; j >= 0; j--) {
    const ce = rn + RN_OPS + <usize>j * DCACHE_ENTRY_SIZE;
    const kind = <i32>load<u8>(ce, CE_FAST);
    const op = <i32>load<u8>(ce, CE_FB) >> 4;
    let dead = false;
    if (kind == FK_ALU_RR || kind == FK_ALU_RI) {
      if (op == ADC || op == SBB) live = true;
      else { dead = !live; live = false; }
    } else if (kind == FK_TEST_RR) {
      dead = !live;
      live = false;
    } else if (kind == FK_SHIFT_RI) {
      const size = <i32>load<u8>(ce, CE_FSIZE);
      const count = <u32>load<u64>(ce, CE_IMM) & (size == 8 ? 63 : 31);
      if (count == 0) { /* changes no flag */ }
      else if (op == RCL || op == RCR) live = true;
      else if (op == ROL || op == ROR) dead = !live; // CF and OF only: the others pass through
      else { dead = !live; live = false; }
    } else if (kind == FK_INCDEC) {
      dead = !live; // all but CF: like ROL/ROR, liveness passes through
    } else if (kind != FK_MOV_RR && kind != FK_MOV_RI && kind != FK_LEA && kind != FK_MOVX_R) {
      // Jcc reads flags; loads, stores and the other memory forms may fault, and the fault
      // must show the flags; an instruction run through dispatch() may do anything.
      live = true;
    }
    store<u8>(ce, dead ? 1 : 0, CE_DEADF);
  }
}

/** Runs a register-only instruction whose flags are dead: its value alone, no flag record. */
@inline function runDead(ce: usize, rip: u64, kind: i32): void {
  const size = <i32>load<u8>(ce, CE_FSIZE);
  const fa = <i32>load<u8>(ce, CE_FA);
  const fb = <i32>load<u8>(ce, CE_FB);
  const op = fb >> 4;
  // rex = 1: a fast form's byte register is never AH..BH (decoder.ts byteRegOk).
  if (kind == FK_ALU_RR) {
    if (op != CMP) writeReg(fa, size, 1, aluValue(op, readReg(fa, size, 1), readReg(fb & 15, size, 1)));
  } else if (kind == FK_ALU_RI) {
    if (op != CMP) writeReg(fa, size, 1, aluValue(op, readReg(fa, size, 1), load<u64>(ce, CE_IMM)));
  } else if (kind == FK_SHIFT_RI) {
    writeReg(fa, size, 1, shiftValue(op, size, readReg(fa, size, 1), <u32>load<u64>(ce, CE_IMM)));
  } else if (kind == FK_INCDEC) {
    const a = readReg(fa, size, 1);
    writeReg(fa, size, 1, fb ? a - 1 : a + 1);
  } // FK_TEST_RR: nothing
  store<u64>(STATE + RIP, rip + <u64>load<u8>(ce, CE_LEN));
}

/**
 * Executes the run starting at `rip` if there is a valid one of at most `room` instructions:
 * returns the instructions retired (`exiting` set if the last one faulted, which is then not
 * counted, as in step()), or -1 when there is none and the caller must step().
 */
@inline export function tryRun(rip: u64, room: i32): i32 {
  const rn = runSlot(rip);
  if (load<u64>(rn, RN_RIP) != rip) { buildRun(rn, rip); return -1; }
  const n = <i32>load<u8>(rn, RN_N);
  if (n < 2 || n > room) return -1;
  const vpn = rip >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_EXEC_TAG) != vpn) return -1;
  const host = <usize>load<u32>(e, TLBE_FRAME) + <usize>(rip & 0xfff);
  const bytes = <i32>load<u8>(rn, RN_BYTES);
  // The snapshot is zero past `bytes`; the code in memory is masked to the same length.
  let diff = v128.xor(v128.load(host), v128.load(rn, RN_CODE));
  if (bytes < 16) diff = v128.and(diff, v128.load(DCACHE_MASKS + (<usize>bytes << 4)));
  for (let at = 16; at < bytes; at += 16) {
    let d = v128.xor(v128.load(host + <usize>at), v128.load(rn + <usize>at, RN_CODE));
    const left = bytes - at;
    if (left < 16) d = v128.and(d, v128.load(DCACHE_MASKS + (<usize>left << 4)));
    diff = v128.or(diff, d);
  }
  if (v128.any_true(diff)) { store<u64>(rn, <u64>-1, RN_RIP); return -1; } // code changed: rebuild
  let ce = rn + RN_OPS;
  let at = rip;
  for (let k = 0; k < n; k++) {
    const kind = <i32>load<u8>(ce, CE_FAST);
    const next = at + <u64>load<u8>(ce, CE_LEN);
    if (kind == FK_JCC) {
      // A taken Jcc leaves the run (a side exit); not taken, the run goes on.
      if (cond(<i32>load<u8>(ce, CE_FA))) {
        store<u64>(STATE + RIP, next + load<u64>(ce, CE_IMM));
        return k + 1;
      }
      store<u64>(STATE + RIP, next);
    } else if (kind == FK_NONE) {
      // The last instruction, not a fast form: through the table's handler, as step() does it.
      // A fault leaves rip; a trap (syscall) has committed it and run() counts it.
      runSlow(ce, at);
      return exiting ? k : n;
    } else if (load<u8>(ce, CE_DEADF)) runDead(ce, at, kind);
    else {
      runFast(ce, at, kind);
      if (exiting) return k;
    }
    at = next;
    ce += DCACHE_ENTRY_SIZE;
  }
  return n;
}
