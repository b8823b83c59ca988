// Runs of fast forms: the interpreter's block cache (issue #11; docs/architecture.md "Runs of fast
// forms"; "The interpreter, third", "fourth" and "fifth stage"). A run is up to RUN_MAX_OPS
// consecutive instructions inside one page: fast forms (decoder.ts fastForm), ending at a JMP,
// CALL or RET, at the first instruction that is not a fast form (which is the run's last, run
// through dispatch()), or at a store that wrote the run's own code frame; a Jcc inside a run
// leaves it when taken (a side exit). Its record keeps a snapshot of
// the code bytes it covers and its own copies of the instructions' cache entries, so one compare
// of at most RUN_MAX_BYTES bytes against the code now in memory validates all of it, instead of
// a TLB lookup, a cache lookup and a 16-byte compare per instruction.
//
// Why one compare at entry is enough: wasl has one JS thread, so while run() executes nothing
// but the core writes guest memory, and among fast forms only a store writes it — a store that
// wrote the frame the run's code is in (compared by frame, so a second mapping of the same code
// counts) ends the run there, and the next run is validated again. Everything lxcore writes (exec, read(2),
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
  RUNS, RUN_SIZE, RUN_ENTRIES, RN_RIP, RN_N, RN_BYTES, RN_CODE, RN_OPS, RUN_OP_SIZE, RUN_MAX_BYTES, RUN_MAX_OPS,
  DCACHE_MASKS, CE_RIP, CE_LEN, CE_BYTES, CE_DISP, CE_FAST, CE_FA, CE_FB, CE_IMM,
  CE_DEADF, CE_FSIZE, CE_RUNH, CE_FLAGS, CE_PREFIX, TLBE_EXEC_TAG, TLBE_WRITE_TAG, TLBE_FRAME, STATE, RIP,
} from '../shared/layout';
import { exiting, readReg, writeReg, reg64, setReg64, R_SP } from '../state';
import { cond, parkCF, setLazy, FL_INC, FL_DEC } from '../ops/flags';
import { tlbEntry } from '../mmu/tlb';
import { readMem, writeMem, read64, write64 } from '../mmu/access';
import { ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, alu, aluValue } from '../ops/alu';
import { ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR, shiftValue, shifted } from '../ops/shift';
import { imulValue } from '../ops/muldiv';
import {
  cacheEntry, runSlot, runFast, runSlow, entryAddr, noteRunFault, d_ea, FK_NONE, FK_MOV_RR, FK_MOV_RI, FK_LEA,
  FK_MOVX_R, FK_JCC, FK_JMP, FK_STORE, FK_LOAD, FK_ALU_RR, FK_ALU_RI, FK_TEST_RR, FK_SHIFT_RI,
  FK_INCDEC, FK_NOTNEG, FK_XMM_RR, FK_XMM_SHI, FK_XMM_STOREQ, XOP_MOVDQA, XOP_PXOR, XOP_POR, XOP_PAND,
  XOP_PANDN, XOP_PADDD, XOP_PADDQ, XOP_PSUBD, xmmRR, xmmShift, FK_PUSH, FK_POP, FK_CALL, FK_RET, FK_CMOV, FK_INCDEC_M, FK_XMM_STOREQ, FK_CMP_MR, FK_ALU_RM, FK_MOVX_M, MOVX_SIGNED, FK_IMUL_RR, FK_IMUL_RRI, FK_MOV_MI, FK_ALU_MI,
} from './decoder';


/** Empties the table (at start). */
export function runsInit(): void {
  for (let i = 0; i < RUN_ENTRIES; i++) store<u64>(RUNS + <usize>i * RUN_SIZE, <u64>-1, RN_RIP);
}

/**
 * Records the run starting at `rip` from the decoded-instruction cache, each entry checked
 * against the code in memory as a cache hit would be. Leaves a "no run" record (fewer than two
 * instructions) when none starts here, except while the first instruction is not cached yet
 * (its first execution), so that the next visit tries again. `rn` is the first way of the set:
 * its record moves to the second way, `alt`, once this one is sure to be written (tryRun).
 */
function buildRun(rn: usize, alt: usize, rip: u64): void {
  const vpn = rip >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_EXEC_TAG) != vpn) return;
  const off = <i32>(rip & 0xfff);
  const host = <usize>load<u32>(e, TLBE_FRAME) + <usize>off;
  let k = 0;
  let bytes = 0;
  let retry = false;
  let cut = false; // ended at an instruction not decoded yet
  // The snapshot compare reads RUN_MAX_BYTES from `host`: the run must leave that much room.
  if (off <= 0x1000 - RUN_MAX_BYTES) {
    let r = rip;
    while (k < RUN_MAX_OPS) {
      const ce = cacheEntry(r);
      // The first instruction not cached yet (its first execution): no record, so that the next
      // visit tries again. A later one not yet (after a Jcc taken so far): the record is cut
      // there (see `cut` below).
      if (load<u64>(ce, CE_RIP) != r) {
        if (k == 0) return;
        cut = true;
        break;
      }
      const len = <i32>load<u8>(ce, CE_LEN);
      if (bytes + len > RUN_MAX_BYTES) break;
      const mask = v128.load(DCACHE_MASKS + (<usize>len << 4));
      if (v128.any_true(v128.xor(v128.and(v128.load(host + <usize>bytes), mask), v128.load(ce, CE_BYTES)))) {
        if (k == 0) return;
        break;
      }
      const kind = <i32>load<u8>(ce, CE_FAST);
      if (k == 0) evictTo(rn, alt);
      if (k == 0 && kind == FK_NONE) {
        // No run starts at an instruction that is not a fast form: only the "no run" mark is
        // read, so nothing is copied (a Go hello makes 4.7 k such records of its 24.8 k).
        store<u64>(rn, rip, RN_RIP);
        store<u8>(rn, RN_NONE, RN_N);
        return;
      }
      // The compact copy: the entry from CE_DISP on (the snapshot stands for its bytes and tag).
      memory.copy(rn + RN_OPS + <usize>k * RUN_OP_SIZE + CE_DISP, ce + CE_DISP, RUN_OP_SIZE);
      k++;
      bytes += len;
      r += <u64>len;
      // Any instruction may end a run (run through dispatch(), as step() does); a Jcc is a
      // side exit when taken; a store ends the run, since it may have written the run's code.
      // A store goes on unless it writes the code's own frame (tryRun checks that when it runs).
      if (kind == FK_NONE || kind == FK_JMP || kind == FK_CALL || kind == FK_RET) break;
    }
  }
  // A record cut short by an instruction not decoded yet: when its last op is a Jcc (taken so far,
  // so the fall-through never ran), the Jcc drops the record the first time it falls through, and
  // the next visit makes it again with what follows; a single op of another kind is a "retry"
  // record (RN_N = 0) made again after RUN_RETRY visits. Code in the last RUN_MAX_BYTES of a page
  // (k = 0) has no run.
  if (k == 0) {
    evictTo(rn, alt);
    store<u64>(rn, rip, RN_RIP);
    store<u8>(rn, RN_NONE, RN_N);
    return;
  }
  const lastJcc = <i32>load<u8>(rn + RN_OPS + <usize>(k - 1) * RUN_OP_SIZE, CE_FAST) == FK_JCC;
  if (cut && k == 1 && !lastJcc) retry = true;
  markDeadFlags(rn, k);
  for (let j = 0; j < k; j++) {
    const ce = rn + RN_OPS + <usize>j * RUN_OP_SIZE;
    store<u8>(ce, <u8>handlerOf(ce), CE_RUNH);
  }
  if (cut && lastJcc) store<u8>(rn + RN_OPS + <usize>(k - 1) * RUN_OP_SIZE, <u8>H_JCC_CUT, CE_RUNH);
  store<u64>(rn, rip, RN_RIP);
  store<u8>(rn, retry ? 0 : <u8>k, RN_N);
  store<u8>(rn, RUN_RETRY, RN_RETRY);
  store<u8>(rn, <u8>bytes, RN_BYTES);
  memory.fill(rn + RN_CODE, 0, RUN_MAX_BYTES);
  memory.copy(rn + RN_CODE, host, bytes);
}

/** Moves the first way's record, if any, to the second way (whose record is dropped). */
@inline function evictTo(rn: usize, alt: usize): void {
  if (load<u64>(rn, RN_RIP) != <u64>-1) memory.copy(alt, rn, RUN_SIZE);
}

/** The backward liveness scan over the `n` instructions of a run (see the top of the file). */
function markDeadFlags(rn: usize, n: i32): void {
  let live = true; // after the run: anything may read them
  for (let j = n - 1; j >= 0; j--) {
    const ce = rn + RN_OPS + <usize>j * RUN_OP_SIZE;
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
    } else if (kind == FK_NOTNEG) {
      if (load<u8>(ce, CE_FB) == 0) { /* NOT changes no flag */ }
      else { dead = !live; live = false; } // NEG replaces all six
    } else if (kind != FK_MOV_RR && kind != FK_MOV_RI && kind != FK_LEA && kind != FK_MOVX_R && kind != FK_JMP &&
               kind != FK_XMM_RR && kind != FK_XMM_SHI) {
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
  } else if (kind == FK_NOTNEG) {
    const a = readReg(fa, size, 1);
    writeReg(fa, size, 1, fb ? <u64>0 - a : ~a);
  } // FK_TEST_RR: nothing
  store<u64>(STATE + RIP, rip + <u64>load<u8>(ce, CE_LEN));
}

// ---- specialised handlers -------------------------------------------------------------------
// Each instruction of a record gets one handler number (CE_RUNH), chosen when the record is made
// from its form, operand size and ALU or shift operation, and whether its flags are dead. The
// execution loop is one switch on it (a br_table): the 32- and 64-bit forms run as straight-line
// code with the size and operation folded in at compile time, instead of runFast's chains of
// tests on the kind, the size (readReg/writeReg) and the operation. Byte and word sizes, ADC/SBB,
// live shifts and the rarer forms keep the generic path (runFast/runDead).
const H_FAST = 0;        // runFast: register-only, or a form that cannot fault
const H_MEMFAST = 1;     // runFast of a form that may fault (loads, stores, ALU/CMP/TEST with memory)
const H_DEAD = 2;        // runDead: a register form whose flags are dead
const H_JCC = 3;
const H_JMP = 4;
const H_SLOW = 5;        // the run's last instruction, not a fast form: runSlow
const H_SKIP = 6;        // CMP or TEST whose flags are dead: nothing at all
const H_XMM_SHI = 7;
const H_MOV_RR = 8;      // + W (1 for 64-bit operands, 0 for 32-bit)
const H_MOV_RI = 10;     // + W
const H_LEA = 12;        // + W
const H_LOAD = 14;       // + W
const H_NOT = 16;        // + W
const H_NEG = 18;        // + W, flags live
const H_XMM_RR = 20;     // + XOP_* (8)
const H_SHIFT_DEAD = 28; // + shiftIndex * 2 + W, flags dead (10)
const H_ALU_RR = 38;     // + aluIndex * 4 + W * 2 + dead (24)
const H_ALU_RI = 62;     // + aluIndex * 4 + W * 2 + dead (24)
const H_XFER = 86;       // CALL, RET: runFast, which commits the target; always a run's last
const H_CMOV = 87;       // + W
const H_STORE = 89;      // the other stores (movq, push, inc/dec of memory): runFast, then the frame check
const H_MOVZX_R = 90;    // + 0: from a byte register, 1: from a word one (a 32- or 64-bit destination)
const H_MOVZX_M = 92;    // + 0: a byte from memory, 1: a word
const H_INCDEC = 94;     // + DEC * 2 + W, flags live
const H_INCDEC_DEAD = 98; // + DEC * 2 + W
const H_ALU_RM = 102;    // + aluIndex * 2 + W (12)
const H_STORE_MOV = 114; // + log2(size): mov [m], r, then the frame check
const H_LOAD_BW = 118;   // + 0: a byte load, 1: a word load
const H_CMP_MR = 120;    // + log2(size): cmp [m], r
const H_IMUL_RR = 124;   // + W
const H_IMUL_RRI = 126;  // + W
const H_ALU16_RR = 128;  // + aluIndex * 2 + dead (12): 16-bit op r, r (the slide loop's cmp di, ax)
const H_ALU16_RI = 140;  // + aluIndex * 2 + dead (12): 16-bit op r, imm
const H_SHIFT_LIVE = 152; // + shiftIndex * 2 + W (10): a shift or rotate by an immediate whose flags are live
const H_JCC_CUT = 162;   // a Jcc that ends a record because what follows it was not decoded yet
const H_PUSH = 163;      // push r64: a store, then the code-frame check
const H_POP = 164;       // pop r64
const H_CALL = 165;      // call rel32: always a run's last
const H_RET = 166;       // ret: always a run's last
// The numbers are dense (0..166) so that the loop's switch is a jump table.

/** ADD OR AND SUB XOR CMP as 0..5 (ADC and SBB have no specialised handler). */
@inline function aluIndex(op: i32): i32 { return op < ADC ? op : op - 2; }
/** ROL ROR SHL SHR SAR as 0..4 (SAL is SHL; RCL and RCR read CF). */
@inline function shiftIndex(op: i32): i32 { return op == SAL ? 2 : op < RCL ? op : op == SAR ? 4 : op - 2; }

/** The handler of a record's instruction (after the liveness scan). */
function handlerOf(ce: usize): i32 {
  const kind = <i32>load<u8>(ce, CE_FAST);
  const dead = load<u8>(ce, CE_DEADF) != 0;
  const size = <i32>load<u8>(ce, CE_FSIZE);
  const w = size == 8 ? 1 : 0;
  const wide = size == 4 || size == 8;
  const fb = <i32>load<u8>(ce, CE_FB);
  const op = fb >> 4;
  if (kind == FK_NONE) return H_SLOW;
  if (kind == FK_JCC) return H_JCC;
  if (kind == FK_JMP) return H_JMP;
  if (kind == FK_CALL) return H_CALL;
  if (kind == FK_RET) return H_RET;
  if (kind == FK_PUSH) return H_PUSH;
  if (kind == FK_POP) return H_POP;
  if (kind == FK_LOAD) return wide ? H_LOAD + w : H_LOAD_BW + (size == 2 ? 1 : 0);
  if (kind == FK_STORE) return H_STORE_MOV + log2(size);
  if (kind == FK_CMP_MR) return H_CMP_MR + log2(size);
  if (kind == FK_ALU_RM) return wide && op != ADC && op != SBB ? H_ALU_RM + aluIndex(op) * 2 + w : H_MEMFAST;
  if ((kind == FK_MOVX_R || kind == FK_MOVX_M) && wide && !(fb & MOVX_SIGNED) && ((fb >> 4) & 3) < 2) {
    return (kind == FK_MOVX_R ? H_MOVZX_R : H_MOVZX_M) + ((fb >> 4) & 1); // the source: a byte (0) or a word (1)
  }
  if (kind == FK_INCDEC && wide) return (dead ? H_INCDEC_DEAD : H_INCDEC) + fb * 2 + w;
  if (kind == FK_XMM_RR) return H_XMM_RR + op;
  if (kind == FK_XMM_SHI) return H_XMM_SHI;
  if (kind == FK_CMOV) return wide ? H_CMOV + w : H_FAST;
  if (kind == FK_IMUL_RR) return wide ? H_IMUL_RR + w : H_FAST;
  if (kind == FK_IMUL_RRI) return wide ? H_IMUL_RRI + w : H_FAST;
  if (kind == FK_XMM_STOREQ || kind == FK_PUSH || kind == FK_INCDEC_M || kind == FK_MOV_MI || kind == FK_ALU_MI) return H_STORE;
  if (kind != FK_MOV_RR && kind != FK_MOV_RI && kind != FK_LEA && kind != FK_MOVX_R && kind != FK_ALU_RR &&
      kind != FK_ALU_RI && kind != FK_TEST_RR && kind != FK_SHIFT_RI && kind != FK_INCDEC && kind != FK_NOTNEG) {
    return H_MEMFAST; // the memory forms
  }
  if (dead && (kind == FK_TEST_RR || ((kind == FK_ALU_RR || kind == FK_ALU_RI) && op == CMP))) return H_SKIP;
  if (size == 2 && (kind == FK_ALU_RR || kind == FK_ALU_RI) && op != ADC && op != SBB) {
    return (kind == FK_ALU_RR ? H_ALU16_RR : H_ALU16_RI) + aluIndex(op) * 2 + (dead ? 1 : 0);
  }
  if (!wide) return dead ? H_DEAD : H_FAST;
  switch (kind) {
    case FK_MOV_RR: return H_MOV_RR + w;
    case FK_MOV_RI: return H_MOV_RI + w;
    case FK_LEA: return H_LEA + w;
    case FK_ALU_RR: case FK_ALU_RI:
      if (op == ADC || op == SBB) return H_FAST;
      return (kind == FK_ALU_RR ? H_ALU_RR : H_ALU_RI) + aluIndex(op) * 4 + w * 2 + (dead ? 1 : 0);
    case FK_SHIFT_RI:
      if (op == RCL || op == RCR) return H_FAST;
      if (!dead) return H_SHIFT_LIVE + shiftIndex(op) * 2 + w;
      return H_SHIFT_DEAD + shiftIndex(op) * 2 + w;
    case FK_NOTNEG:
      if (fb == 0) return H_NOT + w;
      return dead ? H_DEAD : H_NEG + w;
  }
  return dead ? H_DEAD : H_FAST;
}

@inline function fa(ce: usize): i32 { return <i32>load<u8>(ce, CE_FA); }
@inline function fbReg(ce: usize): i32 { return <i32>load<u8>(ce, CE_FB) & 15; }

/** op FA, FB (register operands) of `size` 4 or 8, flags recorded when `live`. */
@inline function aluRR(ce: usize, op: i32, size: i32, live: bool): void {
  const d = fa(ce);
  const a = readReg(d, size, 1);
  const b = readReg(fbReg(ce), size, 1);
  if (live) {
    const r = alu(op, size, a, b);
    if (op != CMP) writeReg(d, size, 1, r);
  } else if (op != CMP) writeReg(d, size, 1, aluValue(op, a, b));
}

/** op FA, imm of `size` 4 or 8. */
@inline function aluRI(ce: usize, op: i32, size: i32, live: bool): void {
  const d = fa(ce);
  const a = readReg(d, size, 1);
  const b = load<u64>(ce, CE_IMM);
  if (live) {
    const r = alu(op, size, a, b);
    if (op != CMP) writeReg(d, size, 1, r);
  } else if (op != CMP) writeReg(d, size, 1, aluValue(op, a, b));
}

/** A shift or rotate of FA by its immediate, flags recorded (decoder.ts runFast's FK_SHIFT_RI). */
@inline function shiftLive(ce: usize, op: i32, size: i32): void {
  const d = fa(ce);
  writeReg(d, size, 1, shifted(op, size, readReg(d, size, 1), <u32>load<u64>(ce, CE_IMM)));
}

/** A shift or rotate of FA by its immediate whose flags are dead. */
@inline function shiftDead(ce: usize, op: i32, size: i32): void {
  const d = fa(ce);
  writeReg(d, size, 1, shiftValue(op, size, readReg(d, size, 1), <u32>load<u64>(ce, CE_IMM)));
}

@inline function log2(size: i32): i32 { return size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0; }

/** A memory form's effective address. */
@inline function memAddr(ce: usize, next: u64): u64 {
  return entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX));
}

/** INC or DEC of FA (`size` 4 or 8): CF kept (parked), as decoder.ts runFast's FK_INCDEC. */
@inline function incDec(ce: usize, dec: bool, size: i32, live: bool): void {
  const d = fa(ce);
  const a = readReg(d, size, 1);
  const r = dec ? a - 1 : a + 1;
  if (live) {
    parkCF();
    setLazy(dec ? FL_DEC : FL_INC, size, a, 1, r);
  }
  writeReg(d, size, 1, r);
}

/** op FA, [m] (`size` 4 or 8): true when the load faulted (rip and the fault noted). */
@inline function aluRM(ce: usize, at: u64, next: u64, op: i32, size: i32): bool {
  store<u64>(STATE + RIP, at);
  const b = readMem(memAddr(ce, next), size);
  if (exiting) { noteRunFault(at); return true; }
  const d = fa(ce);
  const r = alu(op, size, readReg(d, size, 1), b);
  if (op != CMP) writeReg(d, size, 1, r);
  return false;
}

/** A load of `size` bytes into FA, zero-extended as movzx when `zx` (else merged as mov): true when it faulted. */
@inline function loadTo(ce: usize, at: u64, next: u64, size: i32, zx: bool): bool {
  store<u64>(STATE + RIP, at);
  const v = readMem(memAddr(ce, next), size);
  if (exiting) { noteRunFault(at); return true; }
  writeReg(fa(ce), zx ? 4 : size, 1, v);
  return false;
}

/** cmp [m], FA: true when the load faulted. */
@inline function cmpMR(ce: usize, at: u64, next: u64, size: i32): bool {
  store<u64>(STATE + RIP, at);
  const a = readMem(memAddr(ce, next), size);
  if (exiting) { noteRunFault(at); return true; }
  alu(CMP, size, a, readReg(fa(ce), size, 1));
  return false;
}

/** mov [m], FA: 0, or 1 when it faulted, 2 when it wrote the run's code frame (rip left on the next instruction). */
@inline function storeMov(ce: usize, at: u64, next: u64, size: i32, frame: u32): i32 {
  store<u64>(STATE + RIP, at);
  const va = memAddr(ce, next);
  writeMem(va, size, readReg(fa(ce), size, 1));
  if (exiting) { noteRunFault(at); return 1; }
  if (!storeHits(va, size, frame)) return 0;
  store<u64>(STATE + RIP, next);
  return 2;
}

/** CMOVcc FA, FB of `size` 4 or 8 (decoder.ts runFast's FK_CMOV). */
@inline function cmov(ce: usize, size: i32): void {
  const fb = <i32>load<u8>(ce, CE_FB);
  if (cond(fb >> 4)) writeReg(fa(ce), size, 1, readReg(fb & 15, size, 1));
  else if (size == 4) writeReg(fa(ce), 4, 1, readReg(fa(ce), 4, 1));
}

/**
 * Whether the store a run just made (the form in `ce`, its next rip `next`) may have written the
 * code frame `frame` the run executes from: compared by frame, not by page, so that code mapped
 * twice (a guest JIT's double mapping) is seen too. A store crossing a page, or whose write entry
 * is not in the TLB any more, counts as a hit.
 */
function storeMayHitCode(ce: usize, next: u64, frame: u32): bool {
  const kind = <i32>load<u8>(ce, CE_FAST);
  if (kind == FK_PUSH) return storeHits(reg64(R_SP), 8, frame);
  return storeHits(memAddr(ce, next), <i32>load<u8>(ce, CE_FSIZE), frame);
}

/** Whether a store of `size` bytes at `va` may have written the frame `frame` (see storeMayHitCode). */
@inline function storeHits(va: u64, size: i32, frame: u32): bool {
  if ((<i32>va & 0xfff) + size > 0x1000) return true;
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  return load<u64>(e, TLBE_WRITE_TAG) != vpn || load<u32>(e, TLBE_FRAME) == frame;
}

/**
 * Executes the run starting at `rip` if there is a valid one of at most `room` instructions:
 * returns the instructions retired (`exiting` set if the last one faulted, which is then not
 * counted, as in step()), or -1 when there is none and the caller must step().
 */
/** Visits of a "no run" record cut short by an undecoded instruction before it is tried again. */
const RUN_RETRY: u8 = 16;
/** RN_N of a "no run" record (its first instruction is not a fast form, or sits in a page's tail). */
const RN_NONE: u8 = 255;
const RN_RETRY = RN_BYTES + 1; // u8, in the record's header

@inline export function tryRun(rip: u64, room: i32): i32 {
  // Two ways: the table is 1024 sets of two records (runSlot gives the first way; the second is
  // the next record). A new record goes into the first way, whose record moves to the second
  // (the second's is dropped), so two runs whose starts share a set no longer evict each other
  // on every visit (busybox sort made ~850 k records per 50 k lines that way; now ~67 k).
  let rn = runSlot(rip);
  if (load<u64>(rn, RN_RIP) != rip) {
    const alt = rn + RUN_SIZE;
    if (load<u64>(alt, RN_RIP) == rip) rn = alt;
    else { buildRun(rn, alt, rip); return -1; }
  }
  const n = <i32>load<u8>(rn, RN_N);
  if (<u32>(n - 1) >= <u32>RUN_MAX_OPS) { // n = 0 or RN_NONE
    // "No run" here; one cut short by an instruction not decoded yet is tried again later. (A
    // record whose first instruction is re-decoded from other bytes is dropped by decodeCached.)
    if (n == 0) {
      const c = load<u8>(rn, RN_RETRY);
      if (c == 0) store<u64>(rn, <u64>-1, RN_RIP);
      else store<u8>(rn, c - 1, RN_RETRY);
    }
    return -1;
  }
  if (n > room) return -1;
  const vpn = rip >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_EXEC_TAG) != vpn) return -1;
  const frame = load<u32>(e, TLBE_FRAME);
  const host = <usize>frame + <usize>(rip & 0xfff);
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
  // rip is stored in the state block only where something may read it: at the end of the run, at
  // an exit, and before an instruction that may fault (the fault leaves rip on it) or is run by
  // the generic handlers.
  let ce = rn + RN_OPS;
  let at = rip;
  for (let k = 0; k < n; k++) {
    const next = at + <u64>load<u8>(ce, CE_LEN);
    switch (<i32>load<u8>(ce, CE_RUNH)) {
      case H_FAST: runFast(ce, at, <i32>load<u8>(ce, CE_FAST)); break;
      case H_MEMFAST:
        store<u64>(STATE + RIP, at);
        runFast(ce, at, <i32>load<u8>(ce, CE_FAST));
        if (exiting) return k;
        break;
      case H_DEAD: runDead(ce, at, <i32>load<u8>(ce, CE_FAST)); break;
      case H_JCC:
        // A taken Jcc leaves the run (a side exit); not taken, the run goes on.
        if (cond(fa(ce))) {
          store<u64>(STATE + RIP, next + load<u64>(ce, CE_IMM));
          return k + 1;
        }
        break;
      case H_JMP:
        store<u64>(STATE + RIP, next + load<u64>(ce, CE_IMM));
        return k + 1; // a JMP is always a run's last
      case H_SLOW:
        // The last instruction, not a fast form: through the table's handler, as step() does it.
        // A fault leaves rip; a trap (syscall) has committed it and run() counts it.
        store<u64>(STATE + RIP, at);
        runSlow(ce, at);
        return exiting ? k : n;
      case H_SKIP: break;
      case H_XMM_SHI: xmmShift(fa(ce), <i32>load<u8>(ce, CE_FB) >> 4, <u32>load<u64>(ce, CE_IMM) & 0xff); break;
      case H_MOV_RR: writeReg(fa(ce), 4, 1, readReg(fbReg(ce), 4, 1)); break;
      case H_MOV_RR + 1: writeReg(fa(ce), 8, 1, readReg(fbReg(ce), 8, 1)); break;
      case H_MOV_RI: writeReg(fa(ce), 4, 1, load<u64>(ce, CE_IMM)); break;
      case H_MOV_RI + 1: writeReg(fa(ce), 8, 1, load<u64>(ce, CE_IMM)); break;
      case H_LEA:
        entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX));
        writeReg(fa(ce), 4, 1, d_ea);
        break;
      case H_LEA + 1:
        entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX));
        writeReg(fa(ce), 8, 1, d_ea);
        break;
      case H_LOAD: case H_LOAD + 1: {
        const size = (<i32>load<u8>(ce, CE_RUNH) & 1) ? 8 : 4;
        store<u64>(STATE + RIP, at);
        const v = readMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), size);
        if (exiting) { noteRunFault(at); return k; }
        writeReg(fa(ce), size, 1, v);
        break;
      }
      case H_NOT: writeReg(fa(ce), 4, 1, ~readReg(fa(ce), 4, 1)); break;
      case H_NOT + 1: writeReg(fa(ce), 8, 1, ~readReg(fa(ce), 8, 1)); break;
      case H_NEG: writeReg(fa(ce), 4, 1, alu(SUB, 4, 0, readReg(fa(ce), 4, 1))); break;
      case H_NEG + 1: writeReg(fa(ce), 8, 1, alu(SUB, 8, 0, readReg(fa(ce), 8, 1))); break;
      case H_XMM_RR + XOP_MOVDQA: xmmRR(fa(ce), <i32>load<u8>(ce, CE_FB), XOP_MOVDQA); break;
      case H_XMM_RR + XOP_PXOR: xmmRR(fa(ce), <i32>load<u8>(ce, CE_FB), XOP_PXOR); break;
      case H_XMM_RR + XOP_POR: xmmRR(fa(ce), <i32>load<u8>(ce, CE_FB), XOP_POR); break;
      case H_XMM_RR + XOP_PAND: xmmRR(fa(ce), <i32>load<u8>(ce, CE_FB), XOP_PAND); break;
      case H_XMM_RR + XOP_PANDN: xmmRR(fa(ce), <i32>load<u8>(ce, CE_FB), XOP_PANDN); break;
      case H_XMM_RR + XOP_PADDD: xmmRR(fa(ce), <i32>load<u8>(ce, CE_FB), XOP_PADDD); break;
      case H_XMM_RR + XOP_PADDQ: xmmRR(fa(ce), <i32>load<u8>(ce, CE_FB), XOP_PADDQ); break;
      case H_XMM_RR + XOP_PSUBD: xmmRR(fa(ce), <i32>load<u8>(ce, CE_FB), XOP_PSUBD); break;
      case H_SHIFT_DEAD + 0: shiftDead(ce, ROL, 4); break;
      case H_SHIFT_DEAD + 0 + 1: shiftDead(ce, ROL, 8); break;
      case H_SHIFT_DEAD + 2: shiftDead(ce, ROR, 4); break;
      case H_SHIFT_DEAD + 2 + 1: shiftDead(ce, ROR, 8); break;
      case H_SHIFT_DEAD + 4: shiftDead(ce, SHL, 4); break;
      case H_SHIFT_DEAD + 4 + 1: shiftDead(ce, SHL, 8); break;
      case H_SHIFT_DEAD + 6: shiftDead(ce, SHR, 4); break;
      case H_SHIFT_DEAD + 6 + 1: shiftDead(ce, SHR, 8); break;
      case H_SHIFT_DEAD + 8: shiftDead(ce, SAR, 4); break;
      default: shiftDead(ce, SAR, 8); break; // H_SHIFT_DEAD + 9: SAR, 64-bit
      case H_ALU_RR + 0: aluRR(ce, ADD, 4, true); break;
      case H_ALU_RR + 0 + 1: aluRR(ce, ADD, 4, false); break;
      case H_ALU_RR + 0 + 2: aluRR(ce, ADD, 8, true); break;
      case H_ALU_RR + 0 + 3: aluRR(ce, ADD, 8, false); break;
      case H_ALU_RR + 4: aluRR(ce, OR, 4, true); break;
      case H_ALU_RR + 4 + 1: aluRR(ce, OR, 4, false); break;
      case H_ALU_RR + 4 + 2: aluRR(ce, OR, 8, true); break;
      case H_ALU_RR + 4 + 3: aluRR(ce, OR, 8, false); break;
      case H_ALU_RR + 8: aluRR(ce, AND, 4, true); break;
      case H_ALU_RR + 8 + 1: aluRR(ce, AND, 4, false); break;
      case H_ALU_RR + 8 + 2: aluRR(ce, AND, 8, true); break;
      case H_ALU_RR + 8 + 3: aluRR(ce, AND, 8, false); break;
      case H_ALU_RR + 12: aluRR(ce, SUB, 4, true); break;
      case H_ALU_RR + 12 + 1: aluRR(ce, SUB, 4, false); break;
      case H_ALU_RR + 12 + 2: aluRR(ce, SUB, 8, true); break;
      case H_ALU_RR + 12 + 3: aluRR(ce, SUB, 8, false); break;
      case H_ALU_RR + 16: aluRR(ce, XOR, 4, true); break;
      case H_ALU_RR + 16 + 1: aluRR(ce, XOR, 4, false); break;
      case H_ALU_RR + 16 + 2: aluRR(ce, XOR, 8, true); break;
      case H_ALU_RR + 16 + 3: aluRR(ce, XOR, 8, false); break;
      case H_ALU_RR + 20: aluRR(ce, CMP, 4, true); break;
      case H_ALU_RR + 20 + 2: aluRR(ce, CMP, 8, true); break;
      case H_ALU_RI + 0: aluRI(ce, ADD, 4, true); break;
      case H_ALU_RI + 0 + 1: aluRI(ce, ADD, 4, false); break;
      case H_ALU_RI + 0 + 2: aluRI(ce, ADD, 8, true); break;
      case H_ALU_RI + 0 + 3: aluRI(ce, ADD, 8, false); break;
      case H_ALU_RI + 4: aluRI(ce, OR, 4, true); break;
      case H_ALU_RI + 4 + 1: aluRI(ce, OR, 4, false); break;
      case H_ALU_RI + 4 + 2: aluRI(ce, OR, 8, true); break;
      case H_ALU_RI + 4 + 3: aluRI(ce, OR, 8, false); break;
      case H_ALU_RI + 8: aluRI(ce, AND, 4, true); break;
      case H_ALU_RI + 8 + 1: aluRI(ce, AND, 4, false); break;
      case H_ALU_RI + 8 + 2: aluRI(ce, AND, 8, true); break;
      case H_ALU_RI + 8 + 3: aluRI(ce, AND, 8, false); break;
      case H_ALU_RI + 12: aluRI(ce, SUB, 4, true); break;
      case H_ALU_RI + 12 + 1: aluRI(ce, SUB, 4, false); break;
      case H_ALU_RI + 12 + 2: aluRI(ce, SUB, 8, true); break;
      case H_ALU_RI + 12 + 3: aluRI(ce, SUB, 8, false); break;
      case H_ALU_RI + 16: aluRI(ce, XOR, 4, true); break;
      case H_ALU_RI + 16 + 1: aluRI(ce, XOR, 4, false); break;
      case H_ALU_RI + 16 + 2: aluRI(ce, XOR, 8, true); break;
      case H_ALU_RI + 16 + 3: aluRI(ce, XOR, 8, false); break;
      case H_ALU_RI + 20: aluRI(ce, CMP, 4, true); break;
      case H_ALU_RI + 20 + 2: aluRI(ce, CMP, 8, true); break;
      case H_CMOV: cmov(ce, 4); break;
      case H_CMOV + 1: cmov(ce, 8); break;
      case H_STORE:
        // A store that wrote the run's own code frame (or that the check cannot place) ends the
        // run: what follows may have changed, and the next run head validates it again.
        store<u64>(STATE + RIP, at);
        runFast(ce, at, <i32>load<u8>(ce, CE_FAST));
        if (exiting) return k;
        if (storeMayHitCode(ce, next, frame)) return k + 1;
        break;
      case H_MOVZX_R: writeReg(fa(ce), 4, 1, readReg(fbReg(ce), 1, 1)); break;
      case H_MOVZX_R + 1: writeReg(fa(ce), 4, 1, readReg(fbReg(ce), 2, 1)); break;
      case H_MOVZX_M: if (loadTo(ce, at, next, 1, true)) return k; break;
      case H_MOVZX_M + 1: if (loadTo(ce, at, next, 2, true)) return k; break;
      case H_LOAD_BW: if (loadTo(ce, at, next, 1, false)) return k; break;
      case H_LOAD_BW + 1: if (loadTo(ce, at, next, 2, false)) return k; break;
      case H_INCDEC: incDec(ce, false, 4, true); break;
      case H_INCDEC + 1: incDec(ce, false, 8, true); break;
      case H_INCDEC + 2: incDec(ce, true, 4, true); break;
      case H_INCDEC + 3: incDec(ce, true, 8, true); break;
      case H_INCDEC_DEAD: incDec(ce, false, 4, false); break;
      case H_INCDEC_DEAD + 1: incDec(ce, false, 8, false); break;
      case H_INCDEC_DEAD + 2: incDec(ce, true, 4, false); break;
      case H_INCDEC_DEAD + 3: incDec(ce, true, 8, false); break;
      case H_ALU_RM + 0: if (aluRM(ce, at, next, ADD, 4)) return k; break;
      case H_ALU_RM + 1: if (aluRM(ce, at, next, ADD, 8)) return k; break;
      case H_ALU_RM + 2: if (aluRM(ce, at, next, OR, 4)) return k; break;
      case H_ALU_RM + 3: if (aluRM(ce, at, next, OR, 8)) return k; break;
      case H_ALU_RM + 4: if (aluRM(ce, at, next, AND, 4)) return k; break;
      case H_ALU_RM + 5: if (aluRM(ce, at, next, AND, 8)) return k; break;
      case H_ALU_RM + 6: if (aluRM(ce, at, next, SUB, 4)) return k; break;
      case H_ALU_RM + 7: if (aluRM(ce, at, next, SUB, 8)) return k; break;
      case H_ALU_RM + 8: if (aluRM(ce, at, next, XOR, 4)) return k; break;
      case H_ALU_RM + 9: if (aluRM(ce, at, next, XOR, 8)) return k; break;
      case H_ALU_RM + 10: if (aluRM(ce, at, next, CMP, 4)) return k; break;
      case H_ALU_RM + 11: if (aluRM(ce, at, next, CMP, 8)) return k; break;
      case H_STORE_MOV: { const s = storeMov(ce, at, next, 1, frame); if (s != 0) return s == 1 ? k : k + 1; break; }
      case H_STORE_MOV + 1: { const s = storeMov(ce, at, next, 2, frame); if (s != 0) return s == 1 ? k : k + 1; break; }
      case H_STORE_MOV + 2: { const s = storeMov(ce, at, next, 4, frame); if (s != 0) return s == 1 ? k : k + 1; break; }
      case H_STORE_MOV + 3: { const s = storeMov(ce, at, next, 8, frame); if (s != 0) return s == 1 ? k : k + 1; break; }
      case H_CMP_MR: if (cmpMR(ce, at, next, 1)) return k; break;
      case H_CMP_MR + 1: if (cmpMR(ce, at, next, 2)) return k; break;
      case H_CMP_MR + 2: if (cmpMR(ce, at, next, 4)) return k; break;
      case H_CMP_MR + 3: if (cmpMR(ce, at, next, 8)) return k; break;
      case H_IMUL_RR: writeReg(fa(ce), 4, 1, imulValue(4, readReg(fa(ce), 4, 1), readReg(fbReg(ce), 4, 1))); break;
      case H_IMUL_RR + 1: writeReg(fa(ce), 8, 1, imulValue(8, readReg(fa(ce), 8, 1), readReg(fbReg(ce), 8, 1))); break;
      case H_IMUL_RRI: writeReg(fa(ce), 4, 1, imulValue(4, readReg(fbReg(ce), 4, 1), load<u64>(ce, CE_IMM))); break;
      case H_IMUL_RRI + 1: writeReg(fa(ce), 8, 1, imulValue(8, readReg(fbReg(ce), 8, 1), load<u64>(ce, CE_IMM))); break;
      case H_ALU16_RR + 0: aluRR(ce, ADD, 2, true); break;
      case H_ALU16_RR + 1: aluRR(ce, ADD, 2, false); break;
      case H_ALU16_RR + 2: aluRR(ce, OR, 2, true); break;
      case H_ALU16_RR + 3: aluRR(ce, OR, 2, false); break;
      case H_ALU16_RR + 4: aluRR(ce, AND, 2, true); break;
      case H_ALU16_RR + 5: aluRR(ce, AND, 2, false); break;
      case H_ALU16_RR + 6: aluRR(ce, SUB, 2, true); break;
      case H_ALU16_RR + 7: aluRR(ce, SUB, 2, false); break;
      case H_ALU16_RR + 8: aluRR(ce, XOR, 2, true); break;
      case H_ALU16_RR + 9: aluRR(ce, XOR, 2, false); break;
      case H_ALU16_RR + 10: aluRR(ce, CMP, 2, true); break;
      case H_ALU16_RI + 0: aluRI(ce, ADD, 2, true); break;
      case H_ALU16_RI + 1: aluRI(ce, ADD, 2, false); break;
      case H_ALU16_RI + 2: aluRI(ce, OR, 2, true); break;
      case H_ALU16_RI + 3: aluRI(ce, OR, 2, false); break;
      case H_ALU16_RI + 4: aluRI(ce, AND, 2, true); break;
      case H_ALU16_RI + 5: aluRI(ce, AND, 2, false); break;
      case H_ALU16_RI + 6: aluRI(ce, SUB, 2, true); break;
      case H_ALU16_RI + 7: aluRI(ce, SUB, 2, false); break;
      case H_ALU16_RI + 8: aluRI(ce, XOR, 2, true); break;
      case H_ALU16_RI + 9: aluRI(ce, XOR, 2, false); break;
      case H_ALU16_RI + 10: aluRI(ce, CMP, 2, true); break;
      case H_SHIFT_LIVE + 0: shiftLive(ce, ROL, 4); break;
      case H_SHIFT_LIVE + 1: shiftLive(ce, ROL, 8); break;
      case H_SHIFT_LIVE + 2: shiftLive(ce, ROR, 4); break;
      case H_SHIFT_LIVE + 3: shiftLive(ce, ROR, 8); break;
      case H_SHIFT_LIVE + 4: shiftLive(ce, SHL, 4); break;
      case H_SHIFT_LIVE + 5: shiftLive(ce, SHL, 8); break;
      case H_SHIFT_LIVE + 6: shiftLive(ce, SHR, 4); break;
      case H_SHIFT_LIVE + 7: shiftLive(ce, SHR, 8); break;
      case H_SHIFT_LIVE + 8: shiftLive(ce, SAR, 4); break;
      case H_SHIFT_LIVE + 9: shiftLive(ce, SAR, 8); break;
      case H_XFER:
        store<u64>(STATE + RIP, at);
        runFast(ce, at, <i32>load<u8>(ce, CE_FAST));
        return exiting ? k : k + 1;
      case H_JCC_CUT:
        store<u64>(STATE + RIP, next + (cond(fa(ce)) ? load<u64>(ce, CE_IMM) : 0));
        if (load<u64>(STATE + RIP) == next) store<u64>(rn, <u64>-1, RN_RIP); // fell through: make it again
        return k + 1;
      // The stack forms as decoder.ts runFast runs them: memory first, so that a fault leaves rsp.
      case H_PUSH: {
        store<u64>(STATE + RIP, at);
        const sp = reg64(R_SP) - 8;
        write64(sp, reg64(fa(ce)));
        if (exiting) { noteRunFault(at); return k; }
        setReg64(R_SP, sp);
        if (storeHits(sp, 8, frame)) { store<u64>(STATE + RIP, next); return k + 1; }
        break;
      }
      case H_POP: {
        store<u64>(STATE + RIP, at);
        const sp = reg64(R_SP);
        const v = read64(sp);
        if (exiting) { noteRunFault(at); return k; }
        setReg64(R_SP, sp + 8);
        setReg64(fa(ce), v);
        break;
      }
      case H_CALL: {
        store<u64>(STATE + RIP, at);
        const sp = reg64(R_SP) - 8;
        write64(sp, next);
        if (exiting) { noteRunFault(at); return k; }
        setReg64(R_SP, sp);
        store<u64>(STATE + RIP, next + load<u64>(ce, CE_IMM));
        return k + 1;
      }
      case H_RET: {
        store<u64>(STATE + RIP, at);
        const sp = reg64(R_SP);
        const v = read64(sp);
        if (exiting) { noteRunFault(at); return k; }
        setReg64(R_SP, sp + 8);
        store<u64>(STATE + RIP, v);
        return k + 1;
      }
    }
    at = next;
    ce += RUN_OP_SIZE;
  }
  store<u64>(STATE + RIP, at);
  return n;
}
