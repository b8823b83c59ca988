// The debootstrap differential (issue #6): a Debian bookworm minbase rootfs built with
// debootstrap, tarred as WSL users tar a distribution, imported with `wasl --import`, and a
// command run with `wasl -d debian` gives what the same command gives natively in chroot(8) of
// the same tree. The tree and tarball are cached in tests/.cache/, keyed by the month (a cold
// build takes about a minute here, plus the download); needs root (debootstrap and chroot).
import { it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, hasCommand } from './support/build.js';
import { wasl, sh, isRoot } from './support/distro.js';
import { WASL_CLI } from './support/run.js';

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
let home = '';
// A cold build measured 64 s on a quiet machine and 193 s with the other engineers' tests running.
// The tarball is imported once here (10-20 s) and the tests share the distribution.
beforeAll(() => {
  if (!runs) return;
  cached = rootfs();
  home = mkdtempSync(join(tmpdir(), 'wasl-debian-'));
  const t0 = Date.now();
  const imp = wasl(home, ['--import', 'debian', join(home, 'debian'), cached.tarball]);
  expect(imp).toMatchObject({ status: 0, stderr: '' });
  process.stderr.write(`import of ${KEY}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}, 900_000);
afterAll(() => { if (home) rmSync(home, { recursive: true, force: true }); });

it.skipIf(!runs)(
  'a debootstrapped Debian runs under wasl -d as in a chroot of the same tree (skipped unless root with debootstrap: both need root)', () => {
    const { tree } = cached;
    // The same environment login(1) gives root on both sides (wasl -d sets it from /etc/passwd).
    const env = 'HOME=/root USER=root LOGNAME=root SHELL=/bin/bash PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    const native = sh(`env -i ${env} chroot --userspec=root "$1" /bin/bash -c "cd /root; $2"`, [tree, COMMAND]);
    expect(native.status).toBe(0);
    expect(native.stdout).toMatch(/bookworm[\s\S]*\n42\nuid=0\(root\)/);
    const t0 = Date.now();
    const run = wasl(home, ['-d', 'debian', '--', '/bin/bash', '-c', COMMAND]);
    process.stderr.write(`wasl -d debian: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    expect(run).toEqual(native);
    // A user other than root: looked up in the distribution's passwd and group.
    const nobody = sh(`chroot --userspec=nobody "$1" id`, [tree]);
    expect(wasl(home, ['-d', 'debian', '-u', 'nobody', '--', 'id'])).toEqual(nobody);
  }, 300_000);

// An interactive login through `wasl -d debian` on a real terminal (script(1)'s pty; wasl puts a
// lxcore pty behind it), against bash run natively as a login shell in a chroot of the same
// tree on script(1)'s pty: same keystrokes, same screen byte for byte, same ~/.bash_history.
// Natively /root is a copy bind-mounted in a mount namespace, so the cached tree is not written.
const PROMPT = /root@[^:]+:~# $/;
const STEPS: Array<[string, RegExp]> = [
  ['', PROMPT],
  ['echo one $((6*7))\r', /one 42\r\n[^]*# $/],
  ['\x1b[A\r', /one 42\r\n[^]*one 42\r\n[^]*# $/], // history: the previous line again
  ['cat /etc/debian_v\t', /cat \/etc\/debian_version $/], // completion of a unique name
  ['\r', /\d+\.\d+\r\n[^]*# $/],
  ['echo started; sleep 100\r', /started\r\n$/],
  ['\x001500', /started\r\n$/],
  ['\x03', /\^C[^]*# $/],
  ['exit\r', /logout\r\n$/],
];

/** Types STEPS into `cmd` run by script(1); resolves to the screen and script's exit status. */
async function session(cmd: string, env: Record<string, string>): Promise<{ screen: string; status: number | null }> {
  const p = spawn('script', ['-qefc', cmd, '/dev/null'], { env });
  let screen = '';
  p.stdout.on('data', (d) => { screen += d; });
  const ended = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    for (const [keys, until] of STEPS) {
      if (keys.startsWith('\0')) await sleep(Number(keys.slice(1)));
      else p.stdin.write(keys);
      for (const t0 = Date.now(); !until.test(screen);) {
        if (Date.now() - t0 > 90_000) throw new Error(`no ${until} in ${JSON.stringify(screen)}`);
        await sleep(20);
      }
    }
    return { screen, status: await ended };
  } finally {
    p.kill('SIGKILL');
  }
}

it.skipIf(!runs || !hasCommand('script') || !hasCommand('unshare'))(
  'an interactive bash login through wasl -d: prompt, history, tab completion, Ctrl-C, exit, as bash natively in a chroot (skipped unless root with debootstrap, script and unshare)', async () => {
    const { tree } = cached;
    const scratch = mkdtempSync(join(tmpdir(), 'wasl-debian-root-'));
    try {
      sh('cp -a "$1/root/." "$2/"', [tree, scratch]);
      // What wasl -d gives root (login(1)'s variables, HOSTTYPE as bash's own, TERM from the terminal).
      const login = 'HOME=/root USER=root LOGNAME=root SHELL=/bin/bash PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOSTTYPE=x86_64 TERM=dumb';
      const hostEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TERM: 'dumb' };
      const inner = `mount --bind ${scratch} ${tree}/root && exec chroot ${tree} /usr/bin/env -i ${login} /bin/bash -c 'cd; exec -a -bash /bin/bash'`;
      writeFileSync(join(scratch, '.native-login'), inner);
      const native = await session(`stty rows 24 cols 80; exec unshare -m sh ${join(scratch, '.native-login')}`, hostEnv);
      const ours = await session(`stty rows 24 cols 80; exec "${process.execPath}" "${WASL_CLI}" -d debian`, { ...hostEnv, WASL_HOME: home });
      // `exit` after the ^C'd sleep exits with its status, 130, both times.
      expect(native.status).toBe(130);
      expect(ours.status).toBe(native.status);
      expect(ours.screen).toBe(native.screen);
      const history = readFileSync(join(scratch, '.bash_history'), 'utf8');
      expect(history).toBe('echo one $((6*7))\necho one $((6*7))\ncat /etc/debian_version \necho started; sleep 100\nexit\n');
      expect(wasl(home, ['-d', 'debian', '--', 'cat', '/root/.bash_history'])).toEqual({ status: 0, stdout: history, stderr: '' });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 300_000);
