import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import { constraintViolation, isDatabaseUnavailable } from './database.js';
import type { Database } from './database.js';

interface Tables {
  notes: { id: number; text: string };
}

describe('database', () => {
  let testDb: TestDatabase;
  let database: Database<Tables>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase<Tables>(testDb);
    await sql`create table notes (id int primary key, text text not null)`.execute(database.db);
  });

  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it("keeps a concurrent query out of another caller's transaction", async () => {
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const rolledBack = database.db
      .transaction()
      .execute(async (tx) => {
        await tx.insertInto('notes').values({ id: 1, text: 'in a transaction that fails' }).execute();
        inside();
        // Holds the transaction open a while (no condition to wait for): the insert below comes meanwhile.
        await new Promise((r) => setTimeout(r, 100));
        throw new Error('abort');
      })
      .catch((error: Error) => error.message);
    await entered;
    // Issued while the transaction is open: it must neither join it nor be lost with its rollback.
    await database.db.insertInto('notes').values({ id: 2, text: 'outside' }).execute();
    expect(await rolledBack).toBe('abort');
    const rows = await database.db.selectFrom('notes').select('id').orderBy('id').execute();
    expect(rows).toEqual([{ id: 2 }]);
  });

  it('runs concurrent transactions one after another without mixing them', async () => {
    await Promise.all(
      [10, 20, 30].map((base) =>
        database.db.transaction().execute(async (tx) => {
          await tx.insertInto('notes').values({ id: base, text: 'a' }).execute();
          // A pause between the two inserts, so that the transactions would interleave if they could.
          await new Promise((r) => setTimeout(r, 10));
          await tx
            .insertInto('notes')
            .values({ id: base + 1, text: 'b' })
            .execute();
        }),
      ),
    );
    const ids = (await database.db.selectFrom('notes').select('id').where('id', '>=', 10).orderBy('id').execute()).map((r) => r.id);
    expect(ids).toEqual([10, 11, 20, 21, 30, 31]);
  });

  it('reports constraint violations with their SQLSTATE and constraint', async () => {
    const error = await database.db
      .insertInto('notes')
      .values({ id: 2, text: 'dup' })
      .execute()
      .catch((e: unknown) => e);
    expect(constraintViolation(error)).toEqual({
      code: '23505',
      constraint: database.kind === 'postgres' ? 'notes_pkey' : expect.anything(),
    });
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('answers ping', async () => {
    await expect(database.ping()).resolves.toBeUndefined();
  });
});

describe('isDatabaseUnavailable', () => {
  it('recognises connection failures, including wrapped ones', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error('outer', { cause: Object.assign(new Error('inner'), { code: '08006' }) }))).toBe(true);
  });

  it('counts a database too slow to answer as unavailable: statement and query timeouts, and the connection closed for it', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Query read timeout'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Client was closed and is not queryable'))).toBe(true);
  });

  it('does not mistake query errors for an outage', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    expect(isDatabaseUnavailable('not an error')).toBe(false);
  });
});
