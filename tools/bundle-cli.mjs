#!/usr/bin/env node
// `npm run build:bundle` (part of `npm run build`): bundles the CLI that tsc wrote into dist/ —
// dist/cli/wasl.js and every module it imports, the npm dependencies included — into one file,
// dist/cli/wasl.bundle.cjs, with rolldown (already in node_modules as vite's bundler). Loading
// ~140 ES modules was about half of a static hello's start-up (issue #11). The bundle is CommonJS
// wrapped in one function expression, so that the launcher (cli/launch.ts, written as
// dist/cli/wasl.cjs, which dist/cli/wasl.js runs) can compile it with `vm.Script` and V8's code cache; the cache
// (dist/cli/wasl.bundle.v8cache) is made here by running examples/bin/hello once
// (docs/architecture.md, "Start-up, second stage"). The modules stay in dist/ for the library
// (lxcore/index.js) and the tests; after `npm run build:ts` alone, dist/cli/wasl.js is the
// unbundled module again (same behaviour).

import { rolldown } from 'rolldown';
import { rmSync, readFileSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isBuiltin } from 'node:module';

const root = fileURLToPath(new URL('../', import.meta.url));
const entry = root + 'dist/cli/wasl.js';
const out = root + 'dist/cli/wasl.bundle.cjs';
const cache = root + 'dist/cli/wasl.bundle.v8cache';
const launcher = root + 'dist/cli/launch.js';
const launcherCjs = root + 'dist/cli/wasl.cjs';

if (readFileSync(entry, 'utf8').slice(0, 600).includes('The CLI\'s launcher')) {
  console.log('bundle-cli: dist/cli/wasl.js is already the launcher (run build:ts first)');
  process.exit(0);
}
const bundle = await rolldown({ input: entry, platform: 'node', logLevel: 'warn' });
// JSDoc comments are left out (legal ones kept): 15% of the text that every start reads and copies.
const { output } = await bundle.generate({ format: 'cjs', codeSplitting: false, sourcemap: false,
  comments: { legal: true, annotation: false, jsdoc: false } });
await bundle.close();
if (output.length !== 1) throw new Error(`bundle-cli: expected one chunk, rolldown made ${output.length}`);
// rolldown hoists every `node:` import of the graph to the top of a CommonJS bundle, also those of
// modules the CLI imports only when used (cli/distro.js and its zlib, child_process, stream ...).
// Loading them cost a static hello ~6 ms of CPU, so all but the few every run needs become
// objects that load their module at the first property read (`default` is the module itself,
// as rolldown's __toESM makes it for a namespace import). Named imports are read as properties
// at each use (`(0, node_x.f)(...)`), so nothing is read before it is used.
const EAGER = new Set(['fs', 'path', 'url', 'util', 'module']);
// rolldown's __toESM copies a module into a namespace object, one bound getter per property:
// for node:fs and node:os ~1 ms of every start-up. A builtin's namespace is the module itself with
// `default` added, so an object whose prototype is the module reads the same (named imports are
// property reads at each use).
let code = output[0].code.replace(/^let (node_\w+) = require\("node:([\w/]+)"\);\n(\1 = __toESM\(\1, 1\);\n)?/gm, (all, v, name, esm) => {
  if (!EAGER.has(name)) return `let ${v} = __lazyBuiltin("node:${name}");\n`;
  return esm ? `let ${v} = __builtinNamespace(require("node:${name}"));\n` : all;
});
// cli/launch.ts gives the bundle process.getBuiltinModule as its `require`: anything else must be
// inlined here, so a require of another kind (a dependency loading a file at run time) stops the build.
for (const [, id] of code.matchAll(/\brequire\("([^"]+)"\)/g)) {
  if (!isBuiltin(id)) throw new Error(`bundle-cli: the bundle requires "${id}", which is not one of Node's modules`);
}
const LAZY_BUILTIN = `function __builtinNamespace(m) {
  return Object.create(m, { default: { value: m, enumerable: true } });
}
function __lazyBuiltin(name) {
  let m;
  const load = () => (m ??= require(name));
  return new Proxy({}, { get: (_t, key) => key === 'default' ? load() : Reflect.get(load(), key), has: (_t, key) => key in load() });
}
`;

// The module's text inside one function expression: what cli/launch.ts runs through vm.Script.
// Non-ASCII characters (dashes and arrows in strings and comments) become \\u escapes: an ASCII
// file is read as latin1 into a one-byte string, ~2 ms less than decoding UTF-8 into a two-byte one.
code = code.replace(/^#!.*\n/, '').replace(/[^\x00-\x7f]/g, (c, at, all) => {
  if (all[at - 1] === '\\') throw new Error(`bundle-cli: an escaped non-ASCII character at ${at}`);
  return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
});
// The vDSO image, as elf-loader/vdso.ts builds it, made here once instead of at every start.
const { vdsoImage } = await import(root + 'dist/elf-loader/vdso.js');
const VDSO = `globalThis[Symbol.for('wasl.vdsoImage')] = '${Buffer.from(vdsoImage()).toString('base64')}';\n`;
writeFileSync(out, '// wasl bundle: generated by tools/bundle-cli.mjs from dist/ (npm run build); do not edit.\n' +
  '// One function expression taking CommonJS\'s arguments; dist/cli/wasl.cjs (cli/launch.ts) runs it.\n' +
  '(function (exports, require, module, __filename, __dirname) {\n' + VDSO + code + '\n' + LAZY_BUILTIN + '})\n', 'latin1');
// The launcher as CommonJS (tsc wrote it as an ES module: only its `export {}` marks it so), and
// dist/cli/wasl.js as an ES module that runs it, for `node dist/cli/wasl.js`.
const launcherCode = readFileSync(launcher, 'utf8').replace(/^export \{\};\n/m, '').replace(/^\/\/# sourceMappingURL=.*\n?/m, '');
if (/\bimport\.meta\b|^\s*(import|export)\s/m.test(launcherCode)) throw new Error('bundle-cli: cli/launch.ts must stay CommonJS-compatible');
writeFileSync(launcherCjs, launcherCode, { mode: 0o755 });
writeFileSync(entry, `#!/usr/bin/env node
// The CLI's launcher as an ES module: generated by tools/bundle-cli.mjs (npm run build); do not edit.
// It runs dist/cli/wasl.cjs (cli/launch.ts), which package.json's bin starts directly.
import { createRequire } from 'node:module';
createRequire(import.meta.url)('./wasl.cjs');
`, { mode: 0o755 });
rmSync(entry + '.map', { force: true }); // tsc's map described the module, not the launcher
rmSync(cache, { force: true });

// The code cache: one run of a static hello, written by the launcher at exit. Without the example
// binary (or if the run fails) the first run of wasl writes it instead.
const hello = root + 'examples/bin/hello';
if (existsSync(hello)) {
  const r = spawnSync(process.execPath, [launcherCjs, hello], { env: { ...process.env, WASL_CODE_CACHE: 'write' }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !existsSync(cache)) console.log(`bundle-cli: no code cache made (hello exited ${r.status}); the first run makes it`);
  // The profile for the core's compilation hints: the functions V8 compiles while a static hello
  // runs (its trace prints each one; --trace-wasm-compilation-times is V8's own flag, so the
  // code cache is left alone). Marked eager, they are compiled in the background with the big
  // ones, none lazily on the main thread at its first call. Only on V8 11 (Node 20), where the
  // launcher sets the flag that makes V8 read the hints.
  if (process.versions.v8.startsWith('11.')) {
    const t = spawnSync(process.execPath, ['--trace-wasm-compilation-times', launcherCjs, hello], { env: { ...process.env, WASL_CODE_CACHE: 'off' }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'latin1' });
    const used = [...new Set([...t.stdout.matchAll(/^Compiled function [^#\s]*#(\d+) using Liftoff/gm)].map((m) => Number(m[1])))];
    if (t.status !== 0 || used.length === 0) console.log(`bundle-cli: no compile profile of the core (hello exited ${t.status}); size hints only`);
    else {
      const h = spawnSync(process.execPath, [root + 'tools/core-hints.mjs', root + 'dist/cpu/core.wasm', `--eager=${used.sort((a, b) => a - b).join(',')}`], { stdio: 'inherit' });
      if (h.status !== 0) throw new Error('bundle-cli: tools/core-hints.mjs failed');
    }
  }
}
