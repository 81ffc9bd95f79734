import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.js';

export type ApiKeyRow = Selectable<Schema['api_keys']>;
type Db = Kysely<Schema>;

export const apiKeysRepo = {
  insert: (db: Db, row: Omit<ApiKeyRow, 'created_at' | 'last_used_at' | 'revoked_at'>) =>
    db.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow(),

  findByHash: (db: Db, keyHash: string) => db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst(),

  findActiveByName: (db: Db, name: string) =>
    db
      .selectFrom('api_keys')
      .selectAll()
      .where(sql<string>`lower(name)`, '=', name.toLowerCase())
      .where('revoked_at', 'is', null)
      .executeTakeFirst(),

  findById: (db: Db, id: string) => db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst(),

  /** Newest first, after the cursor's (created_at, id). */
  list: (db: Db, options: { limit: number; includeRevoked: boolean; after?: { at: Date; id: string } }) => {
    let query = db.selectFrom('api_keys').selectAll();
    if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
    if (options.after) {
      const { at, id } = options.after;
      query = query.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]));
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  },

  revoke: (db: Db, id: string, at: Date) =>
    db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst(),

  touch: (db: Db, id: string, at: Date) => db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute(),
};
