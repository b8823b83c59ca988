// Decoder test (issue #2), with the host's objdump as the oracle: every instruction `objdump -d`
// finds in real static binaries — a musl-gcc and a gcc hello built here, and Debian's
// busybox-static — is decoded by the core's decodeOne() from the same bytes at the same address.
// Where the opcode table defines the encoding (cpu/gen/opcodes.json: map, opcode, mandatory prefix,
// ModRM digit, mod) the length must equal objdump's and the table's mnemonic must name objdump's
// (the normalization is NAMES below); everything else counts as not yet implemented and is
// reported as coverage. Each implemented instruction is also decoded split over two mapped pages,
// ending at the last mapped byte, and running one byte past it (#PF). Synthetic variants of every
// table row cover prefixes and addressing forms compilers rarely emit; a few cases objdump cannot
// judge are checked by hand.

import { test, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as L from '../cpu/shared/layout.js';
import * as X from '../cpu/shared/exit.js';
import { Core } from '../lxcore/kernel/core.js';
import { FrameAllocator, PageTable } from '../lxcore/mm/pagetable.js';

// ---- the opcode table as data -------------------------------------------------------------
type Prefix = 'NP' | '66' | 'F3' | 'F2';
interface Row {
  tbl: string; opcode: string; map: number; bytes: number[]; prefix: Prefix | null;
  modrm: boolean; digit: number | null; mod: 'reg' | 'mem' | null; mnemonic: string;
}
const ROWS: Row[] = JSON.parse(readFileSync(new URL('../cpu/gen/opcodes.json', import.meta.url), 'utf8')).rows;
const ROWS_BY_INDEX = new Map<number, Row[]>();
for (const r of ROWS) {
  for (const b of r.bytes) {
    const index = (r.map << 8) | b;
    ROWS_BY_INDEX.set(index, [...(ROWS_BY_INDEX.get(index) ?? []), r]);
  }
}

// ---- an instruction's shape: prefixes, REX, opcode map and byte, ModRM (SDM vol. 2 §2.1–2.2) --
// Written independently of cpu/decode/decoder.ts: it is the oracle for the opcode index.
interface Shape {
  simd: Prefix;   // mandatory-prefix class: the last of F2/F3, else 66, else none
  p66: boolean;
  p67: boolean;
  rex: number;    // the REX byte right before the opcode, or 0 (an earlier one is ignored)
  index: number;  // map << 8 | opcode byte (map 1 = 0F, 2 = 0F 38, 3 = 0F 3A)
  modrm: number;  // the byte after the opcode (the ModRM byte if the opcode has one), or -1
}
const LEGACY = new Set([0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]);

function shapeOf(b: Uint8Array): Shape {
  let i = 0, simd: Prefix = 'NP', p66 = false, p67 = false, rex = 0;
  for (; i < b.length; i++) {
    const x = b[i];
    if (x >= 0x40 && x <= 0x4f) { rex = x; continue; }
    if (!LEGACY.has(x)) break;
    rex = 0;
    if (x === 0x66) { p66 = true; if (simd === 'NP') simd = '66'; }
    else if (x === 0x67) p67 = true;
    else if (x === 0xf2) simd = 'F2';
    else if (x === 0xf3) simd = 'F3';
  }
  let index = b[i++];
  if (index === 0x0f) {
    const b2 = b[i++];
    index = b2 === 0x38 ? 0x200 | b[i++] : b2 === 0x3a ? 0x300 | b[i++] : 0x100 | b2;
  }
  return { simd, p66, p67, rex, index, modrm: i < b.length ? b[i] : -1 };
}

/** The row dispatch() runs for this instruction, by tools/gen-dispatch.mjs's rules; null = #UD. */
function rowFor(s: Shape): Row | null {
  let rs = ROWS_BY_INDEX.get(s.index);
  if (!rs) return null;
  // A row without a prefix is the NP row once any row of the opcode names a prefix.
  if (rs.some((r) => r.prefix !== null)) rs = rs.filter((r) => (r.prefix ?? 'NP') === s.simd);
  if (rs.length && rs[0].modrm) {
    if (s.modrm < 0) return null;
    const reg = (s.modrm >> 3) & 7, isReg = s.modrm >> 6 === 3;
    if (rs.some((r) => r.digit !== null)) rs = rs.filter((r) => r.digit === reg);
    rs = rs.filter((r) => r.mod === null || (r.mod === 'reg') === isReg);
  }
  return rs[0] ?? null;
}

// ---- mnemonics: objdump's, and the names the table's mnemonic stands for -----------------
// Prefixes objdump prints as words before the mnemonic (Intel syntax puts segment overrides of
// memory operands inside the operand, so "cs"/"ds"/… here are prefixes on operand-less forms).
const PREFIX_WORD = /^(lock|rep|repz|repe|repnz|repne|data16|data32|addr16|addr32|cs|ds|es|ss|fs|gs|notrack|bnd|xacquire|xrelease|rex(\.[WRXB]+)?)$/;

function objdumpMnemonic(text: string): string {
  for (const w of text.split(/\s+/)) if (w && !PREFIX_WORD.test(w)) return canon(w);
  return text;
}

// Condition codes in encoding order (the low nibble of Jcc, SETcc, CMOVcc), and the SDM's other
// names for the same conditions: whichever spelling either side uses, compare the first one.
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const CC_ALIAS: Record<string, string> = {
  c: 'b', nae: 'b', nb: 'ae', nc: 'ae', z: 'e', nz: 'ne', na: 'be', nbe: 'a',
  pe: 'p', po: 'np', nge: 'l', nl: 'ge', ng: 'le', nle: 'g',
};
function canon(name: string): string {
  const m = /^(j|set|cmov)([a-z]+)$/.exec(name);
  return m && m[2] in CC_ALIAS ? m[1] + CC_ALIAS[m[2]] : name;
}

const PREDICATE = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];
const opsize = (s: Shape): number => (s.rex & 8 ? 8 : s.p66 ? 2 : 4);
const isRegForm = (s: Shape): boolean => s.modrm >> 6 === 3;
const digitOf = (s: Shape): number => (s.modrm >> 3) & 7;

/**
 * Where the table's mnemonic and objdump's differ for the same encoding: the objdump name(s) a
 * table mnemonic stands for, given the instruction (null = any name; only the length is checked).
 * Every other mnemonic must be equal to objdump's (after canon()).
 */
interface Alias { why: string; names: (s: Shape, b: Uint8Array) => string | string[] | null }
const NAMES: Record<string, Alias> = {
  jcc: {
    why: 'one row per range (70+cc, 0F 80+cc) covers the 16 conditions; objdump names each',
    names: (s) => 'j' + CC[s.index & 15],
  },
  group7: {
    why: '0F 01 register forms are a group opGroup7Reg decodes by the whole ModRM byte (xgetbv, rdtscp, xtest, …): the row names no one instruction',
    names: () => null,
  },
  'movd/movq': {
    why: '66 0F 6E/7E is movd, or movq with REX.W: one row',
    names: (s) => (s.rex & 8 ? 'movq' : 'movd'),
  },
  pcmpestri: {
    why: 'binutils marks the REX.W forms of PCMPESTRI/PCMPESTRM (64-bit lengths in rax/rdx) with q',
    names: (s) => (s.rex & 8 ? 'pcmpestriq' : 'pcmpestri'),
  },
  pcmpestrm: {
    why: 'as pcmpestri',
    names: (s) => (s.rex & 8 ? 'pcmpestrmq' : 'pcmpestrm'),
  },
  'pextrd/pextrq': {
    why: '66 0F 3A 16 is pextrd, or pextrq with REX.W: one row (opPextrEyVxIb)',
    names: (s) => (s.rex & 8 ? 'pextrq' : 'pextrd'),
  },
  'pinsrd/pinsrq': {
    why: '66 0F 3A 22 is pinsrd, or pinsrq with REX.W: one row (opPinsrVxEyIb)',
    names: (s) => (s.rex & 8 ? 'pinsrq' : 'pinsrd'),
  },
  mov: {
    why: 'binutils calls B8+r with REX.W (a 64-bit immediate) and A0-A3 with a 64-bit address (no 67) "movabs"',
    names: (s) => ((s.index >> 3 === 0xb8 >> 3 && s.rex & 8) || (s.index >= 0xa0 && s.index <= 0xa3 && !s.p67) ? 'movabs' : 'mov'),
  },
  cbw: {
    why: '98 is cbw, cwde or cdqe by operand size (opCbw)',
    names: (s) => ({ 2: 'cbw', 4: 'cwde', 8: 'cdqe' })[opsize(s)]!,
  },
  cwd: {
    why: '99 is cwd, cdq or cqo by operand size (opCwd)',
    names: (s) => ({ 2: 'cwd', 4: 'cdq', 8: 'cqo' })[opsize(s)]!,
  },
  cmpxchg8b: {
    why: '0F C7 /1 with REX.W is cmpxchg16b, which opCmpxchg8bM implements',
    names: (s) => (s.rex & 8 ? 'cmpxchg16b' : 'cmpxchg8b'),
  },
  xchg: {
    why: '90 without REX.B is nop (opXchgZvAX leaves rAX alone; 66 90 prints as "xchg ax,ax"), and F3 90 is pause, a spin hint with no architectural effect',
    names: (s) => ((s.index & ~7) !== 0x90 || (s.index & 7) !== 0 || s.rex & 1 ? 'xchg'
      : s.simd === 'F3' ? 'pause' : s.p66 ? 'xchg' : 'nop'),
  },
  jrcxz: {
    why: 'with 67 the counter is ecx (opJrcxz): jecxz',
    names: (s) => (s.p67 ? 'jecxz' : 'jrcxz'),
  },
  push: {
    why: 'binutils marks the 16-bit immediate push (66 68/6A, unless REX.W makes it 64-bit) pushw: the immediate alone does not show the size',
    names: (s) => (opsize(s) === 2 && (s.index === 0x68 || s.index === 0x6a) ? 'pushw' : 'push'),
  },
  nop: {
    why: 'hints in the reserved-NOP space, NOPs on CPUs without the feature (as wasl reports): 0F 1A/1B are MPX (bndldx, bndmov, bndcl, bndcu / bndstx, bndmov, bndmk, bndcn), NP 0F 1C /0 (memory) is cldemote',
    names: (s) => (s.index === 0x11a ? ['nop', 'bndldx', 'bndmov', 'bndcl', 'bndcu']
      : s.index === 0x11b ? ['nop', 'bndstx', 'bndmov', 'bndmk', 'bndcn']
      : s.index === 0x11c && s.simd === 'NP' && !isRegForm(s) && digitOf(s) === 0 ? 'cldemote' : 'nop'),
  },
  sal: {
    why: 'group 2 /6 is an undocumented alias of /4, which binutils prints as shl',
    names: () => 'shl',
  },
  leave: { why: 'binutils marks the 16-bit operand-size forms (66) with w; the handlers use d_opsize', names: (s) => (opsize(s) === 2 ? 'leavew' : 'leave') },
  enter: { why: 'as leave', names: (s) => (opsize(s) === 2 ? 'enterw' : 'enter') },
  pushf: { why: 'as leave', names: (s) => (opsize(s) === 2 ? 'pushfw' : 'pushf') },
  popf: { why: 'as leave', names: (s) => (opsize(s) === 2 ? 'popfw' : 'popf') },
  movsb: { why: 'Intel syntax gives the size by the operand (BYTE PTR)', names: () => 'movs' },
  cmpsb: { why: 'as movsb', names: () => 'cmps' },
  stosb: { why: 'as movsb', names: () => 'stos' },
  lodsb: { why: 'as movsb', names: () => 'lods' },
  scasb: { why: 'as movsb', names: () => 'scas' },
  bsf: {
    why: 'F3 0F BC is tzcnt on BMI1 CPUs; wasl reports no BMI1 and runs it as bsf, as older CPUs do (bit.tbl)',
    names: (s) => (s.simd === 'F3' ? 'tzcnt' : 'bsf'),
  },
  bsr: {
    why: 'F3 0F BD is lzcnt with CPUID LZCNT; wasl reports none and runs it as bsr (bit.tbl)',
    names: (s) => (s.simd === 'F3' ? 'lzcnt' : 'bsr'),
  },
  endbr64: {
    why: '0F 1E is reserved-NOP space: F3 0F 1E FA/FB are endbr64/32 and F3 0F 1E /1 (register) rdsspd/q, all NOPs without CET (SDM vol. 1 ch. 18); objdump calls the rest nop',
    names: (s) => (s.simd !== 'F3' ? 'nop' : s.modrm === 0xfa ? 'endbr64' : s.modrm === 0xfb ? 'endbr32'
      : isRegForm(s) && digitOf(s) === 1 ? (s.rex & 8 ? 'rdsspq' : 'rdsspd') : 'nop'),
  },
  prefetch: {
    why: '0F 18 memory forms /0–/3 are prefetchnta, prefetcht0–t2, /7 and /6 RIP-relative prefetchit0/1 (NOPs without PREFETCHI); the rest are reserved NOPs',
    names: (s) => (isRegForm(s) ? 'nop' : digitOf(s) < 4 ? ['prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2'][digitOf(s)]
      : digitOf(s) >= 6 && (s.modrm & 0xc7) === 0x05 ? (digitOf(s) === 7 ? 'prefetchit0' : 'prefetchit1') : 'nop'),
  },
  prefetchw: {
    why: '0F 0D memory forms: /1 prefetchw, /2 prefetchwt1, the others AMD\'s prefetch; register forms are NOPs',
    names: (s) => (isRegForm(s) ? 'nop' : digitOf(s) === 1 ? 'prefetchw' : digitOf(s) === 2 ? 'prefetchwt1' : 'prefetch'),
  },
};
// x87 (x87.tbl): the register forms D9 /4../7 and DB /4 are chosen by the whole ModRM byte, one
// row per ModRM.reg naming them all; binutils marks the 16-bit images (66) and REX.W FXSAVE.
const X87_BY_MODRM: Record<string, string[]> = {
  'fchs/fabs/ftst/fxam': ['fchs', 'fabs', '', '', 'ftst', 'fxam', '', ''],
  'fld1/fldl2t/fldl2e/fldpi/fldlg2/fldln2/fldz': ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz', ''],
  'f2xm1/fyl2x/fptan/fpatan/fxtract/fprem1/fdecstp/fincstp': ['f2xm1', 'fyl2x', 'fptan', 'fpatan', 'fxtract', 'fprem1', 'fdecstp', 'fincstp'],
  'fprem/fyl2xp1/fsqrt/fsincos/frndint/fscale/fsin/fcos': ['fprem', 'fyl2xp1', 'fsqrt', 'fsincos', 'frndint', 'fscale', 'fsin', 'fcos'],
  'fnclex/fninit': ['', '', 'fnclex', 'fninit', '', '', '', ''],
};
for (const [row, names] of Object.entries(X87_BY_MODRM)) {
  NAMES[row] = { why: 'one row per ModRM.reg for register forms the handler selects by ModRM (x87.tbl)', names: (s) => names[s.modrm & 7] || null };
}
for (const m of ['fldenv', 'fnstenv', 'frstor', 'fnsave']) NAMES[m] = { why: '66: the 16-bit image', names: (s) => (s.p66 ? m + 'w' : m) };
for (const m of ['fxsave', 'fxrstor', 'xsave', 'xrstor', 'xsaveopt', 'xsavec', 'xsaves', 'xrstors']) NAMES[m] = { why: 'REX.W: the 64-bit pointer format', names: (s) => (s.rex & 8 ? m + '64' : m) };
// cmpps/cmppd/cmpss/cmpsd: binutils prints predicates 0–7 (the imm8) as the SDM's pseudo-ops.
for (const t of ['ps', 'pd', 'ss', 'sd']) {
  NAMES['cmp' + t] = {
    why: 'predicates 0–7 print as the pseudo-ops cmpeq' + t + ' … cmpord' + t,
    names: (_s, b) => (b[b.length - 1] < 8 ? 'cmp' + PREDICATE[b[b.length - 1]] + t : 'cmp' + t),
  };
}

/** The objdump names the table row stands for here (null = any). */
function tableNames(row: Row, s: Shape, b: Uint8Array): string[] | null {
  const alias = NAMES[row.mnemonic];
  const n = alias ? alias.names(s, b) : canon(row.mnemonic);
  return n === null ? null : Array.isArray(n) ? n : [n];
}

// ---- objdump ------------------------------------------------------------------------------
interface Insn { addr: number; bytes: Uint8Array; text: string }

/**
 * Every instruction objdump shows in `path` (default -d: the executable sections of an ELF), and
 * how many it could not decode ("(bad)": no length to compare). -M intel64: where Intel64 and
 * AMD64 differ (66 on near branches: ignored, not rel16), wasl decodes as Intel does (DI_F64).
 */
function disassemble(path: string, how = ['-d']): { insns: Insn[]; bad: number } {
  const out = execFileSync('objdump', [...how, '-M', 'intel,intel64', '-w', path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const insns: Insn[] = [];
  let bad = 0;
  // "  401000:\t48 83 ec 08          \tsub    rsp,0x8" (-w: all bytes on one line)
  const line = /^ *([0-9a-f]+):\t([0-9a-f]{2}(?: [0-9a-f]{2})*) *\t(.*)$/;
  for (const l of out.split('\n')) {
    const m = line.exec(l);
    if (!m) continue;
    const text = m[3].replace(/\s+#.*$/, '').replace(/\s+/g, ' ');
    // Prefixes alone on a line: objdump gave up on them (a REX followed by a legacy prefix) and
    // decodes what follows as a new instruction that has lost them; not an oracle either.
    if (text.includes('(bad)') || text.split(' ').every((w) => PREFIX_WORD.test(w))) { bad++; continue; }
    insns.push({ addr: parseInt(m[1], 16), bytes: Uint8Array.from(m[2].split(' '), (h) => parseInt(h, 16)), text });
  }
  return { insns, bad };
}

// ---- guest memory -------------------------------------------------------------------------
const PAGE = L.PAGE_SIZE;
// Scratch pages for the page-boundary checks, far above any binary's text: SPLIT and SPLIT+1 page
// are both mapped; EDGE is mapped and EDGE+1 page is not.
const SPLIT = 0x7f0000000000;
const EDGE = 0x7f0000010000;

class Guest {
  readonly core = new Core();
  private readonly frames = new FrameAllocator(this.core);
  private readonly pt = new PageTable(this.frames);
  private readonly pages = new Map<number, number>(); // page va → frame

  constructor() {
    this.core.ptRoot = this.pt.root;
    for (const va of [SPLIT, SPLIT + PAGE, EDGE]) this.frame(va);
  }

  private frame(va: number): number {
    const page = va - (va % PAGE);
    let f = this.pages.get(page);
    if (f === undefined) {
      f = this.frames.allocFrame();
      this.pt.set(page, f | L.PTE_R | L.PTE_X);
      this.pages.set(page, f);
      this.core.exports.tlbFlushAll();
    }
    return f;
  }

  write(va: number, bytes: Uint8Array): void {
    for (let k = 0; k < bytes.length; k++) {
      const f = this.frame(va + k); // may grow memory: take the view afterwards
      this.core.u8[f + ((va + k) % PAGE)] = bytes[k];
    }
  }

  /** decodeOne() at va: the length and opcode index, or null if fetching faulted. */
  decode(va: number): { len: number; index: number } | null {
    this.core.rip = va;
    const r = this.core.exports.decodeOne();
    return r < 0 ? null : { len: r >>> 16, index: r & 0xffff };
  }

  get exitReason(): number { return this.core.i32[(L.STATE + L.EXIT_REASON) >> 2]; }
}

// ---- one binary ---------------------------------------------------------------------------
interface Report {
  name: string; total: number; bad: number; implemented: number; agreed: number; unimplemented: number;
  missing: Map<string, number>; failures: string[];
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

function checkBinary(name: string, path: string): Report {
  const { insns, bad } = disassemble(path);
  return checkInsns(name, insns, bad);
}

function checkInsns(name: string, insns: Insn[], bad: number): Report {
  const g = new Guest();
  for (const i of insns) g.write(i.addr, i.bytes); // all bytes first: decoding may read ahead
  const r: Report = { name, total: insns.length, bad, implemented: 0, agreed: 0, unimplemented: 0, missing: new Map(), failures: [] };
  const fail = (i: Insn, what: string, ours: string): void => {
    r.failures.push(`${i.addr.toString(16)}: ${hex(i.bytes)}  objdump "${i.text}"  ${what}: ${ours}`);
  };

  for (const i of insns) {
    const s = shapeOf(i.bytes);
    const row = rowFor(s);
    const theirs = objdumpMnemonic(i.text);
    if (!row) {
      r.unimplemented++;
      r.missing.set(theirs, (r.missing.get(theirs) ?? 0) + 1);
      continue;
    }
    r.implemented++;
    const len = i.bytes.length;
    const d = g.decode(i.addr);
    const names = tableNames(row, s, i.bytes);
    const before = r.failures.length;
    if (!d) fail(i, 'decodeOne', `faulted (exit ${X.EXIT_NAMES[g.exitReason]})`);
    else if (d.index !== s.index) fail(i, 'opcode index', `0x${d.index.toString(16)}, expected 0x${s.index.toString(16)}`);
    else if (d.len !== len) fail(i, 'length', `${d.len}, objdump ${len}`);
    if (names && !names.includes(theirs)) fail(i, 'mnemonic', `table ${row.tbl} "${row.mnemonic}" → ${names.join('/')}`);

    // Page boundaries: split at a deterministic point over two mapped pages; ending exactly at
    // the end of the last mapped page; one byte past it (#PF at the first unmapped byte).
    if (len > 1) {
      const at = SPLIT + PAGE - 1 - (i.addr % (len - 1));
      g.write(at, i.bytes);
      const sp = g.decode(at);
      if (sp?.len !== len) fail(i, `split at byte ${SPLIT + PAGE - at}`, sp ? `length ${sp.len}` : 'faulted');
    }
    g.write(EDGE + PAGE - len, i.bytes);
    const end = g.decode(EDGE + PAGE - len);
    if (end?.len !== len) fail(i, 'ending at the last mapped byte', end ? `length ${end.len}` : 'faulted');
    g.write(EDGE + PAGE - len + 1, i.bytes.subarray(0, len - 1));
    const past = g.decode(EDGE + PAGE - len + 1);
    if (past || g.exitReason !== X.EXIT_PAGE_FAULT || g.core.faultAddr !== EDGE + PAGE) {
      fail(i, 'running one byte past the last mapped page', past ? `decoded, length ${past.len}`
        : `${X.EXIT_NAMES[g.exitReason]} at 0x${g.core.faultAddr.toString(16)}`);
    }
    if (r.failures.length === before) r.agreed++;
  }
  return r;
}

function print(r: Report): void {
  const pct = (n: number): string => `${((100 * n) / r.total).toFixed(1)}%`;
  const top = [...r.missing].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
  console.log([
    `${r.name}: ${r.total} instructions; ${r.implemented} (${pct(r.implemented)}) defined by the table, ` +
      `${r.agreed} agree with objdump, ${r.failures.length} disagreements; ${r.unimplemented} (${pct(r.unimplemented)}) not yet implemented` +
      (r.bad ? `; ${r.bad} more objdump could not decode` : ''),
    ...(top.length ? [`  top unimplemented: ${top.map(([m, n]) => `${m} ${n}`).join(', ')}`] : []),
    ...r.failures.slice(0, 40).map((f) => '  FAIL ' + f),
  ].join('\n'));
}

// ---- the binaries -------------------------------------------------------------------------
const HELLO = `#include <stdio.h>
int main(int argc, char **argv) { printf("hello, %s %d\\n", argv[0], argc); return 0; }
`;
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const BUSYBOX = '/bin/busybox';
const missingTools = ['objdump', 'gcc', 'musl-gcc'].filter((t) => !has(t));
let dir = '';

beforeAll(() => {
  if (missingTools.length) return;
  dir = mkdtempSync(join(tmpdir(), 'wasl-decoder-'));
  writeFileSync(join(dir, 'hello.c'), HELLO);
  execFileSync('musl-gcc', ['-static', '-O2', '-o', join(dir, 'hello-musl'), join(dir, 'hello.c')]);
  execFileSync('gcc', ['-static', '-O2', '-o', join(dir, 'hello-glibc'), join(dir, 'hello.c')]);
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

// Missing host tools skip a test with the reason in its name.
const needTools = missingTools.length ? `needs ${missingTools.join(', ')} on the host` : '';
const checked = (name: string, skip: string, fn: () => void): void =>
  skip ? test.skip(`${name} — skipped: ${skip}`, fn) : test(name, fn);

function checkAndPrint(name: string, path: string): void {
  const r = checkBinary(name, path);
  print(r);
  expect(r.failures.slice(0, 40)).toEqual([]);
}

checked('musl-gcc -static -O2 hello: lengths and mnemonics agree with objdump', needTools,
  () => checkAndPrint('musl hello', join(dir, 'hello-musl')));
checked('gcc -static -O2 hello (glibc): lengths and mnemonics agree with objdump', needTools,
  () => checkAndPrint('glibc hello', join(dir, 'hello-glibc')));
// Debian's busybox-static (apt-get install busybox-static) puts a static busybox at /bin/busybox.
checked('busybox: lengths and mnemonics agree with objdump',
  needTools || (existsSync(BUSYBOX) ? '' : "no /bin/busybox (install Debian's busybox-static)"),
  () => checkAndPrint('busybox', BUSYBOX));

// What objdump cannot judge (it prints a REX followed by a legacy prefix as an instruction of its
// own), by hand from SDM vol. 2 §2.2.1: only a REX right before the opcode counts.
test('a REX not right before the opcode is ignored; the 15-byte limit', () => {
  const g = new Guest();
  const at = SPLIT + 0x100;
  const decode = (...b: number[]): ReturnType<Guest['decode']> => { g.write(at, Uint8Array.from(b)); return g.decode(at); };
  expect(decode(0x48, 0x66, 0x05, 0x34, 0x12)).toEqual({ len: 5, index: 0x05 });             // add ax, imm16
  expect(decode(0x66, 0x48, 0x05, 0x34, 0x12, 0, 0)).toEqual({ len: 7, index: 0x05 });       // add rax, imm32
  expect(decode(0x48, 0x40, 0xb8, 1, 2, 3, 4)).toEqual({ len: 7, index: 0xb8 });             // the last REX wins
  expect(decode(0x66, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8)).toEqual({ len: 11, index: 0xb8 }); // movabs
  expect(decode(...new Array(14).fill(0x66), 0x90)).toEqual({ len: 15, index: 0x90 });
  expect(decode(...new Array(15).fill(0x66), 0x90)).toBeNull();
  expect(X.EXIT_NAMES[g.exitReason]).toBe('#GP');
  // 15 bytes ending at the end of the last mapped page, and one byte further: the fast path
  // (the whole window on one page) must not reach into the next frame of linear memory.
  const long = Uint8Array.from([...new Array(14).fill(0x66), 0x90]);
  g.write(EDGE + PAGE - 15, long);
  expect(g.decode(EDGE + PAGE - 15)).toEqual({ len: 15, index: 0x90 });
  g.write(EDGE + PAGE - 14, long.subarray(0, 14));
  expect(g.decode(EDGE + PAGE - 14)).toBeNull();
  expect([X.EXIT_NAMES[g.exitReason], g.core.faultAddr]).toEqual(['page fault', EDGE + PAGE]);
});

// ---- synthetic: every row of the table under random prefixes, REX, ModRM/SIB, displacements ----
// Real binaries use few of the encodings' variants (66 with an iz immediate, 67, several REX or
// segment prefixes, SIB without a base …). Each variant sits at the start of a 32-byte slot padded with
// 1-byte NOPs, so objdump falls back into step by the next slot whatever it made of the previous.
const SYNTH_BASE = 0x10000000;
const SLOT = 32;

function synthesize(perRow: number): Uint8Array {
  let seed = 0x9e3779b9;
  const rnd = (n: number): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; };
  const pick = <T>(xs: T[]): T => xs[rnd(xs.length)];
  const slots: number[][] = [];
  for (const row of ROWS) {
    const classed = ROWS_BY_INDEX.get((row.map << 8) | row.bytes[0])!.some((r) => r.prefix !== null);
    for (let v = 0; v < perRow; v++) {
      const b: number[] = [];
      // Legacy prefixes: any, unless the opcode is split by mandatory prefix.
      const legacy = classed ? [0x67, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65] : [...LEGACY];
      for (let k = rnd(4) === 0 ? rnd(4) : 0; k > 0; k--) b.push(pick(legacy));
      if (row.prefix && row.prefix !== 'NP') b.push(parseInt(row.prefix, 16));
      if (rnd(2)) b.push(0x40 | rnd(16));
      if (row.map) b.push(0x0f);
      if (row.map === 2) b.push(0x38);
      if (row.map === 3) b.push(0x3a);
      b.push(pick(row.bytes));
      if (row.modrm) {
        const mod = row.mod === 'reg' ? 3 : row.mod === 'mem' ? rnd(3) : rnd(4);
        const rm = rnd(8);
        b.push((mod << 6) | ((row.digit ?? rnd(8)) << 3) | rm);
        if (mod !== 3 && rm === 4) b.push(rnd(256));
      }
      // Displacement and immediate bytes: objdump decides how many belong to the instruction;
      // the rest (and the NOP padding) decode as whatever they are, before the next slot. Not
      // after FWAIT: objdump prints FWAIT and a following x87 instruction as one (fstsw …).
      const fwait = row.map === 0 && row.bytes[0] === 0x9b;
      for (let k = fwait ? 0 : rnd(11); k > 0 && b.length < 15; k--) b.push(rnd(256));
      slots.push(b);
    }
  }
  const out = new Uint8Array(slots.length * SLOT).fill(0x90);
  slots.forEach((b, k) => out.set(b.slice(0, 15), k * SLOT));
  return out;
}

checked('synthetic variants of every table row agree with objdump', needTools, () => {
  const file = join(dir, 'synthetic.bin');
  const code = synthesize(40);
  const synthSlots = code.length / SLOT;
  writeFileSync(file, code);
  const all = disassemble(file, ['-D', '-b', 'binary', '-m', 'i386:x86-64', `--adjust-vma=${SYNTH_BASE}`]);
  const insns = all.insns.filter((i) => (i.addr - SYNTH_BASE) % SLOT === 0);
  const r = checkInsns('synthetic', insns, synthSlots - insns.length);
  print(r);
  expect(r.failures.slice(0, 40)).toEqual([]);
});
