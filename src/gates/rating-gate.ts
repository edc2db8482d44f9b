import * as z from 'zod/mini';
import { JobFailedError, SystemUnavailableError } from '../errors.js';
import type { Job } from '../job.js';
import { evaluateRatings, formatRating } from './evaluate-ratings.js';
import type { Gate } from './gate.js';
import { describeUrl, headersSchema, httpRequest, httpsUrlSchema } from './http.js';
import { DEFAULT_SCALE, detectRatingsFormat, parseRatings } from './ratings.js';
import './schema.js';

const MAX_RATINGS_BYTES = 10 * 1024 * 1024;

/** `UserParameters` of `ratingGate`. */
export const ratingGateParams = /* @__PURE__ */ (() =>
  z
    .strictObject({
      /** Input artifact holding `file`. @default the action's only input artifact */
      artifact: z.optional(z.string().check(z.minLength(1))),
      /** Path of the ratings file inside the input artifact. */
      file: z.optional(z.string().check(z.minLength(1))),
      /** Or: an https URL serving the ratings. */
      url: z.optional(httpsUrlSchema),
      /** Request headers for `url` (an API token, say); never logged. */
      headers: z.optional(headersSchema),
      /** @default from the file extension or content type, else sniffed */
      format: z.optional(z.enum(['json', 'csv'])),
      /** Field of JSON objects, or CSV column, holding the rating. */
      field: z._default(z.string().check(z.minLength(1)), 'rating'),
      /** Valid ratings; anything outside fails the job. */
      scale: z._default(
        z
          .strictObject({ min: z.number(), max: z.number() })
          .check(z.refine((scale) => scale.min < scale.max, { error: 'min must be below max' })),
        DEFAULT_SCALE,
      ),
      minAverage: z.number(),
      minCount: z._default(z.int().check(z.gte(1)), 1),
      maxShareBelow: z.optional(
        z.strictObject({ threshold: z.number(), maxShare: z.number().check(z.gte(0), z.lte(1)) }),
      ),
      /** Timeout of the request to `url`, in milliseconds. */
      timeoutMs: z._default(z.int().check(z.gt(0), z.lte(60_000)), 10_000),
    })
    .check(
      z.refine((params) => (params.file === undefined) !== (params.url === undefined), {
        error: 'set exactly one of "file" (a file in an input artifact) or "url"',
      }),
    ))();

export type RatingGateParams = z.output<typeof ratingGateParams>;

/**
 * Approves a release only if its ratings are good enough: the average, the count
 * and optionally the share of low ratings. Output variables: `averageRating`,
 * `ratingCount`.
 */
export const ratingGate: Gate<typeof ratingGateParams> = {
  params: ratingGateParams,
  async run(job) {
    const { params } = job;
    const { text, source, contentType } = await loadRatings(job);
    const ratings = parseRatings(text, {
      format: params.format ?? detectRatingsFormat(source, text, contentType),
      field: params.field,
      scale: params.scale,
      source,
    });
    const evaluation = evaluateRatings(ratings, params);
    job.logger.info('Ratings evaluated', {
      source,
      count: evaluation.count,
      average: evaluation.average,
      passed: evaluation.passed,
    });
    if (!evaluation.passed) return job.fail(evaluation.summary);
    return job.succeed({
      summary: evaluation.summary,
      outputVariables: {
        averageRating: formatRating(evaluation.average ?? 0),
        ratingCount: String(evaluation.count),
      },
    });
  },
};

async function loadRatings(
  job: Job<RatingGateParams>,
): Promise<{ text: string; source: string; contentType?: string }> {
  const { params } = job;
  if (params.file !== undefined) {
    const text = await job.input(params.artifact).text(params.file);
    return { text, source: params.file };
  }
  const url = params.url as string;
  const shown = describeUrl(url);
  const result = await httpRequest({
    url,
    ...(params.headers ? { headers: params.headers } : {}),
    timeoutMs: params.timeoutMs,
    maxBodyBytes: MAX_RATINGS_BYTES,
    signal: job.signal,
  });
  if (result.kind !== 'response') {
    throw new SystemUnavailableError(
      `Could not fetch the ratings from ${shown}: ${result.message}`,
    );
  }
  if (result.status < 200 || result.status > 299) {
    const message = `Could not fetch the ratings from ${shown}: it answered ${result.status}`;
    throw result.status >= 500 ? new SystemUnavailableError(message) : new JobFailedError(message);
  }
  if (result.bodyTruncated) {
    throw new JobFailedError(`The ratings at ${shown} are larger than 10 MiB`);
  }
  return {
    text: result.body,
    source: shown,
    ...(result.contentType ? { contentType: result.contentType } : {}),
  };
}
