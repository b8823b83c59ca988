// Terminals (issue #4): pseudo-terminal pairs (/dev/ptmx, /dev/pts/N, openpty), the N_TTY line
// discipline (canonical editing, echo, input and output processing, VMIN/VTIME), ISIG, job
// control (SIGTTIN/SIGTTOU, tcsetpgrp), window size and SIGWINCH, hangup and EIO, controlling
// terminals — tests/programs/tty.c, built with musl-gcc and gcc, run natively (on the host's
// devpts, so the host kernel's n_tty is the oracle) and under wasl; stdout, stderr and exit
// status must match byte for byte.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

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
