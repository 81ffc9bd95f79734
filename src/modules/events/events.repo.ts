import type { Insertable, Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { DetectionStatus, Schema } from '../../platform/db/schema.js';

export type EventRow = Selectable<Schema['detection_events']>;
export type NewEventRow = Insertable<Schema['detection_events']>;
type Db = Kysely<Schema>;

export type StatsKey = 'type' | 'camera' | 'unit' | 'day';

export interface EventFilter {
  /** Only events of these units; an empty list matches none. */
  units?: readonly string[];
  cameraId?: string;
  type?: string;
  status?: DetectionStatus;
  from?: Date;
  to?: Date;
  minConfidence?: number;
}

/** A list position: the last event of the previous page, in (occurred_at, id) descending order. */
export interface EventPosition {
  occurredAt: Date;
  id: string;
}

const STATS_COLUMN = {
  type: sql<string>`type`,
  camera: sql<string>`camera_id::text`,
  unit: sql<string>`org_unit_code`,
} as const;

export const eventsRepo = {
  /**
   * Stores new events; one whose (camera, idempotency key) is already stored is skipped, a racing
   * second insert of it included (the unique index decides). Answers the rows it stored.
   */
  insertNew: (db: Db, rows: readonly NewEventRow[]) =>
    rows.length === 0
      ? Promise.resolve([] as EventRow[])
      : db
          .insertInto('detection_events')
          .values([...rows])
          .onConflict((oc) => oc.columns(['camera_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing())
          .returningAll()
          .execute(),

  /** The stored events of these (camera, idempotency key) pairs. */
  byIdempotencyKeys: (db: Db, pairs: readonly { cameraId: string; key: string }[]) =>
    pairs.length === 0
      ? Promise.resolve([] as EventRow[])
      : db
          .selectFrom('detection_events')
          .selectAll()
          .where(
            sql<boolean>`(camera_id, idempotency_key) in (select * from unnest(${pairs.map((p) => p.cameraId)}::uuid[], ${pairs.map((p) => p.key)}::text[]))`,
          )
          .execute(),

  insertSnapshots: (db: Db, rows: readonly { event_id: string; jpeg: Buffer; stored_at: Date }[]) =>
    rows.length === 0
      ? Promise.resolve()
      : db
          .insertInto('detection_event_snapshots')
          .values([...rows])
          .execute()
          .then(() => undefined),

  find: (db: Db, id: string, lock = false) => {
    const query = db.selectFrom('detection_events').selectAll().where('id', '=', id);
    return (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  },

  /** These events, locked for a review, in id order (two bulk reviews lock them in the same order). */
  findManyLocked: (db: Db, ids: readonly string[]) =>
    ids.length === 0
      ? Promise.resolve([] as EventRow[])
      : db
          .selectFrom('detection_events')
          .selectAll()
          .where('id', 'in', [...ids])
          .orderBy('id')
          .forNoKeyUpdate()
          .execute(),

  review: (db: Db, id: string, changes: Pick<EventRow, 'status' | 'notes' | 'handled_by' | 'handled_by_type' | 'handled_at'>) =>
    db
      .updateTable('detection_events')
      .set((eb) => ({ ...changes, revision: eb('revision', '+', 1) }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  snapshot: async (db: Db, eventId: string) =>
    (await db.selectFrom('detection_event_snapshots').select('jpeg').where('event_id', '=', eventId).executeTakeFirst())?.jpeg,

  /** A page newest first, keyset on (occurred_at, id): events stored meanwhile never shift it. */
  list: (db: Db, filter: EventFilter, options: { limit: number; before?: EventPosition }) => {
    let query = db.selectFrom('detection_events').selectAll();
    query = query.where((eb) => {
      const all = [];
      // An empty list means "none": `in ()` is not SQL, so it is said as `false`.
      if (filter.units !== undefined)
        all.push(filter.units.length > 0 ? eb('org_unit_code', 'in', [...filter.units]) : sql<boolean>`false`);
      if (filter.cameraId !== undefined) all.push(eb('camera_id', '=', filter.cameraId));
      if (filter.type !== undefined) all.push(eb('type', '=', filter.type));
      if (filter.status !== undefined) all.push(eb('status', '=', filter.status));
      if (filter.from !== undefined) all.push(eb('occurred_at', '>=', filter.from));
      if (filter.to !== undefined) all.push(eb('occurred_at', '<', filter.to));
      if (filter.minConfidence !== undefined) all.push(eb('confidence', '>=', filter.minConfidence));
      if (options.before !== undefined) {
        all.push(eb(eb.refTuple('occurred_at', 'id'), '<', eb.tuple(options.before.occurredAt, options.before.id)));
      }
      return eb.and(all);
    });
    return query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  },

  /** Counts per key and status; `day` is the calendar day of `occurred_at` in `timeZone`. */
  stats: (db: Db, filter: EventFilter, groupBy: StatsKey, timeZone: string) => {
    const key = groupBy === 'day' ? sql<string>`to_char(occurred_at at time zone ${timeZone}, 'YYYY-MM-DD')` : STATS_COLUMN[groupBy];
    let query = db
      .selectFrom('detection_events')
      .select([key.as('key'), 'status', sql<string>`count(*)`.as('count')])
      .groupBy([sql`1`, 'status']);
    if (filter.units !== undefined)
      query = filter.units.length > 0 ? query.where('org_unit_code', 'in', [...filter.units]) : query.where(sql<boolean>`false`);
    if (filter.cameraId !== undefined) query = query.where('camera_id', '=', filter.cameraId);
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to);
    if (filter.minConfidence !== undefined) query = query.where('confidence', '>=', filter.minConfidence);
    return query.orderBy(sql`1`).execute();
  },

  /** Deletes events received before `cutoff`, `batch` rows per statement (their snapshots go with them). */
  deleteBefore: async (db: Db, cutoff: Date, batch = 5_000) => {
    let deleted = 0;
    for (;;) {
      const due = db.selectFrom('detection_events').select('id').where('received_at', '<', cutoff).limit(batch);
      const result = await db.deleteFrom('detection_events').where('id', 'in', due).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
      if (Number(result.numDeletedRows) < batch) return deleted;
    }
  },

  /** Deletes snapshots stored before `cutoff` (their events stay, marked as without one). */
  deleteSnapshotsBefore: async (db: Db, cutoff: Date, batch = 1_000) => {
    let deleted = 0;
    for (;;) {
      const result = await sql<{ n: string }>`
        with gone as (
          delete from detection_event_snapshots
          where event_id in (select event_id from detection_event_snapshots where stored_at < ${cutoff} limit ${batch})
          returning event_id
        ), marked as (
          update detection_events set has_snapshot = false where id in (select event_id from gone) returning id
        )
        select count(*) as n from marked`.execute(db);
      const n = Number(result.rows[0]?.n ?? 0);
      deleted += n;
      if (n < batch) return deleted;
    }
  },

  /** Events per camera that occurred in (since, until], of one type or (null) any. */
  countsByCamera: async (db: Db, type: string | null, since: Date, until: Date): Promise<Map<string, number>> => {
    let query = db
      .selectFrom('detection_events')
      .select(['camera_id', sql<string>`count(*)`.as('n')])
      .where('occurred_at', '>', since)
      .where('occurred_at', '<=', until);
    if (type !== null) query = query.where('type', '=', type);
    const rows = await query.groupBy('camera_id').execute();
    return new Map(rows.map((r) => [r.camera_id, Number(r.n)]));
  },

  /** Occurrence times per camera (newest first) in (since, until], of one type. */
  timesByCamera: async (db: Db, type: string, since: Date, until: Date): Promise<Map<string, Date[]>> => {
    const rows = await db
      .selectFrom('detection_events')
      .select(['camera_id', 'occurred_at'])
      .where('type', '=', type)
      .where('occurred_at', '>', since)
      .where('occurred_at', '<=', until)
      .orderBy('camera_id')
      .orderBy('occurred_at', 'desc')
      .execute();
    const out = new Map<string, Date[]>();
    for (const row of rows) {
      const list = out.get(row.camera_id) ?? [];
      list.push(row.occurred_at);
      out.set(row.camera_id, list);
    }
    return out;
  },

  /** The latest occurrence per camera in (since, until], of one type or (null) any. */
  latestByCamera: async (db: Db, type: string | null, since: Date, until: Date): Promise<Map<string, Date>> => {
    let query = db
      .selectFrom('detection_events')
      .select(['camera_id', sql<Date>`max(occurred_at)`.as('at')])
      .where('occurred_at', '>', since)
      .where('occurred_at', '<=', until);
    if (type !== null) query = query.where('type', '=', type);
    const rows = await query.groupBy('camera_id').execute();
    return new Map(rows.map((r) => [r.camera_id, new Date(r.at)]));
  },
};
