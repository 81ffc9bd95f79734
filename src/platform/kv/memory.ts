import { EventEmitter } from 'node:events';
import type { CacheSetOptions, CounterHit, CounterLimit, Counters, MessageHandler, PubSub, Reservation } from './types.js';

interface Entry {
  value: string;
  expiresAt: number;
  tags: readonly string[];
}

/** An in-process store of serialized values with expiry and tags; bounded in size. */
export class MemoryStore {
  readonly #entries = new Map<string, Entry>();
  readonly #tags = new Map<string, Set<string>>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: string, options: CacheSetOptions): void {
    this.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest write.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.delete(oldest);
    }
    const tags = options.tags ?? [];
    this.#entries.set(key, { value, expiresAt: this.now() + options.ttlMs, tags });
    for (const tag of tags) {
      let keys = this.#tags.get(tag);
      if (!keys) this.#tags.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.#tags.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.#tags.delete(tag);
    }
  }

  invalidateTag(tag: string): void {
    for (const key of [...(this.#tags.get(tag) ?? [])]) this.delete(key);
  }

  clear(): void {
    this.#entries.clear();
    this.#tags.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

export class MemoryCounters implements Counters {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  hit(key: string, windowMs: number): Promise<CounterHit> {
    return Promise.resolve(this.hitSync(key, windowMs));
  }

  hitSync(key: string, windowMs: number): CounterHit {
    const now = this.now();
    let window = this.#windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.#windows.size > 100_000) this.#sweep(now);
      window = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetMs: window.resetAt - now };
  }

  peek(key: string): Promise<CounterHit> {
    return Promise.resolve(this.peekSync(key));
  }

  peekSync(key: string): CounterHit {
    const now = this.now();
    const window = this.#windows.get(key);
    return window && window.resetAt > now ? { count: window.count, resetMs: window.resetAt - now } : { count: 0, resetMs: 0 };
  }

  reserve(limits: readonly CounterLimit[], windowMs: number): Promise<Reservation> {
    return Promise.resolve(this.reserveSync(limits, windowMs));
  }

  /** Synchronous, hence atomic within the process. */
  reserveSync(limits: readonly CounterLimit[], windowMs: number): Reservation {
    const full = limits.map(({ key, limit }) => ({ limit, ...this.peekSync(key) })).filter(({ count, limit }) => count >= limit);
    if (full.length > 0) return { granted: false, resetMs: Math.max(...full.map(({ resetMs }) => resetMs)) };
    for (const { key } of limits) this.hitSync(key, windowMs);
    return { granted: true };
  }

  release(key: string): Promise<void> {
    this.releaseSync(key);
    return Promise.resolve();
  }

  releaseSync(key: string): void {
    const window = this.#windows.get(key);
    if (!window || window.resetAt <= this.now()) return;
    window.count -= 1;
    if (window.count <= 0) this.#windows.delete(key);
  }

  reset(key: string): Promise<void> {
    this.#windows.delete(key);
    return Promise.resolve();
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}

export class MemoryPubSub implements PubSub {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  publish(channel: string, message: string): Promise<void> {
    this.#emitter.emit(channel, message);
    return Promise.resolve();
  }

  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    this.#emitter.on(channel, handler);
    return Promise.resolve(() => {
      this.#emitter.off(channel, handler);
      return Promise.resolve();
    });
  }
}
