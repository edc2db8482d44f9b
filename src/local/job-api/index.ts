export type { JobApiRequest, ScriptedReply, ScriptOptions } from './call-log.js';
export type {
  CodePipelineJobEvent,
  CreateJobOptions,
  JobAnswer,
  JobStatus,
  JobStoreEvents,
  LocalArtifact,
  LocalArtifactCredentials,
  LocalJob,
} from './job-store.js';
export { JobStore, NoJobAnswerError } from './job-store.js';
export type {
  ActionExecutionStatus,
  ActionStateUpdate,
  PipelineExecutionRequest,
  StageExecutionStatus,
} from './pipeline-state-store.js';
export { PipelineStateStore } from './pipeline-state-store.js';
export { JobApiError, type JobApiErrorName } from './protocol.js';
export { type JobApi, type JobApiOptions, startJobApi } from './server.js';
export { DEFAULT_OUTPUT_VARIABLES_SIZE_LIMIT } from './validation.js';
