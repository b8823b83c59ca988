// The host-side API over an instance's files (lxcore/vfs/guestfs.ts, WSL's \\wsl$): a sequence of
// fs.promises calls as uid 1000 against an --isolated instance's volfs, and the same calls by a
// Node process that really runs as uid 1000 on the host (the oracle), over the same tree: every
// outcome (value or error code) and the final tree must agree.

import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vfs } from '../../lxcore/vfs/vfs.js';
import { GuestFs } from '../../lxcore/vfs/guestfs.js';

type Op = [string, ...unknown[]];
/** Calls on paths under /w (the oracle prefixes its scratch directory). */
const OPS: Op[] = [
  ['readFile', '/w/pub', 'utf8'], ['readFile', '/w/ro/secret', 'utf8'], ['writeFile', '/w/ro/new', 'x'],
  ['writeFile', '/w/mine/a', 'hello'], ['readFile', '/w/mine/a', 'utf8'], ['mkdir', '/w/mine/d'], ['mkdir', '/w/mine/d'],
  ['symlink', 'a', '/w/mine/l'], ['readlink', '/w/mine/l'], ['readFile', '/w/mine/l', 'utf8'],
  ['stat', '/w/mine/l'], ['lstat', '/w/mine/l'], ['rename', '/w/mine/a', '/w/mine/d/b'], ['readFile', '/w/mine/l', 'utf8'],
  ['unlink', '/w/sticky/rootfile'], ['writeFile', '/w/sticky/myfile', 'm'], ['unlink', '/w/sticky/myfile'],
  ['rmdir', '/w/mine/d'], ['unlink', '/w/mine/d'], ['rmdir', '/w/mine/l'], ['chmod', '/w/pub', 0o600],
  ['chmod', '/w/mine/d/b', 0o600], ['stat', '/w/mine/d/b'], ['chown', '/w/mine/d/b', 0, 0], ['chown', '/w/mine/d/b', 1000, 1000],
  ['readdir', '/w/ro'], ['readdir', '/w/nope'], ['readdir', '/w/pub'], ['writeFile', '/w/pub', 'no'],
  ['rename', '/w/mine/d', '/w/mine/d/sub'], ['readFile', '/w/ro/../mine/d/b', 'utf8'], ['mkdir', '/w/ro/x'],
  ['readFile', '/w/mine'], ['writeFile', '/w/mine/d/b', 'replaced'], ['readFile', '/w/mine/d/b', 'utf8'],
];

/** A call's outcome as text: the error code, or "ok" and what it returned (stats as their type and mode). */
const OUTCOME = `async (f, op, args) => {
  try {
    const v = await f[op](...args);
    if (v && typeof v === 'object' && 'isFile' in v) return 'ok ' + (v.isFile() ? 'file' : v.isDirectory() ? 'dir' : v.isSymbolicLink() ? 'link' : '?') + ' ' + (v.mode & 0o7777).toString(8) + ' ' + v.uid + ':' + v.gid;
    if (Array.isArray(v)) return 'ok ' + [...v].sort().join(',');
    return v === undefined ? 'ok' : 'ok ' + String(v);
  } catch (e) { return e.code ?? String(e); }
}`;

/** The tree under /w: each path with its type, mode, owner and contents. */
const TREE = `(fs, base) => {
  const out = [];
  const walk = (p) => { for (const n of fs.readdirSync(base + p).sort()) {
    const q = p + '/' + n; const s = fs.lstatSync(base + q);
    out.push(q + ' ' + (s.mode & 0o170000).toString(8) + ' ' + (s.mode & 0o7777).toString(8) + ' ' + s.uid + ':' + s.gid + (s.isFile() ? ' ' + fs.readFileSync(base + q, 'utf8') : s.isSymbolicLink() ? ' -> ' + fs.readlinkSync(base + q) : ''));
    if (s.isDirectory()) walk(q);
  } };
  walk('/w');
  return out;
}`;

const root = process.getuid?.() === 0;

describe.skipIf(!root)('GuestFs (skipped unless root: the oracle must run as uid 1000)', () => {
  it('fs.promises calls as uid 1000 agree with a host process running as uid 1000', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'wasl-guestfs-'));
    try {
      fs.chmodSync(dir, 0o755);
      // The same tree both ways, made by root.
      const setup = (mkdir: (p: string, m: number, uid: number) => void, write: (p: string, s: string, m: number) => void) => {
        mkdir('/w', 0o755, 0); mkdir('/w/ro', 0o755, 0); mkdir('/w/mine', 0o755, 1000); mkdir('/w/sticky', 0o1777, 0);
        write('/w/ro/secret', 's', 0o600); write('/w/pub', 'p', 0o644); write('/w/sticky/rootfile', 'r', 0o644);
      };
      setup((p, m, uid) => { fs.mkdirSync(dir + p); fs.chmodSync(dir + p, m); fs.chownSync(dir + p, uid, uid); },
        (p, s, m) => { fs.writeFileSync(dir + p, s); fs.chmodSync(dir + p, m); });
      const oracle = spawnSync(process.execPath, ['-e', `
        const fs = require('node:fs');
        process.setgroups([]); process.setgid(1000); process.setuid(1000); process.umask(0o022);
        const base = ${JSON.stringify(dir)};
        const ops = ${JSON.stringify(OPS)};
        const outcome = ${OUTCOME};
        const fix = (a) => typeof a === 'string' && a.startsWith('/w') ? base + a : a;
        (async () => {
          const out = [];
          for (const [op, ...args] of ops) out.push(op + ' ' + await outcome(fs.promises, op, args.map(fix)));
          console.log(JSON.stringify({ out }));
        })();`], { encoding: 'utf8' });
      expect(oracle.status, oracle.stderr).toBe(0);
      const want = JSON.parse(oracle.stdout);
      want.tree = (eval(TREE) as (f: typeof fs, b: string) => string[])(fs, dir); // read as root

      const vfs = new Vfs({ isolated: true, mounts: [], uid: 0, gid: 0 });
      const asRoot = new GuestFs(vfs, { uid: 0, gid: 0 });
      const pending: Promise<void>[] = [];
      setup((p, m, uid) => { pending.push(asRoot.mkdir(p, { mode: m }).then(() => asRoot.chmod(p, m)).then(() => asRoot.chown(p, uid, uid))); },
        (p, s, m) => { pending.push(asRoot.writeFile(p, s).then(() => asRoot.chmod(p, m))); });
      for (const p of pending) await p;
      const gfs = new GuestFs(vfs, { uid: 1000, gid: 1000 });
      const outcome = eval(OUTCOME) as (f: unknown, op: string, args: unknown[]) => Promise<string>;
      const got: string[] = [];
      for (const [op, ...args] of OPS) got.push(op + ' ' + await outcome(gfs, op, args));
      // The sequence exercises the refusals, not only successes.
      for (const code of ["EACCES", "EPERM", "EEXIST", "ENOTEMPTY", "EISDIR", "ENOTDIR", "EINVAL", "ENOENT"]) expect(want.out.join(" ")).toContain(code);
      expect(got).toEqual(want.out);
      // The tree, read back through the API as root.
      const lines: string[] = [];
      const walk = async (p: string) => {
        for (const n of (await asRoot.readdir(p)).sort()) {
          const q = `${p}/${n}`;
          const s = await asRoot.lstat(q);
          lines.push(`${q} ${(s.mode & 0o170000).toString(8)} ${(s.mode & 0o7777).toString(8)} ${s.uid}:${s.gid}` +
            (s.isFile() ? ` ${await asRoot.readFile(q, 'utf8')}` : s.isSymbolicLink() ? ` -> ${await asRoot.readlink(q)}` : ''));
          if (s.isDirectory()) await walk(q);
        }
      };
      await walk('/w');
      expect(lines).toEqual(want.tree);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
