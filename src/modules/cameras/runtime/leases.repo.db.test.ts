// The leases repository on a real database (PGlite, or PostgreSQL with DATABASE_URL): claims, renewals,
// releases and expiry do what the fleet relies on, one statement at a time; on PostgreSQL, two
// connections claiming the same camera at the same moment never both win it.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase, realDatabaseUrl } from '../../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../../test/helpers/databases.js';
import type { Database } from '../../../platform/db/database.js';
import { migrate } from '../../../platform/db/migrate.js';
import type { Schema } from '../../../platform/db/schema.js';
import { uuidv7 } from '../../../platform/ids.js';
import { leasesRepo } from './leases.repo.js';

const TTL = 60_000;
const log = pino({ level: 'silent' });

describe('camera leases repository', () => {
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
  beforeEach(async () => {
    await sql`delete from camera_runtime`.execute(db);
    await sql`delete from camera_leases`.execute(db);
    await sql`delete from vigil_nodes`.execute(db);
    await sql`delete from cameras`.execute(db);
  });

  /** A camera (wanted and active unless told otherwise); ids are in creation order. */
  async function camera(options: { wanted?: boolean; active?: boolean } = {}): Promise<string> {
    const id = uuidv7();
    await sql`insert into cameras (id, org_unit_code, name, source_url, source_type, expected_fps, active, desired_running)
              values (${id}, 'S1', 'cam', 'http://127.0.0.1:9/stream.mjpg', 'mjpeg', 5, ${options.active ?? true}, ${options.wanted ?? true})`.execute(
      db,
    );
    return id;
  }
  const expire = (id: string) => sql`update camera_leases set expires_at = now() - interval '1 second' where camera_id = ${id}`.execute(db);
  const owners = async () =>
    Object.fromEntries(
      (await sql<{ camera_id: string; owner: string }>`select camera_id, owner from camera_leases`.execute(db)).rows.map((r) => [
        r.camera_id,
        r.owner,
      ]),
    );

  it('claims free wanted cameras up to the room given, in id order, and never a lease held and unexpired', async () => {
    const [a, b, c] = [await camera(), await camera(), await camera()];
    await camera({ wanted: false });
    await camera({ active: false });
    expect((await leasesRepo.claimFree(db, 'node-a', TTL, 2)).sort()).toEqual([a, b]);
    expect(await leasesRepo.claimFree(db, 'node-b', TTL, 5)).toEqual([c]);
    expect(await leasesRepo.claimFree(db, 'node-b', TTL, 5)).toEqual([]);
    expect(await owners()).toEqual({ [a]: 'node-a', [b]: 'node-a', [c]: 'node-b' });
  });

  it('takes an expired lease over at the next claim, whatever the room, and the old holder no longer renews it', async () => {
    const [a, b] = [await camera(), await camera()];
    expect((await leasesRepo.claimFree(db, 'node-a', TTL, 2)).sort()).toEqual([a, b]);
    await expire(a);
    expect(await leasesRepo.claimFree(db, 'node-b', TTL, 0)).toEqual([a]);
    expect(await leasesRepo.renew(db, 'node-a', TTL)).toEqual([b]);
    expect(await leasesRepo.renew(db, 'node-b', TTL)).toEqual([a]);
    const { rows } = await sql<{ fresh: boolean }>`
      select expires_at > now() + interval '50 seconds' as fresh from camera_leases where camera_id = ${a}`.execute(db);
    expect(rows[0]!.fresh).toBe(true);
  });

  it('renews an expired lease still held (nobody took it), and renews only its own', async () => {
    const a = await camera();
    await leasesRepo.claimFree(db, 'node-a', TTL, 1);
    await expire(a);
    expect(await leasesRepo.renew(db, 'node-b', TTL)).toEqual([]);
    expect(await leasesRepo.renew(db, 'node-a', TTL)).toEqual([a]);
    expect(await leasesRepo.claimFree(db, 'node-b', TTL, 1)).toEqual([]);
  });

  it('settles: takes free and expired cameras, keeps its own (same acquisition), leaves others’ live leases alone', async () => {
    const [free, mine, theirs, expired] = [await camera(), await camera(), await camera(), await camera()];
    await leasesRepo.claimOrKeep(db, 'node-a', TTL, [mine]);
    await leasesRepo.claimOrKeep(db, 'node-b', TTL, [theirs, expired]);
    await expire(expired);
    const acquired = async (id: string) =>
      (await sql<{ at: string }>`select acquired_at::text as at from camera_leases where camera_id = ${id}`.execute(db)).rows[0]?.at;
    const before = await acquired(mine);
    const won = await leasesRepo.claimOrKeep(db, 'node-a', TTL, [free, mine, theirs, expired]);
    expect(won.sort()).toEqual([free, mine, expired].sort());
    expect(await acquired(mine)).toBe(before);
    expect(await owners()).toEqual({ [free]: 'node-a', [mine]: 'node-a', [theirs]: 'node-b', [expired]: 'node-a' });
    expect(await leasesRepo.claimOrKeep(db, 'node-a', TTL, [])).toEqual([]);
  });

  it('releases only its own leases and statuses; leaving gives up everything it held', async () => {
    const [a, b, c] = [await camera(), await camera(), await camera()];
    await leasesRepo.claimOrKeep(db, 'node-a', TTL, [a, b]);
    await leasesRepo.claimOrKeep(db, 'node-b', TTL, [c]);
    await leasesRepo.publishStatuses(db, 'node-a', [
      { cameraId: a, status: { cameraId: a, state: 'running' } },
      { cameraId: b, status: { cameraId: b, state: 'running' } },
    ]);
    await leasesRepo.release(db, 'node-a', [a, c]);
    expect(await owners()).toEqual({ [b]: 'node-a', [c]: 'node-b' });
    const runtime = await sql<{ camera_id: string }>`select camera_id from camera_runtime`.execute(db);
    expect(runtime.rows.map((r) => r.camera_id)).toEqual([b]);

    await leasesRepo.heartbeat(db, { id: 'node-a', host: 'h', pid: 1, url: null });
    await leasesRepo.leave(db, 'node-a');
    expect(await owners()).toEqual({ [c]: 'node-b' });
    expect((await sql`select 1 from camera_runtime`.execute(db)).rows).toHaveLength(0);
    expect((await leasesRepo.liveNodes(db, TTL)).count).toBe(0);
  });

  it('counts the live processes by heartbeat, and names the lowest id among them', async () => {
    await leasesRepo.heartbeat(db, { id: 'node-b', host: 'h1', pid: 11, url: 'http://b' });
    await leasesRepo.heartbeat(db, { id: 'node-a', host: 'h2', pid: 12, url: null });
    await leasesRepo.heartbeat(db, { id: 'node-c', host: 'h3', pid: 13, url: null });
    await sql`update vigil_nodes set heartbeat_at = now() - interval '2 minutes' where id = 'node-a'`.execute(db);
    expect(await leasesRepo.liveNodes(db, TTL)).toEqual({ count: 2, first: 'node-b' });
    expect(await leasesRepo.otherLiveNodes(db, 'node-b', TTL)).toEqual([{ host: 'h3', pid: 13 }]);
    // A heartbeat brings a process back and updates where it is reached.
    await leasesRepo.heartbeat(db, { id: 'node-a', host: 'h2', pid: 12, url: 'http://a' });
    expect(await leasesRepo.liveNodes(db, TTL)).toEqual({ count: 3, first: 'node-a' });
  });

  it('believes a published status only from the live holder of the camera, and only while fresh', async () => {
    const [a, b] = [await camera(), await camera()];
    await leasesRepo.heartbeat(db, { id: 'node-b', host: 'h', pid: 2, url: 'http://b.example:8080' });
    await leasesRepo.claimOrKeep(db, 'node-b', TTL, [a, b]);
    await leasesRepo.publishStatuses(db, 'node-b', [
      { cameraId: a, status: { cameraId: a, state: 'running' } },
      { cameraId: b, status: { cameraId: b, state: 'error' } },
    ]);
    expect(await leasesRepo.idsInStateElsewhere(db, 'node-a', 'running')).toEqual([a]);
    expect(await leasesRepo.idsInStateElsewhere(db, 'node-b', 'running')).toEqual([]);
    const published = await leasesRepo.publishedStatuses(db, [a, b], TTL);
    expect(published.map((r) => r.camera_id).sort()).toEqual([a, b].sort());
    expect(await leasesRepo.holderUrl(db, a, 'node-a')).toBe('http://b.example:8080');
    expect(await leasesRepo.holderUrl(db, a, 'node-b')).toBeUndefined();

    await sql`update camera_runtime set updated_at = now() - interval '2 minutes' where camera_id = ${b}`.execute(db);
    expect((await leasesRepo.publishedStatuses(db, [a, b], TTL)).map((r) => r.camera_id)).toEqual([a]);
    await expire(a);
    expect(await leasesRepo.publishedStatuses(db, [a, b], TTL)).toEqual([]);
    expect(await leasesRepo.idsInStateElsewhere(db, 'node-a', 'running')).toEqual([]);
    expect(await leasesRepo.holderUrl(db, a, 'node-a')).toBeUndefined();
  });

  it('counts the cameras no process runs: deactivated, stopped, and wanted with no live lease', async () => {
    const [held, expired] = [await camera(), await camera()];
    await camera();
    await camera({ wanted: false });
    await camera({ active: false });
    await camera({ active: false, wanted: false });
    await leasesRepo.claimOrKeep(db, 'node-a', TTL, [held, expired]);
    await expire(expired);
    expect(await leasesRepo.countUnrun(db)).toEqual({ deactivated: 2, stopped: 1, starting: 2 });
  });

  it('reads the wanted cameras with what a worker needs, all or among some ids', async () => {
    const [a, b] = [await camera(), await camera()];
    const stopped = await camera({ wanted: false });
    expect((await leasesRepo.wanted(db)).map((r) => r.id).sort()).toEqual([a, b]);
    const among = await leasesRepo.wantedAmong(db, [b, stopped, uuidv7()]);
    expect(among).toEqual([
      {
        id: b,
        source_url: 'http://127.0.0.1:9/stream.mjpg',
        source_type: 'mjpeg',
        expected_fps: expect.anything(),
        credentials_sealed: null,
        frozen_detection: null,
        restart_seq: 0,
      },
    ]);
    expect(Number(among[0]!.expected_fps)).toBe(5);
    expect(await leasesRepo.wantedAmong(db, [])).toEqual([]);
  });

  describe.runIf(realDatabaseUrl)('two processes at the same moment (PostgreSQL)', () => {
    let other: Database;
    beforeAll(async () => {
      other = await openTestDatabase(testDb);
    });
    afterAll(async () => {
      await other.close();
    });

    it('lets only one of two connections claiming the same free camera win it, every time', async () => {
      for (let round = 0; round < 20; round += 1) {
        const id = await camera();
        const [a, b] = await Promise.all([
          leasesRepo.claimOrKeep(db, 'node-a', TTL, [id]),
          leasesRepo.claimOrKeep(other.db, 'node-b', TTL, [id]),
        ]);
        expect(a.length + b.length).toBe(1);
        expect((await owners())[id]).toBe(a.length === 1 ? 'node-a' : 'node-b');
      }
    });

    it('lets only one of two lease cycles take over the same expired camera, and never splits a camera', async () => {
      for (let round = 0; round < 20; round += 1) {
        const id = await camera();
        await leasesRepo.claimOrKeep(db, 'node-dead', TTL, [id]);
        await expire(id);
        const [a, b] = await Promise.all([
          leasesRepo.claimFree(db, 'node-a', TTL, 100),
          leasesRepo.claimFree(other.db, 'node-b', TTL, 100),
        ]);
        expect(a.filter((x) => x === id).length + b.filter((x) => x === id).length).toBe(1);
        await sql`delete from camera_leases`.execute(db);
        await sql`delete from cameras where id = ${id}`.execute(db);
      }
      // Free cameras claimed by two cycles at once: each goes to exactly one of them.
      const ids = [await camera(), await camera(), await camera(), await camera()];
      const [a, b] = await Promise.all([leasesRepo.claimFree(db, 'node-a', TTL, 4), leasesRepo.claimFree(other.db, 'node-b', TTL, 4)]);
      expect([...a, ...b].sort()).toEqual([...ids].sort());
    });
  });
});
