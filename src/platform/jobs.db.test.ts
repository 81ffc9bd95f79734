// The singleton-job helper: one round runs in one process of those sharing a database, the others
// skip it; a round's lock goes with its transaction, so a process that stops mid-round hands the
// job over at the next round; rounds are counted by outcome; the schedule keeps going after a
// failure and stops cleanly.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase, realDatabaseUrl } from '../../test/helpers/databases.js';
import type { TestDatabase } from '../../test/helpers/databases.js';
import { pollUntil } from '../../test/helpers/poll.js';
import type { Database } from './db/database.js';
import { lockTransaction } from './db/locks.js';
import { migrate } from './db/migrate.js';
import { createSingletonJob } from './jobs.js';
import { createMetrics } from './metrics.js';
import type { Metrics } from './metrics.js';

const log = pino({ level: 'silent' });

async function runs(metrics: Metrics, job: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const value of (await metrics.jobRuns.get()).values) {
    if (value.labels.job === job) counts[String(value.labels.outcome)] = value.value;
  }
  return counts;
}

describe('singleton jobs', () => {
  let testDb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, log);
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it('runs a round in a transaction holding the job lock, and counts it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const job = createSingletonJob({
      name: 'count-units',
      database,
      log,
      metrics,
      intervalMs: 60_000,
      initialDelayMs: 60_000,
      run: async (tx) => (await tx.selectFrom('org_units').select('code').execute()).length,
    });
    expect(await job.runOnce()).toEqual({ ran: true, result: 0 });
    expect(await runs(metrics, 'count-units')).toEqual({ ran: 1 });
    const last = (await metrics.jobLastSuccess.get()).values.find((v) => v.labels.job === 'count-units');
    expect(last?.value).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('counts a failed round, rethrows it from runOnce, and keeps the schedule going after it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let calls = 0;
    let failNext = true;
    const job = createSingletonJob({
      name: 'flaky',
      database,
      log,
      metrics,
      intervalMs: 20,
      initialDelayMs: 0,
      run: () => {
        calls++;
        failNext = !failNext;
        return failNext ? Promise.resolve(calls) : Promise.reject(new Error('round failed'));
      },
    });
    job.start();
    await pollUntil(
      () => runs(metrics, 'flaky'),
      (c) => (c.failed ?? 0) >= 2 && (c.ran ?? 0) >= 2,
      { timeoutMs: 20_000, what: 'rounds' },
    );
    await job.stop();
    const after = calls;
    // A fixed wait on purpose: five intervals' worth, to show that no round comes after stop().
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls, 'no round after stop()').toBe(after);
    failNext = true;
    await expect(job.runOnce()).rejects.toThrow(/round failed/);
  });

  it('refuses a name that cannot label a metric and a lock', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(() =>
      createSingletonJob({
        name: 'Audit Retention',
        database,
        log,
        metrics,
        intervalMs: 1,
        initialDelayMs: 1,
        run: () => Promise.resolve(0),
      }),
    ).toThrow(/lower-case and dashed/);
  });

  it('spreads its rounds by the jitter, both ways', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const waits: number[] = [];
    const setTimeoutBefore = globalThis.setTimeout;
    // Records the waits the job asks for, without running anything.
    globalThis.setTimeout = ((_fn: () => void, ms: number) => {
      waits.push(ms);
      return { unref: () => undefined } as unknown as NodeJS.Timeout;
    }) as typeof setTimeout;
    try {
      for (const r of [0, 0.5, 1]) {
        const job = createSingletonJob({
          name: 'jittered',
          database,
          log,
          metrics,
          intervalMs: 1_000,
          initialDelayMs: 1_000,
          jitter: 0.2,
          random: () => r,
          run: () => Promise.resolve(0),
        });
        job.start();
        await job.stop();
      }
    } finally {
      globalThis.setTimeout = setTimeoutBefore;
    }
    expect(waits).toEqual([800, 1_000, 1_200]);
  });

  it.runIf(realDatabaseUrl)('lets one process of several run a round; the job moves when the holder stops (PostgreSQL)', async () => {
    const other = await openTestDatabase(testDb);
    try {
      const metrics = createMetrics({ defaultMetrics: false });
      const options = (db: Database) => ({
        name: 'shared',
        database: db,
        log,
        metrics,
        intervalMs: 60_000,
        initialDelayMs: 60_000,
        run: () => Promise.resolve('done'),
      });
      const make = (db: Database) => createSingletonJob(options(db));
      // The other process is in the middle of its round: ours is skipped.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const holder = other.db.transaction().execute(async (tx) => {
        await lockTransaction(tx, 'job:shared');
        holding();
        await released;
        throw new Error('the holder dies mid-round');
      });
      await held;
      expect(await make(database).runOnce()).toEqual({ ran: false });
      // Its transaction ends (here by a failure): the next round runs here.
      release();
      await expect(holder).rejects.toThrow(/dies mid-round/);
      expect(await make(database).runOnce()).toEqual({ ran: true, result: 'done' });
      // Two at once: exactly one runs. The round holds its lock until the other has been turned
      // away, so that the two attempts overlap (a round that ended first would free the lock).
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const slow = (db: Database) => createSingletonJob({ ...options(db), run: () => finished.then(() => 'done') });
      const attempts = [slow(database).runOnce(), slow(other).runOnce()];
      const first = await Promise.race([...attempts, new Promise((resolve) => setTimeout(resolve, 20_000, 'both are running'))]);
      finish();
      expect(first, 'the first answer is the turned-away attempt').toEqual({ ran: false });
      const both = await Promise.all(attempts);
      expect(both.filter((o) => o.ran)).toHaveLength(1);
      expect(await runs(metrics, 'shared')).toEqual({ ran: 2, skipped: 2 });
    } finally {
      await other.close();
    }
  });
});
