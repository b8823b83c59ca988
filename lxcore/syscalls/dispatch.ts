// The one place a guest syscall is dispatched: look the number up in the table, call the handler
// with the six argument registers, and turn whatever happens into rax — a result, or −errno from
// a thrown LinuxError. A handler returning a promise parks its task until it settles.

import * as L from '../../cpu/shared/layout.js';
import { LinuxError, ENOSYS, EIO } from '../abi/errno.js';
import { syscallByNr } from '../abi/syscalls.js';
import { formatCall, formatReturn, stracePid } from './strace.js';
import { syscallRow } from './table.js';
import { printSigset } from './strace_values.js';
import { UC_SIGMASK } from '../kernel/sigframe.js';
import { hostNanos } from '../kernel/fastsys.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/task.js';

// Register numbers (the layout's offsets / 8) of rax and the six argument registers.
const RSP = L.RSP / 8, RAX = L.RAX / 8, RDI = L.RDI / 8, RSI = L.RSI / 8, RDX = L.RDX / 8, R10 = L.R10 / 8, R8 = L.R8 / 8, R9 = L.R9 / 8;
const ARG_REGS = [RDI, RSI, RDX, R10, R8, R9];
/** strace's default -a: the column its " = " results are aligned to. */
const STRACE_ALIGN = 40;

/** −errno for an exception from a handler. Anything but a LinuxError is a wasl bug: say so. */
function errnoOf(k: Kernel, name: string, e: unknown): number {
  if (e instanceof LinuxError) return -e.errno;
  k.log(`internal error in ${name}: ${(e as Error)?.stack ?? e}`);
  return -EIO;
}

export function dispatchSyscall(k: Kernel, t: Task): void {
  const c = k.core;
  const nr = c.reg(RAX);
  t.signals.syscallNr = nr; // orig_ax: what a signal may restart (kernel/signals.ts)
  const row = syscallRow(nr);
  const name = row?.name ?? syscallByNr[nr]?.name ?? `syscall_${nr}`;

  let trace: ((ret: number) => void) | undefined;
  if (k.options.strace) {
    const abi = syscallByNr[nr];
    const raw = ARG_REGS.map((r) => c.regBig(r));
    const mm = t.process.mm;
    const reader = {
      readBytes: (addr: number, len: number) => { try { return mm.read(addr, len); } catch { return null; } },
      readCString: (addr: number, max: number) => { try { return mm.readCString(addr, max); } catch { return null; } },
    };
    const pid = stracePid(k, t.process, t.tid);
    // rt_sigreturn's argument is the signal frame on the stack (rsp is at its ucontext once the
    // handler has returned into the restorer): strace shows the mask it restores.
    const head = !abi ? `${name}(...`
      : abi.name === 'rt_sigreturn' ? `rt_sigreturn({mask=${printSigset(reader, c.regBig(RSP) + BigInt(UC_SIGMASK), 8n)}}`
      : formatCall(abi, raw, reader);
    const out = k.options.strace;
    // strace pads the call (with its pid prefix) to column 40 before " = ": so does wasl.
    const opts = { column: pid.length + head.length, align: STRACE_ALIGN };
    trace = (ret: number) => out(pid + head + (abi ? formatReturn(abi, raw, BigInt(ret), reader, opts) : `) = ${ret}`));
  }
  // --syscall-stats: host time from here to the handler's return (stats.ts says why not the wait),
  // on the clock the kernel reads (performance.now()'s first use loaded perf_hooks, 4-30 ms that
  // the first call timed was charged with).
  const stats = k.stats;
  const t0 = stats ? hostNanos() : 0;
  if (!row?.impl) {
    stats?.record(name, t.process.pid, hostNanos() - t0, -ENOSYS);
    if (!k.unimplemented.has(name)) {
      k.unimplemented.add(name);
      k.log(`unimplemented syscall ${name} (${nr}) returns ENOSYS`);
    }
    trace?.(-ENOSYS);
    c.setReg(RAX, -ENOSYS);
    return;
  }
  // exit and exit_group do not return: strace prints them ("= ?") before the process's end line.
  if (trace && (name === 'exit_group' || name === 'exit')) { trace(0); trace = undefined; }
  let r: number | Promise<number>;
  try {
    r = row.impl.handler(t, c.regSigned(RDI), c.regSigned(RSI), c.regSigned(RDX), c.regSigned(R10), c.regSigned(R8), c.regSigned(R9));
  } catch (e) {
    r = errnoOf(k, name, e);
  }
  if (typeof r !== 'number') {
    // The call blocks: park the task; the scheduler runs others until the promise settles.
    stats?.record(name, t.process.pid, hostNanos() - t0, undefined);
    k.offCore(t);
    t.state = 'blocked';
    r.then((v) => v, (e) => errnoOf(k, name, e)).then((v) => {
      stats?.result(name, v);
      if (t.state === 'dead') return;
      trace?.(v);
      k.resume(t, v);
    });
    return;
  }
  stats?.record(name, t.process.pid, hostNanos() - t0, r);
  if (t.state === 'dead') { trace?.(0); return; } // exit, exit_group: nothing returns
  trace?.(r);
  c.setReg(RAX, r);
}
