import * as v from 'valibot';
import { mapConcurrently } from '../map-concurrently.js';
import { evaluateResponse, expectationsEntries } from './expectations.js';
import type { Gate } from './gate.js';
import { describeUrl, type HttpResult, headersSchema, httpRequest, httpUrlSchema } from './http.js';
import { withGateMessages } from './schema.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const timeoutMs = v.pipe(v.number(), v.integer(), v.gtValue(0), v.maxValue(60_000));

/** One HTTP check of `smokeTest` (a valibot schema). */
export const smokeCheckSchema = withGateMessages(
  v.strictObject({
    /** Shown in summaries. @default "METHOD url" */
    name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(100))),
    url: httpUrlSchema,
    method: v.optional(v.picklist(METHODS), 'GET'),
    /** Never logged or shown (they may hold tokens). */
    headers: v.optional(headersSchema),
    body: v.optional(v.string()),
    ...expectationsEntries,
    /** Timeout of this request; overrides the gate's `timeoutMs`. */
    timeoutMs: v.optional(timeoutMs),
    followRedirects: v.optional(v.boolean(), true),
  }),
);

/** `UserParameters` of `smokeTest` (a valibot schema). */
export const smokeTestParams = withGateMessages(
  v.strictObject({
    checks: v.pipe(v.array(smokeCheckSchema), v.minLength(1), v.maxLength(100)),
    /** Rounds in which failing checks are tried; 1 means no retry. */
    attempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)), 3),
    /** Per-request timeout, in milliseconds. */
    timeoutMs: v.optional(timeoutMs, 10_000),
    /** Requests in flight at once. */
    concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50)), 10),
  }),
);

export type SmokeCheck = v.InferOutput<typeof smokeCheckSchema>;
export type SmokeTestParams = v.InferOutput<typeof smokeTestParams>;

/** Carried between rounds: the attempt that wrote it and the indexes of checks that passed. */
export interface SmokeTestState {
  readonly attempt: number;
  readonly passed: number[];
}

/** The outcome of one check in one round. */
export interface SmokeCheckResult {
  readonly index: number;
  readonly label: string;
  readonly result: HttpResult;
  /** Empty when the check passed. */
  readonly problems: string[];
}

/**
 * HTTP checks against a deployed environment, run concurrently with per-request
 * timeouts. Failing checks are retried in later rounds (`job.inProgress`) while
 * attempts remain, instead of sleeping inside Lambda; a check passes once it has
 * passed in any round. Output variables: `passedChecks`, `failedChecks`.
 */
export const smokeTest: Gate<typeof smokeTestParams, SmokeTestState> = {
  params: smokeTestParams,
  async run(job) {
    const { checks, attempts } = job.params;
    const previous = job.state() ?? { attempt: 0, passed: [] };
    const attempt = previous.attempt + 1;
    const alreadyPassed = new Set(previous.passed);
    const due = checks.flatMap((check, index) =>
      alreadyPassed.has(index) ? [] : [{ check, index }],
    );
    const results = await runSmokeChecks(due, job.params, job.signal);
    for (const outcome of results) {
      job.logger.info('Smoke check', {
        check: outcome.label,
        attempt,
        passed: outcome.problems.length === 0,
        ...(outcome.result.kind === 'response'
          ? { status: outcome.result.status }
          : { error: outcome.result.kind }),
        latencyMs: outcome.result.latencyMs,
      });
    }
    const failed = results.filter((outcome) => outcome.problems.length > 0);
    const passed = [
      ...alreadyPassed,
      ...results.filter((outcome) => outcome.problems.length === 0).map((outcome) => outcome.index),
    ].sort((a, b) => a - b);

    if (failed.length === 0) {
      return job.succeed({
        summary: `All ${checks.length} smoke check${checks.length === 1 ? '' : 's'} passed${attempt > 1 ? ` (by attempt ${attempt} of ${attempts})` : ''}`,
        outputVariables: { passedChecks: String(checks.length), failedChecks: '0' },
      });
    }
    const listing = failed.map(describeFailure).join('; ');
    const counts = `${failed.length} of ${checks.length} smoke check${checks.length === 1 ? '' : 's'} failed`;
    if (attempt < attempts) {
      return job.inProgress(
        { attempt, passed },
        {
          summary: `${counts} on attempt ${attempt} of ${attempts}, retrying in the next round: ${listing}`,
          percentComplete: (passed.length / checks.length) * 100,
        },
      );
    }
    return job.fail(`${counts} after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${listing}`);
  },
};

/** Runs `due` checks, at most `concurrency` at a time, each bounded by its timeout and `signal`. */
export async function runSmokeChecks(
  due: readonly { check: SmokeCheck; index: number }[],
  options: { timeoutMs: number; concurrency: number },
  signal?: AbortSignal,
): Promise<SmokeCheckResult[]> {
  return mapConcurrently(due, options.concurrency, async ({ check, index }) => {
    const result = await httpRequest({
      url: check.url,
      method: check.method,
      ...(check.headers ? { headers: check.headers } : {}),
      ...(check.body !== undefined ? { body: check.body } : {}),
      timeoutMs: check.timeoutMs ?? options.timeoutMs,
      followRedirects: check.followRedirects,
      ...(signal ? { signal } : {}),
    });
    return {
      index,
      label: check.name ?? `${check.method} ${describeUrl(check.url)}`,
      result,
      problems: evaluateResponse(result, check),
    };
  });
}

/** `GET https://x/health: status 503, expected 2xx (status 503, 12 ms)` */
function describeFailure(outcome: SmokeCheckResult): string {
  const { result } = outcome;
  const facts =
    result.kind === 'response'
      ? `got ${result.status} in ${result.latencyMs} ms`
      : `no response after ${result.latencyMs} ms`;
  return `${outcome.label}: ${outcome.problems.join(', ')} (${facts})`;
}
