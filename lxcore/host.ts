// The host services lxcore runs on, in one place: Node's fs, os, crypto, net, dgram, tty, path,
// url and zlib. Nothing in lxcore, volfs or drvfs imports a `node:` module itself (but the
// instance API, lxcore/instance/, whose streams and events are Node's own: the page does not use it); they take the
// modules from here, and this file takes them from `process.getBuiltinModule` (Node >= 20.16)
// at load time instead of a static import. On Node that is the real module. In the browser
// playground's Worker (examples/playground/src/worker/host.ts) a Node-shaped host is installed
// before the kernel is imported: `process`, `Buffer` and modules built on browser APIs (a memfs
// volume as fs, Web Crypto, no sockets), so the same kernel code runs there, and a bundler sees
// no `node:` import to fail on. A module the host lacks is undefined; only code paths that need
// it (the host passthrough, IP sockets) ever touch it. The modules a plain run does not need
// are loaded on first use (lazyBuiltin).

import type * as NodeFs from 'node:fs';
import type * as NodeOs from 'node:os';
import type * as NodeCrypto from 'node:crypto';
import type * as NodeNet from 'node:net';
import type * as NodeDgram from 'node:dgram';
import type * as NodeTty from 'node:tty';
import type * as NodePath from 'node:path';
import type * as NodeUrl from 'node:url';
import type * as NodeZlib from 'node:zlib';
import type * as NodeChildProcess from 'node:child_process';

function builtin<T>(name: string): T {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  return p?.getBuiltinModule?.(name) as T;
}

/**
 * A module that is loaded on its first use (issue #11, start-up): crypto, net, dgram, tty, zlib
 * and child_process together cost a static hello ~6 ms of CPU and ~3 MB to load, and a plain
 * run needs none of them. A property read loads the real module and returns its member; on a
 * host that lacks the module (the browser has no net) the first use throws, as using an
 * undefined module did.
 */
function lazyBuiltin<T extends object>(name: string): T {
  let m: T | undefined;
  const load = (): T => (m ??= builtin<T>(name));
  return new Proxy({} as T, {
    get: (_t, key) => Reflect.get(load(), key),
    has: (_t, key) => key in load(),
  });
}

export const fs = builtin<typeof NodeFs>('node:fs');
export const os = lazyBuiltin<typeof NodeOs>('node:os');
export const path = builtin<typeof NodePath>('node:path');
/**
 * A host path's canonical form: realpath(3) in one call where the host has it (Node's
 * realpathSync.native). fs.realpathSync walks the path in JavaScript, an lstat per component:
 * ~0.2 ms against 0.02 for the first program of every run (issue #11). Same answers and errors
 * on Linux; a host without the native form (the browser's memfs) keeps its own.
 */
export function realpathHost(p: string): string {
  const native = fs.realpathSync.native as ((p: string) => string) | undefined;
  return native ? native(p) : fs.realpathSync(p);
}
export const url = builtin<typeof NodeUrl>('node:url');
export const crypto = lazyBuiltin<typeof NodeCrypto>('node:crypto');
export const net = lazyBuiltin<typeof NodeNet>('node:net');
export const dgram = lazyBuiltin<typeof NodeDgram>('node:dgram');
export const tty = lazyBuiltin<typeof NodeTty>('node:tty');
export const zlib = lazyBuiltin<typeof NodeZlib>('node:zlib');
/** Only for host tools a store may call (`sync -f` for syncfs); absent in the browser. */
export const childProcess = lazyBuiltin<typeof NodeChildProcess>('node:child_process');

/** Whether IP sockets exist on this host (the browser has none: socket() answers EACCES). */
export function hasNetwork(): boolean {
  return builtin('node:net') !== undefined && builtin('node:dgram') !== undefined;
}

/**
 * Whether host fd `fd` is a terminal. node:tty is loaded only for a character device that may
 * be one: not for major 1, Linux's memory devices (/dev/null, /dev/zero), a common stdin.
 */
export function isTerminal(fd: number): boolean {
  try {
    const st = fs.fstatSync(fd);
    if (!st.isCharacterDevice() || (st.rdev >> 8 & 0xfff) === 1) return false;
  } catch { return false; }
  return tty.isatty(fd);
}

/**
 * Fills `buf` with random bytes from the host's /dev/urandom (three system calls), else from
 * node:crypto, which costs a millisecond or more to load (AT_RANDOM at every exec needs 16).
 */
export function randomFill(buf: Uint8Array): Uint8Array {
  try {
    const fd = fs.openSync('/dev/urandom', 'r');
    try {
      if (fs.readSync(fd, buf, 0, buf.length, null) === buf.length) return buf;
    } finally { fs.closeSync(fd); }
  } catch { /* not Linux, or no /dev here (the browser's memfs host) */ }
  crypto.randomFillSync(buf);
  return buf;
}
