import {
  type CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { LIMITS } from './api-limits.js';
import { ReportNotDeliveredError } from './errors.js';
import type { JobLogger } from './logger.js';
import {
  clamp,
  clampPercent,
  failureOutcome,
  type Outcome,
  outputVariableProblems,
} from './outcome.js';
import type { Redactor } from './redact.js';

/**
 * The only caller of PutJobSuccessResult / PutJobFailureResult. It sends exactly one
 * terminal answer per job: outcomes are clamped and checked before sending, throttling
 * and transient errors are retried with a timeout per attempt, a duplicate delivery
 * (the job is already closed) is logged instead of thrown, and a result CodePipeline
 * rejects is replaced by a failure that says why (if that is rejected too, nothing
 * was delivered and it throws).
 */
export interface ReportOptions {
  readonly client: CodePipelineClient;
  readonly logger: JobLogger;
  readonly redactor: Redactor;
  /** Milliseconds one PutJob*Result call may take. @default 5000 */
  readonly callTimeoutMs?: number;
  /** Attempts per answer, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Milliseconds left before Lambda stops the invocation. @default () => Infinity */
  readonly remainingMs?: () => number;
  /** Pause before retry `attempt` (1-based); replaced in tests. @default jittered exponential backoff */
  readonly backoffMs?: (attempt: number) => number;
}

export type ReportStatus = 'reported' | 'already-answered' | 'rejected';

export interface ReportResult {
  readonly status: ReportStatus;
  /** What was sent (after clamping; a rejected success shows as the failure that replaced it). */
  readonly sent: Outcome;
}

const ALREADY_ANSWERED = new Set(['InvalidJobStateException', 'JobNotFoundException']);
const REJECTED = new Set(['ValidationException', 'OutputVariablesSizeExceededException']);
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
]);
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Reports `outcome` for `jobId`. Throws `ReportNotDeliveredError` only when no answer got through. */
export async function reportOutcome(
  jobId: string,
  outcome: Outcome,
  options: ReportOptions,
): Promise<ReportResult> {
  const checked = checkOutcome(outcome, options.redactor);
  const first = await send(jobId, checked, options);
  if (first.status !== 'rejected') return { status: first.status, sent: checked };
  // CodePipeline refused the result, success or failure (the job would otherwise stay
  // In progress): say so in a plain failure, keeping a failure's type.
  const fallback = failureOutcome(
    clamp(`CodePipeline rejected the job's result: ${first.rejection}`, LIMITS.failureMessage),
    checked.status === 'failed' ? checked.failureType : 'JobFailed',
  );
  const second = await send(jobId, fallback, options);
  if (second.status === 'rejected') {
    // Nothing got through: fail the invocation (visible, and retried) rather than resolve silently.
    throw new ReportNotDeliveredError(jobId, { cause: new Error(second.rejection) });
  }
  return { status: second.status, sent: fallback };
}

/** Clamps lengths, redacts secrets and turns invalid output variables into a failure. */
export function checkOutcome(outcome: Outcome, redactor: Redactor): Outcome {
  if (outcome.status === 'failed') {
    const message = redactor.redact(outcome.message).trim() || 'The job failed without a message';
    return failureOutcome(
      clamp(message, LIMITS.failureMessage),
      outcome.failureType,
      clampOptional(
        redactOptional(redactor, outcome.externalExecutionId),
        LIMITS.externalExecutionId,
      ),
    );
  }
  if (outcome.status === 'in-progress' && 'outputVariables' in outcome) {
    return failureOutcome(
      'Output variables cannot be sent together with a continuation token: set them in the round that succeeds',
    );
  }
  // Masked before the checks, so the size checked is the size sent.
  const outputVariables =
    outcome.status === 'succeeded' && outcome.outputVariables
      ? redactVariables(redactor, outcome.outputVariables)
      : undefined;
  if (outputVariables !== undefined) {
    const problems = outputVariableProblems(outputVariables);
    if (problems.length > 0) {
      return failureOutcome(
        clamp(
          `The job's output variables are invalid: ${problems.join('; ')}`,
          LIMITS.failureMessage,
        ),
      );
    }
  }
  const summary = outcome.summary === undefined ? undefined : redactor.redact(outcome.summary);
  return {
    ...outcome,
    ...(outputVariables === undefined ? {} : { outputVariables }),
    summary: clampOptional(summary, LIMITS.summary),
    externalExecutionId: clampOptional(
      redactOptional(redactor, outcome.externalExecutionId),
      LIMITS.externalExecutionId,
    ),
    percentComplete: clampPercent(outcome.percentComplete),
  };
}

/** Output variables are shown in the console and passed to later actions: mask secrets in them. */
function redactVariables(redactor: Redactor, variables: unknown): Record<string, string> {
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    return variables as Record<string, string>; // outputVariableProblems says what is wrong
  }
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [
      redactor.redact(key),
      typeof value === 'string' ? redactor.redact(value) : value,
    ]),
  );
}

// The external execution id is shown in the console like the summary: mask secrets in it too.
function redactOptional(redactor: Redactor, text: string | undefined): string | undefined {
  return text === undefined ? undefined : redactor.redact(text);
}

function clampOptional(text: string | undefined, max: number): string | undefined {
  if (text === undefined || text.length === 0) return undefined;
  return clamp(text, max);
}

function commandFor(jobId: string, outcome: Outcome) {
  if (outcome.status === 'failed') {
    return new PutJobFailureResultCommand({
      jobId,
      failureDetails: {
        type: outcome.failureType,
        message: outcome.message,
        ...(outcome.externalExecutionId
          ? { externalExecutionId: outcome.externalExecutionId }
          : {}),
      },
    });
  }
  const executionDetails = {
    ...(outcome.summary ? { summary: outcome.summary } : {}),
    ...(outcome.externalExecutionId ? { externalExecutionId: outcome.externalExecutionId } : {}),
    ...(outcome.percentComplete !== undefined ? { percentComplete: outcome.percentComplete } : {}),
  };
  return new PutJobSuccessResultCommand({
    jobId,
    ...(Object.keys(executionDetails).length > 0 ? { executionDetails } : {}),
    ...(outcome.status === 'in-progress'
      ? { continuationToken: outcome.continuationToken }
      : outcome.outputVariables && Object.keys(outcome.outputVariables).length > 0
        ? { outputVariables: outcome.outputVariables }
        : {}),
  });
}

async function send(
  jobId: string,
  outcome: Outcome,
  options: ReportOptions,
): Promise<{ status: ReportStatus; rejection?: string }> {
  const { client, logger } = options;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const callTimeoutMs = options.callTimeoutMs ?? 5000;
  const remainingMs = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const backoffMs = options.backoffMs ?? defaultBackoff;
  const operation = outcome.status === 'failed' ? 'PutJobFailureResult' : 'PutJobSuccessResult';
  let lastError: unknown;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    // Never let one hung connection eat the invocation: each call gets its own timeout,
    // shortened to what is left before Lambda's deadline (keeping 50 ms to return).
    const timeoutMs = Math.max(100, Math.min(callTimeoutMs, remainingMs() - 50));
    // An AbortController with a timer we clear, rather than AbortSignal.timeout, so a
    // busy container does not keep a pending timer per invocation after the call ends.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(timeoutError(timeoutMs)), timeoutMs);
    try {
      // A fresh command per attempt: middleware state from a failed attempt must not leak.
      await client.send(commandFor(jobId, outcome) as PutJobSuccessResultCommand, {
        abortSignal: abort.signal,
      });
      logger.info(`Reported ${outcome.status} to CodePipeline`, {
        operation,
        status: outcome.status,
        ...(outcome.status === 'failed'
          ? { failureType: outcome.failureType, failureMessage: outcome.message }
          : { summary: outcome.summary }),
        attempts: attempt,
      });
      return { status: 'reported' };
    } catch (error) {
      lastError = error;
      const name = errorName(error);
      if (ALREADY_ANSWERED.has(name)) {
        logger.warn(
          'The job was already answered (a duplicate delivery or a retry); not reporting again',
          {
            operation,
            error: name,
          },
        );
        return { status: 'already-answered' };
      }
      if (REJECTED.has(name)) {
        const message = options.redactor.redact(errorMessage(error));
        logger.error(`CodePipeline rejected ${operation}`, { operation, error: name, message });
        return { status: 'rejected', rejection: `${name}: ${message}` };
      }
      const retryable = isRetryable(error);
      const pause = backoffMs(attempt);
      const timeLeft = remainingMs() - pause - 100;
      logger.warn(`${operation} failed`, {
        operation,
        attempt,
        error: name,
        message: options.redactor.redact(errorMessage(error)),
        retrying: retryable && attempt < maxAttempts && timeLeft > 0,
      });
      if (!retryable || attempt >= maxAttempts || timeLeft <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, pause));
    } finally {
      clearTimeout(timer);
    }
  }
  logger.error(`Could not deliver ${operation}; the invocation fails so that Lambda retries it`, {
    operation,
    error: errorName(lastError),
  });
  throw new ReportNotDeliveredError(jobId, { cause: lastError });
}

function timeoutError(ms: number): Error {
  const error = new Error(`The call took longer than ${ms} ms`);
  error.name = 'TimeoutError';
  return error;
}

function defaultBackoff(attempt: number): number {
  const ceiling = Math.min(2000, 100 * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string') {
    return error.name;
  }
  return 'UnknownError';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isRetryable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const candidate = error as {
    name?: string;
    code?: string;
    $fault?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: { code?: string };
  };
  if (candidate.name && RETRYABLE_NAMES.has(candidate.name)) return true;
  if (candidate.code && RETRYABLE_CODES.has(candidate.code)) return true;
  if (candidate.cause?.code && RETRYABLE_CODES.has(candidate.cause.code)) return true;
  if (candidate.$retryable) return true;
  const status = candidate.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  // No HTTP status at all: the request never got an answer (a network error).
  return candidate.$fault === undefined && status === undefined && candidate.name !== 'Error';
}
