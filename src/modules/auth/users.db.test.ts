import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase, realDatabaseUrl } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import { createAudit } from '../../platform/audit.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import { createMetrics } from '../../platform/metrics.js';
import { verifyPassword } from './passwords.js';
import { createScopePolicy } from './scope-policy.js';
import { createUsersService, SYSTEM } from './users.service.js';
import type { Schema } from '../../platform/db/schema.js';

const silent = pino({ level: 'silent' });
const GOOD = 'quiet-harbour-lantern-42';
const system = { actor: SYSTEM };
/** Units without children: a grant on one covers that unit alone. */
const policy = createScopePolicy({ subtreeOf: (roots) => Promise.resolve([...roots]) });

async function openDb(testDb: TestDatabase): Promise<Database> {
  return openTestDatabase(testDb);
}

async function auditRows(db: Kysely<Schema>, action: string) {
  const { rows } = await sql<{ actor_type: string; resource_id: string; after: unknown; before: unknown }>`
    select actor_type, resource_id, before, after from audit_events where action = ${action} order by at`.execute(db);
  return rows;
}

describe('users', () => {
  let testDb: TestDatabase;
  let database: Database;
  let users: ReturnType<typeof createUsersService>;
  const lines: string[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDb(testDb);
    await migrate(database, silent);
    const log = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }));
    users = createUsersService({
      db: database.db,
      audit: createAudit({ metrics: createMetrics({ defaultMetrics: false }) }),
      log,
      policy,
    });
  });

  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it('creates a user with an argon2id hash, never the password, and audits it', async () => {
    const { user, generatedPassword } = await users.create(
      { email: 'Ana@Example.com', displayName: 'Ana', password: GOOD, grants: [{ role: 'operator', orgUnitCode: 'SITE-1' }] },
      system,
    );
    expect(generatedPassword).toBeUndefined();
    expect(user).toMatchObject({
      email: 'Ana@Example.com',
      displayName: 'Ana',
      status: 'active',
      grants: [{ role: 'operator', orgUnitCode: 'SITE-1' }],
    });
    const { rows } = await sql<{ password_hash: string }>`select password_hash from users where id = ${user.id}`.execute(database.db);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(rows[0]!.password_hash, GOOD)).toBe(true);
    const [created] = await auditRows(database.db, 'user.create');
    expect(created).toMatchObject({ actor_type: 'system', resource_id: user.id, before: null });
    expect(JSON.stringify(created)).not.toContain(GOOD);
    expect((await auditRows(database.db, 'user.grant')).map((r) => r.after)).toEqual([{ role: 'operator', orgUnitCode: 'SITE-1' }]);
  });

  it('treats emails as unique whatever their case', async () => {
    await expect(users.create({ email: 'ana@EXAMPLE.com', password: GOOD }, system)).rejects.toMatchObject({
      status: 409,
      code: 'EMAIL_TAKEN',
    });
    expect((await users.get('ANA@example.COM', system)).displayName).toBe('Ana');
  });

  it('refuses weak passwords and bad emails, storing nothing', async () => {
    await expect(users.create({ email: 'bo@example.com', password: 'password1234' }, system)).rejects.toMatchObject({
      status: 400,
      code: 'WEAK_PASSWORD',
    });
    await expect(users.create({ email: 'not-an-email', password: GOOD }, system)).rejects.toMatchObject({
      status: 400,
      code: 'INVALID_EMAIL',
    });
    await expect(users.get('bo@example.com', system)).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('disables, enables and resets passwords, each audited', async () => {
    expect((await users.update('ana@example.com', { status: 'disabled' }, system)).status).toBe('disabled');
    expect((await users.update('ana@example.com', { status: 'active' }, system)).status).toBe('active');
    await users.resetPassword('ana@example.com', 'another-long-secret-77', system);
    const { rows } = await sql<{ password_hash: string }>`select password_hash from users where lower(email) = 'ana@example.com'`.execute(
      database.db,
    );
    expect(await verifyPassword(rows[0]!.password_hash, 'another-long-secret-77')).toBe(true);
    expect(await auditRows(database.db, 'user.disable')).toHaveLength(1);
    expect(await auditRows(database.db, 'user.enable')).toHaveLength(1);
    const reset = await auditRows(database.db, 'user.reset_password');
    expect(reset).toHaveLength(1);
    expect(JSON.stringify(reset)).not.toContain('another-long-secret-77');
  });

  it('grants and revokes roles; refuses unknown roles and missing grants', async () => {
    expect((await users.grant('ana@example.com', 'viewer', null, system)).grants).toContainEqual({ role: 'viewer', orgUnitCode: null });
    // Granting twice changes nothing.
    expect((await users.grant('ana@example.com', 'viewer', null, system)).grants.filter((g) => g.role === 'viewer')).toHaveLength(1);
    expect((await users.revoke('ana@example.com', 'viewer', null, system)).grants).not.toContainEqual({
      role: 'viewer',
      orgUnitCode: null,
    });
    await expect(users.revoke('ana@example.com', 'viewer', null, system)).rejects.toMatchObject({ code: 'GRANT_NOT_FOUND' });
    await expect(users.grant('ana@example.com', 'root', null, system)).rejects.toMatchObject({ code: 'UNKNOWN_ROLE' });
  });

  it('lists users in email order with cursor pagination', async () => {
    for (const name of ['cy', 'di', 'ed']) await users.create({ email: `${name}@example.com`, password: GOOD }, system);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await users.list({ limit: 2, ...(cursor !== undefined ? { cursor } : {}) }, system);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.email.toLowerCase()));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['ana@example.com', 'cy@example.com', 'di@example.com', 'ed@example.com']);
  });

  it('rolls the change back when its audit record cannot be written', async () => {
    await sql`alter table audit_events rename to audit_events_away`.execute(database.db);
    try {
      await expect(users.create({ email: 'fay@example.com', password: GOOD }, system)).rejects.toThrow();
    } finally {
      await sql`alter table audit_events_away rename to audit_events`.execute(database.db);
    }
    await expect(users.get('fay@example.com', system)).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });
});

describe('first admin', () => {
  it('generates the password into DATA_DIR with mode 0600, logs only the path, and runs once', async () => {
    const testDb = await createTestDatabase();
    const database = await openDb(testDb);
    try {
      await migrate(database, silent);
      const lines: string[] = [];
      const log = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }));
      const users = createUsersService({
        db: database.db,
        audit: createAudit({ metrics: createMetrics({ defaultMetrics: false }) }),
        log,
        policy,
      });
      const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-admin-'));
      const first = await users.ensureFirstAdmin({ email: 'root@example.com', password: undefined, dataDir });
      expect(first.created).toBe(true);
      const file = path.join(dataDir, 'initial-admin-password');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = readFileSync(file, 'utf8').trim();
      expect(password.length).toBeGreaterThanOrEqual(20);
      const { rows } = await sql<{ password_hash: string }>`select password_hash from users`.execute(database.db);
      expect(await verifyPassword(rows[0]!.password_hash, password)).toBe(true);
      expect(lines.join('')).toContain(file);
      expect(lines.join('')).not.toContain(password);
      expect((await users.get('root@example.com', system)).grants).toEqual([{ role: 'admin', orgUnitCode: null }]);
      expect((await users.ensureFirstAdmin({ email: 'other@example.com', password: GOOD, dataDir })).created).toBe(false);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });

  // Two processes starting together on one empty database: PGlite cannot race, PostgreSQL can.
  it.runIf(realDatabaseUrl)('creates exactly one first admin when two processes start at once', async () => {
    const testDb = await createTestDatabase();
    const [a, b] = [await openDb(testDb), await openDb(testDb)];
    try {
      await migrate(a, silent);
      const make = (database: Database) =>
        createUsersService({
          db: database.db,
          audit: createAudit({ metrics: createMetrics({ defaultMetrics: false }) }),
          log: silent,
          policy,
        });
      const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-admin-'));
      const results = await Promise.all([
        make(a).ensureFirstAdmin({ email: 'root@example.com', password: GOOD, dataDir }),
        make(b).ensureFirstAdmin({ email: 'root@example.com', password: GOOD, dataDir }),
      ]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from users`.execute(a.db);
      expect(rows[0]!.n).toBe(1);
    } finally {
      await a.close();
      await b.close();
      await testDb.drop();
    }
  });
});
