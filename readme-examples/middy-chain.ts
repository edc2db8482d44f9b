import middy from '@middy/core';
import { codePipelineJob, type JobContext } from 'codepipeline-handler';
import { z } from 'zod';

const params = z.object({ env: z.string() });

export const handler = middy(async (_event: unknown, context: JobContext<z.infer<typeof params>>) =>
  context.job.succeed({ summary: `checked ${context.job.params.env}` }),
).use(codePipelineJob({ params }));
