// The audit trail's SQL. Rows in, rows out; masking, validation and paging are the audit's own.
import { sql } from 'kysely';
import type { Insertable, Kysely } from 'kysely';
import type { AuditResult, Schema } from './db/schema.js';

type Db = Kysely<Schema>;

export type AuditInsert = Omit<Insertable<Schema['audit_events']>, 'before' | 'after'> & { before: string; after: string };

export interface AuditRowFilters {
  from?: Date;
  to?: Date;
  actorId?: string;
  /** An exact action, or every action that starts with `prefix` (a family such as `auth.`). */
  action?: { exact: string } | { prefix: string };
  resourceType?: string;
  resourceId?: string;
  orgUnitCodes?: string[];
  result?: AuditResult;
  /** Rows strictly before this (at, id), newest first. */
  after?: { at: string; id: string } | undefined;
  limit: number;
}

export const auditRepo = {
  /**
   * One statement for all the rows. `before` and `after` are JSON text, stored as jsonb (pg would
   * send a JavaScript array as a PostgreSQL array).
   */
  insert: (db: Db, rows: readonly AuditInsert[]) =>
    db
      .insertInto('audit_events')
      .values(
        rows.map((row) => ({
          ...row,
          before: sql`cast(cast(${row.before} as text) as jsonb)`,
          after: sql`cast(cast(${row.after} as text) as jsonb)`,
        })),
      )
      .execute(),

  /** Newest first by (at, id), with `at` also as text to the microsecond (`at_exact`, for cursors). */
  list(db: Db, f: AuditRowFilters) {
    let query = db
      .selectFrom('audit_events')
      .selectAll()
      .select(sql<string>`to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('at_exact'))
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit);
    if (f.from) query = query.where('at', '>=', f.from);
    if (f.to) query = query.where('at', '<', f.to);
    if (f.actorId !== undefined) query = query.where('actor_id', '=', f.actorId);
    if (f.action !== undefined) {
      query =
        'prefix' in f.action
          ? // `_` is a LIKE wildcard: escape it (backslash is LIKE's default escape).
            query.where('action', 'like', `${f.action.prefix.replaceAll('_', '\\_')}%`)
          : query.where('action', '=', f.action.exact);
    }
    if (f.resourceType !== undefined) query = query.where('resource_type', '=', f.resourceType);
    if (f.resourceId !== undefined) query = query.where('resource_id', '=', f.resourceId);
    if (f.orgUnitCodes) query = query.where('org_unit_code', 'in', f.orgUnitCodes);
    if (f.result !== undefined) query = query.where('result', '=', f.result);
    if (f.after) {
      query = query.where(
        sql<boolean>`(at, id) < (cast(cast(${f.after.at} as text) as timestamptz), cast(cast(${f.after.id} as text) as uuid))`,
      );
    }
    return query.execute();
  },

  /** Deletes the events before `cutoff`, `batch` rows per statement so that each stays short; how many. */
  async deleteBefore(db: Db, cutoff: Date, batch: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const due = db.selectFrom('audit_events').select('id').where('at', '<', cutoff).limit(batch);
      const result = await db.deleteFrom('audit_events').where('id', 'in', due).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
      if (Number(result.numDeletedRows) < batch) return deleted;
    }
  },
};
