import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ArtifactLimits } from './artifacts/index.js';
import { resolveLimits } from './artifacts/limits.js';
import type { ForeignTokenReader } from './continuation.js';
import type { LogLevel, PowertoolsLikeLogger } from './logger.js';

/** Options of `codePipelineJob` (and `invokeAction`, which adds `run`). */
export interface JobOptions<Schema extends StandardSchemaV1 | undefined = undefined> {
  /** Schema of `UserParameters` (zod, valibot, arktype: any Standard Schema). @default none: `job.params` is undefined */
  params?: Schema;
  /** Client that reports to CodePipeline. @default one client per container from the SDK's standard configuration */
  client?: CodePipelineClient;
  /** A Powertools `Logger` (or anything shaped like it) to log through. @default a JSON logger on stdout */
  logger?: PowertoolsLikeLogger;
  /** Level of the built-in logger. @default LOG_LEVEL, POWERTOOLS_LOG_LEVEL or AWS_LAMBDA_LOG_LEVEL, else 'info' */
  logLevel?: LogLevel;
  /** Milliseconds before Lambda's timeout at which a still-running job is failed as timed out. @default 2000 */
  timeoutMarginMs?: number;
  /** Milliseconds one PutJob*Result call may take before it is retried. @default 5000 */
  reportTimeoutMs?: number;
  /** Attempts to deliver the result, the first included. @default 4 */
  reportAttempts?: number;
  /** Limits for reading input artifacts. @default see ArtifactLimits */
  artifactLimits?: Partial<ArtifactLimits>;
  /**
   * Answer for `run` even when it blocks the event loop (an endless loop, a catastrophic
   * regular expression): a worker thread reports the failure before Lambda's timeout.
   * Starts a thread with the first invocation.
   * @default CODEPIPELINE_HANDLER_WATCHDOG ('true' or 'false'), else false
   */
  watchdog?: boolean;
  /**
   * Turns a continuation token this framework did not write into the state
   * `job.state()` returns, so this function can take over jobs in flight from the
   * function it replaced. Called only for such tokens (not JSON, or JSON without this
   * framework's version field); the round is then 2 and `job.startedAt` this
   * invocation's start. It may be async; what it throws fails the job as any error
   * from `run` does.
   * @default none: a foreign token fails the job with a message naming this option
   * @example
   * // The old function stored the deployment id as the whole token.
   * foreignContinuationToken: (token) => ({ deploymentId: token, checks: 0 }),
   */
  foreignContinuationToken?: ForeignTokenReader;
}

export const OPTION_DEFAULTS = {
  timeoutMarginMs: 2000,
  reportTimeoutMs: 5000,
  reportAttempts: 4,
} as const;

const KNOWN_OPTIONS = new Set([
  'params',
  'client',
  'logger',
  'logLevel',
  'timeoutMarginMs',
  'reportTimeoutMs',
  'reportAttempts',
  'artifactLimits',
  'watchdog',
  'foreignContinuationToken',
  'run',
]);

/** Environment variable that turns the watchdog on or off when the option is not set. */
export const WATCHDOG_ENV = 'CODEPIPELINE_HANDLER_WATCHDOG';

/** The `watchdog` option, else CODEPIPELINE_HANDLER_WATCHDOG, else off. */
export function watchdogEnabled(
  option: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (option !== undefined) return option;
  const raw = env[WATCHDOG_ENV]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new TypeError(
    `codepipeline-handler: environment variable ${WATCHDOG_ENV} must be "true" or "false", got ${JSON.stringify(env[WATCHDOG_ENV])}`,
  );
}

/** Fails loudly on a typo (`timeoutMargin`) or a nonsensical number, at cold start. */
export function validateOptions(options: object): void {
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0) {
    throw new TypeError(
      `codepipeline-handler: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')}; known options are ${[...KNOWN_OPTIONS].join(', ')}`,
    );
  }
  const numbers = options as Record<string, unknown>;
  for (const key of ['timeoutMarginMs', 'reportTimeoutMs', 'reportAttempts'] as const) {
    const value = numbers[key];
    if (
      value !== undefined &&
      (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    ) {
      throw new TypeError(`codepipeline-handler: option "${key}" must be a non-negative number`);
    }
  }
  if (numbers.watchdog !== undefined && typeof numbers.watchdog !== 'boolean') {
    throw new TypeError('codepipeline-handler: option "watchdog" must be true or false');
  }
  if (
    numbers.foreignContinuationToken !== undefined &&
    typeof numbers.foreignContinuationToken !== 'function'
  ) {
    throw new TypeError(
      'codepipeline-handler: option "foreignContinuationToken" must be a function (token) => state',
    );
  }
  if (numbers.artifactLimits !== undefined) {
    try {
      resolveLimits(numbers.artifactLimits as Partial<ArtifactLimits>);
    } catch (error) {
      throw new TypeError(
        `codepipeline-handler: option "artifactLimits": ${(error as Error).message}`,
      );
    }
  }
  const schema = numbers.params;
  if (
    schema !== undefined &&
    (typeof schema !== 'object' || schema === null || !('~standard' in schema))
  ) {
    throw new TypeError(
      'codepipeline-handler: option "params" must be a Standard Schema (for example a zod schema)',
    );
  }
}
