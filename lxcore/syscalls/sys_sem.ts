// System V semaphores (semget(2), semop(2), semtimedop(2), semctl(2); ipc/sem.c).
//
// A set is an array of {value, pid}; semop applies its operations all at once or not at all,
// in order, on a copy, and a caller that must wait parks on the set's wait queue and tries the
// whole request again after every change, as Linux's pending queue does. While it waits, the op
// that blocked it counts in GETNCNT (op < 0) or GETZCNT (op 0). SEM_UNDO adjustments live per
// process (fork's child starts without; CLONE_SYSVSEM threads share the Process anyway) and are
// applied when the process exits, clamped to [0, SEMVMX]. Each instance is its own namespace.

import { fail, EINVAL, EACCES, EINTR, ENOSPC, E2BIG, EFBIG, ERANGE, EAGAIN, EIDRM } from '../abi/errno.js';
import { IpcIds, IpcObject, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO, IPC_64, ipcAllowed, mayControl, putPerm, setPerm, nowSec, col } from './ipc.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import { hostTimer } from '../kernel/signals.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task, Process } from '../kernel/task.js';

const GETPID = 11, GETVAL = 12, GETALL = 13, GETNCNT = 14, GETZCNT = 15, SETVAL = 16, SETALL = 17;
const SEM_STAT = 18, SEM_INFO = 19, SEM_STAT_ANY = 20;
const SEM_UNDO = 0x1000;
/** Linux 6.x defaults (/proc/sys/kernel/sem: SEMMSL SEMMNS SEMOPM SEMMNI). */
const SEMMSL = 32000, SEMMNS = 1024000000, SEMOPM = 500, SEMMNI = 32000, SEMVMX = 32767, SEMAEM = SEMVMX;

interface SemSet extends IpcObject {
  values: number[];
  pids: number[];
  otime: number;
  ctime: number;
  removed: boolean;
  readonly wait: WaitQueue;
  /** The op each waiting task is blocked on: GETNCNT and GETZCNT count them. */
  readonly blocked: Map<Task, { num: number; op: number }>;
}

class SemNamespace {
  readonly ids = new IpcIds<SemSet>(SEMMNI);
  get byIndex(): Map<number, SemSet> { return this.ids.byIndex; }
  /** SEM_UNDO adjustments per process: set id → semnum → adjustment. */
  readonly undo = new WeakMap<Process, Map<number, Map<number, number>>>();

  byId(id: number): SemSet { return this.ids.byId(id); }
  usedSems(): number { let n = 0; for (const s of this.byIndex.values()) n += s.values.length; return n; }

  create(t: Task, key: number, nsems: number, flg: number): SemSet {
    if (this.usedSems() + nsems > SEMMNS) fail(ENOSPC);
    const s: SemSet = {
      ...this.ids.alloc(t, key, flg),
      values: new Array(nsems).fill(0), pids: new Array(nsems).fill(0), otime: 0, ctime: nowSec(), removed: false,
      wait: new WaitQueue(), blocked: new Map(),
    };
    this.byIndex.set(s.index, s);
    return s;
  }

  remove(s: SemSet): void {
    s.removed = true;
    this.byIndex.delete(s.index);
    s.wait.wake(); // waiters see EIDRM
  }

  /** Forgets every undo adjustment of `id` (`num` only, when given): SETVAL, SETALL, IPC_RMID. */
  clearUndo(k: Kernel, id: number, num?: number): void {
    for (const p of k.processes.values()) {
      const m = this.undo.get(p)?.get(id);
      if (!m) continue;
      if (num === undefined) m.clear(); else m.delete(num);
    }
  }
}

const namespaces = new WeakMap<Kernel, SemNamespace>();
function nsOf(k: Kernel): SemNamespace {
  let ns = namespaces.get(k);
  if (!ns) { ns = new SemNamespace(); namespaces.set(k, ns); }
  return ns;
}

export function sysSemget(t: Task, key: number, nsems: number, flg: number): number {
  key |= 0; nsems |= 0; flg |= 0;
  if (nsems < 0 || nsems > SEMMSL) fail(EINVAL);
  const ns = nsOf(t.kernel);
  const make = () => { if (nsems === 0) fail(EINVAL); return ns.create(t, key, nsems, flg).id; };
  return ns.ids.get(t, key, flg, make, (s) => { if (nsems > s.values.length) fail(EINVAL); });
}

interface Sop { num: number; op: number; flg: number }

export function sysSemop(t: Task, id: number, sops: number, nsops: number): number | Promise<number> {
  return sysSemtimedop(t, id, sops, nsops, 0);
}

export function sysSemtimedop(t: Task, id: number, sopsAddr: number, nsops: number, timeoutAddr: number): number | Promise<number> {
  id |= 0; nsops |= 0;
  if (nsops < 1 || id < 0) fail(EINVAL);
  if (nsops > SEMOPM) fail(E2BIG);
  const raw = Buffer.from(t.process.mm.read(sopsAddr, nsops * 6));
  const sops: Sop[] = [];
  for (let i = 0; i < nsops; i++) sops.push({ num: raw.readUInt16LE(i * 6), op: raw.readInt16LE(i * 6 + 2), flg: raw.readInt16LE(i * 6 + 4) });
  let timeoutNs: bigint | undefined;
  if (timeoutAddr) {
    const ts = Buffer.from(t.process.mm.read(timeoutAddr, 16));
    const sec = ts.readBigInt64LE(0), nsec = ts.readBigInt64LE(8);
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) fail(EINVAL);
    timeoutNs = sec * 1_000_000_000n + nsec;
  }
  const ns = nsOf(t.kernel);
  const s = ns.byId(id);
  const max = Math.max(...sops.map((o) => o.num));
  if (max >= s.values.length) fail(EFBIG);
  const alter = sops.some((o) => o.op !== 0);
  if (!ipcAllowed(t.process, s.perm, alter ? 0o222 : 0o444)) fail(EACCES);

  /** perform_atomic_semop: 0 done, or the op that must wait; throws ERANGE/EAGAIN. */
  const attempt = (): Sop | null => {
    const vals = [...s.values];
    const undo = ns.undo.get(t.process)?.get(s.id);
    const adj = new Map<number, number>();
    for (const o of sops) {
      const cur = vals[o.num];
      if (o.op === 0 && cur !== 0) { if (o.flg & IPC_NOWAIT) fail(EAGAIN); return o; }
      const next = cur + o.op;
      if (next < 0) { if (o.flg & IPC_NOWAIT) fail(EAGAIN); return o; }
      if (next > SEMVMX) fail(ERANGE);
      if (o.flg & SEM_UNDO) {
        const u = (adj.get(o.num) ?? undo?.get(o.num) ?? 0) - o.op;
        if (u < -SEMAEM - 1 || u > SEMAEM) fail(ERANGE);
        adj.set(o.num, u);
      }
      vals[o.num] = next;
    }
    // Commit: the values, the pids of every semaphore operated on, the undo adjustments.
    s.values = vals;
    for (const o of sops) s.pids[o.num] = t.process.pid;
    if (adj.size) {
      let perProc = ns.undo.get(t.process);
      if (!perProc) { perProc = new Map(); ns.undo.set(t.process, perProc); }
      let m = perProc.get(s.id);
      if (!m) { m = new Map(); perProc.set(s.id, m); }
      for (const [n, u] of adj) m.set(n, u);
    }
    s.otime = nowSec();
    if (alter) queueMicrotask(() => s.wait.wake());
    return null;
  };

  const first = attempt();
  if (first === null) return 0;
  s.blocked.set(t, { num: first.num, op: first.op });
  let timedOut = false;
  const r = s.wait.waitInterruptible(t, () => {
    if (s.removed) fail(EIDRM);
    if (timedOut) fail(EAGAIN);
    const b = attempt();
    if (b === null) return 0;
    s.blocked.set(t, { num: b.num, op: b.op });
    return undefined;
  }, () => -EINTR); // never restarted, SA_RESTART or not (signal(7))
  let cancel: (() => void) | undefined;
  if (timeoutNs !== undefined) cancel = hostTimer(timeoutNs, () => { timedOut = true; s.wait.wake(); });
  const done = () => { s.blocked.delete(t); cancel?.(); };
  if (r instanceof Promise) return r.finally(done);
  done();
  return r;
}

/** At a process's exit: its SEM_UNDO adjustments are applied (exit_sem), clamped to [0, SEMVMX]. */
export function exitSem(p: Process): void {
  const ns = namespaces.get(p.kernel);
  const perProc = ns?.undo.get(p);
  if (!ns || !perProc) return;
  for (const [id, adj] of perProc) {
    const s = ns.byIndex.get(id & 0x7fff);
    if (!s || s.id !== id || adj.size === 0) continue;
    for (const [n, u] of adj) {
      s.values[n] = Math.max(0, Math.min(SEMVMX, s.values[n] + u));
      s.pids[n] = p.pid;
    }
    s.otime = nowSec();
    s.wait.wake();
  }
  ns.undo.delete(p);
}

function semidDs(s: SemSet): Buffer {
  const b = Buffer.alloc(104);
  putPerm(b, 0, s.perm);
  b.writeBigInt64LE(BigInt(s.otime), 48);
  b.writeBigInt64LE(BigInt(s.ctime), 64);
  b.writeBigUInt64LE(BigInt(s.values.length), 80);
  return b;
}

export function sysSemctl(t: Task, id: number, num: number, cmd: number, arg: number): number {
  id |= 0; num |= 0;
  cmd = (cmd | 0) & ~IPC_64;
  const ns = nsOf(t.kernel);
  const mm = t.process.mm;
  const out = (b: Buffer) => mm.write(arg, new Uint8Array(b.buffer, b.byteOffset, b.length));
  const maxIndex = () => ns.ids.maxIndex;
  switch (cmd) {
    case IPC_INFO: case SEM_INFO: {
      // struct seminfo: semmap semmni semmns semmnu semmsl semopm semume semusz semvmx semaem.
      const b = Buffer.alloc(40);
      const info = cmd === IPC_INFO
        ? [SEMMNS, SEMMNI, SEMMNS, SEMMNS, SEMMSL, SEMOPM, SEMOPM, 20, SEMVMX, SEMAEM]
        : [SEMMNS, SEMMNI, SEMMNS, SEMMNS, SEMMSL, SEMOPM, SEMOPM, ns.byIndex.size, SEMVMX, ns.usedSems()];
      info.forEach((v, i) => b.writeInt32LE(v, i * 4));
      out(b);
      return maxIndex();
    }
    case SEM_STAT: case SEM_STAT_ANY: {
      const s = ns.byIndex.get(id);
      if (!s) fail(EINVAL);
      if (cmd === SEM_STAT && !ipcAllowed(t.process, s.perm, 0o444)) fail(EACCES);
      out(semidDs(s));
      return s.id;
    }
  }
  const s = ns.byId(id);
  const read = () => { if (!ipcAllowed(t.process, s.perm, 0o444)) fail(EACCES); };
  const write = () => { if (!ipcAllowed(t.process, s.perm, 0o222)) fail(EACCES); };
  const control = () => mayControl(t.process, s.perm);
  const inRange = () => { if (num < 0 || num >= s.values.length) fail(EINVAL); };
  switch (cmd) {
    case IPC_STAT: read(); out(semidDs(s)); return 0;
    case IPC_SET: {
      const b = Buffer.from(mm.read(arg, 104));
      control();
      setPerm(s.perm, b);
      s.ctime = nowSec();
      return 0;
    }
    case IPC_RMID: control(); ns.clearUndo(t.kernel, s.id); ns.remove(s); return 0;
    case GETVAL: inRange(); read(); return s.values[num];
    case GETPID: inRange(); read(); return s.pids[num];
    case GETNCNT: case GETZCNT: {
      inRange(); read();
      let n = 0;
      for (const b of s.blocked.values()) if (b.num === num && (cmd === GETZCNT ? b.op === 0 : b.op < 0)) n++;
      return n;
    }
    case GETALL: {
      read();
      const b = Buffer.alloc(s.values.length * 2);
      s.values.forEach((v, i) => b.writeUInt16LE(v, i * 2));
      out(b);
      return 0;
    }
    case SETVAL: {
      inRange();
      const v = arg | 0; // the union's int, in the low half of the register
      if (v < 0 || v > SEMVMX) fail(ERANGE);
      write();
      s.values[num] = v;
      s.pids[num] = t.process.pid;
      ns.clearUndo(t.kernel, s.id, num);
      s.ctime = nowSec();
      s.wait.wake();
      return 0;
    }
    case SETALL: {
      const b = Buffer.from(mm.read(arg, s.values.length * 2));
      const vals = s.values.map((_, i) => b.readUInt16LE(i * 2));
      if (vals.some((v) => v > SEMVMX)) fail(ERANGE);
      write();
      s.values = vals;
      s.pids = s.pids.map(() => t.process.pid);
      ns.clearUndo(t.kernel, s.id);
      s.ctime = nowSec();
      s.wait.wake();
      return 0;
    }
    default: return fail(EINVAL);
  }
}


/** /proc/sysvipc/sem (sysvipc_sem_proc_show). */
export function procSysvipcSem(t: Task): string {
  const ns = nsOf(t.kernel);
  let out = '       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n';
  for (const s of [...ns.byIndex.values()].sort((a, b) => a.index - b.index)) {
    out += `${col(s.perm.key, 10)} ${col(s.id, 10)}  ${col(s.perm.mode.toString(8), 4)} ${col(s.values.length, 10)} ` +
      `${col(s.perm.uid, 5)} ${col(s.perm.gid, 5)} ${col(s.perm.cuid, 5)} ${col(s.perm.cgid, 5)} ${col(s.otime, 10)} ${col(s.ctime, 10)}\n`;
  }
  return out;
}
