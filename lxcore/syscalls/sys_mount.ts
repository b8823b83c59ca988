// mount(2), umount2(2), chroot(2): the syscall side of the VFS's mount API (lxcore/vfs/vfs.ts
// holds the rules, so an init inside the kernel mounts through the same code). On the plain host
// passthrough the first of these calls gives the instance a namespace of its own over the host
// root (Kernel.ensureVfs): from then on paths are walked by lxcore, so mounts and a chroot apply.

import { fail, EFAULT, ENOTDIR, EPERM } from '../abi/errno.js';
import { pathArg, credsOf } from './sys_path.js';
import { mayExec } from '../vfs/perm.js';
import type { Mount } from '../vfs/namespace.js';
import { HostFile } from '../fs/hostfile.js';
import { InodeFile } from '../vfs/inodefile.js';
import type { Task, Process } from '../kernel/task.js';
import type { Vfs } from '../vfs/vfs.js';

/** CAP_SYS_ADMIN and CAP_SYS_CHROOT: root's (sys_cred.ts's capable()). */
const capable = (t: Task) => t.process.creds.euid === 0;

/** A mount option string (copy_mount_string): NULL stays null, an unreadable one is EFAULT. */
function optString(t: Task, addr: number): string | null {
  if (addr === 0) return null;
  if (addr < 0) fail(EFAULT);
  const s = t.process.mm.readCString(addr, 4096);
  if (s === null) fail(EFAULT);
  return s;
}

export function sysMount(t: Task, sourceAddr: number, targetAddr: number, typeAddr: number, flags: number, dataAddr: number): number {
  const type = optString(t, typeAddr);
  const source = optString(t, sourceAddr);
  const data = optString(t, dataAddr) ?? '';
  const target = pathArg(t, targetAddr);
  const vfs = t.kernel.ensureVfs();
  vfs.mount(vfs.context(t), source, target, type, flags >>> 0, data, capable(t), (m, wholeFs) => writers(t, m, wholeFs));
  return 0;
}

/** Whether a file is open for writing on mount `m` (or, `wholeFs`, on any mount of its filesystem). */
function writers(t: Task, m: Mount, wholeFs: boolean): boolean {
  for (const p of t.kernel.processes.values()) {
    if (p.status) continue;
    for (const fd of p.fds.fds()) {
      const f = p.fds.get(fd);
      const d = f instanceof HostFile || f instanceof InodeFile ? f.dentry : undefined;
      if (d && f.writable && (wholeFs ? d.mount.fs === m.fs : d.mount === m)) return true;
    }
  }
  return false;
}

export function sysUmount2(t: Task, targetAddr: number, flags: number): number {
  const target = pathArg(t, targetAddr);
  const vfs = t.kernel.ensureVfs();
  vfs.umount(vfs.context(t), target, flags >>> 0, capable(t), (m) => inUse(t, vfs, m));
  return 0;
}

/** Whether some process's cwd or root lies in mount `m` (each holds a reference, as Linux's). */
function inUse(t: Task, vfs: Vfs, m: Mount): boolean {
  for (const p of t.kernel.processes.values()) {
    if (p.status) continue;
    if (p.root && vfs.holds(p.root, m)) return true;
    if (vfs.holds(vfs.contextOf(p).cwd, m)) return true;
  }
  return false;
}

/**
 * chroot(2): ENOENT/ENOTDIR/EACCES from the walk, EACCES without search permission on the new
 * root, then EPERM without CAP_SYS_CHROOT. The cwd stays where it was; one outside the new root
 * is moved to it (docs/quirks.md: Linux leaves it outside, reachable by relative paths).
 */
export function sysChroot(t: Task, pathAddr: number): number {
  const path = pathArg(t, pathAddr);
  const vfs = t.kernel.ensureVfs();
  const ctx = vfs.context(t);
  const d = vfs.ns.resolve(ctx, ctx.cwd, path, { directory: true });
  if (!d.isDir) fail(ENOTDIR);
  mayExec(credsOf(t), d.inode.attrs());
  if (!capable(t)) fail(EPERM);
  const p: Process = t.process;
  p.root = d.same(vfs.ns.root) ? null : d;
  p.cwd = vfs.ns.pathUnder(ctx.cwd, d) ?? '/';
  return 0;
}

/**
 * pivot_root(2): EPERM without CAP_SYS_ADMIN (before the paths are read, as may_mount comes
 * first), then Vfs.pivotRoot's checks and move, for every process of the instance.
 */
export function sysPivotRoot(t: Task, newRootAddr: number, putOldAddr: number): number {
  if (!capable(t)) fail(EPERM);
  const newRoot = pathArg(t, newRootAddr);
  const putOld = pathArg(t, putOldAddr);
  const vfs = t.kernel.ensureVfs();
  vfs.pivotRoot(vfs.context(t), newRoot, putOld, t.kernel.processes.values());
  return 0;
}
