// The gates' UserParameters schemas are zod/mini, which has no error messages unless a
// locale is configured (src/gates/schema.ts does). This file imports the gates alone,
// not the engine, so nothing else can have configured one.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCALE,
  ratingGateParams,
  smokeTestParams,
  waitForUrlParams,
} from '../../../src/gates/index.js';

function messages(result: { success: boolean; error?: { issues: readonly unknown[] } }) {
  return (result.error?.issues ?? []).map((issue) => {
    const { path, message } = issue as { path: PropertyKey[]; message: string };
    return `${path.map(String).join('.')}: ${message}`;
  });
}

describe('Gate parameter schemas (zod/mini)', () => {
  it('name what is wrong in English, not just "Invalid input"', () => {
    // Act
    const result = ratingGateParams.safeParse({
      file: '',
      minAverage: '4',
      minCount: 0,
      format: 'xml',
    });

    // Assess
    expect(messages(result)).toEqual([
      'file: Too small: expected string to have >=1 characters',
      'format: Invalid option: expected one of "json"|"csv"',
      'minAverage: Invalid input: expected number, received string',
      'minCount: Too small: expected number to be >=1',
    ]);
  });

  it('reject misspelt keys, naming them', () => {
    // Act
    const result = waitForUrlParams.safeParse({ url: 'https://example.com/', intervalRuonds: 2 });

    // Assess
    expect(messages(result)).toEqual([': Unrecognized key: "intervalRuonds"']);
  });

  it('keep the gates own messages and refinements', () => {
    // Act
    const result = smokeTestParams.safeParse({
      checks: [{ url: 'ftp://example.com/', bodyMatches: '(', expectStatus: [200, 600] }],
      attempts: 21,
    });

    // Assess
    expect(messages(result)).toEqual([
      'checks.0.url: must be an http:// or https:// URL',
      'checks.0.expectStatus.1: Too big: expected number to be <=599',
      'checks.0.bodyMatches: is not a valid regular expression',
      'attempts: Too big: expected number to be <=20',
    ]);
  });

  it('fill in the defaults', () => {
    // Act
    const rating = ratingGateParams.parse({ file: 'ratings.json', minAverage: 4 });
    const smoke = smokeTestParams.parse({ checks: [{ url: 'https://example.com/' }] });
    const wait = waitForUrlParams.parse({ url: 'https://example.com/' });

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
