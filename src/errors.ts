/**
 * Errors that map to CodePipeline failure types. Throw one from `run` (or from any
 * code it calls) to choose the failure type the pipeline shows; anything else is
 * reported as `JobFailed`.
 */

/** The failure types `PutJobFailureResult` accepts. */
export type FailureType =
  | 'JobFailed'
  | 'ConfigurationError'
  | 'PermissionError'
  | 'RevisionOutOfSync'
  | 'RevisionUnavailable'
  | 'SystemUnavailable';

export const FAILURE_TYPES: readonly FailureType[] = [
  'JobFailed',
  'ConfigurationError',
  'PermissionError',
  'RevisionOutOfSync',
  'RevisionUnavailable',
  'SystemUnavailable',
];

/** Base class: an error that carries the CodePipeline failure type it reports as. */
export class CodePipelineJobError extends Error {
  readonly failureType: FailureType;

  constructor(message: string, failureType: FailureType = 'JobFailed', options?: ErrorOptions) {
    super(message, options);
    this.name = 'CodePipelineJobError';
    this.failureType = failureType;
  }
}

/** The gate ran and said no, or user code failed: `JobFailed`. */
export class JobFailedError extends CodePipelineJobError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'JobFailed', options);
    this.name = 'JobFailedError';
  }
}

/** The action is configured wrongly (bad UserParameters, unknown artifact name). */
export class ConfigurationError extends CodePipelineJobError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ConfigurationError', options);
    this.name = 'ConfigurationError';
  }
}

/** A role lacks a permission the job needs (S3, KMS, STS). */
export class PermissionError extends CodePipelineJobError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'PermissionError', options);
    this.name = 'PermissionError';
  }
}

/** The revision the job works on is no longer the current one. */
export class RevisionOutOfSyncError extends CodePipelineJobError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'RevisionOutOfSync', options);
    this.name = 'RevisionOutOfSyncError';
  }
}

/** An input artifact or revision cannot be found. */
export class RevisionUnavailableError extends CodePipelineJobError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'RevisionUnavailable', options);
    this.name = 'RevisionUnavailableError';
  }
}

/** A service the job depends on is down or throttling after retries. */
export class SystemUnavailableError extends CodePipelineJobError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SystemUnavailable', options);
    this.name = 'SystemUnavailableError';
  }
}

/**
 * The Lambda event is not a CodePipeline job at all. Nothing can be reported (there
 * is no job id), so the handler rejects with this error and makes no API call.
 */
export class NotAJobEventError extends Error {
  constructor(detail: string) {
    super(
      `The event is not a CodePipeline job: ${detail}. An Invoke action sends {"CodePipeline.job": {...}}.`,
    );
    this.name = 'NotAJobEventError';
  }
}

/** `PutJob*Result` could not be delivered after every retry; Lambda should retry the event. */
export class ReportNotDeliveredError extends Error {
  constructor(jobId: string, options?: ErrorOptions) {
    super(`Could not report the result of job ${jobId} to CodePipeline after retries`, options);
    this.name = 'ReportNotDeliveredError';
  }
}

/**
 * The failure type and message an arbitrary thrown value reports as. Never throws:
 * a value that cannot be read (a throwing `toString` or getter, a revoked Proxy)
 * must still be answered as a failure.
 *
 * @example
 * ```ts
 * failureOf(new PermissionError('no access to the bucket'));
 * // { failureType: 'PermissionError', message: 'no access to the bucket' }
 * ```
 */
export function failureOf(error: unknown): { failureType: FailureType; message: string } {
  try {
    if (error instanceof CodePipelineJobError) {
      return { failureType: error.failureType, message: error.message };
    }
    if (error instanceof Error) {
      return { failureType: 'JobFailed', message: `${error.name}: ${error.message}` };
    }
    return { failureType: 'JobFailed', message: `Non-error thrown: ${describeThrown(error)}` };
  } catch {
    return { failureType: 'JobFailed', message: 'Non-error thrown: a value that cannot be read' };
  }
}

/** `String(value)`, or its `[object Tag]` when it has no usable string form (no prototype, a throwing toString). */
function describeThrown(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
