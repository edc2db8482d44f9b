import { z } from 'zod';
import { evaluateResponse, expectationsShape } from './expectations.js';
import type { Gate } from './gate.js';
import { describeUrl, headersSchema, httpRequest, httpUrlSchema } from './http.js';
import { pollUntil } from './poll-until.js';

/** `UserParameters` of `waitForUrl`. */
export const waitForUrlParams = z.strictObject({
  url: httpUrlSchema,
  method: z.enum(['GET', 'HEAD']).default('GET'),
  /** Never logged (they may hold tokens). */
  headers: headersSchema.optional(),
  ...expectationsShape,
  /** Timeout of each request, in milliseconds. */
  timeoutMs: z.int().positive().max(60_000).default(10_000),
  /** Check every n-th round (CodePipeline re-invokes roughly every minute or so). */
  intervalRounds: z.int().min(1).max(60).default(1),
  /** Fail when the URL is still not ready this long after the first round. */
  maxMinutes: z
    .number()
    .positive()
    .max(24 * 60)
    .default(30),
});

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
