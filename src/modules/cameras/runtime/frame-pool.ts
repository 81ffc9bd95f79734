// Memory for frames, shared by the camera workers of a supervisor. A worker keeps one frame, its
// latest; the frame it replaces, or a repeat it drops, goes back here, and the parser takes the
// memory of the next frame of any camera from here. A frame is complete in one read almost always,
// so a handful of buffers in flight serve the whole fleet: one frame's memory per camera, not two
// (each camera keeping a spare), and no new buffer per frame (at thousands of cameras a new buffer
// per frame is what drives garbage collection).
//
// Frames in flight are few while the process keeps up, and many in a burst (a late event loop, a
// source that sends frames in bursts: many cameras with a frame cut by the end of a read). Buffers
// made for a burst are kept for the next one, up to one per camera (`limit`, which the supervisor
// sets): memory a burst needed once is needed again, and dropping it would make the next burst
// allocate, and the collector free, thousands of buffers (external memory pressure: full
// collections). That bound is what a spare per camera used to hold at all times.

/** Room to grow: the next frames of a camera differ in size by a few percent. */
const HEADROOM = 1.125;
/** A free buffer is used for a frame that fills at least this share of it. */
const LEAST_FILL = 2 / 3;
/** Free buffers looked at for a fit, the most recently given back first. */
const SEARCH = 32;

export class FramePool {
  readonly #free: ArrayBuffer[] = [];

  /** At most `limit` free buffers are kept for reuse (the rest is left to the garbage collector). */
  constructor(public limit = 64) {}

  /** Memory for a frame of `size` bytes. */
  take(size: number): Buffer {
    const free = this.#free;
    const last = free.length - 1;
    for (let i = last; i >= 0 && i > last - SEARCH; i -= 1) {
      const memory = free[i]!;
      if (memory.byteLength >= size && size >= memory.byteLength * LEAST_FILL) {
        free[i] = free[last]!;
        free.pop();
        return Buffer.from(memory, 0, size);
      }
    }
    return Buffer.allocUnsafeSlow(Math.ceil(size * HEADROOM)).subarray(0, size);
  }

  /** Gives back the memory of a frame that `take` made and nothing references any more. */
  give(frame: Buffer): void {
    if (this.#free.length < this.limit && frame.byteOffset === 0) this.#free.push(frame.buffer as ArrayBuffer);
  }

  /** Free buffers held (for tests). */
  get free(): number {
    return this.#free.length;
  }
}
