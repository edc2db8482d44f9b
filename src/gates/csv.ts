/**
 * A small RFC 4180 reader: quoted fields, doubled quotes, delimiters and line breaks
 * inside quotes, CRLF or LF. Enough for exported ratings without a CSV dependency.
 */

/** One record with the 1-based line it starts on, so errors can name the row. */
export interface CsvRecord {
  readonly line: number;
  readonly cells: string[];
}

export function parseCsv(text: string, delimiter = detectDelimiter(text)): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;

  const endRecord = () => {
    cells.push(cell);
    // Blank lines (a trailing newline, spacing between blocks) are not records.
    if (!(cells.length === 1 && cells[0]?.trim() === '')) {
      records.push({ line: recordLine, cells });
    }
    cells = [];
    cell = '';
  };

  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (quoted) {
      if (char === '"') {
        if (source[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (char === '\n') line++;
        cell += char;
      }
    } else if (char === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (char === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      cell += char;
    }
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return records;
}

/** Comma unless the first line has more semicolons or tabs (spreadsheet exports in some locales). */
export function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  let best = ',';
  let bestCount = count(firstLine, ',');
  for (const candidate of [';', '\t']) {
    const found = count(firstLine, candidate);
    if (found > bestCount) {
      best = candidate;
      bestCount = found;
    }
  }
  return best;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}
