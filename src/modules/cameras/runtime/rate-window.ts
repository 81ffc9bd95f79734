// Frames and bytes per second over a sliding window, measured over the time actually observed.
//
// n frames seen since a connection's first frame are n - 1 intervals: counting the first one as well,
// over the few hundred milliseconds after connecting, read several times the source's rate. And a
// connection often opens with a burst (an MJPEG server's buffered frame, ffmpeg flushing what it
// decoded while it probed the stream). So a connection younger than the window is measured from its
// first frame, over the frames after it, and has no rate at all (null) until `minObservedMs` passed.
export interface Rates {
  fps: number;
  bytesPerSecond: number;
}

export class RateWindow {
  readonly #times: number[] = [];
  readonly #sizes: number[] = [];
  #bytes = 0;
  /** When the first frame since the last `clear` came. */
  #first: number | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly minObservedMs = 1_000,
  ) {}

  add(at: number, bytes: number): void {
    this.#first ??= at;
    this.#times.push(at);
    this.#sizes.push(bytes);
    this.#bytes += bytes;
    this.#trim(at);
  }

  /** Frames and bytes per second at `at`; null before `minObservedMs` of frames were seen. */
  rates(at: number): Rates | null {
    if (this.#first === null) return null;
    const observed = at - this.#first;
    if (observed < this.minObservedMs) return null;
    this.#trim(at);
    if (observed >= this.windowMs) {
      return { fps: (this.#times.length * 1000) / this.windowMs, bytesPerSecond: (this.#bytes * 1000) / this.windowMs };
    }
    // Younger than the window: every frame since the first is still here; the first opens the span.
    return {
      fps: ((this.#times.length - 1) * 1000) / observed,
      bytesPerSecond: ((this.#bytes - (this.#sizes[0] ?? 0)) * 1000) / observed,
    };
  }

  clear(): void {
    this.#times.length = 0;
    this.#sizes.length = 0;
    this.#bytes = 0;
    this.#first = null;
  }

  #trim(at: number): void {
    while (this.#times.length > 0 && this.#times[0]! <= at - this.windowMs) {
      this.#times.shift();
      this.#bytes -= this.#sizes.shift()!;
    }
  }
}
