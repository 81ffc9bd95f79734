import { describe, expect, it } from 'vitest';
import { countUnits, importContentType } from './transfer';

describe('import files', () => {
  it('sends a file as CSV or JSON by its name, else by the type the browser gives', () => {
    expect(importContentType('units.CSV', '')).toBe('text/csv');
    expect(importContentType('units.json', 'text/plain')).toBe('application/json');
    expect(importContentType('export', 'application/json; charset=utf-8')).toBe('application/json');
    expect(importContentType('export', 'application/vnd.ms-excel')).toBe('text/csv');
    expect(importContentType('units.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).toBeUndefined();
  });
  it('counts units and versions in words', () => {
    expect(countUnits(1, 1)).toBe('1 unit (1 version)');
    expect(countUnits(3, 4)).toBe('3 units (4 versions)');
  });
});
