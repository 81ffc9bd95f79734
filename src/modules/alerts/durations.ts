// Durations as Prometheus writes them: `30s`, `5m`, `4h`, `1h30m`, `2d`, `1w`, each unit at most
// once, largest first. Vigil keeps whole seconds (no `ms`).

const UNITS: readonly [string, number][] = [
  ['y', 365 * 86_400],
  ['w', 7 * 86_400],
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];
const PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds, or undefined for a string that is not a duration (empty included). */
export function parseDuration(text: string): number | undefined {
  if (text === '' || text.length > 32) return undefined;
  if (text === '0') return 0;
  const match = PATTERN.exec(text);
  if (!match) return undefined;
  let seconds = 0;
  for (const [i, [, size]] of UNITS.entries()) {
    const part = match[i + 1];
    if (part !== undefined) seconds += Number(part) * size;
  }
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

/** The shortest Prometheus form of whole seconds: 90 → `1m30s`, 0 → `0s`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of UNITS) {
    if (unit === 'y') continue; // a year of 365 days is no calendar year: weeks read better
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
