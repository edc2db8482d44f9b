import { describe, expect, it } from 'vitest';
import { ConfigurationError, JobFailedError } from '../../../src/errors.js';
import { detectRatingsFormat, parseRatings } from '../../../src/gates/ratings.js';

describe('Function: parseRatings', () => {
  it('reads a JSON array of numbers', () => {
    // Act
    const ratings = parseRatings('[5, 4, 3.5]', { format: 'json' });

    // Assess
    expect(ratings).toEqual([5, 4, 3.5]);
  });

  it('reads the rating field of JSON objects, accepting numeric strings', () => {
    // Prepare
    const text = JSON.stringify([{ rating: 5, user: 'a' }, { rating: '4' }]);

    // Act
    const ratings = parseRatings(text, { format: 'json' });

    // Assess
    expect(ratings).toEqual([5, 4]);
  });

  it('reads another field when told to', () => {
    // Act
    const ratings = parseRatings('[{"stars": 2}, {"stars": 3}]', {
      format: 'json',
      field: 'stars',
    });

    // Assess
    expect(ratings).toEqual([2, 3]);
  });

  it('fails naming the item when a JSON rating is not a number', () => {
    // Act
    const act = () =>
      parseRatings('[{"rating": 5}, {"rating": "four"}, {"user": "x"}]', {
        format: 'json',
        source: 'ratings.json',
      });

    // Assess
    expect(act).toThrow(JobFailedError);
    expect(act).toThrow(
      'ratings.json has 2 invalid ratings: item 2 (index 1) field "rating": "four" is not a number; item 3 (index 2): has no "rating" field',
    );
  });

  it('fails naming the item when a rating is outside the scale', () => {
    // Act
    const act = () => parseRatings('[5, 6, 0]', { format: 'json', source: 'r.json' });

    // Assess
    expect(act).toThrow(
      'r.json has 2 invalid ratings: item 2 (index 1): 6 is outside the scale 1..5; item 3 (index 2): 0 is outside the scale 1..5',
    );
  });

  it('accepts a custom scale', () => {
    // Act
    const ratings = parseRatings('[0, 10]', { format: 'json', scale: { min: 0, max: 10 } });

    // Assess
    expect(ratings).toEqual([0, 10]);
  });

  it('shows at most five problems and counts the rest', () => {
    // Act
    const act = () => parseRatings(JSON.stringify(Array(8).fill('x')), { format: 'json' });

    // Assess
    expect(act).toThrow(/8 invalid ratings: .*item 5 \(index 4\)[^;]*\(and 3 more\)$/);
  });

  it('fails clearly on JSON that is not an array', () => {
    // Act
    const notJson = () => parseRatings('{oops', { format: 'json', source: 'r.json' });
    const notArray = () => parseRatings('{"ratings": [1]}', { format: 'json', source: 'r.json' });

    // Assess
    expect(notJson).toThrow(/^r\.json is not valid JSON/);
    expect(notArray).toThrow(
      'r.json must hold a JSON array of numbers or of objects with a "rating" field, not an object',
    );
  });

  it('reads a CSV column by its header, case-insensitively', () => {
    // Prepare
    const text = 'user,Rating,comment\nann,5,great\nbob,3,"ok, I guess"\n';

    // Act
    const ratings = parseRatings(text, { format: 'csv' });

    // Assess
    expect(ratings).toEqual([5, 3]);
  });

  it('fails naming the CSV row of a non-numeric or empty rating', () => {
    // Prepare
    const text = 'user,rating\nann,5\nbob,abc\ncid,\n';

    // Act
    const act = () => parseRatings(text, { format: 'csv', source: 'ratings.csv' });

    // Assess
    expect(act).toThrow(
      'ratings.csv has 2 invalid ratings: row 3: "abc" is not a number; row 4: an empty value is not a number',
    );
  });

  it('fails naming the row when a CSV row is missing the column', () => {
    // Act
    const act = () => parseRatings('user,rating\nann\n', { format: 'csv' });

    // Assess
    expect(act).toThrow('row 2: has no "rating" cell');
  });

  it('reads a headerless single column of numbers', () => {
    // Act
    const ratings = parseRatings('4\n5\n3\n', { format: 'csv' });

    // Assess
    expect(ratings).toEqual([4, 5, 3]);
  });

  it('reports a missing column as a configuration error listing the columns', () => {
    // Act
    const act = () => parseRatings('user,score\nann,5\n', { format: 'csv', source: 'r.csv' });

    // Assess
    expect(act).toThrow(ConfigurationError);
    expect(act).toThrow(
      'r.csv has no column "rating" in its header row (columns: "user", "score")',
    );
  });
});

describe('Function: detectRatingsFormat', () => {
  it('uses the extension, then the content type, then the content', () => {
    // Assess
    expect(detectRatingsFormat('ratings.json', 'a,b')).toBe('json');
    expect(detectRatingsFormat('data/ratings.CSV', '[1]')).toBe('csv');
    expect(detectRatingsFormat('https://x/api', 'a', 'application/json; charset=utf-8')).toBe(
      'json',
    );
    expect(detectRatingsFormat('https://x/api?f=1', '[1]', 'text/csv')).toBe('csv');
    expect(detectRatingsFormat('https://x/export', '  [1, 2]')).toBe('json');
    expect(detectRatingsFormat('https://x/export', 'rating\n1')).toBe('csv');
  });
});
