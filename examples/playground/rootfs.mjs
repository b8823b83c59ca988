// Builds the playground's root filesystem image at build time (Vite plugin below): Debian's
// busybox-static from this machine (never committed), its applets as symlinks where
// `busybox --list-full` puts them, wasl's example programs in /usr/local/bin, and a few /etc
// files. The image is one file: a little-endian u32 length, a JSON list of entries, then the
// file contents they point into. The worker unpacks it into a fresh volfs on first boot.

import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BUSYBOX = process.env.WASL_BUSYBOX ?? '/bin/busybox';

function busybox() {
  const missing = `wasl playground: ${BUSYBOX} not found or not a static busybox. The playground boots Debian's ` +
    'busybox-static: install it with `apt-get install busybox-static` (it is never committed to the repository).';
  if (!existsSync(BUSYBOX)) throw new Error(missing);
  const bytes = readFileSync(BUSYBOX);
  // A dynamic busybox would need an ld.so and libc the image does not have.
  if (bytes.includes(Buffer.from('/lib64/ld-linux-x86-64.so.2'))) throw new Error(missing + ' (this one is dynamically linked)');
  const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return { bytes, applets };
}

export function buildRootfs() {
  const entries = [];
  const blobs = [];
  let size = 0;
  const dirs = new Set(['/']);
  const mkdirs = (p, mode = 0o755) => {
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const d = '/' + parts.slice(0, i).join('/');
      if (!dirs.has(d)) { dirs.add(d); entries.push({ path: d, type: 'dir', mode: i === parts.length ? mode : 0o755 }); }
    }
  };
  const file = (path, bytes, mode) => {
    mkdirs(dirname(path));
    entries.push({ path, type: 'file', mode, off: size, len: bytes.length });
    blobs.push(bytes);
    size += bytes.length;
  };
  const link = (path, target) => { mkdirs(dirname(path)); entries.push({ path, type: 'symlink', target }); };

  for (const d of ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/etc', '/root', '/home', '/tmp', '/mnt', '/var/tmp']) mkdirs(d);
  const bb = busybox();
  file('/bin/busybox', bb.bytes, 0o755);
  for (const a of bb.applets) {
    const p = '/' + a;
    if (p === '/bin/busybox') continue;
    link(p, '/bin/busybox');
  }
  const exdir = join(here, '..', 'bin');
  for (const name of readdirSync(exdir).sort()) {
    const p = join(exdir, name);
    if (statSync(p).isFile()) file(`/usr/local/bin/${name}`, readFileSync(p), 0o755);
  }
  const text = (s) => Buffer.from(s);
  file('/etc/passwd', text('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'), 0o644);
  file('/etc/group', text('root:x:0:\nnogroup:x:65534:\n'), 0o644);
  file('/etc/hostname', text('wasl\n'), 0o644);
  file('/etc/profile', text('export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\nexport PS1=\'wasl:\\w# \'\nexport HOME=/root\n[ -t 1 ] && cat /etc/motd\n'), 0o644);
  file('/etc/motd', text('wasl playground: busybox sh on an x86-64 interpreter in WebAssembly, in your browser.\n' +
    'Your files in /mnt/host (upload/download buttons). / is kept in this browser (IndexedDB); "reset" starts afresh.\n' +
    'Try: ls /bin | head, primes, sha256sum /bin/busybox, vi /root/notes, top.\n'), 0o644);

  const json = Buffer.from(JSON.stringify({ version: 1, entries }));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(json.length, 0);
  return Buffer.concat([head, json, ...blobs]);
}

/** The Vite plugin: serves /rootfs.bin in dev, emits it into the build. */
export function rootfsPlugin() {
  let image;
  const get = () => (image ??= buildRootfs());
  return {
    name: 'wasl-rootfs',
    buildStart() { get(); }, // fail early and clearly if busybox is missing
    configureServer(server) {
      server.middlewares.use('/rootfs.bin', (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(get());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'rootfs.bin', source: get() });
    },
  };
}
