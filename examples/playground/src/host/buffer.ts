// A Buffer for the Worker: the part of Node's Buffer that lxcore and memfs use, as a Uint8Array
// subclass (slice shares memory, as Node's does). Encodings: utf8, latin1/binary, ascii, hex, base64.

const enc = new TextEncoder();
const dec = new TextDecoder();

type Encoding = 'utf8' | 'utf-8' | 'latin1' | 'binary' | 'ascii' | 'hex' | 'base64' | string;

function encode(s: string, e: Encoding = 'utf8'): Uint8Array {
  switch (e.toLowerCase()) {
    case 'latin1': case 'binary': case 'ascii': return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
    case 'hex': { const n = s.length >> 1, b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = parseInt(s.substr(i * 2, 2), 16); return b; }
    case 'base64': { const bin = atob(s.replace(/[^A-Za-z0-9+/]/g, '')); return Uint8Array.from(bin, (c) => c.charCodeAt(0)); }
    default: return enc.encode(s);
  }
}

function decode(b: Uint8Array, e: Encoding = 'utf8'): string {
  switch (e.toLowerCase()) {
    case 'latin1': case 'binary': case 'ascii': { let s = ''; for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096)); return s; }
    case 'hex': return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    case 'base64': return btoa(decode(b, 'latin1'));
    default: return dec.decode(b);
  }
}

export class Buffer extends Uint8Array {
  static from(v: unknown, a?: unknown, b?: unknown): Buffer {
    if (typeof v === 'string') { const u = encode(v, a as string); return new Buffer(u.buffer as ArrayBuffer, u.byteOffset, u.length); }
    if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) {
      const off = (a as number) ?? 0;
      return new Buffer(v as ArrayBuffer, off, (b as number) ?? v.byteLength - off);
    }
    const src = ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : Uint8Array.from(v as ArrayLike<number>);
    const out = new Buffer(src.length);
    out.set(src);
    return out;
  }
  static alloc(n: number, fill?: number | string): Buffer { const b = new Buffer(n); if (fill !== undefined) b.fill(fill); return b; }
  static allocUnsafe(n: number): Buffer { return new Buffer(n); }
  static allocUnsafeSlow(n: number): Buffer { return new Buffer(n); }
  static isBuffer(v: unknown): v is Buffer { return v instanceof Buffer; }
  static isEncoding(e: string): boolean { return ['utf8', 'utf-8', 'latin1', 'binary', 'ascii', 'hex', 'base64'].includes(e.toLowerCase()); }
  static byteLength(v: string | ArrayBufferView, e?: Encoding): number { return typeof v === 'string' ? encode(v, e).length : v.byteLength; }
  static concat(list: Uint8Array[], total?: number): Buffer {
    const n = total ?? list.reduce((s, x) => s + x.length, 0);
    const out = new Buffer(n);
    let at = 0;
    for (const x of list) { if (at >= n) break; out.set(x.subarray(0, n - at), at); at += x.length; }
    return out;
  }
  static compare(a: Uint8Array, b: Uint8Array): number {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }

  override fill(v: number | string, start?: number, end?: number): this {
    if (typeof v === 'string') v = v.length ? v.charCodeAt(0) : 0;
    return super.fill(v, start, end);
  }
  override toString(e?: Encoding, start = 0, end = this.length): string { return decode(this.subarray(start, end), e); }
  toJSON(): { type: 'Buffer'; data: number[] } { return { type: 'Buffer', data: Array.from(this) }; }
  equals(o: Uint8Array): boolean { return Buffer.compare(this, o) === 0; }
  compare(o: Uint8Array): number { return Buffer.compare(this, o); }
  override slice(start?: number, end?: number): Buffer { return this.subarray(start, end) as Buffer; }
  write(s: string, offset = 0, length?: number | string, e?: Encoding): number {
    if (typeof length === 'string') { e = length; length = undefined; }
    const b = encode(s, e).subarray(0, Math.min(length ?? Infinity, this.length - offset));
    this.set(b, offset);
    return b.length;
  }
  copy(target: Uint8Array, tStart = 0, sStart = 0, sEnd = this.length): number {
    const part = this.subarray(sStart, Math.min(sEnd, sStart + target.length - tStart));
    target.set(part, tStart);
    return part.length;
  }
  private dv(): DataView { return new DataView(this.buffer, this.byteOffset, this.byteLength); }
  readUInt8(o = 0): number { return this[o]; }
  readUInt16LE(o = 0): number { return this.dv().getUint16(o, true); }
  readUInt32LE(o = 0): number { return this.dv().getUint32(o, true); }
  readInt32LE(o = 0): number { return this.dv().getInt32(o, true); }
  readUInt32BE(o = 0): number { return this.dv().getUint32(o, false); }
  readBigUInt64LE(o = 0): bigint { return this.dv().getBigUint64(o, true); }
  readBigInt64LE(o = 0): bigint { return this.dv().getBigInt64(o, true); }
  writeUInt8(v: number, o = 0): number { this[o] = v; return o + 1; }
  writeUInt16LE(v: number, o = 0): number { this.dv().setUint16(o, v, true); return o + 2; }
  writeUInt32LE(v: number, o = 0): number { this.dv().setUint32(o, v, true); return o + 4; }
  writeInt32LE(v: number, o = 0): number { this.dv().setInt32(o, v, true); return o + 4; }
  writeUInt32BE(v: number, o = 0): number { this.dv().setUint32(o, v, false); return o + 4; }
  writeBigUInt64LE(v: bigint, o = 0): number { this.dv().setBigUint64(o, BigInt(v), true); return o + 8; }
  writeBigInt64LE(v: bigint, o = 0): number { this.dv().setBigInt64(o, BigInt(v), true); return o + 8; }
}
