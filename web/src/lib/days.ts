// Days picked in date inputs (YYYY-MM-DD, the viewer's own calendar) as the instants the API filters on.

/** The instant the day begins, in the viewer's time zone. */
export function dayStart(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, (m ?? 1) - 1, d ?? 1).toISOString();
}

/** The instant the next day begins: the exclusive end of a range that includes `day`. */
export function dayAfter(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, (m ?? 1) - 1, (d ?? 1) + 1).toISOString();
}
