// flock(2) (fs/locks.c, flock_lock_inode): whole-file advisory locks owned by open file
// descriptions — shared by dup and fork, released by LOCK_UN or the description's last close.
// A file is known by (st_dev, st_ino), so every path and descriptor to it meets the same locks.
// Locks are the instance's own: host processes neither see nor take them (docs/quirks.md).

import { FileDescription, Maybe } from '../vfs/file.js';
import { fail, EAGAIN, EBADF, EINVAL } from '../abi/errno.js';
import { O_PATH } from '../abi/fcntl.js';
import { WaitQueue } from '../kernel/waitqueue.js';
import type { Task } from '../kernel/task.js';

export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

/** The flock locks of one file: its holders and who waits for them. */
interface FileLocks { shared: Set<FileDescription>; exclusive: FileDescription | null; wait: WaitQueue }

const files = new Map<string, FileLocks>();
/** The file each lock-holding description holds its lock on. */
const heldOn = new Map<FileDescription, string>();

function unlock(f: FileDescription): void {
  const key = heldOn.get(f);
  if (key === undefined) return;
  heldOn.delete(f);
  const l = files.get(key)!;
  l.shared.delete(f);
  if (l.exclusive === f) l.exclusive = null;
  if (l.shared.size === 0 && !l.exclusive && l.wait.size === 0) files.delete(key);
  l.wait.wake();
}

FileDescription.lastCloseHooks.add(unlock);

/** flock(fd, op): EINVAL for an unknown operation, EBADF for an O_PATH descriptor, EWOULDBLOCK with LOCK_NB. */
export function flock(t: Task, f: FileDescription, op: number): Maybe<number> {
  if (f.flags & O_PATH) fail(EBADF); // fdget
  const cmd = op & ~LOCK_NB;
  if (cmd !== LOCK_SH && cmd !== LOCK_EX && cmd !== LOCK_UN) fail(EINVAL);
  if (cmd === LOCK_UN) { unlock(f); return 0; }
  const st = f.stat();
  const key = `${st.dev}:${st.ino}`;
  // A different lock already held by this description is dropped first: a conversion is not
  // atomic on Linux, and a failed LOCK_NB conversion leaves none.
  if (heldOn.get(f) === key) {
    const l = files.get(key)!;
    if ((cmd === LOCK_EX) === (l.exclusive === f)) return 0; // the lock it asks for is the one it has
  }
  unlock(f);
  let l = files.get(key);
  if (!l) { l = { shared: new Set(), exclusive: null, wait: new WaitQueue() }; files.set(key, l); }
  const locks = l;
  const take = (): number | undefined => {
    const conflict = cmd === LOCK_EX ? locks.exclusive !== null || locks.shared.size > 0 : locks.exclusive !== null;
    if (conflict) return undefined;
    if (cmd === LOCK_EX) locks.exclusive = f; else locks.shared.add(f);
    heldOn.set(f, key);
    return 0;
  };
  const now = take();
  if (now !== undefined) return now;
  if (op & LOCK_NB) {
    if (locks.shared.size === 0 && !locks.exclusive && locks.wait.size === 0) files.delete(key);
    return fail(EAGAIN); // EWOULDBLOCK
  }
  return locks.wait.waitInterruptible(t, take);
}
