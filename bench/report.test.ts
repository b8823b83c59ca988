// The benchmark harness's own arithmetic and reporting (issue #8), not its timings: the ratio to
// native for lower-is-better and higher-is-better units, the table's cells for measured, n/a,
// failed and missing runners, and the chart drawn from the same rows.

import { describe, it, expect } from 'vitest';
import { ratio, renderMarkdown, renderSvg, renderReadmeTable, spliceReadme, loadText, README_BEGIN, README_END, Report, Row } from './report.js';

const row = (workload: string, runner: string, value: number | null, unit = 'ns/op', note?: string): Row =>
  ({ workload, runner, value, unit, min: value, max: value, runs: value === null ? 0 : 3, note });

const report: Report = {
  date: '2026-11-21', quick: false, reps: 3, seconds: 1,
  runners: ['native', 'wasl', 'qemu-x86_64', 'node:wasi'],
  rows: [
    row('null (musl)', 'native', 100), row('null (musl)', 'wasl', 250), row('null (musl)', 'qemu-x86_64', 50),
    row('null (musl)', 'node:wasi', null, 'ns/op', 'n/a: no getppid in WASI'),
    row('sha256 [MiB/s]', 'native', 200, 'MiB/s'), row('sha256 [MiB/s]', 'wasl', 2, 'MiB/s'),
    row('sha256 [MiB/s]', 'qemu-x86_64', null, 'MiB/s', 'failed: exit 1'),
    { workload: '*', runner: 'node:wasi', value: null, unit: '', min: null, max: null, runs: 0, note: 'missing: clang not installed' },
  ],
};

describe('bench report', () => {
  it('ratio: times slower than native, whichever way the unit points', () => {
    expect(ratio(row('x', 'wasl', 250), 100)).toBe(2.5);              // ns/op: more is slower
    expect(ratio(row('x', 'qemu', 50), 100)).toBe(0.5);               // faster than native
    expect(ratio(row('x', 'wasl', 2, 'MiB/s'), 200)).toBe(100);       // MiB/s: less is slower
    expect(ratio(row('x', 'wasl', null), 100)).toBeNull();            // nothing measured
    expect(ratio(row('x', 'wasl', 5), null)).toBeNull();              // no native figure
    expect(ratio(row('x', 'wasl', 0), 100)).toBeNull();               // a zero is not a ratio
  });

  it('the table shows values with ratios, n/a, failed, and the notes of missing runners', () => {
    const md = renderMarkdown(report);
    const line = (w: string) => md.split('\n').find((l) => l.startsWith(`| ${w} |`))!;
    expect(line('null (musl)')).toBe('| null (musl) | ns/op | 100 | 250 (×2.50) | 50.0 (×0.50) | n/a |');
    expect(line('sha256 [MiB/s]')).toBe('| sha256 [MiB/s] | MiB/s | 200 | 2.00 (×100) | failed | · |');
    expect(md).toContain('- **node:wasi**: missing: clang not installed');
    expect(md).toContain('- null (musl) / node:wasi: n/a: no getppid in WASI');
  });

  it('the chart has one bar per measured cell of a non-native runner', () => {
    const svg = renderSvg(report);
    expect(svg.startsWith('<svg')).toBe(true);
    // A bar is a <rect> with its own <title>; the legend's swatches have none. Measured
    // non-native cells: wasl and qemu on null, wasl on sha256; qemu's sha256 failed.
    const bars = svg.match(/<rect [^>]*><title>[^<]*<\/title><\/rect>/g) ?? [];
    expect(bars).toHaveLength(3);
    expect(bars.some((b) => b.includes('sha256 [MiB/s] — wasl: 2.00 MiB/s, ×100 native'))).toBe(true);
  });

  it("the host's load average, when the run recorded it, is said next to the figures", () => {
    expect(loadText(report)).toBe('');
    const md = renderMarkdown({ ...report, load: [21.78, 19.5] });
    expect(md).toContain('Load average (1 min): 21.8 at the start, 19.5 at the end');
    expect(renderMarkdown(report)).not.toContain('Load average');
  });

  it("README's table: the musl and whole-program rows, spliced between the markers and nowhere else", () => {
    const rep: Report = { ...report, runners: ['native', 'wasl', 'wasl --no-jit'], rows: [
      row('null (musl)', 'native', 100), row('null (musl)', 'wasl', 150), row('null (musl)', 'wasl --no-jit', 300),
      row('null (glibc)', 'native', 100), row('null (glibc)', 'wasl', 150),
      row('startup hello', 'native', 1, 'ms'), row('startup hello', 'wasl', 80, 'ms'),
      row('startup hello beyond node -e 0', 'wasl', 14, 'ms'),
    ] };
    const table = renderReadmeTable(rep);
    expect(table).toContain('| workload | unit | native | wasl | wasl --no-jit |');
    expect(table).toContain('| null (musl) | ns/op | 100 | 150 (×1.50) | 300 (×3.00) |');
    expect(table).toContain('| startup hello beyond node -e 0 | ms | · | 14.0 | · |');
    expect(table).not.toContain('glibc)');
    const readme = `# x\n\ntext before\n${README_BEGIN}\nold table\n${README_END}\ntext after\n`;
    const out = spliceReadme(readme, table);
    expect(out).toBe(`# x\n\ntext before\n${README_BEGIN}\n${table}${README_END}\ntext after\n`);
    expect(spliceReadme(out, table)).toBe(out); // regenerating is stable
    expect(() => spliceReadme('# no markers\n', table)).toThrow(/markers/);
  });

  it('a derived row without a native cell draws no bar (and no "failed")', () => {
    const svg = renderSvg({ ...report, rows: [...report.rows, row('startup hello beyond node -e 0', 'wasl', 14, 'ms')] });
    expect(svg).not.toContain('beyond node -e 0');
  });
});
