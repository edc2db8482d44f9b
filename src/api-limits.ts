/**
 * The CodePipeline API's input rules for job answers, in one place: what
 * `PutJobSuccessResult` / `PutJobFailureResult` accept (from the API reference) and the
 * output-variable quota. The engine clamps and checks against these before it reports;
 * the embedded job API refuses what breaks them, as CodePipeline does.
 */

/** Length and size limits of a job's answer. */
export const LIMITS = {
  /** `executionDetails.summary`: 1..2048 characters. */
  summary: 2048,
  /** `executionDetails.externalExecutionId` and `failureDetails.externalExecutionId`: 1..1500 characters. */
  externalExecutionId: 1500,
  /** `failureDetails.message`: 1..5000 characters. */
  failureMessage: 5000,
  /** `continuationToken`: 1..2048 characters. */
  continuationToken: 2048,
  /** `executionDetails.percentComplete`: an integer 0..100. */
  percentComplete: { min: 0, max: 100 },
  /** All of one action's output variables together, keys and values, in UTF-8 bytes (a CodePipeline quota). */
  outputVariablesBytes: 122_880,
} as const;

/** A job id as the API accepts it: a lower-case UUID. */
export const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An output variable key (the API sets no length limit on keys; values are free text). */
export const OUTPUT_VARIABLE_KEY_PATTERN = /^[A-Za-z0-9@\-_]+$/;
