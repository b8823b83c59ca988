// Instruction streams cannot hurt the host (issue #10): replays every case in tests/fuzz/corpus/
// (both ways: single-stepped and in one run() call), then fuzzes (tests/fuzz/insn.ts). A failing
// case is shrunk and saved to the corpus, so it becomes a regression case; the failure message
// names the file. A corpus case with "known": "<why, whose>" is reported instead of failing — for a
// bug in code someone else is changing; "note" says why a hand-picked case is kept.
//
//   WASL_FUZZ_SEED=n    the seed (default 0x1a5e in the short run, random in the long one)
//   WASL_FUZZ_ITERS=n   cases to run (default 40000; 2,000,000 when long)
//   WASL_FUZZ_LONG=1    the long run (`npm run fuzz:insn`): more cases, a 30-minute time limit
//   WASL_FUZZ_SECONDS=n the time limit in seconds (default 15; 1800 when long)
//   WASL_FUZZ_SAVE=0    do not write reproducers to the corpus
//   WASL_FUZZ_COVERAGE=1 list the opcode-table rows no case executed (always in the long run)

import { describe, test, expect } from 'vitest';
import { Fuzzer, fuzz, formatReport, loadCorpus, toJson } from './insn.js';

const LONG = process.env.WASL_FUZZ_LONG === '1';
const SEED = Number(process.env.WASL_FUZZ_SEED ?? (LONG ? Math.floor(Math.random() * 2 ** 31) : 0x1a5e));
const ITERS = Number(process.env.WASL_FUZZ_ITERS ?? (LONG ? 2_000_000 : 40_000));
const SECONDS = Number(process.env.WASL_FUZZ_SECONDS ?? (LONG ? 1800 : 15));

describe('instruction-stream fuzzing', () => {
  const corpus = loadCorpus();
  test.each(corpus.map((c) => [c.id, c] as const))('corpus %s replays cleanly', (_id, c) => {
    if (c.known) return void console.warn(`${c.id}: known problem, not yet fixed: ${c.known}`);
    const o = new Fuzzer().check(c, true); // both ways: stepped, and in one run() call
    expect(o.problems, toJson(c)).toEqual([]);
  });

  test(`random, x86-shaped and mutated real code (seed ${SEED})`, () => {
    const r = fuzz({
      seed: SEED, iters: ITERS, seconds: SECONDS,
      save: process.env.WASL_FUZZ_SAVE !== '0', coverage: LONG || process.env.WASL_FUZZ_COVERAGE === '1',
    });
    console.log(formatReport(r));
    expect(r.findings.map((f) => `${f.kind}: ${f.detail} → ${f.file}`)).toEqual([]);
    // The mix must reach past the decoder: executed code, memory faults, syscalls, full budgets.
    if (r.cases >= 2000) {
      for (const end of ['budget', 'page fault', '#UD', '#GP', 'int3']) expect(r.ends[end] ?? 0, end).toBeGreaterThan(0);
      expect(r.syscalls).toBeGreaterThan(0);
      expect(r.insns / r.cases).toBeGreaterThan(5);
    }
  }, (SECONDS + 120) * 1000);
});
