// Shared key-value services: a cache with TTL and tag invalidation, counters for rate limits, and
// pub/sub. Redis backs them when REDIS_URL is set; in-process implementations otherwise.

export interface CacheSetOptions {
  ttlMs: number;
  /** Invalidating any of these tags removes the entry. */
  tags?: readonly string[];
}

export interface Cache {
  readonly name: string;
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, options: CacheSetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  invalidateTag(tag: string): Promise<void>;
  /** The cached value, or `load()`'s result stored under `key`. */
  getOrLoad<T>(key: string, options: CacheSetOptions, load: () => Promise<T>): Promise<T>;
}

export interface CounterHit {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface CounterLimit {
  key: string;
  /** The most units the key's window may hold. */
  limit: number;
}

export type Reservation =
  | { granted: true }
  /** `resetMs`: milliseconds until the last of the full windows resets. */
  | { granted: false; resetMs: number };

export interface Counters {
  /** Counts a hit on `key` in a fixed window of `windowMs` that starts at the key's first hit. */
  hit(key: string, windowMs: number): Promise<CounterHit>;
  /** The current window's count without adding a hit (count 0 when no window is open). */
  peek(key: string): Promise<CounterHit>;
  /**
   * Adds one unit to every key (windows as in `hit`) if each is below its limit, else to none; one
   * atomic step, so a limit checked this way holds however many callers race (check-then-hit does not).
   */
  reserve(limits: readonly CounterLimit[], windowMs: number): Promise<Reservation>;
  /** Takes back one unit reserved on `key`; a window left empty is closed. Nothing when no window is open. */
  release(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

export type MessageHandler = (message: string) => void;

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** Returns a function that ends the subscription. */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;
}

export interface KvStatus {
  backend: 'memory' | 'redis';
  /** Whether the shared store answers now (always true for memory). */
  connected: boolean;
}

export interface Kv {
  cache(name: string): Cache;
  readonly counters: Counters;
  readonly pubsub: PubSub;
  status(): KvStatus;
  /** Round-trip to the shared store; rejects when it does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
