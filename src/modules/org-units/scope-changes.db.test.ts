// Which writes drop the cached scope map (scope.ts): only those that change what it holds of today,
// a unit's parent and name in force today (or its first version to come). A change from a later
// date, or to a past version, keeps it; the map a write kept is the very map a reload would read.
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import { createAudit } from '../../platform/audit.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import { createScopePolicy } from '../auth/index.js';
import { orgRepo } from './org-units.repo.js';
import { createOrgService, scopeEntry } from './org-units.service.js';
import type { OrgService } from './org-units.service.js';
import { versionOf as version } from '../../../test/helpers/org-versions.js';

const TODAY = '2026-03-01';
const admin = {
  principal: { type: 'user' as const, id: 'someone', sessionId: null, grants: [{ role: 'admin' as const, orgUnitCode: null }] },
  actor: { type: 'user' as const, id: 'someone' },
};

describe('scopeEntry', () => {
  it('is the parent and name of the first version not ended on the date', () => {
    const timeline = [version('2026-01-01', '2026-04-01', 'A', 'Old'), version('2026-04-01', null, 'B', 'New')];
    expect(scopeEntry(timeline, '2026-03-31')).toBe(JSON.stringify(['A', 'Old']));
    expect(scopeEntry(timeline, '2026-04-01')).toBe(JSON.stringify(['B', 'New']));
    // Not in force yet: placed by its first version to come.
    expect(scopeEntry(timeline, '2025-06-01')).toBe(JSON.stringify(['A', 'Old']));
    // Ended: not in the map.
    expect(scopeEntry([version('2026-01-01', '2026-02-01', 'A')], TODAY)).toBeUndefined();
    expect(scopeEntry([], TODAY)).toBeUndefined();
  });
});

describe('org writes and the scope cache', () => {
  let testDb: TestDatabase;
  let database: Database;
  let org: OrgService;
  let changes = 0;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    const policy = createScopePolicy({ subtreeOf: (roots) => Promise.resolve(roots) });
    const audit = createAudit({ metrics: { auditWrites: { inc: () => undefined } } as never });
    org = createOrgService({
      db: database.db,
      audit,
      policy,
      unitTypes: ['SITE'],
      maxDepth: 8,
      today: () => TODAY,
      onChange: () => changes++,
    });
    await database.db.transaction().execute(async (tx) => {
      for (const code of ['A', 'B', 'U', 'LATER']) await orgRepo.insertUnit(tx, code);
      await orgRepo.replaceTimeline(tx, 'A', [version('2026-01-01', null, null)]);
      await orgRepo.replaceTimeline(tx, 'B', [version('2026-01-01', null, null)]);
      await orgRepo.replaceTimeline(tx, 'U', [version('2026-01-01', null, 'A', 'Unit U')]);
      await orgRepo.replaceTimeline(tx, 'LATER', [version('2026-06-01', null, 'A', 'Later')]);
    });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });
  beforeEach(() => {
    changes = 0;
  });

  it('keeps the map for a change from a later date: rename or move', async () => {
    await org.addVersion(admin, 'U', { effectiveDate: '2026-09-01', name: 'Unit U, renamed' });
    await org.addVersion(admin, 'U', { effectiveDate: '2026-10-01', parentCode: 'B' });
    await org.correctVersion(admin, 'U', '2026-09-01', { description: 'later still' });
    expect(changes).toBe(0);
  });

  it('keeps the map for a change to a version before today', async () => {
    await org.addVersion(admin, 'U', { effectiveDate: '2026-02-01', description: 'from February' });
    expect(changes).toBe(0);
  });

  it('drops the map for a change of the parent or the name in force today', async () => {
    await org.addVersion(admin, 'U', { effectiveDate: TODAY, name: 'Unit U today' });
    expect(changes).toBe(1);
    await org.correctVersion(admin, 'U', TODAY, { parentCode: 'B' });
    expect(changes).toBe(2);
  });

  it('drops the map for a change of the first version of a unit not in force yet', async () => {
    await org.correctVersion(admin, 'LATER', '2026-06-01', { parentCode: 'B' });
    expect(changes).toBe(1);
    // Its later versions do not place it.
    await org.addVersion(admin, 'LATER', { effectiveDate: '2026-08-01', name: 'Later, renamed' });
    expect(changes).toBe(1);
  });

  it('drops the map for a version before a unit starts, and for writes of other kinds', async () => {
    await org.addVersion(admin, 'LATER', { effectiveDate: '2026-02-15', name: 'Earlier' });
    expect(changes).toBe(1);
    await org.create(admin, { code: 'NEW', name: 'New', unitType: 'SITE', parentCode: 'A', effectiveDate: '2026-12-01' });
    await org.suspend(admin, 'NEW', { effectiveDate: '2026-12-15', reason: 'closing' });
    expect(changes).toBe(3);
  });
});
