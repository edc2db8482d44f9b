import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeContinuation, encodeContinuation } from '../../src/continuation.js';
import { JobFailedError } from '../../src/errors.js';

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
    ['not JSON', 'deployment-1234', /not JSON/],
    ['JSON without a version', '{"a":1}', /no version/],
    ['a newer version', '{"v":2,"r":1,"t":0}', /version 2/],
    ['a damaged round', '{"v":1,"r":0,"t":0}', /damaged/],
  ])('refuses a token that is %s', (_label, token, message) => {
    expect(() => decodeContinuation(token)).toThrow(message);
  });
});
