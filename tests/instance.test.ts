// Instances (issue #6, part B): wasl's init as pid 1, its boot mounts, /etc/wasl.conf, and the
// library API (createInstance, createProcess, exit events, terminate). Linux is the oracle where
// it has an answer: the same mounts made natively in a mount namespace (/proc/self/mounts), an
// orphan under an init in a new PID namespace, uname in a UTS namespace, `id` in a chroot as the
// same user, and an interactive bash login in a chroot of the same tree on script(1)'s terminal.
// These need root (CI runs as root); each skip says so.

import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { createInstance, shutdownAll, Instance, InstanceProcess, ProcessExit } from '../lxcore/index.js';
import { readText } from '../lxcore/instance/etc.js';
import { ROOT, buildStatic, canBuild, hasCommand } from './support/build.js';
import { volfsFromDir, makeDistroDir } from './support/rootfs.js';

const isRoot = process.getuid?.() === 0;
const ok = (cmd: string, args: string[]) => { try { return spawnSync(cmd, args, { timeout: 10_000 }).status === 0; } catch { return false; } };
const canUnshareMount = isRoot && hasCommand('unshare') && ok('unshare', ['-m', 'true']);
const canUnsharePid = isRoot && hasCommand('unshare') && ok('unshare', ['-fp', '--mount-proc', 'true']);
const canUnshareUts = isRoot && hasCommand('unshare') && ok('unshare', ['-u', 'true']);
const canChroot = isRoot && hasCommand('chroot');
const hasBusybox = fs.existsSync('/bin/busybox');

const dirs: string[] = [];
const instances: Instance[] = [];
afterAll(async () => {
  for (const i of instances) await i.terminate();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function distro(extra: Parameters<typeof makeDistroDir>[0] = {}, rootShell?: string): string {
  const d = makeDistroDir(extra, rootShell);
  dirs.push(d);
  return d;
}

async function boot(dir: string, o: Parameters<typeof createInstance>[0] = {}): Promise<{ inst: Instance; log: string[] }> {
  const log: string[] = [];
  const inst = await createInstance({ root: volfsFromDir(dir), log: (l) => log.push(l), ...o });
  instances.push(inst);
  return { inst, log };
}

interface Ran { stdout: string; stderr: string; status: number }
/** Collects a process's piped output until it has been reaped. */
async function collect(p: InstanceProcess, endStdin = true): Promise<Ran> {
  let stdout = '', stderr = '';
  const ends = [p.stdout, p.stderr].map((s, i) => new Promise<void>((r) => {
    if (!s) { r(); return; }
    s.on('data', (d: Buffer) => { if (i === 0) stdout += d; else stderr += d; });
    s.on('end', () => r());
  }));
  if (endStdin) p.stdin?.end();
  const st = await p.exited;
  await Promise.all(ends);
  return { stdout, stderr, status: st.signal !== null ? 128 + st.signal : st.code ?? -1 };
}
const run = (inst: Instance, argv: string[], o: Parameters<Instance['createProcess']>[0] = {}) =>
  collect(inst.createProcess({ argv, ...o }));

const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 60_000 });

describe.skipIf(!hasBusybox)('init and its mounts (skipped only without /bin/busybox)', () => {
  it.skipIf(!canUnshareMount)('/proc/mounts lists proc, sysfs, devtmpfs, devpts and tmpfs as Linux prints the same mounts (native: a mount namespace, as root)', async () => {
    const { inst } = await boot(distro());
    const ours = (await run(inst, ['cat', '/proc/mounts'])).stdout.split('\n');
    // The same mounts, same options, made natively in a mount namespace under a scratch directory.
    const d = fs.mkdtempSync('/tmp/wasl-mnt-');
    dirs.push(d);
    const native = sh(`unshare -m sh -c '
      mkdir -p ${d}/proc ${d}/sys ${d}/dev ${d}/run ${d}/tmp &&
      mount -t proc -o nosuid,nodev,noexec proc ${d}/proc &&
      mount -t sysfs -o nosuid,nodev,noexec sysfs ${d}/sys &&
      mount -t devtmpfs -o nosuid,mode=755 none ${d}/dev &&
      mkdir -p ${d}/dev/pts ${d}/dev/shm &&
      mount -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=000 devpts ${d}/dev/pts &&
      mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs ${d}/dev/shm &&
      mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs ${d}/run &&
      mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs ${d}/tmp &&
      cat /proc/self/mounts'`);
    expect(native.status).toBe(0);
    // Capacity figures (size=, nr_inodes=) and inode64 depend on the host's memory and kernel
    // configuration; wasl's tmpfs has no such options to show.
    const unmodelled = /^(size|nr_inodes)=|^inode64$|^noswap$/;
    const norm = (l: string) => {
      const f = l.split(' ');
      f[3] = f[3].split(',').filter((o) => !unmodelled.test(o)).join(',');
      return f.join(' ');
    };
    const nativeRows = native.stdout.split('\n').filter((l) => l.split(' ')[1]?.startsWith(d + '/')).map((l) => norm(l.split(d).join('')));
    const points = nativeRows.map((l) => l.split(' ')[1]);
    expect(points).toEqual(['/proc', '/sys', '/dev', '/dev/pts', '/dev/shm', '/run', '/tmp']);
    expect(ours.filter((l) => points.includes(l.split(' ')[1]))).toEqual(nativeRows);
    // The distribution's root first, the host's root automounted last (WSL's /mnt/c).
    expect(ours[0]).toMatch(/^\S+ \/ \S+ rw,relatime 0 0$/);
    expect(ours.filter(Boolean).at(-1)).toBe('/ /mnt/host drvfs rw,relatime 0 0');
  }, 60_000);

  it('pid 1 is init: /proc/1/comm, ps, signals to it are ignored as by an init', async () => {
    const { inst } = await boot(distro());
    const r = await run(inst, ['sh', '-c', 'cat /proc/1/comm; ps -o pid,comm | grep -w 1; kill -9 1; kill -TERM 1; echo kill $?; echo ppid $PPID']);
    expect(r.stdout).toBe('init\n    1 init\nkill 0\nppid 1\n');
    expect(inst.init.process.status).toBeUndefined();
  }, 60_000);

  it.skipIf(!canBuild('glibc') || !canUnsharePid)('orphans: a grandchild whose parent exits reports getppid() == 1 and init reaps it (native: an init in a new PID namespace, as root)', async () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/orphan.c'), 'glibc');
    // Natively pid 1 is a shell waiting for its job: dash's wait(-1) reaps what is reparented to it.
    const native = sh(`unshare -fp --mount-proc sh -c '${bin}; true'`);
    expect(native.status).toBe(0);
    const { inst } = await boot(distro({ 'bin/orphan': { from: bin } }));
    const exits: ProcessExit[] = [];
    inst.on('exit', (e: ProcessExit) => exits.push(e));
    const ours = await run(inst, ['/bin/orphan']);
    expect(ours).toEqual({ stdout: native.stdout, stderr: native.stderr, status: 0 });
    expect(native.stdout).toContain("grandchild's ppid after its parent exited: 1\n");
    // init reported both ends: the reparented grandchild (exit 7) and the process the host made.
    expect(exits.map((e) => [e.created, e.status.code])).toEqual([[false, 7], [true, 0]]);
    expect([...inst.kernel.processes.keys()]).toEqual([1]); // nothing left but init
  }, 120_000);
});

describe.skipIf(!hasBusybox)('/etc/wasl.conf (skipped only without /bin/busybox)', () => {
  const CONF = [
    '# a comment', '[network]', 'hostname = wasltest', 'generateHosts = true', '',
    '[user]', 'default = user', '[boot]', 'command = "echo booted as $(id -u) > /run/boot.txt; touch /etc/touched-at-boot"',
    '[automount]', 'root = /host', 'options = "ro"', '[interop]', 'enabled = true', 'frobnicate = 1', '[mystery]', 'x = 1',
    '[network]', 'generateResolvConf = maybe',
  ].join('\n');

  it.skipIf(!canUnshareUts)('hostname through uname, hostname(1) and /proc/sys/kernel/hostname, as in a UTS namespace with that hostname (as root)', async () => {
    const { inst } = await boot(distro({ 'etc/wasl.conf': CONF }));
    const ours = await run(inst, ['sh', '-c', 'uname -n; hostname; cat /proc/sys/kernel/hostname'], { user: 'root' });
    const native = sh("unshare -u sh -c 'hostname wasltest; uname -n; hostname; cat /proc/sys/kernel/hostname'");
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.stdout).toBe('wasltest\n'.repeat(3));
  }, 60_000);

  it('generated /etc/hosts and /etc/resolv.conf (wasl\'s DNS stub and the host\'s search options), the boot command, automount options, warnings', async () => {
    const { inst, log } = await boot(distro({ 'etc/wasl.conf': CONF, 'etc/resolv.conf': 'nameserver 192.0.2.1\n' }));
    const hosts = (await run(inst, ['cat', '/etc/hosts'])).stdout;
    expect(hosts).toMatch(/^# This file was automatically generated by wasl\.[^\n]*\/etc\/wasl\.conf:\n# \[network\]\n# generateHosts = false\n/);
    expect(hosts).toContain('127.0.0.1\tlocalhost\n127.0.1.1\twasltest.localdomain\twasltest\n');
    // generateResolvConf = maybe is not a boolean: a warning, and the default (true) stays.
    const resolv = (await run(inst, ['cat', '/etc/resolv.conf'])).stdout;
    // The one nameserver is wasl's DNS stub (tests/dnsstub.test.ts shows it answers); the host's
    // search, domain and options lines follow it.
    const hostResolvers = fs.readFileSync('/etc/resolv.conf', 'utf8').split('\n').filter((l) => /^(search|domain|options)\s/.test(l));
    expect(resolv.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['nameserver 10.255.255.254', ...hostResolvers]);
    expect(resolv).toContain('# generateResolvConf = false\n');
    // The boot command ran as root before any user process, with init's /run mounted.
    expect((await run(inst, ['sh', '-c', 'cat /run/boot.txt; stat -c "%u %n" /etc/touched-at-boot'])).stdout)
      .toBe('booted as 0\n0 /etc/touched-at-boot\n');
    // The host's root under [automount] root, with its options in the mount table.
    const hostDir = fs.mkdtempSync('/tmp/wasl-automount-');
    dirs.push(hostDir);
    fs.writeFileSync(join(hostDir, 'from-the-host'), 'hello\n');
    expect((await run(inst, ['sh', '-c', `cat /host/host${hostDir}/from-the-host; grep drvfs /proc/mounts; ls /mnt`])).stdout)
      .toBe('hello\n/ /host/host drvfs ro,relatime 0 0\n');
    expect(log.join('\n')).toMatch(/wasl\.conf:15: unknown key "frobnicate" in \[interop\]/);
    expect(log.join('\n')).toMatch(/wasl\.conf:16: unknown section \[mystery\]/);
    expect(log.join('\n')).toMatch(/generateResolvConf expects true or false, got "maybe"/);
    expect(log.join('\n')).toMatch(/\[interop\] enabled has no effect: wasl cannot run host programs/);
  }, 60_000);

  it.skipIf(!canChroot)('[user] default: processes run as that user; id prints what it prints in a chroot as that user (as root)', async () => {
    const dir = distro({ 'etc/wasl.conf': CONF });
    const { inst } = await boot(dir);
    const ours = await run(inst, ['sh', '-c', 'id; echo $HOME $USER; pwd']);
    const native = sh(`chroot --userspec=1000:1000 --groups=1000,100 ${dir} /bin/id`);
    expect(native.status).toBe(0);
    expect(ours.stdout).toBe(`${native.stdout}/home/user user\n/home/user\n`);
    expect(ours.stdout).toMatch(/^uid=1000\(user\) gid=1000\(user\) groups=100\(users\),1000\(user\)\n/);
  }, 60_000);

  it('automount disabled: nothing at /mnt/host; a broken wasl.conf still boots', async () => {
    const { inst, log } = await boot(distro({ 'etc/wasl.conf': '[automount]\nenabled = false\nthis is not ini\n[boot' }));
    const r = await run(inst, ['sh', '-c', 'ls /mnt; grep -c drvfs /proc/mounts']);
    expect(r.stdout).toBe('0\n');
    expect(log.join('\n')).toMatch(/wasl\.conf:3: expected key = value/);
  }, 60_000);
});

describe.skipIf(!hasBusybox)('the instance API (skipped only without /bin/busybox)', () => {
  it('two processes at once with piped stdio, exit events, one terminated, the instance shut down with no host handle left', async () => {
    const before = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    const { inst } = await boot(distro());
    const exits: ProcessExit[] = [];
    inst.on('exit', (e: ProcessExit) => exits.push(e));
    const cat = inst.createProcess({ argv: ['cat'] });
    const loop = inst.createProcess({ argv: ['sh', '-c', 'while read line; do echo "got $line"; done; echo eof >&2'] });
    const sleeper = inst.createProcess({ argv: ['sleep', '1000'], stdio: ['ignore', 'pipe', 'ignore'] });
    expect(new Set([cat.pid, loop.pid, sleeper.pid]).size).toBe(3);
    const catOut = collect(cat, false), loopOut = collect(loop, false), sleepOut = collect(sleeper);
    // Both read and answer while the other is alive: interleave their inputs.
    cat.stdin!.write('a\n');
    loop.stdin!.write('one\n');
    cat.stdin!.write('b'.repeat(100_000) + '\n'); // more than a pipe holds: the host write waits
    loop.stdin!.write('two\n');
    cat.stdin!.end();
    loop.stdin!.end();
    expect(await catOut).toEqual({ stdout: 'a\n' + 'b'.repeat(100_000) + '\n', stderr: '', status: 0 });
    expect(await loopOut).toEqual({ stdout: 'got one\ngot two\n', stderr: 'eof\n', status: 0 });
    expect(sleeper.kill(15)).toBe(true);
    expect(await sleepOut).toEqual({ stdout: '', stderr: '', status: 128 + 15 });
    expect(exits.map((e) => [e.pid, e.status.code, e.status.signal]).sort())
      .toEqual([[cat.pid, 0, null], [loop.pid, 0, null], [sleeper.pid, null, 15]].sort());
    // A process still running when the instance ends is killed; its exit is reported too.
    const last = inst.createProcess({ argv: ['sleep', '1000'], stdio: ['ignore', 'ignore', 'ignore'] });
    const lastExit = new Promise((r) => last.on('exit', r));
    await inst.terminate();
    expect(await lastExit).toMatchObject({ signal: 9 });
    expect(inst.kernel.processes.size).toBe(0);
    expect(() => inst.createProcess({ argv: ['true'] })).toThrow(/terminating/);
    await new Promise((r) => setTimeout(r, 50));
    expect((process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length).toBe(before);
  }, 60_000);

  it('rootDir: a persistent store is held by one instance at a time and keeps what it wrote; shutdownAll ends every instance', async () => {
    const store = fs.mkdtempSync('/tmp/wasl-store-');
    dirs.push(store);
    // Fill the store from a distribution directory through a first, empty-store instance.
    const src = distro();
    const a = await createInstance({ rootDir: store, mounts: [{ guest: '/src', host: src, options: {} }], conf: { automount: { enabled: false } } });
    instances.push(a);
    // An empty store has no /bin/sh: the boot would need one. The copy runs from the drvfs mount.
    expect((await run(a, ['/src/bin/busybox', 'sh', '-c', 'cp -a /src/bin /src/etc /src/root /src/home / && echo kept > /root/f'])).status).toBe(0);
    expect(() => new Instance({ rootDir: store })).toThrow(/in use/);
    await a.terminate();
    const b = await createInstance({ rootDir: store });
    const c = await createInstance({ root: volfsFromDir(src) });
    instances.push(b, c);
    expect((await run(b, ['cat', '/root/f'])).stdout).toBe('kept\n');
    const running = b.createProcess({ argv: ['sleep', '1000'], stdio: ['ignore', 'ignore', 'ignore'] });
    const ended = [new Promise((r) => b.on('terminated', r)), new Promise((r) => c.on('terminated', r))];
    await shutdownAll();
    await Promise.all(ended);
    expect(await running.exited).toMatchObject({ signal: 9 });
  }, 120_000);

  it('a program that is not there fails createProcess with ENOENT; an unknown user is refused', async () => {
    const { inst } = await boot(distro());
    expect(() => inst.createProcess({ argv: ['/bin/nothing-here'] })).toThrow(expect.objectContaining({ errno: 2 }));
    expect(() => inst.createProcess({ argv: ['no-such-program'] })).toThrow(expect.objectContaining({ errno: 2 }));
    expect(() => inst.createProcess({ argv: ['true'], user: 'nobody-here' })).toThrow(/no user "nobody-here"/);
    expect(() => inst.createProcess({ argv: ['true'], cwd: '/etc/passwd' })).toThrow(/not a directory/);
    expect((await run(inst, ['sh', '-c', 'pwd'], { cwd: '/etc' })).stdout).toBe('/etc\n');
    expect((await run(inst, ['true'])).status).toBe(0);
  }, 60_000);
});

// An interactive login: bash-static as `user`'s login shell in the distribution, on one of
// lxcore's ptys through the API; natively the same tree in a chroot, as the same user, on
// script(1)'s pty. Same keystrokes, same screen, byte for byte, and the same history file.
const BASH = '/bin/bash-static';
describe.skipIf(!fs.existsSync(BASH) || !hasCommand('script') || !canChroot || !hasBusybox)(
  'an interactive bash login session (skipped only without bash-static, script(1) or root for chroot)', () => {
    const PROMPT = /user@[^:]+:~\$ $/;
    const steps: Array<[string, RegExp]> = [
      ['', PROMPT],
      ['echo one $((6*7))\r', /one 42\r\n[^]*\$ $/],
      ['\x1b[A\r', /one 42\r\n[^]*one 42\r\n[^]*\$ $/], // history: the previous line again
      ['cat /etc/pas\t', /cat \/etc\/passwd $/], // completion of a unique name
      ['\r', /A User[^]*\$ $/],
      ['echo started; sleep 100\r', /started\r\n$/],
      ['\x001500', /started\r\n$/],
      ['\x03', /\^C[^]*\$ $/],
      ['exit\r', /logout\r\n$/],
    ];
    const ENV = ['HOME=/home/user', 'USER=user', 'LOGNAME=user', 'SHELL=/bin/bash', 'PATH=/bin:/usr/bin', 'TERM=dumb'];

    async function drive(write: (s: string) => void, screen: () => string, done: Promise<unknown>): Promise<void> {
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      for (const [keys, until] of steps) {
        if (keys.startsWith('\0')) await sleep(Number(keys.slice(1)));
        else write(keys);
        for (const t0 = Date.now(); !until.test(screen());) {
          if (Date.now() - t0 > 60_000) throw new Error(`no ${until} in ${JSON.stringify(screen())}`);
          await sleep(20);
        }
      }
      await done;
    }

    it('prompt, history, tab completion, Ctrl-C, exit: the same screen as bash natively in a chroot', async () => {
      const extra = { 'home/user/.bash_profile': "PS1='\\u@\\h:\\w\\$ '\nHISTFILE=~/.bash_history\n" };
      const nativeDir = distro(extra);
      fs.chownSync(join(nativeDir, 'home/user/.bash_profile'), 1000, 1000);
      const p = spawn('script', ['-qefc', `stty rows 24 cols 80; exec chroot --userspec=1000:1000 --groups=1000,100 ${nativeDir} ` +
        `/bin/env -i ${ENV.join(' ')} /bin/bash -c 'cd; exec -a -bash /bin/bash'`, '/dev/null'], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TERM: 'dumb' } });
      let native = '';
      p.stdout.on('data', (d) => { native += d; });
      let nativeStatus: unknown;
      try {
        await drive((s) => p.stdin.write(s), () => native, new Promise((r) => p.on('exit', (code) => r(nativeStatus = code))));
      } finally {
        p.kill('SIGKILL');
      }

      const dir = distro({ ...extra, 'etc/wasl.conf': '[user]\ndefault = user\n' });
      fs.chownSync(join(dir, 'home/user/.bash_profile'), 1000, 1000);
      const { inst } = await boot(dir);
      let ours = '';
      const dec = new TextDecoder();
      const login = inst.createProcess({ env: ENV, terminal: { cols: 80, rows: 24, output: (b) => { ours += dec.decode(b, { stream: true }); } } });
      await drive((s) => login.console!.input(Buffer.from(s)), () => ours, login.exited);
      // `exit` after the ^C'd sleep exits with its status, 130, both times.
      expect(await login.exited).toMatchObject({ code: nativeStatus });
      expect(nativeStatus).toBe(130);
      expect(ours).toBe(native);
      expect(readText(inst.vfs, '/home/user/.bash_history')).toBe(fs.readFileSync(join(nativeDir, 'home/user/.bash_history'), 'utf8'));
      expect(readText(inst.vfs, '/home/user/.bash_history')).toBe('echo one $((6*7))\necho one $((6*7))\ncat /etc/passwd \necho started; sleep 100\nexit\n');
    }, 180_000);
  });

// The CLI: `--root DIR` boots with init when the store holds a distribution (/etc/os-release),
// and runs a host program in an empty store as before.
describe.skipIf(!hasBusybox)('wasl --root DIR holding a distribution (skipped only without /bin/busybox)', () => {
  const CLI = join(ROOT, 'dist/cli/wasl.js');
  const wasl = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { PATH: '/usr/bin:/bin', TERM: 'dumb' } });

  it('an empty store runs the host\'s program; once a distribution is copied in, it boots: init, its PATH and user, status, files kept, /tmp a fresh tmpfs; a failed boot unlocks the store', async () => {
    const store = fs.mkdtempSync('/tmp/wasl-store-');
    dirs.push(store);
    const src = distro({ 'etc/wasl.conf': '[network]\nhostname = fromconf\n' });
    // No distribution yet: /bin/busybox is the host's, as for any --root run.
    const fill = wasl(['--root', store, '--mount', `/src=${src}`, '/bin/busybox', 'sh', '-c', 'cp -a /src/bin /src/etc /src/root /src/home /src/usr / && cat /proc/1/comm 2>&1; echo $$']);
    expect(fill.stderr).toBe('');
    expect(fill.stdout).not.toMatch(/^init\n/);
    const first = wasl(['--root', store, 'sh', '-c', 'cat /proc/1/comm; echo $PPID $USER $HOME; pwd; uname -n; echo kept > /root/f; echo gone > /tmp/t; exit 3']);
    expect(first).toMatchObject({ stdout: 'init\n1 root /root\n/root\nfromconf\n', stderr: '', status: 3 });
    const second = wasl(['--root', store, '-E', 'X=1', 'sh', '-c', 'cat /root/f; ls -A /tmp; echo $X']);
    expect(second).toMatchObject({ stdout: 'kept\n1\n', stderr: '', status: 0 });
    const missing = wasl(['--root', store, 'no-such-program']);
    expect(missing).toMatchObject({ stdout: '', stderr: 'wasl: no-such-program: No such file or directory\n', status: 127 });
    // A boot that fails (its /run is a file, so no tmpfs can be mounted there: ENOTDIR) leaves
    // the store unlocked for the next user.
    const broken = fs.mkdtempSync('/tmp/wasl-store-');
    dirs.push(broken);
    expect(wasl(['--root', broken, '/bin/busybox', 'sh', '-c', 'rmdir /run 2>/dev/null; touch /run']).status).toBe(0);
    await expect(createInstance({ rootDir: broken })).rejects.toMatchObject({ errno: 20 });
    expect(wasl(['--root', broken, '/bin/busybox', 'true']).status).toBe(0);
  }, 120_000);
});
