import type { MiddlewareObj, Request } from '@middy/core';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Context } from 'aws-lambda';
import { AnsweredJobMemory, type AnsweredJobs } from './answered-jobs.js';
import { defaultCodePipelineClient, jobClientHooksOf } from './clients.js';
import { readContinuation } from './continuation.js';
import { type Deadline, startDeadline } from './deadline.js';
import { failureOf, ReportNotDeliveredError } from './errors.js';
import { parseJobEvent } from './event.js';
import { Job } from './job.js';
import {
  createJsonLogger,
  type JobLogger,
  type LogLevel,
  logLevelFromEnv,
  type PowertoolsLikeLogger,
  wrapPowertoolsLogger,
} from './logger.js';
import { type JobOptions, OPTION_DEFAULTS, validateOptions, watchdogEnabled } from './options.js';
import { failureOutcome, isOutcome, type Outcome, successOutcome } from './outcome.js';
import { type ParamsOf, parseUserParameters } from './params.js';
import { Redactor } from './redact.js';
import { type ReportOptions, reportOutcome } from './report.js';
import type { Watch } from './watchdog/index.js';
import { lazyWatchdog } from './watchdog/lazy.js';

/** What the handler resolves with (Lambda ignores it for async invocations; tests read it). */
export interface JobResult {
  readonly jobId: string;
  readonly status:
    | 'succeeded'
    | 'failed'
    | 'in-progress'
    | 'already-answered'
    | 'job-not-found'
    | 'rejected';
  readonly failureType?: string;
}

/** The Lambda context as the user's middy handler sees it: the job is on it. */
export type JobContext<Params = undefined, State = unknown> = Context & {
  job: Job<Params, State>;
};

interface Invocation {
  readonly job: Job<unknown, unknown>;
  readonly deadline: Deadline;
  readonly abort: AbortController;
  readonly report: ReportOptions;
  readonly startedMs: number;
  /** The watchdog's view of this invocation (option `watchdog`): claim before answering. */
  readonly watch: Watch | undefined;
  /** Where this invocation records its job as answered. */
  readonly answered: AnsweredJobs;
  /** Set once, by whichever path answers first: the handler's end, an error or the deadline. */
  answer?: Promise<JobResult>;
}

const invocations = new WeakMap<Job<unknown, unknown>, Invocation>();

/**
 * The key under which `invokeAction` handlers and `codePipelineJob` middlewares keep
 * their `params` schema, as a read-only, non-enumerable `{ params }` property. Tools such
 * as `codepipeline-handler check` read it to validate a template's `UserParameters`
 * after importing the handler's module, without calling the handler. A registered
 * symbol, so two copies of this package agree on it.
 *
 * @example
 * const exposed = (handler as Record<symbol, ExposedParams | undefined>)[PARAMS_SCHEMA];
 */
export const PARAMS_SCHEMA: symbol = Symbol.for('codepipeline-handler.params-schema');

/** What sits under {@link PARAMS_SCHEMA}: the schema `UserParameters` are validated with. */
export interface ExposedParams {
  readonly params: StandardSchemaV1 | undefined;
}

/** Attaches `{ params }` to `target` under {@link PARAMS_SCHEMA} (read-only, hidden from spreads). */
export function exposeParams<Target extends object>(
  target: Target,
  params: StandardSchemaV1 | undefined,
): Target {
  const exposed: ExposedParams = Object.freeze({ params });
  Object.defineProperty(target, PARAMS_SCHEMA, { value: exposed, enumerable: false });
  return target;
}

/** Resolves when `job`'s time is up (used by `invokeAction` to stop waiting for `run`). */
export function deadlineOf(job: Job<unknown, unknown>): Promise<void> {
  return invocations.get(job)?.deadline.expired ?? new Promise(() => {});
}

/** Where a continued job stands: the state, round and start its token carried. */
interface Continued {
  readonly state: unknown;
  readonly round: number;
  readonly startedAt: number;
}

/**
 * The engine as a middy middleware: `before` parses the event and puts the `Job` on
 * `context.job`; the handler returns an Outcome (or nothing, for success); `after`
 * reports it; `onError` reports a thrown error as a failure and resolves normally, so
 * Lambda does not re-run a job that is already answered. A deadline answers for a
 * handler that hangs.
 *
 * @example
 * ```ts
 * import middy from '@middy/core';
 * import { codePipelineJob, type JobContext } from 'codepipeline-handler';
 *
 * export const handler = middy(async (_event: unknown, context: JobContext) =>
 *   context.job.succeed({ summary: 'checked' }),
 * ).use(codePipelineJob({ timeoutMarginMs: 3000 }));
 * ```
 */
export function codePipelineJob<Schema extends StandardSchemaV1 | undefined = undefined>(
  options: JobOptions<Schema> = {},
): MiddlewareObj<unknown, unknown, Error, Context> {
  validateOptions(options);
  const timeoutMarginMs = options.timeoutMarginMs ?? OPTION_DEFAULTS.timeoutMarginMs;
  const reportTimeoutMs = options.reportTimeoutMs ?? OPTION_DEFAULTS.reportTimeoutMs;
  const reportAttempts = options.reportAttempts ?? OPTION_DEFAULTS.reportAttempts;
  // Read once per container: the environment does not change between invocations.
  const logLevel = options.logLevel ?? logLevelFromEnv();
  // This handler's own memory of answered jobs: the repeated deliveries a container gets.
  const answeredByThisHandler = new AnsweredJobMemory();
  const watchdog = watchdogEnabled(options.watchdog)
    ? lazyWatchdog({
        client: () => options.client ?? defaultCodePipelineClient(),
        reportTimeoutMs,
        reportAttempts,
        logLevel,
      })
    : undefined;

  // Synchronous unless the invocation needs to wait (the watchdog, a params schema, a
  // continuation token, an early answer): middy awaits only what returns a promise, and
  // this runs on every invocation.
  const codePipelineJobBefore = (
    request: Request<unknown, unknown, Error, Context>,
  ): JobResult | Promise<JobResult | undefined> | undefined => {
    const context = request.context as Partial<JobContext<unknown, unknown>>;
    // A context object reused across calls (tests, local runners) must not carry the
    // previous invocation's job into this one's error handling.
    if ('job' in context) delete context.job;
    // A harness (the testing kit) may serve this invocation's clients and memory.
    const hooks = jobClientHooksOf(context);
    const answered = hooks?.answeredJobs ?? answeredByThisHandler;
    const parsed = parseJobEvent(request.event);
    const jobId = parsed.ok ? parsed.job.id : parsed.jobId;
    const redactor = new Redactor(
      parsed.ok
        ? [
            parsed.job.data.artifactCredentials.secretAccessKey,
            parsed.job.data.artifactCredentials.sessionToken,
            parsed.job.data.artifactCredentials.accessKeyId,
          ]
        : secretsOfMalformed(request.event),
    );
    const logger = makeLogger(options.logger, logLevel, redactor, jobId);
    const startedAt = Date.now();
    const deadline = startDeadline(request.context, timeoutMarginMs);
    const report: ReportOptions = {
      client: hooks?.codePipeline?.() ?? options.client ?? defaultCodePipelineClient(),
      logger,
      redactor,
      reportTimeoutMs,
      reportAttempts,
      remainingMs: deadline.remainingMs,
    };

    if (answered.has(jobId)) {
      deadline.cancel();
      logger.warn(
        'This job was already answered by this container; ignoring the repeated delivery',
      );
      return { jobId, status: 'already-answered' };
    }
    // Failures before `run` (malformed event, bad UserParameters, foreign token) are answered here.
    const answerEarly = (error: unknown, watch: Watch | undefined) => {
      deadline.cancel();
      const { failureType, message } = failureOf(error);
      logger.error('The job cannot start', { failureType, message });
      return finish(jobId, failureOutcome(message, failureType), { report, answered, watch });
    };
    if (!parsed.ok) return answerEarly(parsed.error, undefined);

    const configuration = parsed.job.data;
    const start = (watch: Watch | undefined, params: unknown, continued: Continued) => {
      const abort = new AbortController();
      const job = new Job<unknown, unknown>({
        data: parsed.job,
        params,
        logger,
        redactor,
        round: continued.round + 1,
        startedAt: new Date(continued.startedAt),
        state: continued.state,
        remainingTimeMs: deadline.remainingMs,
        signal: abort.signal,
        lambdaContext: request.context,
        ...(hooks ? { clientSetup: hooks } : {}),
        ...(options.artifactLimits ? { artifactLimits: options.artifactLimits } : {}),
      });
      const invocation: Invocation = {
        job,
        deadline,
        abort,
        report,
        startedMs: Date.now(),
        watch,
        answered,
      };
      invocations.set(job, invocation);
      deadline.onExpired(() => {
        invocation.answer ??= answerTimeout(invocation, timeoutMarginMs);
      });
      (request.context as JobContext<unknown, unknown>).job = job;
      logger.debug('Job started', { round: job.round, functionName: job.functionName });
      return undefined;
    };
    const needsParams = options.params !== undefined;
    const token = configuration.continuationToken;
    if (!watchdog && !needsParams && token === undefined) {
      return start(undefined, undefined, { state: undefined, round: 0, startedAt: Date.now() });
    }
    return (async () => {
      // Watched from here on: a parser or `run` that blocks the event loop is answered for.
      const watch = watchdog
        ? await watchdog.watch({
            jobId,
            startedAt,
            budgetMs: deadline.budgetMs,
            remainingMs: deadline.remainingMs(),
            marginMs: timeoutMarginMs,
          })
        : undefined;
      let params: unknown;
      let continued: Continued = { state: undefined, round: 0, startedAt: Date.now() };
      try {
        if (options.params) {
          params = await parseUserParameters(
            options.params,
            configuration.actionConfiguration.configuration.UserParameters,
          );
        }
        if (token !== undefined) {
          continued = await readContinuation(token, options.foreignContinuationToken);
        }
      } catch (error) {
        return answerEarly(error, watch);
      }
      return start(watch, params, continued);
    })();
  };

  const codePipelineJobAfter = async (request: Request<unknown, unknown, Error, Context>) => {
    const invocation = invocationOf(request);
    if (!invocation) return;
    invocation.deadline.cancel();
    const returned = request.response;
    invocation.answer ??= finish(
      invocation.job.id,
      outcomeOf(returned, invocation.job),
      invocation,
    );
    request.response = await invocation.answer;
  };

  const codePipelineJobOnError = async (request: Request<unknown, unknown, Error, Context>) => {
    const invocation = invocationOf(request);
    // No job (the event is not a CodePipeline job), or the report itself failed: let it throw.
    if (!invocation || isInstance(request.error, ReportNotDeliveredError)) return;
    invocation.deadline.cancel();
    if (isMiddyTimeout(request.error)) {
      invocation.answer ??= answerTimeout(invocation, 0);
    } else {
      const { failureType, message } = failureOf(request.error);
      invocation.job.logger.error('run threw; reporting failure', {
        failureType,
        error: request.error,
      });
      invocation.answer ??= finish(
        invocation.job.id,
        failureOutcome(message, failureType),
        invocation,
      );
    }
    request.response = await invocation.answer;
  };

  // The `before` function carries it too: middy keeps only the functions of a middleware.
  exposeParams(codePipelineJobBefore, options.params);
  return exposeParams(
    { before: codePipelineJobBefore, after: codePipelineJobAfter, onError: codePipelineJobOnError },
    options.params,
  );
}

function invocationOf(request: Request<unknown, unknown, Error, Context>): Invocation | undefined {
  const job = (request.context as Partial<JobContext<unknown, unknown>>).job;
  return job ? invocations.get(job) : undefined;
}

/** The Outcome `run` asked for: what it returned, else what it recorded, else success. */
function outcomeOf(returned: unknown, job: Job<unknown, unknown>): Outcome {
  if (isOutcome(returned)) return returned;
  if (returned !== undefined) {
    job.logger.warn('run returned a value that is not an Outcome; treating it as success', {
      returnedType: typeof returned,
    });
  }
  return job.recordedOutcome ?? successOutcome();
}

function answerTimeout(invocation: Invocation, marginMs: number): Promise<JobResult> {
  const ranMs = Date.now() - invocation.startedMs;
  const { budgetMs } = invocation.deadline;
  invocation.abort.abort(new Error('The job timed out'));
  const message =
    budgetMs <= 0 && marginMs > 0
      ? `The job timed out before it could run: the invocation had less than the ${marginMs} ms kept for reporting. Raise the function's timeout.`
      : `The job timed out: run did not finish within ${budgetMs} ms (the Lambda timeout minus ${marginMs} ms kept for reporting); it ran for ${ranMs} ms.`;
  invocation.job.logger.error('run timed out; reporting failure', { ranMs, budgetMs });
  return finish(invocation.job.id, failureOutcome(message, 'JobFailed'), invocation);
}

/** How an answer leaves: the report's settings, the memory it is recorded in, the watchdog. */
interface AnswerPath {
  readonly report: ReportOptions;
  readonly answered: AnsweredJobs;
  readonly watch: Watch | undefined;
}

async function finish(jobId: string, outcome: Outcome, path: AnswerPath): Promise<JobResult> {
  const { report, answered, watch } = path;
  if (watch && !watch.claimAnswer()) return answeredByWatchdog(jobId, outcome, path, watch);
  const result = await reportOutcome(jobId, outcome, report);
  // A job CodePipeline does not know was not answered: a repeat delivery must hear the
  // same "does not know this job", not "already answered by this container".
  if (result.status !== 'job-not-found') answered.add(jobId);
  const status = result.status === 'reported' ? result.sent.status : result.status;
  return {
    jobId,
    status,
    ...(result.sent.status === 'failed' ? { failureType: result.sent.failureType } : {}),
  };
}

/**
 * `run` blocked the event loop past the deadline and the watchdog thread answered the
 * job meanwhile: this thread's own answer is dropped, so CodePipeline gets only one.
 */
async function answeredByWatchdog(
  jobId: string,
  dropped: Outcome,
  { report, answered }: AnswerPath,
  watch: Watch,
): Promise<JobResult> {
  // Wait for the watchdog's report: the invocation must not end (and freeze) mid-call.
  const verdict = await watch.verdict(report.remainingMs?.() ?? 0);
  answered.add(jobId);
  report.logger.warn(
    'run blocked the event loop and the watchdog answered the job meanwhile; not reporting this result',
    { watchdog: verdict ?? 'still reporting', dropped: dropped.status },
  );
  if (verdict === 'reported') return { jobId, status: 'failed', failureType: 'JobFailed' };
  if (verdict === 'already-answered' || verdict === 'rejected') return { jobId, status: verdict };
  throw new ReportNotDeliveredError(jobId);
}

function makeLogger(
  powertools: PowertoolsLikeLogger | undefined,
  level: LogLevel,
  redactor: Redactor,
  jobId: string,
): JobLogger {
  if (powertools) {
    powertools.appendKeys?.({ jobId });
    return wrapPowertoolsLogger(powertools, redactor);
  }
  return createJsonLogger({ keys: { jobId }, redactor, level });
}

function isMiddyTimeout(error: unknown): boolean {
  try {
    return (
      error instanceof Error &&
      error.name === 'TimeoutError' &&
      String(error.message).includes('[AbortError]')
    );
  } catch {
    return false; // run threw something unreadable (a revoked Proxy): not middy's timeout
  }
}

/** `instanceof` that cannot throw: run may throw anything, a revoked Proxy included. */
function isInstance(value: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/** Credentials of an event that failed validation, so they are still masked if they are strings. */
function secretsOfMalformed(event: unknown): string[] {
  const credentials = (
    event as { 'CodePipeline.job'?: { data?: { artifactCredentials?: unknown } } }
  )['CodePipeline.job']?.data?.artifactCredentials;
  if (!credentials || typeof credentials !== 'object') return [];
  return Object.values(credentials).filter((value): value is string => typeof value === 'string');
}

export type { ParamsOf };
