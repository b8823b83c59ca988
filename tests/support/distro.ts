// Helpers for the distribution tests: the CLI with its own registry ($WASL_HOME), a small rootfs
// tree built natively (busybox, users, every kind of file and metadata), and tar(1)'s own
// listing of an archive as the oracle for round trips.

import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { WASL_CLI } from './run.js';

export const isRoot = process.getuid?.() === 0;

export interface Cli { stdout: string; stderr: string; status: number }

/** Runs the built CLI with registry `home`. */
export function wasl(home: string, args: string[], o: { input?: Buffer | string; env?: Record<string, string>; timeoutMs?: number } = {}): Cli {
  const r = spawnSync(process.execPath, [WASL_CLI, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', WASL_HOME: home, ...o.env },
    input: o.input ?? '', timeout: o.timeoutMs ?? 180_000, maxBuffer: 256 << 20,
  });
  return result(r);
}

function result(r: SpawnSyncReturns<Buffer>): Cli {
  if (r.error) throw r.error;
  return { stdout: String(r.stdout), stderr: String(r.stderr), status: r.status ?? 128 + 9 };
}

export function sh(script: string, args: string[] = []): Cli {
  return result(spawnSync('sh', ['-ec', script, 'sh', ...args], { maxBuffer: 256 << 20 }));
}

/**
 * Builds a small rootfs in `dir`: static busybox with applet links, /etc/passwd and /etc/group
 * (root; alice with supplementary groups), and under /d one of each kind of file with the
 * metadata a tarball must carry: setuid/setgid/sticky modes, nanosecond mtimes, hard links,
 * symlinks, a FIFO, long and non-ASCII names, a multi-megabyte file, binary xattrs (with
 * python3), and as root, device nodes and foreign owners.
 */
export function buildTree(dir: string): void {
  const r = sh(`
    cd "$1"
    mkdir -p bin etc root home/alice tmp d/sub
    cp /bin/busybox bin/busybox
    for a in sh cat echo id sleep ls true wc; do ln -s busybox bin/$a; done
    printf 'root:x:0:0:root:/root:/bin/sh\\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\\n' > etc/passwd
    printf 'root:x:0:\\nmail:x:8:alice\\nusers:x:100:alice,bob\\nalice:x:1000:\\n' > etc/group
    chmod 1777 tmp
    echo hello > d/file
    chmod 4755 d/file
    touch -d '2021-03-04 05:06:07.123456789' d/file
    ln d/file d/hardlink
    ln -s file d/symlink
    ln -s /nowhere/at/all d/dangling
    mkfifo d/fifo
    : > d/empty
    chmod 2640 d/empty
    head -c 3000000 /dev/urandom > d/big
    long=$(printf 'n%.0s' $(seq 1 150))
    echo long > "d/$long"
    mkdir -p "d/$(printf 'a%.0s' $(seq 1 80))/$(printf 'b%.0s' $(seq 1 80))"
    echo deep > "d/$(printf 'a%.0s' $(seq 1 80))/$(printf 'b%.0s' $(seq 1 80))/f"
    echo accent > "d/caf\xc3\xa9"
    touch -d '1999-12-31 23:59:59.5' d/sub
    if command -v python3 >/dev/null; then
      python3 -c "import os; os.setxattr('d/file', 'user.bin', bytes([0, 255, 254, 10, 32])); os.setxattr('d/sub', 'user.text', b'value')"
    fi
    if [ "$(id -u)" = 0 ]; then
      mknod d/cdev c 1 7
      mknod d/bdev b 8 300
      chown -h 1234:5678 d/symlink
      chown 4321:8765 d/sub
    fi
  `, [dir]);
  if (r.status !== 0) throw new Error(`building the test tree failed: ${r.stderr}`);
}

/** tar(1)'s verbose listing (modes, owners, sizes, ns times, link targets, devices, xattrs). */
export function tarListing(tarball: string): string {
  const r = sh(`tar --numeric-owner --xattrs --xattrs-include='*' -tvv --full-time -f "$1"`, [tarball]);
  if (r.status !== 0) throw new Error(`tar -t ${tarball}: ${r.stderr}`);
  // Names as "./a" or "a" are the same path.
  return r.stdout.split('\n').map((l) => l.replace(/ \.\/(?=\S)/, ' ').replace(/ \.\/$/, ' .')).join('\n');
}

/** Each regular file's path and sha256, as tar(1) extracts it. */
export function tarDigests(tarball: string): string {
  const r = sh(`tar -xf "$1" --to-command='sh -c "echo \\$TAR_FILENAME \\$(sha256sum | cut -c1-64)"'`, [tarball]);
  if (r.status !== 0) throw new Error(`tar -x ${tarball}: ${r.stderr}`);
  return r.stdout.split('\n').map((l) => l.replace(/^\.\//, '')).sort().join('\n');
}
