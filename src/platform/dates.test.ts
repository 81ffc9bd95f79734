import { describe, expect, it } from 'vitest';
import { addDays, endDateOf, isDate, parseDate, toOfEndDate, todayIn } from './dates.js';

describe('dates', () => {
  it('accepts only real calendar dates in range', () => {
    expect(isDate('2026-02-28')).toBe(true);
    expect(isDate('2024-02-29')).toBe(true);
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-01', '26-01-01', '1899-12-31', '3000-01-01', '2026-01-01T00:00:00Z']) {
      expect(isDate(bad), bad).toBe(false);
    }
    expect(() => parseDate('2026-02-30', 'effectiveDate')).toThrow(expect.objectContaining({ code: 'INVALID_DATE' }));
  });

  it('converts between the stored half-open end and the inclusive end date, across months and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(endDateOf('2026-03-01')).toBe('2026-02-28');
    expect(toOfEndDate('2026-02-28')).toBe('2026-03-01');
    expect(endDateOf(null)).toBeNull();
  });

  it('gives the day before as the end date for every day of a leap year and the year after', () => {
    for (let day = '2024-01-01'; day < '2026-01-02'; day = addDays(day, 1)) {
      expect(endDateOf(day), day).toBe(addDays(day, -1));
      expect(toOfEndDate(endDateOf(day)), day).toBe(day);
    }
  });

  it('answers today in the configured time zone, not the machine’s', () => {
    const instant = new Date('2026-03-01T23:30:00Z');
    expect(todayIn('UTC', instant)).toBe('2026-03-01');
    expect(todayIn('Europe/Berlin', instant)).toBe('2026-03-02');
    expect(todayIn('America/Los_Angeles', new Date('2026-03-01T05:00:00Z'))).toBe('2026-02-28');
  });
});
