// Helpers for tests of the key-value layer: a kv with its own metrics and logger, waiting for the
// Redis connection, reading the cache metrics, and removing a test's keys from the shared Redis.
import { Redis } from 'ioredis';
import pino from 'pino';
import type { Logger } from 'pino';
import { createKv } from '../../src/platform/kv/kv.js';
import type { Kv, KvOptions } from '../../src/platform/kv/kv.js';
import { createMetrics } from '../../src/platform/metrics.js';
import type { Metrics } from '../../src/platform/metrics.js';
import { loggerOptions } from '../../src/platform/log.js';
import { LogCapture } from './app.js';
import { pollUntil } from './poll.js';

export interface TestKv {
  kv: Kv;
  metrics: Metrics;
  logs: LogCapture;
}

export function openKv(options: { url: string | undefined; keyPrefix: string; log?: Logger } & Pick<KvOptions, 'reconnect'>): TestKv {
  const metrics = createMetrics({ defaultMetrics: false });
  const logs = new LogCapture();
  const log = options.log ?? pino(loggerOptions({ level: 'debug' }), logs);
  const kv = createKv({
    url: options.url,
    keyPrefix: options.keyPrefix,
    log,
    metrics,
    ...(options.reconnect ? { reconnect: options.reconnect } : {}),
  });
  return { kv, metrics, logs };
}

/** Resolves once the kv talks to Redis (at once for the in-process kv). */
export async function connected(kv: Kv, timeoutMs = 10_000): Promise<void> {
  await pollUntil(
    () => kv.status().connected,
    (up) => up,
    { timeoutMs, intervalMs: 20, what: 'the kv to connect to Redis' },
  );
}

export async function gauge(metrics: Metrics, name: string): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values[0]?.value;
}

/** cache_requests_total{cache, result}, 0 when never counted. */
export async function cacheRequests(metrics: Metrics, cache: string, result: 'hit' | 'miss'): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'cache_requests_total');
  return metric?.values.find((v) => v.labels.cache === cache && v.labels.result === result)?.value ?? 0;
}

/** Deletes every key under `prefix` from the Redis at `url`. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** Keys under `prefix` in the Redis at `url`. */
export async function redisKeys(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return (await redis.keys(`${prefix}*`)).sort();
  } finally {
    await redis.quit();
  }
}
