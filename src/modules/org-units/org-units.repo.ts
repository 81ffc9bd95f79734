// SQL of the org module. Dates travel as 'YYYY-MM-DD' text (never as JavaScript Dates, which would
// shift them by the machine's time zone).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Status, Version } from './timeline.js';
import type { TreeJsonRow } from './tree-json.js';
import type { Schema } from '../../platform/db/schema.js';

type Db = Kysely<Schema>;

/** A row of org_unit_versions as VERSION_COLUMNS reads it. */
export interface VersionRow {
  code: string;
  from: string;
  to: string | null;
  name: string;
  unit_type: string;
  parent_code: string | null;
  status: Status;
  sort_order: number;
  description: string | null;
  attributes: Record<string, unknown>;
  change_reason: string | null;
  changed_by: string | null;
  changed_at: Date | string;
}

/** The columns of a version as `toVersion` maps them (from org_unit_versions as `v`). */
export const VERSION_COLUMNS = sql.raw(
  `v.code, v.effective_from::text as "from", v.effective_to::text as "to", v.name, v.unit_type, v.parent_code, v.status,
   v.sort_order, v.description, v.attributes, v.change_reason, v.changed_by, v.changed_at`,
);

/** The one mapper from a stored version to the module's `Version` (the API shape is `toApiVersion`, timeline.ts). */
export function toVersion(row: VersionRow): Version & { code: string } {
  return {
    code: row.code,
    from: row.from,
    to: row.to,
    name: row.name,
    unitType: row.unit_type,
    parentCode: row.parent_code,
    status: row.status,
    sortOrder: row.sort_order,
    description: row.description,
    attributes: typeof row.attributes === 'string' ? (JSON.parse(row.attributes) as Record<string, unknown>) : row.attributes,
    changeReason: row.change_reason,
    changedBy: row.changed_by,
    changedAt: row.changed_at instanceof Date ? row.changed_at.toISOString() : new Date(row.changed_at).toISOString(),
  };
}

function group(rows: VersionRow[]): Map<string, Version[]> {
  const byCode = new Map<string, Version[]>();
  for (const row of rows) {
    const list = byCode.get(row.code) ?? [];
    list.push(toVersion(row));
    byCode.set(row.code, list);
  }
  return byCode;
}

/** A version as a row of org_unit_versions. */
export function versionRow(code: string, v: Version) {
  return {
    code,
    effective_from: v.from,
    effective_to: v.to,
    name: v.name,
    unit_type: v.unitType,
    parent_code: v.parentCode,
    status: v.status,
    sort_order: v.sortOrder,
    description: v.description,
    // As JSON text: pg would send a JavaScript array as a PostgreSQL array.
    attributes: JSON.stringify(v.attributes),
    change_reason: v.changeReason,
    changed_by: v.changedBy,
    changed_at: new Date(v.changedAt),
  };
}

export interface PathInfo {
  codePath: string[];
  namePath: string[];
}

export const orgRepo = {
  async unit(db: Db, code: string, lock = false) {
    const query = db.selectFrom('org_units').select(['code', 'revision']).where('code', '=', code);
    // FOR NO KEY UPDATE: writers of one unit queue, while foreign-key checks of its children (KEY SHARE) do not.
    return (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  },

  async insertUnit(db: Db, code: string): Promise<void> {
    await db.insertInto('org_units').values({ code, revision: 1, created_at: new Date(), updated_at: new Date() }).execute();
  },

  async bumpRevision(db: Db, code: string): Promise<number> {
    const row = await db
      .updateTable('org_units')
      .set((eb) => ({ revision: eb('revision', '+', 1), updated_at: new Date() }))
      .where('code', '=', code)
      .returning('revision')
      .executeTakeFirstOrThrow();
    return row.revision;
  },

  async deleteUnit(db: Db, code: string): Promise<void> {
    await db.deleteFrom('org_units').where('code', '=', code).execute();
  },

  async codeExists(db: Db, code: string): Promise<boolean> {
    return (await db.selectFrom('org_units').select('code').where('code', '=', code).executeTakeFirst()) !== undefined;
  },

  /** The next free generated code: a 7-digit number from the sequence, skipping codes clients took. */
  async nextCode(db: Db): Promise<string> {
    for (;;) {
      const { rows } = await sql<{ code: string }>`
        select n::text as code from (select nextval('org_unit_code_seq') as n) s
        where not exists (select 1 from org_units where code = s.n::text)`.execute(db);
      if (rows[0]) return rows[0].code;
    }
  },

  async timeline(db: Db, code: string): Promise<Version[]> {
    const { rows } =
      await sql<VersionRow>`select ${VERSION_COLUMNS} from org_unit_versions v where v.code = ${code} order by v.effective_from`.execute(
        db,
      );
    return rows.map(toVersion);
  },

  /** Replaces a unit's stored timeline (the contiguity trigger checks the result at commit). */
  async replaceTimeline(db: Db, code: string, timeline: readonly Version[]): Promise<void> {
    await db.deleteFrom('org_unit_versions').where('code', '=', code).execute();
    if (timeline.length === 0) return;
    await db
      .insertInto('org_unit_versions')
      .values(timeline.map((v) => versionRow(code, v)))
      .execute();
  },

  /** The timelines of every unit that was ever above any of `codes`, on any date (`codes` included). */
  async ancestorTimelines(db: Db, codes: readonly string[]): Promise<Map<string, Version[]>> {
    if (codes.length === 0) return new Map();
    const { rows } = await sql<VersionRow>`
      with recursive up(code) as (
        select unnest(${sql.val([...codes])}::text[])
        union
        select p.parent_code from org_unit_versions p join up on p.code = up.code where p.parent_code is not null
      )
      select ${VERSION_COLUMNS} from org_unit_versions v where v.code in (select code from up) order by v.code, v.effective_from`.execute(
      db,
    );
    return group(rows);
  },

  /** The timelines of every unit that was ever below `code`, on any date. */
  async descendantTimelines(db: Db, code: string): Promise<Map<string, Version[]>> {
    const { rows } = await sql<VersionRow>`
      with recursive down(code) as (
        select ${code}::text
        union
        select c.code from org_unit_versions c join down on c.parent_code = down.code
      )
      select ${VERSION_COLUMNS} from org_unit_versions v where v.code in (select code from down where code <> ${code})
      order by v.code, v.effective_from`.execute(db);
    return group(rows);
  },

  /** Children of `code` in force on `date`. */
  async childrenAt(db: Db, code: string, date: string): Promise<{ code: string; status: Status }[]> {
    const { rows } = await sql<{ code: string; status: Status }>`
      select v.code, v.status from org_unit_versions v where v.parent_code = ${code} and v.valid @> ${date}::date order by v.code`.execute(
      db,
    );
    return rows;
  },

  /** Codes that name `code` as parent in any version. */
  async everChildren(db: Db, code: string): Promise<string[]> {
    const { rows } = await sql<{
      code: string;
    }>`select distinct code from org_unit_versions where parent_code = ${code} order by code`.execute(db);
    return rows.map((r) => r.code);
  },

  /** The version of each unit in force on `date`, with the unit's revision and whether later versions exist. */
  async versionsAt(db: Db, codes: readonly string[], date: string) {
    if (codes.length === 0) return [];
    // Timelines are contiguous: a version in force that has an end is followed by a later one.
    const { rows } = await sql<VersionRow & { revision: number; scheduled: boolean }>`
      select ${VERSION_COLUMNS}, u.revision, v.effective_to is not null as scheduled
      from org_unit_versions v join org_units u on u.code = v.code
      where v.code = any(${sql.val([...codes])}::text[]) and v.valid @> ${date}::date`.execute(db);
    return rows.map((r) => ({ ...toVersion(r), revision: r.revision, scheduled: r.scheduled }));
  },

  /**
   * The version of `code` in force on `date` with its unit's revision, whether later versions exist,
   * and its code and name paths from the root that day (as `versionsAt` and `pathsAt` give them),
   * in one query.
   */
  async unitAt(db: Db, code: string, date: string) {
    const { rows } = await sql<VersionRow & { revision: number; scheduled: boolean; code_path: string[]; name_path: string[] }>`
      with recursive up(code, parent_code, name, hops) as (
        select v.code, v.parent_code, v.name, 0 from org_unit_versions v where v.code = ${code} and v.valid @> ${date}::date
        union all
        select p.code, p.parent_code, p.name, up.hops + 1
        from org_unit_versions p join up on p.code = up.parent_code and p.valid @> ${date}::date
        where up.hops < 64
      )
      select ${VERSION_COLUMNS}, u.revision, v.effective_to is not null as scheduled,
             (select array_agg(up.code order by up.hops desc) from up) as code_path,
             (select array_agg(up.name order by up.hops desc) from up) as name_path
      from org_unit_versions v join org_units u on u.code = v.code
      where v.code = ${code} and v.valid @> ${date}::date`.execute(db);
    const row = rows[0];
    if (!row) return undefined;
    return {
      ...toVersion(row),
      revision: row.revision,
      scheduled: row.scheduled,
      path: { codePath: row.code_path, namePath: row.name_path } satisfies PathInfo,
    };
  },

  /** Code and name paths from the root down to each unit, on `date`. */
  async pathsAt(db: Db, codes: readonly string[], date: string): Promise<Map<string, PathInfo>> {
    const paths = new Map<string, PathInfo>();
    if (codes.length === 0) return paths;
    const { rows } = await sql<{ start: string; code: string; name: string; hops: number }>`
      with recursive up(start, code, parent_code, name, hops) as (
        select v.code, v.code, v.parent_code, v.name, 0
        from org_unit_versions v where v.code = any(${sql.val([...codes])}::text[]) and v.valid @> ${date}::date
        union all
        select up.start, p.code, p.parent_code, p.name, up.hops + 1
        from org_unit_versions p join up on p.code = up.parent_code and p.valid @> ${date}::date
        where up.hops < 64
      )
      select start, code, name, hops from up order by start, hops desc`.execute(db);
    for (const row of rows) {
      const path = paths.get(row.start) ?? { codePath: [], namePath: [] };
      path.codePath.push(row.code);
      path.namePath.push(row.name);
      paths.set(row.start, path);
    }
    return paths;
  },

  /** A page of units in force on `date`, by code, after `after`. */
  async list(
    db: Db,
    options: {
      date: string;
      limit: number;
      after?: string;
      parentCode?: string;
      roots?: boolean;
      status?: Status;
      unitType?: string;
      text?: string;
      within?: readonly string[];
    },
  ): Promise<string[]> {
    const { date, limit } = options;
    const { rows } = await sql<{ code: string }>`
      select v.code from org_unit_versions v
      where v.valid @> ${date}::date
        ${options.after !== undefined ? sql`and v.code > ${options.after}` : sql``}
        ${options.parentCode !== undefined ? sql`and v.parent_code = ${options.parentCode}` : sql``}
        ${options.roots ? sql`and v.parent_code is null` : sql``}
        ${options.status !== undefined ? sql`and v.status = ${options.status}` : sql``}
        ${options.unitType !== undefined ? sql`and v.unit_type = ${options.unitType}` : sql``}
        ${
          options.text !== undefined
            ? sql`and (v.name ilike ${`%${escapeLike(options.text)}%`} or v.code ilike ${`%${escapeLike(options.text)}%`})`
            : sql``
        }
        ${options.within !== undefined ? sql`and v.code = any(${sql.val([...options.within])}::text[])` : sql``}
      order by v.code limit ${limit}`.execute(db);
    return rows.map((r) => r.code);
  },

  /** The subtree under `code` on `date`, `depth` levels deep (1: the unit alone), parents before children. */
  async subtreeAt(db: Db, code: string, date: string, depth: number) {
    const { rows } = await sql<VersionRow & { depth: number }>`
      with recursive down as (
        select v.code, 1 as depth from org_unit_versions v where v.code = ${code} and v.valid @> ${date}::date
        union all
        select c.code, down.depth + 1 from org_unit_versions c join down on c.parent_code = down.code and c.valid @> ${date}::date
        where down.depth < ${depth}
      )
      select ${VERSION_COLUMNS}, down.depth from down join org_unit_versions v on v.code = down.code and v.valid @> ${date}::date
      order by down.depth, v.sort_order, v.code`.execute(db);
    return rows.map((r) => ({ ...toVersion(r), depth: r.depth }));
  },

  /**
   * The versions in force on `date` of the units in the subtree under `code`, `depth` levels deep
   * (1: the unit alone), each with its unit's revision; in no particular order. Read down from the
   * unit, level by level through the (parent_code, valid) index, so that a subtree costs what it
   * holds. When the unit is the only root that day and the read goes below its children, its tree
   * is every version in force (every unit's parent is in force on each day of its versions): then
   * they are all read in one scan, cheaper than walking them, and the caller walks the tree from
   * `code` all the same. Each row carries its plain fields as JSON text (tree-json.ts), which
   * PostgreSQL writes faster than JavaScript would parse and write them again. The tree's stamp
   * (migration 0014) comes with them, read in the same snapshot, for the answers the service keeps.
   */
  async treeAt(db: Db, code: string, date: string, depth: number): Promise<{ rows: TreeJsonRow[]; stamp: string | null }> {
    const stored = (alias: string) =>
      sql.raw(`${alias}.code, ${alias}.name, ${alias}.unit_type, ${alias}.parent_code, ${alias}.status, ${alias}.sort_order,
               ${alias}.description, ${alias}.attributes, ${alias}.effective_from, ${alias}.effective_to, ${alias}.change_reason`);
    const { rows } = await sql<TreeJsonRow & { stamp: string }>`
      with recursive whole(yes) as (
        select ${depth}::int > 2
           and exists (select 1 from org_unit_versions r where r.code = ${code} and r.valid @> ${date}::date and r.parent_code is null)
           and not exists (select 1 from org_unit_versions r where r.parent_code is null and r.valid @> ${date}::date and r.code <> ${code})
      ),
      down as (
        select ${stored('v')}, 1 as depth from org_unit_versions v
        where v.code = ${code} and v.valid @> ${date}::date and not (select yes from whole)
        union all
        select ${stored('c')}, down.depth + 1 from down join org_unit_versions c on c.parent_code = down.code and c.valid @> ${date}::date
        where down.depth < ${depth}::int
      )
      select x.code, x.parent_code as "parentCode", x.name, x.sort_order as "sortOrder", left(row_to_json(h)::text, -1) as head,
             x.attributes, x.effective_from::text as "from", x.effective_to::text as "to",
             to_json(x.change_reason)::text as "changeReasonJson", x.revision,
             -- The tree's stamp, read in the same snapshot as the tree (a scalar subquery: a join
             -- would multiply the planner's row estimate by the unanalyzed table's and call JIT in).
             (select t.stamp::text from org_tree_stamp t) as stamp
      from (
        select ${stored('down')}, (select u.revision from org_units u where u.code = down.code) as revision from down
        union all
        select ${stored('v')}, u.revision from org_unit_versions v join org_units u on u.code = v.code
        where v.valid @> ${date}::date and (select yes from whole)
      ) x
      cross join lateral (
        select x.code, x.name, x.unit_type as "unitType", x.parent_code as "parentCode", x.status, x.sort_order as "sortOrder", x.description
      ) h`.execute(db);
    for (const row of rows) {
      if (typeof row.attributes === 'string') row.attributes = JSON.parse(row.attributes) as Record<string, unknown>;
    }
    return { rows, stamp: rows[0]?.stamp ?? null };
  },

  /** The org tree's stamp (migration 0014): it changes in every transaction that writes org units or their versions. */
  async treeStamp(db: Db): Promise<string> {
    const { rows } = await sql<{ stamp: string }>`select stamp::text as stamp from org_tree_stamp`.execute(db);
    return rows[0]!.stamp;
  },

  /**
   * Every unit's parent on `date` (the scope map of grants, scope.ts): from the version in force
   * that day, or, for a unit not in force yet (scheduled to start later), from its first future
   * version. Units that ended on or before `date` are left out.
   */
  async scopeTreeOn(db: Db, date: string): Promise<{ code: string; parent_code: string | null; name: string }[]> {
    const { rows } = await sql<{ code: string; parent_code: string | null; name: string }>`
      select distinct on (code) code, parent_code, name from org_unit_versions
      where effective_to is null or effective_to > ${date}::date
      order by code, effective_from`.execute(db);
    return rows;
  },

  /** Versions of `codes` starting within [from, to], each with the one before it. */
  async changes(db: Db, codes: readonly string[], from: string, to: string) {
    const { rows } = await sql<VersionRow & { prev: VersionRow | null }>`
      select ${VERSION_COLUMNS},
             (select to_jsonb(p) from (select ${VERSION_COLUMNS} from org_unit_versions v where v.code = c.code and v.effective_to = c.effective_from) p) as prev
      from org_unit_versions c cross join lateral (select c.*) v
      where c.code = any(${sql.val([...codes])}::text[]) and c.effective_from between ${from}::date and ${to}::date
      order by c.effective_from, c.code`.execute(db);
    return rows.map((r) => ({ version: toVersion(r), previous: r.prev ? toVersion(r.prev) : null }));
  },
};

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
