import { describe, expect, it } from 'vitest';
import { addDays, capitalise, dayDistance, describeError, formatCount, formatDuration, relativeTime, todayIso } from './format';

describe('describeError', () => {
  it('says what a person can do for codes they will meet', () => {
    expect(describeError({ status: 0, code: 'NETWORK_ERROR', message: 'x' })).toMatch(/could not be reached/);
    expect(describeError({ status: 403, code: 'FORBIDDEN', message: 'x' })).toBe('You do not have permission to do this.');
    expect(describeError({ status: 412, code: 'PRECONDITION_FAILED', message: 'x' })).toMatch(/changed this in the meantime/);
    expect(describeError({ status: 500, code: 'INTERNAL', message: 'stack?' })).not.toMatch(/stack/);
  });
  it('keeps the API’s specific message for a conflict or a validation error, as a sentence', () => {
    expect(describeError({ status: 409, code: 'ORG_UNIT_EXISTS', message: 'org unit SITE already exists' })).toBe(
      'Org unit SITE already exists.',
    );
    expect(describeError({ status: 400, code: 'VALIDATION_FAILED', message: 'the request body is invalid.' })).toBe(
      'The request body is invalid.',
    );
  });
  it('never shows a server’s own words for an unknown 5xx', () => {
    expect(describeError({ status: 502, code: 'HTTP_502', message: 'Bad Gateway' })).toMatch(/Something went wrong on the server/);
  });
});

describe('dates and durations', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  it('says how long ago, or how far ahead', () => {
    expect(relativeTime('2026-12-01T09:59:55Z', now)).toBe('5 s ago');
    expect(relativeTime('2026-12-01T09:57:00Z', now)).toBe('3 min ago');
    expect(relativeTime('2026-12-01T07:00:00Z', now)).toBe('3 h ago');
    expect(relativeTime('2026-12-04T10:00:00Z', now)).toBe('in 3 d');
    expect(relativeTime(null, now)).toBe('—');
    expect(relativeTime('not a date', now)).toBe('—');
  });
  it('formats durations', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(720)).toBe('12 min');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3 h 5 min');
    expect(formatDuration(7200)).toBe('2 h');
    expect(formatDuration(-1)).toBe('—');
  });
  it('does calendar arithmetic across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(dayDistance('2026-12-05', '2026-12-01')).toBe('in 4 d');
    expect(dayDistance('2026-11-30', '2026-12-01')).toBe('1 d ago');
    expect(dayDistance('2026-12-01', '2026-12-01')).toBe('today');
    expect(todayIso(new Date(2026, 0, 5))).toBe('2026-01-05');
  });
  it('formats counts and capitals', () => {
    expect(formatCount(1234)).toBe('1,234');
    expect(formatCount(2_500_000)).toBe('2.5M');
    expect(capitalise('')).toBe('');
  });
});
