// The browser playground (issue #7), end to end in a real browser: Debian's chromium, driven by
// playwright-core, loads the built page (examples/playground/dist) from a loopback static server
// with the COOP/COEP headers, and the guest's shell is used through the terminal as a person
// would. The oracles are the host: the same busybox's applet list for `ls /bin`, native runs of
// the same pipeline and of a program built here, the bytes uploaded, and xterm's own size for
// `stty size`. A screenshot goes to tests/.artifacts/playground.png.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, constants } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { ROOT, buildStatic, canBuild } from './support/build.js';
import { runNative } from './support/run.js';

const CHROMIUM = '/usr/bin/chromium';
const BUSYBOX = '/bin/busybox';
const DIST = join(ROOT, 'examples/playground/dist');
const ARTIFACTS = join(ROOT, 'tests/.artifacts');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
const can = existsSync(CHROMIUM) && existsSync(BUSYBOX) && canBuild('musl');

type Serve = (dir: string, o?: { isolation?: boolean }) => Promise<{ url: string; close(): Promise<void> }>;

/** The terminal's whole buffer (scrollback too), wrapped rows joined back into lines. */
async function bufferText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const t = (window as any).waslPlayground.terminal;
    const b = t.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < b.length; y++) {
      const l = b.getLine(y);
      if (l.isWrapped && out.length) out[out.length - 1] += l.translateToString(true);
      else out.push(l.translateToString(true));
    }
    return out.join('\n');
  });
}

/**
 * Waits for the shell's prompt on the cursor's line, and for xterm to have answered everything
 * the guest asked it: busybox's line editor asks where the cursor is (ESC[6n) when it prints a
 * prompt, and a command typed before the answer reaches the guest lets the answer go to the
 * next program that reads the terminal (type-ahead, as on a real terminal).
 */
async function atPrompt(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const b = (window as any).waslPlayground.terminal.buffer.active;
    return /wasl:\S*# $/.test(b.getLine(b.baseY + b.cursorY)?.translateToString(false).slice(0, b.cursorX) ?? '');
  }, null, { timeout: 30_000 });
  await page.evaluate(() => new Promise<void>((r) => (window as any).waslPlayground.terminal.write('', r)));
}

let marks = 0;
/**
 * Types `cmd` at the prompt and returns what it printed: the lines between the command's echo
 * and an end marker echoed after it (typed as END''n, so the echo of the line itself differs).
 */
async function sh(page: Page, cmd: string, timeout = 30_000): Promise<string> {
  const n = ++marks;
  await atPrompt(page);
  await page.evaluate((s) => (window as any).waslPlayground.type(s), `${cmd}; echo END''${n}\r`);
  const end = `\nEND${n}\n`;
  await page.waitForFunction((e) => {
    const t = (window as any).waslPlayground.terminal.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < t.length; y++) lines.push(t.getLine(y).translateToString(true));
    return lines.join('\n').includes(e);
  }, end, { timeout });
  const text = await bufferText(page);
  const stop = text.lastIndexOf(end);
  const start = text.lastIndexOf(`END''${n}`, stop);
  return text.slice(text.indexOf('\n', start) + 1, stop + 1);
}

let shot = false;
async function screenshot(page: Page): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'playground.png') }).catch(() => {});
  shot = true;
}

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).waslPlayground !== undefined, null, { timeout: 30_000 });
  await page.evaluate(() => (window as any).waslPlayground.ready);
}

describe.skipIf(!can)('browser playground (skipped only if chromium, busybox-static or musl-gcc is missing)', () => {
  let serve: Serve;
  let server: { url: string; close(): Promise<void> };
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    // A fresh build of the page (the kernel's dist/ is built by `npm test` before vitest runs).
    execFileSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--configLoader', 'runner', '--config', 'examples/playground/vite.config.ts', '--logLevel', 'error'],
      { cwd: ROOT, stdio: 'inherit' });
    serve = (await import(join(ROOT, 'examples/playground/serve.mjs'))).serve;
    server = await serve(DIST);
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'wasl-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1000, height: 640 } });
    page = ctx.pages()[0] ?? await ctx.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(server.url);
    await ready(page);
  });

  afterAll(async () => {
    if (page && !shot) await screenshot(page); // if the test that takes it failed earlier
    await ctx?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('boots to a cross-origin isolated prompt and runs a pipeline as the host does', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const native = execFileSync(BUSYBOX, ['sh', '-c', 'echo hello | wc -c'], { encoding: 'utf8' });
    expect(await sh(page, 'echo hello | wc -c')).toBe(native);
  });

  it('ls /bin | head -3 lists the applets busybox installs in /bin', async () => {
    // What the image holds in /bin: busybox and its applets whose --list-full path is bin/.
    const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n')
      .filter((a) => a.startsWith('bin/')).map((a) => a.slice(4));
    const names = [...new Set(['busybox', ...applets])].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : a === b ? 0 : 1));
    expect(await sh(page, 'ls /bin | head -3')).toBe(names.slice(0, 3).join('\n') + '\n');
  });

  it('busybox vi opens full screen, edits, and quits back to the shell', async () => {
    const text = `typed in vi ${randomBytes(4).toString('hex')}`;
    await atPrompt(page);
    await page.evaluate(() => (window as any).waslPlayground.type('busybox vi /tmp/vi.txt\r'));
    // vi's empty-buffer lines ("~") fill the screen: it is in raw mode on the whole terminal.
    await page.waitForFunction(() => ((window as any).waslPlayground.screenText().match(/^~/gm) ?? []).length > 10, null, { timeout: 30_000 });
    // Keys one at a time, as typed: vi reads an ESC followed at once by more bytes as a key's
    // escape sequence. Its status line shows the mode: "I" inserting, "-" in command mode.
    const lastLine = () => page.evaluate(() => (window as any).waslPlayground.screenText().trimEnd().split('\n').pop());
    await page.evaluate((t) => (window as any).waslPlayground.type(`i${t}`), text);
    await expect.poll(lastLine, { timeout: 10_000 }).toMatch(/^I /);
    await page.evaluate(() => (window as any).waslPlayground.type('\x1b'));
    await expect.poll(lastLine, { timeout: 10_000 }).toMatch(/^- /);
    await page.evaluate(() => (window as any).waslPlayground.type(':wq\r'));
    expect(await sh(page, 'cat /tmp/vi.txt')).toBe(text + '\n');
  });

  it('^C interrupts a busy program in the foreground; the shell sees it die of SIGINT', async () => {
    await atPrompt(page);
    await page.evaluate(() => (window as any).waslPlayground.type('primes 2000000000\r'));
    await page.waitForTimeout(500); // it is computing (an untimed pause; the check is the status below)
    await page.evaluate(() => (window as any).waslPlayground.type('\x03'));
    // 128 + SIGINT, as a shell reports a child killed by a signal.
    expect(await sh(page, 'echo $?')).toBe(`${128 + constants.signals.SIGINT}\n`);
  });

  it('a resize reaches the guest (TIOCSWINSZ, SIGWINCH) and stty size reports xterm\'s size', async () => {
    await page.setViewportSize({ width: 760, height: 480 });
    await page.waitForTimeout(300);
    const { rows, cols } = await page.evaluate(() => { const t = (window as any).waslPlayground.terminal; return { rows: t.rows, cols: t.cols }; });
    expect(await sh(page, 'stty size')).toBe(`${rows} ${cols}\n`);
    // A program in the foreground gets SIGWINCH when the page's terminal changes size, and
    // TIOCGWINSZ then reports the new size (the signal goes to the foreground group, as on Linux).
    const bin = buildStatic(join(ROOT, 'tests/programs/winch.c'), 'musl');
    await page.evaluate((b) => (window as any).waslPlayground.upload('winch', new Uint8Array(b)), Array.from(readFileSync(bin)));
    await atPrompt(page);
    await page.evaluate(() => (window as any).waslPlayground.type('/mnt/host/winch\r'));
    await page.waitForFunction(() => (window as any).waslPlayground.screenText().includes('waiting for SIGWINCH'), null, { timeout: 30_000 });
    await page.setViewportSize({ width: 900, height: 560 });
    const size = () => page.evaluate(() => { const t = (window as any).waslPlayground.terminal; return { rows: t.rows, cols: t.cols }; });
    await expect.poll(size, { timeout: 10_000 }).not.toEqual({ rows, cols });
    const after = await size();
    await page.waitForFunction((l) => (window as any).waslPlayground.screenText().includes(l), `SIGWINCH: ${after.rows} ${after.cols}`, { timeout: 30_000 });
    expect(await sh(page, 'stty size')).toBe(`${after.rows} ${after.cols}\n`);
  });

  it('an uploaded file appears in /mnt/host, and an uploaded static ELF runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasl-upload-'));
    try {
      const note = `uploaded ${randomBytes(6).toString('hex')}\nsecond line\n`;
      writeFileSync(join(dir, 'note.txt'), note);
      const bin = buildStatic(join(ROOT, 'examples/src/echoargs.c'), 'musl');
      const elf = join(dir, 'echoargs');
      writeFileSync(elf, readFileSync(bin));
      await page.setInputFiles('#upload', [join(dir, 'note.txt'), elf]);
      await expect.poll(() => sh(page, 'ls /mnt/host | cat').then((l) => l.split('\n')), { timeout: 10_000 }).toEqual(expect.arrayContaining(['echoargs', 'note.txt']));
      expect(await sh(page, 'cat /mnt/host/note.txt')).toBe(note);
      const native = runNative(bin, { args: ['one', 'two words'] }).stdout.split('\n').filter((l) => !l.startsWith('argv[0]='));
      const guest = (await sh(page, "/mnt/host/echoargs one 'two words'")).split('\n');
      expect(guest).toContain('argv[0]=/mnt/host/echoargs');
      expect(guest.filter((l) => !l.startsWith('argv[0]='))).toEqual(native);
      // Download: the bytes come back out as they went in.
      const back = await page.evaluate(() => (window as any).waslPlayground.download('/mnt/host/note.txt').then((b: Uint8Array) => Array.from(b)));
      expect(Buffer.from(back).toString()).toBe(note);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the root filesystem survives a reload; the status line counts instructions and syscalls', async () => {
    const token = randomBytes(8).toString('hex');
    await sh(page, `mkdir -p /root/kept && echo ${token} > /root/kept/file`);
    await page.evaluate(() => (window as any).waslPlayground.flush());
    await page.reload();
    await ready(page);
    expect(await sh(page, 'cat /root/kept/file')).toBe(token + '\n');
    // The guest computes; the counters move (checked against the page's own readout).
    await sh(page, 'primes > /dev/null');
    await page.waitForTimeout(1200);
    const s = await page.evaluate(() => (window as any).waslPlayground.stats());
    expect(s.insns).toBeGreaterThan(1e6);
    expect(s.syscalls).toBeGreaterThan(100);
    expect(await page.textContent('#status')).toMatch(/instructions\/s .* syscalls\/s/);
    // The artifact: a busy guest, with the status line's rates moving.
    await sh(page, 'ls -l /bin | head -5');
    await page.evaluate(() => (window as any).waslPlayground.type('sha256; primes 400000000\r'));
    await page.waitForFunction(() => /[1-9][0-9.]* M instructions\/s/.test(document.getElementById('status')!.textContent!), null, { timeout: 10_000 });
    await screenshot(page);
    await page.evaluate(() => (window as any).waslPlayground.type('\x03'));
  });

  it('reset forgets the saved root and boots afresh from the image', async () => {
    expect(await sh(page, 'test -e /root/kept/file; echo $?')).toBe('0\n');
    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForEvent('load'), page.click('#reset')]);
    await ready(page);
    expect(await sh(page, 'test -e /root/kept/file; echo $?; test -x /bin/busybox; echo $?')).toBe('1\n0\n');
  });

  it('without cross-origin isolation the page still works and says what it lacks', async () => {
    const plain = await serve(DIST, { isolation: false });
    const p2 = await ctx.newPage();
    try {
      await p2.goto(plain.url);
      await ready(p2);
      expect(await p2.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await p2.textContent('#note')).toContain('not cross-origin isolated');
      expect(await sh(p2, 'echo hello | wc -c')).toBe(execFileSync(BUSYBOX, ['sh', '-c', 'echo hello | wc -c'], { encoding: 'utf8' }));
    } finally {
      await p2.close();
      await plain.close();
    }
  });
});
