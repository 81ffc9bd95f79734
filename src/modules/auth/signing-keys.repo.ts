// The access tokens' signing keys: rows in, rows out. Sealing the private half, choosing the signer
// and rotating under the signing-keys lock are the token keys' (tokens.ts).
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Schema } from '../../platform/db/schema.js';

export type SigningKeyRow = Selectable<Schema['signing_keys']>;
type Db = Kysely<Schema>;

export const signingKeysRepo = {
  /** Every key, newest first. */
  all: (db: Db) => db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute(),

  async hasActive(db: Db): Promise<boolean> {
    return (await db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).executeTakeFirst()) !== undefined;
  },

  insert: (db: Db, row: Insertable<Schema['signing_keys']>) => db.insertInto('signing_keys').values(row).execute(),

  /** Retires every key in force; their kids. */
  async retireActive(db: Db, at: Date): Promise<string[]> {
    const retired = await db.updateTable('signing_keys').set({ retired_at: at }).where('retired_at', 'is', null).returning('kid').execute();
    return retired.map((k) => k.kid);
  },
};
