#!/usr/bin/env node
// Adds V8's compilation-hints section to the release core (npm run build:cpu runs this after asc):
// `node tools/core-hints.mjs dist/cpu/core.wasm` rewrites the file in place.
//
// Why (issue #11, start-up): V8 compiles a wasm function lazily, with Liftoff, on the thread that
// first calls it. Two of the core's functions were half of it — the interpreter's run loop and its
// opcode dispatch, each tens of KB — and every program calls both within its first instructions,
// so a static hello spent ~7 ms of its main thread compiling them. (Since session 8 dispatch is a
// table of small per-opcode functions, compiled as they are first called, and only run() is this
// big; a lower threshold, 8 or 3 KB, measured no different on a static hello.) A hint marks every function
// of at least EAGER_BYTES (16 KB) as "eager, baseline tier": WebAssembly.compile, which the CLI's launcher
// starts before it compiles the JavaScript bundle, then compiles them in V8's background threads
// while the bundle initialises; every other function keeps V8's default (lazy). The hints are read
// only under V8's --experimental-wasm-compilation-hints, which the launcher sets where it knows the
// section's format (docs/architecture.md, "Start-up, fifth stage"); anywhere else (browsers, the
// test runner, other Node versions) a custom section is ignored and the module is unchanged.
//
// `--eager=I,J,...` marks those functions eager as well (indices as V8's traces print them, imports
// counted) and replaces a section the file already has: tools/bundle-cli.mjs passes the functions
// a static hello has V8 compile, so that they are compiled with the others in the background and
// none waits for Liftoff on the main thread at its first call (the profile, "Start-up, sixth
// stage" in docs/architecture.md).
//
// The section (V8's format): a custom section named "compilationHints" placed after the function
// section and before the code section, holding a LEB128 count equal to the number of functions
// the module defines, then one byte per function: bits 0-1 the strategy (0 default, 1 lazy,
// 2 eager), bits 2-3 the baseline tier (0 default, 1 baseline), bits 4-5 the top tier.
import { readFileSync, writeFileSync } from 'node:fs';

const EAGER_BYTES = 16 * 1024;
const STRATEGY_EAGER = 2, TIER_BASELINE = 1;
const SECTION = 'compilationHints';

const file = process.argv[2];
const listed = process.argv.slice(3).find((a) => a.startsWith('--eager='));
if (!file || process.argv.length > (listed ? 4 : 3)) { console.error('usage: core-hints.mjs CORE.wasm [--eager=I,J,...]'); process.exit(2); }
const profiled = new Set(listed ? listed.slice('--eager='.length).split(',').filter(Boolean).map(Number) : []);
const wasm = readFileSync(file);
if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file}: not a wasm module`);

let p = 8;
const leb = () => { let r = 0, s = 0, b; do { b = wasm[p++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return r; };
const uleb = (n) => { const out = []; do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n); return out; };

let declared = -1, codeAt = -1, imported = 0, old;
const sizes = [];
while (p < wasm.length) {
  const start = p, id = wasm[p++], len = leb(), end = p + len;
  if (id === 0) {
    const n = leb();
    if (wasm.toString('latin1', p, p + n) === SECTION) {
      if (!listed) { console.log(`${file}: already has ${SECTION}`); process.exit(0); }
      old = [start, end];
    }
  } else if (id === 2) {
    // Function indices count the imported functions first: only those shift the hints' indices.
    for (let i = leb(); i > 0; i--) {
      for (let k = 0; k < 2; k++) { const n = leb(); p += n; } // module and field names
      const kind = wasm[p++];
      if (kind === 0) { imported++; leb(); } // function: its type index
      else if (kind === 1) { p++; if (leb() & 1) leb(); leb(); } // table: reftype, limits
      else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); } // memory: limits
      else if (kind === 3) p += 2; // global: valtype, mutability
      else throw new Error(`${file}: import kind ${kind}`);
    }
  } else if (id === 3) {
    declared = leb();
  } else if (id === 10) {
    codeAt = start;
    const n = leb();
    for (let i = 0; i < n; i++) { const size = leb(); sizes.push(size); p += size; }
  }
  p = end;
}
if (declared < 0 || codeAt < 0 || sizes.length !== declared) throw new Error(`${file}: no function and code sections to hint`);

for (const i of profiled) {
  if (!Number.isInteger(i) || i < imported || i >= imported + declared) throw new Error(`${file}: --eager names no defined function: ${i}`);
}
const isEager = (size, i) => size >= EAGER_BYTES || profiled.has(imported + i);
const hints = sizes.map((size, i) => (isEager(size, i) ? STRATEGY_EAGER | (TIER_BASELINE << 2) : 0));
const name = Buffer.from(SECTION, 'latin1');
const payload = [...uleb(name.length), ...name, ...uleb(declared), ...hints];
const section = Buffer.from([0, ...uleb(payload.length), ...payload]);
// Without the old section (if any), the new one before the code section.
const rest = old ? [wasm.subarray(0, old[0]), wasm.subarray(old[1], codeAt)] : [wasm.subarray(0, codeAt)];
writeFileSync(file, Buffer.concat([...rest, section, wasm.subarray(codeAt)]));
const big = sizes.filter((s) => s >= EAGER_BYTES);
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const fromProfile = sizes.filter((s, i) => s < EAGER_BYTES && isEager(s, i));
console.log(`${file}: ${SECTION}: ${big.length + fromProfile.length} of ${declared} functions eager (${big.map(kb).join(', ')}` +
  (fromProfile.length ? `; ${fromProfile.length} more from the profile, ${kb(fromProfile.reduce((a, b) => a + b, 0))})` : ')'));
