import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationError } from '../../src/errors.js';
import { parseUserParameters } from '../../src/params.js';

describe('Function: parseUserParameters', () => {
  it('gives a plain-string UserParameters (the AWS guide passes a bare URL) to the schema as is', async () => {
    await expect(
      parseUserParameters(z.string().url(), 'https://example.test/health'),
    ).resolves.toBe('https://example.test/health');
  });

  it("refuses a plain string with the schema's own message, not as invalid JSON", async () => {
    // Act
    const refusal = parseUserParameters(
      z.string().url({ message: 'must be a URL' }),
      'example.test',
    );

    // Assess
    await expect(refusal).rejects.toThrow(ConfigurationError);
    await expect(refusal).rejects.toThrow(
      /^UserParameters is invalid: UserParameters: must be a URL/,
    );
    await expect(refusal).rejects.not.toThrow(/not valid JSON/);
  });

  it('names the field when a plain string meets an object schema', async () => {
    await expect(
      parseUserParameters(z.object({ minRating: z.number() }), 'minRating=4'),
    ).rejects.toThrow(/UserParameters: .*object.*the text is not JSON/);
  });

  it.each([
    ['an unfinished object', '{"minRating": 4'],
    ['an unfinished array', '[1, 2'],
    ['an unfinished quoted string', '"production'],
  ])('reports %s as invalid JSON with the parse position', async (_label, raw) => {
    await expect(parseUserParameters(z.object({ minRating: z.number() }), raw)).rejects.toThrow(
      /^UserParameters is not valid JSON: .*position \d+/,
    );
  });

  it('decodes JSON and validates the value', async () => {
    await expect(
      parseUserParameters(z.object({ minRating: z.number() }), '{"minRating":4}'),
    ).resolves.toEqual({ minRating: 4 });
    await expect(
      parseUserParameters(z.object({ minRating: z.number() }), '{"minRating":"high"}'),
    ).rejects.toThrow(/^UserParameters is invalid: UserParameters\.minRating: /);
  });

  it('offers a JSON scalar a string schema refuses as the text it was typed as', async () => {
    await expect(parseUserParameters(z.string(), '42')).resolves.toBe('42');
    await expect(parseUserParameters(z.number(), '42')).resolves.toBe(42);
  });

  it('validates missing UserParameters as undefined', async () => {
    await expect(parseUserParameters(z.string().optional(), undefined)).resolves.toBeUndefined();
    await expect(parseUserParameters(z.string(), undefined)).rejects.toThrow(
      /UserParameters is missing/,
    );
  });
});
