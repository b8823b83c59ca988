// The tar format, read and written as a stream: POSIX ustar headers, PAX extended headers
// ('x' per entry, 'g' global) and GNU long names ('L', 'K'). What a Linux rootfs needs: every
// file type, modes with setuid/setgid/sticky, numeric owners, nanosecond times (PAX mtime and
// atime) and xattrs (PAX SCHILY.xattr.NAME, values as raw bytes). Formats: POSIX.1-2001 "pax"
// (IEEE Std 1003.1, pax(1)), GNU tar's manual ("Basic Tar Format"). Our own codec rather than
// tar-stream's: tar-stream decodes PAX values as UTF-8 text (binary xattr values such as
// security.capability would be mangled) and drops nanosecond times (docs/architecture.md).
//
//   header block (512 bytes):  name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8]
//     typeflag[1] linkname[100] magic[6] version[2] uname[32] gname[32] devmajor[8]
//     devminor[8] prefix[155] (POSIX "ustar\0" only; GNU's "ustar  \0" keeps other fields there)

export type TarType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarEntry {
  /** The path as the archive names it (UTF-8), without normalisation. */
  path: string;
  type: TarType;
  /** Permission bits, setuid/setgid/sticky included (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of contents that follow (regular files only). */
  size: number;
  mtimeNs: bigint;
  atimeNs?: bigint;
  /** A symlink's target, or the path a hard link names. */
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: [string, Uint8Array][];
}

/** The archive is not a tarball we can read, or ends early: the message says which. */
export class TarError extends Error {}

const BLOCK = 512;
const TYPES: Record<string, TarType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};
const utf8 = new TextDecoder();

/** Reads exact byte counts from a stream of chunks. */
class ByteReader {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Bytes consumed so far (for messages). */
  offset = 0;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    while (this.pos >= this.buf.length) {
      const r = await this.it.next();
      if (r.done) return false;
      this.buf = r.value;
      this.pos = 0;
    }
    return true;
  }

  /** Up to `max` bytes (at least one), or null at the end of the stream. No copy. */
  async some(max: number): Promise<Uint8Array | null> {
    if (!(await this.fill())) return null;
    const n = Math.min(max, this.buf.length - this.pos);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return out;
  }

  /** Exactly `n` bytes, or fewer if the stream ends first. */
  async exact(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const c = await this.some(n - got);
      if (!c) return out.subarray(0, got);
      out.set(c, got);
      got += c.length;
    }
    return out;
  }
}

/** A numeric header field: octal text, or GNU's base-256 (high bit of the first byte set). */
function num(b: Uint8Array, off: number, len: number): number {
  const f = b.subarray(off, off + len);
  if (f[0] & 0x80) {
    let v = f[0] & 0x3f; // a negative base-256 value (bit 6) is not a size or id we accept
    if (f[0] & 0x40) throw new TarError('negative base-256 number in a header');
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return v;
  }
  const text = utf8.decode(f).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`bad octal number "${text}" in a header`);
  return parseInt(text, 8);
}

function str(b: Uint8Array, off: number, len: number): string {
  const f = b.subarray(off, off + len);
  const end = f.indexOf(0);
  return utf8.decode(end < 0 ? f : f.subarray(0, end));
}

/** The header's checksum: the sum of its bytes with the checksum field read as spaces. */
function checksum(b: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0, signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return { unsigned, signed };
}

/** A PAX time ("1700000000.123456789") in nanoseconds. */
function paxTime(v: string): bigint {
  const m = /^(-?\d+)(?:\.(\d*))?$/.exec(v);
  if (!m) throw new TarError(`bad PAX time "${v}"`);
  const frac = (m[2] ?? '').slice(0, 9).padEnd(9, '0');
  const s = BigInt(m[1]);
  return s * 1_000_000_000n + (s < 0n ? -1n : 1n) * BigInt(frac);
}

/** PAX records "LEN key=value\n", values kept as bytes (xattr values are binary). */
function parsePax(b: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let off = 0;
  while (off < b.length) {
    if (b[off] === 0) break; // padding
    const sp = b.indexOf(0x20, off);
    const len = sp > off ? parseInt(utf8.decode(b.subarray(off, sp)), 10) : NaN;
    if (!(len > 0) || off + len > b.length || b[off + len - 1] !== 0x0a) throw new TarError('malformed PAX extended header');
    const rec = b.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarError('malformed PAX record (no "=")');
    out.set(utf8.decode(rec.subarray(0, eq)), rec.subarray(eq + 1));
    off += len;
  }
  return out;
}

/**
 * The entries of a tar stream, in order. Each comes with `body`, which yields its contents
 * (regular files); contents not read are skipped. Throws TarError on a bad checksum, an unknown
 * entry type, or a stream that ends before the end-of-archive marker (a truncated tarball).
 */
export async function* readTar(chunks: AsyncIterable<Uint8Array>):
  AsyncGenerator<{ entry: TarEntry; body: () => AsyncGenerator<Uint8Array> }> {
  const r = new ByteReader(chunks[Symbol.asyncIterator]());
  let global = new Map<string, Uint8Array>();
  let local = new Map<string, Uint8Array>();
  let longName: string | null = null, longLink: string | null = null;
  for (;;) {
    const at = r.offset;
    const h = await r.exact(BLOCK);
    if (h.length === 0) throw new TarError('truncated: the archive ends without its end-of-archive marker');
    if (h.length < BLOCK) throw new TarError(`truncated: a header at byte ${at} is cut short`);
    if (h.every((c) => c === 0)) return; // end of archive (the second zero block is optional to us)
    let sum = -1;
    try { sum = num(h, 148, 8); } catch { /* not even a number: reported as a bad checksum */ }
    const { unsigned, signed } = checksum(h);
    if (sum !== unsigned && sum !== signed) throw new TarError(`bad header checksum at byte ${at} (not a tarball, or corrupted)`);
    const flag = String.fromCharCode(h[156]);
    let size = num(h, 124, 12);
    const magic = utf8.decode(h.subarray(257, 263));

    // Extension headers describe the entry that follows.
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const body = await r.exact(size);
      if (body.length < size) throw new TarError(`truncated: an extended header at byte ${at} is cut short`);
      await skipPadding(r, size, at);
      if (flag === 'x') local = parsePax(body);
      else if (flag === 'g') global = new Map([...global, ...parsePax(body)]);
      else if (flag === 'L') longName = str(body, 0, body.length);
      else longLink = str(body, 0, body.length);
      continue;
    }
    const type = TYPES[flag];
    if (!type) throw new TarError(`unsupported entry type '${flag}' at byte ${at}`);
    const pax = new Map([...global, ...local]);
    const text = (k: string) => { const v = pax.get(k); return v === undefined ? undefined : utf8.decode(v); };
    let path = str(h, 0, 100);
    const prefix = magic === 'ustar\0' ? str(h, 345, 155) : '';
    if (prefix) path = `${prefix}/${path}`;
    path = text('path') ?? longName ?? path;
    if (text('size') !== undefined) size = Number(text('size'));
    const mtime = text('mtime');
    const atime = text('atime');
    const xattrs: [string, Uint8Array][] = [];
    for (const [k, v] of pax) if (k.startsWith('SCHILY.xattr.')) xattrs.push([k.slice(13), v]);
    for (const k of pax.keys()) if (k.startsWith('GNU.sparse.')) throw new TarError(`sparse file ${path}: GNU sparse entries are not supported`);
    const entry: TarEntry = {
      path,
      type,
      mode: num(h, 100, 8) & 0o7777,
      uid: text('uid') !== undefined ? Number(text('uid')) : num(h, 108, 8),
      gid: text('gid') !== undefined ? Number(text('gid')) : num(h, 116, 8),
      size: type === 'file' ? size : 0,
      mtimeNs: mtime !== undefined ? paxTime(mtime) : BigInt(num(h, 136, 12)) * 1_000_000_000n,
      atimeNs: atime !== undefined ? paxTime(atime) : undefined,
      linkname: text('linkpath') ?? longLink ?? str(h, 157, 100),
      devmajor: num(h, 329, 8),
      devminor: num(h, 337, 8),
      xattrs,
    };
    local = new Map();
    longName = longLink = null;
    // Contents follow regular files, and hard links whose writer stored the data again (pax
    // allows it; GNU writes size 0); other types have no data records whatever the field says.
    const dataSize = type === 'file' || type === 'link' ? size : 0;
    let left = dataSize;
    const body = async function* (): AsyncGenerator<Uint8Array> {
      while (left > 0) {
        const c = await r.some(Math.min(left, 1 << 20));
        if (!c) throw new TarError(`truncated: the contents of ${path} are cut short`);
        left -= c.length;
        yield c;
      }
    };
    yield { entry, body };
    for await (const _ of body()) { /* skip what the consumer did not read */ }
    await skipPadding(r, dataSize, at);
  }
}

async function skipPadding(r: ByteReader, size: number, at: number): Promise<void> {
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  if (pad && (await r.exact(pad)).length < pad) throw new TarError(`truncated: the entry at byte ${at} is cut short`);
}

// ---- writing --------------------------------------------------------------------------------

const enc = new TextEncoder();
const TYPEFLAG: Record<TarType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

function putStr(b: Uint8Array, off: number, len: number, s: string): boolean {
  const bytes = enc.encode(s);
  if (bytes.length > len) return false;
  b.set(bytes, off);
  return true;
}

/** An octal field (len-1 digits and a NUL); false if the value does not fit. */
function putNum(b: Uint8Array, off: number, len: number, v: number): boolean {
  const t = v.toString(8);
  if (v < 0 || t.length > len - 1) return false;
  putStr(b, off, len, t.padStart(len - 1, '0'));
  return true;
}

/** One PAX record: its length prefix counts itself. */
function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const body = new Uint8Array([...enc.encode(` ${key}=`), ...value, 0x0a]);
  let len = body.length + 1;
  while (String(len).length + body.length > len) len++;
  const out = new Uint8Array(len);
  out.set(enc.encode(String(len)));
  out.set(body, len - body.length);
  return out;
}

function nsText(ns: bigint): string {
  const s = ns / 1_000_000_000n, f = ns % 1_000_000_000n;
  return f === 0n ? String(s) : `${s}.${String(f).padStart(9, '0').replace(/0+$/, '')}`;
}

function headerBlock(e: TarEntry, name: string, flag: string, size: number, link: string, pax: Map<string, Uint8Array>): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const fits = (ok: boolean, key: string, value: string) => { if (!ok) pax.set(key, enc.encode(value)); };
  fits(putStr(b, 0, 100, name), 'path', name);
  putNum(b, 100, 8, e.mode & 0o7777);
  fits(putNum(b, 108, 8, e.uid), 'uid', String(e.uid));
  fits(putNum(b, 116, 8, e.gid), 'gid', String(e.gid));
  fits(putNum(b, 124, 12, size), 'size', String(size));
  putNum(b, 136, 12, Math.max(0, Math.min(0o77777777777, Number(e.mtimeNs / 1_000_000_000n))));
  b[156] = flag.charCodeAt(0);
  fits(putStr(b, 157, 100, link), 'linkpath', link);
  b.set(enc.encode('ustar\x0000'), 257);
  putNum(b, 329, 8, e.devmajor);
  putNum(b, 337, 8, e.devminor);
  return b;
}

function sealChecksum(b: Uint8Array): void {
  b.fill(0x20, 148, 156);
  const { unsigned } = checksum(b);
  putStr(b, 148, 8, unsigned.toString(8).padStart(6, '0') + '\0 ');
}

/**
 * The header block(s) of one entry: a PAX extended header first when something does not fit
 * ustar (long or non-ASCII names, large ids or sizes), when the times have nanoseconds, or when
 * the entry has xattrs. The entry's contents and padding() follow for regular files.
 */
export function tarHeader(e: TarEntry): Uint8Array {
  const pax = new Map<string, Uint8Array>();
  const flag = TYPEFLAG[e.type];
  const size = e.type === 'file' ? e.size : 0;
  const main = headerBlock(e, e.path, flag, size, e.linkname, pax);
  if (/[^\x20-\x7e]/.test(e.path)) pax.set('path', enc.encode(e.path));
  if (/[^\x20-\x7e]/.test(e.linkname)) pax.set('linkpath', enc.encode(e.linkname));
  if (e.mtimeNs % 1_000_000_000n !== 0n || e.mtimeNs < 0n) pax.set('mtime', enc.encode(nsText(e.mtimeNs)));
  if (e.atimeNs !== undefined) pax.set('atime', enc.encode(nsText(e.atimeNs)));
  for (const [k, v] of e.xattrs) pax.set(`SCHILY.xattr.${k}`, v);
  sealChecksum(main);
  if (pax.size === 0) return main;
  const records = [...pax].map(([k, v]) => paxRecord(k, v));
  const body = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let off = 0;
  for (const r of records) { body.set(r, off); off += r.length; }
  // The extended header's own name is informational (GNU tar: "./PaxHeaders/NAME").
  const base = e.path.replace(/\/+$/, '').split('/').pop() || '.';
  const xname = `PaxHeaders/${base}`.slice(0, 99).replace(/[^\x20-\x7e]/g, '_');
  const xh = headerBlock({ ...e, mode: 0o644, uid: 0, gid: 0, devmajor: 0, devminor: 0 }, xname, 'x', body.length, '', new Map());
  sealChecksum(xh);
  const out = new Uint8Array(BLOCK + body.length + padding(body.length).length + BLOCK);
  out.set(xh, 0);
  out.set(body, BLOCK);
  out.set(main, out.length - BLOCK);
  return out;
}

/** Zeros that round `size` bytes of contents up to whole blocks. */
export function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The end-of-archive marker: two zero blocks. */
export const TAR_END = new Uint8Array(2 * BLOCK);
