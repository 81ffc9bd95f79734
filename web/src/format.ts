// Pure formatting for the console: errors in words a person understands, dates, durations and
// counts. No React here, so it is unit tested directly (format.test.ts).
import type { ApiError } from './api/client';

type ErrorLike = Pick<ApiError, 'status' | 'code' | 'message'> & { retryAfter?: number };

/** What went wrong, said for a person; the API's own message is kept where it is already specific. */
export function describeError(error: ErrorLike): string {
  switch (error.code) {
    case 'NETWORK_ERROR':
      return 'Vigil could not be reached. Check your connection; the page will retry by itself.';
    case 'INVALID_CREDENTIALS':
      return 'That email and password do not match an active account.';
    case 'TOO_MANY_ATTEMPTS':
    case 'RATE_LIMITED':
      return 'Too many attempts in a short time. Wait a moment and try again.';
    case 'UNAUTHORIZED':
    case 'SESSION_EXPIRED':
    case 'NO_SESSION':
      return 'Your session has ended. Please sign in again.';
    case 'FORBIDDEN':
      return 'You do not have permission to do this.';
    case 'CSRF_INVALID':
      return 'The page’s security token is out of date. Reload the page and try again.';
    case 'PRECONDITION_FAILED':
      return 'Someone else changed this in the meantime. Reload to see the latest version, then try again.';
    case 'DATABASE_UNAVAILABLE':
    case 'SHUTTING_DOWN':
      return 'Vigil is temporarily unavailable. Try again in a few seconds.';
    case 'INTERNAL':
      return 'Something went wrong on the server. If it keeps happening, contact support with the request ID.';
    default:
      break;
  }
  if (error.status === 404) return capitalise(`${error.message}.`.replace(/\.\.$/, '.'));
  if (error.status >= 500) return 'Something went wrong on the server. If it keeps happening, contact support with the request ID.';
  return capitalise(error.message.endsWith('.') ? error.message : `${error.message}.`);
}

export function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** "2026-12-01 10:00" in the viewer's time zone; "—" for nothing. */
export function formatDateTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString(locale ?? 'en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** "5 s ago", "3 min ago", "2 h ago", "4 d ago"; "in 5 min" for the future. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '—';
  const seconds = Math.round((now - then) / 1000);
  const span = Math.abs(seconds);
  const text =
    span < 60
      ? `${span} s`
      : span < 3600
        ? `${Math.floor(span / 60)} min`
        : span < 86_400
          ? `${Math.floor(span / 3600)} h`
          : `${Math.floor(span / 86_400)} d`;
  return seconds >= 0 ? `${text} ago` : `in ${text}`;
}

/** A duration in seconds as "45 s", "12 min", "3 h 5 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

/** Today's date as YYYY-MM-DD in the viewer's time zone. */
export function todayIso(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** `iso` moved by `days` (YYYY-MM-DD in, YYYY-MM-DD out; calendar arithmetic in UTC). */
export function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** 1234 → "1,234"; 1234567 → "1.2M". */
export function formatCount(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return n.toLocaleString('en-GB');
}

/** "in 3 d", "today", "3 d ago" for a date relative to another (for effective dates). */
export function dayDistance(iso: string, today: string): string {
  const diff = Math.round((Date.parse(`${iso}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
  if (diff === 0) return 'today';
  return diff > 0 ? `in ${diff} d` : `${-diff} d ago`;
}
