import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeTest } from '../../../src/gates/index.js';
import { invokeAction } from '../../../src/index.js';
import { runJob, runUntilDone } from '../../../src/testing/index.js';
import { type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

const handler = invokeAction(smokeTest);
const TOKEN = 'Bearer s3cr3t-token-value';

describe('Gate: smokeTest', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    server = await startLoopbackServer({
      '/health': () => ({ body: '{"status":"ok","version":"1.4.0"}' }),
      '/slow': () => ({ body: 'slow', delayMs: 300 }),
      '/slow-2': () => ({ body: 'slow', delayMs: 300 }),
      '/slow-3': () => ({ body: 'slow', delayMs: 300 }),
      '/down': () => ({ status: 503, body: 'maintenance' }),
      '/hang': () => ({ hang: true }),
      '/flaky': (hit) => (hit <= 1 ? { status: 502 } : { body: 'recovered' }),
      '/private': (_hit, headers) =>
        headers.authorization === TOKEN ? { body: 'welcome' } : { status: 401 },
    });
  });

  afterAll(() => server.close());

  it('passes when every check passes, with output variables counting them', async () => {
    // Act
    const result = await runJob(handler, {
      params: {
        checks: [
          {
            url: `${server.url}/health`,
            bodyIncludes: '"status":"ok"',
            bodyMatches: '"version":"1\\.',
          },
          { url: `${server.url}/no-such-page`, expectStatus: 404 },
        ],
      },
    });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.summary).toBe('All 2 smoke checks passed');
    expect(result.outputVariables).toEqual({ passedChecks: '2', failedChecks: '0' });
  });

  it('runs the checks concurrently', async () => {
    // Prepare
    const checks = ['/slow', '/slow-2', '/slow-3'].map((path) => ({ url: `${server.url}${path}` }));

    // Act
    const result = await runJob(handler, { params: { checks } });

    // Assess
    expect(result.status).toBe('succeeded');
    // All three were in flight at once, as the server saw it: the proof by events
    // (a bound on the elapsed time would also trip on a busy machine).
    expect(server.maxInFlight).toBeGreaterThanOrEqual(3);
  });

  it('fails after the last attempt, listing each failing check with status and latency', async () => {
    // Act
    const result = await runJob(handler, {
      params: {
        attempts: 1,
        checks: [
          { url: `${server.url}/health` },
          { name: 'maintenance page', url: `${server.url}/down` },
          { url: `${server.url}/health`, bodyIncludes: 'healthy' },
          { url: `${server.url}/slow`, maxLatencyMs: 100 },
        ],
      },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(
      /^3 of 4 smoke checks failed after 1 attempt: maintenance page: status 503, expected 2xx \(got 503 in \d+ ms\); GET http:\/\/127\.0\.0\.1:\d+\/health: body does not include "healthy" \(got 200 in \d+ ms\); GET http:\/\/127\.0\.0\.1:\d+\/slow: took \d+ ms, over maxLatencyMs 100 \(got 200 in \d+ ms\)$/,
    );
  });

  it('times out a request that hangs, with the per-request timeout', async () => {
    // Prepare
    const started = Date.now();

    // Act
    const result = await runJob(handler, {
      params: { attempts: 1, timeoutMs: 200, checks: [{ url: `${server.url}/hang` }] },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/\/hang: timed out after 200 ms \(no response after \d+ ms\)$/);
    // Well before the default 10 s timeout, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('reports a refused connection', async () => {
    // Prepare: a port that was just closed
    const gone = await startLoopbackServer({});
    await gone.close();

    // Act
    const result = await runJob(handler, {
      params: { attempts: 1, checks: [{ url: `${gone.url}/health` }] },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toContain('connection refused (ECONNREFUSED)');
  });

  it('continues instead of sleeping when a check fails and attempts remain', async () => {
    // Act
    const result = await runJob(handler, {
      params: {
        attempts: 3,
        checks: [{ url: `${server.url}/health` }, { url: `${server.url}/down` }],
      },
    });

    // Assess
    expect(result.status).toBe('in-progress');
    expect(result.continuationToken).toBeDefined();
    expect(result.percentComplete).toBe(50);
    expect(result.summary).toMatch(
      /^1 of 2 smoke checks failed on attempt 1 of 3, retrying in the next round: GET http:\/\/127\.0\.0\.1:\d+\/down: status 503/,
    );
  });

  it('retries only the failing checks in the next round and passes a flapping endpoint', async () => {
    // Prepare
    const before = server.hits.get('/health') ?? 0;

    // Act
    const result = await runUntilDone(handler, {
      params: {
        attempts: 3,
        checks: [{ url: `${server.url}/health` }, { url: `${server.url}/flaky` }],
      },
    });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.rounds.map((round) => round.status)).toEqual(['in-progress', 'succeeded']);
    expect(result.summary).toBe('All 2 smoke checks passed (by attempt 2 of 3)');
    expect(server.hits.get('/health')).toBe(before + 1);
    expect(server.hits.get('/flaky')).toBe(2);
  });

  it('fails once every attempt is used up', async () => {
    // Act
    const result = await runUntilDone(handler, {
      params: { attempts: 3, checks: [{ url: `${server.url}/down` }] },
    });

    // Assess
    expect(result.rounds.map((round) => round.status)).toEqual([
      'in-progress',
      'in-progress',
      'failed',
    ]);
    expect(result.message).toMatch(/^1 of 1 smoke check failed after 3 attempts: /);
  });

  it('sends headers but never logs or reports their values', async () => {
    // Act
    const passing = await runJob(handler, {
      params: { checks: [{ url: `${server.url}/private`, headers: { Authorization: TOKEN } }] },
    });
    const failing = await runJob(handler, {
      params: {
        attempts: 1,
        checks: [
          { url: `${server.url}/private?key=abc`, headers: { Authorization: 'Bearer wrong' } },
        ],
      },
    });

    // Assess
    expect(passing.status).toBe('succeeded');
    expect(failing.status).toBe('failed');
    expect(passing.logs.some((line) => line.message === 'Smoke check')).toBe(true);
    const everything = JSON.stringify([passing.logs, failing.logs, failing.message]);
    expect(everything).not.toContain('s3cr3t');
    expect(everything).not.toContain('wrong');
    expect(everything).not.toContain('key=abc');
    expect(failing.message).toContain('/private?…: status 401');
  });
});
