// The host's network sysctls (/proc/sys/net/...), read once: the defaults a socket starts with
// and the caps setsockopt applies are the host kernel's, so a guest sees what a native program
// on the same machine sees. Linux 6.1's defaults stand in where /proc is not readable.

import { fs } from '../host.js';

const cache = new Map<string, number[]>();

/** Field `index` of /proc/sys/`name` (tcp_wmem has three), or `fallback`. */
export function hostSysctl(name: string, fallback: number, index = 0): number {
  let v = cache.get(name);
  if (!v) {
    try { v = fs.readFileSync(`/proc/sys/${name}`, 'utf8').trim().split(/\s+/).map(Number); } catch { v = []; }
    cache.set(name, v);
  }
  const x = v[index];
  return Number.isFinite(x) ? x : fallback;
}
