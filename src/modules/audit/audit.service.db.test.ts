// Reading the trail through the audit log: the scope policy decides which units' events a caller
// sees, whatever unit filter it asks for. On a real database, with the real policy over a fixed tree.
import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import { createScopePolicy } from '../auth/index.js';
import { createAudit } from '../../platform/audit.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import type { Schema } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/http/access.js';
import { createMetrics } from '../../platform/metrics.js';
import { createAuditLog } from './audit.service.js';

// PARIS holds PARIS-1; LYON stands apart.
const TREE: Record<string, string[]> = { PARIS: ['PARIS-1'], 'PARIS-1': [], LYON: [] };
const subtreeOf = (roots: readonly string[]) => Promise.resolve(roots.flatMap((root) => [root, ...(TREE[root] ?? [])]));
const principal = (orgUnitCode: string | null, role: 'operator' | 'viewer' = 'operator'): Principal => ({
  type: 'user',
  id: `${role}@${orgUnitCode ?? 'everywhere'}`,
  sessionId: null,
  grants: [{ role, orgUnitCode }],
});

describe('audit log', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;
  let auditLog: ReturnType<typeof createAuditLog>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    db = database.db;
    const audit = createAudit({ metrics: createMetrics({ defaultMetrics: false }) });
    auditLog = createAuditLog({ db, audit, policy: createScopePolicy({ subtreeOf }) });
    await db.transaction().execute(async (tx) => {
      for (const orgUnitCode of ['PARIS', 'PARIS-1', 'LYON', null]) {
        await audit.write(tx, {
          actorType: 'system',
          actorId: 'test',
          action: 'org_unit.update',
          resourceType: 'org_unit',
          resourceId: orgUnitCode,
          orgUnitCode,
          result: 'success',
        });
      }
    });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  const units = async (who: Principal, orgUnitCode?: string) =>
    (await auditLog.list(who, { limit: 50, ...(orgUnitCode !== undefined ? { orgUnitCode } : {}) })).items.map((e) => e.orgUnitCode).sort();

  it('shows a global grant every event, those without a unit included, and filters by one unit', async () => {
    expect(await units(principal(null))).toEqual(['LYON', 'PARIS', 'PARIS-1', null].sort());
    expect(await units(principal(null), 'PARIS')).toEqual(['PARIS']);
  });

  it("shows a unit's grant the events of its subtree only, and nothing for a unit outside it", async () => {
    expect(await units(principal('PARIS'))).toEqual(['PARIS', 'PARIS-1']);
    expect(await units(principal('PARIS'), 'PARIS-1')).toEqual(['PARIS-1']);
    expect(await units(principal('PARIS'), 'LYON')).toEqual([]);
  });

  it('shows nothing to a principal whose roles do not carry audit:read', async () => {
    expect(await units(principal(null, 'viewer'))).toEqual([]);
  });
});
