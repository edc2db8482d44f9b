import { invokeAction } from 'codepipeline-handler';
import { z } from 'zod';

// Checks a deployment once per round until it has been checked `times` times.
export const handler = invokeAction({
  params: z.object({ deploymentId: z.string(), times: z.number() }),
  run(job) {
    const checks = (job.state<number>() ?? 0) + 1;
    if (checks < job.params.times) return job.inProgress(checks, { summary: `check ${checks}` });
    return job.succeed({ summary: `${job.params.deploymentId} checked ${checks} times` });
  },
});
