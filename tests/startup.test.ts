// What the build does for start-up (issue #11, docs/architecture.md "Start-up, fifth stage") must not
// change what runs: the compilation hints tools/core-hints.mjs adds to the core, and the vDSO image
// tools/bundle-cli.mjs bakes into the CLI's bundle. Speed itself is measured by npm run bench.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
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
  it('the release core carries a compilation hint per function: eager exactly for the bodies of 16 KB and more, and still compiles', () => {
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
    // 0x06: strategy eager (2), baseline tier Liftoff (1 << 2); 0: V8's default (lazy).
    expect(bytes).toEqual(sizes.map((n) => (n >= 16 * 1024 ? 0x06 : 0)));
    expect(bytes.filter((b) => b !== 0).length).toBeGreaterThan(0);
    expect(() => new WebAssembly.Module(wasm)).not.toThrow();
  });

  it('the CLI bundle\'s baked vDSO image is the one elf-loader/vdso.ts builds', () => {
    const bundle = readFileSync(join(ROOT, 'dist/cli/wasl.bundle.cjs'), 'latin1');
    const m = /globalThis\[Symbol\.for\('wasl\.vdsoImage'\)\] = '([A-Za-z0-9+/=]+)';/.exec(bundle);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1], 'base64').equals(Buffer.from(vdsoImage()))).toBe(true);
  });
});
