// The camera leases, the processes of the fleet and the statuses they publish: every statement the
// fleet (fleet.ts) runs, each taking the database handle (or a transaction).
//
// Invariants the statements keep:
// - A camera is held by at most one process: `camera_leases.camera_id` is the primary key, and a lease
//   changes hands only once it has expired (`expires_at <= now()`), by the database's clock, so two
//   processes claiming the same camera at once cannot both win (the second waits on the row and then
//   finds it held and unexpired).
// - Leases are written for `ttlMs` from the database's `now()` and renewed by their holder only
//   (`owner = nodeId`); a renewal answers which leases are still this process's, so a lease taken
//   over while the process was stalled is noticed at its next renewal.
// - A process is alive while its heartbeat (`vigil_nodes.heartbeat_at`) is within the lease ttl.
// - A status published for a camera is believed only while its publisher still holds the camera's
//   unexpired lease, and only when it is fresh.
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Schema } from '../../../platform/db/schema.js';

type Db = Kysely<Schema>;
type CameraRow = Selectable<Schema['cameras']>;

/** What a worker needs of a camera's row (credentials still sealed). */
export type SourceRow = Pick<CameraRow, 'id' | 'source_url' | 'source_type' | 'expected_fps' | 'credentials_sealed' | 'frozen_detection'>;
/** A camera that should run, with the restart count its worker must have seen. */
export type WantedRow = SourceRow & Pick<CameraRow, 'restart_seq'>;
const WANTED_COLUMNS = [
  'id',
  'source_url',
  'source_type',
  'expected_fps',
  'credentials_sealed',
  'frozen_detection',
  'restart_seq',
] as const;

/** Cameras that no process runs, by the state their status shows. */
export interface UnrunCounts {
  stopped: number;
  deactivated: number;
  starting: number;
}

const interval = (ms: number) => `${ms} milliseconds`;

export const leasesRepo = {
  /** This process is alive (and reached at `url`): inserts or refreshes its row, by the database's clock. */
  heartbeat: async (db: Db, node: { id: string; host: string; pid: number; url: string | null }): Promise<void> => {
    await sql`insert into vigil_nodes (id, host, pid, url, heartbeat_at) values (${node.id}, ${node.host}, ${node.pid}, ${node.url}, now())
              on conflict (id) do update set heartbeat_at = now(), url = excluded.url`.execute(db);
  },

  /** Renews every lease `nodeId` holds for `ttlMs` more; answers the cameras it still holds. */
  renew: async (db: Db, nodeId: string, ttlMs: number): Promise<string[]> => {
    const { rows } = await sql<{ camera_id: string }>`
      update camera_leases set expires_at = now() + ${interval(ttlMs)}::interval
      where owner = ${nodeId} returning camera_id`.execute(db);
    return rows.map((r) => r.camera_id);
  },

  /** Every camera that should run: wanted and active. */
  wanted: (db: Db): Promise<WantedRow[]> =>
    db.selectFrom('cameras').select(WANTED_COLUMNS).where('desired_running', '=', true).where('active', '=', true).execute(),

  /** Those of `ids` that should run (wanted and active); deleted cameras are simply absent. */
  wantedAmong: (db: Db, ids: readonly string[]): Promise<WantedRow[]> =>
    ids.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('cameras')
          .select(WANTED_COLUMNS)
          .where('id', 'in', [...ids])
          .where('desired_running', '=', true)
          .where('active', '=', true)
          .execute(),

  /** How many processes are alive (a heartbeat within `ttlMs`), and the lowest id among them. */
  liveNodes: async (db: Db, ttlMs: number): Promise<{ count: number; first: string | null }> => {
    const { rows } = await sql<{ n: number; first: string | null }>`
      select count(*)::int as n, min(id) as first from vigil_nodes where heartbeat_at > now() - ${interval(ttlMs)}::interval`.execute(db);
    return { count: rows[0]?.n ?? 0, first: rows[0]?.first ?? null };
  },

  /** The other processes alive (a heartbeat within `ttlMs`), with where they run. */
  otherLiveNodes: async (db: Db, nodeId: string, ttlMs: number): Promise<{ host: string; pid: number }[]> => {
    const { rows } = await sql<{ host: string; pid: number }>`
      select host, pid from vigil_nodes where id <> ${nodeId} and heartbeat_at > now() - ${interval(ttlMs)}::interval`.execute(db);
    return rows;
  },

  /** Gives up `nodeId`'s leases on these cameras, and the statuses it published for them. */
  release: async (db: Db, nodeId: string, ids: readonly string[]): Promise<void> => {
    if (ids.length === 0) return;
    await db
      .deleteFrom('camera_leases')
      .where('owner', '=', nodeId)
      .where('camera_id', 'in', [...ids])
      .execute();
    await db
      .deleteFrom('camera_runtime')
      .where('owner', '=', nodeId)
      .where('camera_id', 'in', [...ids])
      .execute();
  },

  /**
   * A lease cycle's claim: every wanted camera whose lease expired (its holder died), and free wanted
   * cameras (no lease at all) up to `room`, in id order. A lease held and unexpired is never taken;
   * answers the cameras won.
   */
  claimFree: async (db: Db, nodeId: string, ttlMs: number, room: number): Promise<string[]> => {
    const { rows } = await sql<{ camera_id: string }>`
      with candidates as (
        (select c.id from cameras c join camera_leases l on l.camera_id = c.id
         where c.desired_running and c.active and l.expires_at <= now())
        union all
        (select c.id from cameras c
         where c.desired_running and c.active and not exists (select 1 from camera_leases l where l.camera_id = c.id)
         order by c.id limit ${room})
      )
      insert into camera_leases (camera_id, owner, expires_at)
      select id, ${nodeId}, now() + ${interval(ttlMs)}::interval from candidates
      on conflict (camera_id) do update set owner = excluded.owner, expires_at = excluded.expires_at, acquired_at = now()
        where camera_leases.expires_at <= now()
      returning camera_id`.execute(db);
    return rows.map((r) => r.camera_id);
  },

  /**
   * A settle's claim of these cameras: free or expired ones are taken, those `nodeId` already holds are
   * renewed (keeping when they were acquired); those another process holds unexpired are left to it.
   * Answers the cameras `nodeId` holds among them now.
   */
  claimOrKeep: async (db: Db, nodeId: string, ttlMs: number, ids: readonly string[]): Promise<string[]> => {
    if (ids.length === 0) return [];
    const { rows } = await sql<{ camera_id: string }>`
      insert into camera_leases (camera_id, owner, expires_at)
      select id, ${nodeId}, now() + ${interval(ttlMs)}::interval from unnest(${sql.val([...ids])}::uuid[]) as c(id)
      on conflict (camera_id) do update set owner = excluded.owner, expires_at = excluded.expires_at,
        acquired_at = case when camera_leases.owner = excluded.owner then camera_leases.acquired_at else now() end
        where camera_leases.expires_at <= now() or camera_leases.owner = excluded.owner
      returning camera_id`.execute(db);
    return rows.map((r) => r.camera_id);
  },

  /** The cameras no process runs: deactivated, stopped, and wanted but held by no live lease (starting). */
  countUnrun: async (db: Db): Promise<UnrunCounts> => {
    const { rows } = await sql<UnrunCounts>`
      select count(*) filter (where not c.active)::int as deactivated,
             count(*) filter (where c.active and not c.desired_running)::int as stopped,
             count(*) filter (where c.active and c.desired_running and not exists (
               select 1 from camera_leases l where l.camera_id = c.id and l.expires_at > now()))::int as starting
      from cameras c`.execute(db);
    return rows[0] ?? { stopped: 0, deactivated: 0, starting: 0 };
  },

  /** Publishes `nodeId`'s statuses of its cameras (cameras deleted meanwhile are skipped). */
  publishStatuses: async (db: Db, nodeId: string, statuses: readonly { cameraId: string; status: unknown }[]): Promise<void> => {
    if (statuses.length === 0) return;
    await sql`
      insert into camera_runtime (camera_id, owner, status, updated_at)
      select s.id, ${nodeId}, s.status, now()
      from unnest(${sql.val(statuses.map((s) => s.cameraId))}::uuid[], ${sql.val(statuses.map((s) => JSON.stringify(s.status)))}::jsonb[]) as s(id, status)
      where exists (select 1 from cameras c where c.id = s.id)
      on conflict (camera_id) do update set owner = excluded.owner, status = excluded.status, updated_at = excluded.updated_at`.execute(db);
  },

  /** Cameras whose status, as published by a live holder other than `nodeId`, is in `state`. */
  idsInStateElsewhere: async (db: Db, nodeId: string, state: string): Promise<string[]> => {
    const { rows } = await sql<{ camera_id: string }>`
      select r.camera_id from camera_runtime r
      join camera_leases l on l.camera_id = r.camera_id and l.owner = r.owner and l.expires_at > now()
      where r.owner <> ${nodeId} and r.status->>'state' = ${state}`.execute(db);
    return rows.map((r) => r.camera_id);
  },

  /** Statuses of these cameras published within `freshMs` by the process still holding them (JSON, or its text). */
  publishedStatuses: async (db: Db, ids: readonly string[], freshMs: number): Promise<{ camera_id: string; status: unknown }[]> => {
    if (ids.length === 0) return [];
    const { rows } = await sql<{ camera_id: string; status: unknown }>`
      select r.camera_id, r.status from camera_runtime r
      join camera_leases l on l.camera_id = r.camera_id and l.owner = r.owner and l.expires_at > now()
      where r.camera_id = any(${sql.val([...ids])}::uuid[]) and r.updated_at > now() - ${interval(freshMs)}::interval`.execute(db);
    return rows;
  },

  /** Where the live holder of a camera other than `nodeId` is reached (null: it did not say; undefined: no such holder). */
  holderUrl: async (db: Db, id: string, nodeId: string): Promise<string | null | undefined> => {
    const { rows } = await sql<{ url: string | null }>`
      select n.url from camera_leases l join vigil_nodes n on n.id = l.owner
      where l.camera_id = ${id} and l.owner <> ${nodeId} and l.expires_at > now()`.execute(db);
    return rows[0]?.url;
  },

  /** `nodeId` leaves the fleet: its statuses, its leases (others take its cameras at once) and its row. */
  leave: async (db: Db, nodeId: string): Promise<void> => {
    await db.deleteFrom('camera_runtime').where('owner', '=', nodeId).execute();
    await db.deleteFrom('camera_leases').where('owner', '=', nodeId).execute();
    await db.deleteFrom('vigil_nodes').where('id', '=', nodeId).execute();
  },
};
