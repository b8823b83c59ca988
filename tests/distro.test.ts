// Distributions (issue #6, part A): --import / --export round trips checked against tar(1)'s own
// listing, broken tarballs refused without a trace, the registry commands, `wasl -d` running a
// distribution's own programs as its users (compared with chroot(8) of the same tree), files
// that persist between runs, and --terminate/--shutdown of a running instance.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand } from './support/build.js';
import { WASL_CLI } from './support/run.js';
import { wasl, sh, buildTree, tarListing, tarDigests, isRoot } from './support/distro.js';

const haveTools = hasCommand('busybox') && hasCommand('tar');
let base = '';
let tree = '';
let tarball = '';

beforeAll(() => {
  if (!haveTools) return;
  base = mkdtempSync(join(tmpdir(), 'wasl-distro-'));
  tree = join(base, 'tree');
  mkdirSync(tree);
  buildTree(tree);
  tarball = join(base, 'rootfs.tar');
  const r = sh(`tar --format=posix --xattrs --xattrs-include='*' --numeric-owner -cpf "$1" -C "$2" .`, [tarball, tree]);
  expect(r.status).toBe(0);
});
afterAll(() => { if (base) rmSync(base, { recursive: true, force: true }); });

/** A fresh registry directory. */
const newHome = () => mkdtempSync(join(base, 'home-'));

describe.skipIf(!haveTools)('import and export (needs busybox and GNU tar)', () => {
  it('--export after --import gives back every path, mode, owner, link, device, time, xattr and byte (tar -tvv listings)', () => {
    const home = newHome();
    let r = wasl(home, ['--import', 't', join(base, 'inst-t'), tarball]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const out = join(base, 't-export.tar');
    r = wasl(home, ['--export', 't', out]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const listing = tarListing(tarball);
    expect(listing).toMatch(/rwsr-xr-x.* 2021-03-04 05:06:07\.123456789 d\/file/);
    if (isRoot) expect(listing).toMatch(/^c.* 1,7 .* d\/cdev$/m);
    expect(tarListing(out)).toBe(listing);
    expect(tarDigests(out)).toBe(tarDigests(tarball));
    // Again, from the export: a second round trip writes the same bytes.
    r = wasl(home, ['--import', 't2', join(base, 'inst-t2'), out]);
    expect(r.status).toBe(0);
    const out2 = join(base, 't2-export.tar');
    expect(wasl(home, ['--export', 't2', out2]).status).toBe(0);
    expect(readFileSync(out2).equals(readFileSync(out))).toBe(true);
  });

  it.skipIf(!hasCommand('python3'))('binary xattr values survive the round trip (extracted natively and read back)', () => {
    const home = newHome();
    expect(wasl(home, ['--import', 'x', join(base, 'inst-x'), tarball]).status).toBe(0);
    const out = join(base, 'x-export.tar');
    expect(wasl(home, ['--export', 'x', out]).status).toBe(0);
    const dest = join(base, 'x-extracted');
    mkdirSync(dest);
    const r = sh(`tar --xattrs --xattrs-include='*' -xpf "$1" -C "$2" && cd "$2" && python3 -c "import os; print(list(os.getxattr('d/file', 'user.bin')), os.getxattr('d/sub', 'user.text'))"`, [out, dest]);
    expect(r).toMatchObject({ status: 0, stdout: "[0, 255, 254, 10, 32] b'value'\n" });
  });

  it('imports gzip, xz and zstd tarballs, from a file or stdin, with host tools or without them', () => {
    const listing = tarListing(tarball);
    const home = newHome();
    let n = 0;
    for (const [tool, ext] of [['gzip', 'gz'], ['xz', 'xz'], ['zstd', 'zst']]) {
      if (!hasCommand(tool)) continue;
      const packed = `${tarball}.${ext}`;
      expect(sh(`${tool} -c < "$1" > "$2"`, [tarball, packed]).status).toBe(0);
      // PATH without the host's xz and zstd: the wasm and JavaScript decoders do the work.
      for (const [how, env, input] of [['file', {}, undefined], ['stdin, no host tools', { PATH: '/nonexistent' }, readFileSync(packed)]] as const) {
        const name = `c${n++}`;
        const r = wasl(home, ['--import', name, join(base, `inst-${name}`), input ? '-' : packed], { env, input });
        expect(r, `${ext} from ${how}`).toMatchObject({ status: 0, stderr: '' });
        const out = join(base, `${name}.tar.gz`); // --export to .gz compresses
        expect(wasl(home, ['--export', name, out]).status).toBe(0);
        expect(tarListing(out), `${ext} from ${how}`).toBe(listing);
      }
    }
    expect(n).toBeGreaterThan(0);
  });

  it('--export - writes the tarball to stdout', () => {
    const home = newHome();
    expect(wasl(home, ['--import', 's', join(base, 'inst-s'), tarball]).status).toBe(0);
    const r = sh(`WASL_HOME="$1" "${process.execPath}" "${WASL_CLI}" --export s - > "$2"`, [home, join(base, 's.tar')]);
    expect(r.status).toBe(0);
    expect(tarListing(join(base, 's.tar'))).toBe(tarListing(tarball));
  });

  it('a corrupted or truncated tarball is refused with a clear message, leaving nothing registered or half-written', () => {
    const home = newHome();
    const whole = readFileSync(tarball);
    const cases: [string, Buffer, RegExp][] = [
      ['truncated', whole.subarray(0, Math.floor(whole.length / 2)), /truncated/],
      ['cut at a block boundary', whole.subarray(0, 512 * 40), /truncated/],
      ['bad header', Buffer.concat([whole.subarray(0, 10), Buffer.from('garbage!'), whole.subarray(18)]), /bad header checksum at byte 0/],
      ['not a tarball', Buffer.from('hello, this is not a tarball\n'.repeat(100)), /bad header checksum at byte 0 \(not a tarball, or corrupted\)/],
      ['empty', Buffer.alloc(0), /truncated/],
    ];
    if (hasCommand('gzip')) {
      const gz = sh(`gzip -c < "$1" | base64 -w0`, [tarball]).stdout;
      const g = Buffer.from(gz, 'base64');
      cases.push(['truncated gzip', g.subarray(0, Math.floor(g.length / 2)), /gzip|truncated|unexpected end/i]);
    }
    if (hasCommand('xz')) {
      const x = Buffer.from(sh(`xz -c < "$1" | base64 -w0`, [tarball]).stdout, 'base64');
      cases.push(['truncated xz', x.subarray(0, Math.floor(x.length / 2)), /xz/]);
    }
    for (const [what, bytes, message] of cases) {
      const file = join(base, 'broken.tar');
      writeFileSync(file, bytes);
      const parent = join(base, `broken-${what.replace(/\W/g, '')}`);
      const r = wasl(home, ['--import', 'broken', join(parent, 'inst'), file]);
      expect(r.status, what).toBe(1);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr, what).toMatch(/nothing was registered/);
      expect(existsSync(parent) ? readdirSync(parent) : [], what).toEqual([]);
    }
    expect(wasl(home, ['--list']).stdout).toMatch(/no installed distributions/);
  });
});

describe.skipIf(!haveTools)('the registry', () => {
  it('--list, --set-default and --unregister behave as wsl.exe\'s', () => {
    const home = newHome();
    let r = wasl(home, ['--list']);
    expect(r).toMatchObject({ status: 1, stdout: expect.stringMatching(/no installed distributions/) });
    for (const name of ['one', 'two']) expect(wasl(home, ['--import', name, join(base, `reg-${name}`), tarball]).status).toBe(0);
    expect(wasl(home, ['--import', 'one', join(base, 'reg-again'), tarball])).toMatchObject({ status: 1, stderr: expect.stringMatching(/already exists/) });
    expect(wasl(home, ['--import', 'x', join(base, 'reg-one'), tarball])).toMatchObject({ status: 1, stderr: expect.stringMatching(/not an empty directory/) });
    expect(wasl(home, ['-l']).stdout).toBe('wasl distributions:\none (Default)\ntwo\n');
    expect(wasl(home, ['--set-default', 'two']).status).toBe(0);
    expect(wasl(home, ['--list', '--verbose']).stdout).toBe(
      '  NAME    STATE           VERSION\n' +
      '  one     Stopped         1\n' +
      '* two     Stopped         1\n');
    expect(wasl(home, ['--set-default', 'three'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/no distribution with the name "three"/) });
    expect(wasl(home, ['--unregister', 'two']).status).toBe(0);
    expect(existsSync(join(base, 'reg-two'))).toBe(false);
    expect(wasl(home, ['-l', '-v']).stdout).toBe('  NAME    STATE           VERSION\n* one     Stopped         1\n');
    expect(wasl(home, ['-d', 'two', '--', 'true'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/no distribution with the name "two"/) });
    const reg = JSON.parse(readFileSync(join(home, 'distributions.json'), 'utf8'));
    expect(reg).toEqual({ version: 1, default: 'one', distributions: [{ name: 'one', dir: join(base, 'reg-one'), defaultUid: 0, version: 1 }] });
  });
});

describe.skipIf(!haveTools)('progress and concurrency', () => {
  it.skipIf(!hasCommand('script'))('a progress bar on a terminal (bytes read, bytes written), none otherwise', () => {
    const home = newHome();
    const cli = `"${process.execPath}" "${WASL_CLI}"`;
    // script(1) gives the CLI a terminal for stdin, stdout and stderr.
    const inner = `${cli} --import p ${join(base, 'inst-p')} ${tarball} && ${cli} --export p ${join(base, 'p.tar')}`;
    const r = sh(`WASL_HOME="$1" script -qec "$2" /dev/null`, [home, inner]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/importing p \[=+\] 100% /);
    expect(r.stdout).toMatch(/exporting p \[=+\] 100% /);
    // Without a terminal (the other tests), stderr stays empty.
    expect(wasl(home, ['--export', 'p', join(base, 'p2.tar')])).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('two imports at once both land in the registry (read-modify-write under its lock)', async () => {
    const home = newHome();
    const run = (name: string) => new Promise<number | null>((res) => {
      spawn(process.execPath, [WASL_CLI, '--import', name, join(base, `inst-${name}`), tarball], { env: { WASL_HOME: home, PATH: process.env.PATH }, stdio: 'ignore' })
        .on('exit', (code) => res(code));
    });
    expect(await Promise.all([run('a1'), run('a2'), run('a3')])).toEqual([0, 0, 0]);
    expect(wasl(home, ['-l']).stdout.split('\n').slice(1).filter(Boolean).map((l) => l.replace(' (Default)', '')).sort()).toEqual(['a1', 'a2', 'a3']);
  });
});

describe.skipIf(!haveTools)('wasl -d', () => {
  let home = '';
  beforeAll(() => {
    if (!haveTools) return;
    home = newHome();
    expect(wasl(home, ['--import', 'bb', join(base, 'inst-bb'), tarball]).status).toBe(0);
  });

  it.skipIf(!isRoot)('runs the distribution\'s own programs as its users, as chroot(8) of the same tree does (root only: chroot)', () => {
    const script = 'id; echo $HOME; pwd; ls /d | wc -l; cat /d/file';
    // --userspec: chroot(8) then sets the groups initgroups(3) finds, as a login does.
    const native = sh(`cd "$1" && chroot --userspec=root "$1" /bin/sh -c "cd /root; $2"`, [tree, script]);
    expect(native.status).toBe(0);
    expect(wasl(home, ['-d', 'bb', '--', '/bin/sh', '-c', script])).toEqual({ ...native, stderr: '' });
    // -u alice: uid, gid and supplementary groups from the distribution's passwd and group.
    const alice = sh(`chroot --userspec=alice "$1" /bin/sh -c 'cd /home/alice; HOME=/home/alice; ${script}'`, [tree]);
    expect(alice.stdout).toMatch(/uid=1000\(alice\) gid=1000\(alice\) groups=8\(mail\),100\(users\),1000\(alice\)/);
    expect(wasl(home, ['-d', 'bb', '-u', 'alice', '--', 'sh', '-c', script])).toEqual({ ...alice, stderr: '' });
    expect(wasl(home, ['-d', 'bb', '-u', 'mallory', '--', 'true'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/user mallory not found/) });
  });

  it('finds the program inside the distribution, never on the host; --cd, and the login shell by default', () => {
    // python3 (or whatever) of the host is not in the distribution.
    let r = wasl(home, ['-d', 'bb', '--', 'tar', '--version']);
    expect(r.status).toBe(127);
    r = wasl(home, ['-d', 'bb', '--cd', '/d/sub', '--', 'sh', '-c', 'pwd; echo $0 $SHELL $USER']);
    expect(r).toEqual({ status: 0, stdout: '/d/sub\nsh /bin/sh root\n', stderr: '' });
    // No command: the user's login shell (argv[0] "-sh"), reading commands from stdin.
    r = wasl(home, ['-d', 'bb'], { input: 'echo $0; pwd\nexit 3\n' });
    expect(r).toEqual({ status: 3, stdout: '-sh\n/root\n', stderr: '' });
  });

  it('files written in a distribution are there the next time it runs', () => {
    let r = wasl(home, ['-d', 'bb', '--', 'sh', '-c', 'echo kept > /root/note; mkdir -p /home/alice/x; echo $((6*7)) > /home/alice/x/y; ln -s note /root/link; rm /d/empty']);
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
    r = wasl(home, ['-d', 'bb', '--', 'sh', '-c', 'cat /root/note /root/link /home/alice/x/y; ls /d/empty']);
    expect(r.stdout).toBe('kept\nkept\n42\n');
    expect(r.stderr).toMatch(/No such file or directory/);
  });

  it('boots through the instance: init is pid 1 and reaps orphans, WSL\'s mounts, /etc/wasl.conf\'s [user] default, [boot] command, [network] hostname and [automount] root', () => {
    const h = newHome();
    expect(wasl(h, ['--import', 'cf', join(base, 'inst-cf'), tarball]).status).toBe(0);
    const conf = '[user]\ndefault = alice\n[boot]\ncommand = echo booted as $(id -u) > /run/boot\n[network]\nhostname = cfhost\n[automount]\nroot = /h/\n';
    expect(wasl(h, ['-d', 'cf', '--', 'sh', '-c', 'cat > /etc/wasl.conf'], { input: conf })).toEqual({ status: 0, stdout: '', stderr: '' });
    const r = wasl(h, ['-d', 'cf', '--', 'sh', '-c', 'cat /proc/1/comm; echo $PPID; id -un; pwd; uname -n; cat /run/boot; grep -c "127.0.1.1.*cfhost" /etc/hosts; cut -d" " -f2,3 /proc/mounts']);
    expect(r).toEqual({ status: 0, stderr: '', stdout: 'init\n1\nalice\n/home/alice\ncfhost\nbooted as 0\n1\n' +
      '/ volfs\n/proc proc\n/sys sysfs\n/dev devtmpfs\n/dev/pts devpts\n/dev/shm tmpfs\n/run tmpfs\n/tmp tmpfs\n/h/host drvfs\n' });
    // -u wins over [user] default; an orphan (its parent, a shell, has exited) has init as its
    // parent, and init reaps it once it is killed.
    const orphan = 'sh -c "sleep 30 >/dev/null & echo \\$! > /tmp/o"; p=$(cat /tmp/o); cut -d" " -f4 /proc/$p/stat; kill $p; ' +
      'i=0; while [ -e /proc/$p ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; [ -e /proc/$p ] && echo left || echo reaped; id -un';
    expect(wasl(h, ['-d', 'cf', '-u', 'root', '--', 'sh', '-c', orphan])).toEqual({ status: 0, stdout: '1\nreaped\nroot\n', stderr: '' });
    // A bad wasl.conf line is a warning on stderr; the distribution still boots.
    expect(wasl(h, ['-d', 'cf', '-u', 'root', '--', 'sh', '-c', 'cat > /etc/wasl.conf'], { input: '[network]\nhostname = two words\n' })).toMatchObject({ status: 0 });
    expect(wasl(h, ['-d', 'cf', '--', 'id', '-un'])).toEqual({ status: 0, stdout: 'root\n', stderr: expect.stringMatching(/^wasl: \/etc\/wasl\.conf: \[network\] hostname "two words" is not a valid hostname/) });
  });

  it('--terminate stops a running instance (SIGTERM to its processes); a second instance meanwhile is refused; --shutdown stops all', async () => {
    for (const how of ['--terminate', '--shutdown']) {
      // A shell waiting for a sleep, and a second sleep in the background: all of them get SIGTERM.
      const child = spawn(process.execPath, [WASL_CLI, '-d', 'bb', '--', 'sh', '-c', 'sleep 1000 & sleep 1000; echo not reached'], { env: { WASL_HOME: home, PATH: process.env.PATH }, stdio: 'ignore' });
      const ended = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      // Running once it has recorded itself (and taken the store's lock).
      for (let i = 0; i < 600 && !wasl(home, ['-l', '-v']).stdout.includes('Running'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(wasl(home, ['-l', '-v']).stdout).toMatch(/\* bb +Running/);
      const second = wasl(home, ['-d', 'bb', '--', 'true']);
      expect(second).toMatchObject({ status: 1, stderr: expect.stringMatching(/already running in process \d+/) });
      const r = wasl(home, how === '--terminate' ? [how, 'bb'] : [how]);
      expect(r, how).toEqual({ status: 0, stdout: '', stderr: '' });
      expect(await ended, how).toBe(128 + 15); // the shell ended by SIGTERM
      expect(wasl(home, ['-l', '-v']).stdout).toMatch(/\* bb +Stopped/);
      expect(readdirSync(join(base, 'inst-bb'))).not.toContain('volfs.lock');
    }
    // --terminate during the boot (a [boot] command that does not end): the instance is ended at once.
    expect(wasl(home, ['-d', 'bb', '--', 'sh', '-c', 'cat > /etc/wasl.conf'], { input: '[boot]\ncommand = sleep 1000\n' }).status).toBe(0);
    const booting = spawn(process.execPath, [WASL_CLI, '-d', 'bb', '--', 'echo', 'not reached'], { env: { WASL_HOME: home, PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'ignore'] });
    let said = '';
    booting.stdout.on('data', (d) => { said += d; });
    const bootEnded = new Promise<number | null>((res) => booting.on('exit', (code) => res(code)));
    for (let i = 0; i < 600 && !wasl(home, ['-l', '-v']).stdout.includes('Running'); i++) await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    expect(wasl(home, ['--terminate', 'bb'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await bootEnded).toBe(128 + 15);
    expect(Date.now() - t0).toBeLessThan(9000); // ended by itself, not SIGKILLed after 10 s
    expect(said).toBe('');
    expect(readdirSync(join(base, 'inst-bb'))).not.toContain('volfs.lock');
    // (--root on a store that is not a distribution does not boot it: the boot command stays out.)
    expect(wasl(home, ['--root', join(base, 'inst-bb'), '/bin/busybox', 'rm', '/etc/wasl.conf']).status).toBe(0);
    // A store held by a `--root` run (no run record) is refused by its own lock, with the same message.
    const holder = spawn(process.execPath, [WASL_CLI, '--root', join(base, 'inst-bb'), '/bin/sleep', '1000'], { env: { WASL_HOME: home, PATH: process.env.PATH }, stdio: 'ignore' });
    const gone = new Promise((res) => holder.on('exit', res));
    for (let i = 0; i < 600 && !existsSync(join(base, 'inst-bb', 'volfs.lock')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(wasl(home, ['-d', 'bb', '--', 'true'])).toMatchObject({ status: 1, stderr: expect.stringMatching(new RegExp(`already running in process ${holder.pid}`)) });
    holder.kill('SIGKILL'); // the store is crash-safe: it reopens with its journal replayed
    await gone;
    // The store is whole and usable afterwards.
    expect(wasl(home, ['-d', 'bb', '--', 'cat', '/d/file'])).toEqual({ status: 0, stdout: 'hello\n', stderr: '' });
  });
});
