/**
 * The operations the embedded CodePipeline serves: validate the input, then act on the
 * stores. Adding an operation is one entry in `OPERATIONS`.
 */
import type { JobStore, LocalJob } from './job-store.js';
import type { PipelineStateStore } from './pipeline-state-store.js';
import {
  validateGetJobDetails,
  validateGetPipelineState,
  validatePutJobFailureResult,
  validatePutJobSuccessResult,
  validateStartPipelineExecution,
} from './validation.js';

export interface OperationContext {
  readonly jobs: JobStore;
  readonly pipelines: PipelineStateStore;
  readonly outputVariablesSizeLimit: number;
  readonly region: string;
}

/** Returns the output object, or `undefined` for an empty 200 answer. */
export type Operation = (input: Record<string, unknown>, context: OperationContext) => unknown;

/**
 * `GetJobDetails` data: the Lambda event's data plus what the API adds (action type and
 * pipeline context). The credentials carry no `expirationTime` here, as in the API.
 */
function jobDetailsData(job: LocalJob, region: string): Record<string, unknown> {
  const eventData = job.event['CodePipeline.job'].data;
  const credentials = eventData.artifactCredentials as Record<string, unknown>;
  const { pipelineName, stageName, actionName } = job.options;
  return {
    ...eventData,
    actionTypeId: { category: 'Invoke', owner: 'AWS', provider: 'Lambda', version: '1' },
    pipelineContext: {
      pipelineName,
      stage: { name: stageName },
      action: { name: actionName, actionExecutionId: job.actionExecutionId },
      pipelineArn: `arn:aws:codepipeline:${region}:${job.accountId}:${pipelineName}`,
      pipelineExecutionId: job.pipelineExecutionId,
    },
    artifactCredentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
  };
}

export const OPERATIONS: Readonly<Record<string, Operation>> = {
  PutJobSuccessResult(input, { jobs, outputVariablesSizeLimit }) {
    jobs.recordSuccess(validatePutJobSuccessResult(input, outputVariablesSizeLimit));
    return undefined;
  },
  PutJobFailureResult(input, { jobs }) {
    jobs.recordFailure(validatePutJobFailureResult(input));
    return undefined;
  },
  GetJobDetails(input, { jobs, region }) {
    const job = jobs.require(validateGetJobDetails(input).jobId);
    return {
      jobDetails: { id: job.id, accountId: job.accountId, data: jobDetailsData(job, region) },
    };
  },
  GetPipelineState(input, { pipelines }) {
    return pipelines.describe(validateGetPipelineState(input).name);
  },
  StartPipelineExecution(input, { pipelines }) {
    return pipelines.startExecution(validateStartPipelineExecution(input));
  },
};
