#!/usr/bin/env node
// Developer tool: finds the first instruction where wasl and the host CPU part ways.
// Steps PROGRAM natively under gdb (ASLR off) and under wasl, one instruction at a time,
// recording rip and the general registers, and prints the first point where the instruction
// streams diverge together with the registers just before it. Needs gdb and `npm run build`.
//   node tools/lockstep.mjs [--max N] [--qemu] PROGRAM [ARGS...]
// --qemu uses qemu-x86_64 with a baseline Intel CPU model (what wasl's CPUID reports) as the
// oracle instead of the host CPU, so glibc picks the same IFUNCs on both sides.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../dist/lxcore/kernel/kernel.js';
import { stdioTable, findProgram } from '../dist/lxcore/index.js';

const args = process.argv.slice(2);
let max = 2_000_000;
if (args[0] === '--max') { max = Number(args[1]); args.splice(0, 2); }
let useQemu = false;
if (args[0] === '--qemu') { useQemu = true; args.splice(0, 1); }
const exe = findProgram(args[0]);
const NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const dir = mkdtempSync(join(tmpdir(), 'lockstep-'));

let native;
if (useQemu) {
  const log = join(dir, 'qemu.log');
  try {
    execFileSync('qemu-x86_64', ['-cpu', 'qemu64,vendor=GenuineIntel,-sse3,-cx16,-popcnt,-sse4.1,-sse4.2,-ssse3,-lahf_lm',
      '-singlestep', '-d', 'nochain,cpu', '-D', log, exe, ...args.slice(1)],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH, LANG: 'C' } });
  } catch { /* the program's own exit status */ }
  // Each executed instruction prints a register block; keep rip and the 16 GPRs.
  const text = readFileSync(log, 'utf8');
  native = [];
  for (const m of text.matchAll(/RAX=(\w+) RBX=(\w+) RCX=(\w+) RDX=(\w+)\nRSI=(\w+) RDI=(\w+) RBP=(\w+) RSP=(\w+)\nR8 =(\w+) R9 =(\w+) R10=(\w+) R11=(\w+)\nR12=(\w+) R13=(\w+) R14=(\w+) R15=(\w+)\nRIP=(\w+)/g)) {
    const h = (x) => BigInt('0x' + x).toString(16);
    const [ax, bx, cx, dx, si, di, bp, sp, r8, r9, r10, r11, r12, r13, r14, r15, ip] = m.slice(1);
    native.push([ip, ax, cx, dx, bx, sp, bp, si, di, r8, r9, r10, r11, r12, r13, r14, r15].map(h).join(' '));
  }
} else {
// ---- native, under gdb ----
const py = join(dir, 'step.py');
writeFileSync(py, `
import gdb
out = open(${JSON.stringify(join(dir, 'native.txt'))}, 'w')
gdb.execute('starti', to_string=True)
names = ${JSON.stringify(NAMES)}
for i in range(${max}):
    f = gdb.selected_frame()
    rip = int(f.read_register('rip'))
    regs = ' '.join('%x' % (int(f.read_register(n)) & 0xffffffffffffffff) for n in names)
    out.write('%x %s\\n' % (rip, regs))
    try:
        gdb.execute('stepi', to_string=True)
    except gdb.error:
        break
    if not gdb.selected_inferior().pid:
        break
out.close()
`);
try {
  execFileSync('setarch', ['-R', 'gdb', '-nx', '-batch', '-ex', 'set pagination off', '-ex', 'set startup-with-shell off', '-ex', 'unset environment LINES', '-ex', 'unset environment COLUMNS', '-ex', `source ${py}`, '--args', exe, ...args.slice(1)],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH, LANG: 'C' } });
} catch { /* the program's own exit status */ }
native = readFileSync(join(dir, 'native.txt'), 'utf8').trim().split('\n');
}

// ---- wasl ----
const k = new Kernel({});
const p = k.spawn({ image: readFileSync(exe), exe, argv: args, env: ['PATH=' + process.env.PATH, 'LANG=C'], cwd: process.cwd(), stdio: stdioTable([0, 1, 2]) });
k['switchTo'](p.threads[0]);
const c = k.core;
const ours = [];
for (let n = 0; !p.status && n < native.length; n++) {
  ours.push(`${c.rip.toString(16)} ${NAMES.map((_, i) => c.regBig(i).toString(16)).join(' ')}`);
  const before = c.insnCount;
  const reason = c.run(1);
  // A page fault that lxcore resolves (demand paging) re-runs the same instruction.
  if (c.insnCount === before && reason !== 1) { ours.pop(); n--; }
  if (reason !== 0) {
    k['handleExit'](p.threads[0], reason);
    if (p.threads[0].state !== 'runnable') break;
    k['switchTo'](p.threads[0]);
  }
}

// ---- compare rip streams ----
// Loops may run a different number of times for benign reasons (Linux's auxv has entries wasl's
// lacks, environments differ in length): on a mismatch, look a little ahead in both streams for
// a common rip and resynchronise; only a mismatch with no nearby common point is reported.
const rip = (l) => l.split(' ')[0];
const WINDOW = 4000;
let i = 0, j = 0, resyncs = 0;
for (;;) {
  while (i < native.length && j < ours.length && rip(native[i]) === rip(ours[j])) { i++; j++; }
  if (i >= native.length || j >= ours.length) break;
  // The nearest pair (i+a, j+b) with the same rip: index one window, scan the other.
  let best = null;
  const first = new Map();
  for (let a = 0; a < WINDOW && i + a < native.length; a++) if (!first.has(rip(native[i + a]))) first.set(rip(native[i + a]), i + a);
  for (let b = 0; b < WINDOW && j + b < ours.length; b++) {
    const at = first.get(rip(ours[j + b]));
    if (at !== undefined && (!best || (at - i) + b < (best[0] - i) + (best[1] - j))) best = [at, j + b];
  }
  if (!best) break;
  if (process.env.LOCKSTEP_VERBOSE) console.log(`resync at native ${i} (${rip(native[i])}) / wasl ${j} (${rip(ours[j])}): skip ${best[0] - i} native, ${best[1] - j} wasl`);
  [i, j] = best;
  resyncs++;
}
if (i >= native.length && j >= ours.length) {
  console.log(`no divergence: ${native.length} native / ${ours.length} wasl instructions, ${resyncs} loop resyncs`);
  process.exit(0);
}
console.log(`diverged at native step ${i} (rip ${rip(native[i] ?? '?')}) / wasl step ${j} (rip ${rip(ours[j] ?? '?')}) after ${resyncs} resyncs`);
for (let d = -3; d <= 0; d++) {
  const a = (native[i + d] ?? '').split(' '), b = (ours[j + d] ?? '').split(' ');
  const diff = NAMES.map((n, r) => (a[r + 1] !== b[r + 1] ? `${n}: native ${a[r + 1]} wasl ${b[r + 1]}` : '')).filter(Boolean);
  console.log(`rip native ${a[0]} wasl ${b[0]}${diff.length ? '\n   ' + diff.join('\n   ') : ''}`);
}
