/**
 * One row of the fault matrix: a fault point (where something goes wrong), a fault
 * kind (what goes wrong) and the answer an honest framework gives. `prepare` plants
 * the fault in the loopback world and builds the event and the handler; the runner
 * invokes, waits and judges.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Context } from 'aws-lambda';
import type { FailureType } from '../../../src/errors.js';
import type { JobEvent } from '../../../src/event.js';
import { type InvokeActionOptions, invokeAction } from '../../../src/index.js';
import type { Job } from '../../../src/job.js';
import { jobEvent } from '../../../src/testing/index.js';
import type { LoopbackAws } from '../../helpers/loopback-aws.js';
import type { S3Faults } from './s3-faults.js';

export const BUCKET = 'fault-matrix';

/**
 * A hung PutJob*Result is given up after this. Small, so the matrix runs in seconds,
 * but not so small that a busy machine (eight rows at once, each with its loopback
 * servers in this process) takes an answered call for a hung one: at 250, 1000 and
 * 1500 ms it did.
 */
export const REPORT_TIMEOUT_MS = 3000;

/**
 * Lambda time per invocation. `roomy` leaves the SDK's own S3 retries (with their
 * throttling back-off) time to finish before the deadline; `tight` is for rows that
 * wait for the deadline on purpose.
 */
export const TIMING = {
  roomy: { remainingTimeMs: 16_000, timeoutMarginMs: 8000 },
  // The margin holds a hung call, its retry and their back-off.
  tight: { remainingTimeMs: 10_000, timeoutMarginMs: 8000 },
} as const;
export type Timing = (typeof TIMING)[keyof typeof TIMING];

export type Expected =
  | {
      readonly verdict: 'answered-once';
      /** What CodePipeline must receive: success, or a failure of this type. */
      readonly answer: 'succeeded' | FailureType;
      /** Text the failure message must contain. */
      readonly message?: RegExp;
    }
  | { readonly verdict: 'already-closed' | 'retry-signalled' | 'no-job' };

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface PreparedCase {
  readonly event: unknown;
  /** Undefined when the event carries no usable job id. */
  readonly jobId: string | undefined;
  readonly handler: LambdaHandler;
  readonly timing: Timing;
  /** The job had its answer before this invocation (another container answered it). */
  readonly closedBefore: boolean;
  /** Artifact credentials of the event: they must never show in a log, an answer or an error. */
  readonly secrets: readonly string[];
}

export interface FaultWorld {
  readonly aws: LoopbackAws;
  readonly s3Faults: S3Faults;
  /** The log lines written for a job id so far. */
  logsOf(jobId: string): readonly string[];
}

export interface FaultCase {
  readonly point: string;
  readonly kind: string;
  readonly expected: Expected;
  prepare(world: FaultWorld): Promise<PreparedCase>;
}

// `run` as the rows write it: any job, any result (the matrix feeds it odd ones on purpose).
export type FaultRun = (job: Job<unknown, unknown>) => unknown;
type ExtraOptions = Omit<
  InvokeActionOptions<StandardSchemaV1 | undefined, unknown>,
  'run' | 'logger' | 'logLevel'
>;

/**
 * The handler under test: the framework's own `invokeAction` with its default
 * CodePipeline client (pointed at the scripted endpoint by the environment) and its
 * default logger (whose lines the matrix captures from stdout).
 */
export function faultHandler(
  run: FaultRun,
  timing: Timing,
  extra: ExtraOptions = {},
): LambdaHandler {
  const handler = invokeAction({
    reportTimeoutMs: REPORT_TIMEOUT_MS,
    ...(extra as Omit<InvokeActionOptions<undefined, unknown>, 'run'>),
    run: run as InvokeActionOptions<undefined, unknown>['run'],
    // The built-in JSON logger, at its most talkative: every line it writes is checked for leaks.
    logLevel: 'debug',
    timeoutMarginMs: timing.timeoutMarginMs,
  });
  return handler as unknown as LambdaHandler;
}

/**
 * A job event with one input artifact, `BuildOutput`, in the matrix's bucket. Its
 * credentials are the event's own invented ones (the embedded S3 takes any key), so a
 * leak of any of them would show.
 */
export async function jobWithArtifact(
  world: FaultWorld,
  body: Buffer | undefined,
): Promise<{ event: JobEvent; jobId: string; key: string; secrets: string[] }> {
  const event = jobEvent({ inputArtifacts: ['BuildOutput'], bucket: BUCKET });
  const job = event['CodePipeline.job'];
  const key = job.data.inputArtifacts?.[0]?.location.s3Location.objectKey ?? '';
  if (body) await world.aws.s3.putObject(BUCKET, key, body);
  return { event, jobId: job.id, key, secrets: secretsOf(event) };
}

export function secretsOf(event: JobEvent): string[] {
  const { secretAccessKey, sessionToken } = event['CodePipeline.job'].data.artifactCredentials;
  return [secretAccessKey, sessionToken];
}
