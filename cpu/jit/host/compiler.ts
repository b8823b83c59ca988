// The compiler tier's translator (docs/architecture.md, "The wasm compiler tier"): turns a hot
// basic block of guest x86-64 code, decoded by the core (jitDecode: records laid out as
// decoded-instruction cache entries), into one wasm function, compiles it as a small module that
// imports the core's memory and a few core routines, and installs it in the core's function
// table, where the core's run loop enters it with call_indirect (cpu/jit/blocks.ts).
//
// A block function is (code: i32, left: i32) => i32:
//   - it first compares the guest code bytes at `code` with the bytes it was compiled from
//     (constants in its body) and returns JIT_STALE if they differ;
//   - guest registers it touches live in wasm locals, loaded on entry and stored on every exit;
//   - flags of add/sub/cmp/and/or/xor/test/inc/dec stay in locals as the interpreter's lazy record
//     (kind, size, dst, src, result) and are written to the state block only at exits; a Jcc,
//     SETcc or CMOVcc after such an instruction in the same block is answered from the locals;
//   - memory accesses use the core's TLB inline; a miss, a page-crossing access or anything else
//     unusual stops the block *before* the instruction (JIT_EARLY), with every register, flag and
//     rip exactly as the interpreter would have them, and the interpreter runs that instruction;
//   - a store that lands in the block's own code stops the block after that instruction;
//   - the block ends at a branch, a call, a ret or the first instruction it does not translate
//     (which the interpreter then runs); a branch back to the block's own start loops inside the
//     function while the budget `left` allows.

import * as L from '../../shared/layout.js';
import { translateForm, formLeavesFlags, condFromRflags } from './forms.js';

// ---- wasm encoding ---------------------------------------------------------------------------
const I32 = 0x7f;
const I64 = 0x7e;
const VOID = 0x40;

const OP = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, return: 0x0f,
  call: 0x10, drop: 0x1a, select: 0x1b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22,
  i32_load: 0x28, i64_load: 0x29, i32_load8_u: 0x2d, i32_load16_u: 0x2f,
  i64_load8_s: 0x30, i64_load8_u: 0x31, i64_load16_s: 0x32, i64_load16_u: 0x33, i64_load32_s: 0x34, i64_load32_u: 0x35,
  i32_store: 0x36, i64_store: 0x37, i64_store8: 0x3c, i64_store16: 0x3d, i64_store32: 0x3e,
  i32_const: 0x41, i64_const: 0x42,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_lt_u: 0x49, i32_gt_s: 0x4a, i32_gt_u: 0x4b,
  i32_le_s: 0x4c, i32_le_u: 0x4d, i32_ge_s: 0x4e, i32_ge_u: 0x4f,
  i64_eqz: 0x50, i64_eq: 0x51, i64_ne: 0x52, i64_lt_s: 0x53, i64_lt_u: 0x54, i64_gt_s: 0x55, i64_gt_u: 0x56,
  i64_le_s: 0x57, i64_le_u: 0x58, i64_ge_s: 0x59, i64_ge_u: 0x5a,
  i32_add: 0x6a, i32_sub: 0x6b, i32_and: 0x71, i32_or: 0x72, i32_xor: 0x73, i32_shl: 0x74,
  i64_add: 0x7c, i64_sub: 0x7d, i64_mul: 0x7e, i64_and: 0x83, i64_or: 0x84, i64_xor: 0x85,
  i64_shl: 0x86, i64_shr_s: 0x87, i64_shr_u: 0x88,
  i32_wrap_i64: 0xa7, i64_extend_i32_s: 0xac, i64_extend_i32_u: 0xad,
  i32_extend8_s: 0xc0, i32_extend16_s: 0xc1, i64_extend8_s: 0xc2, i64_extend16_s: 0xc3, i64_extend32_s: 0xc4,
} as const;

class Bytes {
  b: number[] = [];
  u8(...xs: number[]): this { for (let i = 0; i < xs.length; i++) this.b.push(xs[i] & 0xff); return this; }
  uleb(v: number): this {
    do { let x = v & 0x7f; v >>>= 7; if (v) x |= 0x80; this.b.push(x); } while (v);
    return this;
  }
  /** Signed LEB128 of an int32 (the encoding of a value is the same for i32 and i64 consts):
   *  without BigInt, which made emitting a block's constants cost more than compiling it. */
  sleb32(v: number): this {
    for (;;) {
      const x = v & 0x7f;
      v >>= 7;
      if ((v === 0 && !(x & 0x40)) || (v === -1 && (x & 0x40))) { this.b.push(x); return this; }
      this.b.push(x | 0x80);
    }
  }
  sleb(v: bigint): this {
    for (;;) {
      const x = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && !(x & 0x40)) || (v === -1n && (x & 0x40))) { this.b.push(x); return this; }
      this.b.push(x | 0x80);
    }
  }
  str(s: string): this { this.uleb(s.length); for (const c of s) this.b.push(c.charCodeAt(0)); return this; }
  /** Appends xs (a loop, not push(...xs): a batch's code section passes the engine's argument limit). */
  append(xs: number[]): this { const b = this.b; for (let i = 0; i < xs.length; i++) b.push(xs[i]); return this; }
  vec(parts: Bytes[]): this { this.uleb(parts.length); for (const p of parts) this.append(p.b); return this; }
  section(id: number, body: Bytes): this { this.u8(id).uleb(body.b.length); return this.append(body.b); }
}

// Imports of every block module, in function-index order.
const IMPORTS: Array<[string, number[], number[]]> = [
  ['cond', [I32], [I32]],                 // jitCond(cc)
  ['getcf', [], [I32]],                   // jitGetCF()
  ['shift', [I32, I32, I64, I32], [I64]], // jitShift(op, size, v, count)
  ['flags', [], [I64]],                   // rflags(): materializes the lazy record
  ['syscall', [I64], [I32]],              // jitSyscall(next rip): 0 to lxcore, 1 answered, 2 answered + ret
  ['tlb', [I64, I32], [I32]],             // jitTlb(address, write): fills the TLB entry, 0 if it may not
  ['stale', [I64], []],                   // jitStale(block start): a later part of its code changed
];
const F_COND = 0, F_GETCF = 1, F_SHIFT = 2, F_FLAGS = 3, F_SYSCALL = 4, F_TLB = 5, F_STALE = 6;

// Locals: 0 code, 1 left (instructions this block may retire), 2 done (retired by the blocks
// chained before it): the i32 params; then
const L_CODE = 0, L_LEFT = 1, L_DONE = 2;
const L_REG = 3;            // 16 × i64 guest registers
const L_FD = 19, L_FS = 20, L_FR = 21;  // i64 lazy-flag operands
const L_T0 = 22, L_T1 = 23, L_A = 24;   // i64 temporaries, address
const L_P = 25, L_E = 26, L_CNT = 27, L_RET = 28; // i32 host pointer, TLB entry, loop count, result
const L_T2 = 29, L_T3 = 30, L_T4 = 31, L_FD2 = 32;   // i64 temporaries of the multiplies
const L_V = 33;                                       // v128 temporary
const L_NXT = 34;           // i64: rip of the block to chain to at the exit taken (0: none)
const L_VAL = 35;           // i32: the code validated so far reaches past instruction L_VAL - 1
const L_FK = 36;            // i32: at an exit, the lazy-flag record's kind | size << 8 to write (0: none)
const V128 = 0x7b;
const LOCAL_DECLS: Array<[number, number]> = [[22, I64], [4, I32], [4, I64], [1, V128], [1, I64], [2, I32]];
/** The block function's type: (code, left, done) -> retired | JIT_EARLY | JIT_STALE. */
const BLOCK_PARAMS = [I32, I32, I32];

// Lazy-flag kinds (cpu/ops/flags.ts)
const FL_ADD = 1, FL_SUB = 3, FL_LOGIC = 5, FL_INC = 6, FL_DEC = 7;
// Group-1 operations
const ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;
// Prefix bits (decoder.ts)
const P_66 = 1, P_67 = 2, P_LOCK = 4, P_F2 = 8, P_F3 = 16, P_FS = 32, P_GS = 64;
const R_NONE = 0xff;

interface Insn {
  rip: bigint; next: bigint; len: number; op: number; prefix: number; rex: number; opsize: number;
  mod: number; reg: number; rm: number; base: number; index: number; scale: number; flags: number;
  disp: bigint; imm: bigint; simd: number;
  /** flagEffect's answer, computed once (the liveness scan asks about each instruction often). */
  fe?: 'writes' | 'none' | 'other';
}

type Flags = { local: false } | { local: true; kind: number; size: number };

// cond()'s comparisons ([i32 op, i64 op]) by condition code, made once (not per call: the
// emitter runs as cold JavaScript in the CLI, where every allocation shows).
/** After a SUB/CMP: the condition is a comparison of the operands. */
const COND_SUB: Array<[number, number] | undefined> = [];
/** From the result alone (ZF, SF) after any kind; after a logic op (CF = OF = 0) also the rest. */
const COND_RESULT: Array<[number, number] | undefined> = [];
const COND_LOGIC: Array<[number, number] | undefined> = [];
{
  const o = OP;
  Object.assign(COND_SUB, {
    0x2: [o.i32_lt_u, o.i64_lt_u], 0x3: [o.i32_ge_u, o.i64_ge_u], 0x4: [o.i32_eq, o.i64_eq],
    0x5: [o.i32_ne, o.i64_ne], 0x6: [o.i32_le_u, o.i64_le_u], 0x7: [o.i32_gt_u, o.i64_gt_u],
    0xc: [o.i32_lt_s, o.i64_lt_s], 0xd: [o.i32_ge_s, o.i64_ge_s], 0xe: [o.i32_le_s, o.i64_le_s],
    0xf: [o.i32_gt_s, o.i64_gt_s],
  });
  Object.assign(COND_RESULT, { 0x4: [o.i32_eq, o.i64_eq], 0x5: [o.i32_ne, o.i64_ne], 0x8: [o.i32_lt_s, o.i64_lt_s], 0x9: [o.i32_ge_s, o.i64_ge_s] });
  Object.assign(COND_LOGIC, COND_RESULT, {
    0x6: [o.i32_eq, o.i64_eq], 0x7: [o.i32_ne, o.i64_ne], 0xc: [o.i32_lt_s, o.i64_lt_s],
    0xd: [o.i32_ge_s, o.i64_ge_s], 0xe: [o.i32_le_s, o.i64_le_s], 0xf: [o.i32_gt_s, o.i64_gt_s],
  });
}

/**
 * How an instruction touches the status flags, for a conservative liveness scan: 'writes' all
 * six without reading any and surely translates with no memory access (so no exit can come
 * between); 'none' neither reads nor writes them and has no memory access; 'other' for
 * everything else (reads flags, may exit, or is unknown): the flags are live before it.
 */
function flagEffect(x: Insn): 'writes' | 'none' | 'other' {
  const { op, prefix } = x;
  if (x.mod === 3 && sseForm(x) !== null && op !== 0x17e && op !== 0x16e) return 'none';
  if (formLeavesFlags(x)) return 'none';
  if (prefix & (P_LOCK | P_F2 | P_F3 | P_66) || (x.opsize !== 4 && x.opsize !== 8) || x.mod !== 3) {
    return op === 0x8d && x.mod !== 3 && !(prefix & (P_LOCK | P_F2 | P_F3 | P_66 | P_FS | P_GS)) && x.opsize >= 4 ? 'none' : 'other';
  }
  if (op < 0x40 && ((op & 7) === 1 || (op & 7) === 3) && (op >> 3) !== ADC && (op >> 3) !== SBB) return 'writes';
  if ((op === 0x81 || op === 0x83) && (x.reg & 7) !== ADC && (x.reg & 7) !== SBB) return 'writes';
  if (op === 0x85 || op === 0x1af || op === 0x69 || op === 0x6b) return 'writes';
  if (op === 0xf7 && ((x.reg & 7) === 4 || (x.reg & 7) === 5)) return 'writes';
  if (op === 0x89 || op === 0x8b || (op >= 0xb8 && op <= 0xbf) || op === 0x63 || op === 0x1b6 || op === 0x1b7 || op === 0x1be || op === 0x1bf) return 'none';
  if (op === 0xc7 && (x.reg & 7) === 0) return 'none';
  // Shifts of a register by a non-zero constant write all six flags (AF = 0 as the core sets it)
  // and read none; rotates write CF and OF and pass the others through, INC/DEC pass CF through
  // and NOT touches none: none of these reads a flag or can leave the block, so for the question
  // "are the flags after k overwritten before anyone sees them" they are transparent ('none').
  // (RCL/RCR read CF, and SAL's alias /6 is left to the core: 'other'.)
  if (op === 0xc1 || op === 0xd1) {
    const g = x.reg & 7, count = op === 0xd1 ? 1 : Number(x.imm & 0xffn) & (x.opsize === 8 ? 63 : 31);
    if (count === 0 || g === 2 || g === 3 || g === 6) return 'other';
    return g === 0 || g === 1 ? 'none' : 'writes';
  }
  // A shift or rotate by CL: a count of 0 leaves the flags, any other writes some or all of
  // them; it reads none and cannot leave the block (inline or through the core's shifted()).
  if (op === 0xd3) { const g = x.reg & 7; return g === 2 || g === 3 || g === 6 ? 'other' : 'none'; }
  if (op === 0xff && (x.reg & 7) <= 1) return 'none';
  if (op === 0xf7 && (x.reg & 7) === 2) return 'none';
  return 'other';
}

/** Whether the flags after instruction k of `insns` are overwritten before anything can see them. */
function flagsDeadAfter(insns: Insn[], k: number): boolean {
  for (let i = k + 1; i < insns.length; i++) {
    const x = insns[i];
    const e = x.fe ??= flagEffect(x);
    if (e === 'writes') return true;
    if (e === 'other') return false;
  }
  return false;
}

// ---- SSE integer forms -----------------------------------------------------------------------
// Mandatory-prefix classes (decoder.ts d_simd)
const SIMD_NONE = 0, SIMD_66 = 1, SIMD_F3 = 2;
/** wasm SIMD opcodes (0xFD prefix) of the lane-wise forms, each bit-identical to the SSE one. */
const SSE_LANEWISE: Record<number, number> = {
  0x1db: 0x4e, 0x1eb: 0x50, 0x1ef: 0x51,              // pand, por, pxor
  0x1fc: 0x6e, 0x1fd: 0x8e, 0x1fe: 0xae, 0x1d4: 0xce, // paddb/w/d/q
  0x1f8: 0x71, 0x1f9: 0x91, 0x1fa: 0xb1, 0x1fb: 0xd1, // psubb/w/d/q
  0x174: 0x23, 0x175: 0x2d, 0x176: 0x37,              // pcmpeqb/w/d
  0x1d5: 0x95,                                        // pmullw
};
/** punpck*: the i8x16.shuffle lanes of (dst, src), by opcode. */
function unpackLanes(op: number): number[] | null {
  const lo = op <= 0x162 || op === 0x16c;
  const w = op === 0x160 || op === 0x168 ? 1 : op === 0x161 || op === 0x169 ? 2 : op === 0x162 || op === 0x16a ? 4
    : op === 0x16c || op === 0x16d ? 8 : 0;
  if (!w) return null;
  const lanes: number[] = [];
  for (let i = 0; i < 16 / (2 * w); i++) {
    const base = (lo ? 0 : 8) + i * w;
    for (let b = 0; b < w; b++) lanes.push(base + b);
    for (let b = 0; b < w; b++) lanes.push(16 + base + b);
  }
  return lanes;
}
/**
 * Which SSE form x is, when the translator has it: the integer moves, logic, add/sub, compares,
 * unpacks, pshufd and shifts by an immediate that legacy SSE2 code (gcc's vectorised loops, Go's
 * and musl's copies) spends its time in. Each works on the xmm registers in the state block.
 */
function sseForm(x: Insn): string | null {
  const { op, simd } = x;
  if (x.prefix & P_LOCK) return null;
  if (simd === SIMD_NONE && (op === 0x110 || op === 0x111 || op === 0x128 || op === 0x129)) return 'mov';
  if (simd === SIMD_66 && (op === 0x110 || op === 0x111 || op === 0x128 || op === 0x129)) return 'mov';
  if ((simd === SIMD_NONE || simd === SIMD_66) && (op === 0x154 || op === 0x155 || op === 0x156 || op === 0x157)) return 'logic';
  if (simd === SIMD_F3 && (op === 0x16f || op === 0x17f)) return 'mov';
  if (simd === SIMD_F3 && op === 0x17e) return 'movq';
  if (simd !== SIMD_66) return null;
  if (op === 0x16f || op === 0x17f) return 'mov';
  if (op === 0x16e || op === 0x17e || op === 0x1d6) return 'movq';
  if (SSE_LANEWISE[op] !== undefined || op === 0x1df) return 'lanewise';
  if (unpackLanes(op)) return 'unpack';
  if (op === 0x170) return 'pshufd';
  if ((op === 0x171 || op === 0x172 || op === 0x173) && x.mod === 3) {
    const g = x.reg & 7;
    if (g === 2 || g === 6 || (g === 4 && op !== 0x173)) return 'shift';
  }
  if (op === 0x1d7 && x.mod === 3) return 'pmovmskb';
  return null;
}

/** Jcc rel8 / rel32. */
/** Whether x always ends a block (compileBlock's translation stops after it). */
function endsBlock(x: Insn): boolean {
  const op = x.op;
  return op === 0xc3 || op === 0xc2 || op === 0xe8 || op === 0xe9 || op === 0xeb || op === 0xff || op === 0x105
    || op === 0xcc || op === 0xcd || op === 0xf4 || op === 0xea || op === 0xca || op === 0xcb || op === 0xcf;
}
function isJcc(op: number): boolean { return (op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f); }

/** Opcodes whose operands are bytes (the decoder's opsize says 4 or 8 for them). */
function byteOperand(op: number): boolean {
  if (op < 0x40) return (op & 7) <= 4 && !(op & 1);
  if (op >= 0xb0 && op <= 0xb7) return true;
  if (op >= 0x190 && op <= 0x19f) return true; // setcc
  switch (op) {
    case 0x80: case 0x84: case 0x86: case 0x88: case 0x8a: case 0xa8: case 0xc0: case 0xc6:
    case 0xd0: case 0xd2: case 0xf6: case 0xfe: return true;
  }
  return false;
}

/**
 * Instructions translated with 8- and 16-bit operands too (the other forms are 32/64-bit only):
 * moves, the ALU group (not ADC/SBB), test, inc/dec, not/neg, setcc — each written for any size
 * with the architectural merge into the low byte/word (readReg/writeReg).
 */
function narrowOk(x: Insn): boolean {
  const op = x.op;
  if (op < 0x40) return (op & 7) <= 5;
  if ((op >= 0xb0 && op <= 0xbf) || (op >= 0x190 && op <= 0x19f)) return true;
  switch (op) {
    case 0x80: case 0x81: case 0x83: case 0x84: case 0x85: case 0x88: case 0x89: case 0x8a: case 0x8b:
    case 0xa8: case 0xa9: case 0xc6: case 0xc7: case 0xfe: return true;
    case 0xf6: case 0xf7: return (x.reg & 7) <= 3;
    case 0xff: return (x.reg & 7) <= 1;
  }
  return false;
}

/** Why a block could not be made (for --jit-stats and tests). */
export class Untranslatable extends Error {}

class BlockCompiler {
  body = new Bytes();
  depth = 0;                  // structured-control nesting inside the exit block
  used = 0;                   // registers read or written (bit n: register n)
  written = 0;
  flags: Flags = { local: false };
  loops = false;
  /**
   * Constants known only once the whole block is translated — its code length (the SMC check)
   * and its longest path (the loop's budget check) — are emitted as 5-byte i32.const
   * placeholders and filled in at the end, so the block is translated in one pass.
   */
  patches: Array<{ at: number; what: 'codeLen' | 'longest'; k: number }> = [];

  /**
   * The block's code bytes (all of the decoded run) and where each part validated on its own
   * begins: the code up to and including the first Jcc is checked on entry, the code after each
   * Jcc (to the next one) where the fall-through reaches it (validatePart).
   */
  code: Uint8Array = new Uint8Array(0);
  /** How far into the code any validation reaches (bytes): the block's bytes as cached. */
  checked = 0;
  /** Whether later parts are checked apart (validatePart): not in a block that may loop. */
  parts = false;
  /** Constant rips this block chains to. */
  targets = new Set<bigint>();
  /** Direct links emitted by chainEpilogue, filled in by JitCache.flush (linkBlocks). */
  links: Link[] = [];
  /** Forward branches inside the block: the instruction index each joins at → the nesting level
   *  of the wasm block that ends there (compileBlock); and the rips of those instructions. */
  joins = new Map<number, number>();
  joinAt = new Map<bigint, number>();
  /** The block's index in its module, which is also its alive cell's global index (-1: none). */
  self = -1;
  /** Part checks to emit once the block's end is known (validatePart, fillParts). */
  partsAt: Array<{ at: number; k: number; depth: number; flags: Flags }> = [];

  constructor(readonly insns: Insn[], readonly start: bigint) {}

  /**
   * Pushes whether the code bytes [from, to) differ from the bytes compiled (i32): 8-byte loads,
   * the last one overlapping backwards (into bytes already checked), byte loads for a short block.
   */
  codeDiffers(from: number, to: number): void {
    const dv = new DataView(this.code.buffer, this.code.byteOffset, this.code.length);
    const checks: Array<[number, number, bigint]> = []; // offset, size, value
    if (to >= 8) {
      for (let o = from; o < to; o += 8) {
        const at = Math.min(o, to - 8);
        checks.push([at, 8, dv.getBigUint64(at, true)]);
      }
    } else for (let o = from; o < to; o++) checks.push([o, 1, BigInt(this.code[o])]);
    checks.forEach(([at, size, v], i) => {
      this.get(L_CODE); this.mem(size === 8 ? OP.i64_load : OP.i64_load8_u, at);
      this.i64(v); this.e(OP.i64_ne);
      if (i > 0) this.e(OP.i32_or);
    });
    if (to > this.checked) this.checked = to;
  }

  /**
   * After the Jcc at k, on its fall-through: checks the code of the instructions after it (to the
   * next Jcc or the decoded run's end) before any of them runs, once per entry (not per
   * iteration of a block that loops: L_VAL). A block's entry check used to cover all of its
   * code; a block left early on the common path (a compare loop's mismatch exit) paid for the
   * bytes it never ran at every entry. Changed bytes: the block is marked stale for the run
   * loop (jitStale) and left before instruction k + 1, which the interpreter runs from the new
   * bytes: instructions 0..k ran from bytes that were checked.
   */
  validatePart(k: number): void {
    if (!this.parts) return;
    // Where this part ends is known only once the block is translated (its last instruction may
    // be any later one): the check is emitted then and spliced in here (fillParts).
    this.partsAt.push({ at: this.body.b.length, k, depth: this.depth, flags: this.flags });
  }

  /**
   * Emits the part checks validatePart deferred, now that the block's last instruction (n - 1)
   * is known: a part reaches to the next Jcc or to the block's end, whichever comes first. (It
   * used to reach to the next Jcc of the decoded run, which goes on past a block's final `ret`
   * into whatever follows: sort's `cmp` checked 96 bytes on the path that runs 9.) Spliced in
   * from the last to the first, moving the placeholders after each.
   */
  fillParts(n: number): void {
    const body = this.body, depth = this.depth, flags = this.flags;
    for (let p = this.partsAt.length - 1; p >= 0; p--) {
      const { at, k, depth: d, flags: f } = this.partsAt[p];
      const from = Number(this.insns[k].next - this.start);
      let last = k + 1;
      while (last < n - 1 && !isJcc(this.insns[last].op)) last++;
      if (last >= n) continue;
      const to = Number(this.insns[last].next - this.start);
      if (to <= from) continue;
      this.body = new Bytes(); this.depth = d; this.flags = f;
      this.get(L_VAL); this.i32(k + 1); this.e(OP.i32_lt_u);
      this.open(OP.if);
      this.codeDiffers(from, to);
      this.open(OP.if);
      this.i64(this.start); this.body.u8(OP.call).uleb(F_STALE);
      this.dead();
      this.exit(this.insns[k].next, k + 1, true);
      this.close();
      this.i32(k + 1); this.set(L_VAL);
      this.close();
      const snippet = this.body.b;
      body.b = body.b.slice(0, at).concat(snippet, body.b.slice(at));
      for (const q of this.patches) if (q.at >= at) q.at += snippet.length;
    }
    this.body = body; this.depth = depth; this.flags = flags;
    this.partsAt = [];
  }

  /** Clears this block's own alive cell (its stale paths: links to it stop calling it). */
  dead(): void { if (this.self >= 0) { this.i32(0); this.body.u8(0x24 /* global.set */).uleb(this.self); } }

  // -- emission helpers
  e(...xs: number[]): void { this.body.u8(...xs); }
  i32(v: number): void { this.body.u8(OP.i32_const).sleb32(v | 0); }
  i64(v: bigint): void {
    const s = BigInt.asIntN(64, v);
    if (s >= -0x80000000n && s <= 0x7fffffffn) this.body.u8(OP.i64_const).sleb32(Number(s));
    else this.body.u8(OP.i64_const).sleb(s);
  }
  /** An i32.const whose value is filled in by fillPatches. */
  later(what: 'codeLen' | 'longest', k: number): void {
    this.body.u8(OP.i32_const);
    this.patches.push({ at: this.body.b.length, what, k });
    this.body.u8(0x80, 0x80, 0x80, 0x80, 0x00);
  }
  /** The block's code length in bytes (an i32.const filled in at the end). */
  codeLen(): void { this.later('codeLen', 0); }
  fillPatches(codeLen: number, n: number): void {
    const b = this.body.b;
    for (const { at, what, k } of this.patches) {
      const v = what === 'codeLen' ? codeLen : Math.max(k + 1, n);
      // Signed LEB128 padded to 5 bytes (v is positive and below 2^31).
      b[at] = (v & 0x7f) | 0x80; b[at + 1] = ((v >>> 7) & 0x7f) | 0x80; b[at + 2] = ((v >>> 14) & 0x7f) | 0x80;
      b[at + 3] = ((v >>> 21) & 0x7f) | 0x80; b[at + 4] = (v >>> 28) & 0x07;
    }
  }
  get(l: number): void { this.body.u8(OP.local_get).uleb(l); }
  set(l: number): void { this.body.u8(OP.local_set).uleb(l); }
  tee(l: number): void { this.body.u8(OP.local_tee).uleb(l); }
  mem(op: number, offset: number, align = 0): void { this.body.u8(op).uleb(align).uleb(offset); }
  open(kind: number): void { this.body.u8(kind, VOID); this.depth++; }
  close(): void { this.body.u8(OP.end); this.depth--; }

  /** br depths: `depth` counts the labels inside the function's exit block (the loop, ifs). */
  exitLabel(): number { return this.depth - 1; }
  loopLabel(): number { return this.depth - 2; }

  reg(n: number): number { this.used |= 1 << n; return L_REG + n; }
  /** Pushes register n read with `size` bytes, zero-extended (sizes 1 with REX rules, 2, 4, 8). */
  readReg(n: number, size: number, rex: number): void {
    if (size === 1 && rex === 0 && n >= 4 && n < 8) {
      this.get(this.reg(n - 4)); this.i64(8n); this.e(OP.i64_shr_u); this.i64(0xffn); this.e(OP.i64_and);
      return;
    }
    this.get(this.reg(n));
    if (size < 8) { this.i64(size === 4 ? 0xffffffffn : size === 2 ? 0xffffn : 0xffn); this.e(OP.i64_and); }
  }
  /** Pops a value into register n with the architectural merge/zero-extend rules. */
  writeReg(n: number, size: number, rex: number): void {
    if (size === 8) { this.set(this.reg(n)); this.written |= 1 << n; return; }
    if (size === 4) { this.i64(0xffffffffn); this.e(OP.i64_and); this.set(this.reg(n)); this.written |= 1 << n; return; }
    let shift = 0n;
    if (size === 1 && rex === 0 && n >= 4 && n < 8) { n -= 4; shift = 8n; }
    const m = (size === 2 ? 0xffffn : 0xffn) << shift;
    this.set(L_T1);
    this.get(this.reg(n)); this.i64(~m); this.e(OP.i64_and);
    this.get(L_T1); if (shift) { this.i64(shift); this.e(OP.i64_shl); } this.i64(m); this.e(OP.i64_and);
    this.e(OP.i64_or);
    this.set(this.reg(n)); this.written |= 1 << n;
  }

  /** Writes the lazy flags held in locals to the state block (at exits, before core calls). */
  flushFlags(): void {
    if (!this.flags.local) return;
    this.i32(L.STATE); this.i32(this.flags.kind | (this.flags.size << 8)); this.mem(OP.i32_store, L.LAZY_OP);
    this.i32(L.STATE); this.get(L_FD); this.mem(OP.i64_store, L.LAZY_DST);
    this.i32(L.STATE); this.get(L_FS); this.mem(OP.i64_store, L.LAZY_SRC);
    this.i32(L.STATE); this.get(L_FR); this.mem(OP.i64_store, L.LAZY_RES);
  }
  /** Makes the state block's flags current and forgets the local copy. */
  spillFlags(): void { if (!this.flags.local) return; this.flushFlags(); this.flags = { local: false }; }

  /**
   * Leaves the block: rip (a constant, or the value in L_T0 when `rip` is null), count. The
   * stores every exit needs — the lazy-flag record when the flags are held in locals, rip — are
   * made once, in the function's exit tail (compileBlock), from L_FK (the record's kind and size,
   * 0 when the state block's flags are current) and L_T0; an exit only sets those and branches
   * with count (| JIT_EARLY), which the tail adds to L_CNT. (Each exit used to carry its own five
   * stores: a block has one exit per memory access, and the code size is the compile bill.)
   */
  exit(rip: bigint | null, count: number, early: boolean): void {
    const f = this.flags;
    this.i32(f.local ? f.kind | (f.size << 8) : 0); this.set(L_FK);
    if (rip !== null) { this.i64(rip); this.set(L_T0); }
    this.i32(count | (early ? L.JIT_EARLY : 0));
    this.body.u8(OP.br).uleb(this.exitLabel());
  }

  /**
   * Leaves the block at a branch, call, ret or the block's end, where control goes on to `rip`
   * (a constant, or L_T0 when null) with nothing owed to the interpreter: after the registers
   * are stored, the function tail-calls the block compiled at `rip` if there is one that fits in
   * the budget (compileBlock's epilogue), instead of returning to the run loop.
   */
  chain(rip: bigint | null, count: number): void {
    if (rip !== null) this.targets.add(rip);
    if (rip === null) this.get(L_T0); else this.i64(rip);
    this.set(L_NXT);
    this.exit(rip, count, false);
  }

  /** Leaves `L_A` holding the linear address of the memory operand. */
  address(x: Insn): void {
    if (x.flags & L.CF_RIPREL) this.i64(x.next + x.disp);
    else {
      this.i64(x.disp);
      if (x.base !== R_NONE) { this.get(this.reg(x.base)); this.e(OP.i64_add); }
      if (x.index !== R_NONE) {
        this.get(this.reg(x.index));
        if (x.scale) { this.i64(BigInt(x.scale)); this.e(OP.i64_shl); }
        this.e(OP.i64_add);
      }
    }
    if (x.prefix & P_67) { this.i64(0xffffffffn); this.e(OP.i64_and); }
    if (x.prefix & (P_FS | P_GS)) {
      this.i32(L.STATE); this.mem(OP.i64_load, x.prefix & P_FS ? L.FS_BASE : L.GS_BASE); this.e(OP.i64_add);
    }
    this.set(L_A);
  }

  /**
   * Leaves (and keeps in L_E) the address of the TLB entry for the page of the address in local
   * `at`: (vpn ^ vpn >> TLB_FOLD) & (TLB_ENTRIES - 1), entries of 32 bytes — cpu/mmu/tlb.ts tlbEntry.
   */
  tlbEntry(at: number): void {
    this.get(at); this.i64(12n); this.e(OP.i64_shr_u); this.get(at); this.i64(BigInt(12 + L.TLB_FOLD)); this.e(OP.i64_shr_u);
    this.e(OP.i64_xor); this.e(OP.i32_wrap_i64);
    this.i32(L.TLB_ENTRIES - 1); this.e(OP.i32_and); this.i32(5); this.e(OP.i32_shl);
    this.i32(L.TLB); this.e(OP.i32_add); this.tee(L_E);
  }

  /**
   * Translates [L_A, L_A+size) through the TLB for `write` into L_P, or leaves the block before
   * instruction k (nothing of it done yet) when the fast path does not apply.
   */
  translate(size: number, write: boolean, k: number, x: Insn): void {
    const crosses = (): void => {
      this.get(L_A); this.e(OP.i32_wrap_i64); this.i32(0xfff); this.e(OP.i32_and); this.i32(0x1000 - size); this.e(OP.i32_gt_u);
    };
    this.tlbEntry(L_A);
    this.mem(OP.i64_load, write ? L.TLBE_WRITE_TAG : L.TLBE_READ_TAG);
    this.get(L_A); this.i64(12n); this.e(OP.i64_shr_u); this.e(OP.i64_ne);
    if (size > 1) { crosses(); this.e(OP.i32_or); }
    // One branch on the fast path. A miss is filled here, as the interpreter would fill it,
    // instead of leaving the block: two hot pages that share a TLB entry (the direct-mapped TLB:
    // busybox gzip's stack and its prev[] table) would otherwise leave and re-enter the block at
    // every access. A page-crossing access, and what the fill refuses (unmapped, protection,
    // copy-on-write, non-canonical), leave before the instruction, and the interpreter raises the
    // fault or breaks the copy exactly as before.
    // (One exit for both, to keep the code small: a crossing access fills its first page too,
    // as the interpreter's access would.)
    this.open(OP.if);
    this.get(L_A); this.i32(write ? 1 : 0); this.body.u8(OP.call).uleb(F_TLB); this.e(OP.i32_eqz);
    if (size > 1) { crosses(); this.e(OP.i32_or); }
    this.open(OP.if); this.exit(x.rip, k, true); this.close();
    this.close();
    this.get(L_E); this.mem(OP.i32_load, L.TLBE_FRAME);
    this.get(L_A); this.e(OP.i32_wrap_i64); this.i32(0xfff); this.e(OP.i32_and); this.e(OP.i32_add);
    this.set(L_P);
  }
  /** Pushes the value at L_P (size bytes, zero- or sign-extended to i64). */
  load(size: number, signed = false): void {
    this.get(L_P);
    if (size === 8) this.mem(OP.i64_load, 0);
    else if (size === 4) this.mem(signed ? OP.i64_load32_s : OP.i64_load32_u, 0);
    else if (size === 2) this.mem(signed ? OP.i64_load16_s : OP.i64_load16_u, 0);
    else this.mem(signed ? OP.i64_load8_s : OP.i64_load8_u, 0);
  }
  /** Stores the value in L_T0 at L_P. */
  store(size: number): void {
    this.get(L_P); this.get(L_T0);
    this.mem(size === 8 ? OP.i64_store : size === 4 ? OP.i64_store32 : size === 2 ? OP.i64_store16 : OP.i64_store8, 0);
  }
  /** After a store at L_P of `size` bytes: if it hit this block's own code, leave after insn k. */
  smcCheck(size: number, k: number, x: Insn): void {
    this.get(L_P); this.i32(size); this.e(OP.i32_add); this.get(L_CODE); this.e(OP.i32_gt_u);
    this.get(L_P); this.get(L_CODE); this.codeLen(); this.e(OP.i32_add); this.e(OP.i32_lt_u);
    this.e(OP.i32_and);
    this.open(OP.if); this.exit(x.next, k + 1, false); this.close();
  }

  /**
   * With a = L_T0, b = L_T1 and their wrapped 64-bit product in L_T2: pushes whether the signed
   * product overflowed (i32). Without a multiply-high in wasm: for a not 0 or -1 the product
   * fits exactly when product / a == b; a = -1 overflows only for b = INT64_MIN.
   */
  signedMulOverflow(): void {
    this.get(L_T0); this.e(OP.i64_eqz);
    this.body.u8(OP.if, I32); this.i32(0);
    this.e(OP.else);
    this.get(L_T0); this.i64(-1n); this.e(OP.i64_eq);
    this.body.u8(OP.if, I32); this.get(L_T1); this.i64(-(1n << 63n)); this.e(OP.i64_eq);
    this.e(OP.else); this.get(L_T2); this.get(L_T0); this.e(0x7f /* i64.div_s */); this.get(L_T1); this.e(OP.i64_ne);
    this.e(OP.end); this.e(OP.end);
  }

  /**
   * L_T2 = low and L_T3 = high half of L_T0 * L_T1 (128-bit; signed when `signed`): four 32×32
   * products, as the core's mulWideU does it, corrected for negative factors.
   */
  mulHigh(signed: boolean): void {
    const lo32 = (l: number): void => { this.get(l); this.i64(0xffffffffn); this.e(OP.i64_and); };
    const hi32 = (l: number): void => { this.get(l); this.i64(32n); this.e(OP.i64_shr_u); };
    lo32(L_T0); hi32(L_T1); this.e(OP.i64_mul); this.set(L_T4);   // lh
    hi32(L_T0); lo32(L_T1); this.e(OP.i64_mul); this.set(L_FD2);  // hl
    // mid = (ll >> 32) + (lh & M) + (hl & M)
    lo32(L_T0); lo32(L_T1); this.e(OP.i64_mul); this.i64(32n); this.e(OP.i64_shr_u);
    lo32(L_T4); this.e(OP.i64_add); lo32(L_FD2); this.e(OP.i64_add); this.set(L_T3);
    // hi = aH*bH + (lh >> 32) + (hl >> 32) + (mid >> 32)
    hi32(L_T0); hi32(L_T1); this.e(OP.i64_mul);
    hi32(L_T4); this.e(OP.i64_add); hi32(L_FD2); this.e(OP.i64_add); hi32(L_T3); this.e(OP.i64_add);
    if (signed) {
      for (const [x, y] of [[L_T0, L_T1], [L_T1, L_T0]]) {
        this.get(y); this.i64(0n); this.get(x); this.i64(0n); this.e(OP.i64_lt_s); this.e(OP.select); this.e(OP.i64_sub);
      }
    }
    this.set(L_T3);
    this.get(L_T0); this.get(L_T1); this.e(OP.i64_mul); this.set(L_T2);
  }

  /**
   * The flags of a multiply, set eagerly in the state block as the core's setAllStatusFlags
   * does (nothing lazily owed survives): CF = OF = the i32 on the stack, ZF SF PF from the
   * result in local `res`, AF = 0.
   */
  mulFlags(res: number, size: number): void {
    this.e(OP.i64_extend_i32_u); this.i64(BigInt(L.CF | L.OF)); this.e(OP.i64_mul);
    this.szp(res, size); this.e(OP.i64_or);
    this.setStatusFlags(L_T4);
    this.i32(L.STATE); this.i32(0); this.mem(OP.i32_store, L.LAZY_OP);
    this.flags = { local: false };
  }

  /** Pushes ZF | SF | PF (i64) of the result in local `res` of `size` bytes (unmasked). */
  szp(res: number, size: number): void {
    this.get(res); if (size < 8) { this.i64((1n << BigInt(size * 8)) - 1n); this.e(OP.i64_and); }
    this.e(OP.i64_eqz); this.e(OP.i64_extend_i32_u); this.i64(6n); this.e(OP.i64_shl);
    this.get(res); this.i64(BigInt(size * 8 - 1)); this.e(OP.i64_shr_u); this.i64(1n); this.e(OP.i64_and); this.i64(7n); this.e(OP.i64_shl); this.e(OP.i64_or);
    // PF: even parity of the low byte
    this.get(res); this.i64(0xffn); this.e(OP.i64_and); this.e(0x7b /* i64.popcnt */); this.i64(1n); this.e(OP.i64_and); this.i64(1n); this.e(OP.i64_xor);
    this.i64(2n); this.e(OP.i64_shl); this.e(OP.i64_or);
  }

  /** Writes the status flags `bits` (i64 on the stack, kept in local `tmp`) eagerly, as the core's setAllStatusFlags. */
  setStatusFlags(tmp: number): void {
    this.set(tmp);
    this.i32(L.STATE);
    this.i32(L.STATE); this.mem(OP.i64_load, L.RFLAGS); this.i64(~BigInt(L.STATUS_FLAGS)); this.e(OP.i64_and);
    this.get(tmp); this.e(OP.i64_or);
    this.mem(OP.i64_store, L.RFLAGS);
  }

  simd(op: number, ...rest: number[]): void { this.body.u8(0xfd).uleb(op); this.e(...rest); }
  /** Pushes xmm register n (from the state block). */
  xmmGet(n: number): void { this.i32(L.STATE); this.body.u8(0xfd).uleb(0x00).uleb(4).uleb(L.XMM0 + n * 16); }
  /** Pops a v128 into xmm register n: the address goes first, so the value waits in L_V. */
  xmmSet(n: number): void { this.setV(); this.i32(L.STATE); this.getV(); this.body.u8(0xfd).uleb(0x0b).uleb(4).uleb(L.XMM0 + n * 16); }
  getV(): void { this.get(L_V); }
  setV(): void { this.set(L_V); }

  /** Address of the m128 (or narrower) operand into L_P; legacy SSE's alignment rule exits early
   *  on a misaligned m128 so that the interpreter raises the #GP. */
  sseMem(x: Insn, k: number, size: number, write: boolean, aligned: boolean): void {
    this.address(x);
    if (aligned) {
      this.get(L_A); this.e(OP.i32_wrap_i64); this.i32(15); this.e(OP.i32_and);
      this.open(OP.if); this.exit(x.rip, k, true); this.close();
    }
    this.translate(size, write, k, x);
  }
  /** Pushes the 128-bit source operand W (xmm rm, or memory). */
  sseSrc(x: Insn, k: number, aligned = true): void {
    if (x.mod === 3) { this.xmmGet(x.rm); return; }
    this.sseMem(x, k, 16, false, aligned);
    this.get(L_P); this.body.u8(0xfd).uleb(0x00).uleb(0).uleb(0);
  }

  translateSse(x: Insn, k: number): 'next' | null {
    const form = sseForm(x);
    if (form === null) return null;
    const { op } = x;
    const mem = x.mod !== 3;
    switch (form) {
      case 'mov': {
        const toW = op === 0x111 || op === 0x129 || op === 0x17f;
        const aligned = op === 0x128 || op === 0x129 || (op !== 0x110 && op !== 0x111 && x.simd === SIMD_66);
        if (!toW) { this.sseSrc(x, k, aligned); this.xmmSet(x.reg); return 'next'; }
        if (!mem) { this.xmmGet(x.reg); this.xmmSet(x.rm); return 'next'; }
        this.sseMem(x, k, 16, true, aligned);
        this.get(L_P); this.xmmGet(x.reg); this.body.u8(0xfd).uleb(0x0b).uleb(0).uleb(0);
        this.smcCheck(16, k, x);
        return 'next';
      }
      case 'movq': {
        if (op === 0x16e) { // movd/movq V, E: zero-extended into the register
          const size = x.rex & 8 ? 8 : 4;
          if (mem) { this.address(x); this.translate(size, false, k, x); this.load(size); } else this.readReg(x.rm, size, 0);
          this.set(L_T0);
          this.simd(0x0c, ...new Array(16).fill(0)); this.get(L_T0); this.simd(0x1e, 0); // lane 0 of a zero vector
          return this.popToXmm(x.reg);
        }
        if (op === 0x17e && x.simd === SIMD_66) { // movd/movq E, V
          const size = x.rex & 8 ? 8 : 4;
          this.xmmGet(x.reg); this.simd(0x1d, 0); // i64x2.extract_lane 0
          if (!mem) { this.writeReg(x.rm, size, 0); return 'next'; }
          this.set(L_T0); this.address(x); this.translate(size, true, k, x); this.store(size); this.smcCheck(size, k, x);
          return 'next';
        }
        // movq V, Wq (F3 0F 7E) and movq Wq, V (66 0F D6): the low quadword, the upper one zeroed
        // in a register destination
        const fromV = op === 0x1d6;
        if (fromV && mem) {
          this.xmmGet(x.reg); this.simd(0x1d, 0); this.set(L_T0);
          this.address(x); this.translate(8, true, k, x); this.store(8); this.smcCheck(8, k, x);
          return 'next';
        }
        if (mem) { this.address(x); this.translate(8, false, k, x); this.load(8); } else { this.xmmGet(fromV ? x.reg : x.rm); this.simd(0x1d, 0); }
        this.set(L_T0);
        this.simd(0x0c, ...new Array(16).fill(0)); this.get(L_T0); this.simd(0x1e, 0);
        return this.popToXmm(fromV ? x.rm : x.reg);
      }
      case 'logic': case 'lanewise': {
        // dst = dst OP src; pandn/andnps: dst = ~dst & src (wasm andnot(a, b) = a & ~b)
        const andn = op === 0x1df || op === 0x155;
        const wop = op === 0x154 ? 0x4e : op === 0x156 ? 0x50 : op === 0x157 ? 0x51 : andn ? 0x4f : SSE_LANEWISE[op];
        if (andn) { this.sseSrc(x, k); this.xmmGet(x.reg); } else { this.xmmGet(x.reg); this.sseSrc(x, k); }
        this.simd(wop);
        return this.popToXmm(x.reg);
      }
      case 'unpack': {
        this.xmmGet(x.reg); this.sseSrc(x, k); this.simd(0x0d, ...unpackLanes(op)!);
        return this.popToXmm(x.reg);
      }
      case 'pshufd': {
        const imm = Number(x.imm & 0xffn);
        const lanes: number[] = [];
        for (let i = 0; i < 4; i++) { const l = (imm >> (2 * i)) & 3; for (let b = 0; b < 4; b++) lanes.push(l * 4 + b); }
        this.sseSrc(x, k); this.simd(0x0c, ...new Array(16).fill(0)); this.simd(0x0d, ...lanes);
        return this.popToXmm(x.reg);
      }
      case 'shift': {
        const g = x.reg & 7;
        const bits = op === 0x171 ? 16 : op === 0x172 ? 32 : 64;
        const count = Number(x.imm & 0xffn);
        const ops = bits === 16 ? [0x8b, 0x8c, 0x8d] : bits === 32 ? [0xab, 0xac, 0xad] : [0xcb, 0xcc, 0xcd];
        if (count >= bits && g !== 4) { this.simd(0x0c, ...new Array(16).fill(0)); return this.popToXmm(x.rm); }
        // wasm shifts take the count modulo the lane width: an arithmetic shift past it is a shift by bits-1
        this.xmmGet(x.rm); this.i32(Math.min(count, bits - 1));
        this.simd(g === 6 ? ops[0] : g === 4 ? ops[1] : ops[2]);
        return this.popToXmm(x.rm);
      }
      case 'pmovmskb': {
        this.xmmGet(x.rm); this.simd(0x64); this.e(OP.i64_extend_i32_u); this.writeReg(x.reg, 8, 0);
        return 'next';
      }
    }
    return null;
  }
  popToXmm(n: number): 'next' { this.xmmSet(n); return 'next'; }

  /** Records flags of kind/size from the values on the stack: dst, src, result (result kept on stack). */
  setFlags(kind: number, size: number): void {
    this.tee(L_FR); this.set(L_T1);   // keep result
    this.set(L_FS); this.set(L_FD);
    this.get(L_T1);
    this.flags = { local: true, kind, size };
  }

  /** Pushes condition cc (i32 0/1), from the local flags when it can, else through the core. */
  cond(cc: number): void {
    const f = this.flags;
    if (f.local) {
      // Sizes 1, 2 and 4 compare as i32: the operands in the locals are not masked (an 8-bit
      // add leaves a carry in bit 8, an imm8 is sign-extended), so each is cut to its size here,
      // sign-extended for the signed conditions (cc 8, 9, C-F) and zero-extended otherwise.
      const w = f.size !== 8;
      const signed = cc >= 0xc || cc === 0x8 || cc === 0x9;
      const val = (l: number): void => {
        this.get(l);
        if (!w) return;
        this.e(OP.i32_wrap_i64);
        if (f.size === 4) return;
        if (signed) this.e(f.size === 1 ? OP.i32_extend8_s : OP.i32_extend16_s);
        else { this.i32(f.size === 1 ? 0xff : 0xffff); this.e(OP.i32_and); }
      };
      const cmp = (i32op: number, i64op: number): void => { this.e(w ? i32op : i64op); };
      if (f.kind === FL_SUB) {
        const op = COND_SUB[cc];
        if (op) { val(L_FD); val(L_FS); cmp(op[0], op[1]); return; }
      }
      // ADD's carry: the result (cut to its size) is below the destination operand. (An INC's
      // parks CF in RFLAGS instead, and ADC/SBB are not FL_ADD.)
      if (f.kind === FL_ADD && (cc === 0x2 || cc === 0x3)) {
        val(L_FR); val(L_FD); cmp(...(cc === 0x2 ? [OP.i32_lt_u, OP.i64_lt_u] : [OP.i32_ge_u, OP.i64_ge_u]) as [number, number]);
        return;
      }
      if (f.kind === FL_LOGIC && cc <= 3) { this.i32(cc & 1); return; }
      const z = (f.kind === FL_LOGIC ? COND_LOGIC : COND_RESULT)[cc];
      if (z) { val(L_FR); if (w) this.i32(0); else this.i64(0n); cmp(z[0], z[1]); return; }
    }
    if (condFromRflags(this, cc)) return; // forms.ts: after a form that wrote RFLAGS eagerly
    this.spillFlags();
    this.i32(cc); this.body.u8(OP.call).uleb(F_COND);
  }

  /**
   * The end of the function, after the registers are stored, with L_RET = what this block
   * retired: when the exit taken named a block to chain to (L_NXT), that rip's entry in the
   * core's block table holds a compiled block, the rest of the budget holds its longest path,
   * and its page is executable in the TLB (what the run loop checks before a call), tail-call
   * it with the count so far; otherwise fall out (the caller returns to the run loop).
   */
  chainEpilogue(start = 0n, targets: Iterable<bigint> = [], batch: ReadonlySet<bigint> = new Set(), known: KnownBlocks = NO_BLOCKS): void {
    const ret = (): void => { this.get(L_DONE); this.get(L_RET); this.e(OP.i32_add); this.e(OP.return); };
    const ifNot = (): void => { this.e(OP.if, VOID); ret(); this.e(OP.end); };
    this.get(L_NXT); this.e(OP.i64_eqz); ifNot();
    // Direct links: a target compiled in the same module is called by its function index,
    // without the block-table lookup or call_indirect. On this block's own page no TLB check
    // either: the page is the one this block was entered on (its exec tag was checked then, and
    // nothing a block does unmaps code), so the target's code address is this block's plus the
    // distance.
    // The target still checks its bytes on entry. Its longest path must fit in what is left of
    // the budget, as for any chain. Whether the target was compiled, its function index and its
    // longest path are known only once the whole batch is translated: 5-byte placeholders
    // (linked 0/1, insns, index) that JitCache fills (linkBlocks); unlinked, the branch is dead.
    // Links across modules: a target compiled in an earlier batch and still installed is called
    // the same way, its function imported by the module (JitCache.flush). Each link also reads
    // the target's `alive` cell (an imported mutable global, 1 while the block is the current
    // translation of its start): the host clears it when the block is evicted or replaced, and
    // the block clears it itself when it finds its code changed (its stale paths), so a link
    // never keeps calling a translation the run loop has given up on.
    for (const t of targets) {
      if (!batch.has(t) && !known.has(t)) continue;
      const link: Link = { target: t, linkedAt: 0, insnsAt: 0, fnAt: 0, aliveAt: 0 };
      // A target on another page: its TLB entry (a constant address: the vpn is a constant) must
      // allow execution, as for any chain; its code address comes from that entry's frame.
      const vpn = t >> 12n, same = vpn === start >> 12n;
      const e = tlbEntryAddr(vpn);
      this.get(L_NXT); this.i64(t); this.e(OP.i64_eq);
      this.body.u8(OP.i32_const); link.linkedAt = this.body.b.length; this.body.u8(0x80, 0x80, 0x80, 0x80, 0x00);
      this.e(OP.i32_and);
      this.body.u8(OP.i32_const); link.insnsAt = this.body.b.length; this.body.u8(0x80, 0x80, 0x80, 0x80, 0x00);
      this.get(L_LEFT); this.get(L_RET); this.e(OP.i32_sub); this.e(0x4c /* i32.le_s */);
      this.e(OP.i32_and);
      this.body.u8(0x23 /* global.get */); link.aliveAt = this.body.b.length; this.body.u8(0x80, 0x80, 0x80, 0x80, 0x00);
      this.e(OP.i32_and);
      if (!same) { this.i32(e); this.mem(OP.i64_load, L.TLBE_EXEC_TAG); this.i64(vpn); this.e(OP.i64_eq); this.e(OP.i32_and); }
      this.e(OP.if, VOID);
      if (same) { this.get(L_CODE); this.i32(Number(t - start)); this.e(OP.i32_add); }
      else { this.i32(e); this.mem(OP.i32_load, L.TLBE_FRAME); this.i32(Number(t & 0xfffn)); this.e(OP.i32_add); }
      this.get(L_LEFT); this.get(L_RET); this.e(OP.i32_sub);
      this.get(L_DONE); this.get(L_RET); this.e(OP.i32_add);
      this.body.u8(0x12 /* return_call */); link.fnAt = this.body.b.length; this.body.u8(0x80, 0x80, 0x80, 0x80, 0x00);
      this.e(OP.end);
      this.links.push(link);
    }
    // The two-way set (blocks.ts blockSet): JIT_BLOCKS + ((rip ^ rip >> 10) & (ENTRIES/2 - 1)) * 2 * SIZE
    this.get(L_NXT); this.get(L_NXT); this.i64(10n); this.e(OP.i64_shr_u); this.e(OP.i64_xor); this.e(OP.i32_wrap_i64);
    this.i32(L.JIT_BLOCK_ENTRIES / 2 - 1); this.e(OP.i32_and); this.i32(2 * L.JIT_BLOCK_SIZE); this.e(0x6c /* i32.mul */);
    this.i32(L.JIT_BLOCKS); this.e(OP.i32_add); this.tee(L_E);
    this.mem(OP.i64_load, L.JB_RIP); this.get(L_NXT); this.e(OP.i64_ne);
    this.e(OP.if, VOID);
    this.get(L_E); this.i32(L.JIT_BLOCK_SIZE); this.e(OP.i32_add); this.tee(L_E);
    this.mem(OP.i64_load, L.JB_RIP); this.get(L_NXT); this.e(OP.i64_ne); ifNot();
    this.e(OP.end);
    // slot > 0 and insns <= left - retired
    this.get(L_E); this.mem(OP.i32_load, L.JB_SLOT); this.tee(L_P); this.i32(0); this.e(OP.i32_le_s);
    this.get(L_E); this.mem(OP.i32_load, L.JB_INSNS); this.get(L_LEFT); this.get(L_RET); this.e(OP.i32_sub); this.e(OP.i32_gt_s);
    this.e(OP.i32_or); ifNot();
    // The target page's TLB entry must allow execution (its exec tag is the vpn).
    this.tlbEntry(L_NXT);
    this.mem(OP.i64_load, L.TLBE_EXEC_TAG); this.get(L_NXT); this.i64(12n); this.e(OP.i64_shr_u); this.e(OP.i64_ne); ifNot();
    // return_call_indirect (frame + page offset, left - retired, done + retired) through slot
    this.get(L_E); this.mem(OP.i32_load, L.TLBE_FRAME); this.get(L_NXT); this.e(OP.i32_wrap_i64); this.i32(0xfff); this.e(OP.i32_and); this.e(OP.i32_add);
    this.get(L_LEFT); this.get(L_RET); this.e(OP.i32_sub);
    this.get(L_DONE); this.get(L_RET); this.e(OP.i32_add);
    this.get(L_P);
    this.body.u8(0x13 /* return_call_indirect */).uleb(IMPORTS.length).uleb(0);
  }

  /**
   * XCHG E, G (87) and CMPXCHG m, G (0F B1), 32 or 64 bits. XCHG swaps (a memory operand is read
   * and written through the write translation, which the fill refuses for a page that is not
   * writable, so the interpreter faults as it would); flags are untouched. CMPXCHG compares the
   * accumulator with the memory operand as CMP does (the lazy SUB record, as the core's
   * cmpxchg) and stores G when they are equal, else loads the accumulator (zero-extended for
   * 32 bits; left whole when equal). The core also writes an unequal operand back unchanged (the
   * locked cycle): the same bytes, nothing to see but the write permission, checked here too.
   * Register destinations of CMPXCHG stay in the interpreter (its 32-bit unequal case keeps the
   * register's upper half).
   */
  exchange(x: Insn, k: number, size: number): 'next' {
    // (L_T2 holds the old value: setFlags and writeReg use L_T1.)
    const mem = x.mod !== 3;
    if (x.op === 0x87) {
      if (!mem) {
        this.readReg(x.rm, size, x.rex); this.set(L_T2);
        this.readReg(x.reg, size, x.rex); this.writeReg(x.rm, size, x.rex);
        this.get(L_T2); this.writeReg(x.reg, size, x.rex);
        return 'next';
      }
      this.address(x); this.translate(size, false, k, x); this.translate(size, true, k, x);
      this.load(size); this.set(L_T2);
      this.readReg(x.reg, size, x.rex); this.set(L_T0); this.store(size);
      this.get(L_T2); this.writeReg(x.reg, size, x.rex);
      this.smcCheck(size, k, x);
      return 'next';
    }
    this.address(x); this.translate(size, false, k, x); this.translate(size, true, k, x);
    this.load(size); this.set(L_T2);
    this.readReg(0, size, 0); this.get(L_T2); this.readReg(0, size, 0); this.get(L_T2); this.e(OP.i64_sub);
    this.setFlags(FL_SUB, size); this.e(OP.drop);
    this.readReg(0, size, 0); this.get(L_T2); this.e(OP.i64_eq);
    this.open(OP.if);
    this.readReg(x.reg, size, x.rex); this.set(L_T0); this.store(size);
    this.smcCheck(size, k, x);
    this.body.u8(OP.else);
    this.get(L_T2); this.writeReg(0, size, 0);
    this.close();
    return 'next';
  }

  // -- instructions. Each returns false (emitting nothing) when it does not translate x.
  translateInsn(x: Insn, k: number): 'next' | 'end' | null {
    const { op, prefix } = x;
    const form = translateForm(this, x, k); // the forms of forms.ts (session 5)
    if (form !== undefined) return form;
    if (op >= 0x100 && op < 0x200 && sseForm(x) !== null) return this.translateSse(x, k);
    // XCHG and CMPXCHG (musl's and busybox's locks: busybox sort left its blocks ~1.9 M times
    // at each to run one of them in the interpreter). Their atomicity is the instruction's own:
    // a block runs on one core, never interleaved with another guest thread mid-instruction.
    // xchg rAX, r (90+r; 90 without REX.B is NOP, above)
    if (((op >= 0x91 && op <= 0x97) || (op === 0x90 && (x.rex & 1))) && !(prefix & (P_LOCK | P_F2 | P_F3 | P_66)) && (x.opsize === 4 || x.opsize === 8)) {
      const r = (op & 7) | ((x.rex & 1) << 3);
      this.readReg(r, x.opsize, x.rex); this.set(L_T2);
      this.readReg(0, x.opsize, 0); this.writeReg(r, x.opsize, x.rex);
      this.get(L_T2); this.writeReg(0, x.opsize, 0);
      return 'next';
    }
    if ((op === 0x87 && !(prefix & (P_LOCK | P_F2 | P_F3 | P_66 | P_67))) || (op === 0x1b1 && x.mod !== 3 && !(prefix & (P_F2 | P_F3 | P_66 | P_67)))) {
      if (x.opsize !== 4 && x.opsize !== 8) return null;
      return this.exchange(x, k, x.opsize);
    }
    if (prefix & (P_LOCK | P_F2 | P_F3)) {
      if (!(op === 0x90 || op === 0x11f || op === 0x11e) || prefix & P_LOCK) return null;
    }
    // The decoder's opsize is 2, 4 or 8; byte opcodes are told apart by the opcode itself.
    const size = byteOperand(op) ? 1 : x.opsize;
    const plain = !(prefix & P_66) && (size === 4 || size === 8);
    const mem = x.mod !== 3;
    const branchTo = (target: bigint): void => {
      if (target === this.start) {
        this.loops = true;
        // The loop's top was translated with the flags in the state block: write them there
        // (without forgetting them here: this may sit in one arm of an if).
        this.flushFlags();
        // Another iteration may run the longest path through the block (a Jcc's fall-through
        // goes on past this branch), so that must fit in what is left of the budget.
        this.get(L_CNT); this.i32(k + 1); this.e(OP.i32_add); this.tee(L_CNT);
        this.later('longest', k); this.e(OP.i32_add); this.get(L_LEFT); this.e(OP.i32_le_u);
        this.get(L_CNT); this.i32(0x1000000); this.e(OP.i32_lt_u); this.e(OP.i32_and);
        this.body.u8(OP.br_if).uleb(this.loopLabel());
        // out of budget: the count already includes this iteration
        this.exit(target, 0, false);
        return;
      }
      this.chain(target, k + 1);
    };

    // NOP, multi-byte NOP
    if (op === 0x90 && !(prefix & P_F3) && !(x.rex & 1)) return 'next';
    if (op === 0x11f) return 'next';
    // endbr64 / endbr32 (F3 0F 1E FA/FB): no CET here, a NOP
    if (op === 0x11e && (prefix & P_F3) && x.mod === 3 && (x.reg & 7) === 7 && (x.rm & 7) >= 2 && (x.rm & 7) <= 3) return 'next';
    // Jcc: the taken path leaves (or loops back to the start); the block goes on along the
    // fall-through path, so a run of compare-and-branch code is one block, not one per branch.
    if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) {
      const target = BigInt.asUintN(64, x.next + x.imm);
      const t = this.joinAt.get(target);
      this.cond(op & 0xf);
      this.open(OP.if);
      if (t !== undefined && t > k && this.joins.has(t)) {
        // A forward branch to an instruction of this block (compileBlock opened a wasm block that
        // ends there): a `br`, not an exit. The flags go to the state block on the way (the join
        // is translated with them there); the count is made right for the instructions skipped.
        this.flushFlags();
        this.get(L_CNT); this.i32(k + 1 - t); this.e(OP.i32_add); this.set(L_CNT);
        this.body.u8(OP.br).uleb(this.depth - this.joins.get(t)!);
      } else branchTo(target);
      this.close();
      this.validatePart(k);
      return 'next';
    }
    if (op === 0xeb || op === 0xe9) {
      const target = BigInt.asUintN(64, x.next + x.imm);
      const t = this.joinAt.get(target);
      if (t !== undefined && t > k && this.joins.has(t)) {
        // A forward jump to an instruction of this block (the end of an if/else diamond's first
        // arm): a `br` to its join, and the translation goes on with the code after the jump,
        // which only the block's other branches reach.
        this.flushFlags();
        this.get(L_CNT); this.i32(k + 1 - t); this.e(OP.i32_add); this.set(L_CNT);
        this.body.u8(OP.br).uleb(this.depth - this.joins.get(t)!);
        return 'next';
      }
      branchTo(target); return 'end';
    }
    // SYSCALL: the core's in-core shortcut (cpu/ops/fastsys.ts) answers the getpid class and the
    // vDSO clocks without a return to the run loop; anything else leaves before the instruction
    // and the interpreter raises the exit to lxcore. The block ends after it: the call may have
    // written guest memory (a timespec), which the code after it must not have been compiled from.
    if (op === 0x105 && !(prefix & (P_66 | P_F2 | P_F3 | P_LOCK))) {
      this.spillFlags();
      for (const r of [0, 4, 6, 7]) { this.i32(L.STATE); this.get(this.reg(r)); this.mem(OP.i64_store, r * 8); }
      this.i64(x.next); this.body.u8(OP.call).uleb(F_SYSCALL);
      this.e(OP.i64_extend_i32_u); this.set(L_T1);
      this.get(L_T1); this.e(OP.i64_eqz); this.open(OP.if); this.exit(x.rip, k, true); this.close();
      // rax, rcx, r11 and rsp as the core left them (the exit stores written registers back).
      for (const r of [0, 1, 4, 11]) { this.i32(L.STATE); this.mem(OP.i64_load, r * 8); this.set(this.reg(r)); this.written |= 1 << r; }
      // 2: a vDSO fast entry that also did its function's ret (cpu/ops/fastsys.ts): on at the
      // return address the core left in the state block's rip, as after a ret.
      this.get(L_T1); this.i64(2n); this.e(OP.i64_eq);
      this.open(OP.if); this.i32(L.STATE); this.mem(OP.i64_load, L.RIP); this.set(L_T0); this.chain(null, k + 1); this.close();
      // Answered: nothing is owed to lxcore, so the block chains on as after any instruction.
      this.chain(x.next, k + 1);
      return 'end';
    }
    if (!plain && !narrowOk(x)) return null;
    switch (op) {
      case 0x88: case 0x89: case 0x8a: case 0x8b: { // mov
        const toE = op <= 0x89;
        if (!mem) { this.readReg(toE ? x.reg : x.rm, size, x.rex); this.writeReg(toE ? x.rm : x.reg, size, x.rex); return 'next'; }
        this.address(x);
        if (!toE) { this.translate(size, false, k, x); this.load(size); this.writeReg(x.reg, size, x.rex); return 'next'; }
        this.readReg(x.reg, size, x.rex); this.set(L_T0);
        this.translate(size, true, k, x); this.store(size); this.smcCheck(size, k, x);
        return 'next';
      }
      case 0xc6: case 0xc7: { // mov E, imm
        if ((x.reg & 7) !== 0) return null;
        if (!mem) { this.i64(x.imm); this.writeReg(x.rm, size, x.rex); return 'next'; }
        this.address(x); this.i64(x.imm); this.set(L_T0);
        this.translate(size, true, k, x); this.store(size); this.smcCheck(size, k, x);
        return 'next';
      }
      case 0x8d: { // lea
        if (!mem || (prefix & (P_FS | P_GS))) return null;
        this.address(x); this.get(L_A); this.writeReg(x.reg, size, x.rex);
        return 'next';
      }
      case 0x63: { // movsxd (without REX.W a plain 32-bit move)
        if (!mem) { this.get(this.reg(x.rm)); this.e(OP.i64_extend32_s); }
        else { this.address(x); this.translate(4, false, k, x); this.load(4, true); }
        this.writeReg(x.reg, size, x.rex);
        return 'next';
      }
      case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7: // mov r8, imm8
      case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf: // mov r, imm
        this.i64(x.imm); this.writeReg((op & 7) | ((x.rex & 1) << 3), size, x.rex);
        return 'next';
      case 0x190: case 0x191: case 0x192: case 0x193: case 0x194: case 0x195: case 0x196: case 0x197:
      case 0x198: case 0x199: case 0x19a: case 0x19b: case 0x19c: case 0x19d: case 0x19e: case 0x19f: { // setcc
        if (mem) { this.address(x); this.translate(1, true, k, x); }
        this.cond(op & 0xf); this.e(OP.i64_extend_i32_u);
        if (!mem) { this.writeReg(x.rm, 1, x.rex); return 'next'; }
        this.set(L_T0); this.store(1); this.smcCheck(1, k, x);
        return 'next';
      }
      case 0x1b6: case 0x1b7: case 0x1be: case 0x1bf: { // movzx, movsx
        const ssize = op & 1 ? 2 : 1;
        const signed = op >= 0x1be;
        if (!mem) {
          this.readReg(x.rm, ssize, x.rex);
          if (signed) this.e(ssize === 1 ? OP.i64_extend8_s : OP.i64_extend16_s);
        } else { this.address(x); this.translate(ssize, false, k, x); this.load(ssize, signed); }
        this.writeReg(x.reg, size, x.rex);
        return 'next';
      }
      case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57: { // push r64
        const r = (op & 7) | ((x.rex & 1) << 3);
        this.readReg(r, 8, 0); this.set(L_T0);
        this.get(this.reg(4)); this.i64(8n); this.e(OP.i64_sub); this.set(L_A);
        this.translate(8, true, k, x); this.store(8);
        this.get(L_A); this.writeReg(4, 8, 0);
        this.smcCheck(8, k, x);
        return 'next';
      }
      case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f: { // pop r64
        const r = (op & 7) | ((x.rex & 1) << 3);
        this.get(this.reg(4)); this.set(L_A);
        this.translate(8, false, k, x);
        this.get(L_A); this.i64(8n); this.e(OP.i64_add); this.writeReg(4, 8, 0);
        this.load(8); this.writeReg(r, 8, 0); // pop rsp: the loaded value wins
        return 'next';
      }
      case 0xe8: { // call rel32
        this.i64(x.next); this.set(L_T0);
        this.get(this.reg(4)); this.i64(8n); this.e(OP.i64_sub); this.set(L_A);
        this.translate(8, true, k, x); this.store(8);
        this.get(L_A); this.writeReg(4, 8, 0);
        this.smcCheck(8, k, x);
        branchTo(BigInt.asUintN(64, x.next + x.imm));
        return 'end';
      }
      case 0xc3: { // ret
        this.get(this.reg(4)); this.set(L_A);
        this.translate(8, false, k, x);
        this.load(8); this.set(L_T0);
        this.get(L_A); this.i64(8n); this.e(OP.i64_add); this.writeReg(4, 8, 0);
        this.chain(null, k + 1);
        return 'end';
      }
      case 0x84: case 0x85: { // test E, G
        if (mem) { this.address(x); this.translate(size, false, k, x); this.load(size); } else this.readReg(x.rm, size, x.rex);
        this.set(L_T0);
        this.get(L_T0); this.readReg(x.reg, size, x.rex);
        this.get(L_T0); this.readReg(x.reg, size, x.rex); this.e(OP.i64_and);
        this.setFlags(FL_LOGIC, size); this.e(OP.drop);
        return 'next';
      }
      case 0xa8: case 0xa9: { // test eAX, imm
        this.readReg(0, size, x.rex); this.i64(x.imm); this.readReg(0, size, x.rex); this.i64(x.imm); this.e(OP.i64_and);
        this.setFlags(FL_LOGIC, size); this.e(OP.drop);
        return 'next';
      }
      case 0xfe: case 0xff: { // inc/dec E, call/jmp E (push E and the far forms go to the interpreter)
        const d = x.reg & 7;
        if (op === 0xff && (d === 2 || d === 4)) { // always 64-bit in long mode (narrowOk refuses the 66 form)
          // The target (into T1) is read before anything changes, so a fault leaves all as it was.
          if (mem) { this.address(x); this.translate(8, false, k, x); this.load(8); } else this.readReg(x.rm, 8, 0);
          this.set(L_T1);
          if (d === 2) {
            this.i64(x.next); this.set(L_T0);
            this.get(this.reg(4)); this.i64(8n); this.e(OP.i64_sub); this.set(L_A);
            this.translate(8, true, k, x); this.store(8);
            this.get(L_A); this.writeReg(4, 8, 0);
            this.smcCheck(8, k, x);
          }
          this.get(L_T1); this.set(L_T0);
          this.chain(null, k + 1);
          return 'end';
        }
        if (d > 1) return null;
        if (mem) { this.address(x); this.translate(size, false, k, x); this.translate(size, true, k, x); this.load(size); }
        else this.readReg(x.rm, size, x.rex);
        this.set(L_T0);
        // The interpreter's INC/DEC: every owed flag is computed into RFLAGS first (CF survives).
        this.spillFlags(); this.body.u8(OP.call).uleb(F_FLAGS); this.e(OP.drop);
        this.get(L_T0); this.i64(1n); this.get(L_T0); this.i64(1n); this.e(d ? OP.i64_sub : OP.i64_add);
        this.setFlags(d ? FL_DEC : FL_INC, size);
        if (mem) { this.set(L_T0); this.store(size); this.smcCheck(size, k, x); } else this.writeReg(x.rm, size, x.rex);
        return 'next';
      }
      case 0xc1: case 0xd1: case 0xd3: { // shifts and rotates
        const g = x.reg & 7;
        if (mem) return null;
        // RCL/RCR read CF: always through the core, which takes it from the state block.
        if (op !== 0xd3 && g !== 2 && g !== 3 && flagsDeadAfter(this.insns, k)) {
          // Nobody can see this shift's flags: compute the value alone, inline.
          const c = op === 0xd1 ? 1 : Number(x.imm & 0xffn) & (size === 8 ? 63 : 31);
          if (c === 0) { this.readReg(x.rm, size, x.rex); this.writeReg(x.rm, size, x.rex); return 'next'; }
          if (size === 8) {
            this.get(this.reg(x.rm)); this.i64(BigInt(c));
            this.e(g === 0 ? 0x89 /* i64.rotl */ : g === 1 ? 0x8a /* i64.rotr */ : g === 5 ? OP.i64_shr_u : g === 7 ? OP.i64_shr_s : OP.i64_shl);
          } else {
            this.get(this.reg(x.rm)); this.e(OP.i32_wrap_i64); this.i32(c);
            this.e(g === 0 ? 0x77 /* i32.rotl */ : g === 1 ? 0x78 /* i32.rotr */ : g === 5 ? 0x76 /* i32.shr_u */ : g === 7 ? 0x75 /* i32.shr_s */ : OP.i32_shl);
            this.e(OP.i64_extend_i32_u);
          }
          this.writeReg(x.rm, size, x.rex);
          return 'next';
        }
        // By CL with dead flags: the value alone, inline. The count is CL masked to 5 or 6 bits,
        // which is what wasm's shifts and rotates do with theirs.
        if (op === 0xd3 && g !== 2 && g !== 3 && g !== 6 && flagsDeadAfter(this.insns, k)) {
          const ops = size === 8 ? [OP.i64_shl, 0x89, 0x8a, OP.i64_shr_u, OP.i64_shr_s] : [OP.i32_shl, 0x77, 0x78, 0x76, 0x75];
          const o = g === 0 ? ops[1] : g === 1 ? ops[2] : g === 5 ? ops[3] : g === 7 ? ops[4] : ops[0];
          if (size === 8) { this.get(this.reg(x.rm)); this.get(this.reg(1)); this.e(o); }
          else { this.get(this.reg(x.rm)); this.e(OP.i32_wrap_i64); this.get(this.reg(1)); this.e(OP.i32_wrap_i64); this.e(o); this.e(OP.i64_extend_i32_u); }
          this.writeReg(x.rm, size, x.rex);
          return 'next';
        }
        // Otherwise through the core, which sets the flags eagerly as the interpreter does.
        this.spillFlags();
        this.i32(g); this.i32(size); this.readReg(x.rm, size, x.rex);
        if (op === 0xd3) { this.get(this.reg(1)); this.e(OP.i32_wrap_i64); } else this.i32(op === 0xd1 ? 1 : Number(x.imm & 0xffn));
        this.body.u8(OP.call).uleb(F_SHIFT);
        this.writeReg(x.rm, size, x.rex);
        return 'next';
      }
    }
    // imul G, E (, imm): CF/OF are set eagerly by the interpreter; done here only when dead
    if ((op === 0x1af || op === 0x69 || op === 0x6b) && flagsDeadAfter(this.insns, k)) {
      if (mem) { this.address(x); this.translate(size, false, k, x); this.load(size); } else this.readReg(x.rm, size, x.rex);
      if (op === 0x1af) this.readReg(x.reg, size, x.rex); else this.i64(x.imm);
      this.e(OP.i64_mul);
      this.writeReg(x.reg, size, x.rex);
      return 'next';
    }
    // imul G, E (, imm) with live flags: CF = OF = the product did not fit; SF ZF PF from the
    // low result and AF = 0, as the core's mulFlags leaves the undefined ones.
    if (op === 0x1af || op === 0x69 || op === 0x6b) {
      if (mem) { this.address(x); this.translate(size, false, k, x); this.load(size); } else this.readReg(x.rm, size, x.rex);
      this.set(L_T0);
      if (op === 0x1af) this.readReg(x.reg, size, x.rex); else this.i64(x.imm);
      this.set(L_T1);
      if (size === 4) {
        this.get(L_T0); this.e(OP.i64_extend32_s); this.get(L_T1); this.e(OP.i64_extend32_s); this.e(OP.i64_mul);
        this.tee(L_T2); this.get(L_T2); this.e(OP.i64_extend32_s); this.e(OP.i64_ne);
      } else {
        this.get(L_T0); this.get(L_T1); this.e(OP.i64_mul); this.set(L_T2);
        this.signedMulOverflow();
      }
      this.mulFlags(L_T2, size);
      this.get(L_T2); this.writeReg(x.reg, size, x.rex);
      return 'next';
    }
    // mul / imul rAX, E (F7 /4, /5): rDX:rAX = rAX * E, flags as above
    if (op === 0xf7 && ((x.reg & 7) === 4 || (x.reg & 7) === 5)) {
      const signed = (x.reg & 7) === 5;
      if (mem) { this.address(x); this.translate(size, false, k, x); this.load(size); } else this.readReg(x.rm, size, x.rex);
      this.set(L_T1);
      this.readReg(0, size, 0); this.set(L_T0);
      if (size === 4) {
        const ext = signed ? OP.i64_extend32_s : null;
        this.get(L_T0); if (ext) this.e(ext); this.get(L_T1); if (ext) this.e(ext); this.e(OP.i64_mul);
        this.tee(L_T2); this.i64(32n); this.e(OP.i64_shr_u); this.set(L_T3); // hi (bits 32..63)
        if (signed) { this.get(L_T2); this.get(L_T2); this.e(OP.i64_extend32_s); this.e(OP.i64_ne); }
        else { this.get(L_T3); this.i64(0n); this.e(OP.i64_ne); }
      } else {
        this.mulHigh(signed); // L_T2 lo, L_T3 hi
        if (signed) { this.get(L_T3); this.get(L_T2); this.i64(63n); this.e(OP.i64_shr_s); this.e(OP.i64_ne); }
        else { this.get(L_T3); this.i64(0n); this.e(OP.i64_ne); }
      }
      this.mulFlags(L_T2, size);
      this.get(L_T2); this.writeReg(0, size, 0);
      this.get(L_T3); this.writeReg(2, size, 0);
      return 'next';
    }
    // not, neg
    // test E, imm (F6/F7 /0, and /1, its undocumented alias)
    if ((op === 0xf6 || op === 0xf7) && (x.reg & 7) <= 1) {
      if (mem) { this.address(x); this.translate(size, false, k, x); this.load(size); } else this.readReg(x.rm, size, x.rex);
      this.set(L_T0);
      this.get(L_T0); this.i64(x.imm); this.get(L_T0); this.i64(x.imm); this.e(OP.i64_and);
      this.setFlags(FL_LOGIC, size); this.e(OP.drop);
      return 'next';
    }
    if ((op === 0xf6 || op === 0xf7) && ((x.reg & 7) === 2 || (x.reg & 7) === 3) && !mem) {
      if ((x.reg & 7) === 2) { this.readReg(x.rm, size, x.rex); this.i64(-1n); this.e(OP.i64_xor); this.writeReg(x.rm, size, x.rex); return 'next'; }
      this.i64(0n); this.readReg(x.rm, size, x.rex); this.i64(0n); this.readReg(x.rm, size, x.rex); this.e(OP.i64_sub);
      this.setFlags(FL_SUB, size); this.writeReg(x.rm, size, x.rex);
      return 'next';
    }
    // cdqe / cwde, cqo / cdq
    if (op === 0x98) {
      this.get(this.reg(0)); this.e(size === 8 ? OP.i64_extend32_s : OP.i64_extend16_s); this.writeReg(0, size, x.rex);
      return 'next';
    }
    if (op === 0x99) {
      this.get(this.reg(0)); if (size === 4) this.e(OP.i64_extend32_s); this.i64(63n); this.e(OP.i64_shr_s); this.writeReg(2, size, x.rex);
      return 'next';
    }
    // cmovcc, setcc
    if (op >= 0x140 && op <= 0x14f) {
      if (mem) { this.address(x); this.translate(size, false, k, x); this.load(size); } else this.readReg(x.rm, size, x.rex);
      this.set(L_T0);
      this.cond(op & 0xf);
      // A 32-bit CMOV writes (zero-extends) its destination even when the condition is false.
      this.open(OP.if); this.get(L_T0); this.writeReg(x.reg, size, x.rex); this.close();
      if (size === 4) { this.readReg(x.reg, 4, 0); this.writeReg(x.reg, 4, 0); }
      return 'next';
    }
    // ALU: 01 03 09 0B ... 39 3B (not ADC/SBB), 05 0D ... 3D, 81, 83
    let aluOp = -1;
    let kind: 'EG' | 'GE' | 'AI' | 'EI' | null = null;
    if (op < 0x40 && (op & 7) <= 1) { aluOp = op >> 3; kind = 'EG'; }
    else if (op < 0x40 && (op & 7) <= 3) { aluOp = op >> 3; kind = 'GE'; }
    else if (op < 0x40 && (op & 7) <= 5) { aluOp = op >> 3; kind = 'AI'; }
    else if (op === 0x80 || op === 0x81 || op === 0x83) { aluOp = x.reg & 7; kind = 'EI'; }
    if (kind === null || aluOp === ADC || aluOp === SBB) return null;
    const flagKind = aluOp === ADD ? FL_ADD : aluOp === SUB || aluOp === CMP ? FL_SUB : FL_LOGIC;
    const wop = aluOp === ADD ? OP.i64_add : aluOp === OR ? OP.i64_or : aluOp === AND ? OP.i64_and
      : aluOp === XOR ? OP.i64_xor : OP.i64_sub;
    const dstMem = mem && (kind === 'EG' || kind === 'EI');
    // operands: a (destination's value) into T0, b on the stack
    if (dstMem) {
      this.address(x);
      this.translate(size, false, k, x);
      if (aluOp !== CMP) this.translate(size, true, k, x);
      this.load(size); this.set(L_T0);
    } else if (kind === 'GE' && mem) {
      this.address(x); this.translate(size, false, k, x);
    }
    const pushA = (): void => {
      if (dstMem) this.get(L_T0);
      else if (kind === 'EG' || kind === 'EI') this.readReg(x.rm, size, x.rex);
      else if (kind === 'GE') this.readReg(x.reg, size, x.rex);
      else this.readReg(0, size, x.rex);
    };
    const pushB = (): void => {
      if (kind === 'EG') this.readReg(x.reg, size, x.rex);
      else if (kind === 'GE') { if (mem) this.load(size); else this.readReg(x.rm, size, x.rex); }
      else this.i64(x.imm);
    };
    // xor r, r / sub r, r: b is a; still the general path
    pushA(); pushB(); pushA(); pushB(); this.e(wop);
    this.setFlags(flagKind, size);
    if (aluOp === CMP) { this.e(OP.drop); return 'next'; }
    if (dstMem) { this.set(L_T0); this.store(size); this.smcCheck(size, k, x); return 'next'; }
    this.writeReg(kind === 'EG' || kind === 'EI' ? x.rm : kind === 'GE' ? x.reg : 0, size, x.rex);
    return 'next';
  }
}

function readInsns(u8: Uint8Array, dv: DataView, n: number): Insn[] {
  const out: Insn[] = [];
  for (let i = 0; i < n; i++) {
    const r = L.JIT_BUF + i * L.JIT_REC_SIZE;
    const rip = dv.getBigUint64(r + L.CE_RIP, true);
    const len = u8[r + L.CE_LEN];
    out.push({
      rip, next: rip + BigInt(len), len, op: dv.getUint16(r + L.CE_OP, true), prefix: u8[r + L.CE_PREFIX],
      rex: u8[r + L.CE_REX], opsize: u8[r + L.CE_OPSIZE], mod: u8[r + L.CE_MOD], reg: u8[r + L.CE_REG],
      rm: u8[r + L.CE_RM], base: u8[r + L.CE_BASE], index: u8[r + L.CE_INDEX], scale: u8[r + L.CE_SCALE],
      flags: u8[r + L.CE_FLAGS], disp: dv.getBigUint64(r + L.CE_DISP, true), imm: dv.getBigUint64(r + L.CE_IMM, true),
      simd: u8[r + L.CE_SIMD],
    });
  }
  return out;
}

export interface BlockCode {
  /** The function's body as the code section holds it (locals and instructions, no size). */
  body: number[];
  insns: number;
  codeLen: number;
  /** The code bytes the block checks (its own, and up to the next Jcc after its last one). */
  checkLen: number;
  /** Direct links to blocks of the same batch, to fill in once the batch is translated. */
  links: Link[];
}

/** A direct link's placeholders (offsets in the function body): see chainEpilogue. */
export interface Link { target: bigint; linkedAt: number; insnsAt: number; fnAt: number; aliveAt: number }

/** Blocks compiled in earlier batches and still installed, by start: their longest path. */
export interface KnownBlocks { has(rip: bigint): boolean; get(rip: bigint): number | undefined }
const NO_BLOCKS: KnownBlocks = new Map();

/** Fills a 5-byte LEB128 placeholder (unsigned, or signed and positive below 2^31). */
function patch5(b: number[], at: number, v: number): void {
  b[at] = (v & 0x7f) | 0x80; b[at + 1] = ((v >>> 7) & 0x7f) | 0x80; b[at + 2] = ((v >>> 14) & 0x7f) | 0x80;
  b[at + 3] = ((v >>> 21) & 0x7f) | 0x80; b[at + 4] = (v >>> 28) & 0x07;
}

/**
 * Fills in the direct links of a batch's blocks (in module order): a link to a block of the
 * batch gets its function index and longest path; a link to a block of an earlier batch
 * (`known`) gets an imported function (listed in the result's `ext`, in import order); a link
 * to neither stays dead (linked 0), with the block's own index so the code validates. A
 * module's imported functions come before its own, and its imported globals are the `alive`
 * cells: first its own blocks' (in module order), then the imported functions'.
 */
export function linkBlocks(blocks: Array<{ rip: bigint; block: BlockCode }>, known: KnownBlocks = NO_BLOCKS): { made: number; ext: bigint[] } {
  const index = new Map<bigint, number>();
  blocks.forEach(({ rip }, i) => index.set(rip, i));
  const ext = new Map<bigint, number>();
  for (const { block } of blocks) {
    for (const l of block.links) if (!index.has(l.target) && known.has(l.target) && !ext.has(l.target)) ext.set(l.target, ext.size);
  }
  const own = IMPORTS.length + ext.size;
  let made = 0;
  blocks.forEach(({ block }, i) => {
    for (const l of block.links) {
      const j = index.get(l.target);
      const e = j === undefined ? ext.get(l.target) : undefined;
      const linked = j !== undefined || e !== undefined;
      patch5(block.body, l.linkedAt, linked ? 1 : 0);
      patch5(block.body, l.insnsAt, j !== undefined ? blocks[j].block.insns : e !== undefined ? known.get(l.target)! : 0);
      patch5(block.body, l.fnAt, e !== undefined ? IMPORTS.length + e : own + (j ?? i));
      patch5(block.body, l.aliveAt, e !== undefined ? blocks.length + e : (j ?? i));
      if (linked) made++;
    }
  });
  return { made, ext: [...ext.keys()] };
}

/**
 * Builds the function for the block whose decoded instructions are `insns` and whose code bytes
 * are `code` (all of the decoded run; the block uses a prefix of it). null if the first
 * instruction does not translate. buildModule puts one or more of them in a module.
 */
export function compileBlock(insns: Insn[], code: Uint8Array, batch: ReadonlySet<bigint> = new Set(),
                             self = -1, known: KnownBlocks = NO_BLOCKS): BlockCode | null {
  const c = new BlockCompiler(insns, insns[0]?.rip ?? 0n);
  c.self = self;
  c.code = code;
  // A block that may branch back to its own start (a loop inside its function) checks all of its
  // code on entry, as before: checking parts there would cost a test per Jcc per iteration.
  // WASL_JIT_PARTS=0: every block checks all of its code on entry (to measure the parts).
  c.parts = (typeof process === 'undefined' || process.env?.WASL_JIT_PARTS !== '0') && !insns.some((x) => (isJcc(x.op) || x.op === 0xeb || x.op === 0xe9) && BigInt.asUintN(64, x.next + x.imm) === c.start);
  // Forward Jcc targets inside the block: a Jcc whose target is a later instruction the block
  // reaches on its fall-through (before the first instruction that ends a block) branches there
  // inside the function instead of leaving it (an if/else diamond, or `cmp; jb L; ...; L: ret`,
  // is one block, not two and a transition). Each target gets a wasm block, opened here (the
  // farthest outermost) and closed where its instruction is translated. A block with such
  // branches checks all of its code on entry: a branch may skip the start of a part.
  // WASL_JIT_JOINS=0 turns them off (to measure them).
  const joinTargets: number[] = [];
  if (typeof process === 'undefined' || process.env?.WASL_JIT_JOINS !== '0') {
    // The translation runs to the first instruction that ends a block, where a forward jump to
    // an instruction before that end does not end it (it joins).
    const index = new Map<bigint, number>();
    insns.forEach((x, i) => index.set(x.rip, i));
    const forward = (i: number): number | undefined => {
      const t = index.get(BigInt.asUintN(64, insns[i].next + insns[i].imm));
      return t !== undefined && t > i ? t : undefined;
    };
    const isJmp = (i: number): boolean => insns[i].op === 0xeb || insns[i].op === 0xe9;
    let e = 0;
    while (e < insns.length && !(endsBlock(insns[e]) && !(isJmp(e) && forward(e) !== undefined))) e++;
    // A jump before e whose target is past e ends the block there (e only moves back).
    for (let moved = true; moved;) {
      moved = false;
      for (let i = 0; i < e; i++) if (isJmp(i) && forward(i)! > e) { e = i; moved = true; break; }
    }
    for (let i = 0; i < e; i++) {
      if (!isJcc(insns[i].op) && insns[i].op !== 0xeb && insns[i].op !== 0xe9) continue;
      const t = forward(i);
      if (t === undefined || t > e) continue;
      const target = insns[t].rip;
      if (!c.joinAt.has(target)) { c.joinAt.set(target, t); joinTargets.push(t); }
    }
  }
  if (joinTargets.length) c.parts = false;
  // The exit block (result i32) and the loop just inside it, and the join blocks inside that.
  c.depth = 1;
  c.body.u8(OP.loop, VOID); c.depth++;
  joinTargets.sort((a, b) => b - a);
  for (const t of joinTargets) { c.open(OP.block); c.joins.set(t, c.depth); }
  let n = 0;
  let ended = false;
  for (const x of insns) {
    // A join: the fall-through puts its flags in the state block, as the branches did, and what
    // follows knows only that (a fresh state: not forms.ts's EAGER, which would let it read
    // RFLAGS as it is, true of the fall-through after a shift but not of a branch's lazy record).
    if (c.joins.has(n)) { c.spillFlags(); c.close(); c.joins.delete(n); c.flags = { local: false }; }
    const save = { len: c.body.b.length, depth: c.depth, flags: c.flags, used: c.used, written: c.written, loops: c.loops, patches: c.patches.length, parts: c.partsAt.length };
    const r = c.translateInsn(x, n);
    if (r === null) {
      c.body.b.length = save.len; c.depth = save.depth; c.flags = save.flags; c.used = save.used; c.written = save.written; c.loops = save.loops;
      c.patches.length = save.patches; c.partsAt.length = save.parts;
      break;
    }
    n++;
    if (r === 'end') { ended = true; break; }
  }
  if (n === 0) return null;
  if (!ended) c.chain(insns[n - 1].next, n);
  // Joins the translation did not reach (it stopped at an instruction it does not translate):
  // the branches there leave the block to their target, with the flags in the state block.
  for (const t of [...c.joins.keys()].sort((a, b) => a - b)) {
    c.close(); c.flags = { local: false };
    c.chain(insns[t].rip, t);
  }
  c.joins.clear();
  const codeLen = Number(insns[n - 1].next - insns[0].rip);
  c.fillParts(n);
  c.fillPatches(codeLen, n);
  c.body.u8(OP.end); // loop (every path inside ends with br)
  c.body.u8(0x00);   // unreachable: the loop body never falls out

  // The function: validate, load registers, body (exit block), store registers, return.
  const f = new Bytes();
  const locals = new Bytes().uleb(LOCAL_DECLS.length);
  for (const [cnt, t] of LOCAL_DECLS) locals.uleb(cnt).u8(t);
  f.append(locals.b);
  const pre = new BlockCompiler(insns, 0n);
  // Code validation on entry: the code up to and including the first Jcc (the rest is checked
  // part by part where the fall-through reaches it: validatePart).
  let first = 0;
  while (first < n - 1 && (!c.parts || !isJcc(insns[first].op))) first++;
  pre.code = code;
  pre.codeDiffers(0, Number(insns[first].next - insns[0].rip));
  // Stale, nothing retired: rip is made this block's start (the run loop and a chaining exit
  // both leave it so already) for the run loop to recount it, whoever entered it.
  pre.e(OP.if, VOID);
  pre.i32(L.STATE); pre.i64(insns[0].rip); pre.mem(OP.i64_store, L.RIP);
  pre.self = self; pre.dead();
  pre.get(L_DONE); pre.i32(L.JIT_STALE); pre.e(OP.i32_or); pre.e(OP.return);
  pre.e(OP.end);
  for (let r = 0; r < 16; r++) if (c.used & (1 << r)) { pre.i32(L.STATE); pre.mem(OP.i64_load, r * 8); pre.set(L_REG + r); }
  f.append(pre.body.b);
  f.u8(OP.block, I32);
  f.append(c.body.b);
  f.u8(OP.end);
  // The exit tail (BlockCompiler.exit): the lazy-flag record if the exit held it in locals, rip,
  // and what was retired: L_CNT + the exit's count.
  const tail = new BlockCompiler(insns, 0n);
  tail.set(L_RET);
  tail.get(L_FK); tail.e(OP.if, VOID);
  tail.i32(L.STATE); tail.get(L_FK); tail.mem(OP.i32_store, L.LAZY_OP);
  tail.i32(L.STATE); tail.get(L_FD); tail.mem(OP.i64_store, L.LAZY_DST);
  tail.i32(L.STATE); tail.get(L_FS); tail.mem(OP.i64_store, L.LAZY_SRC);
  tail.i32(L.STATE); tail.get(L_FR); tail.mem(OP.i64_store, L.LAZY_RES);
  tail.e(OP.end);
  tail.i32(L.STATE); tail.get(L_T0); tail.mem(OP.i64_store, L.RIP);
  tail.get(L_CNT); tail.get(L_RET); tail.e(OP.i32_add);
  f.append(tail.body.b);
  const post = new BlockCompiler(insns, 0n);
  post.set(L_RET);
  for (let r = 0; r < 16; r++) if (c.written & (1 << r)) { post.i32(L.STATE); post.get(L_REG + r); post.mem(OP.i64_store, r * 8); }
  post.chainEpilogue(insns[0].rip, c.targets, batch, known);
  post.get(L_DONE); post.get(L_RET); post.e(OP.i32_add);
  const links = post.links.map((l) => ({ ...l, linkedAt: l.linkedAt + f.b.length, insnsAt: l.insnsAt + f.b.length, fnAt: l.fnAt + f.b.length, aliveAt: l.aliveAt + f.b.length }));
  f.append(post.body.b);
  f.u8(OP.end);

  return { body: f.b, insns: n, codeLen, checkLen: Math.max(codeLen, c.checked, pre.checked), links };
}

/**
 * The module holding the block functions `fns` (exported as b0, b1, ...): it imports the core's
 * memory, its function table (chained blocks are called through it) and the core routines.
 * Several blocks share one module (JitCache's batches) because V8's cost per module and per
 * instance — a fixed compile overhead, and an instance of a module that imports the table
 * copying the table's dispatch entries — is larger than its cost per function.
 */
export function buildModule(fns: number[][], names?: string[], ext = 0): Uint8Array<ArrayBuffer> {
  const m = new Bytes().u8(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  const types = [...IMPORTS.map(([, p, r]) => [p, r]), [BLOCK_PARAMS, [I32]]];
  m.section(1, new Bytes().vec(types.map(([p, r]) => new Bytes().u8(0x60).uleb(p.length).u8(...p).uleb(r.length).u8(...r))));
  const imports = [new Bytes().str('env').str('memory').u8(0x02, 0x00, 0x00), new Bytes().str('env').str('table').u8(0x01, 0x70, 0x00, 0x00)];
  IMPORTS.forEach(([name], i) => imports.push(new Bytes().str('core').str(name).u8(0x00).uleb(i)));
  // Blocks of earlier batches that this one links to (linkBlocks), then the alive cells
  // (mutable i32 globals): this module's blocks' and those blocks'.
  for (let e = 0; e < ext; e++) imports.push(new Bytes().str('ext').str(`f${e}`).u8(0x00).uleb(IMPORTS.length));
  for (let g = 0; g < fns.length + ext; g++) imports.push(new Bytes().str('alive').str(`a${g}`).u8(0x03, I32, 0x01));
  m.section(2, new Bytes().vec(imports));
  const own = IMPORTS.length + ext;
  const funcs = new Bytes().uleb(fns.length);
  const exports = new Bytes().uleb(fns.length);
  const code = new Bytes().uleb(fns.length);
  fns.forEach((f, i) => {
    funcs.uleb(IMPORTS.length);
    exports.str(`b${i}`).u8(0x00).uleb(own + i);
    code.uleb(f.length);
    code.append(f);
  });
  m.section(3, funcs);
  m.section(7, exports);
  m.section(10, code);
  // A name section (WASL_JIT_DUMP): CPU profiles then name each block function by its rip.
  if (names) {
    const fnNames = new Bytes().uleb(names.length);
    names.forEach((n, i) => fnNames.uleb(own + i).str(n));
    m.section(0, new Bytes().str('name').u8(1).uleb(fnNames.b.length).append(fnNames.b));
  }
  return Uint8Array.from(m.b);
}

// ---- the code cache ------------------------------------------------------------------------

export interface JitCoreExports {
  table: WebAssembly.Table;
  jitDecode(rip: bigint, max: number): number;
  jitCond(cc: number): number;
  jitGetCF(): number;
  jitShift(op: number, size: number, v: bigint, count: number): bigint;
  rflags(): bigint;
  jitSyscall(next: bigint): number;
  jitTlb(va: bigint, write: number): number;
  jitStale(rip: bigint): void;
  jitProfile(i: number): bigint;
}

export interface JitStats {
  compiled: number; modules: number;
  /** Direct links made between blocks of one module (chainEpilogue). */
  linked: number;
  emitNs: number; reused: number; failed: number; evicted: number; errors: number; compileNs: number;
  /** Blocks refused, by the opcode (map << 8 | byte, hex) of their first instruction. */
  refused: Record<string, number>;
}

/**
 * Owns the table slots of compiled blocks: `capacity` slots reused round-robin (the oldest
 * block is evicted; its block-table entry is cleared so the core counts it again), which bounds
 * the code cache; a module is collected once none of its functions is in the table.
 */
/** Blocks compiled together in one module by default (WASL_JIT_BATCH). */
export const JIT_BATCH = 16;

export class JitCache {
  readonly stats: JitStats = { compiled: 0, modules: 0, linked: 0, emitNs: 0, reused: 0, failed: 0, evicted: 0, errors: 0, compileNs: 0, refused: {} };
  private base = 0;
  private next = 0;
  /** Each slot's block: its start, entry, bytes, longest path, function and alive cell (1 while
   *  it is the current translation of its start: links from other modules check it). */
  private readonly owner: Array<{ rip: bigint; entry: number; code: Uint8Array; insns: number; fn: unknown; alive: WebAssembly.Global } | undefined>;
  /** Which slot holds the block last compiled at a rip (a number: user rips are below 2^47). */
  private readonly bySlotRip = new Map<number, number>();
  private readonly imports: WebAssembly.Imports;
  /** Block starts waiting to be translated and compiled together (JIT_PENDING). */
  private readonly pending = new Set<number>();
  /** The core's threshold (jitSetup's hot), for the back-off after an eviction. */
  hot = 1;
  /** WASL_JIT_LINKS=0: no direct links between the blocks of a batch (to measure what they bring). */
  private readonly links = process.env.WASL_JIT_LINKS !== '0';
  /** WASL_JIT_XLINKS=0: no links to blocks of earlier modules (to measure what they bring). */
  private readonly xlinks = process.env.WASL_JIT_XLINKS !== '0';
  /** Installed blocks that are their start's current translation (links across modules). */
  private readonly known: KnownBlocks = {
    has: (rip) => this.current(rip) !== undefined,
    get: (rip) => this.current(rip)?.insns,
  };
  private current(rip: bigint): { insns: number; fn: unknown; alive: WebAssembly.Global } | undefined {
    const slot = this.bySlotRip.get(Number(rip));
    const o = slot === undefined ? undefined : this.owner[slot];
    return o && o.rip === rip && o.alive.value ? o : undefined;
  }
  /** The block starts of the batch being translated (compileBlock links among them). */
  private batchRips: ReadonlySet<bigint> = new Set();
  /** Blocks per module (WASL_JIT_BATCH; at most half the cache, so a batch never evicts itself). */
  private readonly batch: number;

  constructor(private readonly ex: JitCoreExports, private readonly memory: WebAssembly.Memory,
              private readonly capacity = 4096) {
    this.base = ex.table.length;
    ex.table.grow(capacity);
    this.owner = new Array(capacity);
    this.batch = Math.max(1, Math.min(Number(process.env.WASL_JIT_BATCH) || JIT_BATCH, capacity >> 1));
    if (process.env.WASL_JIT_STATS) ex.jitProfile(-1);
    this.imports = {
      env: { memory, table: ex.table },
      core: { cond: ex.jitCond, getcf: ex.jitGetCF, shift: ex.jitShift, flags: ex.rflags, syscall: ex.jitSyscall, tlb: ex.jitTlb, stale: ex.jitStale },
    };
  }

  /**
   * What WASL_JIT_STATS prints: the compile counters, how many instructions ran compiled and
   * interpreted, and the opcodes the sampled interpreted instructions had (the ones that most
   * keep hot code out of compiled blocks come first).
   */
  summary(): string {
    const p = (i: number): number => Number(this.ex.jitProfile(i));
    const taken = Math.min(p(3), 4096);
    const ops: Record<string, number> = {};
    for (let i = 0; i < taken; i++) {
      const v = p(4 + i);
      const op = v ? (v - 1).toString(16) : 'undecodable';
      ops[op] = (ops[op] ?? 0) + 1;
    }
    const top = Object.entries(ops).sort((a, b) => b[1] - a[1]).slice(0, 16)
      .map(([op, n]) => `${op}:${(100 * n / taken).toFixed(1)}%`).join(' ');
    return `${JSON.stringify(this.stats)}\nwasl: jit insns compiled ${p(0)} interpreted ${p(1)} ` +
      `block entries ${p(2)} tlb fills ${p(-2)}; interpreted opcodes (sampled): ${top}`;
  }

  /**
   * env.jitCompile: returns instructions << 16 | slot, or -1 (the interpreter keeps the block).
   * Called from inside run(): an exception here (a translator bug: the module does not validate)
   * must not unwind through the core, so it is counted and the block left to the interpreter.
   */
  compile(ripF: number, host: number): number {
    try {
      return this.compileOrThrow(ripF, host);
    } catch (e) {
      this.stats.errors++;
      if (this.stats.errors === 1) process.emitWarning(`wasl: compiler tier: ${(e as Error).message}`);
      return -1;
    }
  }

  private compileOrThrow(ripF: number, host: number): number {
    const t0 = process.hrtime.bigint();
    const rip = BigInt(ripF);
    const u8 = new Uint8Array(this.memory.buffer);
    // The core's block table is direct-mapped: a block start that lost its entry to another and
    // comes back asks again. If its function is still in the table and was made from the same
    // bytes, it is handed back as it is (a block checks its bytes on every entry anyway).
    const known = this.bySlotRip.get(ripF);
    if (known !== undefined) {
      const o = this.owner[known];
      if (o && o.rip === rip && sameBytes(u8, host, o.code)) {
        this.stats.reused++;
        o.alive.value = 1; // its bytes are back: links may call it again
        return (o.insns << 16) | (this.base + known);
      }
    }
    // Waiting for its batch: it is hot enough to ask again, so the batch is compiled now,
    // whatever its size.
    if (this.pending.has(ripF)) return this.flush(ripF, t0);
    // Nothing is translated yet: a block waiting for its batch may never be asked about again
    // (start-up code that reached the threshold once), and translating costs more than compiling.
    this.pending.add(ripF);
    if (this.pending.size < this.batch) return L.JIT_PENDING;
    return this.flush(ripF, t0);
  }

  /**
   * Translates the block at rip from the code there now (decoded and read through the TLB at the
   * same moment, so the bytes it checks on entry are the bytes it was translated from), or null
   * (not translatable, or its page is no longer executable in the TLB).
   */
  private translate(rip: bigint, self: number): { code: Uint8Array; block: BlockCode } | null | 'absent' {
    const buf = this.memory.buffer;
    const dv = new DataView(buf);
    const vpn = rip >> 12n;
    const e = tlbEntryAddr(vpn);
    // Its page has left the TLB since it was queued (the TLB is direct-mapped): not refused, it
    // counts again and comes back (the core's decode reads code only through the exec tag).
    if (dv.getBigUint64(e + L.TLBE_EXEC_TAG, true) !== vpn) return 'absent';
    const t0 = process.hrtime.bigint();
    const n = this.ex.jitDecode(rip, L.JIT_MAX_INSNS);
    const u8 = new Uint8Array(buf);
    const insns = readInsns(u8, dv, n);
    let block: BlockCode | null = null;
    let code = new Uint8Array(0);
    if (n > 0 && dv.getBigUint64(e + L.TLBE_EXEC_TAG, true) === vpn) {
      const host = dv.getUint32(e + L.TLBE_FRAME, true) + Number(rip & 0xfffn);
      code = u8.slice(host, host + Number(insns[n - 1].next - rip));
      block = compileBlock(insns, code, this.batchRips, self, this.links && this.xlinks ? this.known : NO_BLOCKS);
      if (process.env.WASL_JIT_RECORD) (process.getBuiltinModule('node:fs') as typeof import('node:fs')).appendFileSync(process.env.WASL_JIT_RECORD, JSON.stringify({ insns, code: [...code], batch: [...this.batchRips] }, (_k, v) => typeof v === 'bigint' ? `${v}n` : v) + '\n');
    }
    this.stats.emitNs += Number(process.hrtime.bigint() - t0);
    if (!block) {
      this.stats.failed++;
      const op = n > 0 ? insns[0].op.toString(16) : 'undecodable';
      this.stats.refused[op] = (this.stats.refused[op] ?? 0) + 1;
      return null;
    }
    return { code: code.slice(0, block.checkLen), block };
  }

  /**
   * Translates the pending blocks, compiles them as one module, installs each in a table slot
   * (evicting the oldest blocks) and points the core's block-table entry of each at it (or marks
   * it refused) — the entry of the block asking (`ripF`) is written by the core from the answer,
   * which this returns.
   */
  private flush(ripF: number, t0: bigint): number {
    const rips = [...this.pending];
    this.pending.clear();
    this.batchRips = this.links ? new Set(rips.map((r) => BigInt(r))) : new Set();
    const dv = new DataView(this.memory.buffer);
    const entryOf = (rip: bigint): number | undefined => {
      const e = blockEntryAddr(rip);
      for (const w of [e, e + L.JIT_BLOCK_SIZE]) {
        if (dv.getBigUint64(w + L.JB_RIP, true) === rip && dv.getInt32(w + L.JB_SLOT, true) === 0) return w;
      }
      return undefined;
    };
    const blocks: Array<{ rip: bigint; code: Uint8Array; block: BlockCode }> = [];
    let answer = -1;
    let absent = false;
    for (const r of rips) {
      const rip = BigInt(r);
      const t = this.translate(rip, blocks.length);
      if (t === 'absent') { if (r === ripF) absent = true; continue; }
      if (t) { blocks.push({ rip, ...t }); continue; }
      // Refused: the others' entries say so as the core's would (slot -1).
      const w = r === ripF ? undefined : entryOf(rip);
      if (w !== undefined) dv.setInt32(w + L.JB_SLOT, -1, true);
    }
    // (The block asking was just found executable by the core, so it is not absent; if it were,
    // it would count again rather than be refused.)
    if (blocks.length === 0) { this.stats.compileNs += Number(process.hrtime.bigint() - t0); return absent ? L.JIT_PENDING : -1; }
    const { made, ext } = linkBlocks(blocks, this.links && this.xlinks ? this.known : NO_BLOCKS);
    this.stats.linked += made;
    // The imports of this module: the functions it links to in earlier modules, and the alive
    // cells of its own blocks (new, 1) and of those.
    const alive = blocks.map(() => new WebAssembly.Global({ value: 'i32', mutable: true }, 1));
    const extImports: Record<string, unknown> = {}, aliveImports: Record<string, WebAssembly.Global> = {};
    ext.forEach((rip, e) => {
      const o = this.current(rip)!;
      extImports[`f${e}`] = o.fn;
      aliveImports[`a${blocks.length + e}`] = o.alive;
    });
    alive.forEach((g, i) => { aliveImports[`a${i}`] = g; });
    // WASL_JIT_DUMP=dir: each module written there with its blocks' rips (to read with wasm-dis),
    // its functions named by them.
    const dump = process.env.WASL_JIT_DUMP;
    const bytes = buildModule(blocks.map((b) => b.block.body), dump ? blocks.map((b) => `0x${b.rip.toString(16)}`) : undefined, ext.length);
    if (dump) dumpModule(dump, this.stats.modules, bytes, blocks.map((b) => b.rip));
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { ...this.imports, ext: extImports, alive: aliveImports } as WebAssembly.Imports);
    this.stats.modules++;
    blocks.forEach(({ rip, code, block }, k) => {
      const i = this.next;
      this.next = (this.next + 1) % this.capacity;
      const old = this.owner[i];
      if (old) {
        // Evict: the core's entry for the old block (if it still names this slot) counts again,
        // twice as long after each eviction (and stale finding: the entry's JB_STALE, as the core
        // backs off code rewritten over and over), so hot code that does not fit in the cache
        // settles into the interpreter instead of being recompiled at every turn.
        for (const entry of [old.entry, old.entry + L.JIT_BLOCK_SIZE]) {
          if (dv.getBigUint64(entry + L.JB_RIP, true) === old.rip && dv.getInt32(entry + L.JB_SLOT, true) === this.base + i) {
            const times = dv.getInt32(entry + L.JB_STALE, true) + 1;
            dv.setInt32(entry + L.JB_STALE, times, true);
            dv.setInt32(entry + L.JB_SLOT, 0, true);
            dv.setInt32(entry + L.JB_HITS, 1 - this.hot * 2 ** Math.min(times, 16), true);
          }
        }
        this.stats.evicted++;
        old.alive.value = 0;
        if (this.bySlotRip.get(Number(old.rip)) === i) this.bySlotRip.delete(Number(old.rip));
      }
      // An earlier translation of the same start (its code changed, or it was evicted from the
      // core's block table and recompiled) is no longer the current one: links to it stop.
      const prev = this.bySlotRip.get(Number(rip));
      if (prev !== undefined && this.owner[prev]?.rip === rip) this.owner[prev]!.alive.value = 0;
      const fn = inst.exports[`b${k}`];
      this.owner[i] = { rip, entry: blockEntryAddr(rip), code, insns: block.insns, fn, alive: alive[k] };
      this.bySlotRip.set(Number(rip), i);
      this.ex.table.set(this.base + i, fn as WebAssembly.ExportValue as never);
      this.stats.compiled++;
      if (Number(rip) === ripF) { answer = (block.insns << 16) | (this.base + i); return; }
      // The others wait in the interpreter (their entry's slot is 0): their entry, if it is still
      // theirs, now names the block, so the next arrival (or a chaining exit) enters it.
      const w = entryOf(rip);
      if (w !== undefined) {
        dv.setInt32(w + L.JB_SLOT, this.base + i, true);
        dv.setInt32(w + L.JB_INSNS, block.insns, true);
      }
    });
    this.stats.compileNs += Number(process.hrtime.bigint() - t0);
    return absent ? L.JIT_PENDING : answer;
  }
}

function dumpModule(dir: string, n: number, bytes: Uint8Array, rips: bigint[]): void {
  const fs = process.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
  if (!fs) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${dir}/m${n}.wasm`, bytes);
  fs.writeFileSync(`${dir}/m${n}.txt`, rips.map((r, i) => `b${i} 0x${r.toString(16)}`).join('\n') + '\n');
}

function sameBytes(u8: Uint8Array, at: number, code: Uint8Array): boolean {
  for (let i = 0; i < code.length; i++) if (u8[at + i] !== code[i]) return false;
  return true;
}

/** The core's TLB entry for page vpn (cpu/mmu/tlb.ts tlbEntry: vpn ^ vpn >> TLB_FOLD, masked). */
function tlbEntryAddr(vpn: bigint): number {
  return L.TLB + Number((vpn ^ (vpn >> BigInt(L.TLB_FOLD))) & BigInt(L.TLB_ENTRIES - 1)) * L.TLB_ENTRY_SIZE;
}

/** The core's two-way set of block entries for rip (cpu/jit/blocks.ts blockSet). */
function blockEntryAddr(rip: bigint): number {
  return L.JIT_BLOCKS + Number((rip ^ (rip >> 10n)) & BigInt(L.JIT_BLOCK_ENTRIES / 2 - 1)) * 2 * L.JIT_BLOCK_SIZE;
}

// What cpu/jit/host/forms.ts builds its instruction forms with.
export {
  OP, I32, I64, VOID, L_T0, L_T1, L_T2, L_T3, L_T4, L_A, L_P, L_V, L_CODE, L_FD, L_FS, L_FR,
  F_COND, F_GETCF, F_SHIFT, F_FLAGS, FL_ADD, FL_SUB, FL_LOGIC, FL_INC, FL_DEC, flagsDeadAfter, P_66, P_67, P_LOCK, P_F2, P_F3, P_FS, P_GS, SIMD_66, byteOperand, BlockCompiler,
};
export type { Insn };
