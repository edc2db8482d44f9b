import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { AnsweredJobs } from './answered-jobs.js';

let shared: CodePipelineClient | undefined;

/**
 * The CodePipeline client used when none is passed in the options: built once per
 * container from the SDK's standard configuration (region, credential chain,
 * `AWS_ENDPOINT_URL_CODEPIPELINE`), so the same handler reports to AWS or to a local
 * endpoint. The SDK's own retries are off because `report.ts` retries with a timeout
 * per attempt, which the SDK does not have.
 */
export function defaultCodePipelineClient(): CodePipelineClient {
  shared ??= new CodePipelineClient({ maxAttempts: 1 });
  return shared;
}

/**
 * The key of {@link JobClientHooks} on a Lambda context. `Symbol.for`, so a second copy
 * of this module (a bundled handler tested with the installed kit) reads the same key.
 */
export const JOB_CLIENT_HOOKS = Symbol.for('codepipeline-handler.job-client-hooks');

/**
 * A per-invocation channel to the job's own AWS clients, for a test harness (the
 * testing kit's `runJob`). It travels as a non-enumerable property of the Lambda
 * context, is read once when the invocation starts and is kept with that invocation
 * only, so it touches no other client in the process: a user's own SDK mocks keep
 * working during and after the run.
 */
export interface JobClientHooks extends JobClientSetup {
  /** The client that reports this job, instead of the `client` option or the shared default. */
  readonly codePipeline?: () => CodePipelineClient;
  /** Memory of answered job ids for this invocation, instead of the handler's own. */
  readonly answeredJobs?: AnsweredJobs;
}

/**
 * How the engine builds the S3 and STS clients of one job (S3 with the artifact
 * credentials; STS for AssumeRole and identity lookups) when a harness serves them.
 * Without it they use the SDK's standard configuration, as in Lambda.
 */
export interface JobClientSetup {
  /** Local endpoints that serve this job's S3 and STS calls instead of AWS. */
  readonly endpoints?: JobClientEndpoints;
  /**
   * Called with each S3 and STS client the engine builds for this job, before its first
   * call (the testing kit pins the SDK's own `send` on it, so that a user's
   * `mockClient(S3Client)` does not answer the job's calls).
   */
  readonly adoptClient?: (client: object) => void;
}

/** Where one job's S3 and STS clients send their calls (loopback servers of a harness). */
export interface JobClientEndpoints {
  /**
   * The S3 endpoint; the client then addresses buckets path-style, as a local server
   * needs. May be left out for a job without artifacts (no S3 client is built then).
   */
  readonly s3?: string;
  /** The STS endpoint. */
  readonly sts: string;
  /**
   * What the function's own STS calls (AssumeRole, identity lookups without artifact
   * credentials) sign with, instead of the SDK's credential chain: a harness has no role.
   */
  readonly functionCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The hooks a harness put on `context`, if any. */
export function jobClientHooksOf(context: unknown): JobClientHooks | undefined {
  if (context === null || typeof context !== 'object') return undefined;
  const hooks = (context as { [JOB_CLIENT_HOOKS]?: unknown })[JOB_CLIENT_HOOKS];
  return hooks !== null && typeof hooks === 'object' ? (hooks as JobClientHooks) : undefined;
}

/** Puts `hooks` on `context`, non-enumerable: a logged or serialised context does not show them. */
export function withJobClientHooks<Context extends object>(
  context: Context,
  hooks: JobClientHooks,
): Context {
  Object.defineProperty(context, JOB_CLIENT_HOOKS, {
    value: hooks,
    enumerable: false,
    configurable: true,
  });
  return context;
}
