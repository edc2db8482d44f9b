import { invokeAction } from 'codepipeline-handler';
import { pollUntil } from 'codepipeline-handler/gates';
import { z } from 'zod';

const params = z.object({ statusUrl: z.string().url() });
type Deployment = { state: 'RUNNING' | 'SUCCEEDED' | 'FAILED'; percent: number; reason?: string };

export const handler = invokeAction({
  params,
  run: pollUntil<z.infer<typeof params>>({
    maxMinutes: 30,
    async check(job) {
      const response = await fetch(job.params.statusUrl, { signal: job.signal });
      const deployment = (await response.json()) as Deployment;
      if (deployment.state === 'SUCCEEDED') return { status: 'done', summary: 'Deployed' };
      if (deployment.state === 'FAILED')
        return { status: 'failed', message: deployment.reason ?? 'failed' };
      return { status: 'pending', progress: deployment.percent, summary: deployment.state };
    },
  }),
});
