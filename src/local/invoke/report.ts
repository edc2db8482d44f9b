/** Words for rounds and outcomes, shared by the `invoke` output and the pipeline view. */
import type { JobAnswer } from '../job-api/index.js';
import type { ActionOutcome, RoundReport } from './rounds.js';

export const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line for how a round ended: the job's answer, or why there was none. */
export function describeRound(report: RoundReport): string {
  const took = formatSeconds(report.end.durationMs);
  const result: JobAnswer | undefined = report.result;
  if (result === undefined) {
    const why = report.end.kind === 'returned' ? 'returned' : report.end.kind.replace('-', ' ');
    return `no result (${why} after ${took})`;
  }
  if (result.status === 'Failed') {
    return `failed after ${took}: ${result.failureDetails.type}: ${result.failureDetails.message}`;
  }
  const summary = result.executionDetails?.summary;
  if (result.continuationToken !== undefined) {
    const percent = result.executionDetails?.percentComplete;
    return `in progress after ${took}${summary ? `: ${summary}` : ''}${percent !== undefined ? ` (${percent}%)` : ''} [continuation token, ${result.continuationToken.length} chars]`;
  }
  return `succeeded after ${took}${summary ? `: ${summary}` : ''}`;
}

export function describeVariables(variables: Readonly<Record<string, string>>): string[] {
  return Object.entries(variables).map(([key, value]) => `${key} = ${value}`);
}

/** The lines under "Result:" for an action outcome. */
export function describeOutcome(outcome: ActionOutcome): string[] {
  const rounds = `${outcome.rounds.length} round${outcome.rounds.length === 1 ? '' : 's'}`;
  if (outcome.status === 'succeeded') {
    const lines = [`Succeeded after ${rounds}`];
    if (outcome.summary) lines.push(`  summary: ${outcome.summary}`);
    const variables = describeVariables(outcome.outputVariables);
    if (variables.length > 0) {
      lines.push('  output variables:', ...variables.map((line) => `    ${line}`));
    }
    return lines;
  }
  return [`Failed after ${rounds}`, `  ${outcome.failureType}: ${outcome.message}`];
}
