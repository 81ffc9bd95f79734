// Reconnect delays: exponential backoff with full jitter (a uniformly random delay between 0 and
// the capped exponential), so that cameras that dropped together do not retry together.
// https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

export function backoffDelay(attempt: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
