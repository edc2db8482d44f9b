/**
 * The jobs the embedded CodePipeline knows: created by a runner, answered (once) by a
 * handler through `PutJob*Result`. A job starts `InProgress`; its first answer closes
 * it, and any later answer is an `InvalidJobStateException`, as on AWS.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { JOB_EVENT_KEY } from '../../event.js';
import { buildJobEvent } from '../../job-event-builder.js';
import { JobApiError } from './protocol.js';
import type {
  ApiFailureDetails,
  CurrentRevision,
  ExecutionDetails,
  PutJobFailureResultInput,
  PutJobSuccessResultInput,
} from './validation.js';

/** Where one artifact lives in the artifact store. */
export interface LocalArtifact {
  readonly name: string;
  readonly bucket: string;
  readonly key: string;
  /** @default null, as CodePipeline sends for most sources */
  readonly revision?: string | null;
}

export interface LocalArtifactCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Epoch milliseconds. @default one hour after the job is created */
  readonly expirationTime?: number;
}

export interface CreateJobOptions {
  readonly pipelineName: string;
  readonly stageName: string;
  readonly actionName: string;
  readonly functionName: string;
  readonly userParameters?: string;
  readonly inputArtifacts?: readonly LocalArtifact[];
  readonly outputArtifacts?: readonly LocalArtifact[];
  readonly artifactCredentials: LocalArtifactCredentials;
  readonly continuationToken?: string;
  readonly encryptionKey?: { readonly id: string; readonly type?: 'KMS' };
  /** @default DEFAULT_ACCOUNT_ID of job-event-builder.ts */
  readonly accountId?: string;
  /** @default a fresh UUID */
  readonly pipelineExecutionId?: string;
}

/**
 * CodePipeline's words for a job: open until answered, then closed for good. An answer
 * with a continuation token is a success too (CodePipeline then schedules a new job).
 */
export type JobStatus = 'InProgress' | 'Succeeded' | 'Failed';

/** What the handler answered, as CodePipeline recorded it. */
export type JobAnswer =
  | {
      readonly status: 'Succeeded';
      /** Set when the handler asked for another round (`job.inProgress`). */
      readonly continuationToken?: string;
      readonly executionDetails?: ExecutionDetails;
      readonly currentRevision?: CurrentRevision;
      readonly outputVariables?: Readonly<Record<string, string>>;
      readonly answeredAt: Date;
    }
  | {
      readonly status: 'Failed';
      readonly failureDetails: ApiFailureDetails;
      readonly answeredAt: Date;
    };

/** The Lambda event CodePipeline sends for a job. */
export interface CodePipelineJobEvent {
  readonly [JOB_EVENT_KEY]: {
    readonly id: string;
    readonly accountId: string;
    readonly data: Record<string, unknown>;
  };
}

export interface LocalJob {
  readonly id: string;
  readonly accountId: string;
  readonly options: CreateJobOptions;
  readonly pipelineExecutionId: string;
  readonly actionExecutionId: string;
  readonly createdAt: Date;
  readonly event: CodePipelineJobEvent;
  status: JobStatus;
  result: JobAnswer | undefined;
}

export interface JobStoreEvents {
  jobCreated: [job: LocalJob];
  jobAnswered: [job: LocalJob, result: JobAnswer];
}

/** `waitForResult` gave up: the handler never answered the job. */
export class NoJobAnswerError extends Error {
  readonly jobId: string;

  constructor(jobId: string, timeoutMs: number) {
    super(
      `No answer for job ${jobId} within ${timeoutMs} ms: the handler called neither PutJobSuccessResult nor PutJobFailureResult`,
    );
    this.name = 'NoJobAnswerError';
    this.jobId = jobId;
  }
}

const ONE_HOUR_MS = 60 * 60 * 1000;

/** What the store knows of an adopted job: nothing but its id. */
const ADOPTED_JOB: CreateJobOptions = {
  pipelineName: 'unknown',
  stageName: 'unknown',
  actionName: 'unknown',
  functionName: 'unknown',
  artifactCredentials: {
    accessKeyId: 'unknown',
    secretAccessKey: 'unknown',
    sessionToken: 'unknown',
  },
};

export class JobStore extends EventEmitter<JobStoreEvents> {
  private readonly jobs = new Map<string, LocalJob>();

  /** Creates an `InProgress` job and the exact event CodePipeline would send for it. */
  createJob(options: CreateJobOptions, jobId?: string): LocalJob {
    const createdAt = new Date();
    const event = buildJobEvent({
      jobId,
      accountId: options.accountId,
      functionName: options.functionName,
      userParameters: options.userParameters,
      inputArtifacts: options.inputArtifacts,
      outputArtifacts: options.outputArtifacts,
      artifactCredentials: {
        ...options.artifactCredentials,
        expirationTime:
          options.artifactCredentials.expirationTime ?? createdAt.getTime() + ONE_HOUR_MS,
      },
      continuationToken: options.continuationToken,
      encryptionKeyId: options.encryptionKey?.id,
    });
    const { id, accountId } = event[JOB_EVENT_KEY];
    const job: LocalJob = {
      id,
      accountId,
      options,
      pipelineExecutionId: options.pipelineExecutionId ?? randomUUID(),
      actionExecutionId: randomUUID(),
      createdAt,
      event,
      status: 'InProgress',
      result: undefined,
    };
    this.jobs.set(id, job);
    this.emit('jobCreated', job);
    return job;
  }

  /**
   * Takes a job this store did not create (a test built the event itself) as a job in
   * progress, so answers to it are judged like any other's. Its details are placeholders.
   */
  adopt(jobId: string): LocalJob {
    return this.jobs.get(jobId) ?? this.createJob(ADOPTED_JOB, jobId);
  }

  get(jobId: string): LocalJob | undefined {
    return this.jobs.get(jobId);
  }

  /** The job, or the `JobNotFoundException` the service answers for an unknown id. */
  require(jobId: string): LocalJob {
    const job = this.jobs.get(jobId);
    if (job === undefined) {
      throw new JobApiError('JobNotFoundException', `Job ${jobId} was not found`);
    }
    return job;
  }

  list(): readonly LocalJob[] {
    return [...this.jobs.values()];
  }

  /** Records a `PutJobSuccessResult` (already validated). */
  recordSuccess(input: PutJobSuccessResultInput): JobAnswer {
    const result: JobAnswer = {
      status: 'Succeeded',
      ...(input.continuationToken !== undefined
        ? { continuationToken: input.continuationToken }
        : { outputVariables: input.outputVariables }),
      executionDetails: input.executionDetails,
      currentRevision: input.currentRevision,
      answeredAt: new Date(),
    };
    return this.close(input.jobId, result);
  }

  /** Records a `PutJobFailureResult` (already validated). */
  recordFailure(input: PutJobFailureResultInput): JobAnswer {
    return this.close(input.jobId, {
      status: 'Failed',
      failureDetails: input.failureDetails,
      answeredAt: new Date(),
    });
  }

  private close(jobId: string, result: JobAnswer): JobAnswer {
    const job = this.require(jobId);
    if (job.status !== 'InProgress') {
      throw new JobApiError(
        'InvalidJobStateException',
        `Job ${jobId} is already closed (${job.status}); it accepts no further result`,
      );
    }
    job.status = result.status;
    job.result = result;
    this.emit('jobAnswered', job, result);
    return result;
  }

  /**
   * Resolves with the job's recorded result, now or when it arrives; rejects with
   * `NoJobAnswerError` after `timeoutMs`, and at once for a job the store never made.
   */
  waitForResult(jobId: string, timeoutMs: number): Promise<JobAnswer> {
    const job = this.jobs.get(jobId);
    if (job === undefined) {
      return Promise.reject(new Error(`Unknown job ${jobId}: it was not created by this store`));
    }
    if (job.result !== undefined) return Promise.resolve(job.result);
    return new Promise((resolve, reject) => {
      const onAnswer = (answered: LocalJob, result: JobAnswer) => {
        if (answered.id !== jobId) return;
        clearTimeout(timer);
        this.off('jobAnswered', onAnswer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        this.off('jobAnswered', onAnswer);
        reject(new NoJobAnswerError(jobId, timeoutMs));
      }, timeoutMs);
      this.on('jobAnswered', onAnswer);
    });
  }
}
