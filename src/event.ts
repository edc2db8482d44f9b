import { z } from 'zod';
import { ConfigurationError, NotAJobEventError } from './errors.js';

/** The key CodePipeline puts its job under in a Lambda event. */
export const JOB_EVENT_KEY = 'CodePipeline.job';

const s3Location = z.object({
  bucketName: z.string().min(1),
  objectKey: z.string().min(1),
});

const artifactSchema = z.object({
  name: z.string().min(1),
  revision: z.string().nullish(),
  location: z.object({
    type: z.literal('S3'),
    s3Location,
  }),
});

const credentialsSchema = z.object({
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  sessionToken: z.string().min(1),
  expirationTime: z.number().optional(),
});

const jobDataSchema = z.object({
  actionConfiguration: z.object({
    configuration: z
      .object({
        FunctionName: z.string().min(1),
        UserParameters: z.string().optional(),
      })
      .loose(),
  }),
  inputArtifacts: z.array(artifactSchema).max(5).default([]),
  outputArtifacts: z.array(artifactSchema).max(5).default([]),
  artifactCredentials: credentialsSchema,
  continuationToken: z.string().min(1).optional(),
  encryptionKey: z.object({ id: z.string().min(1), type: z.string().min(1) }).optional(),
});

const jobSchema = z.object({
  id: z.string().min(1),
  accountId: z.string().min(1),
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
 * - Not a CodePipeline job (no `CodePipeline.job` object with an `id`): throws
 *   `NotAJobEventError`; nothing can be reported.
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
    const keys = Object.keys(event).slice(0, 5);
    throw new NotAJobEventError(
      `it has no "${JOB_EVENT_KEY}" key (keys: ${keys.length > 0 ? keys.join(', ') : 'none'})`,
    );
  }
  const id =
    raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).id : undefined;
  if (typeof id !== 'string' || id.length === 0) {
    throw new NotAJobEventError(`"${JOB_EVENT_KEY}" has no job id`);
  }
  const parsed = jobSchema.safeParse(raw);
  if (parsed.success) return { ok: true, job: parsed.data };
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${[JOB_EVENT_KEY, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
  return {
    ok: false,
    jobId: id,
    error: new ConfigurationError(`The CodePipeline job event is malformed: ${problems}`),
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
