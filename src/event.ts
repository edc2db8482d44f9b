// zod/mini keeps cold start small: it tree-shakes, where full zod adds ~15 ms to every cold start.
import * as z from 'zod/mini';
import { ConfigurationError, NotAJobEventError } from './errors.js';

/** The key CodePipeline puts its job under in a Lambda event. */
export const JOB_EVENT_KEY = 'CodePipeline.job';

const text = () => z.string().check(z.minLength(1));

/** The jobId pattern of the CodePipeline API reference. */
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const s3Location = z.object({
  bucketName: text(),
  objectKey: text(),
});

const artifactSchema = z.object({
  name: text(),
  revision: z.nullish(z.string()),
  location: z.object({
    type: z.literal('S3'),
    s3Location,
  }),
});

const credentialsSchema = z.object({
  accessKeyId: text(),
  secretAccessKey: text(),
  sessionToken: text(),
  expirationTime: z.optional(z.number()),
});

// An action has 0 to 5 input and output artifacts.
const artifactList = () => z._default(z.array(artifactSchema).check(z.maxLength(5)), []);

const jobDataSchema = z.object({
  actionConfiguration: z.object({
    configuration: z.looseObject({
      FunctionName: text(),
      UserParameters: z.optional(z.string()),
    }),
  }),
  inputArtifacts: artifactList(),
  outputArtifacts: artifactList(),
  artifactCredentials: credentialsSchema,
  continuationToken: z.optional(text()),
  encryptionKey: z.optional(z.object({ id: text(), type: text() })),
});

const jobSchema = z.object({
  id: text(),
  accountId: text(),
  data: jobDataSchema,
});

/** The whole `CodePipeline.job` event, as a Standard Schema (zod). */
export const jobEventSchema = z.object({ [JOB_EVENT_KEY]: jobSchema });

export type JobEvent = z.input<typeof jobEventSchema>;
export type JobData = z.output<typeof jobSchema>;
export type ArtifactCredentials = z.output<typeof credentialsSchema>;
export type EncryptionKey = NonNullable<JobData['data']['encryptionKey']>;

/** Where an input or output artifact lives. */
export interface ArtifactRef {
  readonly name: string;
  readonly revision: string | undefined;
  readonly bucket: string;
  readonly key: string;
}

export function toArtifactRef(artifact: z.output<typeof artifactSchema>): ArtifactRef {
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
  if (!JOB_ID.test(id)) {
    const shown = id.length > 40 ? `${id.slice(0, 40)}… (${id.length} characters)` : id;
    throw new NotAJobEventError(
      `"${JOB_EVENT_KEY}".id is not a CodePipeline job id (a lower-case UUID), got ${JSON.stringify(shown)}`,
    );
  }
  const parsed = jobSchema.safeParse(raw);
  if (parsed.success) return { ok: true, job: parsed.data };
  const problems = parsed.error.issues
    .slice(0, 5)
    .map(
      (issue) => `${[JOB_EVENT_KEY, ...issue.path.map(String)].join('.')}: ${describeIssue(issue)}`,
    )
    .join('; ');
  return {
    ok: false,
    jobId: id,
    error: new ConfigurationError(`The CodePipeline job event is malformed: ${problems}`),
  };
}

/**
 * What is wrong with one field, from the issue's code and bounds. Built here rather
 * than from zod's messages (zod/mini ships none), and never from the input: the
 * event carries credentials.
 */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) === 1
        ? 'must not be empty'
        : `must have at least ${issue.minimum}`;
    case 'too_big':
      return `must have at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    default:
      return `is invalid (${issue.code})`;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'no event at all';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
