// How long one camera's connected stream may go without a new frame before it is declared down
// (STALLED, or FROZEN when the same frame keeps coming): the camera's stall timeout.
//
//   timeout = max(least, STALL_FRAMES × the expected frame interval, what the source taught)
//
// - `least` is VIGIL_CAMERA_STALL_TIMEOUT_MS (1.5 s by default): a 5 fps camera (5 intervals = 1 s)
//   is declared down 1.5 s after its last new frame, a 1 fps camera after 5 s, a 0.2 fps one after 25 s.
// - What the source taught: the gaps between the new frames it actually sends, smoothed as TCP
//   smooths round-trip times (mean m with gain 1/8, mean deviation d with gain 1/4), give
//   max(2m, m + 4d). A source slower than its `expectedFps`, or whose frames come in bursts, gets a
//   timeout that fits it instead of being cut between two frames. It is the camera's, kept across
//   its connections.
// - Before the first new frame of a connection, at least FIRST_FRAME_MS: a source may take a moment
//   to send its first picture (RTSP waits for a key frame).
// - A cut that the source then contradicts (a source that only got slower, all at once, by more
//   than the timeout allows) would be cut again and again: so after a cut, the next connection gets
//   twice the timeout of that cut (doubling again if it is cut before it brought LEARNED_GAPS gaps,
//   up to MAX_GRACE_MS), long enough to learn the new pace. A connection that brings LEARNED_GAPS
//   gaps clears it.
//
// Pure: the worker tells it of connections, new frames and cuts, with its own clock.

/** Expected frame intervals without a new frame that make a stream down (never under the least timeout). */
export const STALL_FRAMES = 5;
/** Before a connection's first new frame, at least this long. */
export const FIRST_FRAME_MS = 3_000;
/** Gaps a connection must bring to clear the grace a cut left. */
export const LEARNED_GAPS = 4;
/** The longest grace after cuts in a row. */
export const MAX_GRACE_MS = 60_000;

export class StallTimeout {
  readonly #base: number;
  #mean = 0;
  #deviation = 0;
  #learned = 0;
  #samples = 0;
  /** The last new frame of this connection (null before its first). */
  #lastFrameAt: number | null = null;
  #gapsThisConnection = 0;
  #grace = 0;

  constructor(expectedFps: number, leastMs: number) {
    this.#base = Math.max(leastMs, Math.ceil((STALL_FRAMES * 1000) / expectedFps));
  }

  /** A new connection: its first frame starts the gaps again (the time in between is not the source's pace). */
  connected(): void {
    this.#lastFrameAt = null;
    this.#gapsThisConnection = 0;
  }

  /** A new frame at `at` (ms). */
  frame(at: number): void {
    if (this.#lastFrameAt !== null) this.#observe(at - this.#lastFrameAt);
    this.#lastFrameAt = at;
  }

  /** The connection was cut after `timeoutMs()` without a new frame. */
  cut(): void {
    this.#grace = Math.min(MAX_GRACE_MS, 2 * this.timeoutMs());
  }

  /** How long without a new frame, counted from the last one (or from the connection), makes the stream down. */
  timeoutMs(): number {
    const steady = Math.max(this.#base, this.#learned, this.#grace);
    return this.#lastFrameAt === null ? Math.max(steady, FIRST_FRAME_MS) : steady;
  }

  /** The smoothed gap and its deviation (ms), and the gaps seen: for tests and logs. */
  estimate(): { meanMs: number; deviationMs: number; samples: number } {
    return { meanMs: this.#mean, deviationMs: this.#deviation, samples: this.#samples };
  }

  #observe(gap: number): void {
    if (this.#samples === 0) {
      this.#mean = gap;
      this.#deviation = gap / 2;
    } else {
      this.#deviation += (Math.abs(gap - this.#mean) - this.#deviation) / 4;
      this.#mean += (gap - this.#mean) / 8;
    }
    this.#samples += 1;
    this.#learned = Math.ceil(Math.max(2 * this.#mean, this.#mean + 4 * this.#deviation));
    this.#gapsThisConnection += 1;
    if (this.#gapsThisConnection >= LEARNED_GAPS) this.#grace = 0;
  }
}
