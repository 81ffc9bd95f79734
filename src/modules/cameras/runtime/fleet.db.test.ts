// The cameras no process runs (stopped, deactivated) are counted by exactly one process of the
// fleet, so that `cameras{state}` summed over the processes counts each camera once.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../../test/helpers/databases.js';
import type { Database } from '../../../platform/db/database.js';
import { migrate } from '../../../platform/db/migrate.js';
import { createAttemptGate } from './attempt-gate.js';
import { createFleet } from './fleet.js';
import type { Fleet } from './fleet.js';
import { createSupervisor } from './supervisor.js';
import type { Schema } from '../../../platform/db/schema.js';

const log = pino({ level: 'silent' });

describe('fleet: cameras no process runs', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;
  const fleets: Fleet[] = [];

  function fleet(nodeId: string): Fleet {
    const supervisor = createSupervisor({
      log,
      gate: createAttemptGate({ perSecond: 50 }),
      settings: {
        stallTimeoutMs: 3_000,
        backoff: { baseMs: 100, maxMs: 1_000 },
        connectTimeoutMs: 1_000,
        fpsWindowMs: 5_000,
        maxFrameBytes: 1 << 20,
        ffmpegPath: 'ffmpeg',
      },
      hooks: {
        onState: () => undefined,
        onFrame: () => undefined,
        onBytes: () => undefined,
        onStall: () => undefined,
        onReconnect: () => undefined,
      },
    });
    const made = createFleet({
      db,
      supervisor,
      nodeId,
      leaseMs: 60_000,
      log,
      sourceOf: (row) => ({
        id: row.id,
        sourceUrl: row.source_url,
        sourceType: row.source_type,
        expectedFps: Number(row.expected_fps),
        credentials: null,
      }),
    });
    fleets.push(made);
    return made;
  }
  async function camera(active: boolean): Promise<void> {
    await sql`insert into cameras (id, org_unit_code, name, source_url, source_type, expected_fps, active)
              values (${randomUUID()}, 'S1', 'cam', 'http://127.0.0.1:9/stream.mjpg', 'mjpeg', 5, ${active})`.execute(db);
  }

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, log);
    db = database.db;
    await sql`insert into org_units (code) values ('S1')`.execute(db);
  });
  afterAll(async () => {
    for (const f of fleets) await f.stop();
    await database.close();
    await testDb.drop();
  });

  it('are counted by the live process with the lowest id only, and by the next one when it leaves', async () => {
    await camera(true);
    await camera(true);
    await camera(false);
    const first = fleet('node-a');
    const second = fleet('node-b');
    await first.reconcile();
    await second.reconcile();
    await first.reconcile();
    expect(first.unrunCounts()).toEqual({ stopped: 2, deactivated: 1, starting: 0 });
    expect(second.unrunCounts()).toEqual({ stopped: 0, deactivated: 0, starting: 0 });

    await first.stop();
    await second.reconcile();
    expect(second.unrunCounts()).toEqual({ stopped: 2, deactivated: 1, starting: 0 });
  });
});
