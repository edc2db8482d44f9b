import { describe, expect, it } from 'vitest';
import { closeMatches, editDistance } from '../../../src/artifacts/suggest.js';

describe('Function: closeMatches', () => {
  it('suggests the same file name in another folder, a case change and a typo', () => {
    // Prepare
    const names = ['reports/rating.json', 'Rating.json', 'ratng.json', 'unrelated/file.txt'];

    // Act
    const matches = closeMatches('rating.json', names);

    // Assess
    expect(matches).toEqual(['Rating.json', 'reports/rating.json', 'ratng.json']);
  });

  it('suggests nothing when nothing is close', () => {
    // Act
    const matches = closeMatches('rating.json', ['a.txt', 'b/c/d.bin']);

    // Assess
    expect(matches).toEqual([]);
  });
});

describe('Function: editDistance', () => {
  it('counts edits and gives up past the limit', () => {
    // Act & Assess
    expect(editDistance('kitten', 'sitting', 5)).toBe(3);
    expect(editDistance('abc', 'abc', 2)).toBe(0);
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3);
  });
});
