// General-purpose instructions proven against the host CPU (issue #3, DESIGN.md §3): every form of
// the shift, multiply/divide and bit families, and the older ALU, MOV, stack, string and branch
// handlers, run over thousands of random operands (edge values favoured) natively and under wasl.
// Undefined flags are masked per case, citing the SDM's "Flags Affected" of each instruction.
// Reproduce a failure with WASL_SEED=<seed printed in the message>.

import { describe, test, expect } from 'vitest';
import {
  Case, Prng, check, formatFailures, nativeAvailable, testSeed, hostVendor, runWasl, regs, makeState,
  CF, PF, AF, ZF, SF, OF, DF, STATUS, DATA_ADDR, CODE_ADDR, PAGE_SIZE, RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
  SIGFPE, FPE_INTDIV, SIGSEGV, SI_KERNEL, SIGILL, SIGTRAP,
} from './oracle.js';
import { Form, Ctx, Size, genCases, eValue, setEValue, setReg, setMem, mask, sext, SIZES_ALL, SIZES_V } from './gen.js';

const SKIP = nativeAvailable();
const INTEL = hostVendor() === 'GenuineIntel';
const SEED = testSeed();
const N = Number(process.env.WASL_CASES ?? 600); // random cases per form

let total = 0;
/** Runs the cases on both sides and fails with the first differences and the seed. */
function prove(cases: Case[], what: string): void {
  total += cases.length;
  const fails = check(cases, { limit: 8 });
  if (fails.length) throw new Error(formatFailures(fails, `${what}: ${fails.length}+ of ${cases.length} cases differ (WASL_SEED=${SEED})\n`));
}
const rng = (salt: number): Prng => new Prng(SEED * 1000n + BigInt(salt));

/**
 * prove(genCases(forms, r, n)) one form at a time: the same cases in the same order from the
 * same generator, but only one form's cases alive at once (the long run's 10,000 per form over
 * the ~100 shift forms would otherwise hold a million cases and their results).
 */
function proveForms(forms: Form[], r: Prng, n: number, what: string): void {
  let count = 0;
  for (const f of forms) {
    const cases = genCases([f], r, n);
    count += cases.length;
    total += cases.length;
    const fails = check(cases, { limit: 8 });
    if (fails.length) throw new Error(formatFailures(fails, `${what} (${f.name}): ${fails.length}+ of ${cases.length} cases differ (WASL_SEED=${SEED})\n`));
  }
  expect(count).toBe(forms.length * n);
}
const sizePrefix = (size: Size): string => ['', 'b', 'w', '', 'd', '', '', '', 'q'][size];

/** A shift count biased to the interesting ones: 0, 1, width-1, width, width+1, 31..33, 63..65. */
function countGen(size: Size) {
  const b = size * 8;
  const edges = [0, 1, 2, b - 1, b, b + 1, 31, 32, 33, 63, 64, 65, 255, 9, 17, 16, 8];
  return (r: Prng): bigint => BigInt(r.int(3) === 0 ? r.int(256) : r.pick(edges));
}

// SDM vol. 2 "SAL/SAR/SHL/SHR — Flags Affected": count 0 affects no flag; AF is undefined for a
// non-zero count, OF for counts above 1, and CF for SHL/SHR counts >= the operand width.
// "RCL/RCR/ROL/ROR — Flags Affected": OF is undefined unless the masked count is 1; SF ZF AF PF
// are never affected (so they are compared).
function shiftUndef(op: number, size: Size, count: bigint): bigint {
  const c = Number(count & (size === 8 ? 63n : 31n));
  if (c === 0) return 0n;
  if (op >= 4) {
    let u = AF;
    if (c > 1) u |= OF;
    if (op !== 7 && c >= size * 8) u |= CF;
    return u;
  }
  return c === 1 ? 0n : OF;
}

const GROUP2 = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

function shiftForms(): Form[] {
  const forms: Form[] = [];
  for (let op = 0; op < 8; op++) {
    for (const size of SIZES_ALL) {
      const b = size === 1;
      const nm = `${GROUP2[op]} ${sizePrefix(size)}`;
      forms.push({ name: `${nm} E,ib`, op: [b ? 0xc0 : 0xc1], size, digit: op, imm: 1, immGen: countGen(size), readOnlyOk: true,
        undef: (c) => shiftUndef(op, size, c.imm & 0xffn) });
      forms.push({ name: `${nm} E,1`, op: [b ? 0xd0 : 0xd1], size, digit: op, readOnlyOk: true, undef: () => shiftUndef(op, size, 1n) });
      const cnt = countGen(size);
      forms.push({ name: `${nm} E,cl`, op: [b ? 0xd2 : 0xd3], size, digit: op, implicit: [RCX], readOnlyOk: true,
        setup: (c) => { if (c.r.int(4)) setReg(c.s, RCX, 1, 0, cnt(c.r)); },
        undef: (c) => shiftUndef(op, size, c.s.gpr[RCX] & 0xffn) });
    }
  }
  return forms;
}

// SDM vol. 2 "SHLD"/"SHRD — Flags Affected": count 0 affects nothing; AF is undefined for any
// shift, OF for counts above 1, and all flags (and the result) for counts above the width.
function shiftDoubleUndef(size: Size, count: bigint): bigint {
  const c = Number(count & (size === 8 ? 63n : 31n));
  if (c === 0) return 0n;
  if (c > size * 8) return STATUS;
  return AF | (c > 1 ? OF : 0n);
}
// The 16-bit result for counts 17..31 is undefined too, and vendors differ: Intel shifts a 48-bit
// dest:src:dest window (what wasl does), AMD something else; those counts are not compared.
function shiftDoubleForms(): Form[] {
  const forms: Form[] = [];
  const defined = (size: Size, gen: (r: Prng) => bigint) => (r: Prng): bigint => {
    const v = gen(r);
    return size === 2 && (v & 31n) > 16n ? v & ~16n : v;
  };
  for (const [name, ib, cl] of [['shld', 0xa4, 0xa5], ['shrd', 0xac, 0xad]] as const) {
    for (const size of SIZES_V) {
      forms.push({ name: `${name}${sizePrefix(size)} E,G,ib`, op: [0x0f, ib], size, imm: 1, immGen: defined(size, countGen(size)), readOnlyOk: true,
        undef: (c) => shiftDoubleUndef(size, c.imm & 0xffn) });
      const cnt = defined(size, countGen(size));
      forms.push({ name: `${name}${sizePrefix(size)} E,G,cl`, op: [0x0f, cl], size, implicit: [RCX], readOnlyOk: true,
        setup: (c) => {
          if (c.r.int(4)) setReg(c.s, RCX, 1, 0, cnt(c.r));
          const v = c.s.gpr[RCX] & 0xffn;
          if (size === 2 && (v & 31n) > 16n) setReg(c.s, RCX, 1, 0, v & ~16n);
        },
        undef: (c) => shiftDoubleUndef(size, c.s.gpr[RCX] & 0xffn) });
    }
  }
  return forms;
}

// ---- multiply and divide ---------------------------------------------------------------------

// SDM vol. 2 "MUL"/"IMUL — Flags Affected": SF ZF AF PF are undefined.
const MUL_UNDEF = SF | ZF | AF | PF;
// SDM vol. 2 "DIV"/"IDIV — Flags Affected": CF OF SF ZF AF PF are undefined.
const DIV_UNDEF = STATUS;

/** Puts a dividend in AX / rDX:rAX: often one with a representable quotient, sometimes not. */
function dividend(c: Ctx, signed: boolean): void {
  const size = c.size;
  const bits = BigInt(size * 8);
  const d = eValue(c);
  let n: bigint;
  const kind = c.r.int(8);
  if (kind <= 3 && d !== 0n) {
    // quotient q and remainder r chosen to fit: n = q*d + r
    const ds = signed ? sext(d, size) : d;
    const lim = 1n << (signed ? bits - 1n : bits);
    let q = c.r.pick([0n, 1n, lim - 1n, signed ? -lim : lim - 2n, c.r.u64() % lim]);
    if (signed && c.r.bool() && q > 0n) q = -q;
    const ad = ds < 0n ? -ds : ds;
    let rem = c.r.u64() % ad;
    if (c.r.int(4) === 0) rem = ad - 1n;
    n = q * ds;
    if (signed && (n < 0n || (n === 0n && c.r.bool()))) rem = -rem;
    n += rem;
  } else if (kind === 4) {
    n = c.r.operand(size * 8, false); // high half zero
  } else if (kind === 5) {
    n = sext(c.r.operand(size * 8, false), size); // high half the sign extension
  } else {
    n = (c.r.operand(size * 8, false) << bits) | c.r.operand(size * 8, false);
  }
  n = BigInt.asUintN(size * 16, n);
  if (size === 1) setReg(c.s, RAX, 2, 0, n);
  else { setReg(c.s, RAX, size, 0, n & mask(size)); setReg(c.s, RDX, size, 0, n >> bits); }
}

function mulDivForms(): Form[] {
  const forms: Form[] = [];
  const ops = [['mul', 4, MUL_UNDEF], ['imul', 5, MUL_UNDEF], ['div', 6, DIV_UNDEF], ['idiv', 7, DIV_UNDEF]] as const;
  for (const [name, digit, undef] of ops) {
    for (const size of SIZES_ALL) {
      forms.push({
        name: `${name} ${sizePrefix(size)} E`, op: [size === 1 ? 0xf6 : 0xf7], size, digit, implicit: [RAX, RDX],
        setup: (c) => {
          if (digit >= 6) dividend(c, digit === 7);
          else if (c.r.bool()) setReg(c.s, RAX, size, 0, c.r.operand(size * 8, false));
          if (digit >= 6 && c.r.int(16) === 0) setEValue(c, 0n); // divide by zero
        },
        undef: () => undef,
      });
    }
  }
  for (const size of SIZES_V) {
    forms.push({ name: `imul${sizePrefix(size)} G,E`, op: [0x0f, 0xaf], size, undef: () => MUL_UNDEF });
    forms.push({ name: `imul${sizePrefix(size)} G,E,iz`, op: [0x69], size, imm: size === 2 ? 2 : 4, undef: () => MUL_UNDEF });
    forms.push({ name: `imul${sizePrefix(size)} G,E,ib`, op: [0x6b], size, imm: 1, undef: () => MUL_UNDEF });
  }
  return forms;
}

// ---- bit instructions ------------------------------------------------------------------------

// SDM vol. 2 "BT"/"BTS"/"BTR"/"BTC — Flags Affected": CF = the bit, ZF unaffected, OF SF AF PF
// undefined.
const BT_UNDEF = OF | SF | AF | PF;
// SDM vol. 2 "BSF"/"BSR — Flags Affected": ZF defined; CF OF SF AF PF undefined.
const BSF_UNDEF = CF | OF | SF | AF | PF;

function bitForms(): Form[] {
  const forms: Form[] = [];
  const ops = [['bt', 0xa3, 4], ['bts', 0xab, 5], ['btr', 0xb3, 6], ['btc', 0xbb, 7]] as const;
  for (const [name, opc, digit] of ops) {
    for (const size of SIZES_V) {
      forms.push({
        // Not rbp-based: a far offset makes a non-canonical address, and through rbp (segment SS)
        // that is #SS → SIGBUS, which wasl does not model (it raises #GP → SIGSEGV).
        name: `${name}${sizePrefix(size)} E,G`, op: [0x0f, opc], size, readOnlyOk: name !== 'bt', lockOk: name !== 'bt', implicit: [RBP],
        setup: (c) => {
          if (c.eReg >= 0) return;
          // Fill around the operand, then aim the signed bit offset anywhere from a little before
          // the page to a little after it (and now and then anywhere at all).
          c.r.bytes(c.data);
          const bits = size * 8;
          let off: bigint;
          const k = c.r.int(8);
          if (k === 0) off = c.r.operand(bits, false);
          else off = BigInt(c.r.int(8 * (PAGE_SIZE + 64)) - 8 * c.eOff - 256);
          setReg(c.s, c.g, size, c.rex, off);
        },
        finish: (cs, c) => { if (c.eReg < 0) cs.data = c.data; },
        undef: () => BT_UNDEF,
      });
      forms.push({ name: `${name}${sizePrefix(size)} E,ib`, op: [0x0f, 0xba], size, digit, imm: 1, readOnlyOk: name !== 'bt', lockOk: name !== 'bt', undef: () => BT_UNDEF });
    }
  }
  // BSF/BSR. wasl reports no BMI1/LZCNT, so F3 0F BC/BD must run as BSF/BSR; the host (if it
  // has BMI1) runs them as TZCNT/LZCNT, so its reference is the same bytes without the F3.
  const vendor = hostVendor();
  for (const [name, opc] of [['bsf', 0xbc], ['bsr', 0xbd]] as const) {
    for (const size of SIZES_V) {
      for (const pfx of [[], [0xf3], [0xf2]]) {
        forms.push({
          name: `${pfx.length ? pfx[0].toString(16) + ' ' : ''}${name}${sizePrefix(size)} G,E`, op: [0x0f, opc], size, pfx,
          setup: (c) => { if (c.r.int(4) === 0) setEValue(c, 0n); },
          undef: () => BSF_UNDEF,
          finish: (cs, c) => {
            // 3E (a DS override, ignored in 64-bit mode) keeps the length, so rip compares too.
            if (pfx[0] === 0xf3) { const at = cs.code.indexOf(0xf3); cs.nativeCode = cs.code.map((b, i) => (i === at ? 0x3e : b)); }
            // Intel writes a 32-bit destination even for a zero source (clearing bits 63:32);
            // AMD leaves it whole. wasl models Intel (see cpu/ops/bit.ts).
            if (size === 4 && eValue(c) === 0n && vendor !== 'GenuineIntel') {
              const g = c.g;
              cs.adjustNative = (res) => { if (res.signal === SIGTRAP) res.gpr[g] &= 0xffffffffn; };
            }
          },
        });
      }
    }
  }
  for (const size of SIZES_V) {
    forms.push({ name: `popcnt${sizePrefix(size)} G,E`, op: [0x0f, 0xb8], size, pfx: [0xf3], setup: (c) => { if (c.r.int(8) === 0) setEValue(c, 0n); } });
    forms.push({ name: `movbe${sizePrefix(size)} G,M`, op: [0x0f, 0x38, 0xf0], size, e: 'mem' });
    forms.push({ name: `movbe${sizePrefix(size)} M,G`, op: [0x0f, 0x38, 0xf1], size, e: 'mem', readOnlyOk: true });
  }
  // cmpxchg8b (size 4) / cmpxchg16b (REX.W): equal half the time; 16B misaligned now and then.
  for (const size of [4, 8] as const) {
    const width = size * 2;
    forms.push({
      name: `cmpxchg${width}b M`, op: [0x0f, 0xc7], size, digit: 1, e: 'mem', implicit: [RAX, RDX, RBX, RCX], readOnlyOk: true, lockOk: true,
      setup: (c) => {
        if (size === 8 && c.eOff < PAGE_SIZE - 32 && c.r.int(8) !== 0) c.eOff &= ~15;
        if (c.r.bool()) {
          setMem(c.data, c.eOff, size, c.s.gpr[RAX]);
          setMem(c.data, c.eOff + size, size, c.s.gpr[RDX]);
        } else if (c.r.bool()) {
          setMem(c.data, c.eOff, size, c.s.gpr[RAX]); // only the low half equal
        }
      },
    });
  }
  return forms;
}

// ---- the older families: ALU, MOV, stack, string, branch -------------------------------------

// SDM vol. 2 "AND"/"OR"/"XOR"/"TEST — Flags Affected": AF is undefined.
const LOGIC = [1, 4, 6];
function aluForms(): Form[] {
  const forms: Form[] = [];
  const names = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
  for (let op = 0; op < 8; op++) {
    const undef = (): bigint => (LOGIC.includes(op) ? AF : 0n);
    const nm = names[op];
    forms.push({ name: `${nm} Eb,Gb`, op: [op * 8], size: 1, readOnlyOk: op !== 7, lockOk: op !== 7, undef });
    forms.push({ name: `${nm} Gb,Eb`, op: [op * 8 + 2], size: 1, undef });
    for (const size of SIZES_V) {
      forms.push({ name: `${nm} E${sizePrefix(size)},G`, op: [op * 8 + 1], size, readOnlyOk: op !== 7, lockOk: op !== 7, undef });
      forms.push({ name: `${nm} G${sizePrefix(size)},E`, op: [op * 8 + 3], size, undef });
      forms.push({ name: `${nm} E${sizePrefix(size)},iz`, op: [0x81], size, digit: op, imm: size === 2 ? 2 : 4, readOnlyOk: op !== 7, lockOk: op !== 7, undef });
      forms.push({ name: `${nm} E${sizePrefix(size)},ib`, op: [0x83], size, digit: op, imm: 1, readOnlyOk: op !== 7, lockOk: op !== 7, undef });
    }
    forms.push({ name: `${nm} Eb,ib`, op: [0x80], size: 1, digit: op, imm: 1, readOnlyOk: op !== 7, lockOk: op !== 7, undef });
  }
  for (const size of SIZES_ALL) {
    const b = size === 1;
    const sp = sizePrefix(size);
    forms.push({ name: `test ${sp} E,G`, op: [b ? 0x84 : 0x85], size, undef: () => AF });
    forms.push({ name: `test ${sp} E,i`, op: [b ? 0xf6 : 0xf7], size, digit: 0, imm: b ? 1 : size === 2 ? 2 : 4, undef: () => AF });
    forms.push({ name: `not ${sp}`, op: [b ? 0xf6 : 0xf7], size, digit: 2, readOnlyOk: true, lockOk: true });
    forms.push({ name: `neg ${sp}`, op: [b ? 0xf6 : 0xf7], size, digit: 3, readOnlyOk: true, lockOk: true });
    forms.push({ name: `inc ${sp}`, op: [b ? 0xfe : 0xff], size, digit: 0, readOnlyOk: true, lockOk: true });
    forms.push({ name: `dec ${sp}`, op: [b ? 0xfe : 0xff], size, digit: 1, readOnlyOk: true, lockOk: true });
    forms.push({ name: `xadd ${sp}`, op: [0x0f, b ? 0xc0 : 0xc1], size, readOnlyOk: true, lockOk: true });
    forms.push({
      name: `cmpxchg ${sp}`, op: [0x0f, b ? 0xb0 : 0xb1], size, implicit: [RAX], readOnlyOk: true, lockOk: true,
      setup: (c) => { if (c.r.bool()) setReg(c.s, RAX, size, 0, eValue(c)); },
    });
  }
  return forms;
}

function movForms(): Form[] {
  const forms: Form[] = [];
  for (const size of SIZES_ALL) {
    const b = size === 1;
    const sp = sizePrefix(size);
    forms.push({ name: `mov ${sp} E,G`, op: [b ? 0x88 : 0x89], size, readOnlyOk: true });
    forms.push({ name: `mov ${sp} G,E`, op: [b ? 0x8a : 0x8b], size });
    forms.push({ name: `mov ${sp} E,i`, op: [b ? 0xc6 : 0xc7], size, digit: 0, imm: b ? 1 : size === 2 ? 2 : 4, readOnlyOk: true });
    forms.push({ name: `xchg ${sp}`, op: [b ? 0x86 : 0x87], size, readOnlyOk: true, lockOk: true });
  }
  for (const size of SIZES_V) {
    const sp = sizePrefix(size);
    forms.push({ name: `movzx ${sp},Eb`, op: [0x0f, 0xb6], size, eSize: 1 });
    forms.push({ name: `movzx ${sp},Ew`, op: [0x0f, 0xb7], size, eSize: 2 });
    forms.push({ name: `movsx ${sp},Eb`, op: [0x0f, 0xbe], size, eSize: 1 });
    forms.push({ name: `movsx ${sp},Ew`, op: [0x0f, 0xbf], size, eSize: 2 });
    // movsxd r16 reads a whole dword on AMD (a word on Intel, per the SDM's "MOVSXD r16, r/m16"):
    // keep its operand away from the page end, where only the fault would tell them apart.
    forms.push({ name: `movsxd ${sp}`, op: [0x63], size, eSize: size === 8 ? 4 : size, e: size === 2 ? 'reg' : 'any' });
    forms.push({ name: `lea ${sp}`, op: [0x8d], size, e: 'mem' });
    for (let cc = 0; cc < 16; cc++) forms.push({ name: `cmov${cc.toString(16)} ${sp}`, op: [0x0f, 0x40 + cc], size });
  }
  for (let cc = 0; cc < 16; cc++) forms.push({ name: `set${cc.toString(16)}`, op: [0x0f, 0x90 + cc], size: 1, digit: 0, readOnlyOk: true });
  return forms;
}

// ---- cases built by hand (no ModRM, or sequences) --------------------------------------------

function randomState(r: Prng): ReturnType<typeof makeState> {
  return makeState({ gpr: Array.from({ length: 16 }, () => r.operand(64)), rflags: r.flags() });
}
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
function imm(v: bigint, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
}
function sizePfx(size: Size, reg = 0): number[] {
  const rex = (size === 8 ? 8 : 0) | (reg >> 3);
  return [...(size === 2 ? [0x66] : []), ...(rex ? [0x40 | rex] : [])];
}
function randomPage(r: Prng): Uint8Array {
  const d = new Uint8Array(PAGE_SIZE);
  r.bytes(d);
  return d;
}

/** Accumulator-immediate, register-in-opcode and other ModRM-less forms. */
function plainCases(r: Prng, n: number): Case[] {
  const out: Case[] = [];
  const names = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
  for (let i = 0; i < n; i++) {
    for (let op = 0; op < 8; op++) {
      const undefinedFlags = LOGIC.includes(op) ? AF : 0n;
      out.push({ code: bytes(op * 8 + 4, r.int(256)), state: randomState(r), undefinedFlags, note: `${names[op]} al,ib` });
      const size = r.pick(SIZES_V);
      out.push({ code: bytes(...sizePfx(size), op * 8 + 5, ...imm(r.operand(32), size === 2 ? 2 : 4)), state: randomState(r), undefinedFlags, note: `${names[op]} rAX,iz` });
    }
    const size = r.pick(SIZES_ALL);
    out.push({ code: bytes(...sizePfx(size), size === 1 ? 0xa8 : 0xa9, ...imm(r.operand(32), size === 1 ? 1 : size === 2 ? 2 : 4)), state: randomState(r), undefinedFlags: AF, note: 'test acc,imm' });
    // mov r, imm (B0+r, B8+r incl. movabs), xchg r, rAX (90+r), bswap (0F C8+r)
    const reg = r.int(16);
    const rexB = reg >> 3;
    const b8 = r.bool();
    out.push({ code: bytes(...(b8 ? (rexB || r.bool() ? [0x40 | rexB] : []) : []), 0xb0 + (reg & 7), r.int(256)), state: randomState(r), note: 'mov r8,ib' });
    const vs = r.pick(SIZES_V);
    out.push({ code: bytes(...sizePfx(vs, reg), 0xb8 + (reg & 7), ...imm(r.operand(64), vs)), state: randomState(r), note: 'mov r,iv' });
    out.push({ code: bytes(...sizePfx(vs, reg), 0x90 + (reg & 7)), state: randomState(r), note: 'xchg r,rAX' });
    // bswap r16 is undefined by the SDM (skip it)
    const bs = r.pick([4, 8] as const);
    out.push({ code: bytes(...sizePfx(bs, reg), 0x0f, 0xc8 + (reg & 7)), state: randomState(r), note: 'bswap' });
    out.push({ code: bytes(...sizePfx(vs), 0x98), state: randomState(r), note: 'cbw/cwde/cdqe' });
    out.push({ code: bytes(...sizePfx(vs), 0x99), state: randomState(r), note: 'cwd/cdq/cqo' });
    // flag instructions
    for (const op of [0xf5, 0xf8, 0xf9, 0xfc, 0xfd, 0x9e, 0x9f]) {
      const s = randomState(r);
      s.rflags |= r.bool() ? DF : 0n;
      out.push({ code: bytes(op), state: s, note: `flag op ${op.toString(16)}` });
    }
  }
  return out;
}

/** A flag-setting instruction, then all 16 SETcc into [rdi+cc], ADC and SBB: the lazy flags. */
function lazyFlagCases(r: Prng, n: number): Case[] {
  const out: Case[] = [];
  // (bytes for "op rax-ish, rcx-ish" builders; registers 0..3 and 8..11 only, rdi is the pointer)
  const regsOk = [0, 1, 2, 3, 8, 9, 10, 11];
  for (let i = 0; i < n; i++) {
    const size = r.pick(SIZES_ALL);
    const a = r.pick(regsOk), b = r.pick(regsOk);
    const rex = (size === 8 ? 8 : 0) | ((b >> 3) << 2) | (a >> 3);
    const pre = [...(size === 2 ? [0x66] : []), ...(rex || size === 1 ? [0x40 | rex] : [])];
    const modrm = 0xc0 | ((b & 7) << 3) | (a & 7);
    const w = size === 1 ? 0 : 1;
    const kind = r.int(12);
    let first: number[];
    let undefinedFlags = 0n;
    if (kind < 8) { first = [...pre, kind * 8 + w, modrm]; if (LOGIC.includes(kind)) undefinedFlags = AF; }
    else if (kind === 8) first = [...pre, 0xfe + w, 0xc0 | (r.int(2) << 3) | (a & 7)]; // inc/dec
    else if (kind === 9) first = [...pre, 0xf6 + w, 0xd8 | (a & 7)]; // neg
    else if (kind === 10) { first = [...pre, 0x84 + w, modrm]; undefinedFlags = AF; } // test
    else first = [...pre, 0x0f, 0xc0 + w, modrm]; // xadd
    const setccs: number[] = [];
    for (let cc = 0; cc < 16; cc++) setccs.push(0x0f, 0x90 + cc, 0x47, cc);
    // adc r12, r13 and sbb r14, r15 read CF out of the lazy record as well
    const tail = [0x4d, 0x11, 0xec, 0x4d, 0x19, 0xfe];
    const s = randomState(r);
    const m = size === 8 ? (1n << 64n) - 1n : mask(size);
    s.gpr[a] = (s.gpr[a] & ~m) | r.operand(size * 8, false);
    s.gpr[b] = (s.gpr[b] & ~m) | r.operand(size * 8, false);
    if (r.int(4) === 0) s.gpr[b] = s.gpr[a];
    s.gpr[RDI] = DATA_ADDR + 64n;
    // SDM: AF after AND/OR/XOR/TEST is undefined, so SETcc never looks at it; only RFLAGS does.
    out.push({ code: bytes(...first, ...setccs, ...tail), state: s, undefinedFlags, note: `lazy flags after ${Buffer.from(first).toString('hex')}` });
  }
  return out;
}

/** PUSH POP LEAVE ENTER PUSHF POPF with rsp (and rbp) inside the data page. */
function stackCases(r: Prng, n: number): Case[] {
  const out: Case[] = [];
  const stackState = (): ReturnType<typeof makeState> => {
    const s = randomState(r);
    const k = r.int(16);
    s.gpr[RSP] = DATA_ADDR + BigInt(k === 0 ? r.int(16) : k === 1 ? PAGE_SIZE - r.int(16) : 256 + 8 * r.int(256) + (r.int(8) === 0 ? r.int(8) : 0));
    s.gpr[RBP] = DATA_ADDR + BigInt(r.int(8) === 0 ? r.int(PAGE_SIZE) : 512 + 8 * r.int(256));
    return s;
  };
  for (let i = 0; i < n; i++) {
    const reg = r.int(16);
    const p16 = r.int(4) === 0 ? [0x66] : [];
    const rexB = reg >> 3 ? [0x41] : r.int(8) === 0 ? [0x48] : [];
    const data = randomPage(r);
    out.push({ code: bytes(...p16, ...rexB, 0x50 + (reg & 7)), state: stackState(), data, note: 'push r' });
    out.push({ code: bytes(...p16, ...rexB, 0x58 + (reg & 7)), state: stackState(), data, note: 'pop r' });
    out.push({ code: bytes(...p16, 0x68, ...imm(r.operand(32), p16.length ? 2 : 4)), state: stackState(), data, note: 'push iz' });
    out.push({ code: bytes(...p16, 0x6a, r.int(256)), state: stackState(), data, note: 'push ib' });
    // push/pop [rsp+disp8] (the address uses rsp before the push, after the pop), and via rbx
    const disp = 8 * r.int(8);
    out.push({ code: bytes(...p16, 0xff, 0x74, 0x24, disp), state: stackState(), data, note: 'push [rsp+d]' });
    out.push({ code: bytes(...p16, 0x8f, 0x44, 0x24, disp), state: stackState(), data, note: 'pop [rsp+d]' });
    const sb = stackState();
    sb.gpr[RBX] = DATA_ADDR + BigInt(r.int(PAGE_SIZE));
    out.push({ code: bytes(...p16, 0x8f, 0x03), state: sb, data, note: 'pop [rbx]' });
    out.push({ code: bytes(...p16, 0xff, 0x33), state: sb, data, note: 'push [rbx]' });
    out.push({ code: bytes(...p16, ...(reg >> 3 ? [0x41] : []), 0x8f, 0xc0 + (reg & 7)), state: stackState(), data, note: 'pop r (8F)' });
    out.push({ code: bytes(...p16, 0xc9), state: stackState(), data, note: 'leave' });
    out.push({ code: bytes(...p16, 0xc8, ...imm(BigInt(r.int(64) * 8), 2), r.pick([0, 1, 2, 3, r.int(32)])), state: stackState(), data, note: 'enter' });
    out.push({ code: bytes(...p16, 0x9c), state: stackState(), data, note: 'pushf' });
    // popf: keep TF (single-step) and AC (alignment checks) out of the popped image
    const pd = data.slice();
    const ps = stackState();
    const off = Number(ps.gpr[RSP] - DATA_ADDR);
    if (off + 3 < PAGE_SIZE) { pd[off + 1] &= ~0x01; pd[off + 2] &= ~0x04; }
    out.push({ code: bytes(...p16, 0x9d), state: ps, data: pd, note: 'popf' });
  }
  return out;
}

/** MOVS STOS LODS SCAS CMPS, with and without REP/REPE/REPNE, both directions, 67. */
function stringCases(r: Prng, n: number): Case[] {
  const out: Case[] = [];
  const ops = [0xa4, 0xaa, 0xac, 0xae, 0xa6];
  for (let i = 0; i < n; i++) {
    const op = r.pick(ops) + r.int(2);
    const size: Size = op & 1 ? r.pick(SIZES_V) : 1;
    const rep = r.pick([[], [0xf3], [0xf2]]);
    const a32 = r.int(6) === 0 ? [0x67] : [];
    const s = randomState(r);
    s.rflags = r.flags(true);
    const data = randomPage(r);
    // Make SCAS/CMPS find equal runs now and then.
    if (r.bool()) data.fill(data[0], 0, r.int(PAGE_SIZE));
    const place = (): bigint => {
      const k = r.int(10);
      const off = k === 0 ? r.int(64) : k === 1 ? PAGE_SIZE - r.int(64) : 1024 + r.int(2048);
      return (a32.length ? r.u64() & ~0xffffffffn : 0n) | (DATA_ADDR + BigInt(off));
    };
    s.gpr[RSI] = place();
    s.gpr[RDI] = place();
    s.gpr[RCX] = (r.int(4) === 0 ? r.u64() & ~0xffffn : 0n) | BigInt(r.pick([0, 1, 2, 3, r.int(40), r.int(300)]));
    if (r.int(3) === 0) s.gpr[RAX] = BigInt(data[0]) * 0x0101010101010101n;
    out.push({ code: bytes(...a32, ...rep, ...sizePfx(size), op), state: s, data, note: `string ${op.toString(16)}` });
  }
  return out;
}

/**
 * REP MOVS / REP STOS upwards, aimed at the run fast path (cpu/ops/string.ts repRun): a
 * destination that starts just above its source (element propagation, rdi - rsi in 0..24 bytes,
 * both ways), runs that reach the end of the data page (a fault at the exact element, the
 * registers left mid-way), elements straddling the page end, read-only destinations, 67.
 */
function repRunCases(r: Prng, n: number): Case[] {
  const out: Case[] = [];
  for (let i = 0; i < n; i++) {
    const op = r.pick([0xa4, 0xa5, 0xaa, 0xab]);
    const size: Size = op & 1 ? r.pick(SIZES_V) : 1;
    const a32 = r.int(6) === 0 ? [0x67] : [];
    const s = randomState(r);
    s.rflags = r.flags(true) & ~DF;
    const data = randomPage(r);
    const k = r.int(4);
    const di = k === 0 ? PAGE_SIZE - r.int(80) : k === 1 ? r.int(PAGE_SIZE) : 512 + r.int(2048);
    const delta = r.int(3) === 0 ? r.int(2048) - 1024 : r.int(25) - (r.bool() ? 0 : 24);
    const si = Math.min(PAGE_SIZE - 1, Math.max(0, di - delta));
    const hi = a32.length ? r.u64() & ~0xffffffffn : 0n;
    s.gpr[RSI] = hi | (DATA_ADDR + BigInt(si));
    s.gpr[RDI] = hi | (DATA_ADDR + BigInt(di));
    s.gpr[RCX] = BigInt(r.pick([2, 3, 7, r.int(64), r.int(600), 4097 + r.int(100)]));
    out.push({ code: bytes(...a32, 0xf3, ...sizePfx(size), op), state: s, data, dataReadOnly: r.int(8) === 0, note: `rep ${op.toString(16)} rdi-rsi ${di - si}` });
  }
  return out;
}

/** Jcc, JMP, CALL, RET, LOOP*, JRCXZ: targets land on the int3 filler of the code page. */
function branchCases(r: Prng, n: number): Case[] {
  const out: Case[] = [];
  const stackState = (): ReturnType<typeof makeState> => {
    const s = randomState(r);
    s.gpr[RSP] = DATA_ADDR + 1024n + BigInt(8 * r.int(128));
    return s;
  };
  for (let i = 0; i < n; i++) {
    const cc = r.int(16);
    out.push({ code: bytes(0x70 + cc, r.int(100)), state: randomState(r), note: 'jcc rel8' });
    out.push({ code: bytes(0x0f, 0x80 + cc, ...imm(BigInt(r.int(1000)), 4)), state: randomState(r), note: 'jcc rel32' });
    // 66 on a near branch: Intel ignores it (wasl too), AMD truncates rip to 16 bits.
    const p66 = INTEL && r.int(4) === 0 ? [0x66] : [];
    out.push({ code: bytes(...p66, 0xeb, r.int(120)), state: randomState(r), note: 'jmp rel8' });
    out.push({ code: bytes(0xe9, ...imm(BigInt(r.int(2000)), 4)), state: randomState(r), note: 'jmp rel32' });
    out.push({ code: bytes(0xe8, ...imm(BigInt(r.int(2000)), 4)), state: stackState(), data: randomPage(r), note: 'call rel32' });
    const target = CODE_ADDR + BigInt(16 + r.int(2000));
    const cs = stackState();
    cs.gpr[RAX] = target;
    out.push({ code: bytes(0xff, 0xd0), state: cs, note: 'call rax' });
    out.push({ code: bytes(0xff, 0xe0), state: cs, note: 'jmp rax' });
    const ms = stackState();
    const md = randomPage(r);
    setMem(md, 64, 8, target);
    ms.gpr[RBX] = DATA_ADDR + 64n;
    out.push({ code: bytes(0xff, 0x13), state: ms, data: md, note: 'call [rbx]' });
    out.push({ code: bytes(0xff, 0x23), state: ms, data: md, note: 'jmp [rbx]' });
    const rs = stackState();
    const rd = randomPage(r);
    setMem(rd, Number(rs.gpr[RSP] - DATA_ADDR), 8, target);
    out.push({ code: bytes(0xc3), state: rs, data: rd, note: 'ret' });
    out.push({ code: bytes(0xc2, ...imm(BigInt(r.int(256)), 2)), state: rs, data: rd, note: 'ret iw' });
    for (const op of [0xe0, 0xe1, 0xe2, 0xe3]) {
      const ls = randomState(r);
      const a32 = r.int(4) === 0;
      ls.gpr[RCX] = (r.bool() ? r.u64() & ~0xffffffffn : 0n) | BigInt(r.pick([0, 1, 2, r.int(1000)])) | (a32 && r.bool() ? 0n : 0n);
      out.push({ code: bytes(...(a32 ? [0x67] : []), op, r.int(100)), state: ls, note: `loop ${op.toString(16)}` });
    }
  }
  return out;
}

// ---- the tests ---------------------------------------------------------------------------------

describe(SKIP ? `general-purpose instructions vs the host CPU (skipped: ${SKIP})` : 'general-purpose instructions vs the host CPU', () => {
  const t = SKIP ? test.skip : test;

  t('shifts and rotates: group 2 in every form', () => {
    proveForms(shiftForms(), rng(1), N, 'group 2');
  });
  t('shld / shrd', () => {
    proveForms(shiftDoubleForms(), rng(2), N * 2, 'shld/shrd');
  });
  t('mul / imul / div / idiv', () => {
    proveForms(mulDivForms(), rng(3), N * 2, 'mul/div');
  });
  t('divide errors are SIGFPE/FPE_INTDIV with nothing changed', () => {
    const cases: Case[] = [
      { code: bytes(0x48, 0xf7, 0xf1), state: regs({ rax: 5n, rdx: 0n, rcx: 0n }), undefinedFlags: DIV_UNDEF },           // div rcx, 0
      { code: bytes(0x48, 0xf7, 0xf1), state: regs({ rax: 5n, rdx: 7n, rcx: 7n }), undefinedFlags: DIV_UNDEF },           // quotient 2^64+
      { code: bytes(0x48, 0xf7, 0xf9), state: regs({ rax: 1n << 63n, rdx: -1n, rcx: -1n }), undefinedFlags: DIV_UNDEF },  // INT64_MIN / -1
      { code: bytes(0xf7, 0xf9), state: regs({ rax: 0x80000000n, rdx: 0xffffffffn, rcx: 0xffffffffn }), undefinedFlags: DIV_UNDEF },
      { code: bytes(0xf6, 0xf9), state: regs({ rax: 0x8000n, rcx: 0xffn }), undefinedFlags: DIV_UNDEF },                  // -32768 / -1
      { code: bytes(0xf6, 0x33), state: regs({ rax: 0x1234n, rbx: DATA_ADDR }), data: bytes(0), undefinedFlags: DIV_UNDEF }, // div byte [rbx]=0
    ];
    const fails = check(cases);
    expect(formatFailures(fails)).toBe('');
    const w = runWasl(cases);
    for (const res of w) { expect(res.signal).toBe(SIGFPE); expect(res.siCode).toBe(FPE_INTDIV); expect(res.rip).toBe(CODE_ADDR); }
    total += cases.length;
  });
  t('read-modify-write on a read-only page faults as a write even when nothing would change', () => {
    const at = { rax: DATA_ADDR + 16n, rcx: 0n, rdx: 0n, rbx: 0n };
    const data = bytes(...new Array(32).fill(0xff));
    const cases: Case[] = [
      [0xc1, 0x20, 0x00],             // shl dword [rax], 0
      [0xd3, 0x20],                   // shl dword [rax], cl (cl = 0)
      [0x48, 0xc1, 0x00, 0x40],       // rol qword [rax], 64 (masked to 0)
      [0x0f, 0xa4, 0x08, 0x00],       // shld [rax], ecx, 0
      [0x0f, 0xba, 0x28, 0x03],       // bts dword [rax], 3 (already set)
      [0x0f, 0xc7, 0x08],             // cmpxchg8b [rax] (comparison fails)
      [0x0f, 0xb1, 0x08],             // cmpxchg [rax], ecx (comparison fails)
      [0x83, 0x08, 0x00],             // or dword [rax], 0
      [0x0f, 0x38, 0xf1, 0x08],       // movbe [rax], ecx
    ].map((b) => ({ code: new Uint8Array(b), state: regs(at), data, dataReadOnly: true, undefinedFlags: AF | OF }));
    expect(formatFailures(check(cases))).toBe('');
    for (const res of runWasl(cases)) { expect(res.signal).toBe(SIGSEGV); expect(res.siCode).toBe(2); }
    total += cases.length;
  });
  t('128-by-64 division at the edges of its quotient-digit estimates', () => {
    // Divisors whose normalized top half makes the estimate overshoot; dividends just under the
    // overflow limit (hi = d - 1) and with all-ones / all-zeros low halves.
    const ds = [1n, 2n, 3n, 0xffffffffn, 0x100000000n, 0x100000001n, 0x7fffffffffffffffn, 0x8000000000000000n,
      0x8000000000000001n, 0xffffffff00000000n, 0xffffffff00000001n, 0xfffffffffffffffen, 0xffffffffffffffffn,
      0x80000000ffffffffn, 0x00000001fffffffen, 0x123456789abcdef1n];
    const cases: Case[] = [];
    for (const d of ds) {
      for (const hi of [0n, 1n, d - 1n, d >> 1n, (d >> 1n) + 1n]) {
        for (const lo of [0n, 1n, 0xffffffffffffffffn, 0x8000000000000000n, 0xffffffff00000000n]) {
          if (hi >= d) continue;
          cases.push({ code: bytes(0x48, 0xf7, 0xf1), state: regs({ rax: lo, rdx: hi, rcx: d }), undefinedFlags: DIV_UNDEF, note: 'div rcx' });
          // idiv: the same bits read as signed (many of these overflow: #DE is compared too)
          cases.push({ code: bytes(0x48, 0xf7, 0xf9), state: regs({ rax: lo, rdx: hi, rcx: d }), undefinedFlags: DIV_UNDEF, note: 'idiv rcx' });
          cases.push({ code: bytes(0x48, 0xf7, 0xf9), state: regs({ rax: BigInt.asUintN(64, -lo), rdx: BigInt.asUintN(64, ~hi), rcx: BigInt.asUintN(64, -d) }), undefinedFlags: DIV_UNDEF, note: 'idiv rcx (negated)' });
        }
      }
    }
    prove(cases, 'wide division');
  });
  t('bt / bts / btr / btc, bsf / bsr (and F3/F2 forms), popcnt, movbe, cmpxchg8b/16b', () => {
    proveForms(bitForms(), rng(4), N, 'bit');
  });
  t('encodings that must stay #UD: F3 0F 38 F0/F1, register movbe, register cmpxchg8b, 0F B8', () => {
    const s = randomState(rng(5));
    const cases: Case[] = [
      [0xf3, 0x0f, 0x38, 0xf0, 0x03], [0xf3, 0x0f, 0x38, 0xf1, 0x03], [0x0f, 0x38, 0xf0, 0xc3], [0x0f, 0x38, 0xf1, 0xc3],
      [0x0f, 0xc7, 0xc9], [0x48, 0x0f, 0xc7, 0xc9], [0x0f, 0xb8, 0xc1], [0x66, 0x0f, 0xb8, 0xc1],
    ].map((b) => ({ code: new Uint8Array(b), state: regs({ rbx: DATA_ADDR }, 0n, s) }));
    const fails = check(cases);
    expect(formatFailures(fails)).toBe('');
    for (const res of runWasl(cases)) expect(res.signal).toBe(SIGILL);
    // cmpxchg16b on a misaligned operand: #GP → SIGSEGV/SI_KERNEL
    const gp: Case = { code: bytes(0x48, 0x0f, 0xc7, 0x0b), state: regs({ rbx: DATA_ADDR + 8n }) };
    expect(formatFailures(check([gp]))).toBe('');
    expect(runWasl([gp])[0].signal).toBe(SIGSEGV);
    expect(runWasl([gp])[0].siCode).toBe(SI_KERNEL);
    total += cases.length + 1;
  });
  t('ALU: add or adc sbb and sub xor cmp test not neg inc dec xadd cmpxchg', () => {
    proveForms(aluForms(), rng(6), Math.ceil(N / 3), 'alu');
    prove(plainCases(rng(7), N), 'alu (plain forms)');
  });
  t('lazy flags read back by setcc, adc, sbb', () => {
    prove(lazyFlagCases(rng(8), N * 10), 'lazy flags');
  });
  t('MOV family: mov movzx movsx movsxd lea xchg cmovcc setcc bswap cbw cwd', () => {
    proveForms(movForms(), rng(9), Math.ceil(N / 3), 'mov');
  });
  t('stack: push pop leave enter pushf popf', () => {
    prove(stackCases(rng(10), Math.ceil(N / 2)), 'stack');
  });
  t('strings: movs stos lods scas cmps with rep prefixes', () => {
    prove(stringCases(rng(11), N * 4), 'string');
  });
  t('rep movs / rep stos runs: overlap, page ends, read-only destinations', () => {
    prove(repRunCases(rng(21), N), 'rep runs');
  });
  t('fast forms (cpu/decode/decoder.ts runFast): every case run twice, the second time from the cache', () => {
    const cases = [...genCases(aluForms(), rng(22), Math.ceil(N / 12)), ...genCases(movForms(), rng(23), Math.ceil(N / 12)), ...branchCases(rng(24), N),
      ...genCases(shiftForms(), rng(25), Math.ceil(N / 12)), ...plainCases(rng(26), Math.ceil(N / 4))];
    prove(cases.flatMap((c) => [c, c]), 'fast forms');
  });
  t('branches: jcc jmp call ret loop jrcxz', () => {
    prove(branchCases(rng(12), N), 'branch');
  });
  t('CPUID reports what is proven here: CX8, CX16, MOVBE, POPCNT; not BMI1, LZCNT', () => {
    const res = runWasl([
      { code: bytes(0x0f, 0xa2), state: regs({ rax: 1n }) },
      { code: bytes(0x0f, 0xa2), state: regs({ rax: 7n, rcx: 0n }) },
      { code: bytes(0x0f, 0xa2), state: regs({ rax: 0x80000001n }) },
    ]);
    const ecx1 = res[0].gpr[RCX], edx1 = res[0].gpr[RDX];
    expect(ecx1 & (1n << 13n)).not.toBe(0n); // CX16
    expect(ecx1 & (1n << 22n)).not.toBe(0n); // MOVBE
    expect(ecx1 & (1n << 23n)).not.toBe(0n); // POPCNT
    expect(edx1 & (1n << 8n)).not.toBe(0n);  // CX8
    expect(res[1].gpr[RBX] & (1n << 3n)).toBe(0n); // leaf 7 EBX.BMI1
    expect(res[2].gpr[RCX] & (1n << 5n)).toBe(0n); // 80000001h ECX.LZCNT (ABM)
  });
  test.runIf(!SKIP)('summary', () => { console.log(`gpr.test: ${total} host-checked cases, seed ${SEED}`); });
});

