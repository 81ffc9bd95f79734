// Builds the key-value services. With REDIS_URL they live in Redis and are shared by every process;
// while Redis is unreachable (at start or later) each falls back to its in-process twin, as
// documented in docs/platform.md:
//   cache    → in-process entries with TTL capped at FALLBACK_TTL_MS (bounded staleness); cleared on reconnect
//   counters → per-process windows: rate limits fail open to per-process limits, never to "no limit"
//   pubsub   → delivered to this process's subscribers only
// ioredis reconnects with capped exponential backoff and jitter; redis_up says where it stands.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import { MemoryCounters, MemoryPubSub, MemoryStore } from './memory.js';
import type { Cache, CacheSetOptions, CounterHit, Counters, Kv, MessageHandler, PubSub, Reservation } from './types.js';

export type * from './types.js';

export const FALLBACK_TTL_MS = 5_000;

export interface KvOptions {
  url: string | undefined;
  keyPrefix: string;
  log: Logger;
  metrics: Pick<Metrics, 'cacheRequests' | 'redisUp'>;
  /** Backoff bounds of reconnects, in ms. */
  reconnect?: { baseMs: number; maxMs: number };
  commandTimeoutMs?: number;
}

const COUNTER_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

// KEYS: the counters; ARGV[1]: the window in ms; ARGV[1 + i]: the limit of KEYS[i]. All or none.
const RESERVE_SCRIPT = `
local full, wait = false, 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
    full = true
    wait = math.max(wait, redis.call('PTTL', key))
  end
end
if full then return {0, wait} end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return {1, 0}`;

// DECR on a missing key would create one without expiry: only an open window is decreased.
const RELEASE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end
return 1`;

const INVALIDATE_SCRIPT = `
local keys = redis.call('SMEMBERS', KEYS[1])
for i = 1, #keys, 500 do
  redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys)))
end
redis.call('DEL', KEYS[1])
return #keys`;

type CacheMetrics = KvOptions['metrics']['cacheRequests'];

function createCache(name: string, backend: CacheBackend, counter: CacheMetrics): Cache {
  const inflight = new Map<string, Promise<unknown>>();
  const cache: Cache = {
    name,
    async get<T>(key: string) {
      const raw = await backend.get(name, key);
      counter.inc({ cache: name, result: raw === undefined ? 'miss' : 'hit' });
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    },
    set: (key, value, options) => backend.set(name, key, JSON.stringify(value), options),
    delete: (key) => backend.delete(name, key),
    invalidateTag: (tag) => backend.invalidateTag(name, tag),
    async getOrLoad<T>(key: string, options: CacheSetOptions, load: () => Promise<T>): Promise<T> {
      const cached = await cache.get<T>(key);
      if (cached !== undefined) return cached;
      // Callers asking for the same missing key at once share one load.
      const pending = inflight.get(key) as Promise<T> | undefined;
      if (pending) return pending;
      const loading = (async () => {
        try {
          const value = await load();
          if (value !== undefined) await cache.set(key, value, options);
          return value;
        } finally {
          inflight.delete(key);
        }
      })();
      inflight.set(key, loading);
      return loading;
    },
  };
  return cache;
}

interface CacheBackend {
  get(cache: string, key: string): Promise<string | undefined>;
  set(cache: string, key: string, value: string, options: CacheSetOptions): Promise<void>;
  delete(cache: string, key: string): Promise<void>;
  invalidateTag(cache: string, tag: string): Promise<void>;
}

function memoryBackend(store: MemoryStore, ttlCapMs = Number.POSITIVE_INFINITY): CacheBackend {
  const id = (cache: string, key: string) => `${cache}\u0000${key}`;
  return {
    get: (cache, key) => Promise.resolve(store.get(id(cache, key))),
    set(cache, key, value, options) {
      const tags = (options.tags ?? []).map((tag) => id(cache, tag));
      store.set(id(cache, key), value, { ttlMs: Math.min(options.ttlMs, ttlCapMs), tags });
      return Promise.resolve();
    },
    delete: (cache, key) => Promise.resolve(store.delete(id(cache, key))),
    invalidateTag: (cache, tag) => Promise.resolve(store.invalidateTag(id(cache, tag))),
  };
}

export function createKv(options: KvOptions): Kv {
  return options.url === undefined ? createMemoryKv(options) : createRedisKv(options.url, options);
}

function createMemoryKv(options: KvOptions): Kv {
  const backend = memoryBackend(new MemoryStore());
  const counters = new MemoryCounters();
  const pubsub = new MemoryPubSub();
  const caches = new Map<string, Cache>();
  return {
    cache(name) {
      let cache = caches.get(name);
      if (!cache) caches.set(name, (cache = createCache(name, backend, options.metrics.cacheRequests)));
      return cache;
    },
    counters,
    pubsub,
    status: () => ({ backend: 'memory', connected: true }),
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

function createRedisKv(url: string, options: KvOptions): Kv {
  const { log, metrics, keyPrefix } = options;
  const { baseMs, maxMs } = options.reconnect ?? { baseMs: 200, maxMs: 10_000 };
  const commandTimeout = options.commandTimeoutMs ?? 1_000;
  // Full jitter keeps many processes from reconnecting in lockstep after an outage.
  const retryStrategy = (attempt: number) => Math.round(Math.random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16))) + 50;
  const common = { connectTimeout: 2_000, retryStrategy, maxRetriesPerRequest: 1, lazyConnect: false } as const;
  // Commands fail at once while disconnected (no offline queue) so callers fall back instead of waiting.
  const client = new Redis(url, { ...common, enableOfflineQueue: false, commandTimeout });
  // The subscriber keeps the subscriptions itself (see pubsub below) rather than rely on ioredis's
  // offline queue and auto-resubscribe: a SUBSCRIBE queued while disconnected is flushed with an error
  // after a failed reconnect attempt (maxRetriesPerRequest) and the channel was then never subscribed.
  const subscriber = new Redis(url, { ...common, enableOfflineQueue: false, autoResubscribe: false, commandTimeout });
  const local = new MemoryStore();
  const fallbackCache = memoryBackend(local, FALLBACK_TTL_MS);
  const fallbackCounters = new MemoryCounters();
  const localPubSub = new MemoryPubSub();
  const k = (...parts: string[]) => keyPrefix + parts.join(':');

  let connected = false;
  let warnedDown = false;
  metrics.redisUp.set(0);
  client.on('ready', () => {
    connected = true;
    warnedDown = false;
    metrics.redisUp.set(1);
    // Entries cached while Redis was away may have missed invalidations made by other processes.
    local.clear();
    log.info('redis connected');
  });
  client.on('close', () => {
    if (connected || !warnedDown) log.warn('redis unreachable; using in-process fallbacks until it returns');
    connected = false;
    warnedDown = true;
    metrics.redisUp.set(0);
  });
  client.on('error', (error) => log.debug({ err: error }, 'redis client error'));
  subscriber.on('error', (error) => log.debug({ err: error }, 'redis subscriber error'));
  client.defineCommand('vigilHit', { numberOfKeys: 1, lua: COUNTER_SCRIPT });
  client.defineCommand('vigilInvalidate', { numberOfKeys: 1, lua: INVALIDATE_SCRIPT });
  client.defineCommand('vigilRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  client.defineCommand('vigilReserve', { lua: RESERVE_SCRIPT });
  type Scripted = Redis & {
    vigilHit(key: string, windowMs: number): Promise<[number, number]>;
    vigilRelease(key: string): Promise<number>;
    /** numberOfKeys first: the script takes any number of keys. */
    vigilReserve(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<[number, number]>;
    vigilInvalidate(key: string): Promise<number>;
  };
  const scripted = client as Scripted;

  /** Runs `op` on Redis when it is connected, the fallback otherwise or when the call fails. */
  async function either<T>(op: () => Promise<T>, fallback: () => Promise<T> | T): Promise<T> {
    if (!connected) return fallback();
    try {
      return await op();
    } catch (error) {
      log.debug({ err: error }, 'redis command failed; using in-process fallback');
      return fallback();
    }
  }

  const backend: CacheBackend = {
    get: (cache, key) =>
      either(
        async () => (await client.get(k('cache', cache, key))) ?? undefined,
        () => fallbackCache.get(cache, key),
      ),
    set: (cache, key, value, setOptions) =>
      either(
        async () => {
          const entry = k('cache', cache, key);
          const multi = client.multi().set(entry, value, 'PX', setOptions.ttlMs);
          for (const tag of setOptions.tags ?? []) {
            const tagKey = k('tag', cache, tag);
            multi.sadd(tagKey, entry).pexpire(tagKey, setOptions.ttlMs, 'NX').pexpire(tagKey, setOptions.ttlMs, 'GT');
          }
          await multi.exec();
        },
        () => fallbackCache.set(cache, key, value, setOptions),
      ),
    async delete(cache, key) {
      await fallbackCache.delete(cache, key);
      await either(
        async () => void (await client.del(k('cache', cache, key))),
        () => undefined,
      );
    },
    async invalidateTag(cache, tag) {
      await fallbackCache.invalidateTag(cache, tag);
      await either(
        async () => void (await scripted.vigilInvalidate(k('tag', cache, tag))),
        () => undefined,
      );
    },
  };

  const counters: Counters = {
    hit: (key, windowMs) =>
      either<CounterHit>(
        async () => {
          const [count, resetMs] = await scripted.vigilHit(k('count', key), windowMs);
          return { count, resetMs };
        },
        () => fallbackCounters.hitSync(key, windowMs),
      ),
    peek: (key) =>
      either<CounterHit>(
        async () => {
          const [count, ttl] = await client
            .multi()
            .get(k('count', key))
            .pttl(k('count', key))
            .exec()
            .then((replies) => replies?.map((r) => r[1]) ?? []);
          return count === null || count === undefined
            ? { count: 0, resetMs: 0 }
            : { count: Number(count), resetMs: Math.max(0, Number(ttl)) };
        },
        () => fallbackCounters.peekSync(key),
      ),
    reserve: (limits, windowMs) =>
      either<Reservation>(
        async () => {
          const [granted, resetMs] = await scripted.vigilReserve(
            limits.length,
            ...limits.map(({ key }) => k('count', key)),
            windowMs,
            ...limits.map(({ limit }) => limit),
          );
          return granted === 1 ? { granted: true } : { granted: false, resetMs: Math.max(0, resetMs) };
        },
        () => fallbackCounters.reserveSync(limits, windowMs),
      ),
    async release(key) {
      await either(
        async () => void (await scripted.vigilRelease(k('count', key))),
        () => fallbackCounters.releaseSync(key),
      );
    },
    async reset(key) {
      await fallbackCounters.reset(key);
      await either(
        async () => void (await client.del(k('count', key))),
        () => undefined,
      );
    },
  };

  // The channels this process listens to, with their handlers. This map, not the connection, is the
  // truth: every time the subscriber (re)connects it subscribes to all of them, and subscribe() and
  // unsubscribe() only talk to Redis while it is connected (a new connection starts with none).
  const handlers = new Map<string, Set<MessageHandler>>();
  /** The SUBSCRIBE sent when a channel got its first handler, for later subscribe() calls to wait on too. */
  const confirmed = new Map<string, Promise<void>>();
  const subscribeOnRedis = async (channels: string[]) => {
    try {
      await subscriber.subscribe(...channels.map((channel) => k(channel)));
    } catch (error) {
      // The connection dropped meanwhile; the next 'ready' subscribes again.
      log.debug({ err: error, channels }, 'redis subscribe failed; retried on reconnect');
    }
  };
  // Emitted on the tick after ioredis has re-sent what it had in flight, so this has the last word.
  subscriber.on('ready', () => {
    if (handlers.size > 0) void subscribeOnRedis([...handlers.keys()]);
  });
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel.slice(keyPrefix.length)) ?? []) handler(message);
  });
  const pubsub: PubSub = {
    publish: (channel, message) =>
      either(
        async () => void (await client.publish(k(channel), message)),
        () => localPubSub.publish(channel, message),
      ),
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        handlers.set(channel, (set = new Set()));
        if (subscriber.status === 'ready') confirmed.set(channel, subscribeOnRedis([channel]));
      }
      set.add(handler);
      const unsubscribeLocal = await localPubSub.subscribe(channel, handler);
      // Once Redis has confirmed, a message published after subscribe() resolves reaches this handler.
      await confirmed.get(channel);
      let subscribed = true;
      return async () => {
        if (!subscribed) return;
        subscribed = false;
        await unsubscribeLocal();
        set.delete(handler);
        if (set.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          confirmed.delete(channel);
          if (subscriber.status === 'ready') await subscriber.unsubscribe(k(channel)).catch(() => undefined);
        }
      };
    },
  };

  const caches = new Map<string, Cache>();
  return {
    cache(name) {
      let cache = caches.get(name);
      if (!cache) caches.set(name, (cache = createCache(name, backend, metrics.cacheRequests)));
      return cache;
    },
    counters,
    pubsub,
    status: () => ({ backend: 'redis', connected }),
    async ping() {
      if (!connected) throw new Error(`redis is not connected (${client.status})`);
      await client.ping();
    },
    async close() {
      const quit = async (redis: Redis) => {
        try {
          await Promise.race([
            redis.quit(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), 1_000).unref()),
          ]);
        } catch {
          redis.disconnect();
        }
      };
      await Promise.all([quit(client), quit(subscriber)]);
    },
  };
}
