// `wasl --root DIR`: what one guest run writes, the next sees — every kind of Linux metadata
// volfs keeps (modes with setuid bits cleared as chown clears them, owners, hard links, symlinks,
// FIFOs, sockets, device nodes, xattrs, nanosecond times, sparse and multi-megabyte contents).
// The oracle is the same program, run natively on a host directory: tests/programs/persist.c
// writes the tree in one process and lists it in another on both sides.
import { it, expect } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, writeFileSync, existsSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, hasCommand } from './support/build.js';
import { runNative, runWasl } from './support/run.js';
import { runProgram } from '../lxcore/index.js';

it.skipIf(!canBuild('glibc'))('a tree written by one wasl --root run is what the next run lists, as natively (skipped only without gcc -static)', () => {
  const base = mkdtempSync(join(tmpdir(), 'wasl-persist-'));
  try {
    const bin = buildStatic(join(ROOT, 'tests/programs/persist.c'), 'glibc');
    const host = join(base, 't');
    const store = join(base, 'store');
    const nativeWrite = runNative(bin, { args: ['write', host] });
    const nativeList = runNative(bin, { args: ['list', host] });
    expect(nativeWrite.status).toBe(0);
    expect(nativeList.stdout).toContain('sparse file');

    const write = runWasl(bin, { args: ['write', '/t'] }, ['--root', store]);
    expect(write).toEqual(nativeWrite);
    // A new store holds a snapshot, a journal and one host file per non-empty regular file.
    expect(readdirSync(store).sort()).toEqual(['data', 'meta.journal', 'meta.snap']);
    const list = runWasl(bin, { args: ['list', '/t'] }, ['--root', store]);
    expect(list).toEqual(nativeList);
    // Listing read every file and put its atime back: a third run still sees the same.
    expect(runWasl(bin, { args: ['list', '/t'] }, ['--root', store])).toEqual(nativeList);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

it.skipIf(!hasCommand('busybox'))('--root combines with --mount, creates the --isolated skeleton, and refuses a directory that is not a store', () => {
  const base = mkdtempSync(join(tmpdir(), 'wasl-persist-'));
  try {
    const store = join(base, 'store');
    writeFileSync(join(base, 'hostfile'), 'from the host\n');
    const bb = '/bin/busybox';
    let r = runWasl(bb, { args: ['cp', '/mnt/h/hostfile', '/kept'] }, ['--root', store, '--mount', `/mnt/h=${base}`]);
    expect(r).toEqual({ stdout: '', stderr: '', status: 0 });
    r = runWasl(bb, { args: ['ls', '/'] }, ['--root', store]);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['dev', 'etc', 'home', 'kept', 'mnt', 'proc', 'root', 'sys', 'tmp']);
    r = runWasl(bb, { args: ['cat', '/kept'] }, ['--root', store]);
    expect(r).toEqual({ stdout: 'from the host\n', stderr: '', status: 0 });
    expect(existsSync(join(store, 'volfs.lock'))).toBe(false); // released at exit
    r = runWasl(bb, { args: ['true'] }, ['--root', base]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not empty and holds no volfs store/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

it.skipIf(!hasCommand('busybox'))('the library API: runProgram with `root` persists, and closes the store for the next one', async () => {
  const base = mkdtempSync(join(tmpdir(), 'wasl-persist-'));
  const quiet = openSync('/dev/null', 'w');
  try {
    const o = { root: join(base, 'store'), env: ['PATH=/bin'], stdio: [0, quiet, quiet] as [number, number, number] };
    expect((await runProgram('/bin/busybox', { ...o, argv: ['busybox', 'mkdir', '/made-by-api'] })).code).toBe(0);
    expect(existsSync(join(base, 'store', 'volfs.lock'))).toBe(false);
    // rmdir succeeds only if the directory is there, and then only once.
    expect((await runProgram('/bin/busybox', { ...o, argv: ['busybox', 'rmdir', '/made-by-api'] })).code).toBe(0);
    expect((await runProgram('/bin/busybox', { ...o, argv: ['busybox', 'rmdir', '/made-by-api'] })).code).toBe(1);
  } finally {
    closeSync(quiet);
    rmSync(base, { recursive: true, force: true });
  }
});

it.skipIf(!canBuild('glibc'))('xattr calls answer as natively, errno by errno, on volfs in memory and on disk (skipped only without gcc -static)', () => {
  const base = mkdtempSync(join(tmpdir(), 'wasl-xattr-'));
  try {
    const bin = buildStatic(join(ROOT, 'tests/programs/xattrs.c'), 'glibc');
    const native = runNative(bin, { cwd: base });
    expect(native.stdout).toContain('set user.a: 0');
    expect(runWasl(bin, {}, ['--isolated'])).toEqual(native);
    expect(runWasl(bin, {}, ['--root', join(base, 'store')])).toEqual(native);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
