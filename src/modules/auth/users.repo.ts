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

  findByEmail: (db: Db, email: string) =>
    db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst(),

  findById: (db: Db, id: string) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),

  insert: (db: Db, user: { id: string; email: string; display_name: string; password_hash: string }) =>
    db
      .insertInto('users')
      .values({ ...user, status: 'active' })
      .returningAll()
      .executeTakeFirstOrThrow(),

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

  /** A page in email order, after `afterEmail`. */
  list: (db: Db, afterEmail: string | undefined, limit: number) => {
    let query = db
      .selectFrom('users')
      .selectAll()
      .orderBy(sql`lower(email)`)
      .orderBy('id')
      .limit(limit);
    if (afterEmail !== undefined) query = query.where(sql<string>`lower(email)`, '>', afterEmail);
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
