import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { RoleName as Role, Schema } from '../../platform/db/schema.js';

export type { RoleName as Role } from '../../platform/db/schema.js';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer', 'detector'];

export type UserRow = Selectable<Schema['users']>;
export type GrantRow = Selectable<Schema['role_grants']>;
type Db = Kysely<Schema>;

export const usersRepo = {
  countUsers: async (db: Db) =>
    Number(
      (
        await db
          .selectFrom('users')
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),

  /** Whatever the email's case. With `lock`, as findById. */
  findByEmail: (db: Db, email: string, lock = false) => {
    const query = db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', email.toLowerCase());
    return (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  },

  /** With `lock`, the row stays locked until the transaction ends (on PostgreSQL): writes to one user queue. */
  findById: (db: Db, id: string, lock = false) => {
    const query = db.selectFrom('users').selectAll().where('id', '=', id);
    return (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  },

  /** The new row, or undefined when the email is taken whatever its case (a racing insert included). */
  insert: (db: Db, user: { id: string; email: string; display_name: string; password_hash: string }) =>
    db
      .insertInto('users')
      .values({ ...user, status: 'active' })
      .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
      .returningAll()
      .executeTakeFirst(),

  update: (
    db: Db,
    id: string,
    changes: Partial<Pick<UserRow, 'status' | 'password_hash' | 'display_name'>> & { password_changed?: boolean },
  ) => {
    const { password_changed, ...columns } = changes;
    return db
      .updateTable('users')
      .set({
        ...columns,
        revision: sql<number>`revision + 1`,
        updated_at: sql<Date>`now()`,
        ...(password_changed ? { password_changed_at: sql<Date>`now()` } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /**
   * A page in email order, after `afterEmail`. `text` matches a part of the email or the name, whatever
   * its case. `units` keeps only people with at least one grant, every one of them on those units
   * (the scope policy's `coversAll` for a reach on units); without it, everyone.
   */
  list: (db: Db, options: { afterEmail?: string; limit: number; text?: string; status?: UserRow['status']; units?: readonly string[] }) => {
    let query = db
      .selectFrom('users')
      .selectAll()
      .orderBy(sql`lower(email)`)
      .orderBy('id')
      .limit(options.limit);
    if (options.afterEmail !== undefined) query = query.where(sql<string>`lower(email)`, '>', options.afterEmail);
    if (options.text !== undefined) {
      const text = options.text.toLowerCase();
      query = query.where(sql<boolean>`(strpos(lower(email), ${text}) > 0 or strpos(lower(display_name), ${text}) > 0)`);
    }
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    if (options.units !== undefined) {
      const units = [...options.units];
      query = query
        .where(sql<boolean>`exists (select 1 from role_grants g where g.user_id = users.id)`)
        .where(
          sql<boolean>`not exists (select 1 from role_grants g where g.user_id = users.id and (g.org_unit_code is null or not (g.org_unit_code = any(${units}::text[]))))`,
        );
    }
    return query.execute();
  },

  grantsOf: (db: Db, userIds: readonly string[]) =>
    userIds.length === 0
      ? Promise.resolve([] as GrantRow[])
      : db.selectFrom('role_grants').selectAll().where('user_id', 'in', userIds).orderBy('role').orderBy('org_unit_code').execute(),

  insertGrant: (db: Db, grant: { id: string; user_id: string; role: Role; org_unit_code: string | null; created_by: string | null }) =>
    db
      .insertInto('role_grants')
      .values(grant)
      .onConflict((oc) => oc.expression(sql`user_id, role, coalesce(org_unit_code, '')`).doNothing())
      .returningAll()
      .executeTakeFirst(),

  deleteGrant: (db: Db, userId: string, role: Role, unit: string | null) =>
    db
      .deleteFrom('role_grants')
      .where('user_id', '=', userId)
      .where('role', '=', role)
      .where(sql<string>`coalesce(org_unit_code, '')`, '=', unit ?? '')
      .returningAll()
      .executeTakeFirst(),
};
