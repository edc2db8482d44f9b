export {
  type ArtifactFiles,
  type ArtifactLocation,
  artifactLocations,
  type JobEventOptions,
  jobEvent,
} from './job-event.js';
export { type LambdaContextOptions, lambdaContext } from './lambda-context.js';
export type { RecordedCall } from './run-aws.js';
export {
  type JobRunResult,
  JobSkippedAsDuplicateError,
  type LambdaHandler,
  type RunJobOptions,
  runJob,
  zipFiles,
} from './run-job.js';
export { type JobRunsResult, type RunUntilDoneOptions, runUntilDone } from './run-until-done.js';
