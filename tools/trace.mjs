#!/usr/bin/env node
// Developer tool: runs a program under wasl one instruction at a time and prints rip and the
// decoded length/opcode of each instruction (the last N with --tail N). Needs `npm run build`.
//   node tools/trace.mjs [--tail N] PROGRAM [ARGS...]
import { Kernel } from '../dist/lxcore/kernel/kernel.js';
import { stdioTable, hostEnv, findProgram } from '../dist/lxcore/index.js';
import * as L from '../dist/cpu/shared/layout.js';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let tail = 40;
if (args[0] === '--tail') { tail = Number(args[1]); args.splice(0, 2); }
const exe = findProgram(args[0]);
const k = new Kernel({ log: (l) => console.error(l) });
const p = k.spawn({ image: readFileSync(exe), exe, argv: args, env: hostEnv(), cwd: process.cwd(), stdio: stdioTable([0, 1, 2]) });
const ring = [];
const c = k.core;
// Drive the scheduler by hand: one instruction per slice.
k['switchTo'](p.threads[0]);
for (let n = 0; !p.status && n < 50_000_000; n++) {
  const rip = c.rip;
  const reason = c.run(1);
  ring.push(`${n} rip=0x${rip.toString(16)} rsp=0x${c.reg(4).toString(16)} rax=0x${c.reg(0).toString(16)} exit=${reason}`);
  if (ring.length > tail) ring.shift();
  if (reason !== 0) {
    k['handleExit'](p.threads[0], reason);
    if (p.threads[0].state === 'blocked') { console.error('blocked: trace stops'); break; }
  }
}
console.error(ring.join('\n'));
console.error('fault addr', c.faultAddr.toString(16), 'code', c.faultCode, 'status', p.status);
