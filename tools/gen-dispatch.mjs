#!/usr/bin/env node
// Generates cpu/gen/dispatch.ts (DECODE_INFO + dispatch()), cpu/gen/opcodes.json (the table as
// data, for tests: tests/decoder.test.ts) and docs/instructions.md from the opcode table in
// cpu/opcodes/*.tbl. `--check` fails if the committed files are stale (CI).
//
// Table rows:   OPCODE | mnemonic | operands | attrs | handler(args)
//   OPCODE   [66|F2|F3|NP] [0F [38|3A]] XX[+r] [/r|/0../7] [ib|iw|iz|iv|id|cb|cd|iwib]
//            a leading 66/F2/F3 is a mandatory prefix (SSE); NP = none of them
//   attrs    comma-separated: d64 (default 64-bit operand size), f64 (forced 64-bit),
//            reg / mem (only for ModRM.mod == 3 / != 3), lock (LOCK allowed)
//   handler  an exported function of cpu/ops/*.ts, with literal or exported-constant arguments
// Rows for the same opcode combine into nested switches on mandatory prefix, ModRM.reg, mod.

import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

// Decode-info constants come from cpu/decode/info.ts so the two can't disagree.
const infoSrc = readFileSync(join(root, 'cpu/decode/info.ts'), 'utf8');
const C = {};
for (const m of infoSrc.matchAll(/export const (\w+) = (\d+);/g)) C[m[1]] = Number(m[2]);

const IMM = { ib: C.IMM_B, cb: C.IMM_B, iw: C.IMM_W, iz: C.IMM_Z, iv: C.IMM_V, id: C.IMM_D, cd: C.IMM_D, iwib: C.IMM_WB };
const PREFIX_CLASS = { NP: 'SIMD_NONE', '66': 'SIMD_66', F3: 'SIMD_F3', F2: 'SIMD_F2' };

function fail(where, msg) { console.error(`${where}: ${msg}`); process.exit(1); }

// ---- read the table ------------------------------------------------------------------------
const tblDir = join(root, 'cpu/opcodes');
const rows = [];
for (const file of readdirSync(tblDir).filter((f) => f.endsWith('.tbl')).sort()) {
  const lines = readFileSync(join(tblDir, file), 'utf8').split('\n');
  lines.forEach((line, i) => {
    const where = `cpu/opcodes/${file}:${i + 1}`;
    const text = line.replace(/#.*/, '').trim();
    if (!text) return;
    const cols = text.split('|').map((s) => s.trim());
    if (cols.length !== 5) fail(where, `expected 5 columns, got ${cols.length}`);
    const [opcode, mnemonic, operands, attrs, handler] = cols;
    rows.push({ where, file, opcode, mnemonic, operands, attrs: attrs ? attrs.split(/\s*,\s*/) : [], handler, ...parseOpcode(where, opcode) });
  });
}

function parseOpcode(where, s) {
  const t = s.split(/\s+/);
  let i = 0, prefix = null, map = 0;
  if (['66', 'F2', 'F3', 'NP'].includes(t[i]) && t[i + 1] === '0F') prefix = t[i++];
  if (t[i] === '0F') {
    i++;
    if (t[i] === '38') { map = 2; i++; } else if (t[i] === '3A') { map = 3; i++; } else map = 1;
  }
  const m = /^([0-9A-F]{2})(\+r)?$/.exec(t[i++] ?? '');
  if (!m) fail(where, `bad opcode byte in "${s}"`);
  const byte = parseInt(m[1], 16);
  const plusR = !!m[2];
  let modrm = false, digit = null, imm = 0, immToken = null, moffs = false;
  for (; i < t.length; i++) {
    if (t[i] === '/r') modrm = true;
    else if (t[i] === 'mo') moffs = true; // A0-A3: a 64-bit (32 with 67) absolute address
    else if (/^\/[0-7]$/.test(t[i])) { modrm = true; digit = Number(t[i][1]); }
    else if (t[i] in IMM) { imm = IMM[t[i]]; immToken = t[i]; }
    else fail(where, `unknown opcode token "${t[i]}"`);
  }
  if (map === 3 && imm === 0) fail(where, '0F 3A opcodes take an ib');
  return { prefix, map, byte, plusR, modrm, digit, imm, immToken, moffs };
}

// ---- handler names → their ops/ module ----------------------------------------------------
const opsDir = join(root, 'cpu/ops');
const exportsOf = new Map(); // name → module
for (const file of readdirSync(opsDir).filter((f) => f.endsWith('.ts')).sort()) {
  const src = readFileSync(join(opsDir, file), 'utf8');
  for (const m of src.matchAll(/export (?:function|const) (\w+)/g)) exportsOf.set(m[1], file.replace(/\.ts$/, ''));
}
const used = new Map(); // module → Set(names)
function use(name, where) {
  const mod = exportsOf.get(name);
  if (!mod) fail(where, `"${name}" is not exported by any cpu/ops/*.ts`);
  if (!used.has(mod)) used.set(mod, new Set());
  used.get(mod).add(name);
}
for (const r of rows) {
  const m = /^(\w+)\((.*)\)$/.exec(r.handler);
  if (!m) fail(r.where, `handler must look like name(args): "${r.handler}"`);
  use(m[1], r.where);
  for (const a of m[2].split(',').map((x) => x.trim()).filter(Boolean)) {
    if (/^[A-Za-z_]\w*$/.test(a)) use(a, r.where);
    else if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(a)) fail(r.where, `argument "${a}" must be a literal or an exported constant`);
  }
}
use('opUD', 'generator');

// ---- expand and group ----------------------------------------------------------------------
const byIndex = new Map(); // index → rows
for (const r of rows) {
  for (let k = 0; k < (r.plusR ? 8 : 1); k++) {
    const index = (r.map << 8) | (r.byte + k);
    if (!byIndex.has(index)) byIndex.set(index, []);
    byIndex.get(index).push(r);
  }
}

const info = new Array(1024).fill(0);
for (const [index, rs] of byIndex) {
  const where = rs[0].where;
  const modrm = rs.map((r) => r.modrm);
  if (new Set(modrm).size > 1) fail(where, `opcode ${index.toString(16)}: rows disagree on ModRM`);
  let byte = modrm[0] ? C.DI_MODRM : 0;
  const imms = new Set(rs.map((r) => r.imm));
  if (imms.size > 1) {
    // Group 3 (F6/F7) is the one opcode whose immediate depends on ModRM.reg.
    const ok = rs.every((r) => (r.digit !== null && r.digit < 2) === (r.imm !== 0));
    if (!ok || (index !== 0xf6 && index !== 0xf7)) fail(where, `opcode ${index.toString(16)}: rows disagree on the immediate`);
    byte |= C.IMM_G3 << C.DI_IMM_SHIFT;
  } else byte |= [...imms][0] << C.DI_IMM_SHIFT;
  // Operand-size attributes are decoded before ModRM.reg is known, so every row of an opcode
  // must agree on them (FF mixes inc/dec with call/push: those rows size themselves).
  const sizeAttrs = new Set(rs.map((r) => r.attrs.filter((a) => a === 'd64' || a === 'f64').sort().join(',')));
  if (sizeAttrs.size > 1) fail(where, `opcode ${index.toString(16)}: rows disagree on d64/f64`);
  const attrs = new Set(rs.flatMap((r) => r.attrs));
  if (attrs.has('d64')) byte |= C.DI_D64;
  if (attrs.has('f64')) byte |= C.DI_F64;
  if (rs.some((r) => r.moffs)) byte |= C.DI_MOFFS;
  info[index] = byte;
}

// LOCK is allowed only on rows marked `lock`, and only with a memory destination (SDM "LOCK"):
// anything else is #UD.
function call(r) {
  if (!r.attrs.includes('lock')) return `if (d_prefix & P_LOCK) opUD(); else ${r.handler};`;
  return `if ((d_prefix & P_LOCK) && d_mod == 3) opUD(); else ${r.handler};`;
}

// Within one prefix class: split by digit, then by reg/mem.
function emitModSplit(rs, ind) {
  const reg = rs.filter((r) => !r.attrs.includes('mem'));
  const mem = rs.filter((r) => !r.attrs.includes('reg'));
  if (reg.length > 1 || mem.length > 1) fail(rs[0].where, `duplicate rows for ${rs[0].opcode}`);
  if (reg[0] === mem[0]) return `${ind}${reg[0] ? call(reg[0]) : 'opUD();'}\n`;
  return `${ind}if (d_mod == 3) ${reg[0] ? call(reg[0]) : 'opUD();'}\n${ind}else ${mem[0] ? call(mem[0]) : 'opUD();'}\n`;
}
function emitDigits(rs, ind) {
  if (rs.every((r) => r.digit === null)) return emitModSplit(rs, ind);
  if (rs.some((r) => r.digit === null)) fail(rs[0].where, 'mixing /r and /digit rows for one opcode');
  let s = `${ind}switch (d_reg & 7) {\n`;
  for (let d = 0; d < 8; d++) {
    const dr = rs.filter((r) => r.digit === d);
    if (dr.length) s += `${ind}  case ${d}: {\n${emitModSplit(dr, ind + '    ')}${ind}    break;\n${ind}  }\n`;
  }
  return s + `${ind}  default: opUD();\n${ind}}\n`;
}
function emitIndex(rs, ind) {
  if (rs.every((r) => r.prefix === null)) return emitDigits(rs, ind);
  let s = `${ind}switch (d_simd) {\n`;
  for (const p of ['NP', '66', 'F3', 'F2']) {
    const pr = rs.filter((r) => (r.prefix ?? 'NP') === p);
    if (pr.length) s += `${ind}  case ${PREFIX_CLASS[p]}: {\n${emitDigits(pr, ind + '    ')}${ind}    break;\n${ind}  }\n`;
  }
  return s + `${ind}  default: opUD();\n${ind}}\n`;
}

// One small function per opcode index (identical bodies share one: PUSH r's eight bytes, ...), and
// dispatch() is one indirect call through HANDLERS. Why not a switch: binaryen inlines every
// handler called from one place into its caller, which made one 79 KB dispatch() that V8 tiers up
// to TurboFan as a whole (250-300 ms of a background thread in a Go hello, docs/architecture.md,
// "The interpreter, sixth stage"); as separate functions only the hot ones are tiered up.
const fnOf = new Map(); // body → { name, text, indexes, mnemonics }
const fnNames = new Array(1024).fill('opUD');
for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
  const rs = byIndex.get(index);
  const text = emitIndex(rs, '  ');
  let fn = fnOf.get(text);
  if (!fn) {
    fn = { name: `x${index.toString(16).padStart(3, '0')}`, text, indexes: [], mnemonics: new Set() };
    fnOf.set(text, fn);
  }
  fn.indexes.push(index);
  for (const r of rs) fn.mnemonics.add(r.mnemonic);
  fnNames[index] = fn.name;
}
let body = '';
for (const fn of fnOf.values()) {
  const also = fn.indexes.length > 1 ? ` (also ${fn.indexes.slice(1).map((i) => i.toString(16).padStart(3, '0')).join(' ')})` : '';
  body += `function ${fn.name}(): void { // ${[...fn.mnemonics].join(' ')}${also}\n${fn.text}}\n`;
}
const tableRows = [];
for (let i = 0; i < 1024; i += 8) tableRows.push('  ' + fnNames.slice(i, i + 8).join(', ') + ',');

const imports = [...used.entries()].sort().map(([mod, names]) => `import { ${[...names].sort().join(', ')} } from '../ops/${mod}';`).join('\n');
const hexRows = [];
for (let i = 0; i < 1024; i += 16) hexRows.push('  ' + info.slice(i, i + 16).map((v) => `0x${v.toString(16).padStart(2, '0')}`).join(', ') + ',');

const dispatchTs = `// GENERATED by tools/gen-dispatch.mjs from cpu/opcodes/*.tbl — do not edit.
// DECODE_INFO: per (map << 8 | opcode) decode attributes (cpu/decode/info.ts).
// dispatch(): runs the handler the table names for the decoded instruction.

import { d_simd, d_reg, d_mod, d_prefix, P_LOCK, SIMD_NONE, SIMD_66, SIMD_F3, SIMD_F2 } from '../decode/decoder';
${imports}

export const DECODE_INFO: StaticArray<u8> = [
${hexRows.join('\n')}
];

${body}
/** The handler of each (map << 8 | opcode); opUD for what the table does not define. */
@lazy const HANDLERS: StaticArray<() => void> = [
${tableRows.join('\n')}
];

export function dispatch(op: i32): void {
  unchecked(HANDLERS[op & 1023])();
}
`;

// ---- docs/instructions.md ------------------------------------------------------------------
const mapName = ['', '0F ', '0F 38 ', '0F 3A '];
let md = `<!-- GENERATED by tools/gen-dispatch.mjs from cpu/opcodes/*.tbl — do not edit. -->
# Implemented instructions

${rows.length} opcode forms, ${new Set(rows.map((r) => r.mnemonic)).size} mnemonics. Every other encoding raises #UD (SIGILL).

`;
for (const file of [...new Set(rows.map((r) => r.file))]) {
  md += `## ${file.replace(/\.tbl$/, '')}\n\n| opcode | instruction | operands | handler |\n|---|---|---|---|\n`;
  for (const r of rows.filter((x) => x.file === file)) md += `| \`${r.opcode}\` | ${r.mnemonic} | ${r.operands} | \`${r.handler}\` |\n`;
  md += '\n';
}
void mapName;

// The CPUID bits the core reports, read from cpu/ops/cpuid.ts: each reported register is a
// constant OR-ed from named bit constants (`const FEAT_X = 1 << n; // what`).
{
  const src = readFileSync(join(root, 'cpu/ops/cpuid.ts'), 'utf8');
  const consts = new Map(); // name → { value, note, terms }
  for (const m of src.matchAll(/^const (\w+)(?::\s*u32)?\s*=\s*([^;]+);[ \t]*(?:\/\/\s*(.*))?$/gm)) {
    const terms = m[2].split('|').map((t) => t.trim());
    const value = terms.reduce((acc, t) => {
      const sh = /^(\d+)\s*<<\s*(\d+)$/.exec(t);
      if (sh) return acc | (Number(sh[1]) << Number(sh[2]));
      if (/^\d+$/.test(t)) return acc | Number(t);
      if (!consts.has(t)) fail('cpu/ops/cpuid.ts', `cannot evaluate "${t}" in ${m[1]}`);
      return acc | consts.get(t).value;
    }, 0) >>> 0;
    consts.set(m[1], { value, note: m[3] ?? '', terms });
  }
  const regs = [['LEAF1_EDX', 'CPUID.1:EDX'], ['LEAF1_ECX', 'CPUID.1:ECX'], ['LEAF7_EBX', 'CPUID.(7,0):EBX'],
    ['XSAVE_D1_EAX', 'CPUID.(0Dh,1):EAX'], ['EXT81_ECX', 'CPUID.80000001h:ECX'], ['EXT81_EDX', 'CPUID.80000001h:EDX']];
  md += `## CPUID\n\nThe feature bits CPUID reports (cpu/ops/cpuid.ts); every other bit is 0. Vendor GenuineIntel.\n\n`;
  md += `| register | bit | feature | note |\n|---|---|---|---|\n`;
  for (const [name, label] of regs) {
    const reg = consts.get(name);
    if (!reg) fail('cpu/ops/cpuid.ts', `no ${name}`);
    const bits = reg.terms.map((t) => [t, consts.get(t)]).filter(([, c]) => c).sort((a, b) => a[1].value - b[1].value);
    for (const [t, c] of bits) {
      md += `| ${label} | ${31 - Math.clz32(c.value)} | ${t.replace(/^(FEAT7?_|EXT_|D1_)/, '')} | ${c.note.replace(/^(ECX|EDX): /, '')} |\n`;
    }
  }
  const xcr0 = /export const XCR0: u32 = (\d+);/.exec(readFileSync(join(root, 'cpu/ops/xsave.ts'), 'utf8'));
  md += `\nXCR0 = ${xcr0 ? xcr0[1] : '?'} (x87 | SSE): CPUID.(0Dh,0) reports it with a 576-byte XSAVE area; AVX and later are absent.\n`;
}

// ---- cpu/gen/opcodes.json ------------------------------------------------------------------
// One object per table row, in table order, one per line (readable diffs). JSON has no comments,
// so the "generated" notice is a key. `bytes` lists the opcode bytes the row covers (+r expanded);
// `prefix` is the mandatory prefix (null: any — but NP when another row of the same opcode names
// a prefix, as in dispatch()), `digit` the ModRM.reg digit (null: /r or none),
// `mod` "reg" / "mem" when the row only applies to ModRM.mod == 3 / != 3.
const jsonRows = rows.map((r) => JSON.stringify({
  tbl: r.where.replace(/^cpu\/opcodes\//, ''),
  opcode: r.opcode,
  map: r.map,
  bytes: Array.from({ length: r.plusR ? 8 : 1 }, (_, k) => r.byte + k),
  prefix: r.prefix,
  modrm: r.modrm,
  digit: r.digit,
  mod: r.attrs.includes('reg') ? 'reg' : r.attrs.includes('mem') ? 'mem' : null,
  imm: r.immToken,
  mnemonic: r.mnemonic,
  operands: r.operands,
  attrs: r.attrs,
  handler: r.handler,
}));
const opcodesJson = `{
  "_generated": "by tools/gen-dispatch.mjs from cpu/opcodes/*.tbl — do not edit",
  "rows": [
    ${jsonRows.join(',\n    ')}
  ]
}
`;

const outputs = [
  [join(root, 'cpu/gen/dispatch.ts'), dispatchTs],
  [join(root, 'cpu/gen/opcodes.json'), opcodesJson],
  [join(root, 'docs/instructions.md'), md],
];
let stale = false;
for (const [path, text] of outputs) {
  let old = null;
  try { old = readFileSync(path, 'utf8'); } catch { /* new */ }
  if (old === text) continue;
  if (check) { console.error(`stale: ${path} (run npm run gen)`); stale = true; continue; }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
if (stale) process.exit(1);
