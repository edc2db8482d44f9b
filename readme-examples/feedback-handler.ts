import { ConfigurationError, invokeAction } from 'codepipeline-handler';
import { z } from 'zod';

export const handler = invokeAction({
  // UserParameters is JSON-decoded, then validated by any Standard Schema (zod, valibot, arktype).
  params: z.object({
    minRating: z.number().min(1).max(5),
    file: z.string().default('ratings.json'),
  }),
  async run(job) {
    const ratings = await job.input('BuildOutput').json<number[]>(job.params.file);
    if (ratings.length === 0) throw new ConfigurationError(`${job.params.file} holds no ratings`);
    const average = ratings.reduce((sum, rating) => sum + rating, 0) / ratings.length;
    job.logger.info('ratings read', { count: ratings.length, average });
    if (average < job.params.minRating) {
      return job.fail(`average rating ${average.toFixed(2)} is below ${job.params.minRating}`);
    }
    return job.succeed({
      summary: `average rating ${average.toFixed(2)} over ${ratings.length} ratings`,
      outputVariables: { averageRating: average.toFixed(2) },
    });
  },
});
