// An open-model (fixed arrival rate) load generator: request i is due at i/rate seconds after the
// start whatever happened to the ones before it, and its latency is counted from when it was due,
// not from when it was sent (no coordinated omission: a server that stalls makes every request
// queued behind the stall count as late, as users arriving at that rate would see it). The pure
// parts (the schedule, the accounting, the rate search) take a clock and a send function, so the
// tests drive them with a fake clock.
import { LatencyHistogram } from '../histogram.js';

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves at (or after) `at`, a value of now(). */
  sleepUntil(at: number): Promise<void>;
}

/** The wall clock: performance.now() and timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleepUntil: (at) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now()))),
};

/** When request `index` is due, in ms after the start, at `rate` requests per second (evenly spaced). */
export function dueAt(index: number, rate: number): number {
  return (index * 1000) / rate;
}

/** How many requests a run of `durationMs` at `rate` sends. */
export function requestCount(rate: number, durationMs: number): number {
  return Math.max(1, Math.floor((rate * durationMs) / 1000));
}

/** The answer to one request: an HTTP status, or an error (connection refused, reset, aborted). */
export type Outcome = { status: number } | { error: string };

export interface OpenLoopOptions {
  rate: number;
  durationMs: number;
  clock: Clock;
  /** Sends request `index` (the caller picks what it is); resolves with its outcome, never rejects. */
  send(index: number): Promise<Outcome>;
  /** After the last request is sent, how long to wait for the answers; later ones count as errors. */
  drainMs: number;
  /** Called when the drain time ran out with requests still out (to abort them). */
  onAbandon?(): void;
  /** The kind of request `index` is, to keep its latency apart as well (`byKind`). */
  kindOf?(index: number): string;
}

export interface OpenLoopResult {
  rate: number;
  sent: number;
  /** 2xx answers. */
  ok: number;
  /** Non-2xx answers by status. */
  statuses: Record<string, number>;
  /** Connection errors and requests still unanswered when the drain time ran out. */
  errors: number;
  /** Latency from when each answered request was due to its answer (ms). */
  latency: LatencyHistogram;
  /** The same, by kind of request (when `kindOf` was given). */
  byKind: Map<string, LatencyHistogram>;
  /** The latest a request was sent after it was due (ms): large values mean the generator fell behind. */
  maxSendLagMs: number;
  /** From the first due time to the last answer (ms). */
  elapsedMs: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { rate, clock } = options;
  const total = requestCount(rate, options.durationMs);
  const latency = new LatencyHistogram();
  const byKind = new Map<string, LatencyHistogram>();
  const record = (index: number, ms: number) => {
    latency.record(ms);
    const kind = options.kindOf?.(index);
    if (kind === undefined) return;
    let histogram = byKind.get(kind);
    if (!histogram) byKind.set(kind, (histogram = new LatencyHistogram()));
    histogram.record(ms);
  };
  const statuses: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  let answered = 0;
  let maxSendLagMs = 0;
  let lastAnswer = 0;
  let wakeDrain: (() => void) | undefined;
  let abandoned = false;

  const fire = (index: number, due: number) => {
    maxSendLagMs = Math.max(maxSendLagMs, clock.now() - due);
    void options.send(index).then((outcome) => {
      if (abandoned) return;
      const at = clock.now();
      lastAnswer = at;
      answered++;
      if ('error' in outcome) errors++;
      else if (outcome.status >= 200 && outcome.status < 300) {
        ok++;
        record(index, at - due);
      } else {
        statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
        record(index, at - due);
      }
      if (answered === total) wakeDrain?.();
    });
  };

  const start = clock.now();
  let next = 0;
  while (next < total) {
    const now = clock.now();
    // Everything due by now goes out at once: a late wake-up (a busy event loop) still sends all
    // that fell due, and their latency still counts from their due times.
    while (next < total && start + dueAt(next, rate) <= now) {
      fire(next, start + dueAt(next, rate));
      next++;
    }
    if (next < total) await clock.sleepUntil(start + dueAt(next, rate));
  }
  if (answered < total) {
    const drained = new Promise<void>((resolve) => (wakeDrain = resolve));
    const deadline = clock.now() + options.drainMs;
    await Promise.race([drained, clock.sleepUntil(deadline)]);
  }
  if (answered < total) {
    abandoned = true;
    errors += total - answered;
    options.onAbandon?.();
  }
  return { rate, sent: total, ok, statuses, errors, latency, byKind, maxSendLagMs, elapsedMs: Math.max(lastAnswer, clock.now()) - start };
}

export interface Criterion {
  /** p99 latency (from due time) must stay below this. */
  p99Ms: number;
}

/** Whether a run passed: every request answered 2xx and p99 below the bound. */
export function passes(result: OpenLoopResult, criterion: Criterion): boolean {
  return result.errors === 0 && result.ok === result.sent && result.latency.percentile(99) < criterion.p99Ms;
}

export interface RateSearchOptions {
  /** The first rate tried (req/s). */
  start: number;
  /** Each rate that passes is multiplied by this until one fails. */
  growth: number;
  /** Bisection stops when the bracket is narrower than this share of its lower end. */
  precision: number;
  /** At most this many trials. */
  maxTrials: number;
  /** No rate above this is tried. */
  maxRate: number;
}

/**
 * The highest rate that passes: step up (×growth) from `start` until a rate fails, then bisect
 * between the last pass and the first failure. A state machine so that two searches (two targets)
 * can take turns in one run: ask `next()` for the rate to try, `report()` whether it passed.
 */
export class RateSearch {
  private low = 0;
  private high: number | undefined;
  private pending: number | undefined;
  readonly trials: { rate: number; passed: boolean }[] = [];

  constructor(private readonly options: RateSearchOptions) {}

  /** The highest rate that passed so far (0: none). */
  get best(): number {
    return this.low;
  }

  /** The rate to try next, or undefined when the search is over. */
  next(): number | undefined {
    if (this.pending !== undefined) return this.pending;
    if (this.trials.length >= this.options.maxTrials) return undefined;
    let rate: number;
    if (this.high === undefined) {
      rate = this.low === 0 ? this.options.start : this.low * this.options.growth;
      if (this.low >= this.options.maxRate) return undefined;
      rate = Math.min(rate, this.options.maxRate);
    } else {
      if (this.high - this.low <= this.options.precision * Math.max(this.low, 1)) return undefined;
      rate = (this.low + this.high) / 2;
    }
    this.pending = Math.max(1, Math.round(rate));
    // Rounding may land on a rate already known: the bracket is as narrow as whole rates go.
    if (this.pending <= this.low || (this.high !== undefined && this.pending >= this.high)) {
      this.pending = undefined;
      return undefined;
    }
    return this.pending;
  }

  report(passed: boolean): void {
    const rate = this.pending;
    if (rate === undefined) throw new Error('RateSearch.report() without a rate from next()');
    this.pending = undefined;
    this.trials.push({ rate, passed });
    if (passed) this.low = Math.max(this.low, rate);
    else this.high = this.high === undefined ? rate : Math.min(this.high, rate);
  }
}
