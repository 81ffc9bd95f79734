// SQL of org-unit import and export: whole-tree reads and batched inserts. Dates travel as
// 'YYYY-MM-DD' text, as in org-units.repo.ts, whose row mapping this reuses.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { VERSION_COLUMNS, toVersion, versionRow } from './org-units.repo.js';
import type { VersionRow } from './org-units.repo.js';
import type { Version } from './timeline.js';
import type { Schema } from '../../platform/db/schema.js';

type Db = Kysely<Schema>;
/** Rows per INSERT: 13 parameters a row stays far below PostgreSQL's 65535. */
const BATCH = 1000;

function group(rows: VersionRow[]): Map<string, Version[]> {
  const byCode = new Map<string, Version[]>();
  for (const row of rows) {
    const { code: _code, ...version } = toVersion(row);
    const list = byCode.get(row.code);
    if (list) list.push(version);
    else byCode.set(row.code, [version]);
  }
  return byCode;
}

export const transferRepo = {
  /** Every unit's whole timeline, by code, versions oldest first. */
  async allTimelines(db: Db): Promise<Map<string, Version[]>> {
    const { rows } = await sql<VersionRow>`select ${VERSION_COLUMNS} from org_unit_versions v order by v.code, v.effective_from`.execute(
      db,
    );
    return group(rows);
  },

  /** The version of every unit in force on `date`, by code. */
  async versionsOn(db: Db, date: string): Promise<Map<string, Version[]>> {
    const { rows } = await sql<VersionRow>`
      select ${VERSION_COLUMNS} from org_unit_versions v where v.valid @> ${date}::date order by v.code`.execute(db);
    return group(rows);
  },

  /** Which of `codes` are taken. */
  async existingCodes(db: Db, codes: readonly string[]): Promise<string[]> {
    const taken: string[] = [];
    for (let i = 0; i < codes.length; i += BATCH * 10) {
      const { rows } = await sql<{ code: string }>`
        select code from org_units where code = any(${sql.val(codes.slice(i, i + BATCH * 10))}::text[])`.execute(db);
      taken.push(...rows.map((r) => r.code));
    }
    return taken;
  },

  async insertUnits(db: Db, codes: readonly string[], at: Date): Promise<void> {
    for (let i = 0; i < codes.length; i += BATCH) {
      await db
        .insertInto('org_units')
        .values(codes.slice(i, i + BATCH).map((code) => ({ code, revision: 1, created_at: at, updated_at: at })))
        .execute();
    }
  },

  /** Inserts versions of units that have none yet (the contiguity trigger checks each unit at commit). */
  async insertVersions(db: Db, versions: readonly (Version & { code: string })[]): Promise<void> {
    for (let i = 0; i < versions.length; i += BATCH) {
      await db
        .insertInto('org_unit_versions')
        .values(versions.slice(i, i + BATCH).map((v) => versionRow(v.code, v)))
        .execute();
    }
  },
};
