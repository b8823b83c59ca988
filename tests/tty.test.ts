// Terminals (issue #4): pseudo-terminal pairs (/dev/ptmx, /dev/pts/N, openpty), the N_TTY line
// discipline (canonical editing, echo, input and output processing, VMIN/VTIME), ISIG, job
// control (SIGTTIN/SIGTTOU, tcsetpgrp), window size and SIGWINCH, hangup and EIO, controlling
// terminals — tests/programs/tty.c, built with musl-gcc and gcc, run natively (on the host's
// devpts, so the host kernel's n_tty is the oracle) and under wasl; stdout, stderr and exit
// status must match byte for byte.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, buildStatic, canBuild, hasCommand, Toolchain } from './support/build.js';
import { runNative, runWasl, WASL_CLI } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/tty.c');

/** mode → what it covers (the test's name). */
const MODES: Array<[string, string]> = [
  ['basic', 'posix_openpt/grantpt/unlockpt/ptsname, lock, ttyname, default termios, ONLCR, echo, EIO after the slave closes, openpty, TIOCGPTPEER'],
  ['canon', 'canonical mode: erase, kill, werase, ^X echo, tab erase, lnext, reprint, VEOF, ECHONL, ECHOPRT, ICRNL/INLCR/IGNCR, ONLCR/OCRNL/XTABS/OPOST, flushing'],
  ['raw', 'non-canonical reads: VMIN/VTIME in all four combinations, O_NONBLOCK, raw echo, IXON stop/start'],
  ['isig', 'ISIG: ^C to the foreground group (handler and default action), ^Z stop and SIGCONT, ISIG off, TIOCSIG'],
  ['jobctl', 'job control: SIGTTIN for a background reader, tcsetpgrp, SIGTTOU for tcsetattr and TOSTOP writes, ignored signals'],
  ['winsize', 'TIOCSWINSZ/TIOCGWINSZ and SIGWINCH to the foreground group'],
  ['hangup', 'master EIO and POLLHUP after the slave closes; SIGHUP to the session leader when the master closes; leader exit hangs up the foreground group'],
  ['ctty', 'controlling terminal: acquisition on open, O_NOCTTY, TIOCSCTTY, TIOCNOTTY, /dev/tty, setsid'],
  ['packet', 'TIOCPKT packet mode (flush, stop/start, flow-control and data status bytes, POLLPRI), modem and break ioctls, TIOCSOFTCAR, TIOCEXCL'],
];

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`terminals, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const [mode, what] of MODES) {
      it(`${mode}: ${what}`, () => {
        const bin = buildStatic(SRC, tc);
        const native = runNative(bin, { args: [mode], timeoutMs: 30_000 });
        const wasl = runWasl(bin, { args: [mode], timeoutMs: 60_000 });
        expect(wasl).toEqual(native);
      });
    }
  });
}

// The CLI on a real terminal (script(1)'s pty, driven through pipes): the host terminal goes raw
// and feeds a lxcore pty, so busybox sh gets lxcore's line discipline and job control. The same
// keystrokes typed at busybox running natively on the same kind of terminal must give the same
// screen, byte for byte, and the host terminal's settings (stty -g) must be as before.
const BUSYBOX = '/bin/busybox';
const canScript = hasCommand('script') && existsSync(BUSYBOX);

/** Runs `cmd` in script(1), typing `steps` (text, then a pattern the screen must show next). */
async function session(cmd: string, steps: Array<[string, RegExp]>, term = 'dumb'): Promise<string> {
  const p = spawn('script', ['-qfc', cmd, '/dev/null'], { env: { PATH: '/usr/bin:/bin', TERM: term, PS1: '$ ', HOME: '/tmp', ENV: '' } });
  let out = '';
  let answered = 0;
  p.stdout.on('data', (d) => {
    out += d;
    // busybox's line editor asks where the cursor is (ESC [6n); a terminal would answer.
    const asked = out.split('\x1b[6n').length - 1;
    for (; answered < asked; answered++) p.stdin.write('\x1b[24;3R');
  });
  const exited = new Promise<void>((r) => p.on('exit', () => r()));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    for (const [keys, until] of steps) {
      if (keys.startsWith('\0')) await sleep(Number(keys.slice(1)));
      else p.stdin.write(keys);
      for (const t0 = Date.now(); !until.test(out);) {
        if (Date.now() - t0 > 60_000) throw new Error(`no ${until} in ${JSON.stringify(out)}`);
        await sleep(20);
      }
    }
    await exited;
  } finally {
    p.kill('SIGKILL');
  }
  return out;
}

describe.skipIf(!canScript)('interactive busybox sh on a real terminal (skipped only if script(1) or /bin/busybox is missing)', () => {
  const SHELLS: Array<[string, string, boolean]> = [
    ['busybox sh', `${BUSYBOX} sh -i`, true],
    ['bash-static', '/bin/bash-static --norc --noprofile -i', existsSync('/bin/bash-static')],
  ];
  for (const [name, shell, present] of SHELLS) {
    it.skipIf(!present)(`${name}: a command, Ctrl-C of sleep 100, Ctrl-Z and fg, exit; the host terminal settings come back (skipped only if missing)`, async () => {
      const PROMPT = '\\$ (\\x1b\\[6n)?$';
      const steps: Array<[string, RegExp]> = [
        ['', new RegExp(PROMPT)],
        ['echo hi there\r', new RegExp(`hi there\\r\\n[^]*${PROMPT}`)],
        // The sleep must have started before ^C: its shell prints first, then a margin.
        ['echo started; busybox sleep 100\r', /started\r\n$/],
        ['\x002000', /started\r\n$/],
        ['\x03', new RegExp(`\\^C[^]*${PROMPT}`)],
        ['echo go; busybox sleep 100\r', /go\r\n$/],
        ['\x002000', /go\r\n$/],
        ['\x1a', new RegExp(`Stopped[^]*${PROMPT}`)],
        ['fg\r', /sleep 100\r\n$/],
        ['\x001000', /sleep 100\r\n$/],
        ['\x03', new RegExp(`\\^C\\r\\n[^]*${PROMPT}`)],
        ['exit\r', /exit\r\n[^]*$/],
      ];
      const native = await session(`stty -g; ${shell}; stty -g`, steps);
      const ours = await session(`stty -g; ${process.execPath} ${WASL_CLI} ${shell}; stty -g`, steps);
      const settings = ours.split('\r\n').filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l));
      expect(settings).toHaveLength(2);
      expect(settings[1]).toBe(settings[0]);
      expect(ours).toBe(native);
    }, 120_000);
  }

  it('^Z at a program in wasl\'s own process group stops wasl for the host shell; fg continues it', async () => {
    const PROMPT = '\\$ (\\x1b\\[6n)?$';
    const steps = (run: string): Array<[string, RegExp]> => [
      ['', new RegExp(PROMPT)],
      [`${run} cat\r`, /cat\r\n$/],
      // Typed before wasl has made the host terminal raw, a line would be the host's to echo.
      ['\x003000', /cat\r\n$/],
      ['a\r', /a\r\na\r\n$/],
      ['\x1a', new RegExp(`Stopped[^]*${PROMPT}`)],
      ['fg\r', /cat\r\n$/],
      ['b\r', /b\r\nb\r\n$/],
      ['\x04', new RegExp(PROMPT)],
      ['echo status $?; exit\r', /exit\r\n[^]*$/],
    ];
    const native = await session(`${BUSYBOX} sh -i`, steps(BUSYBOX));
    const ours = await session(`${BUSYBOX} sh -i`, steps(`${process.execPath} ${WASL_CLI} ${BUSYBOX}`));
    const cmd = `${process.execPath} ${WASL_CLI} `;
    expect(ours.split(cmd).join('')).toBe(native);
    expect(native).toMatch(/Stopped[^]*status 0\r\n/);
  }, 120_000);

  it('a host terminal resize reaches the guest as SIGWINCH with the new size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasl-winch-'));
    try {
      // The resize waits until the guest's trap is set (it makes a file), then the guest sleeps.
      const run = (prefix: string) => session(`stty rows 24 cols 80; ` +
        `(while [ ! -e ${dir}/ready ]; do sleep 0.05; done; stty rows 30 cols 100 </dev/tty) & ` +
        `${prefix}${BUSYBOX} sh -c 'trap "stty size" WINCH; stty size; touch ${dir}/ready; sleep 3; stty size'; ` +
        `rm ${dir}/ready; wait`, [['', /\r\n\d+ \d+\r\n\d+ \d+\r\n$/]]);
      const native = await run('');
      const ours = await run(`${process.execPath} ${WASL_CLI} `);
      expect(native).toBe('24 80\r\n30 100\r\n30 100\r\n');
      expect(ours).toBe(native);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('wasl killed by SIGTERM or SIGHUP puts the host terminal back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasl-term-'));
    try {
      for (const [sig, status] of [['TERM', 143], ['HUP', 129]] as const) {
        const f = join(dir, `pid-${sig}`);
        // The kill comes once wasl has made the terminal raw (its settings differ from before).
        const out = await session(`s0=$(stty -g); echo $s0; ` +
          `(while [ ! -s ${f} ] || [ "$(stty -g </dev/tty)" = "$s0" ]; do sleep 0.05; done; kill -${sig} $(cat ${f})) & ` +
          `sh -c 'echo $$ > ${f}; exec ${process.execPath} ${WASL_CLI} ${BUSYBOX} sh -i'; echo status $?; wait; stty -g`,
        // (busybox's prompt asks the terminal where the cursor is, ESC [6n: when wasl dies before
        // reading the answer, the host's tty echoes it after the last line, ^[[ROW;COLR)
        [['', /status \d+\r\n[0-9a-f:]+\r\n(\^\[\[\d+;\d+R)?$/]]);
        expect(out).toContain(`status ${status}\r\n`);
        const settings = [...out.matchAll(/([0-9a-f]+(?::[0-9a-f]+){10,})\r\n/g)].map((m) => m[1]);
        expect(settings).toHaveLength(2);
        expect(settings[1]).toBe(settings[0]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a full-screen program (busybox vi) draws, edits, saves and quits; the terminal settings come back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasl-vi-'));
    try {
      const steps: Array<[string, RegExp]> = [
        ['', /100%/],
        ['ihello\x1b', /\[Modified\][^]*$/],
        [':wq\r', /1049l[0-9a-f:]+\r\n$/],
      ];
      const run = (prefix: string, file: string) =>
        session(`stty -g; stty rows 24 cols 80; ${prefix}${BUSYBOX} vi ${join(dir, file)}; stty -g`, steps, 'vt100');
      const native = await run('', 'native.txt');
      const ours = await run(`${process.execPath} ${WASL_CLI} `, 'wasl.txt');
      expect(ours.split('wasl.txt').join('native.txt')).toBe(native);
      expect(readFileSync(join(dir, 'wasl.txt'), 'utf8')).toBe(readFileSync(join(dir, 'native.txt'), 'utf8'));
      const settings = [...ours.matchAll(/([0-9a-f]+(?::[0-9a-f]+){10,})\r\n/g)].map((m) => m[1]);
      expect(settings).toHaveLength(2);
      expect(settings[1]).toBe(settings[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
