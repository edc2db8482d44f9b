import type { FailureType } from '../errors.js';
import type { Job } from '../job.js';
import type { Outcome } from '../outcome.js';

/** What one look at the external thing found. */
export type PollResult<CheckState = unknown> =
  | { status: 'done'; summary?: string; outputVariables?: Record<string, string> }
  | { status: 'pending'; progress?: number; summary?: string; state?: CheckState }
  | { status: 'failed'; message: string; failureType?: FailureType };

/** What `check` knows besides the job: how many looks came before, and its own state. */
export interface PollContext<CheckState> {
  /** 1 on the first check. */
  readonly attempt: number;
  /** The latest `state` a pending result carried, if any. */
  readonly state: CheckState | undefined;
}

export interface PollUntilOptions<Params, CheckState> {
  /** Looks once; never sleeps or loops: waiting happens between rounds. */
  check(
    job: Job<Params, unknown>,
    poll: PollContext<CheckState>,
  ): PollResult<CheckState> | Promise<PollResult<CheckState>>;
  /** Check every n-th round only; the rounds between report the last progress. @default 1 */
  intervalRounds?: number;
  /** Fail once this long has passed since the job's first round (`job.startedAt`). */
  maxMinutes: number;
}

/** What pollUntil keeps in the continuation token (short keys: the token holds 2048 characters). */
export interface PollState<CheckState = unknown> {
  /** Checks made so far. */
  readonly n: number;
  /** Last progress, 0..100. */
  readonly p?: number;
  /** Last pending summary. */
  readonly m?: string;
  /** The check's own state. */
  readonly s?: CheckState;
}

const MAX_SUMMARY_IN_STATE = 300;

/**
 * Turns a one-shot `check` into a gate that waits: each round checks once and either
 * finishes (done, failed) or returns `job.inProgress`, so CodePipeline invokes the
 * function again later instead of the function sleeping (and paying) inside Lambda.
 * After `maxMinutes` since the first round, a pending check fails the job.
 */
export function pollUntil<Params = unknown, CheckState = unknown>(
  options: PollUntilOptions<Params, CheckState>,
): (job: Job<Params, unknown>) => Promise<Outcome> {
  const intervalRounds = options.intervalRounds ?? 1;
  if (typeof options.check !== 'function') {
    throw new TypeError('codepipeline-handler: pollUntil needs a check(job) function');
  }
  if (!Number.isInteger(intervalRounds) || intervalRounds < 1) {
    throw new TypeError('codepipeline-handler: pollUntil intervalRounds must be an integer ≥ 1');
  }
  if (!Number.isFinite(options.maxMinutes) || options.maxMinutes <= 0) {
    throw new TypeError('codepipeline-handler: pollUntil maxMinutes must be a positive number');
  }
  const maxMs = options.maxMinutes * 60_000;

  return async function pollOnce(job) {
    const previous = job.state<PollState<CheckState>>() ?? { n: 0 };
    const elapsedMs = Date.now() - job.startedAt.getTime();
    const overdue = elapsedMs >= maxMs;
    // Between checks, report the last progress again. Once overdue, look one last time.
    if (!overdue && previous.n > 0 && (job.round - 1) % intervalRounds !== 0) {
      return job.inProgress(previous, progressDetails(previous));
    }
    const attempt = previous.n + 1;
    const result = await options.check(job, { attempt, state: previous.s });
    const elapsed = formatMinutes(elapsedMs);
    if (result.status === 'done') {
      return job.succeed({
        summary:
          result.summary ?? `Done after ${attempt} check${attempt === 1 ? '' : 's'} in ${elapsed}`,
        ...(result.outputVariables ? { outputVariables: result.outputVariables } : {}),
      });
    }
    if (result.status === 'failed') {
      return job.fail(result.message, { failureType: result.failureType ?? 'JobFailed' });
    }
    const status = result.summary ?? 'Still waiting';
    if (overdue) {
      return job.fail(
        `Gave up after ${elapsed} (maxMinutes ${options.maxMinutes}) and ${attempt} check${attempt === 1 ? '' : 's'}; last status: ${status}`,
      );
    }
    const next: PollState<CheckState> = {
      n: attempt,
      ...(result.progress !== undefined ? { p: result.progress } : {}),
      m: `${status.slice(0, MAX_SUMMARY_IN_STATE)} (check ${attempt}, ${elapsed} of ${options.maxMinutes} min)`,
      // A pending result without state keeps the previous one (a deployment id found in round 1).
      ...((result.state ?? previous.s) !== undefined ? { s: result.state ?? previous.s } : {}),
    };
    return job.inProgress(next, progressDetails(next));
  };
}

function progressDetails(state: PollState): { summary?: string; percentComplete?: number } {
  return {
    ...(state.m !== undefined ? { summary: state.m } : {}),
    ...(state.p !== undefined ? { percentComplete: Math.min(100, Math.max(0, state.p)) } : {}),
  };
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return minutes < 1 ? `${Math.round(ms / 1000)} s` : `${Math.round(minutes * 10) / 10} min`;
}
