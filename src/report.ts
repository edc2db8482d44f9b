import {
  type CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { errorCodeOf, isUnavailableError } from './aws-errors.js';
import { ReportNotDeliveredError } from './errors.js';
import type { JobLogger } from './logger.js';
import { OPTION_DEFAULTS } from './options.js';
import { failureOutcome, normalizeOutcome, type Outcome } from './outcome.js';
import type { Redactor } from './redact.js';

/**
 * The only caller of PutJobSuccessResult / PutJobFailureResult. It sends exactly one
 * terminal answer per job: outcomes are normalised (`normalizeOutcome` in outcome.ts:
 * clamped, masked, checked against the API limits) before sending, throttling
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
  readonly reportTimeoutMs?: number;
  /** Attempts per answer, the first included. @default 4 */
  readonly reportAttempts?: number;
  /** Milliseconds left before Lambda stops the invocation. @default () => Infinity */
  readonly remainingMs?: () => number;
  /** Pause before retry `attempt` (1-based); replaced in tests. @default jittered exponential backoff */
  readonly backoffMs?: (attempt: number) => number;
}

/**
 * `already-answered`: the job is closed (a duplicate delivery or a retry).
 * `job-not-found`: CodePipeline does not know the job id (a sample event, or another
 * account or region); there is nobody to answer.
 */
export type ReportStatus = 'reported' | 'already-answered' | 'job-not-found' | 'rejected';

export interface ReportResult {
  readonly status: ReportStatus;
  /** What was sent (after clamping; a rejected success shows as the failure that replaced it). */
  readonly sent: Outcome;
}

const ALREADY_ANSWERED = 'InvalidJobStateException';
const JOB_NOT_FOUND = 'JobNotFoundException';
/** What IAM answers when the execution role may not call PutJob*Result. */
const ACCESS_DENIED = 'AccessDeniedException';
const REJECTED = new Set(['ValidationException', 'OutputVariablesSizeExceededException']);

/** Reports `outcome` for `jobId`. Throws `ReportNotDeliveredError` only when no answer got through. */
export async function reportOutcome(
  jobId: string,
  outcome: Outcome,
  options: ReportOptions,
): Promise<ReportResult> {
  const checked = normalizeOutcome(outcome, options.redactor);
  const first = await send(jobId, checked, options);
  if (first.status !== 'rejected') return { status: first.status, sent: checked };
  // CodePipeline refused the result, success or failure (the job would otherwise stay
  // In progress): say so in a plain failure, keeping a failure's type.
  const fallback = normalizeOutcome(
    failureOutcome(
      `CodePipeline rejected the job's result: ${first.rejection}`,
      checked.status === 'failed' ? checked.failureType : 'JobFailed',
    ),
    options.redactor,
  );
  const second = await send(jobId, fallback, options);
  if (second.status === 'rejected') {
    // Nothing got through: fail the invocation (visible, and retried) rather than resolve silently.
    throw new ReportNotDeliveredError(jobId, { cause: new Error(second.rejection) });
  }
  return { status: second.status, sent: fallback };
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
  // Built only when there is a detail to send (a bare success is the common answer).
  const hasDetails =
    !!outcome.summary || !!outcome.externalExecutionId || outcome.percentComplete !== undefined;
  const executionDetails = hasDetails
    ? {
        ...(outcome.summary ? { summary: outcome.summary } : {}),
        ...(outcome.externalExecutionId
          ? { externalExecutionId: outcome.externalExecutionId }
          : {}),
        ...(outcome.percentComplete !== undefined
          ? { percentComplete: outcome.percentComplete }
          : {}),
      }
    : undefined;
  return new PutJobSuccessResultCommand({
    jobId,
    ...(executionDetails ? { executionDetails } : {}),
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
  const reportAttempts = Math.max(1, options.reportAttempts ?? OPTION_DEFAULTS.reportAttempts);
  const reportTimeoutMs = options.reportTimeoutMs ?? OPTION_DEFAULTS.reportTimeoutMs;
  const remainingMs = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const backoffMs = options.backoffMs ?? defaultBackoff;
  const operation = outcome.status === 'failed' ? 'PutJobFailureResult' : 'PutJobSuccessResult';
  let lastError: unknown;

  for (let attempt = 1; attempt <= reportAttempts; attempt++) {
    // Never let one hung connection eat the invocation: each call gets its own timeout,
    // shortened to what is left before Lambda's deadline (keeping 50 ms to return).
    const timeoutMs = Math.max(100, Math.min(reportTimeoutMs, remainingMs() - 50));
    // An AbortController with a timer we clear, rather than AbortSignal.timeout, so a
    // busy container does not keep a pending timer per invocation after the call ends.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(timeoutError(timeoutMs)), timeoutMs);
    try {
      // A fresh command per attempt: middleware state from a failed attempt must not leak.
      await client.send(commandFor(jobId, outcome) as PutJobSuccessResultCommand, {
        abortSignal: abort.signal,
      });
      // A failure or a job still in progress is logged at info; a success at debug.
      // CodePipeline shows every answer, and this synchronous write to stdout was most
      // of what the engine added to an invocation (~0.1 ms of ~0.16; bench figure 2).
      const log = outcome.status === 'succeeded' ? logger.debug : logger.info;
      log(
        `Reported ${outcome.status} to CodePipeline`,
        outcome.status === 'failed'
          ? {
              operation,
              status: outcome.status,
              failureType: outcome.failureType,
              failureMessage: outcome.message,
              attempts: attempt,
            }
          : { operation, status: outcome.status, summary: outcome.summary, attempts: attempt },
      );
      return { status: 'reported' };
    } catch (error) {
      lastError = error;
      const name = errorName(error);
      if (name === JOB_NOT_FOUND) {
        logger.warn(
          `CodePipeline does not know this job (${JOB_NOT_FOUND}); nothing was reported. The job id most likely comes from a sample event or a test fixture, or the function reports to another account or region than the pipeline's`,
          { operation, error: name },
        );
        return { status: 'job-not-found' };
      }
      if (name === ACCESS_DENIED) {
        // A policy does not change between attempts: say what to grant, and stop.
        const denial = describeDenial(operation, options.redactor.redact(errorMessage(error)));
        logger.error(denial.message, { operation, error: name, ...denial.fields });
        throw new ReportNotDeliveredError(jobId, { cause: error }, denial.message);
      }
      if (name === ALREADY_ANSWERED) {
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
        retrying: retryable && attempt < reportAttempts && timeLeft > 0,
      });
      if (!retryable || attempt >= reportAttempts || timeLeft <= 0) break;
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

/** Throttling, 5xx, timeouts and network failures (aws-errors.ts), or the SDK says so. */
function isRetryable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  if (isUnavailableError(error)) return true;
  const candidate = error as {
    name?: string;
    $fault?: unknown;
    $retryable?: unknown;
    cause?: unknown;
  };
  if (candidate.cause !== undefined && isUnavailableError(candidate.cause)) return true;
  if (candidate.$retryable) return true;
  // No HTTP status at all: the request never got an answer (a network error).
  return (
    candidate.$fault === undefined &&
    errorCodeOf(error).status === undefined &&
    candidate.name !== 'Error'
  );
}

/** `User: arn:aws:sts::123456789012:assumed-role/<role>/<session> is not authorized …` */
const DENIED_PRINCIPAL =
  /\b(arn:aws[\w-]*:(?:sts|iam)::\d{12}:(?:assumed-role|role)\/[\w+=,.@/-]+)/;

/**
 * The error log for `AccessDeniedException` on PutJob*Result, the most common reason
 * a pipeline says the function "failed to return a result": which action the
 * execution role lacks, the role when the error names it, and how to grant it.
 */
function describeDenial(
  operation: string,
  awsMessage: string,
): { message: string; fields: Record<string, string> } {
  const principal = DENIED_PRINCIPAL.exec(awsMessage)?.[1];
  const role = principal?.includes(':assumed-role/')
    ? principal.split('/')[1]
    : principal?.split('/').at(-1);
  const who = role ? `The function's execution role ${role}` : "The function's execution role";
  const message =
    `${who} is not allowed to call codepipeline:${operation}, so CodePipeline never receives this job's result (the pipeline shows "failed to return a result"). ` +
    `Grant the role codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult on Resource "*" (these actions take no resource ARN), ` +
    `or in SAM add the policy template "CodePipelineLambdaExecutionPolicy: {}" to the function's Policies. Retrying cannot fix a policy, so this invocation does not retry.`;
  return {
    message,
    fields: {
      missingAction: `codepipeline:${operation}`,
      ...(role ? { role } : {}),
      ...(principal ? { principal } : {}),
      awsMessage,
    },
  };
}
