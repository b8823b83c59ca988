// The vDSO (elf-loader/vdso.ts, mapped by lxcore/kernel/exec.ts): tests/programs/vdso.c finds
// it through AT_SYSINFO_EHDR, parses it as musl and Go do, calls every function (the clock ids it
// serves, those it hands to the kernel, bad pointers: SIGSEGV from inside it or EFAULT), looks at
// [vdso]/[vvar] in /proc/self/maps and, with glibc, finds its unwind tables through libgcc —
// and must print what it prints natively, interpreter and compiler tier alike, with the in-core
// syscall shortcut and without it. Then the auxiliary vector a dynamic program's ld.so shows
// (LD_SHOW_AUXV) against the host's under setarch -R: the same entries in Linux's order.

import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { ROOT, buildStatic, buildDynamic, canBuild, canBuildDynamic, hasCommand, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/vdso.c');

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`the vDSO, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it('found, parsed and called as natively: results, clock ids, SIGSEGV or EFAULT for bad pointers, maps, fork', () => {
      const bin = buildStatic(SRC, tc);
      const native = runNative(bin);
      expect(native.status).toBe(0);
      expect(native.stdout).toMatch(/^sym __vdso_clock_gettime +FUNC GLOBAL defined LINUX_2\.6$/m);
      expect(native.stdout).toMatch(/^clock_gettime\(MONOTONIC, NULL\):\n {2}SIGSEGV 11 code MAPERR addr 0 from the vDSO$/m);
      expect(runWasl(bin)).toEqual(native);
      // Every call through lxcore (no in-core shortcut): the same answers, faults included.
      expect(runWasl(bin, { env: { WASL_FASTSYS: '0' } })).toEqual(native);
    });
  });
}

// The vDSO's fast entries (cpu/ops/fastsys.ts: the core answers the call and takes its ret in one
// step, or falls through to the ordinary vDSO code): tests/programs/vdsofast.c reads each clock
// through the vDSO, a raw syscall and buffers on fresh pages, checks lxcore's timers against
// deadlines read from the vDSO, faults from straddling, read-only and unmapped buffers, every clock
// id, and children that replace or patch the vDSO's pages — the same output as natively, with the
// interpreter or the compiler tier (WASL_JIT), with the shortcut and without it.
for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`the vDSO's fast entries, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    it('one clock on every path and for lxcore\'s timers; faults, clock ids and a replaced vDSO as natively', () => {
      const bin = buildStatic(join(ROOT, 'tests/programs/vdsofast.c'), tc);
      const native = runNative(bin);
      expect(native.status).toBe(0);
      expect(native.stdout).toMatch(/^MONOTONIC: 30000 reads, 0 failed, 0 went back$/m);
      expect(native.stdout).toMatch(/^replace 2: 3 of 3 ran as written$/m);
      expect(runWasl(bin)).toEqual(native);
      expect(runWasl(bin, { env: { WASL_FASTSYS: '0' } })).toEqual(native);
    });
  });
}

const hasSetarch = hasCommand('setarch');
describe.skipIf(!hasSetarch || !canBuildDynamic('glibc'))('the auxiliary vector ld.so sees, against the host under setarch -R (skipped only if setarch or a dynamic glibc toolchain is missing)', () => {
  /** LD_SHOW_AUXV's lines of the last program that printed them (setarch and node print theirs first). */
  const auxv = (out: string): Array<[string, string]> => {
    const lines = out.split('\n').filter((l) => l.startsWith('AT_'));
    const last = lines.map((l) => l.startsWith('AT_SYSINFO_EHDR:')).lastIndexOf(true);
    return lines.slice(last).map((l) => { const i = l.indexOf(':'); return [l.slice(0, i), l.slice(i + 1).trim()]; });
  };
  it('the same entries in the same order (Linux 6.1 has no AT_RSEQ_*); addresses and ids equal', () => {
    const bin = buildDynamic(join(ROOT, 'examples/src/hello.c'), 'glibc');
    const env = { LD_SHOW_AUXV: '1' };
    const native = auxv(runNative('/usr/bin/setarch', { args: ['x86_64', '-R', bin], env }).stdout)
      .filter(([k]) => !k.startsWith('AT_???')); // AT_RSEQ_FEATURE_SIZE/ALIGN (6.3+): glibc 2.36 has no names for them
    const wasl = auxv(runWasl(bin, { env }).stdout);
    expect(native[0]?.[0]).toBe('AT_SYSINFO_EHDR');
    expect(wasl.map(([k]) => k)).toEqual(native.map(([k]) => k));
    // What depends on the CPU (its features, the XSAVE area's size) or on the stack's contents
    // (where the random bytes went) may differ; the rest must not.
    const differs = new Set(['AT_HWCAP', 'AT_HWCAP2', 'AT_MINSIGSTKSZ', 'AT_RANDOM']);
    const same = (v: Array<[string, string]>) => v.filter(([k]) => !differs.has(k));
    expect(same(wasl)).toEqual(same(native));
  });
});
