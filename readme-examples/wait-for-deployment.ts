import { invokeAction } from 'codepipeline-handler';
import { z } from 'zod';

type State = { checks: number };

// Asks a status endpoint once per round; CodePipeline calls again while it says IN_PROGRESS.
export const handler = invokeAction<z.ZodType<{ statusUrl: string }>, State>({
  params: z.object({ statusUrl: z.string().url() }),
  async run(job) {
    const checks = (job.state()?.checks ?? 0) + 1;
    const response = await fetch(job.params.statusUrl, { signal: job.signal });
    const { status } = (await response.json()) as { status: string };
    if (status === 'IN_PROGRESS') {
      return job.inProgress({ checks }, { summary: `check ${checks}: still deploying` });
    }
    if (status !== 'SUCCEEDED')
      return job.fail(`deployment ended ${status} after ${checks} checks`);
    return job.succeed({ summary: `deployed after ${checks} checks` });
  },
});
