import { describe, expect, it } from 'vitest';
import { addMonths, clampDate, describeAsOf, formatDay, formatPeriod, isIsoDate, relationTo } from './dates';

describe('org dates', () => {
  it('accepts only real calendar dates the API accepts', () => {
    expect(isIsoDate('2026-02-28')).toBe(true);
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate('2026-1-01')).toBe(false);
    expect(isIsoDate('1899-12-31')).toBe(false);
    expect(isIsoDate('3000-01-01')).toBe(false);
    expect(isIsoDate('')).toBe(false);
    expect(isIsoDate(null)).toBe(false);
  });

  it('moves by months, keeping the day where the month has it and the last day where not', () => {
    expect(addMonths('2026-03-15', 1)).toBe('2026-04-15');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-12-10', 1)).toBe('2027-01-10');
    expect(addMonths('2026-01-10', -1)).toBe('2025-12-10');
    expect(addMonths('2026-05-20', -12)).toBe('2025-05-20');
  });

  it('keeps a date inside the accepted range', () => {
    expect(clampDate('1800-01-01')).toBe('1900-01-01');
    expect(clampDate('3100-01-01')).toBe('2999-12-31');
    expect(clampDate('2026-06-01')).toBe('2026-06-01');
  });

  it('says dates and periods in words', () => {
    expect(formatDay('2026-06-01')).toBe('1 June 2026');
    expect(formatDay('nope')).toBe('—');
    expect(formatPeriod('2026-01-01', '2026-05-31')).toBe('1 January 2026 – 31 May 2026');
    expect(formatPeriod('2026-06-01', null)).toBe('from 1 June 2026 on');
    expect(formatPeriod('2026-06-01', '2026-06-01')).toBe('1 June 2026 only');
  });

  it('says whether the tree shown is today’s, past or planned', () => {
    expect(relationTo('2026-01-01', '2026-03-01')).toBe('past');
    expect(relationTo('2026-03-01', '2026-03-01')).toBe('today');
    expect(relationTo('2026-06-01', '2026-03-01')).toBe('future');
    expect(describeAsOf('2026-03-01', '2026-03-01')).toMatch(/^Today’s tree/);
    expect(describeAsOf('2026-01-01', '2026-03-01')).toMatch(/as it was on 1 January 2026/);
    expect(describeAsOf('2026-06-01', '2026-03-01')).toMatch(/as planned for 1 June 2026/);
  });
});
