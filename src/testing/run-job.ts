import type { Context } from 'aws-lambda';
import { unzipBuffer, zipBuffer } from '../artifacts/zip-buffer.js';
import type { JobEvent } from '../event.js';
import { FakeAws, type RecordedCall } from './fake-aws.js';
import {
  type ArtifactFiles,
  artifactLocations,
  type JobEventOptions,
  jobEvent,
} from './job-event.js';
import { type LambdaContextOptions, lambdaContext } from './lambda-context.js';

/** Any Lambda handler: an `invokeAction` handler or a hand-written one. */
export type LambdaHandler = (event: never, context: Context) => unknown;

export interface RunJobOptions extends JobEventOptions, LambdaContextOptions {
  /** Run this exact event instead of building one from the options (its artifacts are still served from `artifacts`). */
  event?: JobEvent;
  /** Also print the handler's log lines. @default false */
  echoLogs?: boolean;
}

/** What CodePipeline would have received from one invocation. */
export interface JobRunResult {
  readonly jobId: string;
  readonly status: 'succeeded' | 'failed' | 'in-progress';
  readonly summary?: string;
  readonly message?: string;
  readonly failureType?: string;
  readonly outputVariables?: Record<string, string>;
  readonly externalExecutionId?: string;
  readonly percentComplete?: number;
  readonly continuationToken?: string;
  /** Output artifacts the handler uploaded, unzipped: name → path → content. */
  readonly outputArtifacts: Record<string, Record<string, Buffer>>;
  /** Every AWS call the handler made, in order. */
  readonly calls: readonly RecordedCall[];
  /** The handler's JSON log lines, parsed (other lines as `{ message }`). */
  readonly logs: readonly Record<string, unknown>[];
  /** Bytes of artifact content the fake S3 sent. */
  readonly bytesServed: number;
  /** What the handler resolved with. */
  readonly handlerResult: unknown;
  /** The error the handler threw after answering, if it did. */
  readonly handlerError?: unknown;
}

// aws-sdk-client-mock patches the SDK clients process-wide, so runs take turns.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs one invocation of `handler` the way CodePipeline and Lambda would, with no AWS
 * account, credentials or network: the in-memory artifacts are zipped and served by
 * a fake S3, the result calls are recorded by a fake CodePipeline, and the Lambda
 * context counts down from `remainingTimeMs`. Everything is restored afterwards.
 *
 * @example
 * ```ts
 * const result = await runJob(handler, {
 *   params: { minRating: 4 },
 *   artifacts: { BuildOutput: { 'ratings.json': '[5, 4, 5]' } },
 * });
 * expect(result.status).toBe('succeeded');
 * ```
 */
export function runJob(handler: LambdaHandler, options: RunJobOptions = {}): Promise<JobRunResult> {
  const run = queue.then(() => runAlone(handler, options));
  queue = run.catch(() => undefined);
  return run;
}

async function runAlone(handler: LambdaHandler, options: RunJobOptions): Promise<JobRunResult> {
  const event = options.event ?? jobEvent(options);
  const jobId = event['CodePipeline.job'].id;
  const fake = await FakeAws.create();
  const logs: Record<string, unknown>[] = [];
  const restoreStdout = captureStdout(logs, options.echoLogs ?? false);
  // Lambda always sets AWS_REGION; SDK clients (and lib-storage) need one.
  const regionWasSet = process.env.AWS_REGION !== undefined;
  process.env.AWS_REGION ??= 'us-east-1';
  let handlerResult: unknown;
  let handlerError: unknown;
  let threw = false;
  try {
    const { inputs } = artifactLocations(event);
    for (const input of inputs) {
      const files = options.artifacts?.[input.name];
      if (files) fake.putObject(input.bucket, input.key, await zipFiles(files));
    }
    try {
      handlerResult = await handler(event as never, lambdaContext(options));
    } catch (error) {
      threw = true;
      handlerError = error;
    }
  } finally {
    restoreStdout();
    fake.restore();
    if (!regionWasSet) delete process.env.AWS_REGION;
  }

  const answers = fake.calls.filter(
    (call) => call.service === 'codepipeline' && call.operation.startsWith('PutJob'),
  );
  const answer = answers.find((call) => call.input.jobId === jobId);
  if (!answer) {
    if (threw) throw handlerError;
    throw new Error(
      `The handler sent no result for job ${jobId} to CodePipeline: the pipeline would wait until the action times out`,
    );
  }
  return {
    jobId,
    ...resultOf(answer),
    outputArtifacts: await outputsOf(event, fake),
    calls: fake.calls,
    logs,
    bytesServed: fake.bytesServed,
    handlerResult,
    ...(threw ? { handlerError } : {}),
  };
}

function resultOf(
  answer: RecordedCall,
): Pick<
  JobRunResult,
  | 'status'
  | 'summary'
  | 'message'
  | 'failureType'
  | 'outputVariables'
  | 'externalExecutionId'
  | 'percentComplete'
  | 'continuationToken'
> {
  const input = answer.input as {
    failureDetails?: { type?: string; message?: string; externalExecutionId?: string };
    executionDetails?: { summary?: string; externalExecutionId?: string; percentComplete?: number };
    continuationToken?: string;
    outputVariables?: Record<string, string>;
  };
  if (answer.operation === 'PutJobFailureResult') {
    return {
      status: 'failed',
      ...definedOnly({
        failureType: input.failureDetails?.type,
        message: input.failureDetails?.message,
        externalExecutionId: input.failureDetails?.externalExecutionId,
      }),
    };
  }
  return {
    status: input.continuationToken ? 'in-progress' : 'succeeded',
    ...definedOnly({
      summary: input.executionDetails?.summary,
      externalExecutionId: input.executionDetails?.externalExecutionId,
      percentComplete: input.executionDetails?.percentComplete,
      continuationToken: input.continuationToken,
      outputVariables: input.outputVariables,
    }),
  };
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

async function outputsOf(event: JobEvent, fake: FakeAws): Promise<JobRunResult['outputArtifacts']> {
  const outputs: JobRunResult['outputArtifacts'] = {};
  for (const output of artifactLocations(event).outputs) {
    const stored = fake.getObject(output.bucket, output.key);
    if (stored) outputs[output.name] = await unzipBuffer(stored.body, output.name);
  }
  return outputs;
}

/** Zips in-memory files as CodePipeline's artifact store holds them. */
export function zipFiles(files: ArtifactFiles): Promise<Buffer> {
  return zipBuffer(files, 'test artifact');
}

/** Collects what the handler writes to stdout (the JSON logger and console both end there). */
function captureStdout(logs: Record<string, unknown>[], echo: boolean): () => void {
  const original = process.stdout.write;
  process.stdout.write = function write(chunk: unknown, ...rest: unknown[]) {
    for (const line of String(chunk).split('\n')) {
      if (line.trim() === '') continue;
      try {
        const parsed: unknown = JSON.parse(line);
        logs.push(
          typeof parsed === 'object' && parsed !== null
            ? (parsed as Record<string, unknown>)
            : { message: line },
        );
      } catch {
        logs.push({ message: line });
      }
    }
    return echo ? original.call(process.stdout, chunk as string, ...(rest as [])) : true;
  } as typeof process.stdout.write;
  return () => {
    process.stdout.write = original;
  };
}
