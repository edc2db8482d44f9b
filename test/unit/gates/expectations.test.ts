import { describe, expect, it } from 'vitest';
import { evaluateResponse } from '../../../src/gates/expectations.js';
import type { HttpResult } from '../../../src/gates/http.js';

function response(overrides: Partial<Extract<HttpResult, { kind: 'response' }>> = {}): HttpResult {
  return {
    kind: 'response',
    status: 200,
    body: '{"status":"ok","version":"1.4.2"}',
    bodyTruncated: false,
    contentType: 'application/json',
    latencyMs: 40,
    ...overrides,
  };
}

describe('Function: evaluateResponse', () => {
  it('passes any 2xx by default', () => {
    // Assess
    expect(evaluateResponse(response({ status: 204 }), {})).toEqual([]);
    expect(evaluateResponse(response({ status: 302 }), {})).toEqual(['status 302, expected 2xx']);
  });

  it('checks the status against expectStatus', () => {
    // Assess
    expect(evaluateResponse(response({ status: 404 }), { expectStatus: 404 })).toEqual([]);
    expect(evaluateResponse(response({ status: 500 }), { expectStatus: [200, 301] })).toEqual([
      'status 500, expected 200 or 301',
    ]);
  });

  it('checks bodyIncludes and bodyMatches', () => {
    // Act
    const problems = evaluateResponse(response(), {
      bodyIncludes: ['"status":"ok"', 'healthy'],
      bodyMatches: '"version":"2\\.',
    });

    // Assess
    expect(problems).toEqual([
      'body does not include "healthy"',
      'body does not match /"version":"2\\./',
    ]);
  });

  it('notes a truncated body when the text is not found', () => {
    // Act
    const problems = evaluateResponse(response({ bodyTruncated: true }), { bodyIncludes: 'end' });

    // Assess
    expect(problems).toEqual([
      'body does not include "end" (the body was read only up to its size limit)',
    ]);
  });

  it('checks maxLatencyMs', () => {
    // Assess
    expect(evaluateResponse(response({ latencyMs: 900 }), { maxLatencyMs: 500 })).toEqual([
      'took 900 ms, over maxLatencyMs 500',
    ]);
    expect(evaluateResponse(response({ latencyMs: 500 }), { maxLatencyMs: 500 })).toEqual([]);
  });

  it('reports a missing response by its message', () => {
    // Act
    const problems = evaluateResponse(
      { kind: 'timeout', message: 'timed out after 100 ms', latencyMs: 101 },
      { expectStatus: 200 },
    );

    // Assess
    expect(problems).toEqual(['timed out after 100 ms']);
  });
});
