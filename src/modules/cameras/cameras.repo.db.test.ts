import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import { camerasRepo } from './cameras.repo.js';
import type { Schema } from '../../platform/db/schema.js';

describe('camera log retention', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    db = database.db;
    await sql`insert into org_units (code) values ('SITE')`.execute(db);
    await sql`insert into cameras (id, org_unit_code, name, source_url, source_type, expected_fps)
              values ('00000000-0000-7000-8000-000000000001', 'SITE', 'Gate', 'http://127.0.0.1/x.mjpg', 'mjpeg', 10)`.execute(db);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('deletes events before the cutoff in batches, each statement short, until none is due', async () => {
    for (const [i, at] of ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2025-06-01'].entries()) {
      await sql`insert into camera_events (id, camera_id, at, level, kind, message)
                values (${`00000000-0000-7000-8000-00000000010${i}`}::uuid, '00000000-0000-7000-8000-000000000001', ${at}::timestamptz,
                        'info', 'state', 'event')`.execute(db);
    }
    expect(await camerasRepo.deleteEventsBefore(db, new Date('2025-01-01T00:00:00Z'), 2)).toBe(5);
    const left = await sql<{ n: number }>`select count(*)::int as n from camera_events`.execute(db);
    expect(left.rows[0]!.n).toBe(1);
  });
});
