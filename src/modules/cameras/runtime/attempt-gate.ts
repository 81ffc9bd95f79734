// A per-process cap on connection attempts per second: an attempt starts only while fewer than
// `perSecond` attempts started in the last second (a sliding window), so the cap holds over every
// one-second window, not just on average; and attempts are spaced 1/perSecond apart, so a queue
// drains as an even trickle rather than a burst at the top of each second. When a site comes back, hundreds of cameras queue here in
// order instead of hitting the network, the cameras and the event loop at once.

export interface AttemptGate {
  /** Resolves when an attempt may start; rejects with the signal's reason if aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Attempts waiting for their turn. */
  waiting(): number;
  /** The most attempts started within any one-second window since the last reset. */
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

export function createAttemptGate(options: { perSecond: number; now?: () => number; onAttempt?: () => void }): AttemptGate {
  const now = options.now ?? (() => performance.now());
  const cap = options.perSecond;
  const queue: Waiter[] = [];
  /** Start times of the attempts of the last second, oldest first. */
  const recent: number[] = [];
  const spacing = 1000 / cap;
  let lastAt = Number.NEGATIVE_INFINITY;
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;

  function trim(t: number): void {
    while (recent.length > 0 && recent[0]! <= t - 1000) recent.shift();
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
    const room = recent.length < cap ? 0 : recent[0]! + 1000 - t;
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
