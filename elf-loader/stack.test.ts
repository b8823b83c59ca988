// buildInitialStack: the layout decoded back from fake memory, the E2BIG/EINVAL limits, and a
// byte-exact comparison with the stack the host kernel builds for a real process (ASLR off).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { LinuxError, E2BIG, EINVAL } from '../lxcore/abi/errno.js';
import { PROT_READ, PROT_WRITE } from '../lxcore/abi/mman.js';
import {
  AT_ENTRY, AT_EXECFN, AT_NULL, AT_PAGESZ, AT_PHDR, AT_PLATFORM, AT_RANDOM, AT_UID,
} from './auxv.js';
import { buildInitialStack, MAX_ARG_STRLEN, type InitialStackParams } from './stack.js';
import { compileC, have, PageTarget, removeTempDirs, tempDir } from './test-support.js';

afterAll(removeTempDirs);

const TOP = 0x7ffffffff000, SIZE = 0x21000;
const random16 = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

function params(over: Partial<InitialStackParams> = {}): InitialStackParams {
  return { stackTop: TOP, stackSize: SIZE, argv: ['/bin/prog', 'héllo', ''], envp: ['HOME=/root', 'PATH=/bin'],
    execfn: '/bin/prog', auxv: [[AT_PAGESZ, 4096], [AT_PHDR, 0x400040], [AT_ENTRY, 0x401000], [AT_UID, 0]],
    random16, ...over };
}

/** Reads the stack back the way a C runtime's _start does. */
function decode(t: PageTarget, sp: number) {
  const argc = t.u64(sp);
  const argvPtrs = Array.from({ length: argc }, (_, i) => t.u64(sp + 8 + i * 8));
  expect(t.u64(sp + 8 + argc * 8)).toBe(0);
  const envpAddr = sp + 16 + argc * 8;
  const envPtrs: number[] = [];
  for (let a = envpAddr; t.u64(a) !== 0; a += 8) envPtrs.push(t.u64(a));
  const auxvAddr = envpAddr + (envPtrs.length + 1) * 8;
  const auxv: Array<[number, number]> = [];
  for (let a = auxvAddr; ; a += 16) {
    auxv.push([t.u64(a), t.u64(a + 8)]);
    if (auxv[auxv.length - 1][0] === AT_NULL) break;
  }
  return { argc, argvPtrs, envPtrs, envpAddr, auxvAddr, auxv,
    argv: argvPtrs.map((p) => t.cstr(p)), envp: envPtrs.map((p) => t.cstr(p)) };
}

describe('buildInitialStack', () => {
  it('lays out argc, argv, envp, auxv and the strings as Linux does', () => {
    const t = new PageTarget(), p = params();
    const st = buildInitialStack(t, p);
    expect(st.sp % 16).toBe(0);
    expect([...t.pages.keys()].length).toBe(SIZE / 4096);
    expect(t.protAt(TOP - SIZE)).toBe(PROT_READ | PROT_WRITE);
    const d = decode(t, st.sp);
    expect(d.argv).toEqual(p.argv);
    expect(d.envp).toEqual(p.envp);
    expect([st.argvAddr, st.envpAddr, st.auxvAddr]).toEqual([st.sp + 8, d.envpAddr, d.auxvAddr]);
    // Caller's entries first, then AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL.
    expect(d.auxv).toEqual([...p.auxv, [AT_RANDOM, st.randomAddr], [AT_EXECFN, st.execfnAddr],
      [AT_PLATFORM, st.platformAddr], [AT_NULL, 0]]);
    expect([...t.read(st.randomAddr, 16)]).toEqual([...random16]);
    expect(t.cstr(st.execfnAddr)).toBe('/bin/prog');
    expect(t.cstr(st.platformAddr)).toBe('x86_64');
    // Strings: argv then envp then execfn, back to back, ending 8 bytes below the top.
    const enc = (s: string) => new TextEncoder().encode(s).length + 1;
    expect(d.argvPtrs[0]).toBe(st.argStart);
    expect(d.argvPtrs[1]).toBe(st.argStart + enc('/bin/prog'));
    expect(d.argvPtrs[2]).toBe(d.argvPtrs[1] + enc('héllo'));        // UTF-8: é is 2 bytes
    expect(d.envPtrs[0]).toBe(st.argEnd);
    expect(st.argEnd).toBe(st.envStart);
    expect(d.envPtrs[1]).toBe(st.envStart + enc('HOME=/root'));
    expect(st.envEnd).toBe(st.execfnAddr);
    expect(st.execfnAddr + enc('/bin/prog')).toBe(TOP - 8);
    expect(t.u64(TOP - 8)).toBe(0);
    // Platform string sits below the 16-aligned string area, AT_RANDOM right below it, and
    // the auxv ends at most 15 bytes below AT_RANDOM.
    expect(st.platformAddr + 7).toBe(st.argStart - (st.argStart % 16));
    expect(st.randomAddr).toBe(st.platformAddr - 16);
    const auxvEnd = d.auxvAddr + d.auxv.length * 16;
    expect(st.randomAddr - auxvEnd).toBeGreaterThanOrEqual(0);
    expect(st.randomAddr - auxvEnd).toBeLessThan(16);
  });

  it('keeps sp 16-byte aligned whatever the string lengths and counts', () => {
    for (let n = 0; n < 40; n++) {
      const t = new PageTarget();
      const argv = Array.from({ length: 1 + (n % 5) }, (_, i) => 'x'.repeat(n + i));
      const envp = Array.from({ length: n % 3 }, (_, i) => 'E=' + 'y'.repeat(i * n));
      const st = buildInitialStack(t, params({ argv, envp, auxv: [[AT_PAGESZ, 4096]].slice(0, n % 2) as Array<[number, number]> }));
      expect(st.sp % 16).toBe(0);
      const d = decode(t, st.sp);
      expect([d.argv, d.envp]).toEqual([argv, envp]);
    }
  });

  it('turns an empty argv into [""] (Linux ≥ 5.18)', () => {
    const t = new PageTarget();
    const st = buildInitialStack(t, params({ argv: [] }));
    expect(decode(t, st.sp).argv).toEqual(['']);
  });

  const errno = (p: InitialStackParams, t = new PageTarget()) => {
    try { buildInitialStack(t, p); return 0; } catch (e) { expect(e).toBeInstanceOf(LinuxError); return (e as LinuxError).errno; }
  };

  it('enforces MAX_ARG_STRLEN on each string, NUL included', () => {
    const big = { stackSize: 8 << 20 };
    expect(errno(params({ ...big, argv: ['a'.repeat(MAX_ARG_STRLEN - 1)] }))).toBe(0);
    expect(errno(params({ ...big, argv: ['a'.repeat(MAX_ARG_STRLEN)] }))).toBe(E2BIG);
    expect(errno(params({ ...big, envp: ['A=' + 'a'.repeat(MAX_ARG_STRLEN)] }))).toBe(E2BIG);
    expect(errno(params({ ...big, execfn: '/' + 'a'.repeat(MAX_ARG_STRLEN) }))).toBe(E2BIG);
  });

  it('enforces the total argument limit: max(ARG_MAX, min(rlimit/4, 6 MiB)) minus pointers', () => {
    const t = new PageTarget();
    // 8 MiB rlimit → 2 MiB of strings and pointers; the stack mapping itself is big enough.
    const many = (n: number) => Array.from({ length: n }, () => 'a'.repeat(1023));   // 1 KiB each
    expect(errno(params({ stackSize: 16 << 20, rlimitStack: 8 << 20, argv: many(2000) }))).toBe(0);
    expect(errno(params({ stackSize: 16 << 20, rlimitStack: 8 << 20, argv: many(2100) }), t)).toBe(E2BIG);
    expect(t.pages.size).toBe(0);                          // nothing mapped on failure
    // A tiny rlimit still allows ARG_MAX (128 KiB).
    expect(errno(params({ stackSize: 1 << 20, rlimitStack: 4096, argv: many(100) }))).toBe(0);
    expect(errno(params({ stackSize: 1 << 20, rlimitStack: 4096, argv: many(130) }))).toBe(E2BIG);
  });

  it('fails with E2BIG when the layout does not fit the stack mapping', () => {
    expect(errno(params({ stackSize: 4096, argv: ['a'.repeat(5000)] }))).toBe(E2BIG);
    expect(errno(params({ stackSize: 4096, envp: Array.from({ length: 600 }, () => 'A=1') }))).toBe(E2BIG);
  });

  it('rejects malformed requests with EINVAL', () => {
    expect(errno(params({ auxv: [[AT_RANDOM, 1]] }))).toBe(EINVAL);
    expect(errno(params({ auxv: [[AT_NULL, 0]] }))).toBe(EINVAL);
    expect(errno(params({ auxv: [[AT_UID, -1]] }))).toBe(EINVAL);
    expect(errno(params({ random16: new Uint8Array(15) }))).toBe(EINVAL);
    expect(errno(params({ stackTop: TOP + 4096 }))).toBe(EINVAL);
    expect(errno(params({ stackTop: TOP - 1 }))).toBe(EINVAL);
    expect(errno(params({ stackSize: 0 }))).toBe(EINVAL);
    expect(errno(params({ stackSize: 100 }))).toBe(EINVAL);
  });
});

// The probe prints its initial stack; under `setarch -R` (ASLR off) the kernel puts the stack top at
// 0x7ffffffff000 and adds no random gap, so wasl's layout must match to the byte.
const STACK_PROBE_C = `#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
int main(int argc, char **argv) {
  printf("sp %lx\\n", (unsigned long)(argv - 1));
  for (int i = 0; i < argc; i++) printf("arg %lx %s\\n", (unsigned long)argv[i], argv[i]);
  char **e = argv + argc + 1;
  for (; *e; e++) printf("env %lx %s\\n", (unsigned long)*e, *e);
  unsigned long *av = (unsigned long *)(e + 1);
  printf("auxv %lx\\n", (unsigned long)av);
  for (; av[0]; av += 2) printf("aux %lu %lx\\n", av[0], av[1]);
  printf("execfn %s\\n", (char *)getauxval(AT_EXECFN));
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  while (fgets(line, sizeof line, f))
    if (strstr(line, "[stack]")) printf("stack %.*s\\n", (int)strcspn(line, " "), line);
  return 0;
}
`;

describe('buildInitialStack against the host kernel', () => {
  const canRun = have('gcc') && have('setarch') && spawnSync('setarch', ['-R', 'true']).status === 0;
  let probe = '';
  beforeAll(() => { if (canRun) probe = compileC(tempDir(), 'stackprobe', STACK_PROBE_C, 'gcc', ['-static', '-O2']); });

  it.skipIf(!canRun)('matches a native process byte for byte (skipped without gcc or setarch -R)', () => {
    const argv = [probe, 'one', 'två', ''];
    const env = { A: '1', LONGER_NAME: 'x'.repeat(37), Z: '' };
    const out = spawnSync('setarch', ['-R', ...argv], { env, encoding: 'utf8' });
    expect(out.status).toBe(0);
    const lines = out.stdout.split('\n');
    const take = (tag: string) => lines.filter((l) => l.startsWith(tag + ' ')).map((l) => l.slice(tag.length + 1));
    const hexOf = (s: string) => parseInt(s, 16);
    const stackTop = hexOf(take('stack')[0].split('-')[1]);
    const nativeAuxv = take('aux').map((l) => l.split(' ')).map(([k, v]) => [Number(k), hexOf(v)] as [number, number]);
    const nativeArgs = take('arg').map((l) => [hexOf(l.slice(0, l.indexOf(' '))), l.slice(l.indexOf(' ') + 1)] as const);
    const nativeEnv = take('env').map((l) => [hexOf(l.slice(0, l.indexOf(' '))), l.slice(l.indexOf(' ') + 1)] as const);
    expect(nativeArgs.map(([, s]) => s)).toEqual(argv);

    const t = new PageTarget();
    const ours = [AT_RANDOM, AT_EXECFN, AT_PLATFORM];
    const st = buildInitialStack(t, {
      stackTop, stackSize: 0x21000, argv, envp: nativeEnv.map(([, s]) => s), execfn: take('execfn')[0],
      auxv: nativeAuxv.filter(([k]) => !ours.includes(k)), random16,
    });
    const d = decode(t, st.sp);
    expect(st.sp).toBe(hexOf(take('sp')[0]));
    expect(d.argvPtrs).toEqual(nativeArgs.map(([a]) => a));
    expect(d.envPtrs).toEqual(nativeEnv.map(([a]) => a));
    expect(st.auxvAddr).toBe(hexOf(take('auxv')[0]));
    const nativeOf = (k: number) => nativeAuxv.find(([key]) => key === k)![1];
    expect([st.randomAddr, st.execfnAddr, st.platformAddr])
      .toEqual([nativeOf(AT_RANDOM), nativeOf(AT_EXECFN), nativeOf(AT_PLATFORM)]);
    // Same entries; only the position of the three wasl appends may differ.
    const sorted = (a: Array<[number, number]>) => [...a].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(sorted(d.auxv.filter(([k]) => k !== AT_NULL))).toEqual(sorted(nativeAuxv));
  });
});
