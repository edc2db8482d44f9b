import * as v from 'valibot';
import { JobFailedError, SystemUnavailableError } from '../errors.js';
import type { Job } from '../job.js';
import { evaluateRatings, formatRating } from './evaluate-ratings.js';
import type { Gate } from './gate.js';
import { describeUrl, headersSchema, httpRequest, httpsUrlSchema } from './http.js';
import { DEFAULT_SCALE, detectRatingsFormat, parseRatings } from './ratings.js';
import { withGateMessages } from './schema.js';

const MAX_RATINGS_BYTES = 10 * 1024 * 1024;

const nonEmptyString = v.pipe(v.string(), v.minLength(1));

/** `UserParameters` of `ratingGate` (a valibot schema). */
export const ratingGateParams = withGateMessages(
  v.pipe(
    v.strictObject({
      /** Input artifact holding `file`. @default the action's only input artifact */
      artifact: v.optional(nonEmptyString),
      /** Path of the ratings file inside the input artifact. */
      file: v.optional(nonEmptyString),
      /** Or: an https URL serving the ratings. */
      url: v.optional(httpsUrlSchema),
      /** Request headers for `url` (an API token, say); never logged. */
      headers: v.optional(headersSchema),
      /** @default from the file extension or content type, else sniffed */
      format: v.optional(v.picklist(['json', 'csv'])),
      /** Field of JSON objects, or CSV column, holding the rating. */
      field: v.optional(nonEmptyString, 'rating'),
      /** Valid ratings; anything outside fails the job. */
      scale: v.optional(
        v.pipe(
          v.strictObject({ min: v.number(), max: v.number() }),
          v.check((scale) => scale.min < scale.max, 'min must be below max'),
        ),
        DEFAULT_SCALE,
      ),
      minAverage: v.number(),
      minCount: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
      maxShareBelow: v.optional(
        v.strictObject({
          threshold: v.number(),
          maxShare: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
        }),
      ),
      /** Timeout of the request to `url`, in milliseconds. */
      timeoutMs: v.optional(
        v.pipe(v.number(), v.integer(), v.gtValue(0), v.maxValue(60_000)),
        10_000,
      ),
    }),
    v.check(
      (params) => (params.file === undefined) !== (params.url === undefined),
      'set exactly one of "file" (a file in an input artifact) or "url"',
    ),
  ),
);

export type RatingGateParams = v.InferOutput<typeof ratingGateParams>;

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
