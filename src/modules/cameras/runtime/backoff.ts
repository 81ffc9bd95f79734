// Reconnect delays: exponential backoff with full jitter (a uniformly random delay between 0 and
// the capped exponential), so that cameras that dropped together do not retry together.
// https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
//
// Two caps. A failure that may clear at any moment (a refused or reset connection, a timeout, a
// stall) is capped at `maxMs` (8 s by default): however long the outage, the attempt that finds the
// source back comes within `maxMs` of its return (95% of the time within 0.78 × maxMs: the wait
// left in a uniform delay is a size-biased draw). What the process as a whole attempts stays under
// the attempt gate's cap (attempt-gate.ts), so a site outage of hundreds of cameras is limited there,
// not here. A refusal that retrying will not fix soon (401/403/404, not MJPEG, no ffmpeg, refused by
// the network rules: `persistent`) is capped at `errorMaxMs` (60 s): a camera that refuses our
// credentials is not asked again every few seconds.
export interface BackoffSettings {
  baseMs: number;
  /** The longest delay after a failure that may clear at any moment. */
  maxMs: number;
  /** The longest delay after a refusal that retrying will not fix soon; `maxMs` when not set. */
  errorMaxMs?: number;
}

export function backoffDelay(attempt: number, settings: BackoffSettings, random: () => number = Math.random, persistent = false): number {
  const cap = persistent ? Math.max(settings.maxMs, settings.errorMaxMs ?? settings.maxMs) : settings.maxMs;
  const ceiling = Math.min(cap, settings.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
