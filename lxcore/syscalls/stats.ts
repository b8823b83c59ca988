// `--syscall-stats`: per-syscall counts, errors and host time for every process of an instance,
// reported at exit as `strace -c -f` prints its summary (same columns, same sort, so the two can
// be read — and parsed — the same way), followed by a log2 histogram of each call's latency.
//
// What is timed is host time spent in lxcore per call: from dispatch to the handler's return. A
// call that blocks (its handler returns a promise) is timed up to where it parks; the wait is not
// lxcore's work, as `strace -c` counts system time, not the time a call sleeps (its -w does that).
// Such calls are counted as "parked" in the histogram's heading. Errors are returns in
// [-4095, -1], as strace counts them; for a call that parks, its final result decides.

/** Histogram buckets: bucket 0 is [0, 1 ns), bucket b ≥ 1 is [2^(b-1), 2^b) ns; the last is open-ended. */
const BUCKETS = 40;

interface Entry { calls: number; errors: number; parked: number; ns: number; hist: number[] }

const isError = (ret: number) => ret < 0 && ret >= -4095;

export class SyscallStats {
  private readonly byName = new Map<string, Entry>();
  /** Thread-group ids that made at least one call: the processes the report covers. */
  private readonly pids = new Set<number>();

  private entry(name: string): Entry {
    let e = this.byName.get(name);
    if (!e) this.byName.set(name, (e = { calls: 0, errors: 0, parked: 0, ns: 0, hist: new Array(BUCKETS).fill(0) }));
    return e;
  }

  /** One call, timed `ns` in lxcore; `ret` is its result, or undefined while it is parked (see result()). */
  record(name: string, pid: number, ns: number, ret: number | undefined): void {
    const e = this.entry(name);
    this.pids.add(pid);
    e.calls++;
    e.ns += ns;
    e.hist[bucketOf(ns)]++;
    if (ret === undefined) e.parked++;
    else if (isError(ret)) e.errors++;
  }

  /** The final result of a call that parked. */
  result(name: string, ret: number): void {
    if (isError(ret)) this.entry(name).errors++;
  }

  /** Calls so far, by name (for tests and the report). */
  counts(): Map<string, number> {
    return new Map([...this.byName].map(([n, e]) => [n, e.calls]));
  }

  /** The report: strace -c's table (sorted by time, then calls, then name), then the histograms. */
  report(): string {
    const rows = [...this.byName].sort(([an, a], [bn, b]) => b.ns - a.ns || b.calls - a.calls || (an < bn ? -1 : 1));
    const total = rows.reduce((s, [, e]) => ({ calls: s.calls + e.calls, errors: s.errors + e.errors, ns: s.ns + e.ns }), { calls: 0, errors: 0, ns: 0 });
    const rule = '------ ----------- ----------- --------- --------- ----------------';
    const line = (pct: number, ns: number, calls: number, errors: number, name: string) =>
      `${pct.toFixed(2).padStart(6)} ${(ns / 1e9).toFixed(6).padStart(11)} ${String(calls ? Math.floor(ns / 1e3 / calls) : 0).padStart(11)} ${String(calls).padStart(9)} ${(errors ? String(errors) : '').padStart(9)} ${name}`;
    const out = [
      `wasl --syscall-stats: ${total.calls} calls by ${this.pids.size} process(es); host time in lxcore per call`,
      '% time     seconds  usecs/call     calls    errors syscall',
      rule,
      ...rows.map(([name, e]) => line(total.ns ? (100 * e.ns) / total.ns : 0, e.ns, e.calls, e.errors, name)),
      rule,
      line(100, total.ns, total.calls, total.errors, 'total'),
      '',
      'latency histograms (host time in lxcore per call, log2 buckets):',
    ];
    for (const [name, e] of rows) {
      out.push('', `${name}: ${e.calls} calls${e.parked ? `, ${e.parked} parked (timed up to where they blocked)` : ''}`);
      const first = e.hist.findIndex((n) => n > 0);
      const last = e.hist.length - 1 - [...e.hist].reverse().findIndex((n) => n > 0);
      const peak = Math.max(...e.hist);
      for (let b = first; b <= last; b++) {
        const lo = b === 0 ? 0 : 2 ** (b - 1);
        const range = b === BUCKETS - 1 ? `[${fmtNs(lo)}, ...)` : `[${fmtNs(lo)}, ${fmtNs(2 ** b)})`;
        const bar = '@'.repeat(Math.round((40 * e.hist[b]) / peak));
        out.push(`  ${range.padEnd(20)} ${String(e.hist[b]).padStart(9)} |${bar.padEnd(40)}|`);
      }
    }
    return out.join('\n') + '\n';
  }
}

/** The bucket of a latency in ns (see BUCKETS). */
export function bucketOf(ns: number): number {
  if (!(ns >= 1)) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log2(ns)) + 1);
}

/** A bucket bound (a power of two in ns) in a readable unit: 512ns, 1.02us, 65.5us, 1.05ms, 1.07s. */
function fmtNs(ns: number): string {
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)}us`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)}ms`;
  return `${(ns / 1e9).toPrecision(3)}s`;
}
