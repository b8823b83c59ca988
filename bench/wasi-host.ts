#!/usr/bin/env node
// The WASI runners of `npm run bench` (issue #8): `node dist/bench/wasi-host.js node|wasmer
// FILE.wasm SCRATCH [ARGS...]` runs a wasm32-wasi command with SCRATCH preopened as /scratch, under
// Node's built-in node:wasi or under @wasmer/wasi, and passes its stdout, stderr and exit status on.
// node:wasi reaches the host filesystem (and /dev is preopened too, for /dev/zero and /dev/null);
// @wasmer/wasi 1.x has only its in-memory filesystem (MemFS), so its /scratch is in memory.

import { readFileSync } from 'node:fs';

async function main(): Promise<number> {
  const [host, file, scratch, ...args] = process.argv.slice(2);
  if (!host || !file || !scratch) {
    process.stderr.write('usage: wasi-host node|wasmer FILE.wasm SCRATCH [ARGS...]\n');
    return 2;
  }
  const module = await WebAssembly.compile(readFileSync(file));
  const argv = [file, ...args];
  if (host === 'node') {
    const { WASI } = await import('node:wasi');
    const wasi = new WASI({ version: 'preview1', args: argv, env: {}, preopens: { '/scratch': scratch, '/dev': '/dev' }, returnOnExit: true });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
    return wasi.start(instance);
  }
  if (host === 'wasmer') {
    // A devDependency: imported by name at run time so that the type check does not depend on it.
    const name = '@wasmer/wasi';
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const lib: any = await import(name);
    const m = lib.default && !lib.init ? lib.default : lib;
    await m.init();
    const fs = new m.MemFS();
    fs.createDir('/scratch');
    const wasi = new m.WASI({ args: argv, env: {}, preopens: { '/scratch': '/scratch' }, fs });
    wasi.instantiate(module, {});
    const code: number = wasi.start();
    process.stdout.write(wasi.getStdoutBuffer());
    process.stderr.write(wasi.getStderrBuffer());
    return code;
  }
  process.stderr.write(`unknown WASI host ${host}\n`);
  return 2;
}

main().then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`wasi-host: ${String(e).slice(0, 500)}\n`); process.exitCode = 1; },
);
