// The host services lxcore runs on, in one place: Node's fs, os, crypto, net, dgram, tty, path,
// url and zlib. Nothing in lxcore, volfs or drvfs imports a `node:` module itself (but the
// instance API, lxcore/instance/, whose streams and events are Node's own: the page does not use it); they take the
// modules from here, and this file takes them from `process.getBuiltinModule` (Node >= 20.16)
// at load time instead of a static import. On Node that is the real module. In the browser
// playground's Worker (examples/playground/src/worker/host.ts) a Node-shaped host is installed
// before the kernel is imported: `process`, `Buffer` and modules built on browser APIs (a memfs
// volume as fs, Web Crypto, no sockets), so the same kernel code runs there, and a bundler sees
// no `node:` import to fail on. A module the host lacks is undefined; only code paths that need
// it (the host passthrough, IP sockets) ever touch it.

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

export const fs = builtin<typeof NodeFs>('node:fs');
export const os = builtin<typeof NodeOs>('node:os');
export const crypto = builtin<typeof NodeCrypto>('node:crypto');
export const net = builtin<typeof NodeNet>('node:net');
export const dgram = builtin<typeof NodeDgram>('node:dgram');
export const tty = builtin<typeof NodeTty>('node:tty');
export const path = builtin<typeof NodePath>('node:path');
export const url = builtin<typeof NodeUrl>('node:url');
export const zlib = builtin<typeof NodeZlib>('node:zlib');
/** Only for host tools a store may call (`sync -f` for syncfs); absent in the browser. */
export const childProcess = builtin<typeof NodeChildProcess>('node:child_process');

/** Whether IP sockets exist on this host (the browser has none: socket() answers EACCES). */
export const hasNetwork = net !== undefined && dgram !== undefined;
