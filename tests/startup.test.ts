// What the build does for start-up (issue #11, docs/architecture.md "Start-up, fifth stage") must not
// change what runs: the compilation hints tools/core-hints.mjs adds to the core, and the vDSO image
// tools/bundle-cli.mjs bakes into the CLI's bundle. Speed itself is measured by npm run bench.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './support/build.js';
import { vdsoImage } from '../elf-loader/vdso.js';

/** An unsigned LEB128 at b[at.p], which it moves past. */
function leb(b: Uint8Array, at: { p: number }): number {
  let r = 0, s = 0, x;
  do { x = b[at.p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
  return r;
}

/** The sections of a wasm module: id, and for custom sections the name; `body` without the name. */
function sections(wasm: Uint8Array): Array<{ id: number; name?: string; body: Uint8Array }> {
  const at = { p: 8 };
  const out: Array<{ id: number; name?: string; body: Uint8Array }> = [];
  while (at.p < wasm.length) {
    const id = wasm[at.p++], len = leb(wasm, at), end = at.p + len;
    if (id === 0) {
      const n = leb(wasm, at);
      const name = Buffer.from(wasm.subarray(at.p, at.p + n)).toString('latin1');
      out.push({ id, name, body: wasm.subarray(at.p + n, end) });
    } else out.push({ id, body: wasm.subarray(at.p, end) });
    at.p = end;
  }
  return out;
}

describe('start-up build steps', () => {
  it('the release core carries a compilation hint per function: eager for the bodies of 16 KB and more and for the profile\'s, and still compiles', () => {
    const wasm = readFileSync(join(ROOT, 'dist/cpu/core.wasm'));
    const secs = sections(wasm);
    const order = secs.map((s) => s.name ?? s.id);
    const hints = secs.find((s) => s.name === 'compilationHints');
    expect(hints).toBeDefined();
    // V8 reads the section only between the function and code sections.
    expect(order.indexOf('compilationHints')).toBeGreaterThan(order.indexOf(3));
    expect(order.indexOf('compilationHints')).toBeLessThan(order.indexOf(10));
    const declared = leb(secs.find((s) => s.id === 3)!.body, { p: 0 });
    const code = secs.find((s) => s.id === 10)!.body, at = { p: 0 };
    const sizes = Array.from({ length: leb(code, at) }, () => { const n = leb(code, at); at.p += n; return n; });
    expect(sizes).toHaveLength(declared);
    const h = { p: 0 };
    expect(leb(hints!.body, h)).toBe(declared);
    const bytes = Array.from(hints!.body.subarray(h.p));
    expect(bytes).toHaveLength(declared);
    // 0x06: strategy eager (2), baseline tier Liftoff (1 << 2); 0: V8's default (lazy). Every body
    // of 16 KB and more is eager; smaller ones are when the build's profile of a hello saw them.
    expect(bytes.every((b) => b === 0x06 || b === 0)).toBe(true);
    sizes.forEach((n, i) => { if (n >= 16 * 1024) expect(bytes[i]).toBe(0x06); });
    expect(bytes.filter((b) => b !== 0).length).toBeGreaterThan(sizes.filter((n) => n >= 16 * 1024).length);
    expect(() => new WebAssembly.Module(wasm)).not.toThrow();
  });

  it.runIf(process.versions.v8.startsWith('11.'))('the core functions a static hello has V8 compile are hinted eager (the build\'s profile is current)', () => {
    const wasm = readFileSync(join(ROOT, 'dist/cpu/core.wasm'));
    const secs = sections(wasm);
    const hints = secs.find((s) => s.name === 'compilationHints')!;
    const h = { p: 0 };
    const declared = leb(hints.body, h);
    const bytes = hints.body.subarray(h.p);
    // Function indices in V8's trace count the imported functions first.
    const imports = secs.find((s) => s.id === 2)!.body, at = { p: 0 };
    let imported = 0;
    for (let n = leb(imports, at); n > 0; n--) {
      for (let k = 0; k < 2; k++) { const len = leb(imports, at); at.p += len; }
      const kind = imports[at.p++];
      if (kind === 0) { imported++; leb(imports, at); } else if (kind === 2) { const f = leb(imports, at); leb(imports, at); if (f & 1) leb(imports, at); } else throw new Error(`import kind ${kind}`);
    }
    const r = spawnSync(process.execPath, ['--trace-wasm-compilation-times', join(ROOT, 'dist/cli/wasl.cjs'), join(ROOT, 'examples/bin/hello')],
      { env: { ...process.env, WASL_CODE_CACHE: 'off' }, encoding: 'latin1' });
    expect(r.status).toBe(0);
    const used = [...r.stdout.matchAll(/^Compiled function [^#\s]*#(\d+) using Liftoff/gm)].map((m) => Number(m[1]) - imported);
    expect(used.length).toBeGreaterThan(2);
    expect(used.every((i) => i >= 0 && i < declared)).toBe(true);
    // The profile is one run of the build's; this run may take a path or two it did not (its
    // stdin is a pipe here): most, not all, must be covered. Without the profile, only the two or
    // three functions of 16 KB and more would be.
    const lazy = used.filter((i) => bytes[i] !== 0x06);
    expect(lazy.length).toBeLessThanOrEqual(Math.floor(used.length / 10));
  });

  it('the CLI bundle\'s baked vDSO image is the one elf-loader/vdso.ts builds', () => {
    const bundle = readFileSync(join(ROOT, 'dist/cli/wasl.bundle.cjs'), 'latin1');
    const m = /globalThis\[Symbol\.for\('wasl\.vdsoImage'\)\] = '([A-Za-z0-9+/=]+)';/.exec(bundle);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1], 'base64').equals(Buffer.from(vdsoImage()))).toBe(true);
  });
});
