// Login sessions and their refresh tokens: rows in, rows out. Hashing, rotation, the grace window
// and the reuse rule are the sessions service's; it passes the transaction each call runs in.
import type { Insertable, Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Schema, SessionEndReason } from '../../platform/db/schema.js';

export type SessionRow = Selectable<Schema['auth_sessions']>;
export type RefreshTokenRow = Selectable<Schema['refresh_tokens']>;
type Db = Kysely<Schema>;

export const sessionsRepo = {
  insertSession: (db: Db, row: Insertable<Schema['auth_sessions']>) => db.insertInto('auth_sessions').values(row).execute(),

  /** Stores a refresh token; one already stored (a refresh within the grace window answers the same successor) is left as it is. */
  insertRefreshToken: (db: Db, row: Insertable<Schema['refresh_tokens']>) =>
    db
      .insertInto('refresh_tokens')
      .values(row)
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .execute(),

  /** The session a refresh token (by its hash) belongs to. */
  async sessionIdOfToken(db: Db, tokenHash: string): Promise<string | undefined> {
    const row = await db.selectFrom('refresh_tokens').select('session_id').where('token_hash', '=', tokenHash).executeTakeFirst();
    return row?.session_id;
  },

  findToken: (db: Db, tokenHash: string) =>
    db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),

  findSession: (db: Db, id: string) => db.selectFrom('auth_sessions').selectAll().where('id', '=', id).executeTakeFirst(),

  /** The session with its row locked until the transaction ends (on PostgreSQL): racing refreshes of one family queue here. */
  lockSession: (db: Db, id: string) => db.selectFrom('auth_sessions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst(),

  /** Marks the token used unless it already is; whether this call did. */
  async claimToken(db: Db, id: string, at: Date): Promise<boolean> {
    const claimed = await db
      .updateTable('refresh_tokens')
      .set({ used_at: at })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return claimed.numUpdatedRows === 1n;
  },

  /** Whether a successor of the token has been used already. */
  async hasUsedSuccessor(db: Db, tokenId: string): Promise<boolean> {
    const row = await db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('parent_id', '=', tokenId)
      .where('used_at', 'is not', null)
      .executeTakeFirst();
    return row !== undefined;
  },

  touchSession: (db: Db, id: string, at: Date) => db.updateTable('auth_sessions').set({ last_used_at: at }).where('id', '=', id).execute(),

  /** Ends a session still open (only if it is `ownerId`'s, when given); whether it was open. */
  async endSession(db: Db, id: string, reason: SessionEndReason, at: Date, ownerId?: string): Promise<boolean> {
    let query = db
      .updateTable('auth_sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null);
    if (ownerId !== undefined) query = query.where('user_id', '=', ownerId);
    const ended = await query.executeTakeFirst();
    return ended.numUpdatedRows === 1n;
  },

  /** Ends every open session of the user; how many. */
  async endSessionsOf(db: Db, userId: string, reason: SessionEndReason, at: Date): Promise<number> {
    const ended = await db
      .updateTable('auth_sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(ended.numUpdatedRows);
  },

  /** The user's sessions neither ended nor expired at `at`, newest first. */
  openSessionsOf: (db: Db, userId: string, at: Date, limit: number) =>
    db
      .selectFrom('auth_sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', at)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute(),

  /** The session's user while it is open by the database's clock, undefined once it has ended or expired. */
  async openSessionUser(db: Db, id: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('auth_sessions')
      .select(['user_id', sql<boolean>`revoked_at is null and expires_at > now()`.as('active')])
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.active === true ? row.user_id : undefined;
  },
};
