import type * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import type { JobEvent, jobEventSchema } from '../../src/event.js';
import type { RunJobOptions } from '../../src/testing/index.js';
import event from '../events/encryption-key.json' with { type: 'json' };

describe('Types: JobEvent', () => {
  it('accepts every event the schema accepts', () => {
    expectTypeOf<v.InferInput<typeof jobEventSchema>>().toExtend<JobEvent>();
  });

  it('accepts a JSON-imported event, whose string literals are widened to string', () => {
    type Artifact = (typeof event)['CodePipeline.job']['data']['inputArtifacts'][number];
    expectTypeOf<Artifact['location']['type']>().toEqualTypeOf<string>();
    expectTypeOf(event).toExtend<JobEvent>();
    expectTypeOf({ event }).toExtend<RunJobOptions>();
  });
});
