/** The thresholds of `ratingGate`, usable on their own with `evaluateRatings`. */
export interface RatingThresholds {
  /** The average must be at least this. */
  readonly minAverage: number;
  /** At least this many ratings. @default 1 */
  readonly minCount?: number;
  /** At most `maxShare` (0..1) of the ratings may be below `threshold`. */
  readonly maxShareBelow?: { readonly threshold: number; readonly maxShare: number } | undefined;
}

export interface RatingEvaluation {
  readonly passed: boolean;
  readonly count: number;
  /** Undefined when there are no ratings. */
  readonly average: number | undefined;
  /** Share (0..1) of ratings below `maxShareBelow.threshold`, when that is set. */
  readonly shareBelow: number | undefined;
  /** Why it did not pass; empty when it passed. */
  readonly problems: string[];
  /** One line for the CodePipeline console: the average, the count and the limits. */
  readonly summary: string;
}

/** Decides whether `ratings` are good enough. Pure: no I/O, no job. */
export function evaluateRatings(
  ratings: readonly number[],
  thresholds: RatingThresholds,
): RatingEvaluation {
  const minCount = thresholds.minCount ?? 1;
  const count = ratings.length;
  const average = count === 0 ? undefined : ratings.reduce((sum, r) => sum + r, 0) / count;
  const problems: string[] = [];
  if (count < minCount) {
    problems.push(`only ${count} rating${count === 1 ? '' : 's'}, fewer than minCount ${minCount}`);
  }
  if (average === undefined) {
    problems.push('there are no ratings to average');
  } else if (average < thresholds.minAverage) {
    problems.push(`average ${formatRating(average)} is below minAverage ${thresholds.minAverage}`);
  }
  let shareBelow: number | undefined;
  const limit = thresholds.maxShareBelow;
  if (limit && count > 0) {
    shareBelow = ratings.filter((rating) => rating < limit.threshold).length / count;
    if (shareBelow > limit.maxShare) {
      problems.push(
        `${formatPercent(shareBelow)} of ratings are below ${limit.threshold}, more than the allowed ${formatPercent(limit.maxShare)}`,
      );
    }
  }
  const facts = [
    `Average rating ${average === undefined ? 'n/a' : formatRating(average)} from ${count} rating${count === 1 ? '' : 's'} (minAverage ${thresholds.minAverage}, minCount ${minCount})`,
  ];
  if (limit && shareBelow !== undefined) {
    facts.push(
      `${formatPercent(shareBelow)} below ${limit.threshold} (max ${formatPercent(limit.maxShare)})`,
    );
  }
  const summary =
    problems.length === 0
      ? `${facts.join('; ')}: approved`
      : `${facts.join('; ')}: rejected, ${problems.join('; ')}`;
  return { passed: problems.length === 0, count, average, shareBelow, problems, summary };
}

/** Two decimals at most, no trailing zeros: 4.2, 3.67, 5. */
export function formatRating(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function formatPercent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
