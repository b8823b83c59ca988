// The host terminal behind a guest's lxcore pty (lxcore/tty/console.ts): while the guest runs,
// the host terminal is in raw mode (stty raw -echo) so that every keystroke reaches lxcore's line
// discipline, which does the echoing, editing and ^C/^Z; host window-size changes become
// TIOCSWINSZ. The settings found at start are put back on every way out: a normal exit, an
// uncaught exception, and the signals that end wasl itself.

import * as fs from 'node:fs';
import { constants } from 'node:os';
// node:tty and node:child_process load on first use (lxcore/host.ts): most runs have no terminal.
import { isTerminal, childProcess } from '../lxcore/host.js';
import type { Console, Process } from '../lxcore/index.js';

export interface HostTerminal {
  /** Which of the host's fds 0, 1, 2 are this terminal (the guest's become the pty's slave). */
  fds: [boolean, boolean, boolean];
  cols: number;
  rows: number;
  /** Shows guest output on the terminal. */
  write(bytes: Uint8Array): void;
  /**
   * Starts feeding keystrokes and resizes to `c`. When `first` (a program running in wasl's own
   * process group) is stopped from the terminal, wasl stops too and gives the host shell its
   * terminal back; continued, it continues the group.
   */
  start(c: Console, first: Process): void;
  /** Puts the terminal back as it was (idempotent). */
  restore(): void;
}

/** Runs stty on the terminal at fd 0; its output, or undefined if it failed. */
function stty(args: string[]): string | undefined {
  const r = childProcess.spawnSync('stty', args, { stdio: [0, 'pipe', 'ignore'], encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

function sizeOf(): [number, number] {
  const m = /^(\d+) (\d+)/.exec(stty(['size']) ?? '');
  const rows = m ? Number(m[1]) : 0, cols = m ? Number(m[2]) : 0;
  return [cols || 80, rows || 24];
}

/**
 * Whether wasl runs in its terminal's foreground process group (/proc/self/stat's pgrp and
 * tpgid). In the background (`wasl prog &`) it must not touch the terminal: changing its
 * settings or reading it would stop wasl with SIGTTOU/SIGTTIN.
 */
function inForeground(): boolean {
  try {
    const st = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' '); // state ppid pgrp session tty_nr tpgid
    return Number(f[2]) === Number(f[5]);
  } catch { return true; }
}

/**
 * The host terminal on fd 0, in raw mode; undefined if fd 0 is not a terminal, wasl is not in
 * its foreground group, or stty fails (the terminal is then passed through as it is).
 */
export function openHostTerminal(): HostTerminal | undefined {
  if (!isTerminal(0) || !inForeground()) return undefined;
  const rdev = (fd: number) => { try { return fs.fstatSync(fd).rdev; } catch { return -1; } };
  const same = (fd: number) => isTerminal(fd) && rdev(fd) === rdev(0);
  const fds: [boolean, boolean, boolean] = [true, same(1), same(2)];
  const outFd = fds[1] ? 1 : fds[2] ? 2 : 0; // a terminal's fd 0 is normally open for writing too
  const saved = stty(['-g'])?.trim();
  if (!saved || stty(['raw', '-echo']) === undefined) return undefined;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stty([saved]);
  };
  process.on('exit', restore);
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT'] as const) {
    process.on(sig, () => { restore(); process.exit(128 + constants.signals[sig]); });
  }
  const [cols, rows] = sizeOf();
  return {
    fds, cols, rows,
    write(bytes) {
      for (let off = 0; off < bytes.length;) {
        try { off += fs.writeSync(outFd, bytes, off, bytes.length - off); } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return; // the terminal is gone
        }
      }
    },
    start(c, first) {
      process.stdin.on('data', (d: Buffer) => c.input(new Uint8Array(d.buffer, d.byteOffset, d.length)));
      process.stdin.on('end', () => c.close());
      process.stdin.on('error', () => c.close());
      process.on('SIGWINCH', () => { const [w, h] = sizeOf(); c.resize(w, h); });
      setInterval(() => {
        if (!first.signals.stopped || first.status || restored) return;
        c.flush();
        stty([saved]);
        process.kill(process.pid, 'SIGTSTP'); // wasl stops here until the host shell's fg
        stty(['raw', '-echo']);
        c.continueGroup(first.pgid);
      }, 100).unref();
    },
    restore,
  };
}
