// The API keys service decides scope itself: a caller granted on a unit makes, sees and revokes only
// keys inside that unit's subtree; the system (the CLI) acts everywhere. On a real database, with
// the real scope policy over a fixed tree.
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import { createAudit } from '../../platform/audit.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import type { Schema } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/http/access.js';
import { createMetrics } from '../../platform/metrics.js';
import { createApiKeysService } from './api-keys.service.js';
import type { ApiKeyCaller } from './api-keys.service.js';
import { createScopePolicy } from './scope-policy.js';
import { SYSTEM } from './users.service.js';

// SITE-A holds SITE-A-1; SITE-B stands apart.
const TREE: Record<string, string[]> = { 'SITE-A': ['SITE-A-1'], 'SITE-A-1': [], 'SITE-B': [] };
const subtreeOf = (roots: readonly string[]) => Promise.resolve(roots.flatMap((root) => [root, ...(TREE[root] ?? [])]));

describe('API keys service', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;
  let apiKeys: ReturnType<typeof createApiKeysService>;

  const unitAdmin: Principal = { type: 'user', id: 'unit-admin', sessionId: null, grants: [{ role: 'admin', orgUnitCode: 'SITE-A' }] };
  const asUnitAdmin: ApiKeyCaller = { actor: { type: 'user', id: 'unit-admin' }, principal: unitAdmin };
  const asSystem: ApiKeyCaller = { actor: { ...SYSTEM, id: 'cli' } };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    db = database.db;
    apiKeys = createApiKeysService({
      db,
      audit: createAudit({ metrics: createMetrics({ defaultMetrics: false }) }),
      policy: createScopePolicy({ subtreeOf }),
    });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it('holds a unit-scoped admin to keys inside its units, before judging the rest of the request', async () => {
    for (const orgUnitCode of [null, 'SITE-B']) {
      await expect(apiKeys.create({ name: `out-${orgUnitCode}`, role: 'viewer', orgUnitCode }, asUnitAdmin)).rejects.toMatchObject({
        status: 403,
        code: 'FORBIDDEN',
        details: { orgUnitCode },
      });
    }
    await expect(apiKeys.create({ name: '   ', role: 'viewer', orgUnitCode: 'SITE-B' }, asUnitAdmin)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const inside = await apiKeys.create({ name: 'inside', role: 'operator', orgUnitCode: 'SITE-A-1' }, asUnitAdmin);
    expect(inside.apiKey).toMatchObject({ orgUnitCode: 'SITE-A-1', createdBy: 'unit-admin' });
  });

  it('lists only the keys inside the caller units, and everything to the system', async () => {
    await apiKeys.create({ name: 'global', role: 'viewer' }, asSystem);
    await apiKeys.create({ name: 'site-b', role: 'viewer', orgUnitCode: 'SITE-B' }, asSystem);
    await apiKeys.create({ name: 'site-a', role: 'viewer', orgUnitCode: 'SITE-A' }, asSystem);
    const seen = await apiKeys.list({ limit: 500 }, asUnitAdmin);
    expect(seen.items.map((k) => k.name).sort()).toEqual(['inside', 'site-a']);
    const all = await apiKeys.list({ limit: 500 }, asSystem);
    expect(all.items.map((k) => k.name).sort()).toEqual(['global', 'inside', 'site-a', 'site-b']);
    // A page may hold fewer than its limit when keys are left out; the cursor still moves past them.
    const first = await apiKeys.list({ limit: 2 }, asUnitAdmin);
    expect(first.items.map((k) => k.name)).toEqual(['site-a']);
    expect(first.nextCursor).toEqual(expect.any(String));
  });

  it('answers a key outside the caller units as not found, and leaves it in force', async () => {
    await expect(apiKeys.revoke('site-b', asUnitAdmin)).rejects.toMatchObject({ status: 404, code: 'API_KEY_NOT_FOUND' });
    expect((await apiKeys.list({ limit: 500 }, asSystem)).items.map((k) => k.name)).toContain('site-b');
    expect(await apiKeys.revoke('site-a', asUnitAdmin)).toMatchObject({ name: 'site-a', revokedAt: expect.any(String) });
    expect(await apiKeys.revoke('site-b', asSystem)).toMatchObject({ name: 'site-b', revokedAt: expect.any(String) });
  });
});
