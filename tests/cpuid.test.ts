// CPUID leaf 1 EDX is what the loader puts in AT_HWCAP (Linux does the same): the two must not
// drift apart. Runs a real `cpuid` instruction in the core.
import { it, expect } from 'vitest';
import { Core } from '../lxcore/kernel/core.js';
import { FrameAllocator, PageTable } from '../lxcore/mm/pagetable.js';
import * as L from '../cpu/shared/layout.js';
import { EXIT_SYSCALL } from '../cpu/shared/exit.js';
import { HWCAP } from '../lxcore/kernel/exec.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './support/build.js';

it('AT_HWCAP equals CPUID.1:EDX', () => {
  const core = new Core();
  const frames = new FrameAllocator(core);
  const pt = new PageTable(frames);
  const frame = frames.allocFrame();
  pt.set(0x400000, frame | L.PTE_R | L.PTE_X);
  core.u8.set([0x0f, 0xa2, 0x0f, 0x05], frame); // cpuid; syscall
  core.ptRoot = pt.root;
  core.exports.tlbFlushAll();
  core.rip = 0x400000;
  core.setReg(0, 1);
  core.setReg(1, 0);
  expect(core.run(10)).toBe(EXIT_SYSCALL);
  expect(core.reg(2) >>> 0).toBe(HWCAP);
});

it("/proc/cpuinfo's flags are exactly the CPUID bits the core reports, in Linux's names", () => {
  const core = new Core();
  const frames = new FrameAllocator(core);
  const pt = new PageTable(frames);
  const frame = frames.allocFrame();
  pt.set(0x400000, frame | L.PTE_R | L.PTE_X);
  core.ptRoot = pt.root;
  core.exports.tlbFlushAll();
  const cpuid = (leaf: number, sub = 0): [number, number, number] => {
    core.u8.set([0x0f, 0xa2, 0xcc], frame); // cpuid; int3 (syscall would overwrite rcx)
    core.rip = 0x400000;
    core.setReg(0, leaf);
    core.setReg(1, sub);
    core.run(10);
    return [core.reg(1) >>> 0, core.reg(2) >>> 0, core.reg(0) >>> 0]; // ecx, edx, eax
  };
  // Bit → name, from arch/x86/include/asm/cpufeatures.h (the subset a baseline CPU can have).
  const EDX1: Record<number, string> = { 0: 'fpu', 4: 'tsc', 8: 'cx8', 15: 'cmov', 23: 'mmx', 24: 'fxsr', 25: 'sse', 26: 'sse2' };
  const EDX81: Record<number, string> = { 11: 'syscall', 20: 'nx', 29: 'lm' };
  const ECX1: Record<number, string> = { 0: 'pni', 9: 'ssse3', 13: 'cx16', 19: 'sse4_1', 20: 'sse4_2', 22: 'movbe', 23: 'popcnt', 26: 'xsave', 27: '' };
  // Leaf 0xD sub-leaf 1 EAX (Linux's word 10). An empty name: a bit Linux does not show (osxsave).
  const EAXD1: Record<number, string> = { 0: 'xsaveopt', 1: 'xsavec', 2: 'xgetbv1' };
  const ECX81: Record<number, string> = { 0: 'lahf_lm', 5: 'abm' };
  const names = (v: number, table: Record<number, string>) => {
    for (let b = 0; b < 32; b++) if ((v >>> b) & 1 && !(b in table)) throw new Error(`CPUID bit ${b} has no name in this test`);
    return Object.entries(table).filter(([b, n]) => (v >>> Number(b)) & 1 && n).map(([, n]) => n);
  };
  const [ecx1, edx1] = cpuid(1);
  const [ecx81, edx81] = cpuid(0x80000001);
  const [, , eaxD1] = cpuid(0xd, 1);
  const expected = [...names(edx1, EDX1), ...names(edx81, EDX81), ...names(ecx1, ECX1), ...names(ecx81, ECX81),
    ...names(eaxD1, EAXD1)].join(' ');
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/wasl.js'), '/bin/busybox', 'cat', '/proc/cpuinfo'], { encoding: 'utf8' });
  expect(/^flags\s+: (.*)$/m.exec(r.stdout)?.[1]).toBe(expected);
});
