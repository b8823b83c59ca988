// What System V shared memory, semaphores and message queues share (ipc/util.c): the ids
// (seq << 15 | index), keys and ipcget's rules, the permission check against the object's
// owner, creator and mode, and struct ipc64_perm. Each instance (kernel) has its own namespace.

import { fail, EINVAL, ENOENT, EEXIST, EACCES, EPERM, ENOSPC } from '../abi/errno.js';
import { hasCap } from './sys_cred.js';
import type { Task, Process } from '../kernel/task.js';

export const IPC_PRIVATE = 0, IPC_CREAT = 0o1000, IPC_EXCL = 0o2000, IPC_NOWAIT = 0o4000;
export const IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2, IPC_INFO = 3, IPC_64 = 0x100;
const IPCMNI = 1 << 15;
const CAP_IPC_OWNER = 15, CAP_SYS_ADMIN = 21;

/** struct kern_ipc_perm's user-visible part. */
export interface IpcPerm { key: number; uid: number; gid: number; cuid: number; cgid: number; mode: number; seq: number }

/** What every IPC object has. */
export interface IpcObject { index: number; id: number; perm: IpcPerm }

export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** One kind of object in one namespace (struct ipc_ids). */
export class IpcIds<T extends IpcObject> {
  readonly byIndex = new Map<number, T>();
  private seq = 0;
  constructor(private readonly max: number) {}

  byKey(key: number, skip: (o: T) => boolean = () => false): T | undefined {
    for (const o of this.byIndex.values()) if (!skip(o) && o.perm.key === key) return o;
    return undefined;
  }

  /** The object an id names (ipc_obtain_object_check): EINVAL if none or its sequence is stale. */
  byId(id: number): T {
    if (id < 0) fail(EINVAL);
    const o = this.byIndex.get(id % IPCMNI);
    if (!o || o.id !== id) fail(EINVAL);
    return o;
  }

  /** The lowest free index, a new sequence number and the creator's ids (ipc_addid); ENOSPC past the limit. */
  alloc(t: Task, key: number, flg: number): IpcObject {
    let index = 0;
    while (this.byIndex.has(index)) index++;
    if (index >= this.max) fail(ENOSPC);
    const c = t.process.creds;
    const seq = this.seq;
    this.seq = (this.seq + 1) % (1 << 16);
    return { index, id: seq * IPCMNI + index, perm: { key, uid: c.euid, gid: c.egid, cuid: c.euid, cgid: c.egid, mode: flg & 0o777, seq } };
  }

  /** IPC_INFO's answer: the highest index in use. */
  get maxIndex(): number { return Math.max(0, ...this.byIndex.keys()); }

  /**
   * shmget/semget/msgget (ipcget): IPC_PRIVATE or an absent key with IPC_CREAT makes a new one;
   * an existing key is EEXIST with IPC_CREAT|IPC_EXCL, then `more` (the kind's own checks), then
   * the permissions the flag's low bits ask for (EACCES).
   */
  get(t: Task, key: number, flg: number, make: () => number, more: (o: T) => void = () => {}, skip?: (o: T) => boolean): number {
    if (key === IPC_PRIVATE) return make();
    const o = this.byKey(key, skip);
    if (!o) {
      if (!(flg & IPC_CREAT)) fail(ENOENT);
      return make();
    }
    if ((flg & IPC_CREAT) && (flg & IPC_EXCL)) fail(EEXIST);
    more(o);
    if (!ipcAllowed(t.process, o.perm, flg)) fail(EACCES);
    return o.id;
  }
}

/** ipcperms(): the requested rwx bits against the owner's, the group's or the others' bits. */
export function ipcAllowed(p: Process, perm: IpcPerm, flag: number): boolean {
  const c = p.creds;
  const requested = ((flag >> 6) | (flag >> 3) | flag) & 7;
  let granted = perm.mode;
  if (c.euid === perm.cuid || c.euid === perm.uid) granted >>= 6;
  else if ([c.egid, ...c.groups].some((g) => g === perm.cgid || g === perm.gid)) granted >>= 3;
  return (requested & ~granted & 7) === 0 || hasCap(c, CAP_IPC_OWNER);
}

/** IPC_SET and IPC_RMID: the owner, the creator, or CAP_SYS_ADMIN (ipcctl_obtain_check). */
export function mayControl(p: Process, perm: IpcPerm): void {
  const c = p.creds;
  if (c.euid !== perm.cuid && c.euid !== perm.uid && !hasCap(c, CAP_SYS_ADMIN)) fail(EPERM);
}

/** struct ipc64_perm at `o` (48 bytes). */
export function putPerm(b: Buffer, o: number, p: IpcPerm, extraMode = 0): void {
  b.writeInt32LE(p.key, o);
  b.writeUInt32LE(p.uid >>> 0, o + 4);
  b.writeUInt32LE(p.gid >>> 0, o + 8);
  b.writeUInt32LE(p.cuid >>> 0, o + 12);
  b.writeUInt32LE(p.cgid >>> 0, o + 16);
  b.writeUInt16LE((p.mode | extraMode) & 0xffff, o + 20);
  b.writeUInt16LE(p.seq & 0xffff, o + 24);
}

/** IPC_SET: the new uid, gid and mode (its low nine bits) from a struct ipc64_perm. */
export function setPerm(perm: IpcPerm, b: Buffer): void {
  perm.uid = b.readUInt32LE(4);
  perm.gid = b.readUInt32LE(8);
  perm.mode = (perm.mode & ~0o777) | (b.readUInt16LE(20) & 0o777);
}

/** A /proc/sysvipc column. */
export const col = (v: number | string, w: number): string => String(v).padStart(w);
