// Frames and bytes per second over a sliding window.
export class RateWindow {
  readonly #times: number[] = [];
  readonly #sizes: number[] = [];
  #bytes = 0;

  constructor(private readonly windowMs: number) {}

  add(at: number, bytes: number): void {
    this.#times.push(at);
    this.#sizes.push(bytes);
    this.#bytes += bytes;
    this.#trim(at);
  }

  /** Frames per second and bytes per second over the window ending at `at`. */
  rates(at: number, since: number): { fps: number; bytesPerSecond: number } {
    this.#trim(at);
    // A window that started less than windowMs ago (a fresh connection) is measured over its own length.
    const span = Math.max(250, Math.min(this.windowMs, at - since));
    return { fps: (this.#times.length * 1000) / span, bytesPerSecond: (this.#bytes * 1000) / span };
  }

  clear(): void {
    this.#times.length = 0;
    this.#sizes.length = 0;
    this.#bytes = 0;
  }

  #trim(at: number): void {
    while (this.#times.length > 0 && this.#times[0]! <= at - this.windowMs) {
      this.#times.shift();
      this.#bytes -= this.#sizes.shift()!;
    }
  }
}
