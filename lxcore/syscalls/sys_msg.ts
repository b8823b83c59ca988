// System V message queues (msgget(2), msgsnd(2), msgrcv(2), msgctl(2); ipc/msg.c).
//
// A queue is a list of {type, bytes} with a byte budget (msg_qbytes, MSGMNB by default; the
// message count is held to it too, as Linux does). Senders that do not fit and receivers that
// find nothing park on the queue's wait queue and retry on every change; both are never restarted
// after a signal handler (EINTR), and a removed queue wakes them with EIDRM. Each instance is its
// own namespace.

import { fail, EINVAL, ENOENT, EEXIST, EACCES, EPERM, EINTR, ENOSPC, E2BIG, EAGAIN, EIDRM, ENOMSG } from '../abi/errno.js';
import { ipcAllowed, putPerm, getPermSet, type IpcPerm } from './sys_shm.js';
import { hasCap } from './sys_cred.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/task.js';

const IPC_PRIVATE = 0, IPC_CREAT = 0o1000, IPC_EXCL = 0o2000, IPC_NOWAIT = 0o4000;
const IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2, IPC_INFO = 3, IPC_64 = 0x100;
const MSG_STAT = 11, MSG_INFO = 12, MSG_STAT_ANY = 13;
const MSG_NOERROR = 0o10000, MSG_EXCEPT = 0o20000, MSG_COPY = 0o40000;
/** Linux's defaults: /proc/sys/kernel/msgmax, msgmnb, msgmni; MSGSSZ, MSGSEG. */
const MSGMAX = 8192, MSGMNB = 16384, MSGMNI = 32000, MSGSSZ = 16, MSGSEG = 0xffff;
const MSGPOOL = (MSGMNI * MSGMNB) / 1024, MSGTQL = MSGMNB, MSGMAP = MSGMNB;
const IPCMNI = 1 << 15;
const CAP_SYS_ADMIN = 21, CAP_SYS_RESOURCE = 24;

const nowSec = () => Math.floor(Date.now() / 1000);

interface Message { type: bigint; text: Uint8Array }
interface Queue {
  index: number;
  id: number;
  perm: IpcPerm;
  messages: Message[];
  cbytes: number;
  qbytes: number;
  stime: number; rtime: number; ctime: number;
  lspid: number; lrpid: number;
  removed: boolean;
  readonly wait: WaitQueue;
}

class MsgNamespace {
  readonly byIndex = new Map<number, Queue>();
  private seq = 0;
  byKey(key: number): Queue | undefined {
    for (const q of this.byIndex.values()) if (q.perm.key === key) return q;
    return undefined;
  }
  byId(id: number): Queue {
    if (id < 0) fail(EINVAL);
    const q = this.byIndex.get(id % IPCMNI);
    if (!q || q.id !== id) fail(EINVAL);
    return q;
  }
  create(t: Task, key: number, flg: number): Queue {
    let index = 0;
    while (this.byIndex.has(index)) index++;
    if (index >= MSGMNI) fail(ENOSPC);
    const c = t.process.creds;
    const seq = this.seq;
    this.seq = (this.seq + 1) % (1 << 16);
    const q: Queue = {
      index, id: seq * IPCMNI + index,
      perm: { key, uid: c.euid, gid: c.egid, cuid: c.euid, cgid: c.egid, mode: flg & 0o777, seq },
      messages: [], cbytes: 0, qbytes: MSGMNB, stime: 0, rtime: 0, ctime: nowSec(), lspid: 0, lrpid: 0, removed: false,
      wait: new WaitQueue(),
    };
    this.byIndex.set(index, q);
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
  if (key === IPC_PRIVATE) return ns.create(t, key, flg).id;
  const q = ns.byKey(key);
  if (!q) {
    if (!(flg & IPC_CREAT)) fail(ENOENT);
    return ns.create(t, key, flg).id;
  }
  if ((flg & IPC_CREAT) && (flg & IPC_EXCL)) fail(EEXIST);
  if (!ipcAllowed(t.process, q.perm, flg)) fail(EACCES);
  return q.id;
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
      return Math.max(0, ...ns.byIndex.keys());
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
  const control = () => {
    const c = t.process.creds;
    if (c.euid !== q.perm.cuid && c.euid !== q.perm.uid && !hasCap(c, CAP_SYS_ADMIN)) fail(EPERM);
  };
  switch (cmd) {
    case IPC_STAT:
      if (!ipcAllowed(t.process, q.perm, 0o444)) fail(EACCES);
      out(msqidDs(q));
      return 0;
    case IPC_SET: {
      const b = Buffer.from(mm.read(buf, 120));
      const n = getPermSet(b);
      const qbytes = Number(b.readBigUInt64LE(88));
      control();
      if (qbytes > MSGMNB && !hasCap(t.process.creds, CAP_SYS_RESOURCE)) fail(EPERM);
      q.qbytes = qbytes;
      q.perm.uid = n.uid; q.perm.gid = n.gid; q.perm.mode = (q.perm.mode & ~0o777) | (n.mode & 0o777);
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

const pad = (v: number | string, w: number) => String(v).padStart(w);
/** /proc/sysvipc/msg (sysvipc_msg_proc_show). */
export function procSysvipcMsg(t: Task): string {
  const ns = nsOf(t.kernel);
  let out = '       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n';
  for (const q of [...ns.byIndex.values()].sort((a, b) => a.index - b.index)) {
    out += `${pad(q.perm.key, 10)} ${pad(q.id, 10)}  ${pad(q.perm.mode.toString(8), 4)}  ${pad(q.cbytes, 10)} ${pad(q.messages.length, 10)} ` +
      `${pad(q.lspid, 5)} ${pad(q.lrpid, 5)} ${pad(q.perm.uid, 5)} ${pad(q.perm.gid, 5)} ${pad(q.perm.cuid, 5)} ${pad(q.perm.cgid, 5)} ` +
      `${pad(q.stime, 10)} ${pad(q.rtime, 10)} ${pad(q.ctime, 10)}\n`;
  }
  return out;
}
