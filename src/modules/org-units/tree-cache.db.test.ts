// The tree answers a process keeps (tree-cache.ts) are served again only while the org tree's
// stamp (migration 0014) is the one they were read at: every way of writing org units or versions
// changes it at commit, a rolled-back write does not, and a read after any committed write answers
// the new tree. Runs on PGlite, and on PostgreSQL with DATABASE_URL.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import type { Audit } from '../../platform/audit.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import type { Schema } from '../../platform/db/schema.js';
import { createScopePolicy } from '../auth/index.js';
import { orgRepo } from './org-units.repo.js';
import { createOrgService } from './org-units.service.js';
import type { OrgCaller, OrgService } from './org-units.service.js';
import { createOrgScope } from './scope.js';

const TODAY = '2026-03-01';
/** Audit records are not what this file checks: every call succeeds. */
const quietAudit = new Proxy({} as Audit, { get: () => () => Promise.resolve() });
const callerOn = (orgUnitCode: string | null, role: 'viewer' | 'admin' = 'viewer'): OrgCaller => ({
  principal: { type: 'user', id: 'x', sessionId: null, grants: [{ role, orgUnitCode }] },
  actor: { type: 'user', id: 'x' },
});
const everyone = callerOn(null);
const onA = callerOn('A');

interface Node {
  code: string;
  name: string;
  revision: number;
  children: Node[];
}
const names = (node: Node): string[] => [`${node.code}:${node.name}:${node.revision}`, ...node.children.flatMap(names)];

describe('kept tree answers', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;
  let org: OrgService;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    db = database.db;
    const scope = createOrgScope({ db, today: () => TODAY });
    const policy = createScopePolicy({ subtreeOf: async (roots) => (await scope.snapshot()).subtreeOf(roots) });
    org = createOrgService({
      db,
      audit: quietAudit,
      policy,
      unitTypes: ['SITE'],
      maxDepth: 8,
      today: () => TODAY,
      onChange: () => undefined,
    });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  async function addUnit(code: string, parent: string | null, name = code) {
    await db.transaction().execute(async (tx) => {
      await sql`insert into org_units (code) values (${code})`.execute(tx);
      await sql`insert into org_unit_versions (code, effective_from, name, unit_type, parent_code, status)
                values (${code}, '2026-01-01', ${name}, 'SITE', ${parent}, 'ACTIVE')`.execute(tx);
    });
  }
  const read = async (code = 'R', caller = everyone) => org.tree(caller, code, TODAY, 8);
  const tree = async (code = 'R') => names(JSON.parse((await read(code)).toString('utf8')) as Node);

  it('serves the kept answer while nothing is written, and the new tree after each kind of write', async () => {
    await addUnit('R', null);
    await addUnit('A', 'R');
    const first = await read();
    expect(await read()).toBe(first); // the very same bytes: kept
    expect(await tree()).toEqual(['R:R:1', 'A:A:1']);

    const writes: [string, () => Promise<unknown>, string[]][] = [
      ['insert', () => addUnit('B', 'R'), ['R:R:1', 'A:A:1', 'B:B:1']],
      [
        'update of a version',
        () => sql`update org_unit_versions set name = 'Bee' where code = 'B'`.execute(db),
        ['R:R:1', 'A:A:1', 'B:Bee:1'],
      ],
      ['update of a revision', () => sql`update org_units set revision = 5 where code = 'A'`.execute(db), ['R:R:1', 'A:A:5', 'B:Bee:1']],
      ['a move', () => sql`update org_unit_versions set parent_code = 'A' where code = 'B'`.execute(db), ['R:R:1', 'A:A:5', 'B:Bee:1']],
      ['delete', () => sql`delete from org_units where code = 'B'`.execute(db), ['R:R:1', 'A:A:5']],
      [
        'a write through the service',
        () => org.addVersion(callerOn(null, 'admin'), 'A', { effectiveDate: '2026-02-01', name: 'Ay' }, undefined),
        ['R:R:1', 'A:Ay:6'],
      ],
    ];
    for (const [what, write, expected] of writes) {
      const before = await read();
      await write();
      const after = await read();
      expect(after, what).not.toBe(before);
      expect(await tree(), what).toEqual(expected);
      expect(await read(), what).toBe(after);
    }
  });

  it('keeps serving after a write that rolled back, and answers a narrower reach without the kept answer', async () => {
    const stamp = await orgRepo.treeStamp(db);
    const before = await read();
    await db
      .transaction()
      .execute(async (tx) => {
        await sql`update org_unit_versions set name = 'gone' where code = 'A'`.execute(tx);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await orgRepo.treeStamp(db)).toBe(stamp);
    expect(await read()).toBe(before);
    // A caller granted on A sees A's tree, read for it (never R's kept answer).
    const own = JSON.parse((await read('A', onA)).toString('utf8')) as Node;
    expect(own.code).toBe('A');
    await expect(read('R', onA)).rejects.toMatchObject({ code: 'ORG_UNIT_NOT_FOUND' });
  });

  it('changes the stamp once per transaction, whatever it writes, and on a truncate', async () => {
    const stampOf = async () => BigInt(await orgRepo.treeStamp(db));
    const start = await stampOf();
    await db.transaction().execute(async (tx) => {
      await sql`update org_unit_versions set description = 'd' where true`.execute(tx);
      await sql`update org_units set revision = revision + 1 where true`.execute(tx);
    });
    expect(await stampOf()).toBe(start + 1n);
    await sql`select 1 from org_units`.execute(db);
    expect(await stampOf()).toBe(start + 1n);
    const kept = await read();
    await sql`truncate org_units cascade`.execute(db);
    expect(await stampOf()).toBeGreaterThan(start + 1n);
    await expect(read()).rejects.toMatchObject({ code: 'ORG_UNIT_NOT_FOUND' });
    expect(kept.length).toBeGreaterThan(0);
  });
});
