import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseCsv } from '../../../src/gates/csv.js';

describe('Function: parseCsv', () => {
  it('splits records and cells, numbering records by the line they start on', () => {
    // Prepare
    const text = 'id,rating\n1,5\n2,4\n';

    // Act
    const records = parseCsv(text);

    // Assess
    expect(records).toEqual([
      { line: 1, cells: ['id', 'rating'] },
      { line: 2, cells: ['1', '5'] },
      { line: 3, cells: ['2', '4'] },
    ]);
  });

  it('reads quoted cells with delimiters, doubled quotes and line breaks', () => {
    // Prepare
    const text = 'comment,rating\r\n"nice, really",5\r\n"said ""meh""\nthen left",2\r\n';

    // Act
    const records = parseCsv(text);

    // Assess
    expect(records).toEqual([
      { line: 1, cells: ['comment', 'rating'] },
      { line: 2, cells: ['nice, really', '5'] },
      { line: 3, cells: ['said "meh"\nthen left', '2'] },
    ]);
  });

  it('skips blank lines but keeps counting lines', () => {
    // Prepare
    const text = '\ufeffrating\n\n4\n\n3';

    // Act
    const records = parseCsv(text);

    // Assess
    expect(records).toEqual([
      { line: 1, cells: ['rating'] },
      { line: 3, cells: ['4'] },
      { line: 5, cells: ['3'] },
    ]);
  });

  it('detects semicolon and tab delimiters from the first line', () => {
    // Prepare
    const semicolons = 'name;rating\nA;4,5';
    const tabs = 'name\trating\nA\t4';

    // Act
    const fromSemicolons = parseCsv(semicolons);

    // Assess
    expect(detectDelimiter(semicolons)).toBe(';');
    expect(detectDelimiter(tabs)).toBe('\t');
    expect(detectDelimiter('rating\n4')).toBe(',');
    expect(fromSemicolons[1]?.cells).toEqual(['A', '4,5']);
  });
});
