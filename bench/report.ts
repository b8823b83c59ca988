// The reports of `npm run bench` (issue #8): a Markdown table and a self-contained SVG chart —
// horizontal bars of each runner's ratio to native, on a log scale, one colour per runner — drawn
// from the same rows as bench/results/latest.json. No dependency.

/** One cell: the median of `runs` runs, its spread (min–max), or null with a note (n/a, failed, missing, pending). */
export interface Row { workload: string; runner: string; value: number | null; unit: string; min: number | null; max: number | null; runs: number; note?: string }
/** `load`: the host's 1-minute load average at the start and at the end of the run (others share the machine). */
export interface Report { date: string; quick: boolean; reps: number; runners: string[]; rows: Row[]; seconds: number; load?: [number, number] }

/** The load sentence of the reports, or '' when the run did not record it. */
export function loadText(rep: Report): string {
  if (!rep.load) return '';
  const [a, b] = rep.load.map((x) => x.toFixed(1));
  return ` Load average (1 min): ${a} at the start, ${b} at the end, on 2 cores shared with other engineers' work: the higher it is, the slower and noisier every runner.`;
}

const COLORS: Record<string, string> = { wasl: '#1f77b4', 'qemu-x86_64': '#ff7f0e', 'node:wasi': '#2ca02c', '@wasmer/wasi': '#9467bd' };
const EXTRA = ['#8c564b', '#e377c2', '#17becf', '#bcbd22'];
const color = (runner: string, i: number) => COLORS[runner] ?? EXTRA[i % EXTRA.length];

const higherIsBetter = (unit: string) => unit.endsWith('/s');
/** Times slower than native: > 1 slower, < 1 faster. */
export function ratio(row: Row, native: number | null): number | null {
  if (row.value === null || !native || row.value <= 0) return null;
  return higherIsBetter(row.unit) ? native / row.value : row.value / native;
}
const fmtValue = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const fmtRatio = (r: number) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Workloads that have at least one measured cell (not the '*' rows of missing runners/builds). */
function workloads(rep: Report): string[] {
  return [...new Set(rep.rows.filter((r) => r.runner !== '*' && r.workload !== '*').map((r) => r.workload))];
}
function notes(rep: Report): string[] {
  return rep.rows.filter((r) => r.note).map((r) => (r.workload === '*' ? `**${r.runner}**: ${r.note}` : r.runner === '*' ? `**${r.workload}**: ${r.note}` : `${r.workload} / ${r.runner}: ${r.note}`));
}

export function renderMarkdown(rep: Report, svgName = 'bench.svg'): string {
  const names = rep.runners.filter((n) => rep.rows.some((r) => r.runner === n && r.workload !== '*'));
  const out: string[] = [];
  out.push('# wasl benchmarks', '');
  out.push(`Measured ${rep.date}${rep.quick ? ' with `--quick` (1 run per cell, a tenth of the iterations)' : ''} by \`npm run bench\` on the project's 2-core machine (noisy: ratios matter more than absolute numbers). Each cell is the median of ${rep.reps} run(s); the spread (min–max) is in \`bench/results/latest.json\`. (×N) = times slower than native (below 1: faster). \`·\` = not applicable: the WASI runners run the one wasm32-wasi build (wasi-libc, derived from musl) and fill the (musl) rows; \`n/a\` = WASI cannot express it. Whole run: ${rep.seconds} s.${loadText(rep)}`, '');
  out.push(`![ratio to native per workload and runner](${svgName})`, '');
  out.push(`| workload | unit | ${names.join(' | ')} |`);
  out.push(`|---|---|${names.map(() => '---:').join('|')}|`);
  for (const w of workloads(rep)) {
    const cells = rep.rows.filter((r) => r.workload === w);
    const native = cells.find((c) => c.runner === 'native')?.value ?? null;
    const unit = cells.find((c) => c.unit)?.unit ?? '';
    const tds = names.map((n) => {
      const c = cells.find((x) => x.runner === n);
      if (!c) return '·';
      if (c.value === null) return c.note?.startsWith('n/a') ? 'n/a' : 'failed';
      const r = n === 'native' ? null : ratio(c, native);
      return `${fmtValue(c.value)}${r === null ? '' : ` (×${fmtRatio(r)})`}`;
    });
    out.push(`| ${w} | ${unit} | ${tds.join(' | ')} |`);
  }
  const ns = notes(rep);
  if (ns.length) out.push('', 'Notes:', '', ...ns.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}

export function renderSvg(rep: Report): string {
  const bars = rep.runners.filter((n) => n !== 'native');
  const present = bars.filter((n) => rep.rows.some((r) => r.runner === n && r.workload !== '*'));
  const groups = workloads(rep).map((w) => {
    const cells = rep.rows.filter((r) => r.workload === w);
    const native = cells.find((c) => c.runner === 'native')?.value ?? null;
    return { w, items: present.flatMap((n) => { const c = cells.find((x) => x.runner === n); return c ? [{ runner: n, cell: c, r: ratio(c, native) }] : []; }) };
  }).filter((g) => g.items.length);
  const rs = groups.flatMap((g) => g.items.map((i) => i.r).filter((r): r is number => r !== null));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(1, ...rs))));
  const hi = Math.pow(10, Math.max(1, Math.ceil(Math.log10(Math.max(1, ...rs)))));
  const W = 960, labelW = 220, x0 = labelW + 50, x1 = W - 70, barH = 10, gap = 2, groupGap = 10;
  const headerH = 92;
  const x = (r: number) => x0 + ((Math.log10(r) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (x1 - x0);
  const body: string[] = [];
  let y = headerH;
  for (const g of groups) {
    const h = g.items.length * (barH + gap) - gap;
    body.push(`<text x="${labelW}" y="${(y + h / 2 + 4).toFixed(1)}" text-anchor="end" class="l">${esc(g.w)}</text>`);
    g.items.forEach((it, k) => {
      const yy = y + k * (barH + gap);
      const col = color(it.runner, bars.indexOf(it.runner));
      if (it.r === null) {
        const what = it.cell.note?.startsWith('n/a') ? 'n/a' : 'failed';
        body.push(`<text x="${(x(1) + 4).toFixed(1)}" y="${yy + barH - 1}" class="${what === 'n/a' ? 'na' : 'fail'}">${it.runner} ${what}<title>${esc(it.cell.note ?? '')}</title></text>`);
        return;
      }
      const a = Math.min(x(1), x(it.r)), b = Math.max(x(1), x(it.r));
      const spread = it.cell.min !== null && it.cell.max !== null ? ` (runs: ${it.cell.runs}, ${fmtValue(it.cell.min)}–${fmtValue(it.cell.max)} ${it.cell.unit})` : '';
      body.push(`<rect x="${a.toFixed(1)}" y="${yy}" width="${Math.max(1, b - a).toFixed(1)}" height="${barH}" fill="${col}"><title>${esc(`${g.w} — ${it.runner}: ${fmtValue(it.cell.value!)} ${it.cell.unit}, ×${fmtRatio(it.r)} native${spread}`)}</title></rect>`);
      // the label at the bar's far end: right of a slower-than-native bar, left of a faster one
      body.push(it.r >= 1
        ? `<text x="${(b + 3).toFixed(1)}" y="${yy + barH - 1}" class="v">×${fmtRatio(it.r)}</text>`
        : `<text x="${(a - 3).toFixed(1)}" y="${yy + barH - 1}" text-anchor="end" class="v">×${fmtRatio(it.r)}</text>`);
    });
    y += h + groupGap;
  }
  const H = y + 30;
  const grid: string[] = [];
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    for (const m of [1, 2, 5]) {
      const t = d * m;
      if (t > hi * 1.0001) break;
      const xt = x(t).toFixed(1);
      grid.push(`<line x1="${xt}" y1="${headerH - 6}" x2="${xt}" y2="${H - 24}" class="${m === 1 ? 'g1' : 'g2'}"/>`);
      if (m === 1 || hi / lo <= 1000) grid.push(`<text x="${xt}" y="${H - 10}" text-anchor="middle" class="t">${t >= 1 ? t : t.toPrecision(1)}×</text>`);
    }
  }
  grid.push(`<line x1="${x(1).toFixed(1)}" y1="${headerH - 6}" x2="${x(1).toFixed(1)}" y2="${H - 24}" class="one"/>`);
  const legend: string[] = [];
  let lx = x0;
  for (const n of bars) {
    const missing = rep.rows.find((r) => r.runner === n && r.workload === '*')?.note;
    legend.push(`<rect x="${lx}" y="52" width="12" height="12" fill="${missing ? '#ccc' : color(n, bars.indexOf(n))}"/>`);
    const label = missing ? `${n} (missing)` : n;
    legend.push(`<text x="${lx + 16}" y="62" class="l">${esc(label)}${missing ? `<title>${esc(missing)}</title>` : ''}</text>`);
    lx += 30 + label.length * 7;
  }
  const sub = `${rep.date}${rep.quick ? ' · --quick (1 run per cell, a tenth of the iterations)' : ` · median of ${rep.reps} runs`} · 2-core noisy machine · bars left of 1× are faster than native`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    '<style>.l{font-size:12px;fill:#222}.v{font-size:10px;fill:#444}.t{font-size:11px;fill:#555}.na{font-size:10px;fill:#999;font-style:italic}.fail{font-size:10px;fill:#c00}.g1{stroke:#bbb;stroke-width:1}.g2{stroke:#e6e6e6;stroke-width:1}.one{stroke:#333;stroke-width:1.5}.h{font-size:16px;font-weight:bold;fill:#111}.s{font-size:11px;fill:#555}</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="10" y="22" class="h">wasl benchmarks — times slower than native (log scale)</text>`,
    `<text x="10" y="40" class="s">${esc(sub)}</text>`,
    ...legend, ...grid, ...body,
    '</svg>',
  ].join('\n') + '\n';
}
