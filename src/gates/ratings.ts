import { ConfigurationError, JobFailedError } from '../errors.js';
import { parseCsv } from './csv.js';

export type RatingsFormat = 'json' | 'csv';

export interface RatingScale {
  readonly min: number;
  readonly max: number;
}

export interface ParseRatingsOptions {
  readonly format: RatingsFormat;
  /** Field of JSON objects, or CSV column, holding the rating. @default 'rating' */
  readonly field?: string;
  /** Ratings outside it are errors. @default { min: 1, max: 5 } */
  readonly scale?: RatingScale;
  /** Where the text came from (a file name or URL), for messages. @default 'ratings' */
  readonly source?: string;
}

export const DEFAULT_SCALE: RatingScale = { min: 1, max: 5 };
const SHOWN_PROBLEMS = 5;

/**
 * Ratings from a JSON array (numbers, or objects with a `field`) or a CSV column.
 * Every rating must be a number within the scale; otherwise the job fails with a
 * message naming the offending rows, because a gate that silently skipped bad rows
 * would approve releases on data nobody checked.
 */
export function parseRatings(text: string, options: ParseRatingsOptions): number[] {
  const field = options.field ?? 'rating';
  const scale = options.scale ?? DEFAULT_SCALE;
  const source = options.source ?? 'ratings';
  const rows =
    options.format === 'json' ? jsonRows(text, field, source) : csvRows(text, field, source);
  const ratings: number[] = [];
  const problems: string[] = [];
  for (const row of rows) {
    const value = toNumber(row.value);
    if (typeof row.value === 'symbol') {
      problems.push(`${row.where}: ${row.value.description}`);
    } else if (value === undefined) {
      problems.push(`${row.where}: ${describe(row.value)} is not a number`);
    } else if (value < scale.min || value > scale.max) {
      problems.push(`${row.where}: ${value} is outside the scale ${scale.min}..${scale.max}`);
    } else {
      ratings.push(value);
    }
  }
  if (problems.length > 0) {
    const more =
      problems.length > SHOWN_PROBLEMS ? ` (and ${problems.length - SHOWN_PROBLEMS} more)` : '';
    throw new JobFailedError(
      `${source} has ${problems.length} invalid rating${problems.length === 1 ? '' : 's'}: ${problems.slice(0, SHOWN_PROBLEMS).join('; ')}${more}`,
    );
  }
  return ratings;
}

interface RawRow {
  readonly where: string;
  readonly value: unknown;
}

function jsonRows(text: string, field: string, source: string): RawRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new JobFailedError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new JobFailedError(
      `${source} must hold a JSON array of numbers or of objects with a "${field}" field, not ${describeType(parsed)}`,
    );
  }
  return parsed.map((item: unknown, index) => {
    const where = `item ${index + 1} (index ${index})`;
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const record = item as Record<string, unknown>;
      return field in record
        ? { where: `${where} field "${field}"`, value: record[field] }
        : { where, value: Symbol(`has no "${field}" field`) };
    }
    return { where, value: item };
  });
}

function csvRows(text: string, field: string, source: string): RawRow[] {
  const records = parseCsv(text);
  const [header, ...body] = records;
  if (!header) throw new JobFailedError(`${source} is empty`);
  const wanted = field.trim().toLowerCase();
  const column = header.cells.findIndex((cell) => cell.trim().toLowerCase() === wanted);
  if (column >= 0) {
    return body.map((record) => ({
      where: `row ${record.line}`,
      value: record.cells[column] ?? Symbol(`has no "${field}" cell`),
    }));
  }
  // A bare list of numbers, one per line, has no header to name the column.
  if (
    records.every((record) => record.cells.length === 1) &&
    toNumber(header.cells[0]) !== undefined
  ) {
    return records.map((record) => ({ where: `row ${record.line}`, value: record.cells[0] }));
  }
  throw new ConfigurationError(
    `${source} has no column "${field}" in its header row (columns: ${header.cells.map((cell) => JSON.stringify(cell.trim())).join(', ')}); set "field" to the column holding the ratings`,
  );
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim());
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return value.trim() === ''
      ? 'an empty value'
      : JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value);
  return describeType(value) === 'a number' ? String(value) : describeType(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
}

/** How to tell JSON from CSV: the `format` parameter, else the name's extension or content type, else the content. */
export function detectRatingsFormat(
  name: string,
  text: string,
  contentType?: string,
): RatingsFormat {
  const path = name.split(/[?#]/)[0]?.toLowerCase() ?? '';
  if (contentType?.includes('json') || path.endsWith('.json')) return 'json';
  if (contentType?.includes('csv') || /\.(csv|tsv|txt)$/.test(path)) return 'csv';
  return /^\s*\[/.test(text) ? 'json' : 'csv';
}
