import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JOB_ID_PATTERN } from '../../src/api-limits.js';
import { ConfigurationError, NotAJobEventError } from '../../src/errors.js';
import { parseJobEvent } from '../../src/event.js';
import { BASE, FUZZ_JOB_ID, mutatedEventArb, UNCLEAR } from '../helpers/mutated-event.js';

/** Checks that hold for every refusal: clear, bounded, no secret in it. */
function expectClearRefusal(message: string): void {
  expect(message).toContain('CodePipeline.job');
  expect(message).not.toMatch(UNCLEAR);
  expect(message.length).toBeLessThan(2000);
  for (const secret of BASE.secrets) expect(message).not.toContain(secret);
}

describe('Fuzz: parseJobEvent with mutated events', () => {
  it('parses, refuses the job naming a field, or refuses the event, and never leaks or pollutes', () => {
    fc.assert(
      fc.property(mutatedEventArb, (event) => {
        let parsed: ReturnType<typeof parseJobEvent>;
        try {
          parsed = parseJobEvent(event);
        } catch (error) {
          // Nothing can be reported without a job id: the refusal must still say why.
          expect(error).toBeInstanceOf(NotAJobEventError);
          expectClearRefusal((error as Error).message);
          return;
        }
        // Whatever is reported goes to an id CodePipeline would accept.
        const jobId = parsed.ok ? parsed.job.id : parsed.jobId;
        expect(jobId).toMatch(JOB_ID_PATTERN);
        if (!parsed.ok) {
          expect(parsed.error).toBeInstanceOf(ConfigurationError);
          expect(parsed.error.message).toMatch(
            /^The CodePipeline job event is malformed: CodePipeline\.job[.\w]*: /,
          );
          expectClearRefusal(parsed.error.message);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 800 },
    );
  });

  it.each([
    ['a non-UUID id', 'job-1'],
    ['an id with a trailing newline', `${FUZZ_JOB_ID}\n`],
    ['an upper-case id', FUZZ_JOB_ID.toUpperCase()],
    ['a huge id', 'x'.repeat(1_000_000)],
    ['a blank id', '   '],
  ])('refuses %s as not a job event (nothing could be reported to it)', (_label, id) => {
    // Prepare
    const event = structuredClone(BASE.event);
    event['CodePipeline.job'].id = id;

    // Act & Assess
    expect(() => parseJobEvent(event)).toThrow(NotAJobEventError);
    expect(() => parseJobEvent(event)).toThrow(
      /"CodePipeline\.job"\.id is not a CodePipeline job id/,
    );
    try {
      parseJobEvent(event);
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(400);
    }
  });

  it('keeps the refusal short when the event has huge keys', () => {
    // Prepare
    const event = { ['k'.repeat(100_000)]: 1, other: 2 };

    // Act
    const refusal = (() => {
      try {
        parseJobEvent(event);
      } catch (error) {
        return error as Error;
      }
      throw new Error('expected a refusal');
    })();

    // Assess
    expect(refusal).toBeInstanceOf(NotAJobEventError);
    expect(refusal.message.length).toBeLessThan(400);
    expect(refusal.message).toContain('other');
  });
});
