// Lease renewals rewrite every held camera's row each cycle. On PGlite nothing vacuums, so the table
// must stay at its live size by itself (HOT updates on half-full pages, migration 0009); on PostgreSQL
// too. The database holds only this test's connection pool: a snapshot held by another session in the
// same database (a running service's background work, say) keeps dead row versions alive, and then no
// table can prune them, so the test does not start the service beside it.
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../../test/helpers/databases.js';
import type { Database } from '../../../platform/db/database.js';
import { migrate } from '../../../platform/db/migrate.js';

describe('camera lease storage', () => {
  let testDb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    await sql`insert into org_units (code) values ('STORE')`.execute(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('keeps camera_leases at its live size through 200 renewals of 1,000 leases, without VACUUM', async () => {
    const db = database.db;
    await sql`insert into cameras (id, org_unit_code, name, source_url, source_type, expected_fps)
              select gen_random_uuid(), 'STORE', 'cam ' || g, 'http://127.0.0.1:9/stream.mjpg', 'mjpeg', 5
              from generate_series(1, 1000) g`.execute(db);
    await sql`insert into camera_leases (camera_id, owner, expires_at)
              select id, 'storage-test', now() from cameras where org_unit_code = 'STORE'`.execute(db);
    const size = async () => (await sql<{ n: number }>`select pg_total_relation_size('camera_leases')::int as n`.execute(db)).rows[0]!.n;
    const renew = () => sql`update camera_leases set expires_at = now() + interval '10 seconds' where owner = 'storage-test'`.execute(db);
    for (let i = 0; i < 20; i++) await renew();
    const settled = await size();
    for (let i = 0; i < 180; i++) await renew();
    // With full pages the table grows with every renewal (by about half over these 180); pruned, it stays.
    expect(await size()).toBeLessThanOrEqual(settled * 1.25);
  });
});
