// System V message queues (msgget(2), msgsnd(2), msgrcv(2), msgctl(2); ipc/msg.c).
//
// A queue is a list of {type, bytes} with a byte budget (msg_qbytes, MSGMNB by default; the
// message count is held to it too, as Linux does). Senders that do not fit and receivers that
// find nothing park on the queue's wait queue and retry on every change; both are never restarted
// after a signal handler (EINTR), and a removed queue wakes them with EIDRM. Each instance is its
// own namespace.

import { fail, EINVAL, EACCES, EPERM, EINTR, E2BIG, EAGAIN, EIDRM, ENOMSG } from '../abi/errno.js';
import { IpcIds, IpcObject, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO, IPC_64, ipcAllowed, mayControl, putPerm, setPerm, nowSec, col } from './ipc.js';
import { hasCap } from './sys_cred.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/task.js';

const MSG_STAT = 11, MSG_INFO = 12, MSG_STAT_ANY = 13;
const MSG_NOERROR = 0o10000, MSG_EXCEPT = 0o20000, MSG_COPY = 0o40000;
/** Linux's defaults: /proc/sys/kernel/msgmax, msgmnb, msgmni; MSGSSZ, MSGSEG. */
const MSGMAX = 8192, MSGMNB = 16384, MSGMNI = 32000, MSGSSZ = 16, MSGSEG = 0xffff;
const MSGPOOL = (MSGMNI * MSGMNB) / 1024, MSGTQL = MSGMNB, MSGMAP = MSGMNB;
const CAP_SYS_RESOURCE = 24;

interface Message { type: bigint; text: Uint8Array }
interface Queue extends IpcObject {
  messages: Message[];
  cbytes: number;
  qbytes: number;
  stime: number; rtime: number; ctime: number;
  lspid: number; lrpid: number;
  removed: boolean;
  readonly wait: WaitQueue;
}

class MsgNamespace {
  readonly ids = new IpcIds<Queue>(MSGMNI);
  get byIndex(): Map<number, Queue> { return this.ids.byIndex; }
  byId(id: number): Queue { return this.ids.byId(id); }
  create(t: Task, key: number, flg: number): Queue {
    const q: Queue = {
      ...this.ids.alloc(t, key, flg),
      messages: [], cbytes: 0, qbytes: MSGMNB, stime: 0, rtime: 0, ctime: nowSec(), lspid: 0, lrpid: 0, removed: false,
      wait: new WaitQueue(),
    };
    this.byIndex.set(q.index, q);
    return q;
  }
}

const namespaces = new WeakMap<Kernel, MsgNamespace>();
function nsOf(k: Kernel): MsgNamespace {
  let ns = namespaces.get(k);
  if (!ns) { ns = new MsgNamespace(); namespaces.set(k, ns); }
  return ns;
}
const wakeSoon = (q: Queue) => { if (q.wait.size) queueMicrotask(() => q.wait.wake()); };

export function sysMsgget(t: Task, key: number, flg: number): number {
  key |= 0; flg |= 0;
  const ns = nsOf(t.kernel);
  return ns.ids.get(t, key, flg, () => ns.create(t, key, flg).id);
}

export function sysMsgsnd(t: Task, id: number, msgp: number, size: number, flg: number): number | Promise<number> {
  id |= 0; flg |= 0;
  if (size > MSGMAX || size < 0 || id < 0) fail(EINVAL);
  const mm = t.process.mm;
  const type = Buffer.from(mm.read(msgp, 8)).readBigInt64LE(0);
  if (type < 1n) fail(EINVAL);
  const text = size ? new Uint8Array(mm.read(msgp + 8, size)) : new Uint8Array(0);
  const q = nsOf(t.kernel).byId(id);
  if (!ipcAllowed(t.process, q.perm, 0o222)) fail(EACCES);
  const attempt = (): number | undefined => {
    if (q.removed) fail(EIDRM);
    if (size + q.cbytes > q.qbytes || q.messages.length + 1 > q.qbytes) {
      if (flg & IPC_NOWAIT) fail(EAGAIN);
      return undefined;
    }
    q.messages.push({ type, text });
    q.cbytes += size;
    q.lspid = t.process.pid;
    q.stime = nowSec();
    wakeSoon(q);
    return 0;
  };
  const r = attempt();
  if (r !== undefined) return r;
  return q.wait.waitInterruptible(t, attempt, () => -EINTR);
}

/** The message msgrcv would take (find_msg): by type, by "not type", or the lowest type up to -typ. */
function find(q: Queue, typ: bigint, flg: number): number {
  if (flg & MSG_COPY) return typ < BigInt(q.messages.length) ? Number(typ) : -1;
  if (typ === 0n) return q.messages.length ? 0 : -1;
  if (typ > 0n) return q.messages.findIndex((m) => ((flg & MSG_EXCEPT) ? m.type !== typ : m.type === typ));
  let best = -1;
  for (let i = 0; i < q.messages.length; i++) {
    const m = q.messages[i];
    if (m.type <= -typ && (best < 0 || m.type < q.messages[best].type)) best = i;
  }
  return best;
}

export function sysMsgrcv(t: Task, id: number, msgp: number, size: number, typ: number, flg: number): number | Promise<number> {
  id |= 0; flg |= 0;
  if (id < 0 || size < 0) fail(EINVAL);
  if ((flg & MSG_COPY) && (!(flg & IPC_NOWAIT) || (flg & MSG_EXCEPT))) fail(EINVAL);
  const msgtyp = BigInt(typ);
  const q = nsOf(t.kernel).byId(id);
  if (!ipcAllowed(t.process, q.perm, 0o444)) fail(EACCES);
  const mm = t.process.mm;
  const attempt = (): number | undefined => {
    if (q.removed) fail(EIDRM);
    const i = find(q, msgtyp, flg);
    if (i < 0) {
      if (flg & IPC_NOWAIT) fail(ENOMSG);
      return undefined;
    }
    const m = q.messages[i];
    if (m.text.length > size && !(flg & MSG_NOERROR)) fail(E2BIG);
    const n = Math.min(size, m.text.length);
    const out = Buffer.alloc(8 + n);
    out.writeBigInt64LE(m.type, 0);
    out.set(m.text.subarray(0, n), 8);
    mm.write(msgp, new Uint8Array(out.buffer, out.byteOffset, out.length));
    if (!(flg & MSG_COPY)) {
      q.messages.splice(i, 1);
      q.cbytes -= m.text.length;
      q.lrpid = t.process.pid;
      q.rtime = nowSec();
      wakeSoon(q);
    }
    return n;
  };
  const r = attempt();
  if (r !== undefined) return r;
  return q.wait.waitInterruptible(t, attempt, () => -EINTR);
}

function msqidDs(q: Queue): Buffer {
  const b = Buffer.alloc(120);
  putPerm(b, 0, q.perm);
  b.writeBigInt64LE(BigInt(q.stime), 48);
  b.writeBigInt64LE(BigInt(q.rtime), 56);
  b.writeBigInt64LE(BigInt(q.ctime), 64);
  b.writeBigUInt64LE(BigInt(q.cbytes), 72);
  b.writeBigUInt64LE(BigInt(q.messages.length), 80);
  b.writeBigUInt64LE(BigInt(q.qbytes), 88);
  b.writeInt32LE(q.lspid, 96);
  b.writeInt32LE(q.lrpid, 100);
  return b;
}

export function sysMsgctl(t: Task, id: number, cmd: number, buf: number): number {
  id |= 0;
  cmd = (cmd | 0) & ~IPC_64;
  const ns = nsOf(t.kernel);
  const mm = t.process.mm;
  const out = (b: Buffer) => mm.write(buf, new Uint8Array(b.buffer, b.byteOffset, b.length));
  switch (cmd) {
    case IPC_INFO: case MSG_INFO: {
      // struct msginfo: msgpool msgmap msgmax msgmnb msgmni msgssz msgtql (int), msgseg (ushort).
      const b = Buffer.alloc(32);
      const qs = [...ns.byIndex.values()];
      const info = cmd === IPC_INFO
        ? [MSGPOOL, MSGMAP, MSGMAX, MSGMNB, MSGMNI, MSGSSZ, MSGTQL]
        : [qs.length, qs.reduce((n, q) => n + q.messages.length, 0), MSGMAX, MSGMNB, MSGMNI, MSGSSZ, qs.reduce((n, q) => n + q.cbytes, 0)];
      info.forEach((v, i) => b.writeInt32LE(v, i * 4));
      b.writeUInt16LE(MSGSEG, 28);
      out(b);
      return ns.ids.maxIndex;
    }
    case MSG_STAT: case MSG_STAT_ANY: {
      const q = ns.byIndex.get(id);
      if (!q) fail(EINVAL);
      if (cmd === MSG_STAT && !ipcAllowed(t.process, q.perm, 0o444)) fail(EACCES);
      out(msqidDs(q));
      return q.id;
    }
  }
  const q = ns.byId(id);
  const control = () => mayControl(t.process, q.perm);
  switch (cmd) {
    case IPC_STAT:
      if (!ipcAllowed(t.process, q.perm, 0o444)) fail(EACCES);
      out(msqidDs(q));
      return 0;
    case IPC_SET: {
      const b = Buffer.from(mm.read(buf, 120));
      const qbytes = Number(b.readBigUInt64LE(88));
      control();
      if (qbytes > MSGMNB && !hasCap(t.process.creds, CAP_SYS_RESOURCE)) fail(EPERM);
      q.qbytes = qbytes;
      setPerm(q.perm, b);
      q.ctime = nowSec();
      q.wait.wake(); // senders may fit now
      return 0;
    }
    case IPC_RMID:
      control();
      q.removed = true;
      ns.byIndex.delete(q.index);
      q.wait.wake();
      return 0;
    default: return fail(EINVAL);
  }
}

/** /proc/sysvipc/msg (sysvipc_msg_proc_show). */
export function procSysvipcMsg(t: Task): string {
  const ns = nsOf(t.kernel);
  let out = '       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n';
  for (const q of [...ns.byIndex.values()].sort((a, b) => a.index - b.index)) {
    out += `${col(q.perm.key, 10)} ${col(q.id, 10)}  ${col(q.perm.mode.toString(8), 4)}  ${col(q.cbytes, 10)} ${col(q.messages.length, 10)} ` +
      `${col(q.lspid, 5)} ${col(q.lrpid, 5)} ${col(q.perm.uid, 5)} ${col(q.perm.gid, 5)} ${col(q.perm.cuid, 5)} ${col(q.perm.cgid, 5)} ` +
      `${col(q.stime, 10)} ${col(q.rtime, 10)} ${col(q.ctime, 10)}\n`;
  }
  return out;
}
