import type { FailureType } from './errors.js';

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
  return { ...details, [OUTCOME]: true, status: 'succeeded' };
}

export function failureOutcome(
  message: string,
  failureType: FailureType = 'JobFailed',
  externalExecutionId?: string,
): FailureOutcome {
  return {
    [OUTCOME]: true,
    status: 'failed',
    failureType,
    message,
    ...(externalExecutionId === undefined ? {} : { externalExecutionId }),
  };
}

export function inProgressOutcome(
  continuationToken: string,
  details: ProgressDetails = {},
): InProgressOutcome {
  return { ...details, [OUTCOME]: true, status: 'in-progress', continuationToken };
}

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && OUTCOME in value;
}

/** API limits of PutJobSuccessResult / PutJobFailureResult. */
export const LIMITS = {
  summary: 2048,
  externalExecutionId: 1500,
  failureMessage: 5000,
  continuationToken: 2048,
} as const;

export const OUTPUT_VARIABLE_KEY = /^[A-Za-z0-9@\-_]+$/;

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
  return Math.min(100, Math.max(0, Math.round(value)));
}

/** Problems with output variables, described for a failure message; empty when fine. */
export function outputVariableProblems(variables: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(variables)) {
    if (!OUTPUT_VARIABLE_KEY.test(key)) {
      problems.push(`key ${JSON.stringify(key)} has characters outside [A-Za-z0-9@-_]`);
    }
    if (typeof value !== 'string') {
      problems.push(`value of ${JSON.stringify(key)} is a ${typeof value}, not a string`);
    }
  }
  return problems;
}
