import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JOB_ID_PATTERN } from '../../src/api-limits.js';
import { invokeAction, type Job, NotAJobEventError } from '../../src/index.js';
import {
  apiReferenceViolations,
  recordingCodePipeline,
} from '../helpers/codepipeline-expectations.js';
import { context } from '../helpers/context.js';
import { BASE, FUZZ_JOB_ID, mutatedEventArb, UNCLEAR } from '../helpers/mutated-event.js';

/** A logger that keeps its lines so the test can search them for secrets. */
function recordingLogger(lines: string[]) {
  const record = (message: string, ...extra: unknown[]) => {
    lines.push(JSON.stringify([message, ...extra]));
  };
  return { debug: record, info: record, warn: record, error: record };
}

/** A shallow copy with the base job id replaced (fast-check replays the same value when shrinking). */
function withFreshJobId(event: unknown, run: number): unknown {
  const job = (event as { 'CodePipeline.job'?: unknown } | null)?.['CodePipeline.job'];
  if (job === null || typeof job !== 'object' || (job as { id?: unknown }).id !== FUZZ_JOB_ID) {
    return event;
  }
  const id = `c0ffee00-0000-4000-8000-${String(run).padStart(12, '0')}`;
  return { ...(event as object), 'CodePipeline.job': { ...job, id } };
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => {
  unhandled.push(reason);
};

describe('Fuzz: invokeAction with mutated events', () => {
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('answers once to a valid job id, or refuses the event, with a clear message', async () => {
    const runs = { answered: 0, malformed: 0, refused: 0 };
    let runNumber = 0;
    await fc.assert(
      fc.asyncProperty(mutatedEventArb, fc.boolean(), async (mutated, withParams) => {
        // Prepare: a fresh job id per run (the engine ignores a job id it has answered)
        const event = withFreshJobId(mutated, ++runNumber);
        const { client, sent } = recordingCodePipeline();
        const logs: string[] = [];
        const options = {
          client,
          logger: recordingLogger(logs),
          run: async (job: Job<unknown, unknown>) =>
            job.round === 1
              ? job.inProgress({ n: 1 })
              : job.succeed({ summary: `round ${job.round}` }),
        };
        const handler = withParams
          ? invokeAction({
              ...options,
              params: z.object({ minRating: z.number(), file: z.string() }),
            })
          : invokeAction(options);

        // Act
        const outcome = await (handler as (e: unknown, c: unknown) => Promise<unknown>)(
          event,
          context(),
        ).then(
          (value) => ({ value, error: undefined }),
          (error: unknown) => ({ value: undefined, error }),
        );

        // Assess
        if (outcome.error !== undefined) {
          // Only an event without a usable job id may throw, and then nothing was sent.
          expect(outcome.error).toBeInstanceOf(NotAJobEventError);
          expect((outcome.error as Error).message).not.toMatch(UNCLEAR);
          expect(sent).toEqual([]);
          runs.refused++;
        } else {
          expect(sent).toHaveLength(1);
          const [answer] = sent;
          expect(answer?.input.jobId).toMatch(JOB_ID_PATTERN);
          expect(apiReferenceViolations(answer?.operation ?? '', answer?.input ?? {})).toEqual([]);
          if (answer?.operation === 'PutJobFailureResult') {
            const message = (answer.input.failureDetails as { message: string }).message;
            expect(message).not.toContain('[object Object]');
            // After "UserParameters ...:" come the user's schema's own words (zod says
            // "received undefined"); everything the framework words itself must be clear.
            if (!message.startsWith('UserParameters')) expect(message).not.toMatch(UNCLEAR);
            if (message.startsWith('The CodePipeline job event is malformed')) runs.malformed++;
          }
          runs.answered++;
        }
        for (const line of [...logs, ...sent.map((call) => JSON.stringify(call.input))]) {
          for (const secret of BASE.secrets) expect(line).not.toContain(secret);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 500 },
    );
    // Let any stray promise settle before counting unhandled rejections.
    await new Promise((resolve) => setImmediate(resolve));

    expect(unhandled).toEqual([]);
    // The mutations reach every path, not just the first check.
    expect(runs.answered).toBeGreaterThan(0);
    expect(runs.malformed).toBeGreaterThan(0);
    expect(runs.refused).toBeGreaterThan(0);
  });
});
