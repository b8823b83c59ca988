// CPUID leaf 1 EDX is what the loader puts in AT_HWCAP (Linux does the same): the two must not
// drift apart. Runs a real `cpuid` instruction in the core.
import { it, expect } from 'vitest';
import { Core } from '../lxcore/kernel/core.js';
import { FrameAllocator, PageTable } from '../lxcore/mm/pagetable.js';
import * as L from '../cpu/shared/layout.js';
import { EXIT_SYSCALL } from '../cpu/shared/exit.js';
import { HWCAP } from '../lxcore/kernel/exec.js';

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
