// Calendar dates (YYYY-MM-DD) for the organization page: moving a date by months, checking one,
// and saying it in words. Pure, so unit tested (dates.test.ts).

/** The dates the API accepts (src/platform/dates.ts). */
export const MIN_DATE = '1900-01-01';
export const MAX_DATE = '2999-12-31';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date YYYY-MM-DD the API accepts. */
export function isIsoDate(text: string | null | undefined): text is string {
  if (!text) return false;
  const match = DATE.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && text >= MIN_DATE && text <= MAX_DATE;
}

/** `iso` moved by `months` calendar months; a day the target month lacks becomes its last (31 March − 1 month = 28/29 February). */
export function addMonths(iso: string, months: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}

/** A date kept within what the API accepts. */
export function clampDate(iso: string): string {
  return iso < MIN_DATE ? MIN_DATE : iso > MAX_DATE ? MAX_DATE : iso;
}

/** "1 June 2026" (the calendar date itself, in no time zone). */
export function formatDay(iso: string | null | undefined): string {
  if (!isIsoDate(iso)) return '—';
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
}

export type DateRelation = 'past' | 'today' | 'future';

export function relationTo(date: string, today: string): DateRelation {
  return date < today ? 'past' : date > today ? 'future' : 'today';
}

/** The period of a version: "1 January 2026 – 31 May 2026", "from 1 June 2026 on". */
export function formatPeriod(effectiveDate: string, endDate: string | null): string {
  if (endDate === null) return `from ${formatDay(effectiveDate)} on`;
  if (endDate === effectiveDate) return `${formatDay(effectiveDate)} only`;
  return `${formatDay(effectiveDate)} – ${formatDay(endDate)}`;
}

/** What the tree on `asOf` is, said for a person. */
export function describeAsOf(asOf: string, today: string): string {
  switch (relationTo(asOf, today)) {
    case 'today':
      return `Today’s tree (${formatDay(asOf)}).`;
    case 'past':
      return `The tree as it was on ${formatDay(asOf)}, in the past.`;
    case 'future':
      return `The tree as planned for ${formatDay(asOf)}, in the future: scheduled changes up to that day are applied.`;
  }
}
