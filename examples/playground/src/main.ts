// The playground page: xterm.js on the guest's terminal, the kernel in a Worker (boot.ts), files
// in and out, the status line. window.waslPlayground is what tests (and the curious) drive.

import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import type { ToPage, ToWorker } from './protocol.js';
import { STAT_INSNS, STAT_SYSCALLS, STAT_SAVES, STAT_SLOTS } from './protocol.js';

const $ = (id: string) => document.getElementById(id)!;
const term = new Terminal({ fontSize: 14, fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace', scrollback: 2000, convertEol: false });
const fit = new FitAddon();
term.loadAddon(fit);
term.open($('terminal'));
fit.fit();

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
const enc = new TextEncoder();

// Cross-origin isolation gives SharedArrayBuffer (the counters are shared, not messaged) and
// 5 µs timers; without it everything still works, with the note below.
const isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
const statsSab = isolated ? new SharedArrayBuffer(STAT_SLOTS * 8) : undefined;
if (!isolated) {
  const note = $('note');
  note.hidden = false;
  note.textContent = 'This page is not cross-origin isolated (it was served without the COOP/COEP headers), so ' +
    'SharedArrayBuffer is unavailable: the playground still works, but the status line comes by message and the ' +
    'guest\'s clocks tick in 100 µs steps instead of 5 µs.';
}

let resolveReady!: () => void;
const ready = new Promise<void>((r) => { resolveReady = r; });
let booted = false;
let bootMs = 0;
// Cold start is measured from the navigation (performance.now()'s origin), not from this script.
let promptMs = 0;
let stats = { insns: 0, syscalls: 0, saves: 0 };
const waiters = new Map<string, ((m: ToPage) => void)[]>();
const waitFor = (type: ToPage['type']) => new Promise<ToPage>((r) => waiters.set(type, [...(waiters.get(type) ?? []), r]));

function screenText(): string {
  const b = term.buffer.active;
  const lines: string[] = [];
  for (let y = b.viewportY; y < b.viewportY + term.rows; y++) lines.push(b.getLine(y)?.translateToString(true) ?? '');
  return lines.join('\n');
}

worker.onmessage = (e: MessageEvent<ToPage>) => {
  const m = e.data;
  switch (m.type) {
    case 'output':
      term.write(m.data);
      // The prompt (PS1 in /etc/profile) is up: the shell is ready for input.
      if (booted && !promptMs) term.write('', () => { if (!promptMs && /wasl:\S*# /.test(screenText())) { promptMs = performance.now(); resolveReady(); showStatus(); } });
      break;
    case 'booted': booted = true; bootMs = m.ms; break;
    case 'stats': stats = m; break;
    case 'log': console.log(m.line); break;
    case 'file':
      if (m.error) term.write(`\r\n[download ${m.path}: ${m.error}]\r\n`);
      break;
    case 'uploaded': if (m.error) term.write(`\r\n[upload ${m.path}: ${m.error}]\r\n`); break;
    case 'reset-done': location.reload(); break;
  }
  for (const w of waiters.get(m.type) ?? []) w(m);
  waiters.delete(m.type);
};

term.onData((s) => send({ type: 'input', data: enc.encode(s) }));
term.onBinary((s) => send({ type: 'input', data: Uint8Array.from(s, (c) => c.charCodeAt(0)) }));
term.onResize(({ cols, rows }) => send({ type: 'resize', cols, rows }));
new ResizeObserver(() => fit.fit()).observe($('terminal'));
send({ type: 'init', base: document.baseURI, cols: term.cols, rows: term.rows, stats: statsSab });
term.focus();

// ---- files in and out
async function upload(files: Iterable<File>): Promise<string[]> {
  const done: string[] = [];
  for (const f of files) {
    const data = new Uint8Array(await f.arrayBuffer());
    const ack = waitFor('uploaded');
    send({ type: 'upload', name: f.name.replace(/\//g, '_'), data }, [data.buffer]);
    const m = await ack as Extract<ToPage, { type: 'uploaded' }>;
    if (!m.error) done.push(m.path);
  }
  return done;
}
const input = $('upload') as HTMLInputElement;
input.onchange = () => { void upload(input.files ?? []).then(() => { input.value = ''; term.focus(); }); };
const main = $('terminal');
main.ondragover = (e) => { e.preventDefault(); main.classList.add('drop'); };
main.ondragleave = () => main.classList.remove('drop');
main.ondrop = (e) => { e.preventDefault(); main.classList.remove('drop'); void upload(e.dataTransfer?.files ?? []); };

async function download(path: string, save = true): Promise<Uint8Array> {
  const got = waitFor('file');
  send({ type: 'download', path });
  const m = await got as Extract<ToPage, { type: 'file' }>;
  if (m.error || !m.data) throw new Error(m.error ?? 'no data');
  if (save) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([m.data as BlobPart]));
    a.download = path.split('/').pop() || 'download';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
  return m.data;
}
$('download').onclick = () => {
  const p = prompt('Path of the file to download (e.g. /mnt/host/out.txt or /root/notes):', '/root/');
  if (p) void download(p).catch(() => {});
  term.focus();
};
$('reset').onclick = () => {
  if (confirm('Forget the saved filesystem (everything under /) and boot afresh?')) send({ type: 'reset' });
};
// Best effort on the way out; the store also saves a quarter second after each change.
addEventListener('pagehide', () => send({ type: 'flush' }));

// ---- status line: rates over the last second
const shared = statsSab ? new Float64Array(statsSab) : null;
let last = { t: performance.now(), insns: 0, syscalls: 0 };
let rates = { ips: 0, sps: 0 };
function showStatus(): void {
  if (shared) stats = { insns: shared[STAT_INSNS], syscalls: shared[STAT_SYSCALLS], saves: shared[STAT_SAVES] };
  const now = performance.now();
  const dt = (now - last.t) / 1000;
  rates = { ips: (stats.insns - last.insns) / dt, sps: (stats.syscalls - last.syscalls) / dt };
  last = { t: now, insns: stats.insns, syscalls: stats.syscalls };
  const fmt = (x: number) => x >= 1e6 ? `${(x / 1e6).toFixed(1)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0);
  $('status').textContent = `${fmt(rates.ips)} instructions/s   ${fmt(rates.sps)} syscalls/s   ` +
    `prompt after ${promptMs ? (promptMs / 1000).toFixed(2) + ' s' : '…'}   saved ${stats.saves}×   ` +
    (isolated ? 'cross-origin isolated' : 'not isolated');
}
setInterval(showStatus, 1000);

declare global { interface Window { waslPlayground: unknown } }
window.waslPlayground = {
  ready,
  screenText,
  /** Types text into the terminal as the keyboard would. */
  type: (s: string) => send({ type: 'input', data: enc.encode(s) }),
  upload: (name: string, bytes: Uint8Array) => upload([new File([bytes as BlobPart], name)]),
  download: (path: string) => download(path, false),
  /** Resolves when everything the guest changed so far is saved in IndexedDB. */
  flush: () => { const f = waitFor('flushed'); send({ type: 'flush' }); return f.then(() => undefined); },
  stats: () => ({ ...stats, ...rates, bootMs, promptMs, isolated }),
  terminal: term,
};
