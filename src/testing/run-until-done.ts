import { randomUUID } from 'node:crypto';
import type { JobEvent } from '../event.js';
import {
  eventOf,
  type JobRunResult,
  type LambdaHandler,
  type RunJobOptions,
  runJob,
} from './run-job.js';

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
 * with a continuation token, a new round starts with that token in its event. As on
 * CodePipeline, every round carries the same job configuration (`UserParameters`,
 * artifacts, function name, encryption key, account); only the job id and the token
 * change. Round 1 is `event`, or built from the options (mid-job with `state` /
 * `round`). Returns the final round's result plus every round.
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
  // What is not the event itself: served artifacts, the Lambda context, log echo.
  const { artifacts, remainingTimeMs, functionName, echoLogs } = options;
  const perRound = { artifacts, remainingTimeMs, functionName, echoLogs };
  let event = eventOf(options);
  for (;;) {
    const result = await runJob(handler, { ...perRound, event });
    rounds.push(result);
    if (result.status !== 'in-progress') return { ...result, rounds };
    if (rounds.length >= maxRounds) {
      throw new Error(
        `The job was still in progress after ${maxRounds} rounds (raise maxRounds if that is expected)`,
      );
    }
    event = nextRound(event, result.continuationToken ?? '');
  }
}

/** The next round of a continued job: a new job id and the token, the rest unchanged. */
function nextRound(event: JobEvent, continuationToken: string): JobEvent {
  const job = event['CodePipeline.job'];
  return {
    'CodePipeline.job': {
      ...job,
      id: randomUUID(),
      data: { ...job.data, continuationToken },
    },
  };
}
