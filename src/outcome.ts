import { LIMITS, OUTPUT_VARIABLE_KEY_PATTERN } from './api-limits.js';
import { FAILURE_TYPES, type FailureType } from './errors.js';
import type { Redactor } from './redact.js';

/**
 * What a job's round ended with. `run` returns one (built by `job.succeed`,
 * `job.fail` or `job.inProgress`) or nothing; `report.ts` turns it into exactly one
 * `PutJob*Result` call.
 */
export type Outcome = SuccessOutcome | FailureOutcome | InProgressOutcome;

export interface SuccessDetails {
  /** Shown in the CodePipeline console. Clamped to 2048 characters. */
  summary?: string;
  /** An id of the work in another system (a deployment id). Clamped to 1500 characters. */
  externalExecutionId?: string;
  /** 0..100; rounded and clamped. */
  percentComplete?: number;
  /** Variables for later actions (`#{Namespace.key}`); keys must match `[A-Za-z0-9@\-_]+`. */
  outputVariables?: Record<string, string>;
}

export interface FailureDetails {
  /** @default 'JobFailed' */
  failureType?: FailureType;
  externalExecutionId?: string;
}

export interface ProgressDetails {
  summary?: string;
  externalExecutionId?: string;
  percentComplete?: number;
}

const OUTCOME = Symbol.for('codepipeline-handler.outcome');

export interface SuccessOutcome extends SuccessDetails {
  readonly [OUTCOME]: true;
  readonly status: 'succeeded';
}

export interface FailureOutcome {
  readonly [OUTCOME]: true;
  readonly status: 'failed';
  readonly failureType: FailureType;
  readonly message: string;
  readonly externalExecutionId?: string;
}

export interface InProgressOutcome extends ProgressDetails {
  readonly [OUTCOME]: true;
  readonly status: 'in-progress';
  /** The encoded continuation token (see continuation.ts). */
  readonly continuationToken: string;
}

export function successOutcome(details: SuccessDetails = {}): SuccessOutcome {
  return { ...details, ...textDetails(details), [OUTCOME]: true, status: 'succeeded' };
}

export function failureOutcome(
  message: string,
  failureType: FailureType = 'JobFailed',
  externalExecutionId?: string,
): FailureOutcome {
  const text = asText(message) ?? '';
  const id = asText(externalExecutionId);
  // An unknown type would make CodePipeline refuse the answer (ValidationException)
  // and leave the job In progress: report it as JobFailed, saying so.
  const known = FAILURE_TYPES.includes(failureType);
  return {
    [OUTCOME]: true,
    status: 'failed',
    failureType: known ? failureType : 'JobFailed',
    message: known
      ? text
      : `${text} (failure type ${JSON.stringify(String(failureType))} is not one CodePipeline knows; reported as JobFailed)`,
    ...(id === undefined ? {} : { externalExecutionId: id }),
  };
}

export function inProgressOutcome(
  continuationToken: string,
  details: ProgressDetails = {},
): InProgressOutcome {
  return {
    ...details,
    ...textDetails(details),
    [OUTCOME]: true,
    status: 'in-progress',
    continuationToken,
  };
}

/**
 * `summary` and `externalExecutionId` as strings. Callers without a type checker pass
 * numbers or objects too; CodePipeline would refuse those (and a crash here would
 * leave the job unanswered), so they are turned into text.
 */
function textDetails(details: ProgressDetails): ProgressDetails {
  const summary = asText(details.summary);
  const externalExecutionId = asText(details.externalExecutionId);
  return {
    ...('summary' in details ? { summary } : {}),
    ...('externalExecutionId' in details ? { externalExecutionId } : {}),
  };
}

function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && OUTCOME in value;
}

/**
 * Shortens `text` to at most `max` characters, marking the cut, so an over-long
 * summary or message is shown instead of being rejected with a ValidationException.
 * Cuts on code points so a surrogate pair is never split.
 */
export function clamp(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = '… [truncated]';
  let cut = max - marker.length;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + marker;
}

/** `percentComplete` as the API accepts it: an integer 0..100, or undefined. */
export function clampPercent(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const { min, max } = LIMITS.percentComplete;
  return Math.min(max, Math.max(min, Math.round(value)));
}

/** Problems with output variables, described for a failure message; empty when fine. */
export function outputVariableProblems(variables: unknown): string[] {
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    const kind = Array.isArray(variables)
      ? 'an array'
      : variables === null
        ? 'null'
        : `a ${typeof variables}`;
    return [`they must be an object of string values, not ${kind}`];
  }
  const problems: string[] = [];
  let bytes = 0;
  for (const [key, value] of Object.entries(variables)) {
    if (key === '') problems.push('a key is empty');
    else if (!OUTPUT_VARIABLE_KEY_PATTERN.test(key)) {
      problems.push(`key ${JSON.stringify(key)} has characters outside [A-Za-z0-9@-_]`);
    }
    if (typeof value !== 'string') {
      const kind =
        value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      problems.push(`value of ${JSON.stringify(key)} is ${kind}, not a string`);
    } else {
      bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    }
  }
  if (bytes > LIMITS.outputVariablesBytes) {
    problems.push(
      `together they are ${bytes} bytes, more than the ${LIMITS.outputVariablesBytes} bytes CodePipeline allows one action`,
    );
  }
  return problems;
}

/**
 * The outcome as CodePipeline accepts it, built before every `PutJob*Result`: texts
 * masked of secrets and clamped to the API limits, `percentComplete` an integer
 * 0..100, and output variables CodePipeline would refuse (or a continuation sent
 * with them) turned into a failure that says why. The result is what is sent.
 */
export function normalizeOutcome(outcome: Outcome, redactor: Redactor): Outcome {
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
