// The `wasl` command's own behaviour: options, errors for programs it cannot run, exit status,
// and wasl's log staying out of the guest's output.

import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, hasCommand } from './support/build.js';
import { WASL_CLI, runNative, runWasl } from './support/run.js';

const wasl = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [WASL_CLI, ...args], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } });
const tmp = mkdtempSync(join(tmpdir(), 'wasl-cli-'));

describe('wasl CLI', () => {
  it('--help and --version', () => {
    expect(wasl(['--help']).stdout).toMatch(/^usage: wasl \[options\] PROGRAM/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(wasl(['--version']).stdout).toBe(`wasl ${pkg.version}\n`);
  });

  it('a #! script as the program: rewritten into its interpreter as execve does, nested too', () => {
    const script = join(tmp, 'greet.sh');
    writeFileSync(script, '#!/bin/sh -e\necho "script $0 args $*"; cat /proc/self/cmdline | tr "\\0" " "; echo\n');
    chmodSync(script, 0o755);
    const outer = join(tmp, 'outer');
    writeFileSync(outer, `#!${script}\n`);
    chmodSync(outer, 0o755);
    for (const [prog, args] of [[script, ['one', 'two words']], [outer, ['x']]] as const) {
      const spec = { args: [...args] };
      expect(runWasl(prog, spec)).toEqual(runNative(prog, spec));
    }
  });

  it.skipIf(!hasCommand('busybox'))("/proc is wasl's own: ps sees the instance's processes, not the host's", () => {
    const r = wasl(['/bin/busybox', 'ps']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/PID\s+USER\s+COMMAND/);
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(/^\s*\d+ \S+\s+\/bin\/busybox ps$/);
  });

  it.skipIf(!hasCommand('script') || !hasCommand('busybox'))('on a real terminal (script(1)\'s pty): isatty, ttyname, TCGETS and TIOCGWINSZ answer as natively', async () => {
    // script(1)'s stdin is a pipe kept open until script is done: at its stdin's EOF script writes
    // an end-of-file byte into the terminal, which a canonical terminal swallows but one that wasl
    // has put in raw mode (to relay keys to the guest's own pty) passes on as a keystroke — a
    // race with the run, unrelated to what is tested here.
    const inPty = (cmd: string) => new Promise<string>((resolve) => {
      const p = spawn('script', ['-qc', `stty cols 97 rows 31; ${cmd}`, '/dev/null'],
        { stdio: ['pipe', 'pipe', 'ignore'], env: { PATH: '/usr/bin:/bin', TERM: 'dumb' } });
      let out = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
      p.on('close', () => resolve(out));
      p.on('exit', () => p.stdin.end());
    });
    const applets = (run: string) => `${run} tty; ${run} stty size`;
    const native = await inPty(applets('/bin/busybox'));
    expect(native).toMatch(/^\/dev\/pts\/\d+\r\n31 97\r\n$/);
    // --host-tty: the host terminal itself, so the very same name.
    expect(await inPty(applets(`${process.execPath} ${WASL_CLI} --host-tty /bin/busybox`))).toBe(native);
    // By default the guest's terminal is a lxcore pty of the host terminal's size: its own number.
    const ours = await inPty(applets(`${process.execPath} ${WASL_CLI} /bin/busybox`));
    expect(ours).toMatch(/^\/dev\/pts\/\d+\r\n31 97\r\n$/);
  });

  it('a missing program: 127 and a message, like a shell', () => {
    const r = wasl(['/no/such/program']);
    expect(r.status).toBe(127);
    expect(r.stderr).toMatch(/No such file or directory/);
  });

  it('a file that is not an ELF executable: 126, "Exec format error"', () => {
    const p = join(tmp, 'notelf');
    writeFileSync(p, 'just text\n');
    chmodSync(p, 0o755);
    const r = wasl([p]);
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/Exec format error/);
  });

  it('an unknown option is a usage error (2)', () => {
    expect(wasl(['--bogus', '/bin/true']).status).toBe(2);
  });

  it.skipIf(!canBuild('musl'))('-E, -U and -0 shape the guest environment and argv[0]', () => {
    const bin = buildStatic(join(ROOT, 'examples/src/echoargs.c'), 'musl');
    const r = wasl(['-E', 'WASL_X=1', '-E', 'WASL_Y=two', '-U', 'WASL_DROP', '-0', 'renamed', bin, 'arg'], { WASL_DROP: 'gone', WASL_KEEP: 'k' });
    expect(r.stdout).toBe('argc=2\nargv[0]=renamed\nargv[1]=arg\nenv WASL_KEEP=k\nenv WASL_X=1\nenv WASL_Y=two\n');
  });

  it.skipIf(!canBuild('musl'))('unimplemented syscalls: ENOSYS as on Linux, logged once by name to --log, not to stderr', () => {
    const bin = buildStatic(join(ROOT, 'tests/programs/unimpl.c'), 'musl');
    const log = join(tmp, 'wasl.log');
    const native = runNative(bin);
    expect(runWasl(bin, {}, ['--log', log])).toEqual(native);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.includes('syscall_500'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('syscall_1000'))).toHaveLength(1);
    expect(runWasl(bin).stderr).toBe(''); // no log requested: nothing extra anywhere
  });

  it.skipIf(!canBuild('musl') || !hasCommand('strace'))('--strace prints what the real strace prints, to stderr only', () => {
    const bin = buildStatic(join(ROOT, 'examples/src/hello.c'), 'musl');
    const r = wasl(['--strace', bin]);
    expect(r.stdout).toBe('Hello from Linux, running in WebAssembly!\n');
    const real = spawnSync('strace', ['-o', join(tmp, 'real.trace'), bin], { encoding: 'utf8' });
    expect(real.status).toBe(0);
    // Addresses differ between runs (ASLR, pids); strace pads " = " to a column: normalise both.
    const norm = (text: string) => text.split('\n')
      .filter((l) => l && !l.startsWith('execve(') && !l.startsWith('+++'))
      .map((l) => l.replace(/0x[0-9a-f]+/g, 'ADDR').replace(/\s+= /, ' = ').replace(/set_tid_address\(ADDR\) = \d+/, 'set_tid_address(ADDR) = TID'));
    expect(norm(r.stderr)).toEqual(norm(readFileSync(join(tmp, 'real.trace'), 'utf8')));
  });
});
