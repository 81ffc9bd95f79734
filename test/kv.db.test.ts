// One behavioural suite for the key-value layer, run against the in-process kv (no REDIS_URL) and,
// in the integration pass, against real Redis: both must behave the same to their callers.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kv } from '../src/platform/kv/kv.js';
import type { Metrics } from '../src/platform/metrics.js';
import { realRedisUrl, testRedisPrefix } from './helpers/databases.js';
import { cacheRequests, connected, deleteRedisKeys, gauge, openKv, redisKeys } from './helpers/kv.js';
import type { TestKv } from './helpers/kv.js';
import { pollUntil, sleep } from './helpers/poll.js';

const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Waits until `received` holds `count` messages (delivery through Redis is asynchronous). */
const receivedAtLeast = (received: string[], count: number, what: string) =>
  pollUntil(
    () => received.length,
    (n) => n >= count,
    { timeoutMs: 3_000, intervalMs: 10, what },
  );

function kvBehaviour(backend: 'memory' | 'redis', open: () => Promise<TestKv>) {
  let kv: Kv;
  let metrics: Metrics;

  beforeEach(async () => {
    ({ kv, metrics } = await open());
  });
  afterEach(async () => {
    await kv.close();
  });

  it(`says it runs on ${backend} and is connected`, async () => {
    expect(kv.status()).toEqual({ backend, connected: true });
    await expect(kv.ping()).resolves.toBeUndefined();
  });

  describe('cache', () => {
    it('returns what was set, as JSON values, and undefined for what was not', async () => {
      const cache = kv.cache(unique('c'));
      const values = { object: { a: 1, nested: [1, 'two', null] }, number: 42, text: 'hi', flag: false, list: [3, 2, 1] };
      for (const [key, value] of Object.entries(values)) await cache.set(key, value, { ttlMs: 60_000 });
      for (const [key, value] of Object.entries(values)) expect(await cache.get(key)).toEqual(value);
      expect(await cache.get('missing')).toBeUndefined();
    });

    it('forgets an entry once its TTL passes, and keeps the ones whose TTL has not', async () => {
      const cache = kv.cache(unique('c'));
      await cache.set('short', 'gone soon', { ttlMs: 150 });
      await cache.set('long', 'stays', { ttlMs: 60_000 });
      expect(await cache.get('short')).toBe('gone soon');
      await pollUntil(
        () => cache.get('short'),
        (value) => value === undefined,
        { timeoutMs: 3_000, intervalMs: 25, what: 'the short entry to expire' },
      );
      expect(await cache.get('long')).toBe('stays');
    });

    it('deletes an entry', async () => {
      const cache = kv.cache(unique('c'));
      await cache.set('k', 1, { ttlMs: 60_000 });
      await cache.delete('k');
      expect(await cache.get('k')).toBeUndefined();
      await expect(cache.delete('never-set')).resolves.toBeUndefined();
    });

    it('invalidates every entry carrying a tag, across keys, and leaves the others', async () => {
      const cache = kv.cache(unique('c'));
      await cache.set('a', 'A', { ttlMs: 60_000, tags: ['site:1'] });
      await cache.set('b', 'B', { ttlMs: 60_000, tags: ['site:1', 'site:2'] });
      await cache.set('c', 'C', { ttlMs: 60_000, tags: ['site:2'] });
      await cache.set('d', 'D', { ttlMs: 60_000 });
      await cache.invalidateTag('site:1');
      expect([await cache.get('a'), await cache.get('b'), await cache.get('c'), await cache.get('d')]).toEqual([
        undefined,
        undefined,
        'C',
        'D',
      ]);
      await cache.invalidateTag('site:2');
      expect(await cache.get('c')).toBeUndefined();
      expect(await cache.get('d')).toBe('D');
      await expect(cache.invalidateTag('unknown')).resolves.toBeUndefined();
    });

    it('keeps caches of different names apart, keys and tags alike', async () => {
      const one = kv.cache(unique('one'));
      const two = kv.cache(unique('two'));
      await one.set('k', 'from one', { ttlMs: 60_000, tags: ['t'] });
      await two.set('k', 'from two', { ttlMs: 60_000, tags: ['t'] });
      expect(await one.get('k')).toBe('from one');
      await one.invalidateTag('t');
      expect(await one.get('k')).toBeUndefined();
      expect(await two.get('k')).toBe('from two');
      // The same name gives the same cache.
      expect(kv.cache(two.name)).toBe(two);
    });

    it('getOrLoad runs the loader once for concurrent callers of a missing key, then serves it cached', async () => {
      const cache = kv.cache(unique('c'));
      const gate = deferred<{ id: number }>();
      let loads = 0;
      const load = () => {
        loads += 1;
        return gate.promise;
      };
      const first = cache.getOrLoad('k', { ttlMs: 60_000 }, load);
      const second = cache.getOrLoad('k', { ttlMs: 60_000 }, load);
      // Both are waiting on the one load before it finishes.
      await pollUntil(
        () => loads,
        (n) => n > 0,
        { timeoutMs: 2_000, intervalMs: 5, what: 'the loader to start' },
      );
      gate.resolve({ id: 7 });
      expect(await Promise.all([first, second])).toEqual([{ id: 7 }, { id: 7 }]);
      expect(loads).toBe(1);
      expect(await cache.getOrLoad('k', { ttlMs: 60_000 }, load)).toEqual({ id: 7 });
      expect(loads).toBe(1);
      expect(await cache.get('k')).toEqual({ id: 7 });
    });

    it('getOrLoad shares a failed load with every waiting caller and caches nothing', async () => {
      const cache = kv.cache(unique('c'));
      const gate = deferred<string>();
      let loads = 0;
      const load = () => {
        loads += 1;
        return gate.promise;
      };
      const first = cache.getOrLoad('k', { ttlMs: 60_000 }, load);
      const second = cache.getOrLoad('k', { ttlMs: 60_000 }, load);
      await pollUntil(
        () => loads,
        (n) => n > 0,
        { timeoutMs: 2_000, intervalMs: 5, what: 'the loader to start' },
      );
      gate.reject(new Error('source down'));
      await expect(first).rejects.toThrow('source down');
      await expect(second).rejects.toThrow('source down');
      expect(loads).toBe(1);
      expect(await cache.get('k')).toBeUndefined();
      // The next call loads again.
      expect(await cache.getOrLoad('k', { ttlMs: 60_000 }, () => Promise.resolve('back'))).toBe('back');
    });

    it('counts hits and misses in cache_requests_total{cache,result}', async () => {
      const name = unique('metered');
      const cache = kv.cache(name);
      expect(await cacheRequests(metrics, name, 'miss')).toBe(0);
      await cache.get('k'); // miss
      await cache.set('k', 1, { ttlMs: 60_000 });
      await cache.get('k'); // hit
      await cache.get('k'); // hit
      await cache.getOrLoad('other', { ttlMs: 60_000 }, () => Promise.resolve(2)); // miss, then loaded
      await cache.getOrLoad('other', { ttlMs: 60_000 }, () => Promise.resolve(3)); // hit
      expect(await cacheRequests(metrics, name, 'miss')).toBe(2);
      expect(await cacheRequests(metrics, name, 'hit')).toBe(3);
      // Labelled by cache: another cache's look-ups are counted apart.
      const otherName = unique('other');
      await kv.cache(otherName).get('k');
      expect(await cacheRequests(metrics, otherName, 'miss')).toBe(1);
      expect(await cacheRequests(metrics, name, 'miss')).toBe(2);
    });
  });

  describe('counters', () => {
    it('counts hits on a key within its window', async () => {
      const key = unique('k');
      const hits = [];
      for (let i = 0; i < 5; i++) hits.push(await kv.counters.hit(key, 60_000));
      expect(hits.map((h) => h.count)).toEqual([1, 2, 3, 4, 5]);
      for (const hit of hits) {
        expect(hit.resetMs).toBeGreaterThan(0);
        expect(hit.resetMs).toBeLessThanOrEqual(60_000);
      }
      // The window does not move with later hits.
      expect(hits.at(-1)!.resetMs).toBeLessThanOrEqual(hits[0]!.resetMs);
      expect((await kv.counters.hit(unique('k'), 60_000)).count).toBe(1);
    });

    it('starts counting again once the window has passed', async () => {
      const key = unique('k');
      await kv.counters.hit(key, 300);
      const second = await kv.counters.hit(key, 300);
      expect(second.count).toBe(2);
      // Wait as long as the counter itself says the window has left.
      await sleep(second.resetMs + 30);
      const after = await kv.counters.hit(key, 300);
      expect(after.count).toBe(1);
      expect(after.resetMs).toBeGreaterThan(200);
    });

    it('reset() starts a key over', async () => {
      const key = unique('k');
      await kv.counters.hit(key, 60_000);
      await kv.counters.hit(key, 60_000);
      await kv.counters.reset(key);
      expect((await kv.counters.hit(key, 60_000)).count).toBe(1);
    });

    it('reserve() grants at most the limit to callers that race, and refuses the rest with the time to wait', async () => {
      const key = unique('k');
      const answers = await Promise.all(Array.from({ length: 30 }, () => kv.counters.reserve([{ key, limit: 5 }], 60_000)));
      expect(answers.filter((a) => a.granted)).toHaveLength(5);
      for (const refused of answers.filter((a) => !a.granted)) {
        expect(refused.resetMs).toBeGreaterThan(0);
        expect(refused.resetMs).toBeLessThanOrEqual(60_000);
      }
      expect((await kv.counters.peek(key)).count).toBe(5);
    });

    it('reserve() takes a unit of every key or of none', async () => {
      const [small, large] = [unique('small'), unique('large')];
      const both = [
        { key: small, limit: 2 },
        { key: large, limit: 10 },
      ];
      const answers = await Promise.all(Array.from({ length: 6 }, () => kv.counters.reserve(both, 60_000)));
      expect(answers.filter((a) => a.granted)).toHaveLength(2);
      // The refusals by the full key took nothing from the other one.
      expect((await kv.counters.peek(small)).count).toBe(2);
      expect((await kv.counters.peek(large)).count).toBe(2);
    });

    it('release() gives a unit back, closes an emptied window, and does nothing without one', async () => {
      const key = unique('k');
      await kv.counters.reserve([{ key, limit: 2 }], 60_000);
      await kv.counters.reserve([{ key, limit: 2 }], 60_000);
      expect(await kv.counters.reserve([{ key, limit: 2 }], 60_000)).toMatchObject({ granted: false });
      await kv.counters.release(key);
      expect(await kv.counters.reserve([{ key, limit: 2 }], 60_000)).toEqual({ granted: true });
      await kv.counters.release(key);
      await kv.counters.release(key);
      expect(await kv.counters.peek(key)).toEqual({ count: 0, resetMs: 0 });
      // A release without an open window neither goes below zero nor opens a window.
      await kv.counters.release(key);
      expect(await kv.counters.peek(key)).toEqual({ count: 0, resetMs: 0 });
      expect((await kv.counters.hit(key, 60_000)).count).toBe(1);
    });
  });

  describe('pub/sub', () => {
    it('delivers each published message once to every subscriber of the channel, and to no other', async () => {
      const channel = unique('ch');
      const first: string[] = [];
      const second: string[] = [];
      const elsewhere: string[] = [];
      await kv.pubsub.subscribe(channel, (m) => first.push(m));
      await kv.pubsub.subscribe(channel, (m) => second.push(m));
      await kv.pubsub.subscribe(unique('other'), (m) => elsewhere.push(m));
      await kv.pubsub.publish(channel, 'one');
      await kv.pubsub.publish(channel, 'two');
      await receivedAtLeast(first, 2, 'both messages at the first subscriber');
      await receivedAtLeast(second, 2, 'both messages at the second subscriber');
      // A sentinel on the same channel, published last, proves nothing else is still on its way.
      await kv.pubsub.publish(channel, 'end');
      await receivedAtLeast(first, 3, 'the sentinel');
      await receivedAtLeast(second, 3, 'the sentinel');
      expect(first).toEqual(['one', 'two', 'end']);
      expect(second).toEqual(['one', 'two', 'end']);
      expect(elsewhere).toEqual([]);
    });

    it('delivers a message published right after subscribe() resolves', async () => {
      // subscribe() resolving means the subscription is in place: nothing published after it is lost.
      for (let round = 0; round < 20; round++) {
        const channel = unique('ch');
        const received: string[] = [];
        await kv.pubsub.subscribe(channel, (m) => received.push(m));
        await kv.pubsub.publish(channel, `m${round}`);
        await receivedAtLeast(received, 1, `the message of round ${round}`);
        expect(received).toEqual([`m${round}`]);
      }
    });

    it('stops delivering to a handler that unsubscribed, and keeps delivering to the others', async () => {
      const channel = unique('ch');
      const leaving: string[] = [];
      const staying: string[] = [];
      const unsubscribe = await kv.pubsub.subscribe(channel, (m) => leaving.push(m));
      await kv.pubsub.subscribe(channel, (m) => staying.push(m));
      await kv.pubsub.publish(channel, 'before');
      await receivedAtLeast(leaving, 1, 'the first message');
      await unsubscribe();
      await kv.pubsub.publish(channel, 'after');
      await receivedAtLeast(staying, 2, 'the second message at the staying handler');
      expect(staying).toEqual(['before', 'after']);
      expect(leaving).toEqual(['before']);
    });

    it('delivers nothing on a channel whose last subscriber left, and subscribes again afresh', async () => {
      const channel = unique('ch');
      const sentinel = unique('sentinel');
      const gone: string[] = [];
      const marks: string[] = [];
      const unsubscribe = await kv.pubsub.subscribe(channel, (m) => gone.push(m));
      await kv.pubsub.subscribe(sentinel, (m) => marks.push(m));
      await unsubscribe();
      await kv.pubsub.publish(channel, 'nobody listens');
      // Published after, on the same connection: once it arrives, the first would have too.
      await kv.pubsub.publish(sentinel, 'mark');
      await receivedAtLeast(marks, 1, 'the sentinel');
      expect(gone).toEqual([]);

      const again: string[] = [];
      await kv.pubsub.subscribe(channel, (m) => again.push(m));
      await kv.pubsub.publish(channel, 'back');
      await receivedAtLeast(again, 1, 'the message after subscribing again');
      expect(again).toEqual(['back']);
      expect(gone).toEqual([]);
    });
  });
}

describe('kv in-process (no REDIS_URL)', () => {
  kvBehaviour('memory', () => Promise.resolve(openKv({ url: undefined, keyPrefix: 'unused:' })));
});

describe.runIf(realRedisUrl)('kv on Redis', () => {
  const prefix = testRedisPrefix();
  const otherPrefixes: string[] = [];

  afterAll(async () => {
    for (const p of [prefix, ...otherPrefixes]) await deleteRedisKeys(realRedisUrl!, p);
  });

  kvBehaviour('redis', async () => {
    const subject = openKv({ url: realRedisUrl, keyPrefix: prefix });
    await connected(subject.kv);
    return subject;
  });

  describe('sharing between processes', () => {
    let a: TestKv;
    let b: TestKv;
    let other: TestKv;

    beforeEach(async () => {
      a = openKv({ url: realRedisUrl, keyPrefix: prefix });
      b = openKv({ url: realRedisUrl, keyPrefix: prefix });
      const otherPrefix = testRedisPrefix();
      otherPrefixes.push(otherPrefix);
      other = openKv({ url: realRedisUrl, keyPrefix: otherPrefix });
      await Promise.all([connected(a.kv), connected(b.kv), connected(other.kv)]);
    });
    afterEach(async () => {
      await Promise.all([a.kv.close(), b.kv.close(), other.kv.close()]);
    });

    it('reports redis_up 1 while connected', async () => {
      expect(await gauge(a.metrics, 'redis_up')).toBe(1);
    });

    it("sees the other instance's cache entries and invalidations", async () => {
      const name = unique('shared');
      await a.kv.cache(name).set('k', { from: 'a' }, { ttlMs: 60_000, tags: ['t'] });
      expect(await b.kv.cache(name).get('k')).toEqual({ from: 'a' });
      await b.kv.cache(name).invalidateTag('t');
      expect(await a.kv.cache(name).get('k')).toBeUndefined();
      await b.kv.cache(name).set('k2', 'from b', { ttlMs: 60_000 });
      await a.kv.cache(name).delete('k2');
      expect(await b.kv.cache(name).get('k2')).toBeUndefined();
      // One loader across instances once the value is stored.
      let loads = 0;
      await a.kv.cache(name).getOrLoad('loaded', { ttlMs: 60_000 }, () => Promise.resolve(++loads));
      expect(await b.kv.cache(name).getOrLoad('loaded', { ttlMs: 60_000 }, () => Promise.resolve(++loads))).toBe(1);
      expect(loads).toBe(1);
      // Another prefix is another world.
      expect(await other.kv.cache(name).get('loaded')).toBeUndefined();
    });

    it("counts both instances' hits in one window", async () => {
      const key = unique('k');
      expect((await a.kv.counters.hit(key, 60_000)).count).toBe(1);
      expect((await b.kv.counters.hit(key, 60_000)).count).toBe(2);
      expect((await a.kv.counters.hit(key, 60_000)).count).toBe(3);
      await b.kv.counters.reset(key);
      expect((await a.kv.counters.hit(key, 60_000)).count).toBe(1);
      expect((await other.kv.counters.hit(key, 60_000)).count).toBe(1);
    });

    it("delivers one instance's messages to the other's subscribers", async () => {
      const channel = unique('ch');
      const atA: string[] = [];
      const atB: string[] = [];
      const atOther: string[] = [];
      await a.kv.pubsub.subscribe(channel, (m) => atA.push(m));
      await b.kv.pubsub.subscribe(channel, (m) => atB.push(m));
      await other.kv.pubsub.subscribe(channel, (m) => atOther.push(m));
      await a.kv.pubsub.publish(channel, 'from a');
      await b.kv.pubsub.publish(channel, 'from b');
      await receivedAtLeast(atA, 2, 'both messages at a');
      await receivedAtLeast(atB, 2, 'both messages at b');
      expect(atA).toEqual(['from a', 'from b']);
      expect(atB).toEqual(['from a', 'from b']);
      // Published on the other prefix last: once it arrives there, nothing else is coming.
      await other.kv.pubsub.publish(channel, 'other world');
      await receivedAtLeast(atOther, 1, 'the message on the other prefix');
      expect(atOther).toEqual(['other world']);
      expect(atA).toHaveLength(2);
    });

    it('writes every key under its prefix and lets them expire', async () => {
      const name = unique('keys');
      await a.kv.cache(name).set('k', 1, { ttlMs: 60_000, tags: ['t'] });
      await a.kv.counters.hit(`${name}-counter`, 60_000);
      const keys = await redisKeys(realRedisUrl!, prefix);
      expect(keys).toEqual(
        expect.arrayContaining([`${prefix}cache:${name}:k`, `${prefix}tag:${name}:t`, `${prefix}count:${name}-counter`]),
      );
      expect(keys.every((key) => key.startsWith(prefix))).toBe(true);
    });
  });
});
