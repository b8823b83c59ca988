// Dynamically linked programs (PT_INTERP, issue #6): the test programs built without -static by
// gcc (glibc's ld-linux-x86-64.so.2) and musl-gcc (ld-musl-x86_64.so.1), and Debian's own
// dynamically linked programs, run natively and under wasl — stdout, stderr and status must be
// the same. Plus what the kernel hands ld.so (auxv, compared with the host under setarch -R),
// execve's answers for bad interpreters, and the interpreter coming from the guest's namespace.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, utimesSync, chmodSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, buildDynamic, canBuildDynamic, hasCommand, Toolchain } from './support/build.js';
import { runNative, runWasl, RunSpec, WASL_CLI, Outcome } from './support/run.js';

const programs = join(ROOT, 'tests/programs');
const examples = join(ROOT, 'examples/src');

interface Case { name: string; src: string; spec?: RunSpec; flags?: string[]; scratch?: boolean }

/**
 * One or two modes of every program the static suites run: enough to cross every path of the
 * dynamic loader (libc's start-up through ld.so, TLS, IRELATIVE/ifuncs, lazy PLT binding,
 * signals through libc's restorer, threads' TLS, fork and exec of a dynamic image).
 */
const CASES: Case[] = [
  { name: 'hello', src: join(examples, 'hello.c') },
  { name: 'echoargs', src: join(examples, 'echoargs.c'), spec: { args: ['one', 'two words', '', 'ünïcødé'], env: { WASL_A: '1' } } },
  { name: 'exitcode 7', src: join(examples, 'exitcode.c'), spec: { args: ['7'] } },
  { name: 'sort', src: join(examples, 'sort.c'), spec: { args: ['20000'] } },
  { name: 'sha256 of args', src: join(examples, 'sha256.c'), spec: { args: ['', 'abc'] } },
  { name: 'sysprobe', src: join(programs, 'sysprobe.c') },
  { name: 'statx and statfs', src: join(programs, 'statx.c') },
  { name: 'long double', src: join(programs, 'longdouble.c') },
  { name: 'segv', src: join(programs, 'faults.c'), spec: { args: ['segv'] } },
  { name: 'abort', src: join(programs, 'faults.c'), spec: { args: ['abort'] } },
  { name: 'write text', src: join(programs, 'faults.c'), spec: { args: ['write-text'] } },
  { name: 'file operations', src: join(programs, 'fileops.c'), scratch: true },
  { name: 'file mmap as ld.so uses it: offsets, MAP_FIXED over a mapping, mprotect, past EOF (SIGBUS)', src: join(programs, 'mmapfile.c'), scratch: true },
  { name: 'procs: fork + wait', src: join(programs, 'procs.c'), spec: { args: ['wait'] }, scratch: true },
  { name: 'procs: pipes', src: join(programs, 'procs.c'), spec: { args: ['pipe'] }, scratch: true },
  { name: 'procs: execve, scripts, fexecve', src: join(programs, 'procs.c'), spec: { args: ['exec'] }, scratch: true },
  { name: 'procs: vfork', src: join(programs, 'procs.c'), spec: { args: ['vfork'] }, scratch: true },
  { name: 'signals: faults and sigreturn', src: join(programs, 'sigfault.c') },
  { name: 'signals: frames', src: join(programs, 'sigframe.c') },
  { name: 'signals: queues and masks', src: join(programs, 'sigqueue.c') },
  { name: 'signals: timers, signalfd', src: join(programs, 'sigtimer.c') },
  { name: 'signals: sigaltstack overflow', src: join(programs, 'sigstack.c'), spec: { args: ['overflow'] } },
  { name: 'threads: create/join', src: join(programs, 'threads.c'), spec: { args: ['create'] }, flags: ['-pthread'] },
  { name: 'threads: TLS', src: join(programs, 'threads.c'), spec: { args: ['tls'] }, flags: ['-pthread'] },
  { name: 'threads: mutex', src: join(programs, 'threads.c'), spec: { args: ['mutex'] }, flags: ['-pthread'] },
  { name: 'poll: epoll', src: join(programs, 'poll.c'), spec: { args: ['epoll'], stdin: 'hello\n' } },
  { name: 'unimplemented syscall', src: join(programs, 'unimpl.c') },
];

/**
 * Every other mode of the static suites (processes, threads, readiness, signals, faults): about
 * 50 s more, so only with WASL_DYNAMIC_FULL=1 (`npm run test:dynamic-full`). All pass.
 */
const mode = (src: string, args: string[], what: string, extra: Partial<Case> = {}): Case =>
  ({ name: `${src.replace('.c', '')}: ${what}`, src: join(programs, src), spec: { args }, scratch: true, ...extra });
const FULL: Case[] = [
  ...['wnohang', 'sendfile', 'spawn', 'orphan', 'pgrp', 'intr', 'stop'].map((m) => mode('procs.c', [m], m)),
  ...['cond', 'exit', 'kill', 'ids', 'exitgroup', 'barrier', 'futex', 'more', 'exec']
    .map((m) => mode('threads.c', [m], m, { flags: ['-pthread'] })),
  ...['poll', 'ppoll', 'select', 'eventfd', 'stdin']
    .map((m) => mode('poll.c', [m], m, { spec: { args: [m], stdin: 'hello world\nsecond\n' } })),
  mode('sigqueue.c', ['groups'], 'groups'),
  ...['noalt', 'norestorer', 'stopcont', 'killsleep'].map((m) => mode('sigstack.c', [m], m)),
  ...['ud2', 'div', 'int3', 'hlt', 'exec-data'].map((m) => mode('faults.c', [m], m)),
];
if (process.env.WASL_DYNAMIC_FULL) CASES.push(...FULL);

function inScratch(run: (cwd: string) => Outcome): Outcome {
  const cwd = mkdtempSync(join(tmpdir(), 'wasl-dyn-'));
  try { return run(cwd); } finally { rmSync(cwd, { recursive: true, force: true }); }
}

for (const tc of ['glibc', 'musl'] as Toolchain[]) {
  describe.skipIf(!canBuildDynamic(tc))(`dynamic ${tc} programs (skipped only if ${tc === 'musl' ? 'musl-gcc or ld-musl' : 'gcc or ld-linux'} is missing)`, () => {
    for (const c of CASES) {
      it(c.name, () => {
        const bin = buildDynamic(c.src, tc, c.flags);
        const run = (f: typeof runNative) => (c.scratch ? inScratch((cwd) => f(bin, { ...c.spec, cwd })) : f(bin, c.spec));
        expect(run(runWasl)).toEqual(run(runNative));
      });
    }
    it('a program linked against its own library: not found (ld.so\'s message, 127), then found by LD_LIBRARY_PATH, lazily and with LD_BIND_NOW', () => {
      const lib = buildDynamic(join(programs, 'dlib.c'), tc, ['-shared', '-fPIC']);
      const dir = mkdtempSync(join(tmpdir(), 'wasl-libdir-'));
      try {
        copyFileSync(lib, join(dir, 'libdlib.so'));
        const bin = join(dir, 'uselib');
        execFileSync(tc === 'musl' ? 'musl-gcc' : 'gcc', ['-O2', '-w', '-o', bin, join(programs, 'uselib.c'), `-L${dir}`, '-ldlib']);
        for (const env of [{}, { LD_LIBRARY_PATH: dir }, { LD_LIBRARY_PATH: dir, LD_BIND_NOW: '1' }]) {
          const n = runNative(bin, { env });
          expect(n.status).toBe('LD_LIBRARY_PATH' in env ? 0 : 127);
          expect(runWasl(bin, { env })).toEqual(n);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    it('dlopen at run time: constructor, dynamic TLS per thread, dlsym, dladdr, errors, dlclose', () => {
      const lib = buildDynamic(join(programs, 'dlib.c'), tc, ['-shared', '-fPIC']);
      const bin = buildDynamic(join(programs, 'dlopen.c'), tc, ['-pthread']);
      const n = runNative(bin, { args: [lib] });
      expect(n.stdout).toMatch(/^dlib: constructor\n/);
      expect(runWasl(bin, { args: [lib] })).toEqual(n);
    });
  });
}

// ---- what the kernel hands ld.so --------------------------------------------------------------
const hasSetarch = hasCommand('setarch');
describe.skipIf(!hasSetarch)('auxv and image layout of a dynamic program vs the host without ASLR (skipped only if setarch is missing)', () => {
  const AUX = join(programs, 'dynaux.c');
  const native = (bin: string, args: string[] = []) => runNative('/usr/bin/setarch', { args: ['x86_64', '-R', bin, ...args] });
  const builds: Array<[string, Toolchain, string[]]> = [
    ['glibc PIE', 'glibc', []], ['glibc non-PIE (ET_EXEC)', 'glibc', ['-no-pie']], ['musl PIE', 'musl', []],
  ];
  for (const [what, tc, flags] of builds) {
    it.skipIf(!canBuildDynamic(tc))(`${what}: AT_BASE, AT_ENTRY, AT_PHDR, AT_EXECFN, /proc/self/exe`, () => {
      const bin = buildDynamic(AUX, tc, flags);
      const n = native(bin);
      expect(n.stdout).toMatch(/AT_BASE +0x7ff/);
      expect(runWasl(bin)).toEqual(n);
    });
  }
  it.skipIf(!canBuildDynamic('glibc') || !canBuildDynamic('musl'))('execve of a dynamic program from a dynamic program (glibc → musl → glibc)', () => {
    const g = buildDynamic(AUX, 'glibc'), m = buildDynamic(AUX, 'musl');
    for (const [a, b] of [[g, m], [m, g]]) {
      const n = native(a, ['exec', b]);
      expect(n.stdout).toMatch(/^argv\[1\]: child\n/);
      expect(runWasl(a, { args: ['exec', b] })).toEqual(n);
    }
  });
});

// ---- bad interpreters -------------------------------------------------------------------------
describe.skipIf(!canBuildDynamic('glibc'))('execve with a bad interpreter answers as the host kernel does', () => {
  let dir = '';
  const progs: string[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wasl-interp-'));
    const hello = join(examples, 'hello.c');
    const withInterp = (name: string, interp: string) => {
      const out = join(dir, name);
      const r = spawnSync('gcc', ['-O2', '-w', `-Wl,--dynamic-linker=${interp}`, '-o', out, hello]);
      if (r.status !== 0) throw new Error(String(r.stderr));
      progs.push(out);
    };
    const file = (name: string, data: string | Uint8Array, mode = 0o755) => {
      writeFileSync(join(dir, name), data);
      chmodSync(join(dir, name), mode);
      return join(dir, name);
    };
    const elf = new Uint8Array(spawnSync('cat', ['/bin/true']).stdout);
    withInterp('missing', join(dir, 'no-such-ld.so'));                                   // ENOENT
    withInterp('short', file('short.so', 'not elf\n'));                                  // < 64 bytes: EIO
    withInterp('text', file('text.so', '#'.repeat(200) + '\n'));                         // not ELF: ELIBBAD
    withInterp('truncated', file('truncated.so', elf.subarray(0, 100)));                 // phdrs cut off: ELIBBAD
    const arm = elf.slice(); arm[18] = 0xb7; arm[19] = 0;                                // EM_AARCH64: ELIBBAD
    withInterp('foreign', file('arm.so', arm));
    const core = elf.slice(); core[16] = 4;                                              // ET_CORE: SIGSEGV
    withInterp('core', file('core.so', core));                                           // after the point of no return
    withInterp('noexec', file('noexec.so', elf, 0o644));                                 // EACCES
    mkdirSync(join(dir, 'dir.so'));
    withInterp('directory', join(dir, 'dir.so'));                                        // EACCES
    withInterp('dynamic', file('dynamic.so', elf));  // an interpreter with its own PT_INTERP: runs, crashes
    withInterp('good', '/lib64/ld-linux-x86-64.so.2');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ENOENT, EIO, ELIBBAD, EACCES, or killed by SIGSEGV, program by program', () => {
    const bin = buildDynamic(join(programs, 'execerr.c'), 'glibc');
    const n = runNative(bin, { args: progs });
    expect(n.stdout).toMatch(/missing: execve failed: No such file or directory/);
    expect(n.stdout).toMatch(/text: execve failed: Accessing a corrupted shared library/);
    expect(runWasl(bin, { args: progs })).toEqual(n);
  });

  it.skipIf(!existsSync('/bin/bash'))('the CLI says what bash says (status and message)', () => {
    for (const p of progs.filter((x) => !/good|dynamic|core/.test(x))) {
      const sh = spawnSync('/bin/bash', ['-c', p], { encoding: 'utf8' });
      const w = spawnSync(process.execPath, [WASL_CLI, p], { encoding: 'utf8' });
      expect(w.status, p).toBe(sh.status);
      // bash: "bash: line 1: PROG: TEXT"; wasl: "wasl: PROG: TEXT" (+ " (detail)").
      const text = sh.stderr.trim().replace(/^\S*bash: line 1: /, '');
      expect(text).toMatch(/^\//);
      expect(w.stderr.trim().replace(/^wasl: /, '').replace(/ \(.*\)$/, ''), p).toBe(text);
    }
  });
});

// ---- the interpreter comes from the guest's namespace ------------------------------------------
/** An isolated instance that sees the host's libraries through drvfs (merged-/usr Debian). */
const MOUNTS = ['--isolated', '--mount', '/usr=/usr', '--mount', '/lib=/usr/lib', '--mount', '/lib64=/usr/lib64'];

describe.skipIf(!canBuildDynamic('glibc'))('with --isolated the interpreter and libraries come from the guest filesystem', () => {
  it('absent from an empty volfs: the shell\'s "required file not found" (127)', () => {
    const bin = buildDynamic(join(examples, 'hello.c'), 'glibc');
    const w = runWasl(bin, {}, ['--isolated']);
    expect(w.status).toBe(127);
    expect(w.stderr).toMatch(/cannot execute: required file not found/);
  });
  it('present through drvfs mounts of /usr, /lib and /lib64: runs as natively', () => {
    const bin = buildDynamic(join(examples, 'echoargs.c'), 'glibc');
    const spec = { args: ['a', 'b c'] };
    expect(runWasl(bin, spec, MOUNTS)).toEqual(runNative(bin, spec));
  });
  it('a program exec\'d from a drvfs mount shows its guest path (/proc/self/exe, maps), never the host\'s', () => {
    const aux = buildDynamic(join(programs, 'dynaux.c'), 'glibc');
    const dir = mkdtempSync(join(tmpdir(), 'wasl-dynmnt-'));
    try {
      copyFileSync(aux, join(dir, 'aux'));
      chmodSync(join(dir, 'aux'), 0o755);
      const w = runWasl('/bin/sh', { args: ['-c', '/opt/x/aux; grep -m1 ld-linux /proc/self/maps'] }, [...MOUNTS, '--mount', `/opt/x=${dir}`]);
      expect(w.stdout).toMatch(/^\/proc\/self\/exe \/opt\/x\/aux$/m);
      expect(w.stdout).toMatch(/^AT_EXECFN \/opt\/x\/aux$/m);
      expect(w.stdout).toMatch(/ \/lib\/x86_64-linux-gnu\/ld-linux-x86-64\.so\.2\n$/);  // the guest's /lib
      expect(w.stdout).not.toContain(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- extended attributes, which dynamic coreutils read ------------------------------------------
describe.skipIf(!canBuildDynamic('glibc'))('xattr reads (ls -l asks every file for its ACL and label)', () => {
  it('xattr reads: host files (passthrough) and volfs files (isolated) answer as the host kernel', () => {
    const bin = buildDynamic(join(programs, 'xattr.c'), 'glibc');
    const n = inScratch((cwd) => runNative(bin, { cwd }));
    expect(n.stdout).toMatch(/getxattr unknown namespace +-1 Operation not supported/);
    expect(inScratch((cwd) => runWasl(bin, { cwd }))).toEqual(n);
    expect(runWasl(bin, {}, MOUNTS)).toEqual(n);
  });
});

// ---- Debian's own dynamically linked programs ---------------------------------------------------
describe('Debian\'s dynamically linked programs with the host\'s files (passthrough)', () => {
  let top = '', dir = '';
  beforeAll(() => {
    // A tree whose listing cannot change between the two runs: fixed times, and ".." is ours.
    top = mkdtempSync(join(tmpdir(), 'wasl-debian-'));
    dir = join(top, 'files');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'alpha\nbeta\ngamma\n');
    writeFileSync(join(dir, 'numbers'), '10\n9\n100\n-3\n7\n');
    writeFileSync(join(dir, 'exe'), '#!/bin/sh\necho hi\n');
    chmodSync(join(dir, 'exe'), 0o755);
    copyFileSync('/bin/true', join(dir, 'true'));
    // Enough names that the directory's own (hash) order is not the sorted one.
    mkdirSync(join(dir, 'many'));
    const many = Array.from({ length: 40 }, (_, i) => `many/f${String(i).padStart(2, '0')}`);
    for (const f of many) writeFileSync(join(dir, f), f);
    const t = new Date('2024-02-29T12:34:56Z');
    for (const p of ['a.txt', 'numbers', 'exe', 'true', 'sub', ...many, 'many', '.']) utimesSync(join(dir, p), t, t);
    utimesSync(top, t, t);
  });
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  const host: Array<[string, string, string[], Partial<RunSpec>?]> = [
    ['ls -la', '/bin/ls', ['-la', '--time-style=long-iso', '.']],
    ['ls -U and find: the directory\'s own order (getdents)', '/bin/sh', ['-c', 'ls -U many | head -5; find . | head -12']],
    ['tar -c | tar -tv', '/bin/sh', ['-c', 'tar -cf - . | tar -tvf -']],
    ['sort -n', '/usr/bin/sort', ['-n', 'numbers']],
    ['cat', '/bin/cat', ['a.txt', '-', 'a.txt'], { stdin: 'from stdin\n' }],
    ['env', '/usr/bin/env', [], { env: { ONE: '1', TWO: 'two words' } }],
    ['sh -c (dash): arithmetic, a pipeline of dynamic programs', '/bin/sh', ['-c', 'echo $((6*7)); ls | wc -l; ./exe']],
    ['md5sum', '/usr/bin/md5sum', ['a.txt', '-'], { stdin: 'abc' }],
    ['date -d @0 -u', '/bin/date', ['-d', '@0', '-u']],
    ['bash -c', '/bin/bash', ['-c', 'x=$(echo hello); echo ${x^^} $((2**10)); for f in *; do echo "$f"; done']],
    ['python3 -c', '/usr/bin/python3', ['-c', 'print(6*7)']],
  ];
  for (const [name, bin, args, spec] of host) {
    it.skipIf(!existsSync(bin))(`${name} (skipped only if ${bin} is missing)`, () => {
      const s: RunSpec = { args, cwd: dir, ...spec };
      const n = runNative(bin, s);
      expect(n.status).toBe(0);
      expect(runWasl(bin, s)).toEqual(n);
    });
  }
});
