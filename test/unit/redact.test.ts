import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/redact.js';

describe('Class: Redactor', () => {
  it('masks every occurrence of a registered secret', () => {
    // Prepare
    const redactor = new Redactor(['s3cr3t-value']);

    // Act
    const out = redactor.redact('a s3cr3t-value and s3cr3t-value again');

    // Assess
    expect(out).toBe('a [REDACTED] and [REDACTED] again');
  });

  it('ignores empty and very short secrets', () => {
    expect(new Redactor(['', 'ab', undefined]).redact('about')).toBe('about');
  });

  it('masks secret-named keys and secret values in nested objects and errors', () => {
    // Prepare
    const redactor = new Redactor(['tok-123456']);
    const error = new Error('failed with tok-123456');

    // Act
    const out = redactor.redactValue({
      headers: { Authorization: 'Bearer abc' },
      list: ['tok-123456'],
      error,
    }) as Record<string, unknown>;

    // Assess
    expect(JSON.stringify(out)).not.toContain('tok-123456');
    expect(JSON.stringify(out)).not.toContain('Bearer abc');
    expect((out.error as { message: string }).message).toBe('failed with [REDACTED]');
  });
});
