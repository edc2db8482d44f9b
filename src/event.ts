// valibot, not zod, for the event every invocation parses: its schemas are plain
// objects, so building this one at init costs next to nothing (the measurement is in
// BENCHMARKS.md, "What limits each figure", 1).
import * as v from 'valibot';
import { JOB_ID_PATTERN } from './api-limits.js';
import { ConfigurationError, NotAJobEventError } from './errors.js';

/** The key CodePipeline puts its job under in a Lambda event. */
export const JOB_EVENT_KEY = 'CodePipeline.job';

const text = () => v.pipe(v.string(), v.minLength(1));

const s3Location = v.object({
  bucketName: text(),
  objectKey: text(),
});

const artifactSchema = v.object({
  name: text(),
  revision: v.nullish(v.string()),
  location: v.object({
    type: v.literal('S3'),
    s3Location,
  }),
});

const credentialsSchema = v.object({
  accessKeyId: text(),
  secretAccessKey: text(),
  sessionToken: text(),
  expirationTime: v.optional(v.number()),
});

// An action has 0 to 5 input and output artifacts.
const artifactList = () => v.optional(v.pipe(v.array(artifactSchema), v.maxLength(5)), []);

const jobDataSchema = v.object({
  actionConfiguration: v.object({
    configuration: v.looseObject({
      FunctionName: text(),
      UserParameters: v.optional(v.string()),
    }),
  }),
  inputArtifacts: artifactList(),
  outputArtifacts: artifactList(),
  artifactCredentials: credentialsSchema,
  continuationToken: v.optional(text()),
  encryptionKey: v.optional(v.object({ id: text(), type: text() })),
});

const jobSchema = v.object({
  id: text(),
  accountId: text(),
  data: jobDataSchema,
});

/** The whole `CodePipeline.job` event, as a Standard Schema (valibot). */
export const jobEventSchema = v.object({ [JOB_EVENT_KEY]: jobSchema });

/**
 * A `CodePipeline.job` event, as CodePipeline sends it to an Invoke action: the input
 * type of `parseJobEvent`, `jobEvent()` and `runJob({ event })`. It is structural and
 * as loose as JSON: a fixture imported with `with { type: 'json' }` types an artifact's
 * `location.type` as `string`, not `'S3'`, so it passes without a cast, and the
 * handler checks the values when it parses the event.
 *
 * @example
 * ```ts
 * import event from './events/job.json' with { type: 'json' };
 * const result = await runJob(handler, { event });
 * ```
 */
export interface JobEvent {
  'CodePipeline.job': {
    id: string;
    accountId: string;
    data: {
      actionConfiguration: {
        configuration: { FunctionName: string; UserParameters?: string | undefined };
      };
      inputArtifacts?: JobEventArtifact[] | undefined;
      outputArtifacts?: JobEventArtifact[] | undefined;
      artifactCredentials: {
        accessKeyId: string;
        secretAccessKey: string;
        sessionToken: string;
        expirationTime?: number | undefined;
      };
      continuationToken?: string | undefined;
      encryptionKey?: { id: string; type: string } | undefined;
    };
  };
}

/** An input or output artifact in a `JobEvent`. */
export interface JobEventArtifact {
  name: string;
  revision?: string | null | undefined;
  location: { type: string; s3Location: { bucketName: string; objectKey: string } };
}
export type JobData = v.InferOutput<typeof jobSchema>;
export type ArtifactCredentials = v.InferOutput<typeof credentialsSchema>;
export type EncryptionKey = NonNullable<JobData['data']['encryptionKey']>;

/** Where an input or output artifact lives. */
export interface ArtifactRef {
  readonly name: string;
  readonly revision: string | undefined;
  readonly bucket: string;
  readonly key: string;
}

export function toArtifactRef(artifact: v.InferOutput<typeof artifactSchema>): ArtifactRef {
  return {
    name: artifact.name,
    revision: artifact.revision ?? undefined,
    bucket: artifact.location.s3Location.bucketName,
    key: artifact.location.s3Location.objectKey,
  };
}

export type ParsedJobEvent =
  | { readonly ok: true; readonly job: JobData }
  | { readonly ok: false; readonly jobId: string; readonly error: ConfigurationError };

/**
 * Parses a Lambda event as a CodePipeline job.
 *
 * - Not a CodePipeline job (no `CodePipeline.job` object with a job id in
 *   CodePipeline's UUID form): throws `NotAJobEventError`; nothing can be reported.
 * - A job id but malformed data: `{ ok: false, jobId, error }`, so the engine can
 *   answer that job with one `ConfigurationError` failure.
 *
 * Messages name the offending fields but never their values (the event carries
 * credentials).
 *
 * @example
 * ```ts
 * const parsed = parseJobEvent(event);
 * if (parsed.ok) console.log(parsed.job.id);
 * else console.log(parsed.jobId, parsed.error.message);
 * ```
 */
export function parseJobEvent(event: unknown): ParsedJobEvent {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new NotAJobEventError(
      `expected an object with a "${JOB_EVENT_KEY}" key, got ${describe(event)}`,
    );
  }
  const raw = (event as Record<string, unknown>)[JOB_EVENT_KEY];
  if (raw === undefined) {
    // Keys come from whoever sent the event: shorten them so the error stays readable.
    const keys = Object.keys(event)
      .slice(0, 5)
      .map((key) => JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key));
    throw new NotAJobEventError(
      `it has no "${JOB_EVENT_KEY}" key (keys: ${keys.length > 0 ? keys.join(', ') : 'none'})`,
    );
  }
  const id =
    raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).id : undefined;
  if (typeof id !== 'string' || id.length === 0) {
    throw new NotAJobEventError(`"${JOB_EVENT_KEY}" has no job id`);
  }
  // PutJob*Result only accepts a job id of this form: a result sent to any other id is
  // a ValidationException, so the job could never be answered anyway.
  if (!JOB_ID_PATTERN.test(id)) {
    const shown = id.length > 40 ? `${id.slice(0, 40)}… (${id.length} characters)` : id;
    throw new NotAJobEventError(
      `"${JOB_EVENT_KEY}".id is not a CodePipeline job id (a lower-case UUID), got ${JSON.stringify(shown)}`,
    );
  }
  const parsed = v.safeParse(jobSchema, raw);
  if (parsed.success) return { ok: true, job: parsed.output };
  const problems = parsed.issues
    .slice(0, 5)
    .map(
      (issue) =>
        `${[JOB_EVENT_KEY, ...(issue.path ?? []).map((item) => String(item.key))].join('.')}: ${describeIssue(issue)}`,
    )
    .join('; ');
  return {
    ok: false,
    jobId: id,
    error: new ConfigurationError(`The CodePipeline job event is malformed: ${problems}`),
  };
}

/**
 * What is wrong with one field, from the issue's kind and bounds. Built here rather
 * than from valibot's messages, which quote what was received: the event carries
 * credentials.
 */
function describeIssue(issue: v.BaseIssue<unknown>): string {
  if (issue.kind === 'schema' && issue.received === 'undefined') return 'is missing';
  switch (issue.type) {
    case 'min_length':
      return issue.requirement === 1
        ? 'must not be empty'
        : `must have at least ${issue.requirement}`;
    case 'max_length':
      return `must have at most ${issue.requirement}`;
    case 'literal':
      return `must be ${issue.expected}`;
    default:
      // valibot names object and array types with a capital (Object, Array).
      return issue.kind === 'schema'
        ? `expected ${issue.expected === 'Object' || issue.expected === 'Array' ? issue.expected.toLowerCase() : issue.expected}`
        : `is invalid (${issue.type})`;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'no event at all';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
