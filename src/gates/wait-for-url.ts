import * as v from 'valibot';
import { evaluateResponse, expectationsEntries } from './expectations.js';
import type { Gate } from './gate.js';
import { describeUrl, headersSchema, httpRequest, httpUrlSchema } from './http.js';
import { pollUntil } from './poll-until.js';
import { withGateMessages } from './schema.js';

/** `UserParameters` of `waitForUrl` (a valibot schema). */
export const waitForUrlParams = withGateMessages(
  v.strictObject({
    url: httpUrlSchema,
    method: v.optional(v.picklist(['GET', 'HEAD']), 'GET'),
    /** Never logged (they may hold tokens). */
    headers: v.optional(headersSchema),
    ...expectationsEntries,
    /** Timeout of each request, in milliseconds. */
    timeoutMs: v.optional(
      v.pipe(v.number(), v.integer(), v.gtValue(0), v.maxValue(60_000)),
      10_000,
    ),
    /** Check every n-th round (CodePipeline re-invokes roughly every minute or so). */
    intervalRounds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(60)), 1),
    /** Fail when the URL is still not ready this long after the first round. */
    maxMinutes: v.optional(v.pipe(v.number(), v.gtValue(0), v.maxValue(24 * 60)), 30),
  }),
);

export type WaitForUrlParams = v.InferOutput<typeof waitForUrlParams>;

/**
 * Waits, across continuation rounds, until a URL answers as expected (a 2xx by
 * default): for a deployment that takes minutes to come up. Network errors and
 * timeouts count as "not yet", not as failures.
 */
export const waitForUrl: Gate<typeof waitForUrlParams> = {
  params: waitForUrlParams,
  run(job) {
    const { params } = job;
    const shown = `${params.method} ${describeUrl(params.url)}`;
    return pollUntil<WaitForUrlParams>({
      intervalRounds: params.intervalRounds,
      maxMinutes: params.maxMinutes,
      async check(_job, poll) {
        const result = await httpRequest({
          url: params.url,
          method: params.method,
          ...(params.headers ? { headers: params.headers } : {}),
          timeoutMs: params.timeoutMs,
          signal: job.signal,
        });
        const problems = evaluateResponse(result, params);
        const answered = result.kind === 'response' ? `answered ${result.status}` : result.message;
        job.logger.info('Checked URL', {
          url: describeUrl(params.url),
          attempt: poll.attempt,
          ready: problems.length === 0,
          ...(result.kind === 'response' ? { status: result.status } : { error: result.kind }),
          latencyMs: result.latencyMs,
        });
        if (problems.length === 0) {
          return {
            status: 'done',
            summary: `${shown} ${answered} in ${result.latencyMs} ms after ${poll.attempt} check${poll.attempt === 1 ? '' : 's'}`,
            outputVariables: {
              ...(result.kind === 'response' ? { status: String(result.status) } : {}),
              checks: String(poll.attempt),
            },
          };
        }
        return { status: 'pending', summary: `${shown}: ${problems.join('; ')}` };
      },
    })(job);
  },
};
