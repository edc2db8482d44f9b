/** How `check` prints its findings: one line each, problems first, then a count. */
import type { CheckReport } from './check-template.js';
import type { Finding } from './findings.js';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function formatFinding(finding: Finding): string {
  return `${finding.severity}: ${finding.path}: ${finding.message}`;
}

/** `N problems, M warnings`. */
export function findingCounts(report: CheckReport): string {
  const { problems, warnings } = report.findings;
  return `${plural(problems.length, 'problem')}, ${plural(warnings.length, 'warning')}`;
}

/** In template order: `Stages[2]` before `Stages[10]`, a resource's findings together. */
function byPath(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

/** The whole report; `template` as the user wrote it. */
export function formatReport(report: CheckReport, template: string): string {
  const { problems, warnings } = report.findings;
  const lines = [
    `Checked ${template}: ${plural(report.pipelines.length, 'pipeline')} (${report.pipelines.join(', ')}), ${plural(report.handlersChecked, 'handler')}`,
    ...byPath(problems).map(formatFinding),
    ...byPath(warnings).map(formatFinding),
    problems.length === 0 && warnings.length === 0 ? 'No problems found.' : findingCounts(report),
  ];
  return `${lines.join('\n')}\n`;
}
