#!/usr/bin/env node
// The CLI's launcher (issue #11, start-up): `npm run build` writes this file as dist/cli/wasl.cjs
// (package.json's bin) once tools/bundle-cli.mjs has bundled the CLI into dist/cli/wasl.bundle.cjs;
// dist/cli/wasl.js becomes an ES module that requires it. A CommonJS entry spares Node's ES
// module loader, ~10 ms of a hello's start-up (so the file finds its directory by __dirname, not by its module URL). Compiling the
// ~1 MB bundle was the largest piece of a static hello's start-up, so the launcher compiles it
// through `vm.Script` with V8's code cache (dist/cli/wasl.bundle.v8cache): bytecode of every
// function a run used, made at build time by running examples/bin/hello. A cache V8 rejects
// (another Node, other V8 flags) or a missing one is not an error: the bundle is compiled from
// source, and the cache is written again at exit for the next run (atomically; a read-only dist/
// just keeps running uncached). docs/architecture.md, "Start-up, second stage".

// Node's modules through getBuiltinModule, not `import`: an ES import of node:fs builds its
// namespace, whose fs.promises getter loads fs/promises, readline and streams (~2 ms).
const { readFileSync, writeFileSync, renameSync, rmSync } = process.getBuiltinModule('node:fs');
const { Script } = process.getBuiltinModule('node:vm');
// V8's flags through process.binding('v8'), which has the same setFlagsFromString as node:v8
// without the module: node:v8 requires internal/heap_utils and with it the 25 modules of streams,
// ~2 ms of a hello's start-up (issue #11). process.binding is deprecated (DEP0111, a warning at
// run time): the warning is held back for this one call by process.noDeprecation, and wherever the
// binding is gone or lacks the function, node:v8 is used as before.
const setFlagsFromString = ((): ((flags: string) => void) => {
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true;
    const binding = (process as unknown as { binding?(name: string): { setFlagsFromString?: unknown } }).binding?.('v8');
    if (typeof binding?.setFlagsFromString === 'function') return binding.setFlagsFromString as (flags: string) => void;
  } catch { /* no binding: node:v8 below */ } finally {
    process.noDeprecation = quiet;
  }
  return process.getBuiltinModule('node:v8').setFlagsFromString;
})();
const { dirname, join } = process.getBuiltinModule('node:path');

// cli/wasl.ts sets this flag too (the unbundled CLI has no launcher); here it must come before
// the bundle is compiled, because V8 checks its flags against the ones the cache was made under.
setFlagsFromString('--wasm-tiering-budget=200000000');
(globalThis as Record<symbol, unknown>)[Symbol.for('wasl.v8Flags')] = true;

// The core is compiled here, in V8's background threads, while this thread compiles and
// initialises the bundle (issue #11, start-up, fifth stage). cli/wasl.ts awaits the module (one
// event-loop turn, before it looks at the terminal or the program) and hands it to lxcore.
// Decoding and validating the core's 270 KB is ~2.5 ms that no longer runs on this thread; the
// rest is Liftoff, which V8 does lazily, per function, on the thread that first calls it — ~7 ms
// of a hello for the interpreter's run loop and dispatch alone. tools/core-hints.mjs marks those
// (the functions of 16 KB and more, and those the build's profile of a hello saw compiled)
// "eager" in V8's compilation-hints section, which V8 reads under
// --experimental-wasm-compilation-hints: they are compiled in the background too (from the
// event-loop turn before the bundle's initialisation, below), the rest stays lazy. The flag is set only on V8 11 (Node 20), whose section format the tool writes:
// an unknown flag makes V8 print an error, and elsewhere the section is just ignored. Compiling
// every function eagerly (--no-wasm-lazy-compilation) was measured and not kept: twice the CPU,
// and slower than lazy on a loaded machine (docs/architecture.md). A core that fails to read or
// compile here is left to lxcore's own synchronous path, which reports it.
if (process.versions.v8.startsWith('11.')) setFlagsFromString('--experimental-wasm-compilation-hints');
const coreName = process.env.WASL_CORE_DEBUG === '1' ? 'core.debug.wasm' : 'core.wasm';
let coreCompile: Promise<WebAssembly.Module> | undefined;
try {
  coreCompile = WebAssembly.compile(readFileSync(join(__dirname, '..', 'cpu', coreName)));
  coreCompile.catch(() => { /* cli/wasl.ts falls back to lxcore's own compile */ });
} catch { /* not built: lxcore's coreWasmPath says so */ }
(globalThis as Record<symbol, unknown>)[Symbol.for('wasl.coreCompile')] = coreCompile;

const bundle = join(__dirname, 'wasl.bundle.cjs');
const cacheFile = bundle.replace(/\.cjs$/, '.v8cache');
// WASL_CODE_CACHE=write: the build's run that makes the cache; =off: neither read nor written
// (to measure the difference). A rejected cache is made again only by a plain `node wasl.js`
// (a Node upgrade): one started with V8 or Node options of its own may run under other flags,
// and rewriting the cache for those would make every plain run after it reject it in turn.
const mode = process.env.WASL_CODE_CACHE;
const source = readFileSync(bundle, 'latin1'); // ASCII: tools/bundle-cli.mjs escapes the rest
let cachedData: Buffer | undefined;
if (mode !== 'off' && mode !== 'write') {
  try { cachedData = readFileSync(cacheFile); } catch { /* none yet: compile from source */ }
}
const script = new Script(source, { filename: bundle, cachedData });
const stale = cachedData === undefined || (script.cachedDataRejected === true && process.execArgv.length === 0);
if (mode === 'write' || (mode !== 'off' && stale)) {
  process.on('exit', () => {
    // After the run, so the cache holds the functions that were compiled lazily while it ran.
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {
      rmSync(tmp, { force: true });
    }
  });
}

// The bundle is one function expression taking CommonJS's module arguments. Everything it
// requires is one of Node's modules (tools/bundle-cli.mjs inlines the rest and checks), so its
// `require` is getBuiltinModule: a real one from node:module's createRequire loaded node:module and
// with it the ES module loader and source maps, ~1 ms of a hello's start-up (issue #11).
const builtin = (id: string): unknown => {
  const m = process.getBuiltinModule(id);
  if (m === undefined) throw new Error(`wasl: the bundle requires ${id}, which is not one of Node's modules`);
  return m;
};
const run = script.runInThisContext() as (exports: object, require: (id: string) => unknown, module: object, filename: string, dirname: string) => void;
const bundleModule = { exports: {} };
// The bundle is initialised one event-loop turn later: V8 starts compiling the core's eager
// functions from a task on this thread once the background decode is done, and the thread is
// otherwise busy from here until the bundle has initialised. Given the turn here, the core's
// Liftoff runs in the background while the bundle initialises (measured: docs/architecture.md,
// "Start-up, sixth stage").
setImmediate(() => run(bundleModule.exports, builtin, bundleModule, bundle, dirname(bundle)));
