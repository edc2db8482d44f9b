import { isSdkError, sdkCallSummary, sdkFailureType } from './aws-errors.js';

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

/**
 * `PutJob*Result` could not be delivered after every retry (or, when it was denied,
 * at all); Lambda should retry the event. `detail` says why and what to do.
 */
export class ReportNotDeliveredError extends Error {
  constructor(jobId: string, options?: ErrorOptions, detail?: string) {
    super(
      detail === undefined
        ? `Could not report the result of job ${jobId} to CodePipeline after retries`
        : `Could not report the result of job ${jobId} to CodePipeline: ${detail}`,
      options,
    );
    this.name = 'ReportNotDeliveredError';
  }
}

/** How many causes (and AggregateError members) a failure message follows. */
const MAX_CAUSES = 5;

/**
 * The failure type and message an arbitrary thrown value reports as. Never throws:
 * a value that cannot be read (a throwing `toString` or getter, a revoked Proxy)
 * must still be answered as a failure.
 *
 * - A `CodePipelineJobError` keeps its failure type.
 * - An error from an AWS SDK v3 call (it carries `$metadata`) maps as artifact
 *   errors do: access denied is `PermissionError`; throttling, 5xx, a timeout or a
 *   network failure after the SDK's retries is `SystemUnavailable`; anything else
 *   `JobFailed`.
 * - Anything else is `JobFailed`.
 *
 * The message follows the `cause` chain (and an AggregateError's `errors`), up to
 * five deep and safe against cycles, so `TypeError: fetch failed` also says
 * `caused by Error: connect ECONNREFUSED 127.0.0.1:1`. The reporter then masks
 * credentials in it and clamps it to the API's 5000 characters.
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
      return { failureType: error.failureType, message: describeError(error) };
    }
    if (error instanceof Error) {
      return { failureType: sdkFailureType(error) ?? 'JobFailed', message: describeError(error) };
    }
    return { failureType: 'JobFailed', message: `Non-error thrown: ${describeThrown(error)}` };
  } catch {
    return { failureType: 'JobFailed', message: 'Non-error thrown: a value that cannot be read' };
  }
}

/**
 * `Name: message (HTTP 503, 3 attempts); caused by Name: message; …`. A cause whose
 * message the text already holds (a framework error that quotes the SDK error it
 * wraps) is not repeated.
 */
function describeError(error: Error): string {
  const seen = new Set<unknown>([error]);
  let text = headline(error, true);
  const pending: Array<{ value: unknown; label: string }> = [];
  const follow = (from: unknown) => {
    if (from instanceof AggregateError && Array.isArray(from.errors)) {
      for (const member of from.errors) pending.push({ value: member, label: 'including' });
    }
    if (from instanceof Error && from.cause !== undefined) {
      pending.push({ value: from.cause, label: 'caused by' });
    }
  };
  let shown = 0;
  // The headline is kept whatever a cause does: one that cannot be read ends the chain.
  try {
    follow(error);
    while (pending.length > 0 && shown < MAX_CAUSES) {
      const next = pending.shift() as { value: unknown; label: string };
      if (seen.has(next.value)) continue;
      seen.add(next.value);
      const line =
        next.value instanceof Error ? headline(next.value, false) : describeThrown(next.value);
      const quoted = next.value instanceof Error ? next.value.message : line;
      shown++;
      if (quoted === '' || !text.includes(quoted)) text += `; ${next.label} ${line}`;
      follow(next.value);
    }
    if (pending.length > 0) text += '; …';
  } catch {
    text += '; caused by a value that cannot be read';
  }
  return text;
}

/** One error's line: its message (with its name unless it is ours), plus what the SDK recorded. */
function headline(error: Error, top: boolean): string {
  const base =
    top && error instanceof CodePipelineJobError
      ? error.message
      : `${error.name}: ${error.message}`;
  const call = isSdkError(error) ? sdkCallSummary(error) : '';
  return call === '' ? base : `${base} (${call})`;
}

/** `String(value)`, or its `[object Tag]` when it has no usable string form (no prototype, a throwing toString). */
function describeThrown(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
