import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForUrl } from '../../../src/gates/index.js';
import { encodeContinuation, invokeAction } from '../../../src/index.js';
import { runJob, runUntilDone } from '../../../src/testing/index.js';
import { type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

const handler = invokeAction(waitForUrl);

describe('Gate: waitForUrl', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    server = await startLoopbackServer({
      '/ready': () => ({ body: 'ok' }),
      '/booting': (hit) => (hit <= 2 ? { status: 503, body: 'starting' } : { body: 'v2 ready' }),
      '/version': (hit) => ({ body: hit <= 1 ? 'version 1.3.9' : 'version 1.4.0' }),
      '/never': () => ({ status: 503 }),
    });
  });

  afterAll(() => server.close());

  it('succeeds in the first round when the URL is already ready', async () => {
    // Act
    const result = await runJob(handler, { params: { url: `${server.url}/ready` } });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.summary).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/ready answered 200 in \d+ ms after 1 check$/,
    );
    expect(result.outputVariables).toEqual({ status: '200', checks: '1' });
  });

  it('waits across rounds until the URL answers as expected', async () => {
    // Act
    const result = await runUntilDone(handler, {
      params: { url: `${server.url}/booting`, bodyIncludes: 'ready' },
    });

    // Assess
    expect(result.rounds.map((round) => round.status)).toEqual([
      'in-progress',
      'in-progress',
      'succeeded',
    ]);
    expect(result.rounds[0]?.summary).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/booting: status 503, expected 2xx; body does not include "ready" \(check 1, /,
    );
    expect(result.outputVariables).toEqual({ status: '200', checks: '3' });
  });

  it('waits for the body to match', async () => {
    // Act
    const result = await runUntilDone(handler, {
      params: { url: `${server.url}/version`, bodyMatches: 'version 1\\.4\\.' },
    });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.rounds).toHaveLength(2);
  });

  it('treats a refused connection as not ready yet', async () => {
    // Prepare
    const gone = await startLoopbackServer({});
    await gone.close();

    // Act
    const result = await runJob(handler, { params: { url: `${gone.url}/` } });

    // Assess
    expect(result.status).toBe('in-progress');
    expect(result.summary).toContain('connection refused (ECONNREFUSED)');
  });

  it('fails with the last status when maxMinutes have passed', async () => {
    // Prepare: round 5 of a job that started 16 minutes ago
    const continuationToken = encodeContinuation({
      state: { n: 4 },
      round: 4,
      startedAt: Date.now() - 16 * 60_000,
    });

    // Act
    const result = await runJob(handler, {
      params: { url: `${server.url}/never`, maxMinutes: 15 },
      continuationToken,
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(
      /^Gave up after 16 min \(maxMinutes 15\) and 5 checks; last status: GET http:\/\/127\.0\.0\.1:\d+\/never: status 503, expected 2xx$/,
    );
  });

  it('reports a configuration error for a URL that is not http(s)', async () => {
    // Act
    const result = await runJob(handler, { params: { url: 'ftp://example.com/file' } });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('ConfigurationError');
    expect(result.message).toContain('UserParameters.url');
  });
});
