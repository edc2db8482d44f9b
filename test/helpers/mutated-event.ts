/**
 * Hostile variations of a valid `CodePipeline.job` event for the fuzz tests: start
 * from what CodePipeline really sends and change a few places in it (drop a field,
 * swap its value for one of another type, a huge or odd string, deep nesting, or
 * add a prototype-pollution key), so most runs get past the first check and reach
 * the deeper ones.
 */
import fc from 'fast-check';
import type { JobEvent } from '../../src/event.js';
import { jobEvent } from '../../src/testing/index.js';

export const FUZZ_JOB_ID = 'c0ffee00-0000-4000-8000-000000000001';

/** A valid event with every optional part present, and the secrets it carries. */
function buildBaseEvent(): { event: JobEvent; secrets: string[] } {
  const event = jobEvent({
    jobId: FUZZ_JOB_ID,
    params: { minRating: 4, file: 'ratings.json' },
    inputArtifacts: ['BuildOutput'],
    outputArtifacts: ['Report'],
    encryptionKey: 'arn:aws:kms:us-east-1:111111111111:key/abc',
    continuationToken: JSON.stringify({ v: 1, r: 1, t: 1_700_000_000_000, s: { n: 1 } }),
  });
  const credentials = event['CodePipeline.job'].data.artifactCredentials;
  return {
    event,
    secrets: [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken],
  };
}

/** Built once, so a failing run's seed and path replay the same event. */
export const BASE = buildBaseEvent();

/** Keys that mean something to JavaScript objects, added as own properties. */
const POLLUTING_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
];

function nestedArrays(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

function nestedObjects(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = { a: value };
  return value;
}

/** Values a field might be replaced with: wrong types, edge numbers, odd and huge strings. */
const hostileValue: fc.Arbitrary<() => unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((value) => () => structuredClone(value)),
  // Thunks: each run gets a fresh copy, and the deep ones cannot be structuredClone'd.
  fc.constantFrom<() => unknown>(
    () => null,
    () => undefined,
    () => '',
    () => ' ',
    () => 0,
    () => -0,
    () => -1,
    () => 1.5,
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => true,
    () => [],
    () => {},
    () => 'x'.repeat(200_000),
    () => '💥'.repeat(5000),
    () => '\u0000\u001f\u202e\ud800',
    () => 'c0ffee00-0000-4000-8000-000000000001\n',
    () => 'C0FFEE00-0000-4000-8000-000000000001',
    () => '00000000-0000-0000-0000-000000000000',
    () => JSON.parse('{"__proto__":{"polluted":true}}'),
    () => JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
    () => nestedArrays(10_000),
    () => nestedObjects(10_000),
    // Continuation tokens and UserParameters that are JSON, but hostile JSON.
    () => '{"v":1,"r":1,"t":0,"s":{"__proto__":{"polluted":true}}}',
    () => '{"v":1,"r":1.5,"t":0}',
    () => '{"v":1,"r":1,"t":1e300}',
    () => '{"v":2}',
    () => '[]',
    () => 'null',
    () => '{"__proto__":{"polluted":true},"minRating":4,"file":"a"}',
    () => `${'['.repeat(5000)}${']'.repeat(5000)}`,
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((value) => () => value),
  fc.string({ unit: 'binary', maxLength: 40 }).map((value) => () => value),
);

export interface Mutation {
  readonly kind: 'drop' | 'replace' | 'addKey';
  /** Which place, modulo the number of places at the time the mutation applies. */
  readonly at: number;
  /** Makes the new value (fresh each time, so no run changes another's). */
  readonly value: () => unknown;
  readonly key: string;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('drop', 'replace', 'addKey'),
  at: fc.nat(),
  value: hostileValue,
  key: fc.oneof(fc.constantFrom(...POLLUTING_KEYS), fc.string({ maxLength: 8 })),
});

/** Every place in `root` (object or array) with the key under which it holds a child. */
function places(root: unknown): { parent: Record<string, unknown>; key: string }[] {
  const found: { parent: Record<string, unknown>; key: string }[] = [];
  const visit = (node: unknown, depth: number) => {
    if (node === null || typeof node !== 'object' || depth > 8) return;
    for (const key of Object.keys(node)) {
      found.push({ parent: node as Record<string, unknown>, key });
      visit((node as Record<string, unknown>)[key], depth + 1);
    }
  };
  visit(root, 0);
  return found;
}

/** Defines an own property even for `__proto__`, the way JSON.parse does. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A copy of the base event with `mutations` applied one after the other. */
export function applyMutations(base: JobEvent, mutations: readonly Mutation[]): unknown {
  const root = { value: structuredClone(base) as unknown };
  for (const mutation of mutations) {
    const all = [{ parent: root as Record<string, unknown>, key: 'value' }, ...places(root.value)];
    const place = all[mutation.at % all.length];
    if (!place) continue;
    const current = place.parent[place.key];
    if (mutation.kind === 'drop' && place.parent !== root) {
      delete place.parent[place.key];
    } else if (mutation.kind === 'addKey' && current !== null && typeof current === 'object') {
      // An array's `length` cannot hold an arbitrary value (defining it throws a
      // RangeError before the code under test runs), and no JSON text can set it.
      if (Array.isArray(current) && mutation.key === 'length') continue;
      setOwn(current as Record<string, unknown>, mutation.key, mutation.value());
    } else {
      setOwn(place.parent, place.key, mutation.value());
    }
  }
  return root.value;
}

/** Mutated events: one to four changes to a valid event. */
export const mutatedEventArb: fc.Arbitrary<unknown> = fc
  .array(mutationArb, { minLength: 1, maxLength: 4 })
  .map((mutations) => applyMutations(BASE.event, mutations));

/** What a clear refusal never says. */
export const UNCLEAR = /\bundefined\b|\[object Object\]|\bNaN\b/;
