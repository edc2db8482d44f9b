/**
 * What became of one job under a fault, judged only from what CodePipeline's endpoint
 * saw and how the handler's promise settled: the framework's promise is one honest
 * answer per job, or, when no answer could be delivered at all, a rejection so that
 * Lambda retries.
 */
import type { JobApiRequest } from '../../helpers/job-api.js';

export type Verdict =
  /** Exactly one answer was taken, and the handler resolved. */
  | 'answered-once'
  /** The job was closed before this invocation; it sent nothing that was taken, and resolved. */
  | 'already-closed'
  /** Nothing got through and the handler rejected with ReportNotDeliveredError: Lambda retries. */
  | 'retry-signalled'
  /** The event has no job id: nothing can be answered; the handler rejected with NotAJobEventError. */
  | 'no-job'
  /** No answer, and the handler resolved (or never settled): the pipeline waits 20 minutes. */
  | 'stuck'
  /** More than one answer was taken, or one was sent after the client heard its answer was taken. */
  | 'double-answered'
  /** The handler rejected in a way the framework does not document (or after answering). */
  | 'undocumented-rejection';

export const VERDICTS: readonly Verdict[] = [
  'answered-once',
  'already-closed',
  'retry-signalled',
  'no-job',
  'stuck',
  'double-answered',
  'undocumented-rejection',
];

/** Verdicts the promise forbids: any of these fails the run. */
export const BROKEN_PROMISES: ReadonlySet<Verdict> = new Set([
  'stuck',
  'double-answered',
  'undocumented-rejection',
]);

export type Settlement =
  | { readonly state: 'resolved'; readonly value: unknown }
  | { readonly state: 'rejected'; readonly error: unknown }
  | { readonly state: 'pending' };

export interface Observation {
  readonly settlement: Settlement;
  /** The PutJob*Result requests for the job, in arrival order. */
  readonly answers: readonly JobApiRequest[];
  /** The job had its answer before this invocation started. */
  readonly closedBefore: boolean;
}

export function verdictOf({ settlement, answers, closedBefore }: Observation): Verdict {
  const taken = answers.filter((answer) => answer.accepted).length + (closedBefore ? 1 : 0);
  const firstHeard = answers.findIndex((answer) => answer.acknowledged);
  const sentAfterHeard = firstHeard >= 0 && firstHeard < answers.length - 1;
  if (taken > 1 || sentAfterHeard) return 'double-answered';
  if (settlement.state === 'pending') return 'stuck';
  const newlyTaken = taken - (closedBefore ? 1 : 0);
  if (settlement.state === 'rejected') {
    const name = (settlement.error as { name?: unknown } | undefined)?.name;
    if (newlyTaken > 0) return 'undocumented-rejection';
    if (name === 'NotAJobEventError' && answers.length === 0) return 'no-job';
    if (name === 'ReportNotDeliveredError') return 'retry-signalled';
    return 'undocumented-rejection';
  }
  if (newlyTaken === 1) return 'answered-once';
  if (closedBefore) return 'already-closed';
  return 'stuck';
}

/** Waits for `promise` at most `ms`; a promise still pending then is reported as such. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<Settlement> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<Settlement>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'pending' }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): Settlement => ({ state: 'resolved', value }),
        (error: unknown): Settlement => ({ state: 'rejected', error }),
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
