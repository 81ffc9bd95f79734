import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase, realDatabaseUrl } from '../../test/helpers/databases.js';
import type { TestDatabase } from '../../test/helpers/databases.js';
import { AUDIT_RETENTION_JOB, createAudit, createAuditRetention } from './audit.js';
import { lockKey } from './db/locks.js';
import type { AuditEvent, AuditRecord } from './audit.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { AppError } from './errors.js';
import { createMetrics } from './metrics.js';
import type { Metrics } from './metrics.js';
import type { Schema } from './db/schema.js';

/** A row of some business table, written in the same transaction as its audit record. */
const unit = (n: number) => ({ code: `W${n}`, revision: 1, created_at: new Date(), updated_at: new Date() });

const log = pino({ level: 'silent' });

const openDatabase = (testDb: TestDatabase) => openTestDatabase(testDb);

const event = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  actorType: 'user',
  actorId: 'u-1',
  action: 'widget.create',
  resourceType: 'widget',
  resourceId: 'w-1',
  result: 'success',
  ...overrides,
});

async function auditCounter(metrics: Metrics): Promise<Record<string, number>> {
  const metric = metrics.registry.getSingleMetric('audit_writes_total');
  const counts: Record<string, number> = {};
  for (const value of (await metric!.get()).values) counts[String(value.labels.status)] = value.value;
  return counts;
}

describe('audit trail', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;
  let metrics: Metrics;
  let clock: Date;
  let audit: ReturnType<typeof createAudit>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase(testDb);
    await migrate(database, log);
    db = database.db;
  });

  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  beforeEach(async () => {
    await db.deleteFrom('audit_events').execute();
    await db.deleteFrom('org_units').execute();
    metrics = createMetrics({ defaultMetrics: false });
    clock = new Date('2025-03-01T12:00:00.000Z');
    audit = createAudit({ metrics, now: () => clock });
  });

  const allEvents = async () => (await audit.list(db, { limit: 500 })).items;

  it('records an event written in the transaction of the change once it commits', async () => {
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('org_units').values(unit(1)).execute();
      await audit.write(tx, event({ after: { id: 1, name: 'one' }, orgUnitCode: 'HQ', requestId: 'req-1', ip: '10.0.0.1' }));
    });
    const [record, ...rest] = await allEvents();
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      at: '2025-03-01T12:00:00.000Z',
      actorType: 'user',
      actorId: 'u-1',
      action: 'widget.create',
      resourceType: 'widget',
      resourceId: 'w-1',
      orgUnitCode: 'HQ',
      before: null,
      after: { id: 1, name: 'one' },
      result: 'success',
      requestId: 'req-1',
      ip: '10.0.0.1',
    } satisfies Partial<AuditRecord>);
    expect(record?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('rolls back the change when its audit record cannot be written', async () => {
    const failed = db.transaction().execute(async (tx) => {
      await tx.insertInto('org_units').values(unit(2)).execute();
      await audit.write(tx, event({ action: 'NotAnAction' }));
    });
    await expect(failed).rejects.toThrow(/invalid audit event/);
    expect(await db.selectFrom('org_units').selectAll().execute()).toEqual([]);
    expect(await allEvents()).toEqual([]);
  });

  it('rolls back the change when the database refuses the audit row', async () => {
    // A trigger stands in for any failure of the insert itself (constraint, outage).
    await sql`create function refuse_audit() returns trigger language plpgsql as $$
      begin raise exception 'audit row refused'; end $$`.execute(db);
    await sql`create trigger refuse_audit before insert on audit_events for each row
      when (new.resource_type = 'explode') execute function refuse_audit()`.execute(db);
    try {
      const failed = db.transaction().execute(async (tx) => {
        await tx.insertInto('org_units').values(unit(3)).execute();
        await audit.write(tx, event({ resourceType: 'explode' }));
      });
      await expect(failed).rejects.toThrow(/audit row refused/);
      expect(await db.selectFrom('org_units').selectAll().execute()).toEqual([]);
      expect(await auditCounter(metrics)).toEqual({ failure: 1 });
    } finally {
      await sql`drop trigger refuse_audit on audit_events`.execute(db);
      await sql`drop function refuse_audit()`.execute(db);
    }
  });

  it('writes many events in one statement, all or none', async () => {
    await audit.writeMany(db, [event({ resourceId: 'w-1' }), event({ resourceId: 'w-2', after: { password: 'hunter22' } })]);
    const records = await allEvents();
    expect(records.map((r) => r.resourceId).sort()).toEqual(['w-1', 'w-2']);
    expect(records.find((r) => r.resourceId === 'w-2')?.after).toEqual({ password: '[REDACTED]' });
    await expect(audit.writeMany(db, [event({ resourceId: 'w-3' }), event({ action: 'NotAnAction' })])).rejects.toThrow(
      /invalid audit event/,
    );
    expect(await allEvents()).toHaveLength(2);
    await audit.writeMany(db, []);
    expect(await auditCounter(metrics)).toEqual({ success: 2, failure: 2 });
  });

  it('has the table refuse a malformed action even when written without the helper', async () => {
    const refused = db.transaction().execute(async (tx) => {
      await tx.insertInto('org_units').values(unit(4)).execute();
      await sql`insert into audit_events (id, actor_type, action, resource_type, result)
                values (gen_random_uuid(), 'user', 'Widget.Create', 'widget', 'success')`.execute(tx);
    });
    await expect(refused).rejects.toThrow(/check constraint/);
    expect(await db.selectFrom('org_units').selectAll().execute()).toEqual([]);
  });

  it('drops the audit record when the change fails after it', async () => {
    const failed = db.transaction().execute(async (tx) => {
      await audit.write(tx, event());
      await tx.insertInto('org_units').values(unit(5)).execute();
      await tx.insertInto('org_units').values(unit(5)).execute();
    });
    await expect(failed).rejects.toThrow();
    expect(await allEvents()).toEqual([]);
    expect(await db.selectFrom('org_units').selectAll().execute()).toEqual([]);
  });

  it('masks secrets in before and after at any depth and keeps everything else', async () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: { i: { apiKey: 'deep-secret', note: 'kept' } } } } } } } } } };
    await audit.write(
      db,
      event({
        before: { name: 'cam', password: 'hunter2', settings: { rtsp: { token: 't0k3n', port: 554 } }, list: [{ secret: 's' }, 'plain'] },
        after: {
          name: 'cam',
          password: null,
          url: 'rtsp://admin:hunter2@10.0.0.9/stream',
          createdAt: new Date('2025-01-01T00:00:00Z'),
          ...deep,
        },
      }),
    );
    const [record] = await allEvents();
    expect(record?.before).toEqual({
      name: 'cam',
      password: '[REDACTED]',
      settings: { rtsp: { token: '[REDACTED]', port: 554 } },
      list: [{ secret: '[REDACTED]' }, 'plain'],
    });
    expect(record?.after).toEqual({
      name: 'cam',
      password: null,
      url: 'rtsp://admin:[REDACTED]@10.0.0.9/stream',
      createdAt: '2025-01-01T00:00:00.000Z',
      a: { b: { c: { d: { e: { f: { g: { h: { i: { apiKey: '[REDACTED]', note: 'kept' } } } } } } } } },
    });
    expect(JSON.stringify(record)).not.toMatch(/hunter2|t0k3n|deep-secret/);
  });

  it('keeps booleans under secret-looking names readable (hasCredentials says whether, not what)', async () => {
    await audit.write(
      db,
      event({
        before: { hasCredentials: false, credentials: { username: 'u', password: 'hunter2' } },
        after: { hasCredentials: true, tokenRevoked: true, credentials: 'hunter2', apiKey: 'k3y' },
      }),
    );
    const [record] = await allEvents();
    expect(record?.before).toEqual({ hasCredentials: false, credentials: '[REDACTED]' });
    expect(record?.after).toEqual({ hasCredentials: true, tokenRevoked: true, credentials: '[REDACTED]', apiKey: '[REDACTED]' });
    expect(JSON.stringify(record)).not.toMatch(/hunter2|k3y/);
  });

  it('stores arrays and scalars as JSON', async () => {
    await audit.write(db, event({ before: ['a', 'b'], after: 3 }));
    const [record] = await allEvents();
    expect(record).toMatchObject({ before: ['a', 'b'], after: 3 });
  });

  it('counts successful and failed writes in audit_writes_total', async () => {
    await audit.write(db, event());
    await audit.write(db, event());
    await expect(audit.write(db, event({ action: 'nodot' }))).rejects.toThrow(/invalid audit event/);
    expect(await auditCounter(metrics)).toEqual({ success: 2, failure: 1 });
  });

  describe('list', () => {
    beforeEach(async () => {
      const at = (minute: number) => {
        clock = new Date(Date.UTC(2025, 2, 1, 12, minute));
      };
      at(0);
      await audit.write(db, event({ action: 'auth.login', actorId: 'alice', resourceType: 'user', resourceId: 'alice' }));
      at(1);
      await audit.write(
        db,
        event({
          action: 'auth.login_failed',
          actorType: 'anonymous',
          actorId: null,
          resourceType: 'user',
          resourceId: 'bob',
          result: 'failure',
        }),
      );
      at(2);
      await audit.write(
        db,
        event({ action: 'auth.refresh_token_reuse', actorId: 'bob', resourceType: 'session', resourceId: 's-9', result: 'denied' }),
      );
      at(3);
      await audit.write(
        db,
        event({ action: 'org_unit.create', actorId: 'alice', resourceType: 'org_unit', resourceId: 'PARIS', orgUnitCode: 'PARIS' }),
      );
      at(4);
      await audit.write(
        db,
        event({ action: 'org_unit.create', actorId: 'alice', resourceType: 'org_unit', resourceId: 'LYON', orgUnitCode: 'LYON' }),
      );
      at(5);
      await audit.write(db, event({ action: 'authx.other', actorType: 'system', actorId: null, resourceType: 'job', resourceId: null }));
      at(5); // same instant: ordered by id
      await audit.write(
        db,
        event({
          action: 'camera.update',
          actorType: 'api_key',
          actorId: 'k-1',
          resourceType: 'camera',
          resourceId: 'c-1',
          orgUnitCode: 'PARIS',
        }),
      );
    });

    const actions = (items: AuditRecord[]) => items.map((item) => item.action);

    it('filters by exact action and by an action family', async () => {
      expect(actions((await audit.list(db, { action: 'auth.login', limit: 50 })).items)).toEqual(['auth.login']);
      expect(actions((await audit.list(db, { action: 'auth.*', limit: 50 })).items)).toEqual([
        'auth.refresh_token_reuse',
        'auth.login_failed',
        'auth.login',
      ]);
      expect(actions((await audit.list(db, { action: 'org_unit.*', limit: 50 })).items)).toEqual(['org_unit.create', 'org_unit.create']);
      expect((await audit.list(db, { action: 'auth', limit: 50 })).items).toEqual([]);
    });

    it('filters by actor, resource, result and time range', async () => {
      expect(actions((await audit.list(db, { actorId: 'alice', limit: 50 })).items)).toEqual([
        'org_unit.create',
        'org_unit.create',
        'auth.login',
      ]);
      const byResource = await audit.list(db, { resourceType: 'user', resourceId: 'bob', limit: 50 });
      expect(actions(byResource.items)).toEqual(['auth.login_failed']);
      expect(actions((await audit.list(db, { result: 'denied', limit: 50 })).items)).toEqual(['auth.refresh_token_reuse']);
      const range = await audit.list(db, {
        from: new Date('2025-03-01T12:01:00Z'),
        to: new Date('2025-03-01T12:03:00Z'),
        limit: 50,
      });
      expect(actions(range.items)).toEqual(['auth.refresh_token_reuse', 'auth.login_failed']);
    });

    it('limits to the org units in scope and leaves out events without a unit', async () => {
      const scoped = await audit.list(db, { orgUnitCodes: ['PARIS'], limit: 50 });
      expect(scoped.items.map((item) => [item.action, item.orgUnitCode])).toEqual([
        ['camera.update', 'PARIS'],
        ['org_unit.create', 'PARIS'],
      ]);
      expect((await audit.list(db, { orgUnitCodes: [], limit: 50 })).items).toEqual([]);
    });

    it('pages newest first and returns every event exactly once', async () => {
      const seen: AuditRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await audit.list(db, { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(7);
      expect(new Set(seen.map((item) => item.id)).size).toBe(7);
      expect(seen).toEqual(await allEvents());
      const keys = seen.map((item) => `${item.at}|${item.id}`);
      expect(keys).toEqual([...keys].sort().reverse());
    });

    it('keeps the filters across pages', async () => {
      const first = await audit.list(db, { action: 'auth.*', limit: 2 });
      const second = await audit.list(db, { action: 'auth.*', limit: 2, cursor: first.nextCursor! });
      expect(actions([...first.items, ...second.items])).toEqual(['auth.refresh_token_reuse', 'auth.login_failed', 'auth.login']);
      expect(second.nextCursor).toBeNull();
    });

    it('refuses a cursor it did not make', async () => {
      for (const cursor of ['garbage', Buffer.from('{"at":"yesterday","id":"x"}').toString('base64url')]) {
        const error = await audit.list(db, { limit: 3, cursor }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
      }
    });
  });

  describe('retention', () => {
    const insertAt = (at: string, action = 'widget.update') =>
      sql`insert into audit_events (id, at, actor_type, action, resource_type, result)
          values (gen_random_uuid(), ${at}::timestamptz, 'system', ${action}, 'widget', 'success')`.execute(db);

    it('deletes only events older than the retention period and says how many', async () => {
      await insertAt('2024-11-01T00:00:00Z', 'widget.very_old');
      await insertAt('2024-11-30T11:59:59Z', 'widget.old');
      await insertAt('2024-12-01T12:00:01Z', 'widget.recent');
      await insertAt('2025-03-01T11:00:00Z', 'widget.new');
      const retention = createAuditRetention({ metrics, database: database, retentionDays: 90, log, now: () => clock });
      expect(await retention.runOnce()).toEqual({ ran: true, result: 2 });
      expect((await allEvents()).map((item) => item.action)).toEqual(['widget.new', 'widget.recent']);
      expect(await retention.runOnce()).toEqual({ ran: true, result: 0 });
    });

    it('deletes in batches, each statement short, until none is due', async () => {
      for (let i = 0; i < 5; i++) await insertAt(`2024-10-0${i + 1}T00:00:00Z`, 'widget.very_old');
      await insertAt('2025-03-01T11:00:00Z', 'widget.new');
      const retention = createAuditRetention({
        metrics,
        database: database,
        retentionDays: 90,
        log,
        batchSize: 2,
        now: () => clock,
      });
      expect(await retention.runOnce()).toEqual({ ran: true, result: 5 });
      expect((await allEvents()).map((item) => item.action)).not.toContain('widget.very_old');
    });

    it('runs soon after start, and stop waits for it', async () => {
      await insertAt('2020-01-01T00:00:00Z');
      const retention = createAuditRetention({
        metrics,
        database: database,
        retentionDays: 90,
        log,
        initialDelayMs: 1,
        intervalMs: 60_000,
      });
      retention.start();
      await expect.poll(async () => (await allEvents()).length).toBe(0);
      await retention.stop();
    });

    it('refuses a retention period that is not a positive number of days', () => {
      expect(() => createAuditRetention({ metrics, database: database, retentionDays: 0, log })).toThrow(/at least 1/);
    });

    it.runIf(realDatabaseUrl)('lets one process of several delete, the others skip while it holds the lock', async () => {
      const others = [await openDatabase(testDb), await openDatabase(testDb)];
      try {
        // Another process is in its run: this one skips.
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const holding = new Promise<void>((resolve) => (locked = resolve));
        const holder = others[0]!.db.transaction().execute(async (tx) => {
          await sql`select pg_advisory_xact_lock(${lockKey(`job:${AUDIT_RETENTION_JOB}`)}::bigint)`.execute(tx);
          locked();
          await released;
        });
        await holding;
        const retention = createAuditRetention({ metrics, database: database, retentionDays: 90, log });
        expect(await retention.runOnce()).toEqual({ ran: false });
        release();
        await holder;
        expect(await retention.runOnce()).toEqual({ ran: true, result: 0 });

        // Two at once: the winner is held inside its delete by a table lock, so the race is real.
        await insertAt('2020-01-01T00:00:00Z');
        let unblock!: () => void;
        const unblocked = new Promise<void>((resolve) => (unblock = resolve));
        let blocking!: () => void;
        const blocked = new Promise<void>((resolve) => (blocking = resolve));
        const blocker = others[1]!.db.transaction().execute(async (tx) => {
          await sql`lock table audit_events in share mode`.execute(tx);
          blocking();
          await unblocked;
        });
        await blocked;
        const runs = [database, others[0]!].map((d) => createAuditRetention({ metrics, database: d, retentionDays: 90, log }).runOnce());
        const first = await Promise.race(runs);
        expect(first).toEqual({ ran: false });
        unblock();
        await blocker;
        const outcomes = await Promise.all(runs);
        expect(outcomes.filter((o) => o.ran)).toEqual([{ ran: true, result: 1 }]);
      } finally {
        for (const other of others) await other.close();
      }
    });
  });
});
