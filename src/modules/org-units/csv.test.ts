import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, csvCell, parseCsv, writeCsv } from './csv.js';

const cells = (text: string) => parseCsv(text).map((r) => r.cells);

describe('parseCsv', () => {
  it('reads plain cells, with CRLF, LF or CR line ends, and skips blank lines and a final line break', () => {
    expect(cells('a,b,c\r\n1,2,3\r\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(cells('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(cells('a,b\r1,2\r')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(cells('a,b\n\n\r\n1,2\n\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(cells('')).toEqual([]);
  });

  it('reads quoted cells holding commas, doubled quotes and line breaks', () => {
    expect(cells('"a,b","say ""hi""","two\r\nlines","x\ny"\r\n')).toEqual([['a,b', 'say "hi"', 'two\r\nlines', 'x\ny']]);
    expect(cells('"",""""')).toEqual([['', '"']]);
  });

  it('tells null (an empty unquoted cell) from the empty string (a quoted one)', () => {
    expect(cells('a,,"",\r\n')).toEqual([['a', null, '', null]]);
    expect(cells(',')).toEqual([[null, null]]);
  });

  it('keeps spaces and unicode as they are, and ignores a byte order mark', () => {
    expect(cells('\uFEFF a , b ,Zürich 🚉')).toEqual([[' a ', ' b ', 'Zürich 🚉']]);
  });

  it('numbers each record by the line it starts on, counting line breaks inside quotes', () => {
    const records = parseCsv('h1,h2\r\n"multi\r\nline\nvalue",x\r\n\r\nlast,y\r\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 6]);
  });

  it('refuses malformed quoting, naming the line', () => {
    const error = (text: string) => {
      try {
        parseCsv(text);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const unclosed = error('a,b\r\n1,"open\r\nstill open');
    expect(unclosed).toBeInstanceOf(CsvSyntaxError);
    expect(unclosed).toMatchObject({ line: 2 });
    expect(error('a,b\r\nx,ab"c\r\n')).toMatchObject({ line: 2 });
    expect(error('a\r\n\r\n"closed"then,x')).toMatchObject({ line: 3 });
  });
});

describe('writeCsv', () => {
  it('quotes only what needs it and ends every record with CRLF', () => {
    expect(
      writeCsv([
        ['a', 'b'],
        ['1', null, ''],
      ]),
    ).toBe('a,b\r\n1,,""\r\n');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('plain text')).toBe('plain text');
  });

  it('round-trips any cells through parseCsv', () => {
    const records = [
      ['code', 'name', 'description'],
      ['A-1', 'Comma, Inc.', 'He said "no",\r\nthen left.\nAgain\rand again'],
      ['B', '', null],
      ['C', '""', ',,,'],
      ['D', '{"k":"v, w","n":[1,2]}', ' padded '],
    ];
    expect(cells(writeCsv(records))).toEqual(records);
  });
});
