/**
 * "Did you mean" for a path that is not in an archive: same file name in another
 * folder, different case, or a small typo. Bounded work, since it runs only on the
 * error path and archives may hold thousands of entries.
 */
import path from 'node:path';

const MAX_SUGGESTIONS = 3;
const MAX_EDIT_SCAN = 5_000;

export function closeMatches(requested: string, candidates: readonly string[]): string[] {
  const wantedBase = path.posix.basename(requested).toLowerCase();
  const wanted = requested.toLowerCase();
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of candidates.slice(0, MAX_EDIT_SCAN)) {
    const lower = name.toLowerCase();
    let score: number | undefined;
    if (lower === wanted) score = 0;
    else if (path.posix.basename(lower) === wantedBase) score = 1;
    else if (Math.abs(lower.length - wanted.length) <= 2) {
      const distance = editDistance(lower, wanted, 2);
      if (distance <= 2) score = 1 + distance;
    }
    if (score !== undefined) scored.push({ name, score });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, MAX_SUGGESTIONS)
    .map((match) => match.name);
}

/** Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}
