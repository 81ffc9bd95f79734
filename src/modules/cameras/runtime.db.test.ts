// The camera runtime as the composition root uses it: built without starting anything (no timer, no
// subscription, no lease, not in the fleet), started after the server listens, stopped to leave.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import { createAudit } from '../../platform/audit.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import type { Schema } from '../../platform/db/schema.js';
import { uuidv7 } from '../../platform/ids.js';
import { MemoryPubSub } from '../../platform/kv/memory.js';
import { createMetrics } from '../../platform/metrics.js';
import { createSecretBox } from '../../platform/secrets.js';
import { createScopePolicy } from '../auth/index.js';
import { createCameraRuntime } from './runtime.js';
import type { CameraRuntimeSettings } from './runtime.js';

const log = pino({ level: 'silent' });
const settings: CameraRuntimeSettings = {
  stallTimeoutMs: 3_000,
  backoffBaseMs: 100,
  backoffMaxMs: 1_000,
  connectRate: 50,
  connectTimeoutMs: 1_000,
  leaseMs: 60_000,
  logRetentionDays: 30,
  autoStart: true,
  ffmpegPath: 'ffmpeg',
  allowNetworks: [],
  denyNetworks: [],
};

describe('camera runtime', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, log);
    db = database.db;
    await sql`insert into org_units (code) values ('S1')`.execute(db);
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  const count = async (table: 'vigil_nodes' | 'camera_leases') =>
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0]!.n;
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  function runtime(pubsub = new MemoryPubSub()) {
    const metrics = createMetrics();
    return createCameraRuntime({
      settings,
      log,
      metrics,
      database,
      pubsub,
      audit: createAudit({ metrics }),
      // Nothing here asks on behalf of a caller: no view is recorded and the policy is not consulted.
      views: {
        viewed: () => {
          throw new Error('no view is recorded without a caller');
        },
      },
      policy: createScopePolicy({ subtreeOf: (roots) => Promise.resolve(roots) }),
      secrets: createSecretBox([{ id: 'k1', key: Buffer.alloc(32, 1) }]),
      unitExists: () => Promise.resolve(true),
      endpoints: () => [],
    });
  }
  async function autoStartCamera(): Promise<{ wanted: () => Promise<boolean> }> {
    const id = uuidv7();
    await sql`insert into cameras (id, org_unit_code, name, source_url, source_type, expected_fps, auto_start)
              values (${id}, 'S1', 'cam', 'http://127.0.0.1:9/stream.mjpg', 'mjpeg', 5, true)`.execute(db);
    return {
      wanted: async () => (await sql<{ w: boolean }>`select desired_running as w from cameras where id = ${id}`.execute(db)).rows[0]!.w,
    };
  }

  it('builds everything and starts nothing; start applies auto-start and joins the fleet; stop leaves it', async () => {
    // An auto-start camera that no process runs, and that nobody wants yet.
    const { wanted } = await autoStartCamera();
    const before = timers();
    const built = runtime();
    expect(timers()).toBe(before);
    expect(await count('vigil_nodes')).toBe(0);
    expect(await count('camera_leases')).toBe(0);
    expect(await wanted()).toBe(false);

    await built.start({ advertiseUrl: 'http://127.0.0.1:1' });
    // Alone in the fleet: a cold start, so the auto-start camera is wanted, claimed here.
    expect(await wanted()).toBe(true);
    expect(await count('vigil_nodes')).toBe(1);
    expect(await count('camera_leases')).toBe(1);

    await built.stop();
    expect(await count('vigil_nodes')).toBe(0);
    expect(await count('camera_leases')).toBe(0);
    await sql`delete from cameras`.execute(db);
  });

  it('leaves auto-start alone when it joins a running fleet (a rolling restart keeps operators’ stops)', async () => {
    const { wanted } = await autoStartCamera();
    // Another live process, on another host.
    await sql`insert into vigil_nodes (id, host, pid, url, heartbeat_at) values ('other', 'elsewhere.example', 1, null, now())`.execute(db);
    const built = runtime();
    await built.start({ advertiseUrl: 'http://127.0.0.1:1' });
    expect(await wanted()).toBe(false);
    expect(await count('camera_leases')).toBe(0);
    await built.stop();
    await sql`delete from vigil_nodes`.execute(db);
    await sql`delete from cameras`.execute(db);
  });
});
