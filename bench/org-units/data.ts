// The organization the org-units benchmark measures: generated with a handful of SQL statements
// (insert ... select from generate_series), not through the API. A root, then regions, sites,
// departments and teams (5 levels) up to N units, each with 5 contiguous versions. Every unit's
// first version starts on BASE_DATE and its last one stays open, so on every date from BASE_DATE on
// every unit, and therefore every parent, is in force: the tree as of any such date holds all N.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Schema } from '../../src/platform/db/schema.js';

/** Every unit's first version starts here. */
export const BASE_DATE = '2020-01-01';
export const VERSIONS_PER_UNIT = 5;

export interface Level {
  /** 1 for the root. */
  depth: number;
  unitType: string;
  /** Code prefix: codes are `<prefix>-<7 digits>`, numbered from 1. */
  prefix: string;
  label: string;
  count: number;
}

/** 1 root, then about N/1000 regions, N/100 sites, N/10 departments, and teams for the rest. */
export function layout(units: number): Level[] {
  if (!Number.isInteger(units) || units < 5) throw new Error(`the org-units benchmark needs at least 5 units, got ${units}`);
  const regions = Math.max(1, Math.ceil(units / 1000));
  const sites = Math.max(1, Math.ceil(units / 100));
  const departments = Math.max(1, Math.ceil(units / 10));
  return [
    { depth: 1, unitType: 'ORGANIZATION', prefix: 'ORG', label: 'Organization', count: 1 },
    { depth: 2, unitType: 'REGION', prefix: 'REG', label: 'Region', count: regions },
    { depth: 3, unitType: 'SITE', prefix: 'SITE', label: 'Site', count: sites },
    { depth: 4, unitType: 'DEPARTMENT', prefix: 'DEPT', label: 'Department', count: departments },
    { depth: 5, unitType: 'TEAM', prefix: 'TEAM', label: 'Team', count: units - 1 - regions - sites - departments },
  ];
}

export const codeOf = (level: Level, index: number): string => `${level.prefix}-${String(index).padStart(7, '0')}`;

export function allCodes(levels: readonly Level[]): string[] {
  return levels.flatMap((level) => Array.from({ length: level.count }, (_, i) => codeOf(level, i + 1)));
}

export const rootCode = (levels: readonly Level[]): string => codeOf(levels[0]!, 1);

/**
 * Inserts one level: its org_units rows (revision 1) and 5 versions per unit.
 *
 * Version n (0..4) of unit i starts on BASE_DATE for n = 0, else on BASE_DATE + 365·n + (37·i mod 300)
 * days, so versions start on different days across units; each ends where the next starts, the last
 * is open. Each version renames the unit and changes its attributes. The parent is a unit of the
 * level above (contiguous blocks); from version 2 on every 5th unit moves to the next parent of that
 * level, and from version 4 on every 7th unit moves two further, so parents differ over time.
 */
async function insertLevel(db: Kysely<Schema>, level: Level, parent: Level | undefined): Promise<void> {
  const code = sql`${level.prefix}::text || '-' || lpad(u.i::text, 7, '0')`;
  const offset = sql`(u.i * 37 % 300)`;
  const parentCode = parent
    ? sql`${parent.prefix}::text || '-' || lpad(((((u.i - 1)::bigint * ${parent.count}) / ${level.count}
          + (case when v.n >= 2 and u.i % 5 = 0 then 1 else 0 end)
          + (case when v.n >= 4 and u.i % 7 = 0 then 2 else 0 end)) % ${parent.count} + 1)::text, 7, '0')`
    : sql`null`;
  await sql`
    insert into org_units (code, revision)
    select ${code}, 1 from generate_series(1, ${level.count}::int) u(i)`.execute(db);
  await sql`
    insert into org_unit_versions
      (code, effective_from, effective_to, name, unit_type, parent_code, status, sort_order, description, attributes,
       change_reason, changed_by)
    select ${code},
           case when v.n = 0 then ${BASE_DATE}::date else ${BASE_DATE}::date + (v.n * 365 + ${offset}) end,
           case when v.n = ${VERSIONS_PER_UNIT - 1}::int then null else ${BASE_DATE}::date + ((v.n + 1) * 365 + ${offset}) end,
           format('%s %s (rev %s)', ${level.label}::text, u.i, v.n + 1),
           ${level.unitType}::text,
           ${parentCode},
           'ACTIVE',
           u.i % 10,
           case when v.n % 2 = 0 then format('%s %s, generated for the benchmark', ${level.label}::text, u.i) end,
           jsonb_build_object('costCenter', format('CC-%s', lpad(((u.i + v.n) % 1000)::text, 4, '0')),
                              'headcount', (u.i * 13 + v.n * 7) % 200, 'revision', v.n + 1),
           case when v.n = 0 then 'benchmark: created' else 'benchmark: reorganised' end,
           'bench'
    from generate_series(1, ${level.count}::int) u(i) cross join generate_series(0, ${VERSIONS_PER_UNIT - 1}::int) v(n)`.execute(db);
}

export interface Generated {
  units: number;
  versions: number;
  /** Units whose parent differs between some of their versions. */
  movedUnits: number;
  /** Wall time of the inserts and the commit (which runs the deferred contiguity trigger), ms. */
  insertMs: number;
  /** Wall time of ANALYZE on the two tables afterwards, ms. */
  analyzeMs: number;
}

/**
 * Generates the organization in one transaction (the deferred contiguity trigger checks every
 * unit at commit), then runs ANALYZE so the planner knows the tables' size, as autovacuum would
 * shortly after a bulk load.
 */
export async function generate(db: Kysely<Schema>, levels: readonly Level[]): Promise<Generated> {
  const started = performance.now();
  await db.transaction().execute(async (tx) => {
    for (const [i, level] of levels.entries()) await insertLevel(tx, level, levels[i - 1]);
  });
  const inserted = performance.now();
  await sql`analyze org_units`.execute(db);
  await sql`analyze org_unit_versions`.execute(db);
  const analyzed = performance.now();
  const { rows } = await sql<{ units: number; versions: number; moved: number }>`
    select (select count(*)::int from org_units) as units,
           (select count(*)::int from org_unit_versions) as versions,
           (select count(*)::int from (select code from org_unit_versions group by code
                                       having count(distinct parent_code) > 1) m) as moved`.execute(db);
  const counts = rows[0]!;
  return {
    units: counts.units,
    versions: counts.versions,
    movedUnits: counts.moved,
    insertMs: Math.round(inserted - started),
    analyzeMs: Math.round(analyzed - inserted),
  };
}

export interface RawTreeRow {
  code: string;
  parent_code: string | null;
}

/**
 * The whole tree as of `date` in one query: the scan the API's tree read is built from (every
 * version in force that day, with its unit's revision). The bench's root is the organization's
 * only root, so every row belongs to its tree.
 */
export async function rawTree(db: Kysely<Schema>, _code: string, date: string): Promise<RawTreeRow[]> {
  const { rows } = await sql<RawTreeRow>`
    select v.code, v.effective_from::text as "from", v.effective_to::text as "to", v.name, v.unit_type, v.parent_code, v.status,
           v.sort_order, v.description, v.attributes, v.change_reason, v.changed_by, v.changed_at, u.revision
    from org_unit_versions v join org_units u on u.code = v.code
    where v.valid @> ${date}::date`.execute(db);
  return rows;
}
