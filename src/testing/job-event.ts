import { randomBytes } from 'node:crypto';
import type { JobEvent } from '../event.js';
import { buildJobEvent, DEFAULT_ACCOUNT_ID } from '../job-event-builder.js';
import { fakeArtifactCredentials } from './fake-credentials.js';

/** Files of one in-memory artifact: path in the zip → content. */
export type ArtifactFiles = Record<string, string | Buffer | Uint8Array>;

export interface JobEventOptions {
  /** @default a fresh UUID, as CodePipeline uses */
  jobId?: string;
  /** @default '123456789012' (DEFAULT_ACCOUNT_ID) */
  accountId?: string;
  /** @default 'my-gate' */
  functionName?: string;
  /** `UserParameters`: an object is JSON-encoded, a string passes as is, undefined leaves it out. */
  params?: unknown;
  /** Input artifacts by name, with their files (the files are served by `runJob`). */
  artifacts?: Record<string, ArtifactFiles>;
  /** Input artifact names without content (for handlers that only look at the refs). */
  inputArtifacts?: string[];
  /** Names of output artifacts the action declares. */
  outputArtifacts?: string[];
  continuationToken?: string;
  /** A KMS key id (or ARN) for the artifact store, as `{ id, type: 'KMS' }`. */
  encryptionKey?: string;
  /** The artifact store bucket. @default 'codepipeline-us-east-1-123456789012' */
  bucket?: string;
  /** @default 'demo-pipeline' */
  pipelineName?: string;
}

/** Where an artifact of the event lives in the artifact store. */
export interface ArtifactLocation {
  readonly name: string;
  readonly bucket: string;
  readonly key: string;
}

/**
 * A `CodePipeline.job` event as CodePipeline sends it to an Invoke action: a fresh
 * job id, the artifact store locations, temporary artifact credentials, and the
 * optional continuation token and encryption key.
 *
 * @example
 * ```ts
 * const event = jobEvent({ params: { minRating: 4 }, inputArtifacts: ['BuildOutput'] });
 * await handler(event, lambdaContext());
 * ```
 */
export function jobEvent(options: JobEventOptions = {}): JobEvent {
  const bucket = options.bucket ?? `codepipeline-us-east-1-${DEFAULT_ACCOUNT_ID}`;
  const pipeline = options.pipelineName ?? 'demo-pipeline';
  const inputNames = [...Object.keys(options.artifacts ?? {}), ...(options.inputArtifacts ?? [])];
  // CodePipeline keys look like <pipeline, truncated>/<artifact, truncated>/<7 random chars>.
  const artifact = (name: string, revision: string | null) => ({
    name,
    revision,
    bucket,
    key: `${pipeline.slice(0, 20)}/${name.slice(0, 20)}/${randomKey()}`,
  });
  return buildJobEvent({
    jobId: options.jobId,
    accountId: options.accountId,
    functionName: options.functionName ?? 'my-gate',
    userParameters:
      options.params === undefined || typeof options.params === 'string'
        ? options.params
        : JSON.stringify(options.params),
    inputArtifacts: inputNames.map((name) => artifact(name, randomBytes(20).toString('hex'))),
    outputArtifacts: (options.outputArtifacts ?? []).map((name) => artifact(name, null)),
    artifactCredentials: { ...fakeArtifactCredentials(), expirationTime: Date.now() + 3600_000 },
    continuationToken: options.continuationToken || undefined,
    encryptionKeyId: options.encryptionKey || undefined,
  });
}

/**
 * The S3 locations of an event's input and output artifacts. Entries without an S3
 * location are left out: a malformed event still runs, and the engine answers it.
 */
export function artifactLocations(event: JobEvent): {
  inputs: ArtifactLocation[];
  outputs: ArtifactLocation[];
} {
  const data: { inputArtifacts?: unknown; outputArtifacts?: unknown } | undefined =
    event['CodePipeline.job']?.data;
  return {
    inputs: locationsOf(data?.inputArtifacts),
    outputs: locationsOf(data?.outputArtifacts),
  };
}

function locationsOf(artifacts: unknown): ArtifactLocation[] {
  if (!Array.isArray(artifacts)) return [];
  return artifacts.flatMap((artifact: unknown) => {
    const { name, location } = (artifact ?? {}) as {
      name?: unknown;
      location?: { s3Location?: { bucketName?: unknown; objectKey?: unknown } };
    };
    const bucket = location?.s3Location?.bucketName;
    const key = location?.s3Location?.objectKey;
    return typeof name === 'string' && typeof bucket === 'string' && typeof key === 'string'
      ? [{ name, bucket, key }]
      : [];
  });
}

function randomKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(7), (byte) => alphabet[byte % alphabet.length]).join('');
}
