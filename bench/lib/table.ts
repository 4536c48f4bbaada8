import type { Summary } from './stats.ts';

/** One printed line: a measured figure (median of the runs) with its spread. */
export interface Row {
  suite: string;
  name: string;
  unit: string;
  summary: Summary;
  /** A ratio against a baseline measured in the same run, as text. */
  ratio?: string;
}

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** A plain text table: first column left-aligned, the others right-aligned. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The table's lines: a heading per suite, then its rows with median, range and IQR. */
export function tableLines(rows: Row[]): string[][] {
  const lines: string[][] = [];
  let lastSuite = '';
  for (const r of rows) {
    if (r.suite !== lastSuite) {
      lines.push([`[${r.suite}]`, '', '', '', '', '']);
      lastSuite = r.suite;
    }
    const d = r.unit === 'ms' ? 3 : r.unit === 'ops/s' || r.unit === 'frames/s' ? 0 : 1;
    const s = r.summary;
    lines.push([
      `  ${r.name}`,
      fmt(s.median, d),
      `${fmt(s.min, d)}–${fmt(s.max, d)}`,
      `${fmt(s.q1, d)}–${fmt(s.q3, d)}`,
      r.unit,
      r.ratio ?? '',
    ]);
  }
  return lines;
}
