// Redis is optional at every moment: while it is unreachable (from the start or later), health
// degrades but stays 200, and cache, counters and pub/sub fall back to in-process twins; when it
// returns, Vigil reconnects by itself. The outage is a TCP proxy between Vigil and the shared
// server, cut and restored by the test (the server itself is never touched).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { realRedisUrl, testRedisPrefix } from './helpers/databases.js';
import { connected, deleteRedisKeys, openKv } from './helpers/kv.js';
import type { TestKv } from './helpers/kv.js';
import { pollUntil } from './helpers/poll.js';
import { createTcpProxy, targetOf } from './helpers/tcp-proxy.js';
import type { TcpProxy } from './helpers/tcp-proxy.js';

interface Check {
  name: string;
  status: string;
  message: string;
}

interface HealthBody {
  status: string;
  checks: Check[];
}

async function health(vigil: TestVigil): Promise<{ status: number; body: HealthBody; redis: Check | undefined }> {
  const response = await fetch(`${vigil.url}/health`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as HealthBody;
  return { status: response.status, body, redis: body.checks.find((c) => c.name === 'redis') };
}

async function redisUp(vigil: TestVigil): Promise<number | undefined> {
  const text = await (await fetch(`${vigil.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const match = /^redis_up (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

// The default reconnect backoff is capped at 10 s (plus jitter), so a reconnect can take that long.
const RECONNECT_TIMEOUT_MS = 20_000;

const vigilPrefixes: string[] = [];
const startVigilThrough = (proxy: TcpProxy) => {
  const prefix = testRedisPrefix();
  vigilPrefixes.push(prefix);
  return startTestVigil({ listen: true, env: { REDIS_URL: proxy.rewrite(realRedisUrl!), VIGIL_REDIS_KEY_PREFIX: prefix } });
};

afterAll(async () => {
  if (realRedisUrl) for (const prefix of vigilPrefixes) await deleteRedisKeys(realRedisUrl, prefix);
});

const waitUntilConnected = async (vigil: TestVigil, what: string) => {
  await pollUntil(
    () => redisUp(vigil),
    (up) => up === 1,
    { timeoutMs: RECONNECT_TIMEOUT_MS, intervalMs: 100, what: `redis_up 1 ${what}` },
  );
  return pollUntil(
    () => health(vigil),
    (h) => h.body.status === 'healthy',
    { timeoutMs: 30_000, intervalMs: 100, what: `healthy /health ${what}` },
  );
};

describe.runIf(realRedisUrl)('Redis outage (through a TCP proxy)', () => {
  let proxy: TcpProxy;
  let vigil: TestVigil;

  beforeAll(async () => {
    proxy = createTcpProxy(targetOf(realRedisUrl!, 6379));
    await proxy.start();
    vigil = await startVigilThrough(proxy);
    await waitUntilConnected(vigil, 'after start');
  });

  afterAll(async () => {
    await vigil?.stop();
    await proxy?.close();
  });

  it('reports Redis healthy and up while the connection is open, and shares through it', async () => {
    const h = await health(vigil);
    expect(h.status).toBe(200);
    // Every check but the event loop's is healthy (that one may degrade on a busy machine).
    expect(h.body.checks.filter((c) => c.name !== 'eventLoop' && c.status !== 'healthy')).toEqual([]);
    expect(h.redis).toMatchObject({ status: 'healthy', message: 'connected' });
    expect(await redisUp(vigil)).toBe(1);
    expect(vigil.kv.status()).toEqual({ backend: 'redis', connected: true });
    expect(proxy.open).toBeGreaterThanOrEqual(2); // the command and the subscriber connections
  });

  it('degrades health (still 200) and reports redis_up 0 once the connection is cut', async () => {
    await proxy.cut();
    await pollUntil(
      () => redisUp(vigil),
      (up) => up === 0,
      { timeoutMs: 30_000, what: 'redis_up 0 after the cut' },
    );
    const h = await health(vigil);
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('degraded');
    expect(h.redis?.status).toBe('degraded');
    expect(h.body.checks.find((c) => c.name === 'database')?.status).toBe('healthy');
    expect(vigil.kv.status()).toEqual({ backend: 'redis', connected: false });
    // Readiness is about the database only.
    expect((await fetch(`${vigil.url}/health/ready`)).status).toBe(200);
    expect(vigil.logs.records().some((r) => r.msg === 'redis unreachable; using in-process fallbacks until it returns')).toBe(true);
  });

  it('keeps the cache working in-process while Redis is down', async () => {
    const cache = vigil.kv.cache('x');
    expect(await cache.get('during-outage')).toBeUndefined();
    await cache.set('during-outage', { n: 1 }, { ttlMs: 60_000, tags: ['t'] });
    expect(await cache.get('during-outage')).toEqual({ n: 1 });
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await cache.getOrLoad('loaded', { ttlMs: 60_000 }, load)).toBe(1);
    expect(await cache.getOrLoad('loaded', { ttlMs: 60_000 }, load)).toBe(1);
    expect(loads).toBe(1);
    await cache.invalidateTag('t');
    expect(await cache.get('during-outage')).toBeUndefined();
  });

  it('falls back to in-process counters while Redis is down', async () => {
    const key = 'outage-counter';
    expect((await vigil.kv.counters.hit(key, 60_000)).count).toBe(1);
    expect((await vigil.kv.counters.hit(key, 60_000)).count).toBe(2);
    const third = await vigil.kv.counters.hit(key, 60_000);
    expect(third.count).toBe(3);
    expect(third.resetMs).toBeGreaterThan(0);
    expect(third.resetMs).toBeLessThanOrEqual(60_000);
    await vigil.kv.counters.reset(key);
    expect((await vigil.kv.counters.hit(key, 60_000)).count).toBe(1);
  });

  it('delivers published messages to local subscribers while Redis is down', async () => {
    const received: string[] = [];
    const unsubscribe = await vigil.kv.pubsub.subscribe('outage-channel', (m) => received.push(m));
    await vigil.kv.pubsub.publish('outage-channel', 'hello');
    expect(received).toEqual(['hello']);
    await unsubscribe();
    await vigil.kv.pubsub.publish('outage-channel', 'after unsubscribe');
    expect(received).toEqual(['hello']);
  });

  it('reconnects by itself once the connection is restored', async () => {
    const cache = vigil.kv.cache('x');
    await cache.set('written-while-down', 'stale?', { ttlMs: 60_000 });
    const received: string[] = [];
    // Subscribed while down: the subscription is made on Redis once it is back.
    const unsubscribe = await vigil.kv.pubsub.subscribe('after-restore', (m) => received.push(m));

    await proxy.restore();
    const h = await waitUntilConnected(vigil, 'after restore');
    expect(h.status).toBe(200);
    expect(h.redis?.status).toBe('healthy');
    expect(vigil.kv.status().connected).toBe(true);
    expect(vigil.logs.records().filter((r) => r.msg === 'redis connected').length).toBeGreaterThanOrEqual(2);

    // Entries cached in-process during the outage are dropped on reconnect (they may have missed
    // invalidations by other processes); the cache works through Redis again.
    expect(await cache.get('written-while-down')).toBeUndefined();
    await cache.set('after-restore', 42, { ttlMs: 60_000 });
    expect(await cache.get('after-restore')).toBe(42);

    // Counters count in Redis again: a fresh key starts at 1 and survives in Redis.
    expect((await vigil.kv.counters.hit('after-restore', 60_000)).count).toBe(1);
    expect((await vigil.kv.counters.hit('after-restore', 60_000)).count).toBe(2);

    // Pub/sub goes through Redis again (the subscriber may reconnect a moment after the client).
    await pollUntil(
      async () => {
        await vigil.kv.pubsub.publish('after-restore', 'ping');
        return received.length;
      },
      (n) => n > 0,
      { timeoutMs: RECONNECT_TIMEOUT_MS, intervalMs: 200, what: 'a message through Redis after the restore' },
    );
    expect(new Set(received)).toEqual(new Set(['ping']));
    await unsubscribe();
  });
});

describe.runIf(realRedisUrl)('Redis unreachable when Vigil starts', () => {
  let proxy: TcpProxy | undefined;
  let vigil: TestVigil | undefined;

  afterEach(async () => {
    await vigil?.stop();
    await proxy?.close();
    vigil = undefined;
    proxy = undefined;
  });

  it('starts degraded on in-process fallbacks and connects once Redis is reachable', async () => {
    proxy = createTcpProxy(targetOf(realRedisUrl!, 6379));
    await proxy.start();
    await proxy.cut(); // the port is fixed now and refuses connections
    vigil = await startVigilThrough(proxy);

    expect(await redisUp(vigil)).toBe(0);
    const h = await health(vigil);
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('degraded');
    expect(h.redis?.status).toBe('degraded');
    expect((await fetch(`${vigil.url}/health/ready`)).status).toBe(200);
    expect(vigil.kv.status()).toEqual({ backend: 'redis', connected: false });
    expect((await vigil.kv.counters.hit('at-start', 60_000)).count).toBe(1);
    await vigil.kv.cache('x').set('at-start', true, { ttlMs: 60_000 });
    expect(await vigil.kv.cache('x').get('at-start')).toBe(true);

    await proxy.restore();
    const healthy = await waitUntilConnected(vigil, 'once Redis is reachable');
    expect(healthy.redis?.status).toBe('healthy');
    expect(vigil.kv.status().connected).toBe(true);
    expect(proxy.accepted).toBeGreaterThan(0);
  });
});

describe.runIf(realRedisUrl)('kv pub/sub across a Redis outage', () => {
  const prefix = testRedisPrefix();
  let proxy: TcpProxy;
  let proxied: TestKv;
  let direct: TestKv;

  const subscriberErrors = (subject: TestKv) => subject.logs.records().filter((r) => r.msg === 'redis subscriber error').length;

  const open = async (reconnect: { baseMs: number; maxMs: number }) => {
    proxy = createTcpProxy(targetOf(realRedisUrl!, 6379));
    await proxy.start();
    proxied = openKv({ url: proxy.rewrite(realRedisUrl!), keyPrefix: prefix, reconnect });
    // Another process on the same Redis, not behind the proxy.
    direct = openKv({ url: realRedisUrl, keyPrefix: prefix });
    await Promise.all([connected(proxied.kv), connected(direct.kv)]);
  };

  afterEach(async () => {
    await Promise.all([proxied?.kv.close(), direct?.kv.close()]);
    await proxy?.close();
  });

  afterAll(async () => {
    await deleteRedisKeys(realRedisUrl!, prefix);
  });

  it('keeps a subscription made while Redis is down, however many reconnect attempts fail', async () => {
    await open({ baseMs: 10, maxMs: 20 });
    await proxy.cut();
    await pollUntil(
      () => proxied.kv.status().connected,
      (up) => !up,
      { timeoutMs: 30_000, what: 'the kv to notice the cut' },
    );
    const channel = 'made-while-down';
    const received: string[] = [];
    await proxied.kv.pubsub.subscribe(channel, (m) => received.push(m));
    // Let several reconnect attempts fail while the subscription waits.
    const errorsBefore = subscriberErrors(proxied);
    await pollUntil(
      () => subscriberErrors(proxied),
      (n) => n >= errorsBefore + 6,
      { timeoutMs: 30_000, what: 'several failed reconnect attempts of the subscriber' },
    );
    await proxy.restore();
    await connected(proxied.kv);
    // Messages from another process reach the subscriber once it is back.
    await pollUntil(
      async () => {
        await direct.kv.pubsub.publish(channel, 'from the other process');
        return received.length;
      },
      (n) => n > 0,
      { timeoutMs: 30_000, intervalMs: 100, what: 'a message from the other process after the restore' },
    );
    expect(new Set(received)).toEqual(new Set(['from the other process']));
  });

  it('keeps a subscription made before the outage', async () => {
    await open({ baseMs: 10, maxMs: 20 });
    const channel = 'made-before';
    const received: string[] = [];
    await proxied.kv.pubsub.subscribe(channel, (m) => received.push(m));
    // Live on Redis before the cut: a message from the other process arrives.
    await pollUntil(
      async () => {
        await direct.kv.pubsub.publish(channel, 'before the outage');
        return received.length;
      },
      (n) => n > 0,
      { timeoutMs: 30_000, intervalMs: 100, what: 'a message before the outage' },
    );
    await proxy.cut();
    const errorsBefore = subscriberErrors(proxied);
    await pollUntil(
      () => subscriberErrors(proxied),
      (n) => n >= errorsBefore + 6,
      { timeoutMs: 30_000, what: 'several failed reconnect attempts of the subscriber' },
    );
    await proxy.restore();
    await connected(proxied.kv);
    await pollUntil(
      async () => {
        await direct.kv.pubsub.publish(channel, 'after the outage');
        return received;
      },
      (messages) => messages.includes('after the outage'),
      { timeoutMs: 30_000, intervalMs: 100, what: 'a message after the outage' },
    );
    // (Late copies of the probe sent before the cut may also be there; nothing else.)
    expect(received.filter((m) => m !== 'before the outage' && m !== 'after the outage')).toEqual([]);
  });

  it('unsubscribes at once while Redis is down, and stays unsubscribed after it returns', async () => {
    // A slow backoff (2 s): nothing may wait for the next reconnect attempt.
    await open({ baseMs: 2_000, maxMs: 2_000 });
    const channel = 'left-while-down';
    const left: string[] = [];
    const unsubscribeBefore = await proxied.kv.pubsub.subscribe(channel, (m) => left.push(m));
    await proxy.cut();
    await pollUntil(
      () => proxied.kv.status().connected,
      (up) => !up,
      { timeoutMs: 30_000, what: 'the kv to notice the cut' },
    );

    // Both finish while Redis is still out of reach (it comes back only when the test restores it):
    // they do not wait for it.
    await unsubscribeBefore();
    expect(proxied.kv.status().connected).toBe(false);

    const madeWhileDown: string[] = [];
    const unsubscribeDown = await proxied.kv.pubsub.subscribe('made-and-left-while-down', (m) => madeWhileDown.push(m));
    await unsubscribeDown();
    expect(proxied.kv.status().connected).toBe(false);

    // After the restore, neither channel reaches this process; a sentinel proves delivery works.
    const marks: string[] = [];
    await proxied.kv.pubsub.subscribe('sentinel', (m) => marks.push(m));
    await proxy.restore();
    await connected(proxied.kv, RECONNECT_TIMEOUT_MS);
    await pollUntil(
      async () => {
        await direct.kv.pubsub.publish(channel, 'nobody here');
        await direct.kv.pubsub.publish('made-and-left-while-down', 'nobody here');
        await direct.kv.pubsub.publish('sentinel', 'mark');
        return marks.length;
      },
      (n) => n > 0,
      { timeoutMs: RECONNECT_TIMEOUT_MS, intervalMs: 200, what: 'the sentinel after the restore' },
    );
    expect(left).toEqual([]);
    expect(madeWhileDown).toEqual([]);
  });
});
