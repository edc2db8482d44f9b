import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invokeAction } from '../../src/invoke-action.js';
import { MIN_SECRET_LENGTH, Redactor } from '../../src/redact.js';
import { jobEvent, runJob } from '../../src/testing/index.js';

describe('Class: Redactor', () => {
  it('masks every occurrence of a registered secret, inside other text too', () => {
    // Prepare
    const redactor = new Redactor(['s3cr3t-value-0123456789']);

    // Act
    const out = redactor.redact('a s3cr3t-value-0123456789 and xs3cr3t-value-0123456789x again');

    // Assess
    expect(out).toBe('a [REDACTED] and x[REDACTED]x again');
  });

  it('masks values shaped like real credentials: key ids, secret keys, session tokens', () => {
    // Prepare: the shortest access key id AWS issues, a secret key, a session token.
    const keyId = 'AKIAIOSFODNN7EXA';
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const token = `IQoJb3JpZ2luX2VjE${'A'.repeat(300)}`;
    const redactor = new Redactor([keyId, secret, token]);

    // Act
    const out = redactor.redact(`${keyId} ${secret} ${token}`);

    // Assess
    expect(keyId).toHaveLength(MIN_SECRET_LENGTH);
    expect(out).toBe('[REDACTED] [REDACTED] [REDACTED]');
  });

  it.each([
    ['a short sample value', 'token', 'The continuation token is damaged'],
    ['a sample word', 'secret', 'the secret ingredient'],
    ['a value one character short of a key id', 'AKIAIOSFODNN7EX', 'id AKIAIOSFODNN7EX'],
    ['a placeholder sentence', 'A session token value here', 'A session token value here'],
    ['an empty value', '', 'about'],
  ])('does not register %s, so ordinary text stays readable', (_label, secret, text) => {
    expect(new Redactor([secret, undefined]).redact(text)).toBe(text);
  });

  it('masks secret-named keys and secret values in nested objects and errors', () => {
    // Prepare
    const redactor = new Redactor(['tok-1234567890abcdef']);
    const error = new Error('failed with tok-1234567890abcdef');

    // Act
    const out = redactor.redactValue({
      headers: { Authorization: 'Bearer abc' },
      list: ['tok-1234567890abcdef'],
      error,
    }) as Record<string, unknown>;

    // Assess
    expect(JSON.stringify(out)).not.toContain('tok-1234567890abcdef');
    expect(JSON.stringify(out)).not.toContain('Bearer abc');
    expect((out.error as { message: string }).message).toBe('failed with [REDACTED]');
  });
});

describe('Redaction of a public sample event', () => {
  it('keeps the word "token" in failure messages when the event carries "sessionToken": "token"', async () => {
    // Prepare: the credentials SAM's and the .NET test tool's sample events carry.
    const event = jobEvent({ params: 'not a url' });
    event['CodePipeline.job'].data.artifactCredentials = {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      sessionToken: 'token',
    };
    const handler = invokeAction({
      params: z.string(),
      run: () => {
        throw new Error(
          'the token was refused for AKIAIOSFODNN7EXAMPLE with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        );
      },
    });

    // Act
    const result = await runJob(handler, { event });

    // Assess
    expect(result.message).toBe('Error: the token was refused for [REDACTED] with [REDACTED]');
  });
});

describe('Method: Redactor.redactValue, causes', () => {
  it('logs an error with its cause chain, masked and bounded even when it is a cycle', () => {
    // Prepare
    const redactor = new Redactor(['tok-1234567890abcdef']);
    const inner = new Error('connect refused with tok-1234567890abcdef');
    const outer = new TypeError('fetch failed', { cause: inner });
    inner.cause = outer;

    // Act
    const text = JSON.stringify(redactor.redactValue({ error: outer }));

    // Assess
    expect(text).toContain('"cause":{"name":"Error","message":"connect refused with [REDACTED]"');
    expect(text).toContain('[Truncated]');
    expect(text).not.toContain('tok-1234567890abcdef');
  });
});
