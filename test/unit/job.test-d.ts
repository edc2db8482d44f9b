import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type InvokeActionHandler, invokeAction, type Job, type Outcome } from '../../src/index.js';

describe('Types: invokeAction', () => {
  it('infers job.params from the schema', () => {
    invokeAction({
      params: z.object({ minRating: z.number(), file: z.string().default('ratings.json') }),
      run(job) {
        expectTypeOf(job.params).toEqualTypeOf<{ minRating: number; file: string }>();
      },
    });
  });

  it('types job.params as undefined without a schema', () => {
    invokeAction({
      run(job) {
        expectTypeOf(job.params).toEqualTypeOf<undefined>();
        expectTypeOf(job.userParameters).toEqualTypeOf<string | undefined>();
      },
    });
  });

  it('types job.state() with the State parameter or an explicit type argument', () => {
    invokeAction<undefined, { attempt: number }>({
      run(job) {
        expectTypeOf(job.state()).toEqualTypeOf<{ attempt: number } | undefined>();
        expectTypeOf(job.state<string[]>()).toEqualTypeOf<string[] | undefined>();
        return job.inProgress({ attempt: 1 });
      },
    });
  });

  it('accepts Outcome builders and nothing as run results', () => {
    expectTypeOf(
      invokeAction({ run: (job) => job.succeed() }),
    ).toEqualTypeOf<InvokeActionHandler>();
    expectTypeOf<Job['fail']>().returns.toExtend<Outcome>();
    // @ts-expect-error: inProgress needs the declared state type
    invokeAction<undefined, number>({ run: (job) => job.inProgress('not a number') });
  });
});
