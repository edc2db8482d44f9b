/**
 * Small statistics and table helpers shared by the benchmarks. Medians, not means:
 * a benchmark run on a shared machine has outliers (GC, a scheduler hiccup) that
 * would drag a mean around, and the issue asks for the median of several runs.
 */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Linear-interpolated percentile (p in 0..100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? Number.NaN;
  const highValue = sorted[high] ?? Number.NaN;
  return lowValue + (highValue - lowValue) * (rank - low);
}

export type Verdict = 'PASS' | 'MISS' | 'FAIL' | 'info';

/** One row of a result table. `ratio` is ours / baseline unless the row says otherwise. */
export interface Row {
  readonly metric: string;
  readonly ours: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly result: Verdict;
}

/** `at most` targets: PASS when value <= limit. */
export function atMost(value: number, limit: number): Verdict {
  return Number.isFinite(value) && value <= limit ? 'PASS' : 'MISS';
}

/** `at least` targets: PASS when value >= limit. */
export function atLeast(value: number, limit: number): Verdict {
  return Number.isFinite(value) && value >= limit ? 'PASS' : 'MISS';
}

export function formatMs(ms: number, digits = 2): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return `${ms.toFixed(digits)} ms`;
}

export function formatRatio(ratio: number, digits = 2): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  return `${ratio.toFixed(digits)}x`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** A Markdown pipe table: readable in a terminal and pasted as is into BENCHMARKS.md. */
export function renderTable(title: string, rows: readonly Row[], notes: readonly string[] = []) {
  const header = ['metric', 'ours', 'baseline', 'ratio', 'target', 'result'];
  const cells = rows.map((row) => [
    row.metric,
    row.ours,
    row.baseline,
    row.ratio,
    row.target,
    row.result,
  ]);
  const widths = header.map((name, column) =>
    Math.max(name.length, ...cells.map((line) => (line[column] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    `| ${values.map((value, column) => value.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [
    `### ${title}`,
    '',
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...cells.map(line),
    ...(notes.length > 0 ? ['', ...notes.map((note) => `- ${note}`)] : []),
    '',
  ].join('\n');
}
