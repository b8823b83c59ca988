// The wasl x86-64 core: the exports lxcore calls (DESIGN.md §1). run(budget) executes guest
// instructions of the thread whose state is at STATE until it meets something lxcore must
// handle, or the budget ends; the reason is returned and also left in the state block.

import { STATE, RIP, EXIT_REASON, INSN_COUNT } from './shared/layout';
import { EXIT_BUDGET } from './shared/exit';
import { step, decode, d_len, dcacheInit } from './decode/decoder';
import { tryRun, runsInit } from './decode/runs';
import { exiting, exitCompletes, clearExit } from './state';
import { tlbFlushAll, tlbFlushPage } from './mmu/tlb';
import { materializeFlags } from './ops/flags';
import { jitEnabled, jitWarm, runJit } from './jit/blocks';

export { tlbFlushAll, tlbFlushPage };
export { ptNext } from './mmu/ptscan';
export { jitSyscall } from './ops/system';
export { jitSetup, jitFlush, jitDecode, jitCond, jitGetCF, jitShift, jitTlb, jitStale, jitProfile } from './jit/blocks';

/** RFLAGS with every lazily-owed flag computed (signal frames, tests): read flags only so. */
export function rflags(): u64 { return materializeFlags(); }

/** Runs up to `budget` instructions; returns an EXIT_* code (cpu/shared/exit.ts). */
export function run(budget: i32): i32 {
  if (jitEnabled() && jitWarm()) return runJit(budget);
  clearExit();
  let i = 0;
  while (i < budget) {
    // A cached run of fast forms, validated once (decode/runs.ts); else one instruction.
    const k = tryRun(load<u64>(STATE + RIP), budget - i);
    if (k >= 0) {
      i += k;
      if (exiting) break;
      continue;
    }
    step();
    if (exiting) break;
    i++;
  }
  // INSN_COUNT is kept here, once per run, rather than per instruction: a trap (syscall) has
  // retired its instruction, a fault has not.
  const retired = i + (exiting && exitCompletes ? 1 : 0);
  store<u64>(STATE + INSN_COUNT, load<u64>(STATE + INSN_COUNT) + <u64>retired);
  return exiting ? load<i32>(STATE + EXIT_REASON) : EXIT_BUDGET;
}

/**
 * Decodes the instruction at rip without executing it (decoder tests, disassembly in traces):
 * returns length << 16 | opcode index (map << 8 | byte), or -1 if it faulted while fetching.
 */
export function decodeOne(): i32 {
  clearExit();
  const op = decode();
  if (op < 0) return -1;
  return (d_len << 16) | op;
}

// Start-up (exported as _start by asconfig's exportStart; lxcore calls it once the memory is
// attached): an empty TLB holds -1 tags, never 0, because page 0 is a valid vpn; likewise the
// decoded-instruction cache and the runs.
tlbFlushAll();
dcacheInit();
runsInit();
