import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/api-limits.js';
import {
  clamp,
  clampPercent,
  type FailureOutcome,
  failureOutcome,
  normalizeOutcome,
  outputVariableProblems,
  successOutcome,
} from '../../src/outcome.js';
import { Redactor } from '../../src/redact.js';

describe('Function: clamp', () => {
  it('keeps text within the limit unchanged', () => {
    expect(clamp('short', 10)).toBe('short');
  });

  it('never returns more than the limit, for any text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 3000 }),
        fc.integer({ min: 20, max: 2048 }),
        (text, max) => {
          const out = clamp(text, max);
          expect(out.length).toBeLessThanOrEqual(max);
          if (text.length > max) expect(out.endsWith('[truncated]')).toBe(true);
        },
      ),
    );
  });

  it('does not split a surrogate pair', () => {
    // Prepare: the cut falls inside an emoji
    const text = `${'a'.repeat(LIMITS.summary - 14)}😀${'b'.repeat(100)}`;

    // Act
    const out = clamp(text, LIMITS.summary);

    // Assess
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('Function: clampPercent', () => {
  it.each([
    [-5, 0],
    [42.6, 43],
    [140, 100],
    [Number.NaN, undefined],
    [undefined, undefined],
  ])('maps %s to %s', (input, expected) => {
    expect(clampPercent(input)).toBe(expected);
  });
});

describe('Function: outputVariableProblems', () => {
  it('accepts keys of letters, digits, @, - and _', () => {
    expect(outputVariableProblems({ 'avg-Rating_2@x': '1' })).toEqual([]);
  });

  it('names keys with other characters and values that are not strings', () => {
    // Act
    const problems = outputVariableProblems({ 'has space': 'x', count: 3 });

    // Assess
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('"has space"');
    expect(problems[1]).toContain('"count"');
  });
});

describe('Function: normalizeOutcome', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const redactor = new Redactor([secret]);

  it('masks and clamps a failure to the API limits', () => {
    // Act
    const sent = normalizeOutcome(
      failureOutcome(`leaked ${secret} ${'x'.repeat(6000)}`, 'PermissionError', secret),
      redactor,
    );

    // Assess
    expect(sent).toMatchObject({ status: 'failed', failureType: 'PermissionError' });
    const failure = sent as FailureOutcome;
    expect(failure.message.startsWith('leaked [REDACTED] x')).toBe(true);
    expect(failure.message).toHaveLength(LIMITS.failureMessage);
    expect(failure.externalExecutionId).toBe('[REDACTED]');
  });

  it('masks and clamps a success, and rounds its percentage', () => {
    // Act
    const sent = normalizeOutcome(
      successOutcome({ summary: `${secret}${'y'.repeat(3000)}`, percentComplete: 101.6 }),
      redactor,
    );

    // Assess
    expect(sent).toMatchObject({ status: 'succeeded', percentComplete: 100 });
    expect((sent as { summary: string }).summary.startsWith('[REDACTED]y')).toBe(true);
    expect((sent as { summary: string }).summary).toHaveLength(LIMITS.summary);
  });

  it('turns output variables CodePipeline would refuse into a failure that says why', () => {
    expect(
      normalizeOutcome(successOutcome({ outputVariables: { 'bad key': 'v' } }), redactor),
    ).toMatchObject({ status: 'failed', message: expect.stringContaining('"bad key"') });
  });
});
