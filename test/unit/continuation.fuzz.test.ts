import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeContinuation, encodeContinuation } from '../../src/continuation.js';
import { JobFailedError } from '../../src/errors.js';

const STARTED_AT = 1_700_000_000_000;

/**
 * What the next round may get back for `value`: the same value with -0 as 0 and
 * prototype-less objects as plain ones (JSON cannot tell them apart, nobody relies on
 * the difference). Everything else (undefined, Dates, Maps, class instances, holes)
 * is kept as is, so a strict comparison with the decoded state catches any change.
 */
function acceptedForm(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) {
    const copy = new Array(value.length);
    for (const key of Object.keys(value)) {
      copy[key as unknown as number] = acceptedForm(
        (value as unknown as Record<string, unknown>)[key],
      );
    }
    return copy;
  }
  if (value === null || typeof value !== 'object') return value;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== null && prototype !== Object.prototype) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Reflect.ownKeys(value)) {
    Object.defineProperty(copy, key, {
      value: acceptedForm((value as Record<string | symbol, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** Any JavaScript value a gate might put in its state, including the ones JSON changes. */
const anyState = fc.anything({
  maxDepth: 3,
  maxKeys: 5,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

describe('Fuzz: continuation state through the token', () => {
  it('comes back strictly equal, or is refused naming where and why; never changed silently', () => {
    let stored = 0;
    let refused = 0;
    fc.assert(
      fc.property(anyState, fc.integer({ min: 1, max: 10_000 }), (state, round) => {
        let token: string;
        try {
          token = encodeContinuation({ state, round, startedAt: STARTED_AT });
        } catch (error) {
          expect(error).toBeInstanceOf(JobFailedError);
          expect((error as Error).message).toMatch(
            /^The continuation state (is too large|cannot be stored: (it is not JSON-serialisable|state))/,
          );
          refused++;
          return;
        }
        expect(token.length).toBeLessThanOrEqual(2048);
        const decoded = decodeContinuation(token);
        expect(decoded.round).toBe(round);
        expect(decoded.startedAt).toBe(STARTED_AT);
        expect(decoded.state).toStrictEqual(acceptedForm(state));
        stored++;
      }),
      { numRuns: 1500 },
    );
    // Both outcomes happen, so neither branch is vacuous.
    expect(stored).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it.each([
    ['an undefined property', { a: 1, b: undefined }, 'state.b has no value (undefined)'],
    ['NaN', { ratio: Number.NaN }, 'state.ratio is NaN'],
    ['Infinity in an array', [1, Number.POSITIVE_INFINITY], 'state[1] is Infinity'],
    ['undefined in an array', [1, undefined], 'state[1] is undefined'],
    ['a hole', Object.assign(new Array(3), { 0: 1, 2: 3 }), 'state is a sparse array'],
    ['a Date', { since: new Date(0) }, 'state.since is a Date'],
    ['a Map', { seen: new Map([['a', 1]]) }, 'state.seen is a Map instance'],
    ['a function', { next: () => 1 }, 'state.next is a function'],
    ['a symbol key', { [Symbol('k')]: 1 }, 'state has symbol keys'],
    ['an odd key', { 'a b': { c: undefined } }, 'state["a b"].c has no value'],
  ])('refuses %s naming the place', (_label, state, expected) => {
    // Act & Assess
    expect(() => encodeContinuation({ state, round: 1, startedAt: 0 })).toThrow(expected);
  });

  it('refuses a BigInt as not JSON-serialisable', () => {
    // Act & Assess
    expect(() => encodeContinuation({ state: { n: 1n }, round: 1, startedAt: 0 })).toThrow(
      /not JSON-serialisable/,
    );
  });
});

describe('Fuzz: decoding foreign and damaged tokens', () => {
  const damagedToken = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
    fc
      .record(
        {
          v: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
          r: fc.oneof(fc.integer({ min: 1 }), fc.double(), fc.jsonValue({ maxDepth: 1 })),
          t: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e300, -1e300, 8.64e15 + 1)),
          s: fc.jsonValue({ maxDepth: 2 }),
          __proto__: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      )
      .map((token) => JSON.stringify(token)),
  );

  it('reads a usable round and start time, or refuses the token clearly', () => {
    fc.assert(
      fc.property(damagedToken, (token) => {
        let decoded: ReturnType<typeof decodeContinuation>;
        try {
          decoded = decodeContinuation(token);
        } catch (error) {
          expect(error).toBeInstanceOf(JobFailedError);
          expect((error as Error).message).toMatch(/^The continuation token /);
          return;
        }
        expect(Number.isSafeInteger(decoded.round) && decoded.round >= 1).toBe(true);
        expect(Number.isNaN(new Date(decoded.startedAt).getTime())).toBe(false);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['a start time no Date can hold', '{"v":1,"r":1,"t":1e300}'],
    ['a round past the safe integers', '{"v":1,"r":1e300,"t":0}'],
  ])('refuses %s as damaged', (_label, token) => {
    // Act & Assess
    expect(() => decodeContinuation(token)).toThrow(/damaged/);
  });
});
