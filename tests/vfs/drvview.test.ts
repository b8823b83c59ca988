// What a guest sees of drvfs files and what it may do with them (tests/programs/drvview.c), as
// uid 0, 1234 and 2000, on five mounts of one host directory:
//  - `metadata`: the host's own modes and owners. That is what Linux itself shows, so the
//    oracle is a native run of the same program on the host directory.
//  - without `metadata`, with uid=/gid=/umask=/fmask=/dmask= and ro: no Linux filesystem a test
//    can mount without a block device shows this (vfat and ntfs3 do, from an image and a loop
//    device), so the oracle is WSL's DrvFs rules as Microsoft documents them (docs.microsoft.com,
//    "Configure per-distribution launch settings with wsl.conf", automount options), written as
//    data below, with Linux's permission rules (path_resolution(7)) applied to that view:
//      owner uid=, group gid= (default: the distribution's default user, in wasl the uid and gid
//      the guest starts with); mode = 0777 & ~umask & ~fmask for files, & ~dmask for
//      directories (umask default 022, fmask and dmask 000); `ro`: writes give EROFS.
// Every line also checks that stat, lstat, fstat, fstatat(AT_EMPTY_PATH), statx and stat of
// /proc/self/fd/N agree on dev, ino, mode, uid and gid (one answer, from one place).

import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild } from '../support/build.js';
import { runNative, runWasl } from '../support/run.js';

const root = process.getuid?.() === 0;
const UIDS = [0, 1234, 2000];
const ENTRIES = ['', '/f', '/d', '/d/g', '/x'];
const EACCES = 13, EROFS = 30, EISDIR = 21, ENOTDIR = 20, ENOEXEC = 8;

/** WSL's DrvFs options, as documented (see above). */
interface View { uid?: number; gid?: number; umask?: number; fmask?: number; dmask?: number; ro?: boolean }

/** The line drvview.c prints for `entry` of a mount with view `v`, as caller `uid` (gid = uid). */
function expected(uid: number, label: string, entry: string, v: View, starter: number): string {
  const owner = v.uid ?? starter, group = v.gid ?? starter;
  const perm = (dir: boolean) => 0o777 & ~(v.umask ?? 0o022) & ~(dir ? v.dmask ?? 0 : v.fmask ?? 0);
  const isDir = (e: string) => e === '' || e === '/d';
  // DAC: root reads and writes anything, executes a file with some x bit, searches any directory.
  const may = (dir: boolean, bit: number): boolean => {
    const mode = perm(dir);
    if (uid === 0) return bit !== 1 || dir || (mode & 0o111) !== 0;
    const bits = uid === owner ? mode >> 6 : uid === group ? mode >> 3 : mode;
    return (bits & bit) !== 0;
  };
  const head = `${uid} ${label}${entry}: `;
  // Search permission on every directory above the entry.
  const above = entry === '' ? [] : entry === '/d/g' ? [true, true] : [true];
  if (above.some((d) => !may(d, 1))) return head + 'stat e13; access 13 13 13; open 13 13; chdir 13; exec 13';
  const dir = isDir(entry);
  const mode = (dir ? 0o40000 : 0o100000) | perm(dir);
  const acc = (bit: number) => (bit === 2 && v.ro ? EROFS : may(dir, bit) ? 0 : EACCES);
  const openW = dir ? EISDIR : v.ro ? EROFS : may(dir, 2) ? 0 : EACCES;
  const chdir = dir ? (may(true, 1) ? 0 : EACCES) : ENOTDIR;
  const exec = dir ? EACCES : !may(false, 1) ? EACCES : entry === '/x' ? 0 : ENOEXEC;
  return head + `stat ${mode.toString(8)} ${owner} ${group} agree 1; access ${acc(4)} ${acc(2)} ${acc(1)}; ` +
    `open ${may(dir, 4) ? 0 : EACCES} ${openW}; chdir ${chdir}; exec ${exec}`;
}

describe.skipIf(!canBuild('glibc') || !root)('drvfs: the mount\'s view in stat and in permission checks (skipped without gcc, or when not root: the callers switch uid)', () => {
  it('metadata mounts agree with native; uid=/gid=/masks/ro mounts follow WSL\'s documented rules', () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/drvview.c'), 'glibc');
    const dir = mkdtempSync(join(tmpdir(), 'wasl-drvview-'));
    try {
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, 'f'), 'text\n', { mode: 0o640 });
      mkdirSync(join(dir, 'd'), { mode: 0o750 });
      writeFileSync(join(dir, 'd/g'), 'g\n', { mode: 0o604 });
      copyFileSync(bin, join(dir, 'x'));
      for (const [p, m] of [['f', 0o640], ['d', 0o750], ['d/g', 0o604], ['x', 0o755]] as const) chmodSync(join(dir, p), m);

      const views: Record<string, View> = {
        p: { uid: 1234, gid: 4321, umask: 0o077 },
        q: { umask: 0o022, fmask: 0o111, dmask: 0o002 },
        r: { ro: true, uid: 1234, gid: 1234, umask: 0 },
        s: {},
      };
      const opts = (v: View) => [v.ro ? 'ro' : '', ...(['uid', 'gid'] as const).filter((k) => v[k] !== undefined).map((k) => `${k}=${v[k]}`),
        ...(['umask', 'fmask', 'dmask'] as const).filter((k) => v[k] !== undefined).map((k) => `${k}=${v[k]!.toString(8)}`)].filter(Boolean).join(',');
      const mounts = ['--mount', `/m=${dir}:metadata`];
      for (const [label, v] of Object.entries(views)) mounts.push('--mount', opts(v) ? `/${label}=${dir}:${opts(v)}` : `/${label}=${dir}`);
      const wasl = runWasl(bin, { args: ['m=/m', ...Object.keys(views).map((l) => `${l}=/${l}`)] }, ['--isolated', '--network=none', ...mounts]);
      expect(wasl.stderr).toBe('');
      expect(wasl.status).toBe(0);
      const got = wasl.stdout.split('\n').filter(Boolean);

      // metadata: the host's own view, natively.
      const native = runNative(bin, { args: [`m=${dir}`] });
      expect(native.status).toBe(0);
      expect(got.filter((l) => / m[/:]/.test(l))).toEqual(native.stdout.split('\n').filter(Boolean));

      // The others: WSL's rules. The guest starts as wasl's own uid and gid (root here).
      const want: string[] = [];
      for (const uid of UIDS) {
        for (const [label, v] of Object.entries(views)) for (const e of ENTRIES) want.push(expected(uid, label, e, v, 0));
      }
      expect(got.filter((l) => !/ m[/:]/.test(l))).toEqual(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
