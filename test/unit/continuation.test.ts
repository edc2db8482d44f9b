import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeContinuation,
  encodeContinuation,
  readContinuation,
} from '../../src/continuation.js';
import { ConfigurationError, JobFailedError } from '../../src/errors.js';
import { invokeAction } from '../../src/invoke-action.js';
import { runJob } from '../../src/testing/index.js';

describe('Function: encodeContinuation', () => {
  it('round-trips any JSON state with its round and start time', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        fc.integer({ min: 1, max: 1000 }),
        (state, round) => {
          const data = {
            state: JSON.parse(JSON.stringify(state)) as unknown,
            round,
            startedAt: 1_700_000_000_000,
          };
          let token: string;
          try {
            token = encodeContinuation(data);
          } catch (error) {
            // Only a state too large for a token may be refused.
            expect((error as Error).message).toContain('too large');
            return;
          }
          expect(token.length).toBeLessThanOrEqual(2048);
          expect(decodeContinuation(token)).toEqual(data.state === null ? { ...data } : data);
        },
      ),
    );
  });

  it('refuses a state over 2048 characters with a clear failure', () => {
    // Act & Assess
    expect(() => encodeContinuation({ state: 'x'.repeat(2100), round: 1, startedAt: 0 })).toThrow(
      /continuation state is too large: it encodes to \d+ characters/,
    );
  });

  it('refuses a state that is not JSON', () => {
    // Prepare
    const state: Record<string, unknown> = {};
    state.self = state;

    // Act & Assess
    expect(() => encodeContinuation({ state, round: 1, startedAt: 0 })).toThrow(JobFailedError);
  });
});

describe('Function: decodeContinuation', () => {
  it.each([
    [
      'not JSON',
      'deployment-1234',
      /not written by codepipeline-handler.*foreignContinuationToken/,
    ],
    ['JSON without a version', '{"a":1}', /not written by codepipeline-handler/],
    ['a newer version', '{"v":2,"r":1,"t":0}', /version 2/],
    ['a damaged round', '{"v":1,"r":0,"t":0}', /damaged/],
  ])('refuses a token that is %s', (_label, token, message) => {
    expect(() => decodeContinuation(token)).toThrow(message);
  });
});

describe('Function: readContinuation', () => {
  it('reads its own tokens without calling the foreign reader', async () => {
    // Prepare
    const token = encodeContinuation({ state: { n: 1 }, round: 3, startedAt: 5 });
    const foreign = () => {
      throw new Error('not called');
    };

    // Act & Assess
    await expect(readContinuation(token, foreign)).resolves.toEqual({
      state: { n: 1 },
      round: 3,
      startedAt: 5,
    });
  });

  it.each([
    ['a plain id', 'deployment-1234'],
    ['JSON of another shape', '{"deploymentId":"d-1"}'],
  ])('hands a foreign token (%s) to the reader and continues as round 2', async (_label, token) => {
    // Act
    const continued = await readContinuation(token, async (raw) => ({ old: raw }));

    // Assess
    expect(continued.state).toEqual({ old: token });
    expect(continued.round).toBe(1);
  });

  it('still refuses a token of another version of this framework', async () => {
    await expect(readContinuation('{"v":2,"r":1,"t":0}', () => 'state')).rejects.toThrow(
      /version 2/,
    );
  });

  it.each(['A continuation token if continuing job', 'CONTINUATION_TOKEN', 'string'])(
    'tells how to fix a fixture whose token is the placeholder %o',
    async (token) => {
      // Act
      const refusal = readContinuation(token);

      // Assess
      await expect(refusal).rejects.toThrow(ConfigurationError);
      await expect(refusal).rejects.toThrow(/continuation token is placeholder text/);
      await expect(refusal).rejects.toThrow(/remove "continuationToken" from the event/);
      await expect(refusal).rejects.toThrow(/runJob\(handler, \{ state, round \}\)/);
    },
  );
});

describe('Option: foreignContinuationToken (through invokeAction)', () => {
  it('lets a replacement function take over a job in flight from the old token', async () => {
    // Prepare
    let seen: { round: number; state: unknown } | undefined;
    const handler = invokeAction({
      foreignContinuationToken: (token) => ({ deploymentId: token }),
      run: (job) => {
        seen = { round: job.round, state: job.state() };
      },
    });

    // Act
    const result = await runJob(handler, { continuationToken: 'd-0123456789' });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(seen).toEqual({ round: 2, state: { deploymentId: 'd-0123456789' } });
  });

  it('answers a sample event placeholder with a message that names the continuation token, unmasked', async () => {
    // Prepare
    let ran = false;
    const handler = invokeAction({
      run: () => {
        ran = true;
      },
    });

    // Act
    const result = await runJob(handler, {
      continuationToken: 'A continuation token if continuing job',
    });

    // Assess
    expect(ran).toBe(false);
    expect(result).toMatchObject({ status: 'failed', failureType: 'ConfigurationError' });
    expect(result.message).toMatch(/^The event's continuation token is placeholder text/);
  });

  it('fails a foreign token without the option, naming the option', async () => {
    // Act
    const result = await runJob(invokeAction({ run: () => {} }), {
      continuationToken: 'd-0123456789',
    });

    // Assess
    expect(result).toMatchObject({ status: 'failed', failureType: 'JobFailed' });
    expect(result.message).toContain('foreignContinuationToken');
  });
});
