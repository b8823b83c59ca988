// node:path for the Worker: the POSIX functions (the guest's and memfs's paths are all POSIX).

export const sep = '/';
export const delimiter = ':';

export function normalize(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') { if (out.length && out[out.length - 1] !== '..') out.pop(); else if (!abs) out.push('..'); } else out.push(part);
  }
  const s = (abs ? '/' : '') + out.join('/');
  return s || (abs ? '/' : '.');
}
export function isAbsolute(p: string): boolean { return p.startsWith('/'); }
export function join(...parts: string[]): string { return normalize(parts.filter(Boolean).join('/') || '.'); }
export function resolve(...parts: string[]): string {
  let r = '';
  for (let i = parts.length - 1; i >= 0 && !r.startsWith('/'); i--) if (parts[i]) r = parts[i] + (r ? '/' + r : '');
  if (!r.startsWith('/')) r = '/' + r;
  const n = normalize(r);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}
export function dirname(p: string): string {
  const s = p.replace(/\/+$/, '');
  const i = s.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : s.slice(0, i);
}
export function basename(p: string, ext?: string): string {
  const b = p.replace(/\/+$/, '').split('/').pop() ?? '';
  return ext && b.endsWith(ext) && b !== ext ? b.slice(0, -ext.length) : b;
}
export function extname(p: string): string { const b = basename(p); const i = b.lastIndexOf('.'); return i <= 0 ? '' : b.slice(i); }
export function relative(from: string, to: string): string {
  const a = resolve(from).split('/').filter(Boolean), b = resolve(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...Array(a.length - i).fill('..'), ...b.slice(i)].join('/');
}
export function parse(p: string) { const base = basename(p), ext = extname(p); return { root: p.startsWith('/') ? '/' : '', dir: dirname(p), base, ext, name: ext ? base.slice(0, -ext.length) : base }; }
export function format(o: { dir?: string; base?: string }): string { return (o.dir ? o.dir + '/' : '') + (o.base ?? ''); }
export function toNamespacedPath(p: string): string { return p; }

export const posix = { sep, delimiter, normalize, isAbsolute, join, resolve, dirname, basename, extname, relative, parse, format, toNamespacedPath };
(posix as Record<string, unknown>).posix = posix;
export default posix;
