// A per-process cap on connection attempts per second: an attempt starts only while fewer than
// `perSecond` attempts started in the last second plus a margin (a sliding window), so the cap holds
// over every one-second window, not just on average; and attempts are spaced evenly over that
// window, so a queue drains as an even trickle rather than a burst at the top of each second. When a
// site comes back, hundreds of cameras queue here in order instead of hitting the network, the
// cameras and the event loop at once.
//
// The margin (100 ms by default) is for what lies between this gate and the far end: an event loop
// that is late by a few milliseconds sends two attempts closer together than they were admitted, and
// a camera counting arrivals would see cap + 1 in a second. With the margin, arrivals stay within the
// cap unless they are delayed by more than the margin relative to each other.

export interface AttemptGate {
  /** Resolves when an attempt may start; rejects with the signal's reason if aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Attempts waiting for their turn. */
  waiting(): number;
  /** The most attempts started within any one window (a second plus the margin) since the last reset: at least the most in any second. */
  peakPerSecond(): number;
  resetPeak(): void;
  close(): void;
}

const abortReason = (signal: AbortSignal): Error => (signal.reason instanceof Error ? signal.reason : new Error('aborted'));

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export interface AttemptGateOptions {
  perSecond: number;
  /** Added to the one-second window the cap is enforced over (ms); 100 by default. */
  marginMs?: number;
  now?: () => number;
  onAttempt?: () => void;
}

export function createAttemptGate(options: AttemptGateOptions): AttemptGate {
  const now = options.now ?? (() => performance.now());
  const cap = options.perSecond;
  const windowMs = 1000 + (options.marginMs ?? 100);
  const queue: Waiter[] = [];
  /** Start times of the attempts of the last window, oldest first. */
  const recent: number[] = [];
  const spacing = windowMs / cap;
  let lastAt = Number.NEGATIVE_INFINITY;
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;

  function trim(t: number): void {
    while (recent.length > 0 && recent[0]! <= t - windowMs) recent.shift();
  }

  function admit(t: number): void {
    lastAt = t;
    recent.push(t);
    peak = Math.max(peak, recent.length);
    options.onAttempt?.();
  }

  function schedule(): void {
    if (timer || queue.length === 0) return;
    // The next attempt may start once it is spaced from the last one and the window has room.
    const t = now();
    const spaced = lastAt + spacing - t;
    const room = recent.length < cap ? 0 : recent[0]! + windowMs - t;
    timer = setTimeout(drain, Math.max(1, Math.ceil(Math.max(spaced, room))));
  }

  function drain(): void {
    timer = undefined;
    const t = now();
    trim(t);
    if (queue.length > 0 && recent.length < cap && t - lastAt >= spacing - 0.5) {
      const next = queue.shift()!;
      if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
      admit(t);
      next.resolve();
    }
    schedule();
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      const t = now();
      trim(t);
      if (queue.length === 0 && recent.length < cap && t - lastAt >= spacing) {
        admit(t);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const entry: Waiter = { resolve, reject, ...(signal ? { signal } : {}) };
        if (signal) {
          entry.onAbort = () => {
            const index = queue.indexOf(entry);
            if (index !== -1) queue.splice(index, 1);
            reject(abortReason(signal));
          };
          signal.addEventListener('abort', entry.onAbort, { once: true });
        }
        queue.push(entry);
        schedule();
      });
    },
    waiting: () => queue.length,
    peakPerSecond: () => peak,
    resetPeak() {
      peak = recent.length;
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const entry of queue.splice(0)) entry.reject(new Error('the attempt gate is closed'));
    },
  };
}
