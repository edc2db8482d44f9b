import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/api-limits.js';
import { clamp, clampPercent, outputVariableProblems } from '../../src/outcome.js';

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
