// The sessions repository on a real database (PGlite, or PostgreSQL with DATABASE_URL): each
// statement does what the sessions service relies on, one at a time.
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import type { Schema } from '../../platform/db/schema.js';
import { uuidv7 } from '../../platform/ids.js';
import { sessionsRepo } from './sessions.repo.js';
import { usersRepo } from './users.repo.js';

const HOUR = 3_600_000;

describe('sessions repository', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    db = database.db;
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  async function user(): Promise<string> {
    const id = uuidv7();
    await usersRepo.insert(db, { id, email: `${id}@example.com`, display_name: 'U', password_hash: 'x' });
    return id;
  }

  async function session(userId: string, options: { createdAt?: Date; expiresAt?: Date } = {}): Promise<string> {
    const id = uuidv7();
    const at = options.createdAt ?? new Date();
    await sessionsRepo.insertSession(db, {
      id,
      user_id: userId,
      created_at: at,
      last_used_at: at,
      expires_at: options.expiresAt ?? new Date(Date.now() + HOUR),
      ip: null,
      user_agent: null,
      revoked_at: null,
      revoked_reason: null,
    });
    return id;
  }

  async function token(sessionId: string, hash: string, parentId: string | null = null): Promise<string> {
    const id = uuidv7();
    await sessionsRepo.insertRefreshToken(db, {
      id,
      session_id: sessionId,
      parent_id: parentId,
      token_hash: hash,
      created_at: new Date(),
      used_at: null,
    });
    return id;
  }

  it('stores a refresh token once: the same hash again leaves the first row as it is', async () => {
    const sessionId = await session(await user());
    const first = await token(sessionId, 'hash-once');
    await token(sessionId, 'hash-once');
    expect(await sessionsRepo.findToken(db, 'hash-once')).toMatchObject({ id: first, session_id: sessionId });
    expect(await sessionsRepo.sessionIdOfToken(db, 'hash-once')).toBe(sessionId);
    expect(await sessionsRepo.sessionIdOfToken(db, 'no-such-hash')).toBeUndefined();
  });

  it('claims a token once, and tells whether a successor of it has been used', async () => {
    const sessionId = await session(await user());
    const parent = await token(sessionId, 'hash-parent');
    expect(await sessionsRepo.claimToken(db, parent, new Date())).toBe(true);
    expect(await sessionsRepo.claimToken(db, parent, new Date())).toBe(false);
    const child = await token(sessionId, 'hash-child', parent);
    expect(await sessionsRepo.hasUsedSuccessor(db, parent)).toBe(false);
    await sessionsRepo.claimToken(db, child, new Date());
    expect(await sessionsRepo.hasUsedSuccessor(db, parent)).toBe(true);
  });

  it("ends a session once, and only its owner's when an owner is named", async () => {
    const [owner, other] = [await user(), await user()];
    const id = await session(owner);
    expect(await sessionsRepo.endSession(db, id, 'logout', new Date(), other)).toBe(false);
    expect(await sessionsRepo.openSessionUser(db, id)).toBe(owner);
    expect(await sessionsRepo.endSession(db, id, 'logout', new Date(), owner)).toBe(true);
    expect(await sessionsRepo.endSession(db, id, 'reuse', new Date())).toBe(false);
    expect(await sessionsRepo.findSession(db, id)).toMatchObject({ revoked_reason: 'logout' });
    expect(await sessionsRepo.openSessionUser(db, id)).toBeUndefined();
  });

  it("lists a user's open sessions newest first, and ends them all at once", async () => {
    const owner = await user();
    const older = await session(owner, { createdAt: new Date(Date.now() - 2 * HOUR) });
    const newer = await session(owner, { createdAt: new Date(Date.now() - HOUR) });
    const expired = await session(owner, { expiresAt: new Date(Date.now() - 1000) });
    const ended = await session(owner);
    await sessionsRepo.endSession(db, ended, 'logout', new Date());
    await session(await user());
    expect((await sessionsRepo.openSessionsOf(db, owner, new Date(), 500)).map((s) => s.id)).toEqual([newer, older]);
    // An expired session is no longer open, by the database's clock too.
    expect(await sessionsRepo.openSessionUser(db, expired)).toBeUndefined();
    // Ending all counts the sessions not ended yet, expired ones included.
    expect(await sessionsRepo.endSessionsOf(db, owner, 'logout_all', new Date())).toBe(3);
    expect(await sessionsRepo.openSessionsOf(db, owner, new Date(), 500)).toEqual([]);
  });

  it('locks and touches a session in a transaction', async () => {
    const id = await session(await user());
    const at = new Date(Date.now() + 60_000);
    await db.transaction().execute(async (tx) => {
      expect(await sessionsRepo.lockSession(tx, id)).toMatchObject({ id });
      await sessionsRepo.touchSession(tx, id, at);
    });
    expect((await sessionsRepo.findSession(db, id))?.last_used_at.getTime()).toBe(at.getTime());
    expect(await sessionsRepo.lockSession(db, uuidv7())).toBeUndefined();
  });
});
