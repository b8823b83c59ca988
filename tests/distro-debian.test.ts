// The debootstrap differential (issue #6): a Debian bookworm minbase rootfs built with
// debootstrap, tarred as WSL users tar a distribution, imported with `wasl --import`, and a
// command run with `wasl -d debian` gives what the same command gives natively in chroot(8) of
// the same tree. The tree and tarball are cached in tests/.cache/, keyed by the month (a cold
// build takes about a minute here, plus the download); needs root (debootstrap and chroot).
import { it, expect, beforeAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, hasCommand } from './support/build.js';
import { wasl, sh, isRoot } from './support/distro.js';

const CACHE = join(ROOT, 'tests/.cache');
const KEY = `debian-bookworm-minbase-${new Date().toISOString().slice(0, 7).replace('-', '')}`;
const COMMAND = 'cat /etc/os-release; ls -la /usr/bin | wc -l; dpkg -l | tail -3; echo $((6*7)); id';

/** The Debian mirror this machine's apt uses (deb822 sources or sources.list), else deb.debian.org. */
function mirror(): string {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    try {
      const text = readFileSync(f, 'utf8');
      const m = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(text);
      if (m) return m[1];
    } catch { /* next */ }
  }
  return 'http://deb.debian.org/debian';
}

/** The cached minbase tree and its tarball, built if missing. */
function rootfs(): { tree: string; tarball: string } {
  const tree = join(CACHE, `${KEY}.tree`), tarball = join(CACHE, `${KEY}.tar`);
  if (existsSync(tarball) && existsSync(tree)) return { tree, tarball };
  mkdirSync(CACHE, { recursive: true });
  const t0 = Date.now();
  const tmp = `${tree}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const r = sh(`debootstrap --variant=minbase bookworm "$1" "$2" >"$3.log" 2>&1 || { tail -20 "$3.log"; exit 1; }
    tar --numeric-owner --xattrs -cpf "$3.tmp" -C "$1" .`, [tmp, mirror(), tarball]);
  if (r.status !== 0) throw new Error(`debootstrap failed: ${r.stdout}${r.stderr}`);
  rmSync(tree, { recursive: true, force: true });
  renameSync(tmp, tree);
  renameSync(`${tarball}.tmp`, tarball);
  process.stderr.write(`debootstrap minbase and tar: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  return { tree, tarball };
}

const runs = isRoot && hasCommand('debootstrap') && hasCommand('chroot');
let cached: { tree: string; tarball: string };
// A cold build measured 64 s on a quiet machine and 193 s with the other engineers' tests running.
beforeAll(() => { if (runs) cached = rootfs(); }, 900_000);

it.skipIf(!runs)(
  'a debootstrapped Debian runs under wasl -d as in a chroot of the same tree (skipped unless root with debootstrap: both need root)', () => {
    const { tree, tarball } = cached;
    const home = mkdtempSync(join(tmpdir(), 'wasl-debian-'));
    try {
      let t0 = Date.now();
      const imp = wasl(home, ['--import', 'debian', join(home, 'debian'), tarball]);
      expect(imp).toMatchObject({ status: 0, stderr: '' });
      process.stderr.write(`import of ${KEY}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      // The same environment login(1) gives root on both sides (wasl -d sets it from /etc/passwd).
      const env = 'HOME=/root USER=root LOGNAME=root SHELL=/bin/bash PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
      const native = sh(`env -i ${env} chroot --userspec=root "$1" /bin/bash -c "cd /root; $2"`, [tree, COMMAND]);
      expect(native.status).toBe(0);
      expect(native.stdout).toMatch(/bookworm[\s\S]*\n42\nuid=0\(root\)/);
      t0 = Date.now();
      const run = wasl(home, ['-d', 'debian', '--', '/bin/bash', '-c', COMMAND]);
      process.stderr.write(`wasl -d debian: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      expect(run).toEqual(native);
      // A user other than root: looked up in the distribution's passwd and group.
      const nobody = sh(`chroot --userspec=nobody "$1" id`, [tree]);
      expect(wasl(home, ['-d', 'debian', '-u', 'nobody', '--', 'id'])).toEqual(nobody);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 300_000);
