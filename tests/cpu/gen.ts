// Random instruction cases for the host-CPU oracle (tests/cpu/oracle.ts): encodes one ModRM
// instruction form with random registers, addressing and operand values (biased to edge values),
// so a test names the form and its undefined flags and gets thousands of cases. SDM vol. 2 §2.1
// (instruction format: prefixes, REX, opcode, ModRM, SIB, displacement, immediate).

import { Case, CpuState, CODE_ADDR, DATA_ADDR, PAGE_SIZE, Prng, makeState, STATUS, DF } from './oracle.js';

export type Size = 1 | 2 | 4 | 8;

export interface Ctx {
  r: Prng;
  s: CpuState;
  data: Uint8Array;
  size: Size;
  rex: number;            // REX byte emitted, or 0
  /** E: a register number (with AH..BH as 4..7 when `rex` is 0 and size 1), or -1 for memory. */
  eReg: number;
  eOff: number;           // memory E: offset in the data page
  g: number;              // ModRM.reg register number (or the digit)
  imm: bigint;            // the immediate as encoded, sign-extended to 64 bits
}

export interface Form {
  name: string;
  op: number[];                 // opcode bytes, after prefixes and REX
  size: Size;                   // operand size: 66 for 2, REX.W for 8
  pfx?: number[];               // further prefixes (mandatory F3 …), emitted after 66
  digit?: number;               // /digit in ModRM.reg
  e?: 'reg' | 'mem' | 'any';    // default any
  gSize?: Size;                 // G's size if not `size`
  eSize?: Size;                 // E's size if not `size` (movzx, bt offset …)
  imm?: 1 | 2 | 4 | 8;          // immediate bytes
  immGen?: (r: Prng) => bigint;
  /** Registers the instruction uses implicitly: never chosen as the memory base. */
  implicit?: number[];
  /** Sets implicit operands once E and G hold their values. */
  setup?: (c: Ctx) => void;
  /** Status flags the SDM leaves undefined for this case (decided after setup). */
  undef?: (c: Ctx) => bigint;
  readOnlyOk?: boolean;         // also try a read-only data page (RMW and store forms)
  lockOk?: boolean;             // a LOCK prefix is legal with a memory E (never with a register)
  /** Post-processes a finished case (nativeCode, adjustNative …). */
  finish?: (cs: Case, c: Ctx) => void;
}

const BASES = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]; // any but rsp

/** Value of register `n` of `size` bytes in `s` (byte registers by the REX rule). */
export function getReg(s: CpuState, n: number, size: Size, rex: number): bigint {
  if (size === 1 && rex === 0 && n >= 4 && n < 8) return (s.gpr[n - 4] >> 8n) & 0xffn;
  return s.gpr[n] & mask(size);
}
export function setReg(s: CpuState, n: number, size: Size, rex: number, v: bigint): void {
  if (size === 1 && rex === 0 && n >= 4 && n < 8) {
    s.gpr[n - 4] = (s.gpr[n - 4] & ~0xff00n) | ((v & 0xffn) << 8n);
    return;
  }
  const m = mask(size);
  s.gpr[n] = (s.gpr[n] & ~m) | (v & m);
}
export const mask = (size: Size | number): bigint => (1n << BigInt(size * 8)) - 1n;
export function sext(v: bigint, size: Size | number): bigint { return BigInt.asIntN(size * 8, v); }

export function getMem(data: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(off + i < PAGE_SIZE ? data[off + i] : 0);
  return v;
}
export function setMem(data: Uint8Array, off: number, size: number, v: bigint): void {
  for (let i = 0; i < size && off + i < PAGE_SIZE; i++) data[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

export function eValue(c: Ctx, size: Size = c.size): bigint {
  return c.eReg >= 0 ? getReg(c.s, c.eReg, size, c.rex) : getMem(c.data, c.eOff, size);
}
export function setEValue(c: Ctx, v: bigint, size: Size = c.size): void {
  if (c.eReg >= 0) setReg(c.s, c.eReg, size, c.rex, v);
  else setMem(c.data, c.eOff, size, v);
}
export function gValue(c: Ctx, size: Size = c.size): bigint { return getReg(c.s, c.g, size, c.rex); }

function leBytes(v: bigint, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}

/** One random case of `f`. */
export function genCase(f: Form, r: Prng): Case {
  const s = makeState({ gpr: Array.from({ length: 16 }, () => r.operand(64)), rflags: r.flags() & (STATUS | DF) });
  const size = f.size;
  const eSize = f.eSize ?? size;
  const gSize = f.gSize ?? size;
  const byteRegs = eSize === 1 || gSize === 1;
  // A byte form with no REX addresses AH..BH; any REX (even a bare 40) switches to SPL..DIL.
  const wantRex = size === 8 || (byteRegs ? r.int(2) === 0 : r.int(4) === 0);
  const hi = wantRex ? 16 : 8;
  const mode = f.e ?? 'any';
  const isMem = mode === 'mem' || (mode === 'any' && r.int(2) === 0);
  const implicit = f.implicit ?? [];

  const g = f.digit ?? r.int(hi);
  let modrm = 0, rexB = 0, rexX = 0;
  const tail: number[] = [];
  let eReg = -1, eOff = 0, base = -1, index = -1, scale = 0, disp = 0, ripRel = false, addr32 = false;
  const data = new Uint8Array(PAGE_SIZE);
  let dataLen = 0;
  if (!isMem) {
    eReg = r.int(hi);
    modrm = 0xc0 | ((g & 7) << 3) | (eReg & 7);
    rexB = eReg >> 3;
  } else {
    // Mostly inside the first 256 bytes; sometimes at the page end, crossing into the unmapped
    // page after it.
    const atEnd = r.int(20) === 0;
    eOff = atEnd ? PAGE_SIZE - 1 - r.int(eSize + 1) : r.int(256);
    const choices = BASES.filter((b) => b !== (f.digit === undefined ? g : -1) && !implicit.includes(b) && (hi === 16 || b < 8));
    base = r.pick(choices);
    disp = r.int(256) - 128;
    const useSib = r.int(4) === 0 || (base & 7) === 4;
    const how = r.int(12);
    if (how === 0) {
      // [rip + disp32]: the displacement is filled in once the length is known
      ripRel = true;
      base = -1;
      modrm = ((g & 7) << 3) | 5;
      tail.push(0, 0, 0, 0);
    } else if (useSib) {
      const idxChoices = choices.filter((x) => x !== base);
      index = r.int(3) === 0 || idxChoices.length === 0 ? 4 : r.pick(idxChoices); // 4 = none
      scale = r.int(4);
      modrm = 0x40 | ((g & 7) << 3) | 4;
      tail.push((scale << 6) | ((index & 7) << 3) | (base & 7), disp & 0xff);
      rexX = index >> 3;
    } else {
      modrm = 0x40 | ((g & 7) << 3) | (base & 7);
      tail.push(disp & 0xff);
    }
    // 67: 32-bit addressing; the registers then carry garbage above bit 31.
    addr32 = !ripRel && how === 1;
    rexB = base >= 0 ? base >> 3 : 0;
    r.bytes(data, 0, 272);
    dataLen = 272;
    if (atEnd) { r.bytes(data, PAGE_SIZE - 16, PAGE_SIZE); dataLen = PAGE_SIZE; }
  }
  const rex = wantRex || rexB || rexX || (g >> 3)
    ? 0x40 | (size === 8 ? 8 : 0) | ((g >> 3) << 2) | (rexX << 1) | rexB : 0;

  const c: Ctx = { r, s, data, size, rex, eReg, eOff, g, imm: 0n };
  // Operand values: E, then G (they may be one register), then implicit ones in setup.
  if (eReg >= 0) setReg(s, eReg, eSize, rex, r.operand(eSize * 8, false));
  else setMem(data, eOff, eSize, r.operand(eSize * 8, false));
  if (f.digit === undefined) setReg(s, g, gSize, rex, r.operand(gSize * 8, false));

  let immBytes: number[] = [];
  if (f.imm) {
    const v = f.immGen ? f.immGen(r) : r.operand(f.imm * 8, false);
    immBytes = leBytes(v, f.imm);
    c.imm = sext(v, f.imm);
  }
  f.setup?.(c);
  if (isMem && !ripRel) {
    // Addressing registers last: they must point at the operand whatever setup did.
    let ea = DATA_ADDR + BigInt(c.eOff) - BigInt(disp); // setup may have moved the operand
    const junk = (): bigint => (addr32 ? BigInt(r.u32()) << 32n : 0n);
    if (index !== -1 && index !== 4) {
      const iv = BigInt(r.int(64)) - 32n;
      s.gpr[index] = BigInt.asUintN(64, addr32 ? BigInt.asUintN(32, iv) | junk() : iv);
      ea -= iv << BigInt(scale);
    }
    s.gpr[base] = BigInt.asUintN(64, addr32 ? BigInt.asUintN(32, ea) | junk() : ea);
  }

  const lock = isMem && f.lockOk && r.int(6) === 0;
  const bytes = [...(lock ? [0xf0] : []), ...(addr32 ? [0x67] : []), ...(size === 2 ? [0x66] : []), ...(f.pfx ?? []), ...(rex ? [rex] : []), ...f.op, modrm, ...tail, ...immBytes];
  if (ripRel) {
    const at = bytes.length - immBytes.length - 4;
    const d = Number(DATA_ADDR + BigInt(c.eOff) - (CODE_ADDR + BigInt(bytes.length)));
    for (let i = 0; i < 4; i++) bytes[at + i] = (d >> (8 * i)) & 0xff;
  }
  const cs: Case = { code: new Uint8Array(bytes), state: s, note: f.name };
  if (dataLen) cs.data = data.slice(0, dataLen);
  if (isMem && f.readOnlyOk && r.int(16) === 0) cs.dataReadOnly = true;
  cs.undefinedFlags = f.undef?.(c) ?? 0n;
  f.finish?.(cs, c);
  return cs;
}

/** `n` cases of each form. */
export function genCases(forms: Form[], r: Prng, n: number): Case[] {
  const out: Case[] = [];
  for (const f of forms) for (let i = 0; i < n; i++) out.push(genCase(f, r));
  return out;
}

/** The operand sizes of a `v` form, with the byte form when `b` is given. */
export const SIZES_V: Size[] = [2, 4, 8];
export const SIZES_ALL: Size[] = [1, 2, 4, 8];
