import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.js';

export type CameraRow = Selectable<Schema['cameras']>;
export type CameraEventRow = Selectable<Schema['camera_events']>;
type Db = Kysely<Schema>;

export const camerasRepo = {
  insert: (db: Db, row: CameraRow) => db.insertInto('cameras').values(row).returningAll().executeTakeFirstOrThrow(),

  find: (db: Db, id: string, lock = false) => {
    const query = db.selectFrom('cameras').selectAll().where('id', '=', id);
    return (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  },

  findMany: (db: Db, ids: readonly string[]) =>
    ids.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('cameras')
          .selectAll()
          .where('id', 'in', [...ids])
          .execute(),

  update: (db: Db, id: string, changes: Partial<Omit<CameraRow, 'id' | 'created_at' | 'revision'>>) =>
    db
      .updateTable('cameras')
      .set((eb) => ({ ...changes, revision: eb('revision', '+', 1), updated_at: new Date() }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  delete: (db: Db, id: string) => db.deleteFrom('cameras').where('id', '=', id).execute(),

  /** A page by id (UUIDv7: creation order), with filters; `units` limits to those org units. */
  list: (
    db: Db,
    options: { limit: number; after?: string; units?: readonly string[]; label?: string; text?: string; ids?: readonly string[] },
  ) => {
    let query = db.selectFrom('cameras').selectAll();
    if (options.after !== undefined) query = query.where('id', '>', options.after);
    // An empty list means "none": `in ()` is not SQL, so it is said as `false`.
    if (options.units !== undefined)
      query = options.units.length > 0 ? query.where('org_unit_code', 'in', [...options.units]) : query.where(sql<boolean>`false`);
    if (options.ids !== undefined)
      query = options.ids.length > 0 ? query.where('id', 'in', [...options.ids]) : query.where(sql<boolean>`false`);
    if (options.label !== undefined) query = query.where(sql<boolean>`labels @> array[${options.label}]::text[]`);
    if (options.text !== undefined) {
      const pattern = `%${options.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('source_url', 'ilike', pattern)]));
    }
    return query.orderBy('id').limit(options.limit).execute();
  },

  /** Every camera that should run (active, auto-start) or that is active at all, for reconciling. */
  all: (db: Db) => db.selectFrom('cameras').selectAll().orderBy('id').execute(),

  /** These cameras should run (their revision and update time are left alone: not an edit of the camera). */
  want: async (db: Db, ids: readonly string[]): Promise<void> => {
    if (ids.length === 0) return;
    await db
      .updateTable('cameras')
      .set({ desired_running: true })
      .where('id', 'in', [...ids])
      .execute();
  },

  /** Every active auto-start camera that is not wanted becomes wanted; answers how many. */
  wantAutoStart: async (db: Db): Promise<number> => {
    const result = await db
      .updateTable('cameras')
      .set({ desired_running: true })
      .where('active', '=', true)
      .where('auto_start', '=', true)
      .where('desired_running', '=', false)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  insertEvents: (db: Db, rows: CameraEventRow[]) =>
    rows.length === 0
      ? Promise.resolve()
      : db
          .insertInto('camera_events')
          .values(rows)
          .execute()
          .then(() => undefined),

  /** Those of `ids` that are cameras. */
  existingIds: async (db: Db, ids: readonly string[]) =>
    ids.length === 0
      ? []
      : (
          await db
            .selectFrom('cameras')
            .select('id')
            .where('id', 'in', [...ids])
            .execute()
        ).map((r) => r.id),

  events: (
    db: Db,
    options: { cameraId: string; limit: number; before?: { at: Date; id: string }; levels?: readonly string[]; from?: Date; to?: Date },
  ) => {
    let query = db.selectFrom('camera_events').selectAll().where('camera_id', '=', options.cameraId);
    if (options.levels !== undefined) query = query.where('level', 'in', options.levels as CameraEventRow['level'][]);
    if (options.from !== undefined) query = query.where('at', '>=', options.from);
    if (options.to !== undefined) query = query.where('at', '<', options.to);
    if (options.before) {
      const { at, id } = options.before;
      query = query.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
    }
    return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  },

  /** In batches, so that each statement stays well inside the statement timeout however many are due. */
  deleteEventsBefore: async (db: Db, cutoff: Date, batch = 5_000) => {
    let deleted = 0;
    for (;;) {
      const due = db.selectFrom('camera_events').select('id').where('at', '<', cutoff).limit(batch);
      const result = await db.deleteFrom('camera_events').where('id', 'in', due).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
      if (Number(result.numDeletedRows) < batch) return deleted;
    }
  },

  /** Reconnects (entries into `reconnecting`) per camera since `since`. */
  reconnectsSince: async (db: Db, since: Date): Promise<Map<string, number>> => {
    const { rows } = await sql<{ camera_id: string; n: string }>`
      select camera_id, count(*) as n from camera_events
      where at > ${since} and kind in ('state', 'error') and details->>'state' = 'reconnecting'
      group by camera_id`.execute(db);
    return new Map(rows.map((r) => [r.camera_id, Number(r.n)]));
  },
};
