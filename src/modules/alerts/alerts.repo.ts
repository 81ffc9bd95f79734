import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { AlertSeverity, AlertState, Schema } from '../../platform/db/schema.js';

export type RuleRow = Selectable<Schema['alert_rules']>;
export type NewRuleRow = Insertable<Schema['alert_rules']>;
export type InstanceRow = Selectable<Schema['alert_instances']>;
export type NewInstanceRow = Insertable<Schema['alert_instances']>;
export type OutboxRow = Selectable<Schema['alert_outbox']>;
export type NewOutboxRow = Insertable<Schema['alert_outbox']>;
export type SilenceRow = Selectable<Schema['alert_silences']>;
type Db = Kysely<Schema>;

/** Records on these units, and (`global`: a global reach) those on no unit. */
const onUnits = (units: readonly string[], global: boolean) =>
  global
    ? sql<boolean>`(org_unit_code = any(${[...units]}::text[]) or org_unit_code is null)`
    : sql<boolean>`org_unit_code = any(${[...units]}::text[])`;

export interface AlertFilter {
  units?: readonly string[];
  /** With `units`: alerts on no unit too (a global reach). */
  state?: AlertState;
  severity?: AlertSeverity;
  ruleId?: string;
  cameraId?: string;
  from?: Date;
  to?: Date;
}

export const alertsRepo = {
  // Rules.
  insertRule: (db: Db, row: NewRuleRow) => db.insertInto('alert_rules').values(row).returningAll().executeTakeFirstOrThrow(),
  findRule: (db: Db, id: string, lock = false) => {
    const query = db.selectFrom('alert_rules').selectAll().where('id', '=', id);
    return (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  },
  updateRule: (db: Db, id: string, changes: Updateable<Schema['alert_rules']>) =>
    db
      .updateTable('alert_rules')
      .set((eb) => ({ ...changes, revision: eb('revision', '+', 1) }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),
  deleteRule: (db: Db, id: string) => db.deleteFrom('alert_rules').where('id', '=', id).execute(),
  /** A page by id; `units` limits to rules on those units (`global`: rules on no unit too). */
  listRules: (db: Db, options: { limit: number; after?: string; units?: readonly string[]; global: boolean; enabled?: boolean }) => {
    let query = db.selectFrom('alert_rules').selectAll();
    if (options.after !== undefined) query = query.where('id', '>', options.after);
    if (options.units !== undefined) query = query.where(onUnits(options.units, options.global));
    if (options.enabled !== undefined) query = query.where('enabled', '=', options.enabled);
    return query.orderBy('id').limit(options.limit).execute();
  },
  enabledRules: (db: Db) => db.selectFrom('alert_rules').selectAll().where('enabled', '=', true).orderBy('id').execute(),

  // Alert instances.
  hasActive: async (db: Db) =>
    (await db.selectFrom('alert_instances').select('id').where('state', '<>', 'resolved').limit(1).executeTakeFirst()) !== undefined,
  activeInstances: (db: Db) => db.selectFrom('alert_instances').selectAll().where('state', '<>', 'resolved').execute(),
  activeOfRule: (db: Db, ruleId: string) =>
    db.selectFrom('alert_instances').selectAll().where('rule_id', '=', ruleId).where('state', '<>', 'resolved').execute(),
  insertInstances: (db: Db, rows: readonly NewInstanceRow[]) =>
    rows.length === 0
      ? Promise.resolve([] as InstanceRow[])
      : db
          .insertInto('alert_instances')
          .values([...rows])
          .returningAll()
          .execute(),
  updateInstance: (db: Db, id: string, changes: Updateable<Schema['alert_instances']>) =>
    db
      .updateTable('alert_instances')
      .set((eb) => ({ ...changes, revision: eb('revision', '+', 1) }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),
  deleteInstances: (db: Db, ids: readonly string[]) =>
    ids.length === 0
      ? Promise.resolve()
      : db
          .deleteFrom('alert_instances')
          .where('id', 'in', [...ids])
          .execute()
          .then(() => undefined),
  findInstance: (db: Db, id: string, lock = false) => {
    const query = db.selectFrom('alert_instances').selectAll().where('id', '=', id);
    return (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  },
  /** Newest first by (active_since, id). */
  listInstances: (db: Db, filter: AlertFilter & { global: boolean }, options: { limit: number; before?: { at: Date; id: string } }) =>
    db
      .selectFrom('alert_instances')
      .selectAll()
      .where((eb) => {
        const all = [];
        if (filter.units !== undefined) all.push(onUnits(filter.units, filter.global));
        if (filter.state !== undefined) all.push(eb('state', '=', filter.state));
        if (filter.severity !== undefined) all.push(eb('severity', '=', filter.severity));
        if (filter.ruleId !== undefined) all.push(eb('rule_id', '=', filter.ruleId));
        if (filter.cameraId !== undefined) all.push(eb('camera_id', '=', filter.cameraId));
        if (filter.from !== undefined) all.push(eb('active_since', '>=', filter.from));
        if (filter.to !== undefined) all.push(eb('active_since', '<', filter.to));
        if (options.before !== undefined)
          all.push(eb(eb.refTuple('active_since', 'id'), '<', eb.tuple(options.before.at, options.before.id)));
        return eb.and(all);
      })
      .orderBy('active_since', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute(),
  countActive: (db: Db) =>
    db
      .selectFrom('alert_instances')
      .select(['state', 'severity', sql<string>`count(*)`.as('n')])
      .where('state', '<>', 'resolved')
      .groupBy(['state', 'severity'])
      .execute(),
  deleteResolvedBefore: async (db: Db, cutoff: Date, batch = 5_000) => {
    let deleted = 0;
    for (;;) {
      const due = db
        .selectFrom('alert_instances')
        .select('id')
        .where('state', '=', 'resolved')
        .where('resolved_at', '<', cutoff)
        .limit(batch);
      const result = await db.deleteFrom('alert_instances').where('id', 'in', due).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
      if (Number(result.numDeletedRows) < batch) return deleted;
    }
  },

  // The outbox.
  enqueue: (db: Db, rows: readonly NewOutboxRow[]) =>
    rows.length === 0
      ? Promise.resolve()
      : db
          .insertInto('alert_outbox')
          .values([...rows])
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .execute()
          .then(() => undefined),
  /**
   * Claims up to `limit` due notifications for `leaseMs`: rows no other process holds (SKIP LOCKED
   * while claiming; `claimed_until` after), oldest due first. Each claim counts as an attempt.
   */
  claim: async (db: Db, now: Date, limit: number, leaseMs: number): Promise<OutboxRow[]> => {
    const { rows } = await sql<OutboxRow>`
      update alert_outbox set claimed_until = ${new Date(now.getTime() + leaseMs)}, attempts = attempts + 1
      where id in (
        select id from alert_outbox
        where delivered_at is null and failed_at is null and next_attempt_at <= ${now}
          and (claimed_until is null or claimed_until < ${now})
        order by next_attempt_at
        limit ${limit}
        for update skip locked)
      returning *`.execute(db);
    return rows;
  },
  delivered: (db: Db, id: string, at: Date) =>
    db.updateTable('alert_outbox').set({ delivered_at: at, claimed_until: null, last_error: null }).where('id', '=', id).execute(),
  retryAt: (db: Db, id: string, at: Date, error: string) =>
    db.updateTable('alert_outbox').set({ next_attempt_at: at, claimed_until: null, last_error: error }).where('id', '=', id).execute(),
  failed: (db: Db, id: string, at: Date, error: string) =>
    db.updateTable('alert_outbox').set({ failed_at: at, claimed_until: null, last_error: error }).where('id', '=', id).execute(),
  /** The earliest time a notification is due (for the dispatcher's next wake-up). */
  nextDue: async (db: Db) =>
    (
      await db
        .selectFrom('alert_outbox')
        .select(sql<Date | null>`min(next_attempt_at)`.as('at'))
        .where('delivered_at', 'is', null)
        .where('failed_at', 'is', null)
        .executeTakeFirst()
    )?.at ?? null,
  deleteOutboxBefore: async (db: Db, cutoff: Date) =>
    Number(
      (
        await db
          .deleteFrom('alert_outbox')
          .where('created_at', '<', cutoff)
          .where((eb) => eb.or([eb('delivered_at', 'is not', null), eb('failed_at', 'is not', null)]))
          .executeTakeFirst()
      ).numDeletedRows,
    ),

  // Silences.
  insertSilence: (db: Db, row: Insertable<Schema['alert_silences']>) =>
    db.insertInto('alert_silences').values(row).returningAll().executeTakeFirstOrThrow(),
  findSilence: (db: Db, id: string) => db.selectFrom('alert_silences').selectAll().where('id', '=', id).executeTakeFirst(),
  expireSilence: (db: Db, id: string, at: Date) =>
    db.updateTable('alert_silences').set({ expired_at: at }).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
  activeSilences: (db: Db, now: Date) =>
    db
      .selectFrom('alert_silences')
      .selectAll()
      .where('expired_at', 'is', null)
      .where('starts_at', '<=', now)
      .where('ends_at', '>', now)
      .execute(),
  listSilences: (db: Db, options: { limit: number; after?: string; units?: readonly string[]; global: boolean }) => {
    let query = db.selectFrom('alert_silences').selectAll();
    if (options.after !== undefined) query = query.where('id', '<', options.after);
    if (options.units !== undefined) query = query.where(onUnits(options.units, options.global));
    return query.orderBy('id', 'desc').limit(options.limit).execute();
  },
};
