// Import and export of org units with their whole timelines. One row per version, the same fields
// in CSV and JSON. An import is checked in full before anything is written: every problem is
// reported with its line and field, and the rows are then written in one transaction (with one
// audit record per unit) or not at all. An export without a date re-imports into an empty
// database as the same timelines.
import type { Kysely } from 'kysely';
import { LOCKS, lockTransaction } from '../../platform/db/locks.js';
import { MAX_DATE, MIN_DATE, isDate, toOfEndDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { CsvSyntaxError, parseCsv, writeCsv } from './csv.js';
import type { CsvCell } from './csv.js';
import { checkHierarchy } from './hierarchy.js';
import { transferRepo } from './import-export.repo.js';
import { ImportErrors, OrgErrors } from './org-units.errors.js';
import type { ImportProblem } from './org-units.errors.js';
import { orgRepo } from './org-units.repo.js';
import { CODE_PATTERN, versionView } from './org-units.service.js';
import type { Actor, OrgCaller, OrgServiceDeps } from './org-units.service.js';
import type { ApiVersion, Timeline, Version } from './timeline.js';
import { toApiVersion, versionAt } from './timeline.js';
import type { Schema } from '../../platform/db/schema.js';

/** The fields of a row, in the order of the CSV columns. */
export const TRANSFER_COLUMNS = [
  'code',
  'name',
  'unitType',
  'parentCode',
  'status',
  'sortOrder',
  'description',
  'attributes',
  'effectiveDate',
  'endDate',
  'changeReason',
] as const;
type Column = (typeof TRANSFER_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['code', 'name', 'unitType', 'effectiveDate'];

/** One version of one unit, as imported and exported: its API fields. */
export type TransferRow = ApiVersion;

export type ImportInput = { format: 'csv'; text: string } | { format: 'json'; versions: readonly unknown[] };

export interface ImportSummary {
  dryRun: boolean;
  units: number;
  versions: number;
  /** The units' codes, in the order they first appear. */
  codes: string[];
}

export const MAX_IMPORT_ROWS = 100_000;
const SORT_ORDER_LIMIT = 1_000_000;

interface ParsedRow extends TransferRow {
  line: number;
}

/**
 * Reads the rows; every problem found is added to `problems`. A row whose code, dates and parent
 * can be read goes on to the timeline and tree checks even when its other fields have problems, so
 * that each row's problems are all reported; a row whose code, dates or parent cannot be read is
 * left out, and its unit's other rows are not checked against each other or the tree.
 */
function readRows(
  input: ImportInput,
  unitTypes: readonly string[],
  problems: ImportProblem[],
): { rows: ParsedRow[]; badCodes: Set<string>; firstLines: Map<string, number> } {
  const rows: ParsedRow[] = [];
  /** Codes of units with a row that cannot be placed: their other rows are not checked against the tree. */
  const badCodes = new Set<string>();
  /** Every well-formed code of a row that could be read, with its first line (to report codes in use). */
  const firstLines = new Map<string, number>();
  const add = (line: number, field: string | null, message: string) => problems.push({ line, field, message });

  const read = (line: number, values: Map<string, unknown>, csv: boolean) => {
    const row = readRow(line, values, csv, unitTypes, add);
    const code = values.get('code');
    if (typeof code === 'string' && CODE_PATTERN.test(code) && !firstLines.has(code)) firstLines.set(code, line);
    if (row) rows.push(row);
    else if (typeof code === 'string' && CODE_PATTERN.test(code)) badCodes.add(code);
  };

  if (input.format === 'json') {
    if (input.versions.length > MAX_IMPORT_ROWS) {
      add(0, 'versions', `holds ${input.versions.length} rows; at most ${MAX_IMPORT_ROWS} are accepted in one import`);
      return { rows, badCodes, firstLines };
    }
    input.versions.forEach((item, index) => {
      const line = index + 1;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return add(line, null, 'must be an object');
      const values = new Map(Object.entries(item as Record<string, unknown>));
      for (const key of values.keys()) {
        if (!(TRANSFER_COLUMNS as readonly string[]).includes(key)) add(line, key, 'is not an accepted field');
      }
      read(line, values, false);
    });
    return { rows, badCodes, firstLines };
  }

  let records;
  try {
    records = parseCsv(input.text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) {
      add(error.line, null, error.message.replace(/^line \d+: /, ''));
      return { rows, badCodes, firstLines };
    }
    throw error;
  }
  const [header, ...data] = records;
  if (!header) return { rows, badCodes, firstLines };
  if (data.length > MAX_IMPORT_ROWS) {
    add(header.line, null, `the file holds ${data.length} rows; at most ${MAX_IMPORT_ROWS} are accepted in one import`);
    return { rows, badCodes, firstLines };
  }
  const columns = header.cells.map((c) => (c ?? '').trim());
  const headerProblems = problems.length;
  columns.forEach((column, i) => {
    if (!(TRANSFER_COLUMNS as readonly string[]).includes(column)) {
      add(header.line, column || `column ${i + 1}`, `is not a column; the columns are ${TRANSFER_COLUMNS.join(', ')}`);
    } else if (columns.indexOf(column) !== i) add(header.line, column, 'appears twice in the header');
  });
  for (const column of REQUIRED) if (!columns.includes(column)) add(header.line, column, 'is a required column, missing from the header');
  if (problems.length > headerProblems) return { rows, badCodes, firstLines };
  for (const record of data) {
    if (record.cells.length !== columns.length) {
      add(record.line, null, `has ${record.cells.length} cells; the header has ${columns.length}`);
      const code = record.cells[columns.indexOf('code')];
      if (typeof code === 'string' && CODE_PATTERN.test(code)) badCodes.add(code);
      continue;
    }
    read(record.line, new Map(columns.map((column, i) => [column, record.cells[i] ?? null])), true);
  }
  return { rows, badCodes, firstLines };
}

/**
 * Reads one row, adding each of its problems. Answers the row when its code, dates and parent could
 * be read (other fields with a problem hold placeholders: such an import is refused, never written),
 * undefined otherwise.
 */
function readRow(
  line: number,
  values: Map<string, unknown>,
  csv: boolean,
  unitTypes: readonly string[],
  add: (line: number, field: string | null, message: string) => void,
): ParsedRow | undefined {
  /** Fields that place the row in time and in the tree. */
  const placing: ReadonlySet<Column> = new Set(['code', 'parentCode', 'effectiveDate', 'endDate']);
  let placed = true;
  const fail = (field: Column, message: string) => {
    if (placing.has(field)) placed = false;
    add(line, field, message);
  };
  /** A text field: its value, null when absent (or an empty CSV cell), undefined after a problem. */
  const text = (field: Column, required: boolean, max: number, min = 0): string | null | undefined => {
    const value = values.get(field);
    if (value === undefined || value === null) {
      if (required) fail(field, 'is required');
      return required ? undefined : null;
    }
    if (typeof value !== 'string') return void fail(field, 'must be a string');
    if (value.length < min) return void fail(field, 'must not be empty');
    if (value.length > max) return void fail(field, `must be at most ${max} characters long`);
    return value;
  };
  const date = (field: Column, required: boolean): string | null | undefined => {
    const value = text(field, required, 100);
    if (typeof value === 'string' && !isDate(value)) {
      return void fail(field, `must be a calendar date YYYY-MM-DD between ${MIN_DATE} and ${MAX_DATE}, got "${value}"`);
    }
    return value;
  };

  const code = text('code', true, 64);
  if (typeof code === 'string' && !CODE_PATTERN.test(code)) fail('code', OrgErrors.badCode(code).message);
  const name = text('name', true, 200, 1);
  const unitType = text('unitType', true, 100);
  if (typeof unitType === 'string' && !unitTypes.includes(unitType)) fail('unitType', OrgErrors.unknownType(unitType, unitTypes).message);
  const parentCode = text('parentCode', false, 64);
  if (typeof parentCode === 'string') {
    if (!CODE_PATTERN.test(parentCode)) fail('parentCode', OrgErrors.badCode(parentCode).message);
    else if (parentCode === code) fail('parentCode', 'a unit cannot be its own parent');
  }
  const status = text('status', false, 100) ?? 'ACTIVE';
  if (status !== 'ACTIVE' && status !== 'INACTIVE') fail('status', `must be ACTIVE or INACTIVE, got "${status}"`);
  const sortOrder = readSortOrder(values.get('sortOrder'), csv, (message) => fail('sortOrder', message));
  const description = text('description', false, 2000);
  const attributes = readAttributes(values.get('attributes'), csv, (message) => fail('attributes', message));
  const effectiveDate = date('effectiveDate', true);
  const endDate = date('endDate', false);
  if (typeof effectiveDate === 'string' && typeof endDate === 'string' && endDate < effectiveDate) {
    fail('endDate', `must not be before effectiveDate (${effectiveDate})`);
  }
  const changeReason = text('changeReason', false, 500);

  if (!placed) return undefined;
  return {
    line,
    code: code!,
    name: name ?? '',
    unitType: unitType ?? '',
    parentCode: parentCode ?? null,
    status: status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
    sortOrder: sortOrder ?? 0,
    description: description ?? null,
    attributes: attributes ?? {},
    effectiveDate: effectiveDate!,
    endDate: endDate ?? null,
    changeReason: changeReason ?? null,
  };
}

function readSortOrder(value: unknown, csv: boolean, fail: (message: string) => void): number | undefined {
  if (value === undefined || value === null) return 0;
  let n: number;
  if (csv && typeof value === 'string') {
    if (!/^[+-]?\d{1,7}$/.test(value.trim())) return void fail(`must be a whole number, got "${value}"`);
    n = Number(value.trim());
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    n = value;
  } else {
    return void fail('must be a whole number');
  }
  if (Math.abs(n) > SORT_ORDER_LIMIT) return void fail(`must be between -${SORT_ORDER_LIMIT} and ${SORT_ORDER_LIMIT}`);
  return n;
}

function readAttributes(value: unknown, csv: boolean, fail: (message: string) => void): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return {};
  let parsed: unknown = value;
  if (csv && typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch (error) {
      return void fail(`is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return void fail('must be a JSON object');
  return parsed as Record<string, unknown>;
}

interface Unit {
  code: string;
  rows: ParsedRow[];
  timeline: Version[];
}

/** Groups rows by unit and checks each timeline: no two versions on one day, no gap or overlap, only the last open. */
function timelines(rows: ParsedRow[], badCodes: Set<string>, add: (p: ImportProblem) => void, actor: Actor, changedAt: string) {
  const units = new Map<string, ParsedRow[]>();
  for (const row of rows) {
    const list = units.get(row.code);
    if (list) list.push(row);
    else units.set(row.code, [row]);
  }
  const good = new Map<string, Unit>();
  for (const [code, list] of units) {
    if (badCodes.has(code)) continue;
    const sorted = [...list].sort((a, b) =>
      a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : a.line - b.line,
    );
    let ok = true;
    sorted.forEach((row, i) => {
      const previous = sorted[i - 1];
      if (!previous) return;
      if (previous.effectiveDate === row.effectiveDate) {
        ok = false;
        return add({
          line: row.line,
          field: 'effectiveDate',
          message: `org unit ${code} has another version starting on ${row.effectiveDate} (line ${previous.line})`,
        });
      }
      if (previous.endDate === null) {
        ok = false;
        return add({
          line: previous.line,
          field: 'endDate',
          message: `only the last version of org unit ${code} may be open; the next one starts on ${row.effectiveDate} (line ${row.line})`,
        });
      }
      const expected = toOfEndDate(previous.endDate)!;
      if (row.effectiveDate !== expected) {
        ok = false;
        add({
          line: row.line,
          field: 'effectiveDate',
          message: `the versions of org unit ${code} must follow each other without ${row.effectiveDate > expected ? 'a gap' : 'overlapping'}: the one before (line ${previous.line}) ends on ${previous.endDate}, so this one must start on ${expected}`,
        });
      }
    });
    if (!ok) {
      badCodes.add(code);
      continue;
    }
    good.set(code, {
      code,
      rows: sorted,
      timeline: sorted.map((r) => ({
        name: r.name,
        unitType: r.unitType,
        parentCode: r.parentCode,
        status: r.status,
        sortOrder: r.sortOrder,
        description: r.description,
        attributes: r.attributes,
        changeReason: r.changeReason,
        changedBy: actor.id,
        changedAt,
        from: r.effectiveDate,
        to: toOfEndDate(r.endDate),
      })),
    });
  }
  return { codes: [...units.keys()], good };
}

/** The first day of [from, to) on which `parent` does not exist, if any. */
function uncovered(parent: Timeline, from: string, to: string | null): string | undefined {
  const first = parent[0];
  const last = parent.at(-1);
  if (!first || !last) return from;
  if (first.from > from) return from;
  if (last.to !== null && (to === null || to > last.to)) return last.to;
  return undefined;
}

/** Every unit above `code` on any date, through `timelines`. */
function ancestorsOf(code: string, timelines: ReadonlyMap<string, Timeline>): Set<string> {
  const seen = new Set<string>();
  const queue = [code];
  while (queue.length > 0) {
    const unit = queue.pop()!;
    for (const v of timelines.get(unit) ?? []) {
      if (v.parentCode !== null && v.parentCode !== code && !seen.has(v.parentCode)) {
        seen.add(v.parentCode);
        queue.push(v.parentCode);
      }
    }
  }
  return seen;
}

/** Codes with parents before children: a walk of the tree by each unit's first parent, siblings by code. */
function treeOrder(timelines: ReadonlyMap<string, Timeline>): string[] {
  const children = new Map<string | null, string[]>();
  for (const [code, t] of timelines) {
    const parent = t[0]?.parentCode ?? null;
    const key = parent !== null && timelines.has(parent) ? parent : null;
    const list = children.get(key);
    if (list) list.push(code);
    else children.set(key, [code]);
  }
  for (const list of children.values()) list.sort();
  const order: string[] = [];
  const seen = new Set<string>();
  const walk = (code: string) => {
    // Iterative, so that a deep tree cannot exhaust the stack.
    const stack = [code];
    while (stack.length > 0) {
      const unit = stack.pop()!;
      if (seen.has(unit)) continue;
      seen.add(unit);
      order.push(unit);
      stack.push(...[...(children.get(unit) ?? [])].reverse());
    }
  };
  for (const root of children.get(null) ?? []) walk(root);
  // A unit whose first parent is itself below it (not possible in stored data) still gets listed.
  for (const code of [...timelines.keys()].sort()) walk(code);
  return order;
}

/**
 * The order of an export, in which every row's parent has a row before it: rows by the day they
 * start (all on `asOf` when given: each unit's version in force then), and the rows of one day by
 * that day's tree, parents first, siblings by code. The parent a row names exists on the row's
 * first day, so its version in force that day starts earlier (an earlier day) or the same day (the
 * same day's tree, where it comes first). A unit's versions come oldest first. Grouping rows by unit
 * instead cannot keep that promise once units move: a unit may be a parent before it is a child.
 */
export function exportOrder(timelines: ReadonlyMap<string, Timeline>, asOf?: string): [string, Version][] {
  const byDay = new Map<string, Map<string, Timeline>>();
  for (const [code, timeline] of timelines) {
    for (const version of timeline) {
      const day = asOf ?? version.from;
      let units = byDay.get(day);
      if (!units) byDay.set(day, (units = new Map<string, Timeline>()));
      units.set(code, [version]);
    }
  }
  return [...byDay.keys()].sort().flatMap((day) => {
    const units = byDay.get(day)!;
    return treeOrder(units).map((code): [string, Version] => [code, units.get(code)![0]!]);
  });
}

/** Rows as CSV text: a header, then one line per row. */
export function rowsToCsv(rows: readonly TransferRow[]): string {
  const cells = (r: TransferRow): CsvCell[] => [
    r.code,
    r.name,
    r.unitType,
    r.parentCode,
    r.status,
    String(r.sortOrder),
    r.description,
    JSON.stringify(r.attributes),
    r.effectiveDate,
    r.endDate,
    r.changeReason,
  ];
  return writeCsv([[...TRANSFER_COLUMNS], ...rows.map(cells)]);
}

/** What the import-export service needs: the org service's database, audit, settings and change notices, from the composition root. */
export type OrgImportExportDeps = Pick<OrgServiceDeps, 'db' | 'audit' | 'policy' | 'unitTypes' | 'maxDepth' | 'onChange' | 'now'>;

export function createOrgImportExport(deps: OrgImportExportDeps) {
  const { db, audit, policy, unitTypes, maxDepth } = deps;
  const now = deps.now ?? (() => new Date());

  /**
   * The checks that need the database: codes already taken, parents that exist on every day of
   * their children's versions, and the tree on every date (cycles, depth). Every row that could be
   * read is checked for its code and parent, whatever else is wrong with it or its unit.
   */
  async function checkAgainstTree(
    executor: Kysely<Schema>,
    read: { rows: readonly ParsedRow[]; firstLines: ReadonlyMap<string, number> },
    units: Map<string, Unit>,
    badCodes: Set<string>,
    add: (p: ImportProblem) => void,
  ) {
    for (const code of await transferRepo.existingCodes(executor, [...read.firstLines.keys()])) {
      add({ line: read.firstLines.get(code)!, field: 'code', message: OrgErrors.exists(code).message });
      units.delete(code);
      badCodes.add(code);
    }
    const outside = new Set<string>();
    for (const row of read.rows) {
      if (row.parentCode !== null && !units.has(row.parentCode) && !badCodes.has(row.parentCode)) outside.add(row.parentCode);
    }
    const all = new Map<string, Timeline>(await orgRepo.ancestorTimelines(executor, [...outside]));
    for (const [code, unit] of units) all.set(code, unit.timeline);

    const failed = new Set<string>();
    for (const row of read.rows) {
      // A parent with problems of its own has them reported on its rows.
      if (row.parentCode === null || badCodes.has(row.parentCode)) continue;
      const parent = all.get(row.parentCode);
      if (!parent) {
        failed.add(row.code);
        add({ line: row.line, field: 'parentCode', message: `parent ${row.parentCode} exists neither in this import nor in Vigil` });
        continue;
      }
      const gap = uncovered(parent, row.effectiveDate, toOfEndDate(row.endDate));
      if (gap !== undefined) {
        failed.add(row.code);
        add({ line: row.line, field: 'parentCode', message: OrgErrors.parentNotValid(row.code, row.parentCode, gap).message });
      }
    }
    for (const unit of units.values()) {
      if (failed.has(unit.code)) continue;
      const above = ancestorsOf(unit.code, all);
      if ([...above].some((c) => badCodes.has(c) || failed.has(c))) continue;
      const others = new Map<string, Timeline>();
      for (const code of above) others.set(code, all.get(code) ?? []);
      try {
        checkHierarchy({ code: unit.code, timeline: unit.timeline, others, maxDepth });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const date = typeof error.details.date === 'string' ? error.details.date : unit.timeline[0]!.from;
        const index = unit.timeline.indexOf(versionAt(unit.timeline, date) ?? unit.timeline[0]!);
        add({ line: unit.rows[index]!.line, field: 'parentCode', message: error.message });
      }
    }
  }

  return {
    /**
     * Checks every row, then writes them all in one transaction, or nothing with `dryRun`.
     * Units hang only where the caller's `org:write` reaches (a global grant: anywhere, roots included).
     * 400 IMPORT_INVALID lists every problem; 403 FORBIDDEN when a unit would hang outside the caller's units.
     */
    async importUnits(caller: OrgCaller, input: ImportInput, options: { dryRun: boolean }): Promise<ImportSummary> {
      const { actor } = caller;
      const allowed = await policy.reach(caller.principal, 'org:write');
      const run = async (): Promise<ImportSummary> => {
        const problems: ImportProblem[] = [];
        const add = (p: ImportProblem) => problems.push(p);
        const changedAt = now().toISOString();
        const read = readRows(input, unitTypes, problems);
        const { rows, badCodes } = read;
        const { codes, good } = timelines(rows, badCodes, add, actor, changedAt);

        if (allowed !== 'all') {
          const imported = new Set(codes);
          for (const row of rows) {
            if (row.parentCode === null || (!imported.has(row.parentCode) && !allowed.has(row.parentCode))) throw OrgErrors.outOfScope();
          }
        }
        const summary = (dryRun: boolean): ImportSummary => ({ dryRun, units: codes.length, versions: rows.length, codes });

        if (options.dryRun || problems.length > 0) {
          // Nothing will be written: the checks read the tree as it is, without holding anything.
          await checkAgainstTree(db, read, good, badCodes, add);
          if (problems.length > 0) throw ImportErrors.invalid(problems);
          return summary(true);
        }
        return db.transaction().execute(async (tx) => {
          // Other changes to the shape of the tree wait: the checks below hold until commit.
          await lockTransaction(tx, LOCKS.orgStructure);
          await checkAgainstTree(tx, read, good, badCodes, add);
          if (problems.length > 0) throw ImportErrors.invalid(problems);
          const at = now();
          await transferRepo.insertUnits(tx, codes, at);
          await transferRepo.insertVersions(
            tx,
            codes.flatMap((code) => good.get(code)!.timeline.map((v) => ({ ...v, code }))),
          );
          for (const code of codes) {
            await audit.write(tx, {
              actorType: actor.type,
              actorId: actor.id,
              action: 'org_unit.import',
              resourceType: 'org_unit',
              resourceId: code,
              orgUnitCode: code,
              before: null,
              after: good.get(code)!.timeline.map((v) => versionView(code, v, 1)),
              result: 'success',
              requestId: actor.requestId ?? null,
              ip: actor.ip ?? null,
            });
          }
          return summary(false);
        });
      };

      if (options.dryRun) return run();
      const result = await run();
      deps.onChange();
      return result;
    },

    /**
     * Rows of the units the caller may see, every row after a row of its parent (exportOrder):
     * every version of each (without `asOf`), or only the version in force on `asOf`.
     */
    async exportUnits(caller: OrgCaller, options: { asOf?: string }): Promise<TransferRow[]> {
      const seen = await policy.reach(caller.principal, 'org:read');
      const all = options.asOf === undefined ? await transferRepo.allTimelines(db) : await transferRepo.versionsOn(db, options.asOf);
      const shown = new Map([...all].filter(([code]) => policy.covers(seen, code)));
      return exportOrder(shown, options.asOf).map(([code, v]) => toApiVersion(code, v));
    },
  };
}

export type OrgImportExport = ReturnType<typeof createOrgImportExport>;
