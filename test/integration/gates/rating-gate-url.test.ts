import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ratingGate } from '../../../src/gates/index.js';
import { invokeAction } from '../../../src/index.js';
import { runJob } from '../../../src/testing/index.js';
import { type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

const handler = invokeAction(ratingGate);
const API_KEY = 'k-9f8e7d6c5b4a';

describe('Gate: ratingGate (ratings from a URL)', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    server = await startLoopbackServer({
      '/ratings.json': () => ({
        body: '[5, 4, 5]',
        headers: { 'content-type': 'application/json' },
      }),
      '/export': (_hit, headers) =>
        headers['x-api-key'] === API_KEY
          ? { body: 'id;stars\n1;4\n2;5\n', headers: { 'content-type': 'text/csv' } }
          : { status: 403 },
      '/broken': () => ({ status: 500 }),
      '/slow': () => ({ body: '[5]', delayMs: 1_000 }),
    });
  });

  afterAll(() => server.close());

  it('reads JSON ratings from a URL', async () => {
    // Act
    const result = await runJob(handler, {
      params: { url: `${server.url}/ratings.json`, minAverage: 4 },
    });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.outputVariables).toEqual({ averageRating: '4.67', ratingCount: '3' });
  });

  it('reads CSV by content type, sending the configured headers without logging them', async () => {
    // Act
    const result = await runJob(handler, {
      params: {
        url: `${server.url}/export?since=2024`,
        headers: { 'x-api-key': API_KEY },
        field: 'stars',
        minAverage: 4,
      },
    });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.outputVariables).toEqual({ averageRating: '4.5', ratingCount: '2' });
    expect(JSON.stringify(result.logs)).not.toContain(API_KEY);
  });

  it('fails as JobFailed when the URL refuses, and as SystemUnavailable when it breaks', async () => {
    // Act
    const refused = await runJob(handler, {
      params: { url: `${server.url}/export`, minAverage: 4 },
    });
    const broken = await runJob(handler, {
      params: { url: `${server.url}/broken`, minAverage: 4 },
    });

    // Assess
    expect(refused).toMatchObject({ status: 'failed', failureType: 'JobFailed' });
    expect(refused.message).toMatch(
      /^Could not fetch the ratings from http:\/\/127\.0\.0\.1:\d+\/export: it answered 403$/,
    );
    expect(broken).toMatchObject({ status: 'failed', failureType: 'SystemUnavailable' });
  });

  it('fails as SystemUnavailable when the URL does not answer in time', async () => {
    // Act
    const result = await runJob(handler, {
      params: { url: `${server.url}/slow`, minAverage: 4, timeoutMs: 100 },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('SystemUnavailable');
    expect(result.message).toContain('timed out after 100 ms');
  });
});
