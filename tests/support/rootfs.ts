// A distribution root for instance tests: a host directory tree (what a native chroot runs in)
// copied into an in-memory volfs (what an instance boots), so both sides run the same files.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { Volfs } from '../../volfs/volfs.js';
import type { Inode } from '../../lxcore/vfs/api.js';

const S_IFREG = 0o100000, S_IFDIR = 0o040000;

/** Copies host directory `dir` (modes, owners, symlinks, regular files) into a new volfs. */
export function volfsFromDir(dir: string): Volfs {
  const v = new Volfs({ rootUid: 0, rootGid: 0 });
  const copy = (host: string, into: Inode) => {
    for (const name of fs.readdirSync(host)) {
      const p = join(host, name);
      const st = fs.lstatSync(p);
      const spec = { uid: st.uid, gid: st.gid };
      if (st.isSymbolicLink()) into.symlink(name, fs.readlinkSync(p), { ...spec, mode: 0o120777 });
      else if (st.isDirectory()) copy(p, into.mkdir(name, { ...spec, mode: S_IFDIR | (st.mode & 0o7777) }));
      else if (st.isFile()) {
        const ino = into.create(name, { ...spec, mode: S_IFREG | (st.mode & 0o7777) });
        const data = fs.readFileSync(p);
        for (let off = 0; off < data.length;) off += ino.write(data.subarray(off), off);
        ino.setattr({ mode: st.mode & 0o7777 }); // create applies no umask, but be explicit
      }
    }
  };
  copy(dir, v.root());
  return v;
}

/**
 * A minimal distribution in a fresh host directory: busybox as /bin/sh and its applets, bash-static
 * as /bin/bash, /etc/passwd and /etc/group with root and `user` (uid 1000), homes, and `extra`
 * files (guest path → content, or a host file to copy with {from}).
 */
export function makeDistroDir(extra: Record<string, string | { from: string; mode?: number }> = {}, rootShell = '/bin/sh'): string {
  const dir = fs.mkdtempSync('/tmp/wasl-distro-');
  fs.chmodSync(dir, 0o755); // a chroot as another user must be able to enter it
  for (const d of ['bin', 'etc', 'root', 'home/user', 'tmp', 'proc', 'sys', 'dev', 'run', 'mnt', 'usr/bin']) fs.mkdirSync(join(dir, d), { recursive: true });
  fs.chmodSync(join(dir, 'tmp'), 0o1777);
  fs.chownSync(join(dir, 'home/user'), 1000, 1000);
  fs.copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
  fs.chmodSync(join(dir, 'bin/busybox'), 0o755);
  for (const a of ['sh', 'cat', 'ls', 'echo', 'id', 'ps', 'sleep', 'hostname', 'uname', 'touch', 'true', 'grep', 'mkdir', 'env', 'stat', 'head', 'wc']) {
    fs.symlinkSync('busybox', join(dir, 'bin', a));
  }
  if (fs.existsSync('/bin/bash-static')) {
    fs.copyFileSync('/bin/bash-static', join(dir, 'bin/bash'));
    fs.chmodSync(join(dir, 'bin/bash'), 0o755);
  }
  fs.writeFileSync(join(dir, 'etc/passwd'), `root:x:0:0:root:/root:${rootShell}\nuser:x:1000:1000:A User:/home/user:/bin/bash\n`);
  fs.writeFileSync(join(dir, 'etc/group'), 'root:x:0:\ntty:x:5:\nusers:x:100:user\nuser:x:1000:\n');
  fs.writeFileSync(join(dir, 'etc/os-release'), 'ID=wasltest\nNAME="wasl test distribution"\n');
  for (const [path, what] of Object.entries(extra)) {
    const to = join(dir, path);
    fs.mkdirSync(join(to, '..'), { recursive: true });
    if (typeof what === 'string') fs.writeFileSync(to, what);
    else { fs.copyFileSync(what.from, to); fs.chmodSync(to, what.mode ?? 0o755); }
  }
  return dir;
}
