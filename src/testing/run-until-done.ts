import { type JobRunResult, type LambdaHandler, type RunJobOptions, runJob } from './run-job.js';

export interface RunUntilDoneOptions {
  /** Rounds to run before giving up on a job that stays in progress. @default 10 */
  maxRounds?: number;
}

export interface JobRunsResult extends JobRunResult {
  /** Each round's result, the last one included. */
  readonly rounds: readonly JobRunResult[];
}

/**
 * Runs `handler` the way CodePipeline drives a continued job: while a round answers
 * with a continuation token, a new round starts with a new job id and that token in
 * its event. Returns the final round's result plus every round.
 *
 * @example
 * ```ts
 * const result = await runUntilDone(handler, { params: { url } }, { maxRounds: 5 });
 * expect(result.rounds).toHaveLength(3);
 * expect(result.status).toBe('succeeded');
 * ```
 */
export async function runUntilDone(
  handler: LambdaHandler,
  options: RunJobOptions = {},
  { maxRounds = 10 }: RunUntilDoneOptions = {},
): Promise<JobRunsResult> {
  const rounds: JobRunResult[] = [];
  let continuationToken = options.continuationToken;
  while (rounds.length < maxRounds) {
    // Round 1 may use the caller's event or job id; later rounds are new jobs, like CodePipeline's.
    const { event, jobId, ...rest } = options;
    const first = rounds.length === 0;
    const result = await runJob(handler, {
      ...rest,
      ...(first && event ? { event } : {}),
      ...(first && jobId ? { jobId } : {}),
      ...(continuationToken ? { continuationToken } : {}),
    });
    rounds.push(result);
    if (result.status !== 'in-progress') return { ...result, rounds };
    continuationToken = result.continuationToken;
  }
  throw new Error(
    `The job was still in progress after ${maxRounds} rounds (raise maxRounds if that is expected)`,
  );
}
