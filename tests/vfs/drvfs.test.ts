// drvfs against the host filesystem (the conformance suite), and the escape-proofing of its
// mounts: nothing a guest names through the VFS reaches outside the mounted directory.

import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volume, createFsFromVolume } from 'memfs';
import { Drvfs, HostFs } from '../../drvfs/drvfs.js';
import { Volfs } from '../../volfs/volfs.js';
import { Namespace } from '../../lxcore/vfs/namespace.js';
import { S_IFMT, S_IFREG } from '../../lxcore/abi/stat.js';
import { randomOps, onBackend, onHost, snapshotBackend, snapshotHost } from './conformance.js';

const ROOT = { fsuid: 0, fsgid: 0, groups: [] };

describe('drvfs conformance (the host filesystem is the oracle)', () => {
  it('30 random sequences of 150 operations agree with the host, errno by errno', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const oracle = fs.mkdtempSync(join(tmpdir(), 'wasl-oracle-'));
      const backing = fs.mkdtempSync(join(tmpdir(), 'wasl-drvfs-'));
      try {
        const d = new Drvfs(fs, backing, { metadata: true });
        randomOps(seed, 150).forEach((op, i) => {
          const where = `seed ${seed}, op ${i}: ${JSON.stringify(op)}`;
          expect(onBackend(d, op), where).toBe(onHost(oracle, op));
          expect(snapshotBackend(d), where).toBe(snapshotHost(oracle));
        });
      } finally {
        fs.rmSync(oracle, { recursive: true, force: true });
        fs.rmSync(backing, { recursive: true, force: true });
      }
    }
  });
});

describe('drvfs over memfs (the host filesystem is the oracle)', () => {
  // memfs differs from Linux where drvfs now decides itself: unlink of a directory (EPERM, Linux
  // EISDIR), hard links to directories (allowed), rename onto the same file (ENOENT), onto an
  // existing directory (refused) or across types (allowed), rename of a symlink (moves its
  // target), and read of a directory (empty, Linux EISDIR).
  it('30 random sequences of 150 operations agree with the host, errno by errno', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const oracle = fs.mkdtempSync(join(tmpdir(), 'wasl-oracle-'));
      try {
        const vol = new Volume();
        vol.mkdirSync('/mnt');
        const d = new Drvfs(createFsFromVolume(vol) as unknown as HostFs, '/mnt', { metadata: true });
        randomOps(seed, 150).forEach((op, i) => {
          const where = `seed ${seed}, op ${i}: ${JSON.stringify(op)}`;
          expect(onBackend(d, op), where).toBe(onHost(oracle, op));
          expect(snapshotBackend(d), where).toBe(snapshotHost(oracle));
        });
      } finally {
        fs.rmSync(oracle, { recursive: true, force: true });
      }
    }
  });
});

describe('drvfs: no escape from the mounted directory', () => {
  it('"..", absolute and relative symlinks, and symlinked parents stay inside the guest namespace', () => {
    const outside = fs.mkdtempSync(join(tmpdir(), 'wasl-outside-'));
    const backing = fs.mkdtempSync(join(tmpdir(), 'wasl-mnt-'));
    try {
      fs.writeFileSync(join(outside, 'secret'), 'host secret');
      fs.mkdirSync(join(backing, 'sub'));
      fs.writeFileSync(join(backing, 'sub/mine'), 'mine');
      // Host-side traps planted in the mounted directory.
      fs.symlinkSync(join(outside, 'secret'), join(backing, 'abs'));          // absolute, to the host
      fs.symlinkSync('../' + outside.split('/').pop() + '/secret', join(backing, 'rel'));
      fs.symlinkSync(outside, join(backing, 'dirlink'));                       // a directory outside
      const root = new Volfs();
      const ns = new Namespace(root);
      const ctx = { root: ns.root, cwd: ns.root, creds: ROOT };
      root.root().mkdir('mnt', { mode: 0o755, uid: 0, gid: 0 });
      ns.mount(new Drvfs(fs, backing, { metadata: true }), ns.resolve(ctx, ns.root, '/mnt'));
      const reach = (p: string) => { try { const d = ns.resolve(ctx, ns.root, p); const b = new Uint8Array(64); return Buffer.from(b.subarray(0, d.inode.read(b, 0))).toString(); } catch (e) { return (e as Error).message.split(':')[0]; } };
      expect(reach('/mnt/sub/mine')).toBe('mine');
      // An absolute host path is resolved in the guest's namespace: not the host's file.
      expect(reach('/mnt/abs')).toBe('ENOENT');
      // ".." above the mount goes to the guest's /, where the host directory does not exist.
      expect(reach('/mnt/rel')).toBe('ENOENT');
      expect(reach('/mnt/../../../../' + outside)).toBe('ENOENT');
      expect(reach('/mnt/dirlink/secret')).toBe('ENOENT');
      expect(reach('/mnt/sub/../../mnt/sub/mine')).toBe('mine');
      // Creating through a symlinked parent is resolved by the VFS too: a new file lands only
      // where the guest's own namespace says, never in the host directory outside.
      expect(() => ns.resolveParent(ctx, ns.root, '/mnt/dirlink/new')).toThrow(/ENOENT/);
      const p = ns.resolveParent(ctx, ns.root, '/mnt/sub/new');
      p.parent.inode.create(p.name, { mode: 0o644, uid: 0, gid: 0 });
      expect(fs.existsSync(join(backing, 'sub/new'))).toBe(true);
      expect(fs.readdirSync(outside)).toEqual(['secret']);
      // Names with a slash or ".." never reach the host (the VFS would not pass them).
      const sub = ns.resolve(ctx, ns.root, '/mnt/sub');
      for (const bad of ['..', '.', 'a/b', '../../etc']) expect(() => sub.inode.lookup(bad)).toThrow(/EINVAL/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
      fs.rmSync(backing, { recursive: true, force: true });
    }
  });

  it('without `metadata`, files show the mount owner and the masks (WSL defaults); chmod is a no-op', () => {
    const backing = fs.mkdtempSync(join(tmpdir(), 'wasl-mnt-'));
    try {
      fs.writeFileSync(join(backing, 'f'), 'x');
      fs.chmodSync(join(backing, 'f'), 0o600);
      const d = new Drvfs(fs, backing, { uid: 1000, gid: 1000, umask: 0o022, fmask: 0o111 });
      const f = d.root().lookup('f')!;
      const a = f.attrs();
      expect([a.mode & S_IFMT, a.mode & 0o7777, a.uid, a.gid]).toEqual([S_IFREG, 0o644, 1000, 1000]);
      f.setattr({ mode: 0o777 });
      expect(fs.statSync(join(backing, 'f')).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(backing, { recursive: true, force: true });
    }
  });
});
