/**
 * Faults in what the invocation is given: the event itself (not a job, or a job with
 * malformed fields) and the action's UserParameters or continuation token.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import type { JobEvent } from '../../../src/event.js';
import { jobEvent } from '../../../src/testing/index.js';
import {
  type Expected,
  type FaultCase,
  faultHandler,
  jobWithArtifact,
  secretsOf,
  TIMING,
} from '../helpers/fault-case.js';

const configurationError: Expected = { verdict: 'answered-once', answer: 'ConfigurationError' };

/** Each event fault: how to spoil a good event, and what the answer must be. */
const EVENT_FAULTS: ReadonlyArray<{
  kind: string;
  spoil: (event: JobEvent) => unknown;
  expected: Expected;
  message?: RegExp;
}> = [
  { kind: 'null instead of an event', spoil: () => null, expected: { verdict: 'no-job' } },
  {
    kind: 'a JSON string instead of an object',
    spoil: (event) => JSON.stringify(event),
    expected: { verdict: 'no-job' },
  },
  {
    kind: 'no "CodePipeline.job" key',
    spoil: () => ({ Records: [] }),
    expected: { verdict: 'no-job' },
  },
  {
    kind: 'job without an id',
    spoil: (event) => ({ 'CodePipeline.job': { ...event['CodePipeline.job'], id: undefined } }),
    expected: { verdict: 'no-job' },
  },
  {
    kind: 'job without data',
    spoil: (event) => ({ 'CodePipeline.job': { ...event['CodePipeline.job'], data: undefined } }),
    expected: { ...configurationError, message: /CodePipeline\.job\.data/ },
  },
  {
    kind: 'artifactCredentials missing',
    spoil: (event) => {
      const job = event['CodePipeline.job'];
      return {
        'CodePipeline.job': { ...job, data: { ...job.data, artifactCredentials: undefined } },
      };
    },
    expected: { ...configurationError, message: /artifactCredentials/ },
  },
  {
    kind: 'inputArtifacts not a list',
    spoil: (event) => {
      const job = event['CodePipeline.job'];
      return {
        'CodePipeline.job': { ...job, data: { ...job.data, inputArtifacts: 'BuildOutput' } },
      };
    },
    expected: { ...configurationError, message: /inputArtifacts/ },
  },
  {
    kind: 'artifact location not S3',
    spoil: (event) => {
      const job = event['CodePipeline.job'];
      const [input] = job.data.inputArtifacts ?? [];
      const moved = { ...input, location: { ...input?.location, type: 'CodeCommit' } };
      return { 'CodePipeline.job': { ...job, data: { ...job.data, inputArtifacts: [moved] } } };
    },
    expected: { ...configurationError, message: /location\.type/ },
  },
  {
    kind: 'six input artifacts (at most five)',
    spoil: (event) => {
      const job = event['CodePipeline.job'];
      const [input] = job.data.inputArtifacts ?? [];
      const six = Array.from({ length: 6 }, (_, index) => ({ ...input, name: `In${index}` }));
      return { 'CodePipeline.job': { ...job, data: { ...job.data, inputArtifacts: six } } };
    },
    expected: { ...configurationError, message: /inputArtifacts/ },
  },
];

/** A Standard Schema whose validator itself throws: user code running before `run`. */
const throwingSchema: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'fault-matrix',
    validate: () => {
      throw new Error('validator exploded');
    },
  },
};

const PARAMS_FAULTS: ReadonlyArray<{
  kind: string;
  userParameters: string | undefined;
  schema?: StandardSchemaV1;
  continuationToken?: string;
  expected: Expected;
}> = [
  {
    kind: 'UserParameters not JSON',
    userParameters: '{minRating: 4',
    expected: { ...configurationError, message: /not valid JSON/ },
  },
  {
    kind: 'UserParameters do not match the schema',
    userParameters: '{"minRating":"high"}',
    expected: { ...configurationError, message: /UserParameters\.minRating/ },
  },
  {
    kind: 'UserParameters missing',
    userParameters: undefined,
    expected: { ...configurationError, message: /missing/ },
  },
  {
    kind: 'schema validator throws',
    userParameters: '{"minRating":4}',
    schema: throwingSchema,
    expected: { verdict: 'answered-once', answer: 'JobFailed', message: /validator exploded/ },
  },
  {
    kind: 'continuation token not ours',
    userParameters: '{"minRating":4}',
    continuationToken: 'opaque-token-from-another-tool',
    expected: { verdict: 'answered-once', answer: 'JobFailed', message: /continuation token/ },
  },
];

export function inputFaultCases(): FaultCase[] {
  const events = EVENT_FAULTS.map(
    ({ kind, spoil, expected }): FaultCase => ({
      point: 'event parse',
      kind,
      expected,
      async prepare(world) {
        const { event, jobId, secrets } = await jobWithArtifact(world, undefined);
        const handler = faultHandler(() => {}, TIMING.roomy);
        return {
          event: spoil(event),
          jobId,
          handler,
          timing: TIMING.roomy,
          closedBefore: false,
          secrets,
        };
      },
    }),
  );
  const params = PARAMS_FAULTS.map(
    ({ kind, userParameters, schema, continuationToken, expected }): FaultCase => ({
      point: 'params',
      kind,
      expected,
      async prepare() {
        const event = jobEvent({
          ...(userParameters !== undefined ? { params: userParameters } : {}),
          ...(continuationToken ? { continuationToken } : {}),
        });
        const handler = faultHandler(() => {}, TIMING.roomy, {
          params: schema ?? z.object({ minRating: z.number() }),
        });
        return {
          event,
          jobId: event['CodePipeline.job'].id,
          handler,
          timing: TIMING.roomy,
          closedBefore: false,
          secrets: secretsOf(event),
        };
      },
    }),
  );
  return [...events, ...params];
}
