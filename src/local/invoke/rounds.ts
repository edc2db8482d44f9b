/**
 * One action execution as CodePipeline runs it for a Lambda Invoke action: a job, an
 * asynchronous invocation, then the job's answer read from the job API. A continuation
 * token means another round: a new job (new id) with the token in its event. A handler
 * that never answers is reported as such when its invocation ends (CodePipeline itself
 * would keep waiting for 20 minutes).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalEnvironment } from '../environment.js';
import type { JobAnswer, LocalArtifact, LocalJob } from '../job-api/index.js';
import type { LocalArtifactStore } from './artifact-store.js';
import type { HandlerPool, HandlerSpec, InvocationEnd, LogListener } from './handler-process.js';

export interface RoundsOptions {
  readonly local: LocalEnvironment;
  readonly store: LocalArtifactStore;
  readonly pool: HandlerPool;
  /** Handler processes with the same key are reused across rounds and actions. */
  readonly poolKey: string;
  readonly handler: HandlerSpec;
  readonly pipelineName: string;
  readonly stageName: string;
  readonly actionName: string;
  readonly pipelineExecutionId?: string;
  readonly userParameters?: string;
  readonly inputArtifacts: readonly LocalArtifact[];
  readonly outputArtifacts: readonly LocalArtifact[];
  /** The Lambda timeout of each invocation. */
  readonly timeoutMs: number;
  readonly maxRounds: number;
  /** Pause between rounds (CodePipeline waits longer; locally there is no need). */
  readonly roundIntervalMs: number;
  readonly onRoundStart?: (round: number, job: LocalJob) => void;
  readonly onRoundEnd?: (report: RoundReport) => void;
  readonly onLog?: LogListener;
}

export interface RoundReport {
  readonly round: number;
  readonly jobId: string;
  readonly end: InvocationEnd;
  /** What the handler answered, if it did. */
  readonly result: JobAnswer | undefined;
  /** Something CodePipeline or Lambda would do differently, worth telling the user. */
  readonly note?: string;
}

/**
 * How a locally run action ended, in the engine's status words (`Outcome.status`); the
 * job store's `Succeeded`/`Failed`/`InProgress` are CodePipeline's API words, for its wire only.
 */
export type ActionOutcome =
  | {
      readonly status: 'succeeded';
      readonly summary?: string;
      readonly externalExecutionId?: string;
      readonly outputVariables: Readonly<Record<string, string>>;
      readonly rounds: readonly RoundReport[];
    }
  | {
      readonly status: 'failed';
      readonly failureType: string;
      readonly message: string;
      readonly externalExecutionId?: string;
      readonly rounds: readonly RoundReport[];
    };

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** Why a job without an answer is a failure, in words that say what happened. */
function noAnswerMessage(end: InvocationEnd, timeoutMs: number): string {
  const wait = 'CodePipeline would wait up to 20 minutes for a result';
  switch (end.kind) {
    case 'timed-out':
      return `the handler sent no result within the Lambda timeout of ${seconds(timeoutMs)} and was stopped (${wait}; Lambda would retry the event twice)`;
    case 'returned':
      return `the handler sent no result: it returned without calling PutJobSuccessResult or PutJobFailureResult (${wait})`;
    case 'threw':
      return `the handler sent no result: it threw ${end.message} (Lambda would retry the event twice, then ${wait})`;
    case 'crashed':
      return `the handler sent no result: ${end.message} (${wait})`;
    case 'load-error':
      return `the handler could not be loaded: ${end.message}`;
  }
}

function noteFor(end: InvocationEnd, result: JobAnswer | undefined): string | undefined {
  if (result === undefined) return undefined;
  if (end.kind === 'threw') {
    return `the handler threw after answering (${end.message}): Lambda would retry the event, and the retry's answer would be refused with InvalidJobStateException`;
  }
  if (end.kind === 'timed-out') {
    return 'the handler answered but then ran until the Lambda timeout: Lambda would count a timeout and retry the event';
  }
  return undefined;
}

export async function runJobRounds(options: RoundsOptions): Promise<ActionOutcome> {
  const rounds: RoundReport[] = [];
  let continuationToken: string | undefined;
  for (let round = 1; ; round++) {
    const job = options.local.jobApi.jobs.createJob({
      pipelineName: options.pipelineName,
      stageName: options.stageName,
      actionName: options.actionName,
      functionName: options.handler.functionName,
      ...(options.userParameters !== undefined ? { userParameters: options.userParameters } : {}),
      inputArtifacts: options.inputArtifacts,
      outputArtifacts: options.outputArtifacts,
      artifactCredentials: options.store.credentials(),
      encryptionKey: { id: options.store.encryptionKeyId, type: 'KMS' },
      accountId: options.local.accountId,
      ...(options.pipelineExecutionId !== undefined
        ? { pipelineExecutionId: options.pipelineExecutionId }
        : {}),
      ...(continuationToken !== undefined ? { continuationToken } : {}),
    });
    options.onRoundStart?.(round, job);
    const end = await options.pool.invoke(
      options.poolKey,
      options.handler,
      job.event,
      options.timeoutMs,
      options.onLog,
    );
    // Refuse late answers: a killed or finished invocation cannot answer any more.
    const result = job.result;
    if (result === undefined) job.status = 'Failed';
    const note = noteFor(end, result);
    const report: RoundReport = { round, jobId: job.id, end, result, ...(note ? { note } : {}) };
    rounds.push(report);
    options.onRoundEnd?.(report);

    const externalExecutionId =
      result !== undefined && result.status !== 'Failed'
        ? result.executionDetails?.externalExecutionId
        : undefined;
    const external = externalExecutionId !== undefined ? { externalExecutionId } : {};
    if (result === undefined) {
      return {
        status: 'failed',
        failureType: 'JobFailed',
        message: noAnswerMessage(end, options.timeoutMs),
        rounds,
      };
    }
    if (result.status === 'Failed') {
      return {
        status: 'failed',
        failureType: result.failureDetails.type,
        message: result.failureDetails.message,
        ...(result.failureDetails.externalExecutionId !== undefined
          ? { externalExecutionId: result.failureDetails.externalExecutionId }
          : {}),
        rounds,
      };
    }
    if (result.continuationToken === undefined) {
      return {
        status: 'succeeded',
        ...(result.executionDetails?.summary !== undefined
          ? { summary: result.executionDetails.summary }
          : {}),
        ...external,
        outputVariables: result.outputVariables ?? {},
        rounds,
      };
    }
    if (round >= options.maxRounds) {
      return {
        status: 'failed',
        failureType: 'JobFailed',
        message: `still in progress after ${round} round${round === 1 ? '' : 's'}: stopped at the local limit (--max-rounds ${options.maxRounds})`,
        ...external,
        rounds,
      };
    }
    continuationToken = result.continuationToken;
    if (options.roundIntervalMs > 0) await sleep(options.roundIntervalMs);
  }
}
