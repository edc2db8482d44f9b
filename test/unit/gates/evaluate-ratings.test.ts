import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRatings, formatRating } from '../../../src/gates/evaluate-ratings.js';

describe('Function: evaluateRatings', () => {
  it('passes when the average and count are high enough, stating both', () => {
    // Act
    const evaluation = evaluateRatings([5, 4, 4, 5], { minAverage: 4, minCount: 3 });

    // Assess
    expect(evaluation).toMatchObject({ passed: true, count: 4, average: 4.5, problems: [] });
    expect(evaluation.summary).toBe(
      'Average rating 4.5 from 4 ratings (minAverage 4, minCount 3): approved',
    );
  });

  it('fails when the average is below minAverage', () => {
    // Act
    const evaluation = evaluateRatings([3, 4, 3], { minAverage: 4 });

    // Assess
    expect(evaluation.passed).toBe(false);
    expect(evaluation.problems).toEqual(['average 3.33 is below minAverage 4']);
    expect(evaluation.summary).toContain('rejected, average 3.33 is below minAverage 4');
  });

  it('fails when there are fewer ratings than minCount', () => {
    // Act
    const evaluation = evaluateRatings([5, 5], { minAverage: 4, minCount: 10 });

    // Assess
    expect(evaluation.passed).toBe(false);
    expect(evaluation.problems).toEqual(['only 2 ratings, fewer than minCount 10']);
  });

  it('fails with no ratings at all', () => {
    // Act
    const evaluation = evaluateRatings([], { minAverage: 1 });

    // Assess
    expect(evaluation).toMatchObject({ passed: false, count: 0, average: undefined });
    expect(evaluation.problems).toContain('there are no ratings to average');
  });

  it('fails when too large a share of ratings is below the threshold', () => {
    // Prepare: 2 of 10 below 3 is 20%, over the 10% allowed, although the average is fine.
    const ratings = [5, 5, 5, 5, 5, 5, 5, 5, 2, 1];

    // Act
    const evaluation = evaluateRatings(ratings, {
      minAverage: 4,
      maxShareBelow: { threshold: 3, maxShare: 0.1 },
    });

    // Assess
    expect(evaluation.passed).toBe(false);
    expect(evaluation.shareBelow).toBe(0.2);
    expect(evaluation.problems).toEqual(['20% of ratings are below 3, more than the allowed 10%']);
    expect(evaluation.summary).toContain('20% below 3 (max 10%)');
  });

  it('passes when the share below the threshold is exactly the maximum', () => {
    // Act
    const evaluation = evaluateRatings([5, 5, 5, 5, 5, 5, 5, 5, 5, 2], {
      minAverage: 4,
      maxShareBelow: { threshold: 3, maxShare: 0.1 },
    });

    // Assess
    expect(evaluation.passed).toBe(true);
  });

  it('passes exactly when every threshold holds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 50 }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        (ratings, minAverage, minCount) => {
          // Act
          const evaluation = evaluateRatings(ratings, { minAverage, minCount });

          // Assess
          const average = ratings.reduce((a, b) => a + b, 0) / ratings.length;
          const expected =
            ratings.length >= minCount && ratings.length > 0 && average >= minAverage;
          expect(evaluation.passed).toBe(expected);
          expect(evaluation.problems.length === 0).toBe(expected);
        },
      ),
    );
  });
});

describe('Function: formatRating', () => {
  it('rounds to at most two decimals without trailing zeros', () => {
    // Assess
    expect(formatRating(4.256)).toBe('4.26');
    expect(formatRating(4.2)).toBe('4.2');
    expect(formatRating(5)).toBe('5');
  });
});
