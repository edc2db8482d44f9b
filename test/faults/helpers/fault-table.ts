/**
 * The fault matrix's report: one line per fault point with how many faults were
 * tried there and what became of the jobs, a total line, then every row that broke
 * the promise or differed from what it expects.
 */
import type { CaseResult } from './run-fault-case.js';
import { VERDICTS, type Verdict } from './verdict.js';

const HEADINGS: Record<Verdict, string> = {
  'answered-once': 'answered once',
  'already-closed': 'already closed',
  'retry-signalled': 'retry signalled',
  'no-job': 'no job',
  stuck: 'stuck',
  'double-answered': 'double-answered',
  'undocumented-rejection': 'undocumented rejection',
};

export function faultTable(results: readonly CaseResult[]): string {
  const points = [...new Set(results.map((result) => result.faultCase.point))];
  const line = (label: string, rows: readonly CaseResult[]) => [
    label,
    String(rows.length),
    ...VERDICTS.map((verdict) => String(rows.filter((row) => row.verdict === verdict).length)),
  ];
  const table = [
    ['fault point', 'faults tried', ...VERDICTS.map((verdict) => HEADINGS[verdict])],
    ...points.map((point) =>
      line(
        point,
        results.filter((result) => result.faultCase.point === point),
      ),
    ),
    line('total', results),
  ];
  const widths = table[0]?.map((_, column) =>
    Math.max(...table.map((row) => row[column]?.length ?? 0)),
  );
  const render = (row: readonly string[]) =>
    `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths?.[column] ?? 0) : cell.padStart(widths?.[column] ?? 0))).join(' | ')} |`;
  const rule = `|${widths?.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  const [heading, ...body] = table;
  const lines = [render(heading ?? []), rule, ...body.slice(0, -1).map(render), rule];
  lines.push(render(body.at(-1) ?? []));

  const broken = results.filter((result) => result.problems.length > 0);
  if (broken.length > 0) {
    lines.push('', 'Rows that failed:');
    for (const result of broken) {
      const { point, kind } = result.faultCase;
      lines.push(`- ${point} / ${kind}: ${result.problems.join('; ')}`);
    }
  }
  return lines.join('\n');
}
