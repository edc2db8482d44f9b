/**
 * The embedded CodePipeline job API (src/local/job-api) set up the way tests use it:
 * it takes answers for the events tests build themselves (`jobEvent`), records every
 * call, plays scripted replies, and by default takes every valid answer so a test can
 * count how many a handler sent. `oneAnswerPerJob: true` makes it refuse a second
 * answer with InvalidJobStateException, as CodePipeline does.
 */
import { type JobApi, type ScriptedReply, startJobApi } from '../../src/local/job-api/index.js';

export type { JobApiRequest, ScriptedReply } from '../../src/local/job-api/index.js';

export function startTestJobApi(
  replies: readonly ScriptedReply[] = [],
  options: { readonly oneAnswerPerJob?: boolean } = {},
): Promise<JobApi> {
  return startJobApi({
    replies,
    oneAnswerPerJob: options.oneAnswerPerJob ?? false,
    adoptUnknownJobs: true,
  });
}
