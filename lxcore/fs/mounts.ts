// The mount table as /proc/PID/mounts and /proc/PID/mountinfo show it (proc(5),
// Documentation/filesystems/proc.rst §3.5). On the host passthrough the guest sees the host's
// mounts, so their rows are the host's own, except under /proc, /sys and /dev, which are wasl's
// (only /dev/pts and /dev/shm still reach the host there). In a namespace of its own
// (--isolated, --mount) the rows come from lxcore's VFS mount list.

import { hostText } from './hostinfo.js';
import { PROC_DEV } from './procfs.js';
import { DEV_DEV } from './devfs.js';
import { SYS_DEV } from './sysfs.js';
import { devMajor, devMinor } from '../abi/stat.js';
import type { Vfs } from '../vfs/vfs.js';
import type { Task } from '../kernel/task.js';
import { Mount, MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_NOATIME, MS_NODIRATIME, MS_RELATIME } from '../vfs/namespace.js';

/** One mountinfo row, its fields kept as the text they are shown as (escaped: \040 …). */
export interface MountRow {
  id: number; parent: number; dev: string; root: string; point: string;
  mntOpts: string; optional: string; type: string; source: string; superOpts: string;
}

/** wasl's own filesystems, with the st_dev their files report (a function: procfs.ts imports this module). */
const own = (): Record<string, { type: string; dev: number; opts: string }> => ({
  '/proc': { type: 'proc', dev: PROC_DEV, opts: 'rw,nosuid,nodev,noexec,relatime' },
  '/sys': { type: 'sysfs', dev: SYS_DEV, opts: 'rw,nosuid,nodev,noexec,relatime' },
  '/dev': { type: 'devtmpfs', dev: DEV_DEV, opts: 'rw,nosuid,relatime' },
});
/** Host mounts below wasl's own trees that lookups still reach (sys_path.ts's bypass list). */
export const HOST_BELOW = ['/dev/pts', '/dev/shm'];

const devText = (dev: number) => `${devMajor(BigInt(dev))}:${devMinor(BigInt(dev))}`;
const under = (p: string, at: string) => p.startsWith(at + '/');

function parseMountinfo(text: string): MountRow[] {
  const rows: MountRow[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (dash < 6) continue;
    rows.push({ id: +f[0], parent: +f[1], dev: f[2], root: f[3], point: f[4], mntOpts: f[5],
      optional: f.slice(6, dash).join(' '), type: f[dash + 1], source: f[dash + 2], superOpts: f[dash + 3] ?? '' });
  }
  return rows;
}

/** The host's rows as the guest sees them. */
function hostRows(): MountRow[] {
  const rows = parseMountinfo(hostText('/proc/self/mountinfo', () => ''));
  const out: MountRow[] = [];
  const OWN = own();
  for (const r of rows) {
    const o = OWN[r.point];
    // The host's row (its options too), but with the st_dev wasl's files report.
    if (o) { out.push({ ...r, dev: devText(o.dev) }); continue; }
    const inside = Object.keys(OWN).some((at) => under(r.point, at));
    if (inside && !HOST_BELOW.some((at) => r.point === at || under(r.point, at))) continue;
    out.push(r);
  }
  return out;
}

/** mount(2) flags as the per-mount options field shows them (show_mnt_opts), atime last. */
function mntOptsText(flags: number, readonly: boolean): string {
  const o = [readonly ? 'ro' : 'rw'];
  if (flags & MS_NOSUID) o.push('nosuid');
  if (flags & MS_NODEV) o.push('nodev');
  if (flags & MS_NOEXEC) o.push('noexec');
  o.push('relatime');
  return o.join(',');
}

/**
 * An instance booted by lxcore's init: the namespace's mounts and init's synthetic ones in the
 * order they were made (mount ids grow with each mount, as the namespace's list does on Linux);
 * a row's parent is the mount its mount point lies in.
 */
function instanceRows(vfs: Vfs): MountRow[] {
  const ns = vfs.ns;
  const esc = (s: string) => s.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
  const all: Array<{ id: number; point: string; dev: number; flags: number; ro: boolean; type: string; source: string; data: string }> = [];
  for (const m of ns.mounts) {
    all.push({ id: m.id, point: m.mountpoint ? ns.pathOf(ns.rootOf(m), ns.root) : '/', dev: m.fs.dev, flags: m.flags,
      ro: m.readonly, type: m.fs.type, source: m.source, data: m.data });
  }
  for (const m of vfs.synthetic ?? []) all.push({ ...m, ro: (m.flags & MS_RDONLY) !== 0 });
  all.sort((a, b) => a.id - b.id);
  const base = 1000;
  return all.map((m, i) => {
    const holder = all.slice(0, i).filter((o) => o.point === '/' || m.point.startsWith(o.point + '/'))
      .sort((a, b) => b.point.length - a.point.length)[0] ?? m;
    return { id: base + m.id, parent: base + holder.id, dev: devText(m.dev), root: '/', point: esc(m.point),
      mntOpts: mntOptsText(m.flags, m.ro), optional: '', type: m.type, source: esc(m.source),
      superOpts: [m.ro ? 'ro' : 'rw', ...(m.data ? [m.data] : [])].join(',') };
  });
}

/** The mount's own options as mountinfo's sixth field shows them (show_mnt_opts). */
function mountOptions(m: Mount): string {
  const f = m.flags;
  const o = [f & MS_RDONLY ? 'ro' : 'rw'];
  if (f & MS_NOSUID) o.push('nosuid');
  if (f & MS_NODEV) o.push('nodev');
  if (f & MS_NOEXEC) o.push('noexec');
  if (f & MS_NOATIME) o.push('noatime');
  if (f & MS_NODIRATIME) o.push('nodiratime');
  if (f & MS_RELATIME) o.push('relatime');
  return o.join(',');
}

/** The rows of the task's namespace, as seen from its root (a chroot sees what is below it). */
export function mountRows(t: Task): MountRow[] {
  const vfs = t.kernel.vfs;
  if (!vfs) return hostRows();
  if (vfs.synthetic) return instanceRows(vfs);
  const ns = vfs.ns;
  const root = t.process.root ?? ns.root;
  const esc = (s: string) => s.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
  let rows: MountRow[] = vfs.hostRoot ? hostRows() : [];
  if (t.process.root) {
    // The host's rows below the chroot, their mount points made relative to it.
    const prefix = ns.pathOf(root, ns.root);
    rows = rows.filter((r) => r.point === esc(prefix) || under(r.point, esc(prefix)))
      .map((r) => ({ ...r, point: r.point.slice(esc(prefix).length) || '/' }));
  }
  const base = 1000; // above the host's ids, which stay as they are
  let rootId = rows.find((r) => r.point === '/')?.id ?? base;
  for (const m of ns.mounts) {
    if (!m.mountpoint && vfs.hostRoot) continue; // the host's root row is already there
    const point = m.mountpoint ? ns.pathUnder(ns.rootOf(m), root) : t.process.root ? null : '/';
    if (point === null) continue; // outside the caller's root
    const parent = m.mountpoint ? base + m.mountpoint.mount.id : base + m.id;
    if (!m.mountpoint) rootId = base + m.id;
    const sb = [m.fs.readonly ? 'ro' : 'rw', ...(m.fsOpts ? [m.fsOpts] : [])].join(',');
    rows.push({ id: base + m.id, parent: m.mountpoint?.mount === ns.mounts[0] && vfs.hostRoot ? rootId : parent,
      dev: devText(m.fs.dev), root: esc(m.fsRoot), point: esc(point), mntOpts: mountOptions(m), optional: '', type: m.fs.type,
      source: esc(m.source), superOpts: sb });
  }
  if (!vfs.hostRoot && !t.process.root) {
    // wasl's own trees, over the volfs root.
    let id = base + 900;
    for (const [point, o] of Object.entries(own())) {
      rows.push({ id: id++, parent: rootId, dev: devText(o.dev), root: '/', point, mntOpts: o.opts, optional: '',
        type: o.type, source: o.type, superOpts: 'rw' });
    }
  }
  return rows;
}

/** /proc/PID/mountinfo. */
export function mountinfo(t: Task): string {
  return mountRows(t).map((r) => `${r.id} ${r.parent} ${r.dev} ${r.root} ${r.point} ${r.mntOpts}${r.optional ? ' ' + r.optional : ''} - ${r.type} ${r.source} ${r.superOpts}\n`).join('');
}

/**
 * /proc/PID/mounts (show_vfsmnt): the superblock's ro/rw, then the mount's own flags, then the
 * filesystem's options; the dump and pass columns are always 0.
 */
export function mounts(t: Task): string {
  return mountRows(t).map((r) => {
    const mnt = r.mntOpts.split(',');
    const sb = r.superOpts.split(',');
    const rw = mnt[0] === 'ro' || sb[0] === 'ro' ? 'ro' : 'rw';
    const opts = [rw, ...mnt.slice(1), ...sb.slice(1)].join(',');
    return `${r.source} ${r.point} ${r.type} ${opts} 0 0\n`;
  }).join('');
}

/** The mount id a host file's descriptor is on (its host fdinfo), or the root's. */
export function hostMountId(hostFd: number): number {
  const m = /^mnt_id:\s*(\d+)$/m.exec(hostText(`/proc/self/fdinfo/${hostFd}`, () => ''));
  return m ? Number(m[1]) : 1;
}

/** The mount id of one of wasl's own trees (for fdinfo), as mountinfo shows it. */
export function ownMountId(t: Task, point: '/proc' | '/sys' | '/dev'): number {
  return mountRows(t).find((r) => r.point === point)?.id ?? 0;
}
