import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAILURE_TYPES, type FailureType } from '../../src/errors.js';
import { createJsonLogger } from '../../src/logger.js';
import {
  failureOutcome,
  inProgressOutcome,
  type Outcome,
  successOutcome,
} from '../../src/outcome.js';
import { Redactor } from '../../src/redact.js';
import { reportOutcome } from '../../src/report.js';
import {
  apiReferenceViolations,
  recordingCodePipeline,
} from '../helpers/codepipeline-expectations.js';

const JOB_ID = 'c0ffee00-0000-4000-8000-00000000beef';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** Text of every shape: empty, blank, huge, odd Unicode, lone surrogates, a secret inside. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('', ' ', '\n\t ', SECRET, `${SECRET} `.repeat(300)),
  fc
    .tuple(
      fc.constantFrom('a', '😀', '\ud83d', 'é', ' ', SECRET),
      fc.integer({ min: 1, max: 6000 }),
    )
    .map(([unit, count]) => unit.repeat(count)),
  fc
    .tuple(fc.integer({ min: 1, max: 6000 }), fc.constantFrom('😀', '\ud83d'))
    .map(([count, tail]) => `${'x'.repeat(count)}${tail}${'y'.repeat(count)}`),
);

/** What JavaScript callers (no type checker) might pass where a string belongs. */
const notText = fc.constantFrom<unknown>(42, true, null, { a: 1 }, ['a'], Number.NaN);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const percent = maybe(
  fc.oneof(
    fc.double(),
    fc.integer({ min: -1000, max: 1000 }),
    fc.constantFrom<unknown>('50', null, Number.NaN),
  ),
);

const variables = fc.oneof(
  fc.dictionary(fc.stringMatching(/^[A-Za-z0-9@\-_]{1,20}$/), text, { maxKeys: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(text, notText), { maxKeys: 5 }),
  // Near and over the 122 880 bytes CodePipeline allows one action's variables in total.
  fc
    .integer({ min: 100_000, max: 140_000 })
    .map((size) => ({ big: 'v'.repeat(size), small: 'ok' })),
  fc.constantFrom<unknown>('not-an-object', ['a'], 7),
);

const failureType = fc.oneof(
  fc.constantFrom(...FAILURE_TYPES),
  fc.constantFrom<unknown>('Nope', '', undefined),
);

const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  fc
    .record({
      summary: maybe(fc.oneof(text, notText)),
      externalExecutionId: maybe(fc.oneof(text, notText)),
      percentComplete: percent,
      outputVariables: maybe(variables),
    })
    .map((details) => successOutcome(details as never)),
  fc
    .record({
      summary: maybe(fc.oneof(text, notText)),
      externalExecutionId: maybe(text),
      percentComplete: percent,
      token: fc.string({ minLength: 1, maxLength: 2048 }),
    })
    .map(({ token, ...details }) => inProgressOutcome(token, details as never)),
  fc
    .record({
      message: fc.oneof(text, notText),
      failureType,
      externalExecutionId: maybe(fc.oneof(text, notText)),
    })
    .map(({ message, failureType, externalExecutionId }) =>
      failureOutcome(message as string, failureType as FailureType, externalExecutionId as string),
    ),
);

describe('Fuzz: clamping and checking what is reported', () => {
  it('sends exactly one result CodePipeline accepts, whatever the outcome holds', async () => {
    const statuses = new Set<string>();
    await fc.assert(
      fc.asyncProperty(outcomeArb, async (outcome) => {
        // Prepare
        const { client, sent } = recordingCodePipeline();
        const logs: string[] = [];
        const redactor = new Redactor([SECRET]);
        const logger = createJsonLogger({
          keys: { jobId: JOB_ID },
          redactor,
          level: 'debug',
          sink: (line) => logs.push(line),
        });

        // Act
        const result = await reportOutcome(JOB_ID, outcome, { client, logger, redactor });

        // Assess
        expect(sent).toHaveLength(1);
        expect(apiReferenceViolations(sent[0]?.operation ?? '', sent[0]?.input ?? {})).toEqual([]);
        expect(result.status).toBe('reported');
        statuses.add(result.sent.status);
        const message = (sent[0]?.input.failureDetails as { message?: string } | undefined)
          ?.message;
        if (message !== undefined) expect(message).not.toMatch(/\[object Object\]/);
        for (const line of [...logs, JSON.stringify(sent[0]?.input)]) {
          expect(line).not.toContain(SECRET);
        }
      }),
      { numRuns: 400 },
    );
    expect([...statuses].sort()).toEqual(['failed', 'in-progress', 'succeeded']);
  });
});

describe('Regressions found by the fuzzing', () => {
  const send = async (outcome: Outcome) => {
    const { client, sent } = recordingCodePipeline();
    const redactor = new Redactor([SECRET]);
    const logger = createJsonLogger({ keys: {}, redactor, sink: () => {} });
    await reportOutcome(JOB_ID, outcome, { client, logger, redactor });
    return sent;
  };

  it('reports an unknown failure type as JobFailed, saying so', async () => {
    // Act
    const sent = await send(failureOutcome('broke', 'Nope' as FailureType));

    // Assess
    expect(sent).toHaveLength(1);
    expect(sent[0]?.input.failureDetails).toMatchObject({
      type: 'JobFailed',
      message: 'broke (failure type "Nope" is not one CodePipeline knows; reported as JobFailed)',
    });
  });

  it('fails clearly, in one call, when output variables exceed 122 880 bytes', async () => {
    // Act
    const sent = await send(successOutcome({ outputVariables: { big: 'v'.repeat(130_000) } }));

    // Assess
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]?.input.failureDetails)).toContain(
      'together they are 130003 bytes, more than the 122880 bytes',
    );
  });

  it('masks secrets in output variables and the external execution id', async () => {
    // Act
    const sent = await send(
      successOutcome({ outputVariables: { key: SECRET }, externalExecutionId: `id ${SECRET}` }),
    );

    // Assess
    expect(sent[0]?.input).toMatchObject({
      outputVariables: { key: '[REDACTED]' },
      executionDetails: { externalExecutionId: 'id [REDACTED]' },
    });
  });

  it('sends a summary a JavaScript caller gave as a number or an object as text', async () => {
    // Act
    const sent = await send(successOutcome({ summary: { passed: 3 } as never }));

    // Assess
    expect(sent[0]?.input).toMatchObject({ executionDetails: { summary: '{"passed":3}' } });
  });
});
