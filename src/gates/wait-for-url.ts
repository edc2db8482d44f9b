import * as z from 'zod/mini';
import { evaluateResponse, expectationsShape } from './expectations.js';
import type { Gate } from './gate.js';
import { describeUrl, headersSchema, httpRequest, httpUrlSchema } from './http.js';
import { pollUntil } from './poll-until.js';
import './schema.js';

/** `UserParameters` of `waitForUrl`. */
export const waitForUrlParams = /* @__PURE__ */ (() =>
  z.strictObject({
    url: httpUrlSchema,
    method: z._default(z.enum(['GET', 'HEAD']), 'GET'),
    /** Never logged (they may hold tokens). */
    headers: z.optional(headersSchema),
    ...expectationsShape,
    /** Timeout of each request, in milliseconds. */
    timeoutMs: z._default(z.int().check(z.gt(0), z.lte(60_000)), 10_000),
    /** Check every n-th round (CodePipeline re-invokes roughly every minute or so). */
    intervalRounds: z._default(z.int().check(z.gte(1), z.lte(60)), 1),
    /** Fail when the URL is still not ready this long after the first round. */
    maxMinutes: z._default(z.number().check(z.gt(0), z.lte(24 * 60)), 30),
  }))();

export type WaitForUrlParams = z.output<typeof waitForUrlParams>;

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
