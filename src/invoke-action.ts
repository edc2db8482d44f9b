import middy, { type MiddyfiedHandler } from '@middy/core';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Context } from 'aws-lambda';
import type { Job } from './job.js';
import {
  codePipelineJob,
  deadlineOf,
  exposeParams,
  type JobContext,
  type JobResult,
} from './middleware.js';
import type { JobOptions } from './options.js';
import type { Outcome } from './outcome.js';
import type { ParamsOf } from './params.js';

/** `invokeAction`'s options: the engine's options plus the gate itself. */
export interface InvokeActionOptions<Schema extends StandardSchemaV1 | undefined, State>
  extends JobOptions<Schema> {
  /** The gate. Return an Outcome (`job.succeed`, `job.fail`, `job.inProgress`) or nothing for success; throw to fail. */
  run(job: Job<ParamsOf<Schema>, State>): RunResult;
}

/** What `run` may return: an Outcome, or nothing (success). */
// biome-ignore lint/suspicious/noConfusingVoidType: `void` lets run be a function that returns nothing.
export type RunResult = Promise<Outcome | void> | Outcome | void;

/** A Lambda handler for a CodePipeline Invoke action. */
export type InvokeActionHandler = MiddyfiedHandler<unknown, JobResult, Error, Context>;

/**
 * Builds the Lambda handler: a middy handler running `run` inside the
 * `codePipelineJob` engine. `.use(...)` adds other middlewares.
 *
 * @example
 * ```ts
 * import { invokeAction } from 'codepipeline-handler';
 * import * as v from 'valibot';
 *
 * export const handler = invokeAction({
 *   params: v.object({ minRating: v.number() }),
 *   async run(job) {
 *     const ratings = await job.input('BuildOutput').json<number[]>('ratings.json');
 *     const average = ratings.reduce((a, b) => a + b, 0) / ratings.length;
 *     if (average < job.params.minRating) return job.fail(`average rating ${average}`);
 *     return job.succeed({ summary: `average rating ${average}` });
 *   },
 * });
 * ```
 */
export function invokeAction<
  Schema extends StandardSchemaV1 | undefined = undefined,
  State = unknown,
>(options: InvokeActionOptions<Schema, State>): InvokeActionHandler {
  if (typeof options?.run !== 'function') {
    throw new TypeError('codepipeline-handler: invokeAction needs a run(job) function');
  }
  const { run } = options;
  // Not async: middy awaits only what returns a promise, and a synchronous `run` has
  // finished, with nothing to wait for.
  const runJob = (_event: unknown, context: Context) => {
    const job = (context as JobContext<ParamsOf<Schema>, State>).job;
    const returned = run(job);
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then !== 'function') return returned;
    // Stop waiting at the deadline: the engine has answered by then, and the invocation
    // must end before Lambda kills it (a killed invocation is retried).
    return Promise.race([returned, deadlineOf(job as Job<unknown, unknown>)]);
  };
  // middy's own early timeout is off: the engine's deadline already ends runJob in time,
  // and a second timer per invocation is pure overhead.
  const handler = middy(runJob as never, { timeoutEarlyInMillis: 0 }).use(codePipelineJob(options));
  // For `codepipeline-handler check`: the schema, readable without running anything.
  return exposeParams(handler, options.params) as unknown as InvokeActionHandler;
}
