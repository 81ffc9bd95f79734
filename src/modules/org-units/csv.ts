// A small RFC 4180 reader and writer: comma-separated cells, a cell quoted when it holds a comma, a
// quote or a line break, a quote inside a quoted cell doubled, records ended by CRLF (LF or CR alone
// are read too). One rule beyond the RFC keeps null apart from the empty string: an empty unquoted
// cell is null, a quoted empty cell (`""`) is the empty string; the writer follows the same rule.
// Pure: no I/O.

export type CsvCell = string | null;

export interface CsvRecord {
  /** The physical line the record starts on (1-based; a quoted cell may run over several lines). */
  line: number;
  cells: CsvCell[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * The records of `text`, in order. Lines with nothing on them are skipped (a final line break, a
 * blank line between records); a leading byte order mark is ignored. Malformed quoting throws
 * CsvSyntaxError with the line where it was found.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;

  while (i < n) {
    // A line with nothing on it is no record.
    if (text[i] === '\n' || text[i] === '\r') {
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const cells: CsvCell[] = [];
    for (;;) {
      let cell: CsvCell;
      if (text[i] === '"') {
        const opened = line;
        let value = '';
        i++;
        for (;;) {
          if (i >= n) throw new CsvSyntaxError(opened, 'a quoted cell is never closed (a quote is missing)');
          const quote = text.indexOf('"', i);
          if (quote === -1) throw new CsvSyntaxError(opened, 'a quoted cell is never closed (a quote is missing)');
          const chunk = text.slice(i, quote);
          line += countLineBreaks(chunk);
          value += chunk;
          if (text[quote + 1] === '"') {
            value += '"';
            i = quote + 2;
          } else {
            i = quote + 1;
            break;
          }
        }
        const next = text[i];
        if (i < n && next !== ',' && next !== '\n' && next !== '\r') {
          throw new CsvSyntaxError(line, 'a quoted cell must end at a comma or at the end of the line (double a quote inside it: "")');
        }
        cell = value;
      } else {
        let end = i;
        while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
        const value = text.slice(i, end);
        if (value.includes('"'))
          throw new CsvSyntaxError(line, 'a quote inside an unquoted cell; quote the whole cell and double the quote');
        cell = value === '' ? null : value;
        i = end;
      }
      cells.push(cell);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    records.push({ line: start, cells });
    // The line break that ends the record.
    if (i < n) {
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
    }
  }
  return records;
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') count++;
    else if (text[i] === '\r' && text[i + 1] !== '\n') count++;
  }
  return count;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null as nothing, the empty string as `""`, quoted when it holds a comma, quote or line break. */
export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (value === '' || NEEDS_QUOTES.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/** Records as CSV text, each ended by CRLF. */
export function writeCsv(records: readonly (readonly CsvCell[])[]): string {
  return records.map((cells) => `${cells.map(csvCell).join(',')}\r\n`).join('');
}
