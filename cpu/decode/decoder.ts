// Instruction decoding (SDM vol. 2 ch. 2): legacy prefixes, REX, the opcode maps (1-byte, 0F,
// 0F38, 0F3A), ModRM/SIB/displacement with RIP-relative and FS/GS-based addressing, and the
// immediate. The result lives in the d_* globals the handlers read; the opcode table decides
// which bytes an opcode has (DECODE_INFO), and the generated dispatch() runs its handler.

import {
  STATE, RIP, FS_BASE, GS_BASE, SCRATCH, TLBE_EXEC_TAG, TLBE_FRAME, FAULT_USER, FAULT_FETCH,
  DCACHE_MASKS, DCACHE_TABLE, DCACHE_ENTRY_SIZE, DCACHE_ENTRIES, DCACHE_END, FRAMES, RUNS, RUNS_END, RUN_ENTRIES, RUN_SIZE, RN_RIP,
  CE_BYTES, CE_RIP, CE_DISP, CE_IMM, CE_OP, CE_LEN, CE_PREFIX, CE_SIMD, CE_REX, CE_OPSIZE, CE_MODRM,
  CE_MOD, CE_REG, CE_RM, CE_BASE, CE_INDEX, CE_SCALE, CE_FLAGS, CE_IMM2, CE_FAST, CE_FA, CE_FB, CE_FSIZE,
  CF_MODRM, CF_IMM, CF_IMM2, CF_RIPREL,
} from '../shared/layout';
import { EXIT_GP, EXIT_UD } from '../shared/exit';
import { reg64, setReg64, R_SP, exiting, exitCompletes, raiseFault, raisePageFault, noteFaultRip, clearExit } from '../state';
import { tlbEntry, tlbFill, tlbProbe, ACCESS_EXEC } from '../mmu/tlb';
import { DI_MODRM, DI_IMM_SHIFT, DI_D64, DI_F64, DI_MOFFS, IMM_B, IMM_W, IMM_Z, IMM_V, IMM_D, IMM_WB, IMM_G3 } from './info';
import { DECODE_INFO, dispatch } from '../gen/dispatch';
import { readReg, writeReg } from '../state';
import { readMem, writeMem, read64, write64, probeWrite } from '../mmu/access';
import { xmmAddr } from '../ops/sse_common';
import { alu, CMP, SUB } from '../ops/alu';
import { shifted } from '../ops/shift';
import { imulValue } from '../ops/muldiv';
import { cond, setLazy, parkCF, FL_LOGIC, FL_INC, FL_DEC } from '../ops/flags';

// Prefix bits (d_prefix)
export const P_66 = 1;
export const P_67 = 2;
export const P_LOCK = 4;
export const P_F2 = 8;
export const P_F3 = 16;
export const P_FS = 32;
export const P_GS = 64;

// Mandatory-prefix class for SSE opcodes (d_simd): the last of F2/F3 wins, else 66, else none.
export const SIMD_NONE = 0;
export const SIMD_66 = 1;
export const SIMD_F3 = 2;
export const SIMD_F2 = 3;

/** Address of the instruction being executed. */
export let d_rip: u64 = 0;
/** rip after it; branches overwrite it with their target. */
export let d_next: u64 = 0;
export let d_prefix: i32 = 0;
export let d_simd: i32 = 0;
export let d_rex: i32 = 0;        // the REX byte (0x40..0x4f) or 0
export let d_opsize: i32 = 4;     // 2, 4 or 8
export let d_opcode: i32 = 0;     // map << 8 | opcode byte
export let d_modrm: i32 = 0;
export let d_mod: i32 = 0;
export let d_reg: i32 = 0;        // ModRM.reg with REX.R
export let d_rm: i32 = 0;         // ModRM.rm with REX.B (the register operand when d_mod == 3)
export let d_ea: u64 = 0;         // effective address without segment base (lea)
export let d_addr: u64 = 0;       // linear address of the memory operand (ea + FS/GS base)
export let d_imm: u64 = 0;
export let d_imm2: u64 = 0;
export let d_len: i32 = 0;        // instruction length in bytes

// The EA recipe of the last decode (what the cache keeps instead of the register-dependent EA).
const R_NONE = 0xff;
let r_base: i32 = R_NONE;
let r_index: i32 = R_NONE;
let r_scale: i32 = 0;
let r_disp: u64 = 0;
let r_flags: i32 = 0;       // CF_* bits below

// Fetch window: instruction bytes at d_code (a linear-memory address), d_limit of them readable.
let d_code: usize = 0;
let d_limit: i32 = 0;

function fetchFail(): void {
  // Past 15 bytes is #GP; otherwise the next byte is on a page we may not execute.
  if (d_limit >= 15) raiseFault(EXIT_GP, 0);
  else {
    const va = d_rip + <u64>d_limit;
    tlbFill(va, ACCESS_EXEC); // raises the #PF for the unreadable page
    if (!exiting) raisePageFault(va, FAULT_USER | FAULT_FETCH);
  }
}

@inline function fb(): u32 {
  if (d_len >= d_limit) { fetchFail(); d_len++; return 0; }
  const b = load<u8>(d_code + <usize>d_len);
  d_len++;
  return b;
}
@inline function fw(): u32 { const a = fb(); return a | (fb() << 8); }
@inline function fd(): u32 { const a = fw(); return a | (fw() << 16); }

/** Sets up the fetch window at `rip`; false if even the first byte cannot be fetched. */
function openWindow(rip: u64): bool {
  const vpn = rip >> 12;
  let e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_EXEC_TAG) != vpn) {
    e = tlbFill(rip, ACCESS_EXEC);
    if (e == 0) return false;
  }
  const off = <i32>(rip & 0xfff);
  const host = <usize>load<u32>(e, TLBE_FRAME) + <usize>off;
  if (off <= 0x1000 - 15) { d_code = host; d_limit = 15; return true; }
  // The instruction may run onto the next page: copy what is there into the scratch buffer.
  const first = 0x1000 - off;
  memory.copy(SCRATCH, host, first);
  d_code = SCRATCH;
  d_limit = first;
  const e2 = tlbProbe((rip + 0x1000) & ~(<u64>0xfff), ACCESS_EXEC);
  if (e2 != 0) {
    memory.copy(SCRATCH + <usize>first, <usize>load<u32>(e2, TLBE_FRAME), 15 - first);
    d_limit = 15;
  }
  return true;
}

/** Decodes the instruction at rip into the d_* globals; returns the opcode index or -1. */
export function decode(): i32 {
  const rip = load<u64>(STATE + RIP);
  d_rip = rip;
  if (!openWindow(rip)) return -1;
  d_len = 0;
  let prefix = 0;
  let simd = SIMD_NONE;
  let rex = 0;
  let b = fb();
  // Legacy prefixes in any order, then at most one REX right before the opcode.
  while (true) {
    if (b >= 0x40 && b <= 0x4f) {
      rex = <i32>b;
      b = fb();
      if ((b >= 0x40 && b <= 0x4f) || b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
          b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65) {
        if (b < 0x40 || b > 0x4f) rex = 0; // a REX not directly before the opcode is ignored
        continue;
      }
      break;
    }
    if (b == 0x66) { prefix |= P_66; if (simd == SIMD_NONE) simd = SIMD_66; }
    else if (b == 0x67) prefix |= P_67;
    else if (b == 0xf0) prefix |= P_LOCK;
    else if (b == 0xf2) { prefix = (prefix & ~P_F3) | P_F2; simd = SIMD_F2; }
    else if (b == 0xf3) { prefix = (prefix & ~P_F2) | P_F3; simd = SIMD_F3; }
    else if (b == 0x64) prefix = (prefix & ~P_GS) | P_FS;
    else if (b == 0x65) prefix = (prefix & ~P_FS) | P_GS;
    else if (b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26) { /* null segments in 64-bit mode */ }
    else break;
    b = fb();
  }
  let op = <i32>b;
  if (op == 0x0f) {
    const b2 = <i32>fb();
    if (b2 == 0x38) op = 0x200 | <i32>fb();
    else if (b2 == 0x3a) op = 0x300 | <i32>fb();
    else op = 0x100 | b2;
  }
  d_prefix = prefix;
  d_simd = simd;
  d_rex = rex;
  d_opcode = op;
  const info = <i32>unchecked(DECODE_INFO[op]);
  let opsize = 4;
  if (rex & 8) opsize = 8;
  else if (info & DI_D64) opsize = (prefix & P_66) ? 2 : 8;
  else if (prefix & P_66) opsize = 2;
  if (info & DI_F64) opsize = 8;
  d_opsize = opsize;

  let ripRelative = false;
  let disp: u64 = 0;
  let flags = 0;
  r_base = R_NONE;
  r_index = R_NONE;
  r_scale = 0;
  d_mod = 3;
  if (info & DI_MODRM) {
    flags = CF_MODRM;
    const modrm = <i32>fb();
    const mod = modrm >> 6;
    d_modrm = modrm;
    d_mod = mod;
    d_reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
    const rm = modrm & 7;
    d_rm = rm | ((rex & 1) << 3);
    if (mod != 3) {
      let ea: u64 = 0;
      if (rm == 4) {
        const sib = <i32>fb();
        const index = ((sib >> 3) & 7) | ((rex & 2) << 2);
        const base = sib & 7;
        if (index != 4) { ea = reg64(index) << <u64>(sib >> 6); r_index = index; r_scale = sib >> 6; }
        if (base == 5 && mod == 0) disp = <u64><i64><i32>fd();
        else { r_base = base | ((rex & 1) << 3); ea += reg64(r_base); }
      } else if (rm == 5 && mod == 0) {
        ripRelative = true;
        disp = <u64><i64><i32>fd();
      } else {
        r_base = d_rm;
        ea = reg64(d_rm);
      }
      if (mod == 1) disp = <u64><i64><i8>fb();
      else if (mod == 2) disp = <u64><i64><i32>fd();
      d_ea = ea + disp;
    }
  }

  let immKind = (info >> DI_IMM_SHIFT) & 7;
  if (immKind == IMM_G3) immKind = (d_reg & 6) == 0 ? ((op & 1) ? IMM_Z : IMM_B) : 0;
  if (immKind != 0) flags |= immKind == IMM_WB ? CF_IMM | CF_IMM2 : CF_IMM;
  switch (immKind) {
    case 0: break;
    case IMM_B: d_imm = <u64><i64><i8>fb(); break;
    case IMM_W: d_imm = <u64>fw(); break;
    case IMM_Z: d_imm = opsize == 2 ? <u64>fw() : <u64><i64><i32>fd(); break;
    case IMM_V:
      if (opsize == 8) { const lo = fd(); d_imm = <u64>lo | (<u64>fd() << 32); }
      else if (opsize == 4) d_imm = <u64>fd();
      else d_imm = <u64>fw();
      break;
    case IMM_D: d_imm = <u64><i64><i32>fd(); break;
    case IMM_WB: d_imm = <u64>fw(); d_imm2 = <u64>fb(); break;
  }
  if (info & DI_MOFFS) {
    // mov AL/rAX <-> moffs: the operand is memory at an absolute address, no ModRM.
    const lo = fd();
    d_ea = (prefix & P_67) ? <u64>lo : (<u64>lo | (<u64>fd() << 32));
    d_mod = 0;
    disp = d_ea;
  }
  if (exiting) return -1;
  if (ripRelative) flags |= CF_RIPREL;
  r_disp = disp;
  r_flags = flags;

  const next = rip + <u64>d_len;
  d_next = next;
  if (d_mod != 3) {
    if (ripRelative) d_ea = next + disp;
    if (prefix & P_67) d_ea &= 0xffffffff;
    let addr = d_ea;
    if (prefix & (P_FS | P_GS)) addr += load<u64>(STATE + ((prefix & P_FS) ? FS_BASE : GS_BASE));
    d_addr = addr;
  }
  return op;
}

/** Makes the current instruction continue at `target` (branches; a REP that must repeat). */
@inline export function branchTo(target: u64): void { d_next = target; }

// ---- decoded-instruction cache --------------------------------------------------------------
// A direct-mapped table indexed by rip (layout.ts DCACHE). An entry keeps the instruction's own
// bytes (masked to its length) next to what decode() made of them, minus the register-dependent
// effective address, for which it keeps the recipe (base, index, scale, disp, rip-relative).
// Decoding is a pure function of those bytes, so a hit is validated by comparing them with the
// bytes now at rip: any write to code — the guest's own stores, REP STOS, lxcore's typed-array
// writes (exec, read(2), signal frames, ptrace pokes), remapping — simply makes the compare fail.
// No write path pays anything and no invalidation protocol is needed. Only instructions that
// lie with 16 bytes to spare inside one page are cached (the compare loads 16 bytes from the
// frame), so page-crossing instructions always take the slow path. Permission is still checked
// per instruction through the TLB's exec tag.

// Entry fields: CE_* in cpu/shared/layout.ts (the compiler tier reads them too).

@inline export function cacheEntry(rip: u64): usize {
  return DCACHE_TABLE + ((<usize>(rip ^ (rip >> 12)) & (DCACHE_ENTRIES - 1)) * DCACHE_ENTRY_SIZE);
}

/** Empties the cache and builds the length masks (at start; the cache needs no other flush). */
export function dcacheInit(): void {
  if (__heap_base > <usize>DCACHE_MASKS || DCACHE_END > RUNS || RUNS_END > FRAMES) unreachable();
  for (let n = 0; n < 16; n++) {
    for (let i = 0; i < 16; i++) store<u8>(<usize>DCACHE_MASKS + (<usize>n << 4) + <usize>i, i < n ? 0xff : 0);
  }
  for (let i = 0; i < DCACHE_ENTRIES; i++) store<u64>(DCACHE_TABLE + <usize>i * DCACHE_ENTRY_SIZE, <u64>-1, CE_RIP);
}

/** Records the instruction decode() just decoded from the frame bytes at `host`. */
function cacheInsert(rip: u64, host: usize, op: i32): void {
  writeEntry(cacheEntry(rip), rip, host, op);
}

/**
 * For the compiler tier (cpu/jit): decodes the instruction at `rip` into a record at `rec` laid
 * out as a cache entry. Returns its opcode index, or -1 when its page is not executable through
 * the TLB, it starts in the last 16 bytes of the page (as for the cache) or it does not decode.
 * Leaves rip and the exit state as they were (called between instructions).
 */
export function decodeRecord(rip: u64, rec: usize): i32 {
  const vpn = rip >> 12;
  const e = tlbEntry(vpn);
  const off = <i32>(rip & 0xfff);
  if (load<u64>(e, TLBE_EXEC_TAG) != vpn || off > 0x1000 - 16) return -1;
  const saved = load<u64>(STATE + RIP);
  store<u64>(STATE + RIP, rip);
  const op = decode();
  store<u64>(STATE + RIP, saved);
  if (op >= 0) writeEntry(rec, rip, <usize>load<u32>(e, TLBE_FRAME) + <usize>off, op);
  clearExit();
  return op;
}

function writeEntry(ce: usize, rip: u64, host: usize, op: i32): void {
  const len = d_len;
  store<v128>(ce, v128.and(v128.load(host), v128.load(DCACHE_MASKS + (<usize>len << 4))), CE_BYTES);
  store<u64>(ce, rip, CE_RIP);
  store<u64>(ce, r_disp, CE_DISP);
  store<u64>(ce, d_imm, CE_IMM);
  store<u16>(ce, <u16>op, CE_OP);
  store<u8>(ce, <u8>len, CE_LEN);
  store<u8>(ce, <u8>d_prefix, CE_PREFIX);
  store<u8>(ce, <u8>d_simd, CE_SIMD);
  store<u8>(ce, <u8>d_rex, CE_REX);
  store<u8>(ce, <u8>d_opsize, CE_OPSIZE);
  store<u8>(ce, <u8>d_modrm, CE_MODRM);
  store<u8>(ce, <u8>d_mod, CE_MOD);
  store<u8>(ce, <u8>d_reg, CE_REG);
  store<u8>(ce, <u8>d_rm, CE_RM);
  store<u8>(ce, <u8>r_base, CE_BASE);
  store<u8>(ce, <u8>r_index, CE_INDEX);
  store<u8>(ce, <u8>r_scale, CE_SCALE);
  store<u8>(ce, <u8>r_flags, CE_FLAGS);
  store<u8>(ce, <u8>d_imm2, CE_IMM2);
  store<u8>(ce, <u8>fastForm(ce, op), CE_FAST);
}

// ---- fast forms -----------------------------------------------------------------------------
// The commonest integer instructions (measured on sort, sha256 and a shift/xor loop: register
// moves, loads and stores, reg-reg and reg-imm ALU, Jcc — about 60% of what runs) are run by
// step() straight from their cache entry, without loading the d_* globals or going through
// dispatch(). Only plain forms qualify: 32- or 64-bit operands, no LOCK/66/F2/F3 prefix (those
// keep the table's #UD and operand-size rules), and the semantics are the handlers' own
// (alu(), cond(), readMem/writeMem), so both paths agree by construction. An instruction runs
// through dispatch() the first time (when it is decoded) and fast from then on.
export const FK_NONE = 0;
export const FK_MOV_RR = 1;   // 88/89/8A/8B mod=3: FA = FB
export const FK_LOAD = 2;     // 8A/8B mem: FA = [ea]
export const FK_STORE = 3;    // 88/89 mem: [ea] = FA
export const FK_ALU_RR = 4;   // 00..3B (E,G / G,E) mod=3: FA = FA op FB, op in CE_FB >> 4
export const FK_ALU_RI = 5;   // 80/81/83 mod=3: FA = FA op imm
export const FK_TEST_RR = 6;  // 84/85 mod=3
export const FK_JCC = 7;      // 70..7F, 0F 80..8F: FA = condition code
export const FK_SHIFT_RI = 8; // C0/C1/D0/D1 mod=3: FA = FA shifted by imm (D0/D1: 1), group-2 op in CE_FB >> 4
export const FK_LEA = 9;      // 8D: FA = ea
export const FK_MOV_RI = 10;  // B0+r, B8+r: FA = imm
export const FK_ALU_RM = 11;  // 02..3B (G,E) mem: FA = FA op [ea]
export const FK_CMP_MR = 12;  // 38/39 mem: flags of [ea] - FA
export const FK_TEST_MR = 13; // 84/85 mem: flags of [ea] & FA
export const FK_MOVX_R = 14;  // 0F B6/B7/BE/BF, 63 mod=3: FA = extended FB & 15 (MOVX_* in FB's high bits)
export const FK_MOVX_M = 15;  // the same from memory
export const FK_INCDEC = 16;  // FE/FF /0 /1 mod=3: FA = FA +- 1 (FB = 1: DEC); CF kept
export const FK_NOTNEG = 17;  // F6/F7 /2 /3 mod=3: FA = ~FA (FB = 0: NOT, no flags) or 0 - FA (FB = 1: NEG)
export const FK_JMP = 18;     // EB, E9 (no 66): rip = next + imm
export const FK_XMM_RR = 19;  // 66 0F 6F/7F/EF/EB/DB/DF/FE/D4/FA mod=3: xmm FA = xmm FA op xmm FB & 15 (XOP_* in FB >> 4)
export const FK_XMM_SHI = 20; // 66 0F 72 /2 /4 /6, 73 /2 /6 mod=3: xmm FA shifted by imm (XSH_* in FB >> 4)
export const FK_XMM_LOADQ = 21;  // F3 0F 7E mem: xmm FA = [ea] (64 bits, zero-extended)
export const FK_XMM_STOREQ = 22; // 66 0F D6 mem: [ea] = low 64 bits of xmm FA
export const FK_PUSH = 23;    // 50+r (no 66): [rsp - 8] = FA, then rsp -= 8
export const FK_POP = 24;     // 58+r (no 66): FA = [rsp], rsp += 8 first (pop rsp loads rsp last)
export const FK_CALL = 25;    // E8 (no 66): [rsp - 8] = next, rsp -= 8, rip = next + imm
export const FK_RET = 26;     // C3: rip = [rsp], rsp += 8
export const FK_CMOV = 27;    // 0F 40..4F mod=3: FA = FB & 15 if condition FB >> 4 (a 32-bit FA is zero-extended either way)
export const FK_INCDEC_M = 28; // FE/FF /0 /1 mem: [ea] +- 1 (FB = 1: DEC); CF kept; a store
export const FK_IMUL_RR = 29; // 0F AF mod=3: FA = FA * FB, signed, truncated
export const FK_IMUL_RRI = 30; // 69/6B mod=3: FA = FB * imm, signed, truncated
export const FK_CMP_MI = 31;  // 80/81/83 /7 mem: flags of [ea] - imm
export const FK_TEST_MI = 32; // F6/F7 /0 mem: flags of [ea] & imm
export const FK_MOV_MI = 33;  // C6/C7 /0 mem: [ea] = imm; a store
export const FK_ALU_MI = 34;  // 80/81/83 mem, not CMP: [ea] = [ea] op imm (op in CE_FB >> 4); a store

// FK_XMM_RR operations (the SSE2 integer forms sha256's message schedule runs).
export const XOP_MOVDQA = 0;
export const XOP_PXOR = 1;
export const XOP_POR = 2;
export const XOP_PAND = 3;
export const XOP_PANDN = 4;
export const XOP_PADDD = 5;
export const XOP_PADDQ = 6;
export const XOP_PSUBD = 7;
// FK_XMM_SHI operations.
export const XSH_PSRLD = 0;
export const XSH_PSRAD = 1;
export const XSH_PSLLD = 2;
export const XSH_PSRLQ = 3;
export const XSH_PSLLQ = 4;

// FK_MOVX_*: the source size and signedness in CE_FB (bits 4-5: log2 of the size; bit 6: signed).
export const MOVX_SIGNED = 0x40;

// Byte registers: without a REX prefix, 4..7 are AH..BH, which no fast form takes; so the fast
// forms read and write byte registers with rex = 1 (the low byte of register n).
@inline function byteRegOk(n: i32): bool { return d_rex != 0 || n < 4; }

/**
 * Which fast form the instruction decode() just decoded is, filling FA/FB and its operand size
 * (CE_FSIZE); FK_NONE if none.
 */
function fastForm(ce: usize, op: i32): i32 {
  const kind = fastKind(ce, op);
  if (kind != FK_NONE && load<u8>(ce, CE_FSIZE) == 0) store<u8>(ce, <u8>d_opsize, CE_FSIZE);
  return kind;
}

function fastKind(ce: usize, op: i32): i32 {
  store<u8>(ce, 0, CE_FSIZE);
  if (d_prefix & P_LOCK) return FK_NONE;
  if (op == 0x17e && d_simd == SIMD_F3 && d_mod != 3) { // movq xmm, m64 (F3 picks the form)
    store<u8>(ce, <u8>d_reg, CE_FA);
    store<u8>(ce, 8, CE_FSIZE);
    return FK_XMM_LOADQ;
  }
  if (d_prefix & (P_F2 | P_F3)) return FK_NONE;
  if (d_simd == SIMD_66 && (op == 0x16f || op == 0x17f || op == 0x1ef || op == 0x1eb || op == 0x1db || op == 0x1df ||
      op == 0x1fe || op == 0x1d4 || op == 0x1fa || op == 0x172 || op == 0x173 || op == 0x1d6)) return xmmKind(ce, op);
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) {
    store<u8>(ce, <u8>(op & 0xf), CE_FA);
    return FK_JCC;
  }
  // op AL, imm8 / op eAX, imm (04/05, 0C/0D, ... 3C/3D): FK_ALU_RI on register 0 (the imm is
  // decoded as 80/81's, so alu() sees the same operand).
  if (op < 0x40 && ((op & 7) == 4 || (op & 7) == 5)) {
    store<u8>(ce, 0, CE_FA);
    store<u8>(ce, <u8>((op >> 3) << 4), CE_FB);
    if ((op & 1) == 0) store<u8>(ce, 1, CE_FSIZE);
    return FK_ALU_RI;
  }
  // JMP rel8/rel32; with 66 the immediate is a rel16 (left to dispatch()).
  if ((op == 0xeb || op == 0xe9) && !(d_prefix & P_66)) return FK_JMP;
  // The stack's commonest forms, 64-bit only (66 makes push/pop 16-bit and call's rel16).
  if (!(d_prefix & P_66)) {
    if (op >= 0x50 && op <= 0x5f) {
      store<u8>(ce, <u8>((op & 7) | ((d_rex & 1) << 3)), CE_FA);
      store<u8>(ce, 8, CE_FSIZE);
      return op < 0x58 ? FK_PUSH : FK_POP;
    }
    if (op == 0xe8) return FK_CALL;
    if (op == 0xc3) return FK_RET;
  }
  // The byte forms (the opcode's low bit clear in 00..3B, 84..8B, C0/D0, FE; 80; B0..B7).
  let byte = false;
  if ((op < 0x40 && (op & 7) < 4) || (op >= 0x84 && op <= 0x8b) || op == 0xc0 || op == 0xd0 || op == 0xfe ||
      op == 0xc1 || op == 0xd1 || op == 0xff || op == 0x81 || op == 0x83 || op == 0xf6 || op == 0xf7) byte = (op & 1) == 0;
  if (op == 0x80 || (op >= 0xb0 && op <= 0xb7)) byte = true;
  if (byte) store<u8>(ce, 1, CE_FSIZE);
  if (op >= 0xb0 && op <= 0xbf) {
    const r = (op & 7) | ((d_rex & 1) << 3);
    if (byte && !byteRegOk(r)) return FK_NONE;
    store<u8>(ce, <u8>r, CE_FA);
    return FK_MOV_RI;
  }
  if (op == 0x8d && d_mod != 3) {
    store<u8>(ce, <u8>d_reg, CE_FA);
    return FK_LEA;
  }
  // Movzx/movsx (0F B6 B7 BE BF) and movsxd (63).
  if (op == 0x1b6 || op == 0x1b7 || op == 0x1be || op == 0x1bf || op == 0x63) {
    let src = 0;
    let signed = false;
    if (op == 0x63) { src = d_opsize == 8 ? 2 : (d_opsize == 4 ? 2 : 1); signed = d_opsize == 8; }
    else { src = op & 1; signed = (op & 8) != 0; }
    if (d_mod == 3 && src == 0 && !byteRegOk(d_rm)) return FK_NONE;
    store<u8>(ce, <u8>d_reg, CE_FA);
    store<u8>(ce, <u8>((d_mod == 3 ? d_rm : 0) | (src << 4) | (signed ? MOVX_SIGNED : 0)), CE_FB);
    return d_mod == 3 ? FK_MOVX_R : FK_MOVX_M;
  }
  if (byte && !byteRegOk(d_reg) && op != 0x80 && op != 0xc0 && op != 0xd0 && op != 0xfe && op != 0xf6) return FK_NONE;
  if (op >= 0x88 && op <= 0x8b) {
    const toE = (op & 2) == 0;
    if (d_mod == 3) {
      if (byte && !byteRegOk(d_rm)) return FK_NONE;
      store<u8>(ce, <u8>(toE ? d_rm : d_reg), CE_FA);
      store<u8>(ce, <u8>(toE ? d_reg : d_rm), CE_FB);
      return FK_MOV_RR;
    }
    store<u8>(ce, <u8>d_reg, CE_FA);
    return toE ? FK_STORE : FK_LOAD;
  }
  if (op < 0x40 && (op & 7) >= 2 && (op & 7) < 4 && d_mod != 3) {
    store<u8>(ce, <u8>d_reg, CE_FA);
    store<u8>(ce, <u8>((op >> 3) << 4), CE_FB);
    return FK_ALU_RM;
  }
  if (d_mod != 3) {
    if (op == 0x80 || op == 0x81 || op == 0x83) {
      store<u8>(ce, <u8>((d_reg & 7) << 4), CE_FB);
      return (d_reg & 7) == CMP ? FK_CMP_MI : FK_ALU_MI;
    }
    if ((op == 0xf6 || op == 0xf7) && (d_reg & 7) == 0) return FK_TEST_MI;
    if ((op == 0xc6 || op == 0xc7) && (d_reg & 7) == 0) {
      if (op == 0xc6) store<u8>(ce, 1, CE_FSIZE);
      return FK_MOV_MI;
    }
    if (op == 0x38 || op == 0x39) { store<u8>(ce, <u8>d_reg, CE_FA); return FK_CMP_MR; }
    if (op == 0x84 || op == 0x85) { store<u8>(ce, <u8>d_reg, CE_FA); return FK_TEST_MR; }
    if ((op == 0xfe || op == 0xff) && (d_reg & 7) < 2) { store<u8>(ce, <u8>(d_reg & 7), CE_FB); return FK_INCDEC_M; }
    return FK_NONE;
  }
  // Register-only forms from here on: the rm operand must be a legal byte register too.
  if (byte && !byteRegOk(d_rm)) return FK_NONE;
  if (op == 0x1af || op == 0x69 || op == 0x6b) { // IMUL r, r (, imm): the memory forms stay with dispatch()
    store<u8>(ce, <u8>d_reg, CE_FA);
    store<u8>(ce, <u8>d_rm, CE_FB);
    return op == 0x1af ? FK_IMUL_RR : FK_IMUL_RRI;
  }
  if (op >= 0x140 && op <= 0x14f) { // CMOVcc r, r (the memory form reads whatever the condition: left to dispatch())
    store<u8>(ce, <u8>d_reg, CE_FA);
    store<u8>(ce, <u8>(d_rm | ((op & 15) << 4)), CE_FB);
    return FK_CMOV;
  }
  if (op == 0xc0 || op == 0xc1 || op == 0xd0 || op == 0xd1) {
    store<u8>(ce, <u8>d_rm, CE_FA);
    store<u8>(ce, <u8>((d_reg & 7) << 4), CE_FB);
    if (op >= 0xd0) store<u64>(ce, 1, CE_IMM);
    return FK_SHIFT_RI;
  }
  if (op < 0x40 && (op & 7) < 4) {
    const toE = (op & 7) < 2;
    store<u8>(ce, <u8>(toE ? d_rm : d_reg), CE_FA);
    store<u8>(ce, <u8>((toE ? d_reg : d_rm) | ((op >> 3) << 4)), CE_FB);
    return FK_ALU_RR;
  }
  if (op == 0x80 || op == 0x81 || op == 0x83) {
    store<u8>(ce, <u8>d_rm, CE_FA);
    store<u8>(ce, <u8>((d_reg & 7) << 4), CE_FB);
    return FK_ALU_RI;
  }
  if (op == 0x84 || op == 0x85) {
    store<u8>(ce, <u8>d_rm, CE_FA);
    store<u8>(ce, <u8>d_reg, CE_FB);
    return FK_TEST_RR;
  }
  if ((op == 0xfe || op == 0xff) && (d_reg & 7) < 2) {
    store<u8>(ce, <u8>d_rm, CE_FA);
    store<u8>(ce, <u8>(d_reg & 7), CE_FB);
    return FK_INCDEC;
  }
  if ((op == 0xf6 || op == 0xf7) && ((d_reg & 7) == 2 || (d_reg & 7) == 3)) {
    store<u8>(ce, <u8>d_rm, CE_FA);
    store<u8>(ce, <u8>((d_reg & 7) - 2), CE_FB);
    return FK_NOTNEG;
  }
  return FK_NONE;
}

/** The SSE2 fast forms (66 0F xx, the opcodes fastKind lists; no F2/F3/LOCK): FK_NONE for the other encodings. */
function xmmKind(ce: usize, op: i32): i32 {
  store<u8>(ce, 16, CE_FSIZE);
  if (d_mod != 3) {
    if (op != 0x1d6) return FK_NONE;
    store<u8>(ce, <u8>d_reg, CE_FA);
    store<u8>(ce, 8, CE_FSIZE);
    return FK_XMM_STOREQ;
  }
  if (op == 0x172 || op == 0x173) {
    const r = d_reg & 7;
    let sh = -1;
    if (op == 0x172) sh = r == 2 ? XSH_PSRLD : r == 4 ? XSH_PSRAD : r == 6 ? XSH_PSLLD : -1;
    else sh = r == 2 ? XSH_PSRLQ : r == 6 ? XSH_PSLLQ : -1;
    if (sh < 0) return FK_NONE;
    store<u8>(ce, <u8>d_rm, CE_FA);
    store<u8>(ce, <u8>(sh << 4), CE_FB);
    return FK_XMM_SHI;
  }
  let x = -1;
  switch (op) {
    case 0x16f: case 0x17f: x = XOP_MOVDQA; break;
    case 0x1ef: x = XOP_PXOR; break;
    case 0x1eb: x = XOP_POR; break;
    case 0x1db: x = XOP_PAND; break;
    case 0x1df: x = XOP_PANDN; break;
    case 0x1fe: x = XOP_PADDD; break;
    case 0x1d4: x = XOP_PADDQ; break;
    case 0x1fa: x = XOP_PSUBD; break;
  }
  if (x < 0) return FK_NONE;
  const toRm = op == 0x17f; // movdqa xmm/m128, xmm: the destination is rm
  store<u8>(ce, <u8>(toRm ? d_rm : d_reg), CE_FA);
  store<u8>(ce, <u8>((toRm ? d_reg : d_rm) | (x << 4)), CE_FB);
  return FK_XMM_RR;
}

/** FK_XMM_RR: xmm FA = xmm FA op xmm FB (the register number in FB's low bits). */
@inline export function xmmRR(fa: i32, fb: i32, x: i32): void {
  const d = xmmAddr(fa);
  const a = v128.load(d);
  const b = v128.load(xmmAddr(fb & 15));
  let r: v128;
  switch (x) {
    case XOP_MOVDQA: r = b; break;
    case XOP_PXOR: r = v128.xor(a, b); break;
    case XOP_POR: r = v128.or(a, b); break;
    case XOP_PAND: r = v128.and(a, b); break;
    case XOP_PANDN: r = v128.andnot(b, a); break; // ~a & b
    case XOP_PADDD: r = i32x4.add(a, b); break;
    case XOP_PADDQ: r = i64x2.add(a, b); break;
    default: r = i32x4.sub(a, b); break; // XOP_PSUBD
  }
  v128.store(d, r);
}

/** FK_XMM_SHI: xmm FA shifted by an immediate count; past the width, 0 (PSRAD: the sign). */
@inline export function xmmShift(fa: i32, x: i32, count: u32): void {
  const d = xmmAddr(fa);
  const a = v128.load(d);
  let r: v128;
  switch (x) {
    case XSH_PSRLD: r = count > 31 ? i32x4.splat(0) : i32x4.shr_u(a, count); break;
    case XSH_PSRAD: r = i32x4.shr_s(a, count > 31 ? 31 : count); break;
    case XSH_PSLLD: r = count > 31 ? i32x4.splat(0) : i32x4.shl(a, count); break;
    case XSH_PSRLQ: r = count > 63 ? i32x4.splat(0) : i64x2.shr_u(a, count); break;
    default: r = count > 63 ? i32x4.splat(0) : i64x2.shl(a, count); break; // XSH_PSLLQ
  }
  v128.store(d, r);
}

/** The linear address of a cached instruction's memory operand (`next` = rip after it). */
@inline export function entryAddr(ce: usize, next: u64, flags: i32, prefix: i32): u64 {
  const disp = load<u64>(ce, CE_DISP);
  let ea: u64;
  if (flags & CF_RIPREL) ea = next + disp;
  else {
    ea = disp;
    const index = <i32>load<u8>(ce, CE_INDEX);
    if (index != R_NONE) ea += reg64(index) << <u64>load<u8>(ce, CE_SCALE);
    const base = <i32>load<u8>(ce, CE_BASE);
    if (base != R_NONE) ea += reg64(base);
  }
  if (prefix & P_67) ea &= 0xffffffff;
  d_ea = ea;
  if (prefix & (P_FS | P_GS)) ea += load<u64>(STATE + ((prefix & P_FS) ? FS_BASE : GS_BASE));
  return ea;
}

/** Runs the fast form `kind` of the validated entry `ce` at `rip`, committing rip as step() does. */
export function runFast(ce: usize, rip: u64, kind: i32): void {
  let next = rip + <u64>load<u8>(ce, CE_LEN);
  const size = <i32>load<u8>(ce, CE_FSIZE);
  const fa = <i32>load<u8>(ce, CE_FA);
  const fb = <i32>load<u8>(ce, CE_FB);
  // rex = 1 throughout: a byte register here is never AH..BH (see byteRegOk).
  switch (kind) {
    case FK_MOV_RR: writeReg(fa, size, 1, readReg(fb, size, 1)); break;
    case FK_LOAD: {
      const v = readMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), size);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      writeReg(fa, size, 1, v);
      break;
    }
    case FK_STORE: {
      writeMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), size, readReg(fa, size, 1));
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      break;
    }
    case FK_ALU_RR: {
      const op = fb >> 4;
      const r = alu(op, size, readReg(fa, size, 1), readReg(fb & 15, size, 1));
      if (op != CMP) writeReg(fa, size, 1, r);
      break;
    }
    case FK_ALU_RI: {
      const op = fb >> 4;
      const r = alu(op, size, readReg(fa, size, 1), load<u64>(ce, CE_IMM));
      if (op != CMP) writeReg(fa, size, 1, r);
      break;
    }
    case FK_TEST_RR: {
      const a = readReg(fa, size, 1);
      const b = readReg(fb, size, 1);
      setLazy(FL_LOGIC, size, a, b, a & b);
      break;
    }
    case FK_JCC:
      if (cond(fa)) next += load<u64>(ce, CE_IMM);
      break;
    case FK_SHIFT_RI:
      writeReg(fa, size, 1, shifted(fb >> 4, size, readReg(fa, size, 1), <u32>load<u64>(ce, CE_IMM)));
      break;
    case FK_LEA:
      // The address size (67) truncates the address (entryAddr leaves it in d_ea, without the
      // FS/GS base); the operand size truncates the result.
      entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX));
      writeReg(fa, size, 1, d_ea);
      break;
    case FK_MOV_RI: writeReg(fa, size, 1, load<u64>(ce, CE_IMM)); break;
    case FK_JMP: next += load<u64>(ce, CE_IMM); break;
    // The stack forms as stack.ts and branch.ts run them: memory first, so that a fault leaves
    // rsp as it was.
    case FK_PUSH: {
      const sp = reg64(R_SP) - 8;
      write64(sp, reg64(fa));
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      setReg64(R_SP, sp);
      break;
    }
    case FK_POP: {
      const sp = reg64(R_SP);
      const v = read64(sp);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      setReg64(R_SP, sp + 8);
      setReg64(fa, v);
      break;
    }
    case FK_CALL: {
      const sp = reg64(R_SP) - 8;
      write64(sp, next);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      setReg64(R_SP, sp);
      next += load<u64>(ce, CE_IMM);
      break;
    }
    case FK_RET: {
      const sp = reg64(R_SP);
      const v = read64(sp);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      setReg64(R_SP, sp + 8);
      next = v;
      break;
    }
    case FK_XMM_RR: xmmRR(fa, fb, fb >> 4); break;
    case FK_XMM_SHI: xmmShift(fa, fb >> 4, <u32>load<u64>(ce, CE_IMM) & 0xff); break;
    case FK_XMM_LOADQ: {
      const v = read64(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)));
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      v128.store(xmmAddr(fa), i64x2.replace_lane(i64x2.splat(0), 0, v));
      break;
    }
    case FK_XMM_STOREQ: {
      write64(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), load<u64>(xmmAddr(fa)));
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      break;
    }
    case FK_NOTNEG: {
      const a = readReg(fa, size, 1);
      writeReg(fa, size, 1, fb ? alu(SUB, size, 0, a) : ~a); // NEG: the flags of 0 - a, as alu.ts's neg
      break;
    }
    case FK_ALU_RM: {
      const b = readMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), size);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      const op = fb >> 4;
      const r = alu(op, size, readReg(fa, size, 1), b);
      if (op != CMP) writeReg(fa, size, 1, r);
      break;
    }
    case FK_CMP_MR: {
      const a = readMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), size);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      alu(CMP, size, a, readReg(fa, size, 1));
      break;
    }
    case FK_TEST_MR: {
      const a = readMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), size);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      const b = readReg(fa, size, 1);
      setLazy(FL_LOGIC, size, a, b, a & b);
      break;
    }
    case FK_MOVX_R: writeReg(fa, size, 1, movx(readReg(fb & 15, 1 << ((fb >> 4) & 3), 1), fb)); break;
    case FK_MOVX_M: {
      const v = readMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), 1 << ((fb >> 4) & 3));
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      writeReg(fa, size, 1, movx(v, fb));
      break;
    }
    case FK_IMUL_RR: writeReg(fa, size, 1, imulValue(size, readReg(fa, size, 1), readReg(fb, size, 1))); break;
    case FK_IMUL_RRI: writeReg(fa, size, 1, imulValue(size, readReg(fb, size, 1), load<u64>(ce, CE_IMM))); break;
    case FK_CMOV: // as mov.ts's opCmovGvEv
      if (cond(fb >> 4)) writeReg(fa, size, 1, readReg(fb & 15, size, 1));
      else if (size == 4) writeReg(fa, 4, 1, readReg(fa, 4, 1));
      break;
    case FK_INCDEC_M: { // as alu.ts's incDec: the destination is checked writable before the read
      const addr = entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX));
      if (!probeWrite(addr, size)) { d_rip = rip; noteFaultRip(rip); return; }
      const a = readMem(addr, size);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      const r = fb ? a - 1 : a + 1;
      parkCF();
      setLazy(fb ? FL_DEC : FL_INC, size, a, 1, r);
      writeMem(addr, size, r);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      break;
    }
    case FK_CMP_MI: {
      const a = readMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), size);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      alu(CMP, size, a, load<u64>(ce, CE_IMM));
      break;
    }
    case FK_TEST_MI: {
      const a = readMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), size);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      const b = load<u64>(ce, CE_IMM);
      setLazy(FL_LOGIC, size, a, b, a & b);
      break;
    }
    case FK_MOV_MI:
      writeMem(entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX)), size, load<u64>(ce, CE_IMM));
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      break;
    case FK_ALU_MI: { // as alu.ts's read-modify-write forms: the destination is checked writable before the read
      const addr = entryAddr(ce, next, <i32>load<u8>(ce, CE_FLAGS), <i32>load<u8>(ce, CE_PREFIX));
      if (!probeWrite(addr, size)) { d_rip = rip; noteFaultRip(rip); return; }
      const a = readMem(addr, size);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      const r = alu(fb >> 4, size, a, load<u64>(ce, CE_IMM));
      writeMem(addr, size, r);
      if (exiting) { d_rip = rip; noteFaultRip(rip); return; }
      break;
    }
    default: { // FK_INCDEC, as alu.ts's incDec
      const a = readReg(fa, size, 1);
      const r = fb ? a - 1 : a + 1;
      parkCF();
      setLazy(fb ? FL_DEC : FL_INC, size, a, 1, r);
      writeReg(fa, size, 1, r);
      break;
    }
  }
  store<u64>(STATE + RIP, next);
}

/** A movzx/movsx/movsxd source value `v` extended as CE_FB says (the destination truncates). */
@inline export function movx(v: u64, fb: i32): u64 {
  if (!(fb & MOVX_SIGNED)) return v;
  const sh = <u64>(64 - (8 << ((fb >> 4) & 3)));
  return <u64>(<i64>(v << sh) >> sh);
}

/** A run's fast form at `rip` faulted (cpu/decode/runs.ts): as runFast's own fault exits. */
export function noteRunFault(rip: u64): void { d_rip = rip; noteFaultRip(rip); }

/** The run table's set for a run starting at `rip` (cpu/decode/runs.ts): its first way. */
@inline export function runSlot(rip: u64): usize {
  // The first way of the set: sets are pairs of records, the second way is this slot + RUN_SIZE.
  return RUNS + ((<usize>(rip ^ (rip >> 11)) & (RUN_ENTRIES / 2 - 1)) * 2 * RUN_SIZE);
}

/** Loads a validated entry into the d_* globals as decode() would have left them. */
@inline export function cacheLoad(ce: usize, rip: u64): i32 {
  const len = <i32>load<u8>(ce, CE_LEN);
  const flags = <i32>load<u8>(ce, CE_FLAGS);
  const prefix = <i32>load<u8>(ce, CE_PREFIX);
  d_len = len;
  d_prefix = prefix;
  d_simd = <i32>load<u8>(ce, CE_SIMD);
  d_rex = <i32>load<u8>(ce, CE_REX);
  d_opsize = <i32>load<u8>(ce, CE_OPSIZE);
  const op = <i32>load<u16>(ce, CE_OP);
  d_opcode = op;
  const mod = <i32>load<u8>(ce, CE_MOD);
  d_mod = mod;
  if (flags & CF_MODRM) {
    d_modrm = <i32>load<u8>(ce, CE_MODRM);
    d_reg = <i32>load<u8>(ce, CE_REG);
    d_rm = <i32>load<u8>(ce, CE_RM);
  }
  if (flags & CF_IMM) d_imm = load<u64>(ce, CE_IMM);
  if (flags & CF_IMM2) d_imm2 = <u64>load<u8>(ce, CE_IMM2);
  const next = rip + <u64>len;
  d_next = next;
  if (mod != 3) d_addr = entryAddr(ce, next, flags, prefix);
  return op;
}

/**
 * Runs the validated entry `ce` at `rip` that is not a fast form through the table's handler,
 * committing rip (or noting the fault) as step() does; for a run's last instruction.
 */
@inline export function runSlow(ce: usize, rip: u64): void {
  d_rip = rip;
  dispatch(cacheLoad(ce, rip));
  if (exiting && !exitCompletes) { noteFaultRip(rip); return; }
  store<u64>(STATE + RIP, d_next);
}

/** decodeCached()'s answer when it has already run the instruction as a fast form. */
const OP_RAN = -2;

/** decode() through the cache; a cached fast form is run on the spot (OP_RAN). */
@inline function decodeCached(): i32 {
  const rip = load<u64>(STATE + RIP);
  const vpn = rip >> 12;
  const e = tlbEntry(vpn);
  const off = <i32>(rip & 0xfff);
  if (load<u64>(e, TLBE_EXEC_TAG) == vpn && off <= 0x1000 - 16) {
    const host = <usize>load<u32>(e, TLBE_FRAME) + <usize>off;
    const ce = cacheEntry(rip);
    if (load<u64>(ce, CE_RIP) == rip) {
      const mask = v128.load(DCACHE_MASKS + (<usize>load<u8>(ce, CE_LEN) << 4));
      if (!v128.any_true(v128.xor(v128.and(v128.load(host), mask), v128.load(ce, CE_BYTES)))) {
        const fast = <i32>load<u8>(ce, CE_FAST);
        if (fast != FK_NONE) { runFast(ce, rip, fast); return OP_RAN; }
        d_rip = rip;
        return cacheLoad(ce, rip);
      }
    }
    const op = decode();
    if (op >= 0) cacheInsert(rip, host, op);
    // New bytes at rip: a run record starting here (a "no run" one too) was made from others.
    // Both ways of its set (cpu/decode/runs.ts tryRun).
    const rn = runSlot(rip);
    if (load<u64>(rn, RN_RIP) == rip) store<u64>(rn, <u64>-1, RN_RIP);
    const alt = rn + RUN_SIZE;
    if (load<u64>(alt, RN_RIP) == rip) store<u64>(alt, <u64>-1, RN_RIP);
    return op;
  }
  return decode();
}

/**
 * Decodes and executes one instruction. Inlined into run()'s loop (one call less per
 * instruction); run() counts the instructions retired (INSN_COUNT).
 */
@inline export function step(): void {
  const op = decodeCached();
  if (op < 0) { if (op != OP_RAN) noteFaultRip(d_rip); return; }
  dispatch(op);
  if (exiting && !exitCompletes) { noteFaultRip(d_rip); return; }
  store<u64>(STATE + RIP, d_next);
}

/** The handler for any opcode the table does not define: #UD. */
export function opUD(): void { raiseFault(EXIT_UD, 0); }
