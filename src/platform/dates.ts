// Calendar dates (`YYYY-MM-DD`) for effective-dated data. Stored half-open, [from, to), shown with
// an inclusive end date: `endDateOf` and `toOfEndDate` are the one place that converts. "Today" is
// the date in VIGIL_TIMEZONE, the same everywhere it is asked.
import { PlatformErrors, platformErrors } from './errors.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The first and last dates Vigil accepts: wide enough for history and plans, narrow enough to do arithmetic on. */
export const MIN_DATE = '1900-01-01';
export const MAX_DATE = '2999-12-31';

export function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && value >= MIN_DATE && value <= MAX_DATE;
}

/** A date from a client; 400 INVALID_DATE names the field. */
export function parseDate(value: string, field: string): string {
  if (!isDate(value)) {
    throw platformErrors.raise(
      'INVALID_DATE',
      `${field} must be a calendar date YYYY-MM-DD between ${MIN_DATE} and ${MAX_DATE}, got "${value}"`,
      {
        field,
        value,
      },
    );
  }
  return value;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The inclusive end date shown for a half-open `to` (null: open-ended). */
export function endDateOf(to: string | null): string | null {
  if (to === null) return null;
  // Inside a month, the day before is the day's digits minus one: no Date (a tree read converts thousands).
  const day = (to.charCodeAt(8) - 48) * 10 + (to.charCodeAt(9) - 48);
  if (to.length === 10 && day >= 2 && day <= 31) return `${to.slice(0, 8)}${day <= 10 ? '0' : ''}${day - 1}`;
  return addDays(to, -1);
}

/** The half-open `to` stored for an inclusive end date. */
export const toOfEndDate = (endDate: string | null): string | null => (endDate === null ? null : addDays(endDate, 1));

/** One formatter per time zone: making one costs far more than formatting (tens of µs, on every request). */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** Today's date in `timeZone`. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  let format = dayFormats.get(timeZone);
  if (format === undefined) {
    // en-CA formats as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(now);
}

/**
 * An instant from a query (already an RFC 3339 date-time by its schema). RFC 3339 allows a leap
 * second (`23:59:60`) and years JavaScript cannot hold; neither is an instant Vigil can compare, so
 * each is 400 VALIDATION_FAILED naming the parameter rather than an invalid date deep inside a query.
 */
export function parseInstant(value: string, field: string): Date {
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) {
    throw PlatformErrors.validation(
      [{ path: `querystring.${field}`, message: 'must be an instant that exists (no leap second)' }],
      'query',
    );
  }
  return instant;
}
