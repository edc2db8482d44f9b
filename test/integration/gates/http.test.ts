import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUrl, httpRequest } from '../../../src/gates/index.js';
import { type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

describe('Function: httpRequest', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    server = await startLoopbackServer({
      '/big': () => ({ body: 'x'.repeat(100_000), headers: { 'content-type': 'text/plain' } }),
      '/exact': () => ({ body: '0123456789' }),
      '/hang': () => ({ hang: true }),
      '/moved': () => ({ status: 302, headers: { location: '/exact' } }),
    });
  });

  afterAll(() => server.close());

  it('reads at most maxBodyBytes of the body and says it cut it', async () => {
    // Act
    const cut = await httpRequest({
      url: `${server.url}/big`,
      timeoutMs: 2_000,
      maxBodyBytes: 1_000,
    });
    const exact = await httpRequest({
      url: `${server.url}/exact`,
      timeoutMs: 2_000,
      maxBodyBytes: 10,
    });

    // Assess
    expect(cut).toMatchObject({
      kind: 'response',
      status: 200,
      bodyTruncated: true,
      contentType: 'text/plain',
    });
    expect(cut.kind === 'response' && cut.body.length).toBe(1_000);
    expect(exact).toMatchObject({ kind: 'response', body: '0123456789', bodyTruncated: false });
  });

  it('stops when the job signal aborts, telling that apart from its own timeout', async () => {
    // Prepare
    const job = new AbortController();
    setTimeout(() => job.abort(new Error('The job timed out')), 50);

    // Act
    const result = await httpRequest({
      url: `${server.url}/hang`,
      timeoutMs: 20_000,
      signal: job.signal,
    });

    // Assess: aborted, not timed out; and long before its own timeout, with room for a
    // busy machine.
    expect(result).toMatchObject({ kind: 'aborted', message: 'aborted: the job ran out of time' });
    expect(result.latencyMs).toBeLessThan(10_000);
  });

  it('follows redirects unless told not to', async () => {
    // Act
    const followed = await httpRequest({ url: `${server.url}/moved`, timeoutMs: 2_000 });
    const manual = await httpRequest({
      url: `${server.url}/moved`,
      timeoutMs: 2_000,
      followRedirects: false,
    });

    // Assess
    expect(followed).toMatchObject({ kind: 'response', status: 200, body: '0123456789' });
    expect(manual).toMatchObject({ kind: 'response', status: 302 });
  });

  it('describes a request that never reached a server', async () => {
    // Act
    const result = await httpRequest({ url: 'http://127.0.0.1:0/', timeoutMs: 2_000 });

    // Assess
    expect(result.kind).toBe('network');
    expect(result.kind !== 'response' && result.message).toMatch(
      /^(request failed|connection refused)/,
    );
  });
});

describe('Function: describeUrl', () => {
  it('drops credentials, query and fragment, where tokens hide', () => {
    // Assess
    expect(describeUrl('https://user:pw@api.example.com/v1/ratings?token=abc#x')).toBe(
      'https://api.example.com/v1/ratings?…',
    );
    expect(describeUrl('https://example.com/health')).toBe('https://example.com/health');
    expect(describeUrl('not a url')).toBe('(invalid URL)');
  });
});
