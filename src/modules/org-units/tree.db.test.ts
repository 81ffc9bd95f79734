// Tree reads on a real database (PGlite, or PostgreSQL with DATABASE_URL), against a model: random
// forests whose units move between parents over time, some starting late, some ending, with one
// root or several (the two ways orgRepo.treeAt reads). For every unit on dates before, on and
// between the changes, the subtree equals the model's and the whole tree's branch cut in memory,
// at every depth, and for a caller granted on one unit only what its grant covers.
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, openTestDatabase } from '../../../test/helpers/databases.js';
import type { TestDatabase } from '../../../test/helpers/databases.js';
import type { Audit } from '../../platform/audit.js';
import { addDays } from '../../platform/dates.js';
import type { Database } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import type { Schema } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/http/access.js';
import { createScopePolicy } from '../auth/index.js';
import { orgRepo } from './org-units.repo.js';
import { createOrgService } from './org-units.service.js';
import type { OrgCaller, OrgService, TreeNode } from './org-units.service.js';
import { createOrgScope } from './scope.js';
import type { Version } from './timeline.js';

const TODAY = '2026-03-01';
/** Change dates: every 30 days from here. */
const FIRST = '2026-01-01';
const dayOf = (n: number) => addDays(FIRST, n * 30);

interface UnitSpec {
  code: string;
  revision: number;
  timeline: Version[];
}

/**
 * A forest of up to 14 units: unit i starts on one of the change dates (never before unit i-1), in
 * up to 4 versions; each version's parent is an earlier unit that never ends (so it is in force on
 * every day of the version), or none when roots are allowed. Unit 0 is always a root. A unit that
 * nobody may take as parent can end (its last version closed).
 */
const forest: fc.Arbitrary<UnitSpec[]> = fc
  .record({
    roots: fc.boolean(),
    units: fc.array(
      fc.record({
        start: fc.nat({ max: 3 }),
        ends: fc.boolean(),
        revision: fc.integer({ min: 1, max: 9 }),
        versions: fc.array(
          fc.record({
            gap: fc.integer({ min: 1, max: 3 }),
            parent: fc.nat(),
            root: fc.boolean(),
            sortOrder: fc.integer({ min: -2, max: 2 }),
            name: fc.constantFrom('Alpha', 'Beta', 'Gamma "quoted"', 'Ünïcode', 'back\\slash'),
            attributes: fc.dictionary(
              fc.constantFrom('a', 'b', '1'),
              fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)),
            ),
            description: fc.option(fc.string({ maxLength: 8 })),
          }),
          { minLength: 1, maxLength: 4 },
        ),
      }),
      { minLength: 1, maxLength: 14 },
    ),
  })
  .map(({ roots, units }) => {
    const specs: UnitSpec[] = [];
    const parents: { code: string; from: number }[] = [];
    let start = 0;
    units.forEach((unit, i) => {
      start = Math.max(start, unit.start);
      const code = `U${String(i).padStart(2, '0')}`;
      let from = start;
      const timeline = unit.versions.map((v, n): Version => {
        if (n > 0) from += v.gap;
        const eligible = parents.filter((p) => p.from <= from);
        const parentCode = i === 0 || (roots && v.root) || eligible.length === 0 ? null : eligible[v.parent % eligible.length]!.code;
        return {
          from: dayOf(from),
          to: null,
          name: `${v.name} ${i}.${n}`,
          unitType: 'SITE',
          parentCode,
          status: n % 2 === 0 ? 'ACTIVE' : 'INACTIVE',
          sortOrder: v.sortOrder,
          description: v.description,
          attributes: jsonbOrder(v.attributes),
          changeReason: n === 0 ? null : `change ${n}`,
          changedBy: null,
          changedAt: '2026-01-01T00:00:00.000Z',
        };
      });
      timeline.forEach((v, n) => (v.to = timeline[n + 1]?.from ?? null));
      const ends = unit.ends && i > 0;
      if (ends) timeline.at(-1)!.to = dayOf(from + 1);
      else parents.push({ code, from: start });
      specs.push({ code, revision: unit.revision, timeline });
    });
    return specs;
  });

/** An object's keys in the order PostgreSQL's jsonb keeps them (shorter first, then by bytes), as the API answers them. */
function jsonbOrder(value: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, value[k]]));
}

/** The tree the model gives for `code` on `date`, `depth` levels deep, within `visible`; undefined when not in force. */
function modelTree(units: UnitSpec[], code: string, date: string, depth: number, visible: (c: string) => boolean): TreeNode | undefined {
  const inForce = new Map<string, { unit: UnitSpec; v: Version }>();
  for (const unit of units) {
    const v = unit.timeline.find((x) => x.from <= date && (x.to === null || date < x.to));
    if (v) inForce.set(unit.code, { unit, v });
  }
  if (!inForce.has(code)) return undefined;
  const codePath = [code];
  for (let up = inForce.get(code)!.v.parentCode; up !== null && inForce.has(up); up = inForce.get(up)!.v.parentCode) codePath.unshift(up);
  const build = (c: string, path: string[], level: number): TreeNode => {
    const { unit, v } = inForce.get(c)!;
    const below = [...inForce.values()]
      .filter((x) => x.v.parentCode === c && visible(x.unit.code))
      .sort((x, y) => x.v.sortOrder - y.v.sortOrder || (x.unit.code < y.unit.code ? -1 : 1));
    return {
      code: c,
      name: v.name,
      unitType: v.unitType,
      parentCode: v.parentCode,
      status: v.status,
      sortOrder: v.sortOrder,
      description: v.description,
      attributes: v.attributes,
      effectiveDate: v.from,
      endDate: v.to === null ? null : addDays(v.to, -1),
      changeReason: v.changeReason,
      revision: unit.revision,
      codePath: path,
      namePath: path.map((p) => inForce.get(p)!.v.name),
      level: path.length,
      hasScheduledChanges: v.to !== null,
      children: level < depth ? below.map((x) => build(x.unit.code, [...path, x.unit.code], level + 1)) : [],
    };
  };
  return build(code, codePath, 1);
}

function find(node: TreeNode, code: string): TreeNode | undefined {
  if (node.code === code) return node;
  for (const child of node.children) {
    const found = find(child, code);
    if (found) return found;
  }
  return undefined;
}

/** A tree cut to `depth` levels below its top. */
function cut(node: TreeNode, depth: number): TreeNode {
  return { ...node, children: depth > 1 ? node.children.map((c) => cut(c, depth - 1)) : [] };
}

const principal = (orgUnitCode: string | null): Principal => ({
  type: 'user',
  id: 'someone',
  sessionId: null,
  grants: [{ role: 'viewer', orgUnitCode }],
});
const caller = (orgUnitCode: string | null) => ({ principal: principal(orgUnitCode), actor: { type: 'user' as const, id: 'someone' } });

/** Tree reads never write: an audit that is called fails the test. */
const noAudit = new Proxy({} as Audit, {
  get: (_target, name) => () => {
    throw new Error(`a tree read used audit.${String(name)}`);
  },
});

describe('org tree reads on the database', () => {
  let testDb: TestDatabase;
  let database: Database;
  let db: Kysely<Schema>;
  let org: OrgService;
  let scope: ReturnType<typeof createOrgScope>;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await migrate(database, pino({ level: 'silent' }));
    db = database.db;
    scope = createOrgScope({ db, today: () => TODAY });
    const policy = createScopePolicy({ subtreeOf: async (roots) => (await scope.snapshot()).subtreeOf(roots) });
    org = createOrgService({ db, audit: noAudit, policy, unitTypes: ['SITE'], maxDepth: 8, today: () => TODAY, onChange: () => undefined });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  /** A tree read, parsed; its text must be the very bytes JSON.stringify gives for the model's nodes. */
  async function tree(who: OrgCaller, code: string, date: string, depth: number, expected?: TreeNode): Promise<TreeNode> {
    const text = (await org.tree(who, code, date, depth)).toString('utf8');
    if (expected) expect(text, `${code} on ${date}, depth ${depth}, as text`).toBe(JSON.stringify(expected));
    return JSON.parse(text) as TreeNode;
  }

  async function store(units: UnitSpec[]): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await sql`delete from org_unit_versions`.execute(tx);
      await sql`delete from org_units`.execute(tx);
      for (const unit of units) await orgRepo.insertUnit(tx, unit.code);
      for (const unit of units) {
        await orgRepo.replaceTimeline(tx, unit.code, unit.timeline);
        await sql`update org_units set revision = ${unit.revision} where code = ${unit.code}`.execute(tx);
      }
    });
    scope.invalidate();
  }

  it('answers each subtree as the model does and as the whole tree cut in memory, on every date, at every depth', async () => {
    await fc.assert(
      fc.asyncProperty(forest, fc.integer({ min: 1, max: 4 }), async (units, depth) => {
        await store(units);
        const admin = caller(null);
        const dates = [
          dayOf(-1),
          ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].flatMap((n) => [dayOf(n), addDays(dayOf(n), -1)]),
          '2999-12-31',
        ];
        for (const date of dates) {
          // Each root's whole tree, read once: the branches below are cut from these.
          const wholes = new Map<string, TreeNode>();
          for (const unit of units) {
            const expected = modelTree(units, unit.code, date, 64, () => true);
            if (expected && expected.parentCode === null) {
              const whole = await tree(admin, unit.code, date, 64, expected);
              expect(whole, `whole tree of ${unit.code} on ${date}`).toEqual(expected);
              wholes.set(unit.code, whole);
            }
          }
          for (const unit of units) {
            const expected = modelTree(units, unit.code, date, depth, () => true);
            if (!expected) {
              await expect(org.tree(admin, unit.code, date, depth), `${unit.code} on ${date}`).rejects.toMatchObject({
                code: 'ORG_UNIT_NOT_FOUND',
                details: { code: unit.code, asOf: date },
              });
              continue;
            }
            const subtree = await tree(admin, unit.code, date, depth, expected);
            expect(subtree, `subtree of ${unit.code} on ${date}, depth ${depth}`).toEqual(expected);
            const branch = find(wholes.get(expected.codePath[0]!)!, unit.code);
            expect(subtree, `subtree of ${unit.code} on ${date} as the whole tree's branch`).toEqual(cut(branch!, depth));
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  it('leaves out what a caller granted on one unit may not see, with what hangs below it', async () => {
    await fc.assert(
      fc.asyncProperty(forest, fc.nat(), async (units, pick) => {
        await store(units);
        // Reach comes from today's tree: the granted unit and what hangs below it today.
        const granted = units[pick % units.length]!.code;
        const reach = new Set((await scope.snapshot()).subtreeOf([granted]));
        for (const date of [dayOf(0), TODAY, dayOf(4), dayOf(9)]) {
          for (const unit of units) {
            const expected = reach.has(unit.code) ? modelTree(units, unit.code, date, 8, (c) => reach.has(c)) : undefined;
            if (expected)
              expect(await tree(caller(granted), unit.code, date, 8, expected), `${unit.code} on ${date} granted on ${granted}`).toEqual(
                expected,
              );
            else
              await expect(
                org.tree(caller(granted), unit.code, date, 8),
                `${unit.code} on ${date} granted on ${granted}`,
              ).rejects.toMatchObject({ code: 'ORG_UNIT_NOT_FOUND' });
          }
        }
      }),
      { numRuns: 15 },
    );
  });
});
