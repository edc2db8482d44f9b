import * as z from 'zod/mini';
import { mapConcurrently } from '../map-concurrently.js';
import { evaluateResponse, expectationsShape } from './expectations.js';
import type { Gate } from './gate.js';
import { describeUrl, type HttpResult, headersSchema, httpRequest, httpUrlSchema } from './http.js';
import './schema.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** One HTTP check of `smokeTest`. */
export const smokeCheckSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    /** Shown in summaries. @default "METHOD url" */
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
    url: httpUrlSchema,
    method: z._default(z.enum(METHODS), 'GET'),
    /** Never logged or shown (they may hold tokens). */
    headers: z.optional(headersSchema),
    body: z.optional(z.string()),
    ...expectationsShape,
    /** Timeout of this request; overrides the gate's `timeoutMs`. */
    timeoutMs: z.optional(z.int().check(z.gt(0), z.lte(60_000))),
    followRedirects: z._default(z.boolean(), true),
  }))();

/** `UserParameters` of `smokeTest`. */
export const smokeTestParams = /* @__PURE__ */ (() =>
  z.strictObject({
    checks: z.array(smokeCheckSchema).check(z.minLength(1), z.maxLength(100)),
    /** Rounds in which failing checks are tried; 1 means no retry. */
    attempts: z._default(z.int().check(z.gte(1), z.lte(20)), 3),
    /** Per-request timeout, in milliseconds. */
    timeoutMs: z._default(z.int().check(z.gt(0), z.lte(60_000)), 10_000),
    /** Requests in flight at once. */
    concurrency: z._default(z.int().check(z.gte(1), z.lte(50)), 10),
  }))();

export type SmokeCheck = z.output<typeof smokeCheckSchema>;
export type SmokeTestParams = z.output<typeof smokeTestParams>;

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
