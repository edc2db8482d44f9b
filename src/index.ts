export type {
  ArtifactLimits,
  AssumeRoleOptions,
  AwsCredentials,
  InputArtifact,
  OutputArtifact,
} from './artifacts/index.js';
export {
  decodeContinuation,
  encodeContinuation,
  type ForeignTokenReader,
} from './continuation.js';
export {
  CodePipelineJobError,
  ConfigurationError,
  FAILURE_TYPES,
  type FailureType,
  failureOf,
  JobFailedError,
  NotAJobEventError,
  PermissionError,
  ReportNotDeliveredError,
  RevisionOutOfSyncError,
  RevisionUnavailableError,
  SystemUnavailableError,
} from './errors.js';
export {
  type ArtifactRef,
  type JobEvent,
  jobEventSchema,
  type ParsedJobEvent,
  parseJobEvent,
} from './event.js';
export {
  type InvokeActionHandler,
  type InvokeActionOptions,
  invokeAction,
} from './invoke-action.js';
export { Job } from './job.js';
export type { JobLogger, LogLevel, PowertoolsLikeLogger } from './logger.js';
export { codePipelineJob, type JobContext, type JobResult } from './middleware.js';
export type { JobOptions } from './options.js';
export type {
  FailureDetails,
  FailureOutcome,
  InProgressOutcome,
  Outcome,
  ProgressDetails,
  SuccessDetails,
  SuccessOutcome,
} from './outcome.js';
export type { ParamsOf } from './params.js';
