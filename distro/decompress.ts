// A tarball's compression, recognised by its magic bytes (not its name, so `-` on stdin works
// too) and undone as a stream: gzip with Node's zlib; xz and zstd with the host's `xz`/`zstd`
// when they are on PATH (native, several times faster than wasm or JavaScript, and on another
// core), else with xz-decompress (xz-embedded in wasm) and fzstd (JavaScript). bzip2 is refused
// with a message: Node has no decoder for it.

import { spawn, spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { TarError } from './tar.js';

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd';

const startsWith = (b: Uint8Array, magic: number[]) => magic.every((c, i) => b[i] === c);

export function sniff(head: Uint8Array): Compression | 'bzip2' {
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (startsWith(head, [0x42, 0x5a, 0x68])) return 'bzip2';
  return 'none';
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** `source` with its first chunks put back in front. */
async function* prepend(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* head;
  for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
}

/** Pipes `input` through a host decompressor; its failure (corrupt input) is thrown. */
async function* hostFilter(cmd: string, input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const child = spawn(cmd, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  child.stdin.on('error', () => { /* the decompressor quit early: its status says why */ });
  const feeding = (async () => {
    try {
      for await (const c of input) if (!child.stdin.write(c)) await new Promise((r) => child.stdin.once('drain', r));
    } finally { child.stdin.end(); }
  })();
  let feedError: unknown;
  feeding.catch((e) => { feedError = e; child.kill(); });
  let drained = false;
  try {
    for await (const c of child.stdout) yield c as Uint8Array;
    drained = true;
  } finally {
    // Stopped early (the tar reader failed, or its consumer did): the decompressor must go.
    // After its whole output it is left to exit by itself, its status then says if all was well.
    if (!drained && child.exitCode === null) child.kill();
  }
  const code = await exited;
  if (feedError) throw feedError;
  if (code !== 0) throw new TarError(`corrupted ${cmd} data: ${stderr.trim().split('\n').pop() ?? `${cmd} failed`}`);
}

async function* gunzip(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const z = zlib.createGunzip();
  const src = Readable.from(input);
  src.on('error', (e) => z.destroy(e));
  src.pipe(z);
  try {
    for await (const c of z) yield c as Uint8Array;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new TarError(`corrupted gzip data: ${(e as Error).message}`);
    throw e;
  }
}

async function* zstdJs(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { Decompress } = await import('fzstd');
  const out: Uint8Array[] = [];
  let ended = false;
  const d = new Decompress((chunk, final) => { out.push(chunk); if (final) ended = true; });
  try {
    for await (const c of input) { d.push(c); yield* out.splice(0); }
    d.push(new Uint8Array(0), true);
  } catch (e) {
    throw new TarError(`corrupted zstd data: ${(e as Error).message}`);
  }
  yield* out.splice(0);
  if (!ended) throw new TarError('truncated zstd data');
}

async function* xzWasm(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // A webpack UMD bundle: its exports sit on `default` when imported from ES modules.
  const m = await import('xz-decompress') as unknown as { default?: typeof import('xz-decompress') } & typeof import('xz-decompress');
  const XzReadableStream = m.XzReadableStream ?? m.default!.XzReadableStream;
  const web = Readable.toWeb(Readable.from(input)) as unknown as ReadableStream<Uint8Array>;
  try {
    for await (const c of new XzReadableStream(web) as unknown as AsyncIterable<Uint8Array>) yield c;
  } catch (e) {
    throw new TarError(`corrupted xz data: ${(e as Error).message ?? e}`);
  }
}

/** The decompressed bytes of `source`, whatever of gzip, xz, zstd or nothing it is. */
export async function* decompressed(source: AsyncIterable<Uint8Array>, useHostTools = true): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let have = 0;
  while (have < 6) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    have += r.value.length;
  }
  const first = Buffer.concat(head);
  const kind = sniff(first);
  const all = prepend(head, it);
  switch (kind) {
    case 'none': yield* all; return;
    case 'gzip': yield* gunzip(all); return;
    case 'xz': yield* (useHostTools && onPath('xz') ? hostFilter('xz', all) : xzWasm(all)); return;
    case 'zstd': yield* (useHostTools && onPath('zstd') ? hostFilter('zstd', all) : zstdJs(all)); return;
    case 'bzip2': throw new TarError('bzip2-compressed tarballs are not supported (decompress it first, or use gzip, xz or zstd)');
  }
}
