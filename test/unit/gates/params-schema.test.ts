// The gates' UserParameters schemas are valibot, with messages of their own
// (src/gates/schema.ts) that name what is wrong without quoting the value received.
// They are exercised here through Standard Schema, as the engine calls them.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCALE,
  ratingGateParams,
  smokeTestParams,
  waitForUrlParams,
} from '../../../src/gates/index.js';

function messages(schema: StandardSchemaV1, input: unknown): string[] {
  const result = schema['~standard'].validate(input) as StandardSchemaV1.Result<unknown>;
  return (result.issues ?? []).map((issue) => {
    const path = (issue.path ?? []).map((segment) =>
      typeof segment === 'object' ? String(segment.key) : String(segment),
    );
    return `${path.join('.')}: ${issue.message}`;
  });
}

describe('Gate parameter schemas (valibot)', () => {
  it('name what is wrong in English', () => {
    // Act
    const problems = messages(ratingGateParams, {
      file: '',
      minAverage: '4',
      minCount: 0,
      format: 'xml',
    });

    // Assess
    expect(problems).toEqual([
      'file: must not be empty',
      'format: must be one of "json" | "csv"',
      'minAverage: expected number, received string',
      'minCount: must be >= 1',
    ]);
  });

  it('reject misspelt keys, naming them', () => {
    // Act
    const problems = messages(waitForUrlParams, {
      url: 'https://example.com/',
      intervalRuonds: 2,
    });

    // Assess
    expect(problems).toEqual(['intervalRuonds: is not a known key']);
  });

  it('keep the gates own messages and refinements', () => {
    // Act
    const problems = messages(smokeTestParams, {
      checks: [{ url: 'ftp://example.com/', bodyMatches: '(', expectStatus: [200, 600] }],
      attempts: 21,
    });

    // Assess
    expect(problems).toEqual([
      'checks.0.url: must be an http:// or https:// URL',
      'checks.0.expectStatus.1: must be <= 599',
      'checks.0.bodyMatches: is not a valid regular expression',
      'attempts: must be <= 20',
    ]);
  });

  it('never quote a value they refuse: header values may be tokens', () => {
    // Act
    const problems = messages(ratingGateParams, {
      url: 'https://example.com/ratings.json?token=s3cr3t-query',
      headers: { Authorization: 12345678 },
      minAverage: 4,
      scale: { min: 5, max: 1 },
    });

    // Assess
    expect(problems).toEqual([
      'headers.Authorization: expected string, received number',
      'scale: min must be below max',
    ]);
    expect(problems.join(' ')).not.toMatch(/12345678|s3cr3t/);
  });

  it('ask for exactly one ratings source', () => {
    // Act
    const neither = messages(ratingGateParams, { minAverage: 4 });
    const both = messages(ratingGateParams, {
      file: 'ratings.json',
      url: 'https://example.com/r.json',
      minAverage: 4,
    });

    // Assess
    const expected = [': set exactly one of "file" (a file in an input artifact) or "url"'];
    expect(neither).toEqual(expected);
    expect(both).toEqual(expected);
  });

  it('fill in the defaults', () => {
    // Act
    const rating = v.parse(ratingGateParams, { file: 'ratings.json', minAverage: 4 });
    const smoke = v.parse(smokeTestParams, { checks: [{ url: ' https://example.com/ ' }] });
    const wait = v.parse(waitForUrlParams, { url: 'https://example.com/' });

    // Assess
    expect(rating).toEqual({
      file: 'ratings.json',
      minAverage: 4,
      field: 'rating',
      scale: DEFAULT_SCALE,
      minCount: 1,
      timeoutMs: 10_000,
    });
    expect(smoke).toEqual({
      checks: [{ url: 'https://example.com/', method: 'GET', followRedirects: true }],
      attempts: 3,
      timeoutMs: 10_000,
      concurrency: 10,
    });
    expect(wait).toEqual({
      url: 'https://example.com/',
      method: 'GET',
      timeoutMs: 10_000,
      intervalRounds: 1,
      maxMinutes: 30,
    });
  });
});
