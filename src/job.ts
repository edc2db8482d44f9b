import { inspect } from 'node:util';
import type { Context } from 'aws-lambda';
import type {
  ArtifactLimits,
  AssumeRoleOptions,
  AwsCredentials,
  InputArtifact,
  OutputArtifact,
} from './artifacts/index.js';
import { JobArtifacts } from './artifacts/index.js';
import type { JobClientSetup } from './clients.js';
import { encodeContinuation } from './continuation.js';
import { CodePipelineJobError, type FailureType } from './errors.js';
import type { ArtifactCredentials, ArtifactRef, EncryptionKey, JobData } from './event.js';
import { toArtifactRef } from './event.js';
import type { JobLogger } from './logger.js';
import {
  type FailureDetails,
  type FailureOutcome,
  failureOutcome,
  type InProgressOutcome,
  inProgressOutcome,
  type Outcome,
  type ProgressDetails,
  type SuccessDetails,
  type SuccessOutcome,
  successOutcome,
} from './outcome.js';
import type { Redactor } from './redact.js';

export interface JobInit<Params> {
  readonly data: JobData;
  readonly params: Params;
  readonly logger: JobLogger;
  readonly redactor: Redactor;
  /** Round of this invocation: 1, or the token's round + 1. */
  readonly round: number;
  readonly startedAt: Date;
  readonly state: unknown;
  readonly remainingTimeMs: () => number;
  readonly signal: AbortSignal;
  /** The Lambda context of this invocation. */
  readonly lambdaContext: Context;
  /** How a test harness serves the AWS clients built for this job (see clients.ts). */
  readonly clientSetup?: JobClientSetup;
  readonly artifactLimits?: Partial<ArtifactLimits>;
}

/**
 * What user code sees of one CodePipeline job. Everything the user touches is here;
 * the artifact credentials are held in a private field, so `console.log(job)` and
 * `JSON.stringify(job)` cannot reveal them.
 */
export class Job<Params = undefined, State = unknown> {
  /** The job id of this round (a new one every round of a continued job). */
  readonly id: string;
  readonly accountId: string;
  /** `FunctionName` from the action configuration. */
  readonly functionName: string;
  /** `UserParameters` exactly as configured, or undefined. */
  readonly userParameters: string | undefined;
  /** `UserParameters`, JSON-decoded and validated by the `params` schema. */
  readonly params: Params;
  readonly inputArtifacts: readonly ArtifactRef[];
  readonly outputArtifacts: readonly ArtifactRef[];
  readonly encryptionKey: EncryptionKey | undefined;
  /** 1 on the first invocation, then one more per continuation. */
  readonly round: number;
  /** When round 1 started (carried in the continuation token). */
  readonly startedAt: Date;
  /** Structured JSON logger; every line carries the job id. */
  readonly logger: JobLogger;
  /** Aborted when the job's time is up: pass it to fetch() and SDK calls. */
  readonly signal: AbortSignal;
  /**
   * The Lambda context of this invocation (`awsRequestId`, `functionName`,
   * `invokedFunctionArn`, `logStreamName`, ...), read-only.
   *
   * @example Link the action to this invocation's logs
   * ```ts
   * run: (job) => job.succeed({ externalExecutionId: job.lambdaContext.awsRequestId })
   * ```
   */
  readonly lambdaContext: Readonly<Context>;

  readonly #credentials: ArtifactCredentials;
  readonly #redactor: Redactor;
  readonly #state: unknown;
  readonly #remainingTimeMs: () => number;
  readonly #artifactLimits: Partial<ArtifactLimits> | undefined;
  readonly #clientSetup: JobClientSetup | undefined;
  #artifacts: JobArtifacts | undefined;
  #recorded: Outcome | undefined;

  constructor(init: JobInit<Params>) {
    const { data } = init;
    this.id = data.id;
    this.accountId = data.accountId;
    this.functionName = data.data.actionConfiguration.configuration.FunctionName;
    this.userParameters = data.data.actionConfiguration.configuration.UserParameters;
    this.params = init.params;
    this.inputArtifacts = data.data.inputArtifacts.map(toArtifactRef);
    this.outputArtifacts = data.data.outputArtifacts.map(toArtifactRef);
    this.encryptionKey = data.data.encryptionKey;
    this.round = init.round;
    this.startedAt = init.startedAt;
    this.logger = init.logger;
    this.signal = init.signal;
    this.lambdaContext = init.lambdaContext;
    this.#credentials = data.data.artifactCredentials;
    this.#redactor = init.redactor;
    this.#state = init.state;
    this.#remainingTimeMs = init.remainingTimeMs;
    this.#artifactLimits = init.artifactLimits;
    this.#clientSetup = init.clientSetup;
  }

  /** The state the previous round passed to `inProgress`, or undefined in round 1. */
  state<T = State>(): T | undefined {
    return this.#state as T | undefined;
  }

  /** Milliseconds left before Lambda stops this invocation (Infinity outside Lambda). */
  remainingTimeMs(): number {
    return this.#remainingTimeMs();
  }

  /** An input artifact; the name may be left out when the action has exactly one. */
  input(name?: string): InputArtifact {
    return this.#artifactAccess().input(name);
  }

  /** An output artifact; the name may be left out when the action has exactly one. */
  output(name?: string): OutputArtifact {
    return this.#artifactAccess().output(name);
  }

  /** Credentials for a role in another account (STS AssumeRole), cached for this job. */
  assumeRole(roleArn: string, options?: AssumeRoleOptions): Promise<AwsCredentials> {
    return this.#artifactAccess().assumeRole(roleArn, options);
  }

  /** The job succeeded. Returning nothing from `run` means the same. */
  succeed(details?: SuccessDetails): SuccessOutcome {
    return this.#record(successOutcome(details));
  }

  /** The job failed; shown in the console with the failure type (default `JobFailed`). */
  fail(reason: string | Error, details: FailureDetails = {}): FailureOutcome {
    const failureType: FailureType =
      details.failureType ??
      (reason instanceof CodePipelineJobError ? reason.failureType : 'JobFailed');
    const message = typeof reason === 'string' ? reason : reason.message;
    return this.#record(failureOutcome(message, failureType, details.externalExecutionId));
  }

  /**
   * Not done yet: CodePipeline invokes the function again later (a new job id) and
   * `job.state()` returns `state` there. The state is stored in the continuation
   * token, at most 2048 characters of JSON; a larger state fails the job clearly.
   */
  inProgress(state: State, details?: ProgressDetails): InProgressOutcome {
    const token = encodeContinuation({
      state,
      round: this.round,
      startedAt: this.startedAt.getTime(),
    });
    return this.#record(inProgressOutcome(token, details));
  }

  /** The outcome recorded by the last `succeed` / `fail` / `inProgress` call, if any. */
  get recordedOutcome(): Outcome | undefined {
    return this.#recorded;
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      accountId: this.accountId,
      functionName: this.functionName,
      userParameters: this.userParameters,
      round: this.round,
      startedAt: this.startedAt.toISOString(),
      inputArtifacts: this.inputArtifacts,
      outputArtifacts: this.outputArtifacts,
      encryptionKey: this.encryptionKey,
    };
  }

  [inspect.custom](): string {
    return `Job ${inspect(this.toJSON(), { depth: 4 })}`;
  }

  #record<T extends Outcome>(outcome: T): T {
    this.#recorded = outcome;
    return outcome;
  }

  #artifactAccess(): JobArtifacts {
    this.#artifacts ??= new JobArtifacts(
      {
        jobId: this.id,
        credentials: this.#credentials,
        encryptionKey: this.encryptionKey,
        inputs: this.inputArtifacts,
        outputs: this.outputArtifacts,
        logger: this.logger,
        redactor: this.#redactor,
        ...(this.#artifactLimits ? { limits: this.#artifactLimits } : {}),
      },
      this.#clientSetup ? { clientSetup: this.#clientSetup } : {},
    );
    return this.#artifacts;
  }
}
