import type { Context } from 'aws-lambda';
import { unzipBuffer, zipBuffer } from '../artifacts/zip-buffer.js';
import { withJobClientHooks } from '../clients.js';
import { encodeContinuation } from '../continuation.js';
import { type JobEvent, parseJobEvent } from '../event.js';
import {
  type ArtifactFiles,
  type ArtifactLocation,
  artifactLocations,
  type JobEventOptions,
  jobEvent,
} from './job-event.js';
import { type LambdaContextOptions, lambdaContext } from './lambda-context.js';
import { type RecordedCall, RunAws } from './run-aws.js';

/**
 * A Lambda handler built on the engine: an `invokeAction` handler, or a middy chain
 * that uses `codePipelineJob`. The kit points the clients the engine builds for the
 * job at its local servers; a handler that builds its own CodePipeline client to
 * answer is not answered through the kit.
 */
export type LambdaHandler = (event: never, context: Context) => unknown;

export interface RunJobOptions extends JobEventOptions, LambdaContextOptions {
  /**
   * Run this exact event instead of building one from the options (its artifacts are
   * still served from `artifacts`). A value that is not a CodePipeline job makes
   * `runJob` throw `NotAJobEventError`.
   */
  event?: JobEvent;
  /**
   * Start mid-job: the state the previous round passed to `job.inProgress`. The kit
   * writes the continuation token the engine would have written.
   */
  state?: unknown;
  /**
   * Start mid-job at this round (2 or more): what `job.round` is in the run.
   * @default 2 when `state` is given
   */
  round?: number;
  /** When round 1 started, for a mid-job start (`job.startedAt`). @default now */
  startedAt?: Date | number;
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
  /** Bytes of artifact content the kit's S3 sent to the handler. */
  readonly bytesServed: number;
  /** What the handler resolved with. */
  readonly handlerResult: unknown;
  /** The error the handler threw after answering, if it did. */
  readonly handlerError?: unknown;
}

/**
 * The handler skipped the job as one it had already answered (a repeated delivery), so
 * it sent CodePipeline nothing. Each kit run starts with no job answered, so this comes
 * from a handler that keeps its own memory of answered jobs.
 */
export class JobSkippedAsDuplicateError extends Error {
  constructor(jobId: string) {
    super(
      `The handler skipped job ${jobId} as already answered (a repeated delivery) and sent CodePipeline nothing. The kit starts every run with no job answered; a handler that remembers answered jobs itself skips a fixture it has seen before.`,
    );
    this.name = 'JobSkippedAsDuplicateError';
  }
}

// Runs take turns: the handler's log lines are captured from process.stdout, and
// AWS_REGION is set for the run. The AWS servers themselves are per run.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs one invocation of `handler` the way CodePipeline and Lambda would, with no AWS
 * account, credentials or network. The run gets its own servers on 127.0.0.1, the
 * local AWS the CLI runs on: the in-memory artifacts are zipped and served by the
 * embedded S3 (s3rver, which must be installed), the answer is judged by the embedded
 * CodePipeline job API with the API's rules, AssumeRole is served by the STS stub. The
 * Lambda context counts down from `remainingTimeMs`. Only the job's own clients are
 * pointed at these servers: the user's own SDK mocks stay in place.
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
  const event = eventOf(options);
  const jobId = jobIdOf(event);
  const { inputs, outputs } = artifactLocations(event);
  const aws = await RunAws.start({
    inputs: await Promise.all(
      inputs.map(async (input) => {
        const files = options.artifacts?.[input.name];
        return files ? { ...input, zip: await zipFiles(files) } : input;
      }),
    ),
    outputs,
  });
  const logs: Record<string, unknown>[] = [];
  const restoreStdout = captureStdout(logs, options.echoLogs ?? false);
  // Lambda always sets AWS_REGION; SDK clients (and lib-storage) need one.
  const regionWasSet = process.env.AWS_REGION !== undefined;
  process.env.AWS_REGION ??= 'us-east-1';
  let handlerResult: unknown;
  let handlerError: unknown;
  let threw = false;
  try {
    try {
      handlerResult = await handler(
        event as never,
        withJobClientHooks(lambdaContext(options), aws.hooks()),
      );
    } catch (error) {
      threw = true;
      handlerError = error;
    } finally {
      restoreStdout();
      if (!regionWasSet) delete process.env.AWS_REGION;
    }

    // The answer CodePipeline took: the first one it did not refuse.
    const answer = aws.answer(jobId);
    if (!answer) {
      if (threw) throw handlerError;
      if (isSkippedDuplicate(handlerResult)) throw new JobSkippedAsDuplicateError(jobId);
      throw new Error(
        `The handler sent no result for job ${jobId} to CodePipeline: the pipeline would wait until the action times out. (The kit answers through the clients the engine hands it: a handler that builds its own CodePipeline client is not seen.)`,
      );
    }
    return {
      jobId,
      ...resultOf(answer),
      outputArtifacts: await outputsOf(outputs, aws),
      calls: aws.calls(),
      logs,
      bytesServed: aws.bytesServed(),
      handlerResult,
      ...(threw ? { handlerError } : {}),
    };
  } finally {
    await aws.close();
  }
}

/** The event to run: the caller's, or one built from the options, mid-job when asked. */
export function eventOf(options: RunJobOptions): JobEvent {
  const token = continuationTokenOf(options);
  // Only a missing event builds one: `event: null` is a value that is not a job.
  if (options.event === undefined) {
    return jobEvent(token === undefined ? options : { ...options, continuationToken: token });
  }
  const job = (options.event as Partial<JobEvent> | null)?.['CodePipeline.job'];
  // Not a job: returned as it is, for runJob to refuse with NotAJobEventError.
  if (token === undefined || typeof job !== 'object' || job === null) return options.event;
  return {
    'CodePipeline.job': { ...job, data: { ...job.data, continuationToken: token } },
  };
}

/** The token the engine would have written for `state` / `round`, if either is given. */
function continuationTokenOf(options: RunJobOptions): string | undefined {
  if (options.state === undefined && options.round === undefined) return undefined;
  const round = options.round ?? 2;
  if (!Number.isSafeInteger(round) || round < 2) {
    throw new TypeError(
      `runJob: "round" must be a whole number of 2 or more (round 1 has no continuation state), got ${String(round)}`,
    );
  }
  if (options.continuationToken !== undefined) {
    throw new TypeError(
      'runJob: pass either "continuationToken" or "state" / "round", not both: the kit writes the token from state and round',
    );
  }
  const startedAt = options.startedAt ?? Date.now();
  return encodeContinuation({
    state: options.state,
    round: round - 1,
    startedAt: typeof startedAt === 'number' ? startedAt : startedAt.getTime(),
  });
}

/** The job id of `event`; a value that is not a CodePipeline job is a NotAJobEventError. */
function jobIdOf(event: unknown): string {
  const parsed = parseJobEvent(event);
  return parsed.ok ? parsed.job.id : parsed.jobId;
}

function isSkippedDuplicate(result: unknown): boolean {
  return (
    typeof result === 'object' &&
    result !== null &&
    (result as { status?: unknown }).status === 'already-answered'
  );
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

async function outputsOf(
  locations: readonly ArtifactLocation[],
  aws: RunAws,
): Promise<JobRunResult['outputArtifacts']> {
  const outputs: JobRunResult['outputArtifacts'] = {};
  for (const output of locations) {
    const stored = await aws.object(output);
    if (stored) outputs[output.name] = await unzipBuffer(stored, output.name);
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
